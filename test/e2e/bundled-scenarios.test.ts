// The small bundled scenarios run end to end with every component (operator, scheduler, Job
// controller, kubelet, Ray runtime, faults) and meet their own expectations. The 30-day fleet is
// exercised for a few simulated hours here; its full run belongs to `npm run bench`.

import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../scenarios/loader.js';
import { runScenario } from '../../sim/run.js';

describe('bundled scenarios', () => {
  for (const name of ['h100-small', 'api-chaos', 'rayservice-upgrade']) {
    it(`${name} runs and meets its expectations`, async () => {
      const r = await runScenario({ scenario: loadScenario(`scenarios/${name}.yaml`) });
      expect(r.programmingErrors).toEqual([]);
      expect(r.violations.map((v) => v.message)).toEqual([]);
      expect(r.eventsRun).toBeGreaterThan(1000);
    }, 60_000);
  }

  it('rayservice-upgrade: the serve Service is watched (downtime 0, not n/a); draining every node in the middle costs downtime, and the expectation says so', async () => {
    const sc = loadScenario('scenarios/rayservice-upgrade.yaml');
    const ok = await runScenario({ scenario: sc });
    expect(ok.metrics.serve_downtime_s).toBe(0);
    // All four nodes drained 15 minutes in (the serve pods are evicted) for 10 minutes.
    const drained = await runScenario({ scenario: { ...sc, faults: { ...sc.faults, maintenance: [{ atMs: 15 * 60_000, drain: true, durationMs: 10 * 60_000 }] } } });
    expect(drained.metrics.serve_downtime_s).toBeGreaterThan(0);
    expect(drained.violations.map((v) => v.message)).toEqual([expect.stringMatching(/^expected serve_downtime_s == 0/)]);
  }, 120_000);

  it('api-chaos completes every job despite injected 409/429/500s, dropped watches and operator restarts', async () => {
    const r = await runScenario({ scenario: loadScenario('scenarios/api-chaos.yaml') });
    expect(r.metrics.jobs_submitted).toBe(20);
    expect(r.metrics.jobs_completed).toBe(20);
  }, 60_000);

  it('h100-fleet-30d runs its first simulated hours with 1,024 nodes', async () => {
    const r = await runScenario({ scenario: loadScenario('scenarios/h100-fleet-30d.yaml'), untilMs: 2 * 3_600_000 });
    expect(r.programmingErrors).toEqual([]);
    expect(r.metrics.gpu_hours_available).toBeCloseTo(1024 * 8 * 2, 0);
    expect(r.metrics.jobs_submitted).toBeGreaterThan(10);
  }, 120_000);
});
