// Parked polls change nothing a run reports: the same scenario and seed give the same trace,
// byte for byte, whether every RayJob poll runs (KubeRay's 3 s) or only the polls that can find
// something new. Covered here: K8sJobMode and HTTPMode jobs, activeDeadlineSeconds and
// preRunningDeadlineSeconds firing on their grid points, node failures that interrupt running
// jobs (checkpoint restarts), GPU errors, maintenance and an operator restart.
//
// Not covered, by design: scenarios with injected API latency. There a reconcile occupies virtual
// time, and the skipped polls' dispatch events change the order of work at one instant (the
// fault dice are then thrown in another order), so the runs are equally valid but not identical.
// Nor is byte-identity promised in general: a woken poll's timer is armed when the change
// happens rather than one period before, so work due at exactly that instant may run in another
// order; the records at each instant are the same (checked below for more seeds).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../scenarios/loader.js';
import { runScenario } from '../../sim/run.js';
import type { Scenario } from '../../scenarios/scenario-types.js';

const job = (name: string, o: { at: string; workMs: number; gpus: number; workers: number; extra?: string; mode?: string }) => `
    - at: ${o.at}
      object:
        apiVersion: ray.io/v1
        kind: RayJob
        metadata:
          name: ${name}
          annotations: { raysim.io/work-ms: "${o.workMs}", raysim.io/checkpoint-interval-ms: "600000" }
        spec:
          entrypoint: python train.py
          shutdownAfterJobFinishes: true
          ${o.mode ? `submissionMode: ${o.mode}` : ''}
          ${o.extra ?? ''}
          rayClusterSpec:
            rayVersion: '2.34.0'
            headGroupSpec:
              rayStartParams: {}
              template:
                spec:
                  containers: [{ name: ray-head, image: rayproject/ray:2.34.0, resources: { limits: { cpu: 4, memory: 16Gi } } }]
            workerGroupSpecs:
              - groupName: gpu
                replicas: ${o.workers}
                rayStartParams: {}
                template:
                  spec:
                    containers: [{ name: ray-worker, image: rayproject/ray:2.34.0, resources: { limits: { cpu: 16, memory: 128Gi, nvidia.com/gpu: ${o.gpus} } } }]
`;

const SCENARIO = `
name: parking-mix
seed: 5
duration: 5h
metricsSampleInterval: 1m
cluster:
  nodePools:
    - { name: gpu, count: 4, shape: h100-8x }
    - { name: cpu, count: 1, shape: cpu-96 }
workloads:
  manifests:
${job('deadline', { at: '1m', workMs: 3 * 3_600_000, gpus: 8, workers: 1, extra: 'activeDeadlineSeconds: 3601' })}
${job('http', { at: '2m', workMs: 40 * 60_000, gpus: 4, workers: 1, mode: 'HTTPMode' })}
${job('too-big', { at: '3m', workMs: 60_000, gpus: 8, workers: 6, extra: 'preRunningDeadlineSeconds: 900' })}
${job('gang', { at: '20m', workMs: 2 * 3_600_000, gpus: 8, workers: 2 })}
  generators:
    - name: small
      arrival: { poisson: { ratePerHour: 6 } }
      until: 3h
      template:
        workers: 1
        gpusPerWorker: { choice: { values: [1, 2, 4] } }
        duration: { lognormal: { median: 15m, p90: 45m } }
        checkpointInterval: 5m
        failureProbability: 0.1
faults:
  nodeFailures: { ratePerNodeDay: 3, repair: { fixed: 30m } }
  gpuErrors: { ratePerNodeDay: 2 }
  maintenance:
    - { at: 2h, pool: cpu, duration: 10m }
  operatorRestarts:
    - { at: 95m, downtime: 40s }
`;

async function traceOf(sc: Scenario, everyPoll: boolean, seed?: number): Promise<{ text: string; events: number; skipped: number; finished: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-parking-'));
  try {
    const file = path.join(dir, 'trace.jsonl');
    const r = await runScenario({ scenario: sc, everyPoll, traceFile: file, seed });
    expect(r.programmingErrors).toEqual([]);
    return { text: fs.readFileSync(file, 'utf8'), events: r.eventsRun, skipped: r.pollsSkipped, finished: r.metrics.jobs_completed + r.metrics.jobs_failed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('parked polls give the same run', () => {
  it('a mix of modes, deadlines, node and GPU failures, maintenance and an operator restart: byte-identical traces', async () => {
    const sc = parseScenario(SCENARIO, 'parking-mix.yaml');
    const every = await traceOf(sc, true);
    const parked = await traceOf(sc, false);
    // The scenario does what it is meant to: the deadlines fire and jobs are interrupted.
    expect(every.text).toContain('"DeadlineExceeded"');
    expect(every.text).toContain('"PreRunningDeadlineExceeded"');
    expect(every.text).toContain('"job.interrupted"');
    expect(every.finished).toBeGreaterThan(10);
    expect(parked.text).toBe(every.text);
    expect(parked.skipped).toBeGreaterThan(1000);
    expect(parked.events * 2).toBeLessThan(every.events);
  }, 120_000);

  /** The records of each virtual instant, sorted: what a run reports, whatever the order within an instant. */
  const byInstant = (text: string): string[] =>
    text
      .trim()
      .split('\n')
      .map((l) => {
        const { seq: _seq, ...r } = JSON.parse(l) as Record<string, unknown>;
        return `${String(r.t).padStart(12, '0')} ${JSON.stringify(r)}`;
      })
      .sort();

  for (const seed of [11, 23]) {
    it(`the mix, seed ${seed}: the same records at the same instants`, async () => {
      const sc = parseScenario(SCENARIO, 'parking-mix.yaml');
      const every = await traceOf(sc, true, seed);
      const parked = await traceOf(sc, false, seed);
      expect(byInstant(parked.text)).toEqual(byInstant(every.text));
    }, 120_000);
  }

  for (const seed of [42, 7]) {
    it(`h100-small, seed ${seed}: byte-identical traces`, async () => {
      const sc = loadScenario('scenarios/h100-small.yaml');
      const every = await traceOf(sc, true, seed);
      const parked = await traceOf(sc, false, seed);
      expect(parked.text).toBe(every.text);
      expect(parked.events * 3).toBeLessThan(every.events);
    }, 60_000);
  }
});
