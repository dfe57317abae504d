import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPath, loadScenario, parseScenario } from '../../scenarios/loader.js';
import { formatProblem, ScenarioError } from '../../scenarios/scenario-error.js';
import { DEFAULT_IMAGE_PULL, DEFAULT_NODE_REPAIR, LLAMA3_FAILURE_CAUSES } from '../../scenarios/scenario-types.js';
import { BROKEN, HEAD } from './cases.js';

function problemsOf(text: string, file: string): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError, the scenario loaded');
}

describe('broken scenarios report every problem with file, line, column and path', () => {
  it.each(BROKEN.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const file = c.file ?? 'scenario.yaml';
    const err = problemsOf(c.text, file);
    const got = err.problems.map((p) => [p.file, p.line, p.column, p.path, p.message]);
    expect(got).toEqual(c.want.map(([f, ...rest]) => [f ?? file, ...rest]));
    // The message lists them all, one per line, as file:line:col: path: message.
    expect(err.message.split('\n').slice(1).map((l) => l.trim())).toEqual(err.problems.map(formatProblem));
  });

  it('formats a problem as file:line:col: path: message', () => {
    expect(formatProblem({ file: 'a.yaml', line: 3, column: 7, path: 'workloads.generators[0].name', message: 'm' })).toBe('a.yaml:3:7: workloads.generators[0].name: m');
    expect(formatProblem({ file: 'a.yaml', line: 1, column: 1, path: '', message: 'the scenario is empty' })).toBe('a.yaml:1:1: the scenario is empty');
  });

  it('a missing file is a problem, not a crash', () => {
    const err = (() => {
      try {
        loadScenario('test/scenarios/fixtures/does-not-exist.yaml');
      } catch (e) {
        return e as ScenarioError;
      }
      throw new Error('loaded');
    })();
    expect(err).toBeInstanceOf(ScenarioError);
    expect(err.lines()).toEqual(['test/scenarios/fixtures/does-not-exist.yaml:1:1: no such file']);
  });

  it('never returns a half-valid scenario: one bad field anywhere rejects the whole file', () => {
    const good = fs.readFileSync('scenarios/h100-small.yaml', 'utf8');
    expect(() => parseScenario(good, 'scenarios/h100-small.yaml')).not.toThrow();
    const bad = good.replace('median: 20m, p90: 1h', 'median: 20m, p90: 10m');
    expect(bad).not.toBe(good);
    const err = problemsOf(bad, 'scenarios/h100-small.yaml');
    expect(err.problems.map((p) => p.path)).toEqual(['workloads.generators[0].template.duration.lognormal.p90']);
  });

  it('formats paths with indexes and bracketed keys', () => {
    expect(formatPath(['workloads', 'generators', 0, 'template', 'duration'])).toBe('workloads.generators[0].template.duration');
    expect(formatPath(['metadata', 'annotations', 'ray.io/ft-enabled'])).toBe('metadata.annotations[ray.io/ft-enabled]');
    expect(formatPath([])).toBe('');
  });
});

describe('parseScenario: the loaded model', () => {
  it('converts durations to ms, distributions to sim/core values, and fills defaults', () => {
    const s = parseScenario(
      HEAD +
        `seed: abc
workloads:
  generators:
    - name: g
      arrival: { poisson: { ratePerHour: 6 } }
      start: 1m30s
      template:
        workers: { choice: { values: [1, 2], weights: [3, 1] } }
        gpusPerWorker: 8
        duration: { exponential: { mean: 30m } }
        checkpointInterval: 10m
        queue: team-a
faults:
  nodeFailures: {}
  operatorRestarts: [{ at: 30m }]
expectations:
  - jct_p95_s < 7200
  - { metric: goodput_pct, op: '>=', value: 90 }
`,
      'x.yaml',
    );
    expect(s.name).toBe('t');
    expect(s.seed).toBe('abc');
    expect(s.durationMs).toBe(3_600_000);
    expect(s.metricsSampleIntervalMs).toBe(60_000);
    expect(s.cluster.nodePools).toEqual([{ name: 'gpu', count: 2, shape: 'h100-8x' }]);
    const g = s.workloads.generators[0]!;
    expect(g).toMatchObject({ name: 'g', arrival: { kind: 'poisson', ratePerHour: 6 }, startMs: 90_000, untilMs: 3_600_000 });
    expect(g.template).toMatchObject({
      kind: 'RayJob',
      workers: { kind: 'choice', values: [1, 2], weights: [3, 1] },
      gpusPerWorker: { kind: 'fixed', value: 8 },
      duration: { kind: 'exponential', mean: 1_800_000 },
      checkpointIntervalMs: 600_000,
      queue: 'team-a',
      namespace: 'default',
      failureProbability: 0,
      shutdownAfterJobFinishes: true,
      headGpus: 0,
    });
    expect(s.faults.nodeFailures).toEqual({ ratePerNodeDay: 3.8e-3, causes: { ...LLAMA3_FAILURE_CAUSES }, repair: DEFAULT_NODE_REPAIR, replace: false });
    expect(s.faults.operatorRestarts).toEqual([{ atMs: 1_800_000, downtimeMs: 10_000 }]);
    expect(s.kubelet.imagePull).toEqual(DEFAULT_IMAGE_PULL);
    expect(s.operator).toEqual({ placementPolicy: 'least-allocated', admission: 'none' });
    expect(s.expectations).toEqual([
      { metric: 'jct_p95_s', op: '<', value: 7200 },
      { metric: 'goodput_pct', op: '>=', value: 90 },
    ]);
  });

  it('lognormal from median and p90, or median and sigma; shapes starting from a preset', () => {
    const s = parseScenario(
      `name: t
duration: 2d
cluster:
  nodePools:
    - { name: cheap, count: 4, shape: { preset: h100-8x, pricePerHour: 39.2 }, zones: [a, b] }
    - { name: cpu, count: 1, shape: { cpu: 96, memory: 384Gi } }
kubelet:
  imagePull: { lognormal: { median: 1m, p90: 3m } }
  containerStart: { lognormal: { median: 10s, sigma: 0.5 } }
`,
      'x.yaml',
    );
    expect(s.kubelet.imagePull.kind).toBe('lognormal');
    const ip = s.kubelet.imagePull as { mu: number; sigma: number };
    expect(Math.exp(ip.mu)).toBeCloseTo(60_000, 6);
    expect(Math.exp(ip.mu + 1.2815515655446004 * ip.sigma)).toBeCloseTo(180_000, 4);
    expect(s.kubelet.containerStart).toEqual({ kind: 'lognormal', mu: Math.log(10_000), sigma: 0.5 });
    expect(s.cluster.nodePools[0]!.shape).toEqual({ cpu: '191450m', memory: '1938410Mi', gpus: 8, pods: 100, instanceType: 'p5.48xlarge', pricePerHour: 39.2 });
    expect(s.cluster.nodePools[1]!.shape).toEqual({ cpu: '96', memory: '384Gi', gpus: 0, pods: 110, instanceType: 'custom', pricePerHour: 0 });
  });

  it("expectations: sim/metrics' metrics and operators, per-cause counts, tolerances", () => {
    const s = parseScenario(
      HEAD +
        `expectations:
  - node_failures_by_cause.faulty-gpu <= 2
  - fragmentation != 1
  - { metric: node_failures_by_cause.nic, op: '==', value: 0 }
  - { metric: gpu_allocation_pct, op: '==', value: 81, tolerance: 0.5 }
`,
      'x.yaml',
    );
    expect(s.expectations).toEqual([
      { metric: 'node_failures_by_cause.faulty-gpu', op: '<=', value: 2 },
      { metric: 'fragmentation', op: '!=', value: 1 },
      { metric: 'node_failures_by_cause.nic', op: '==', value: 0 },
      { metric: 'gpu_allocation_pct', op: '==', value: 81, tolerance: 0.5 },
    ]);
  });

  it('YAML anchors and merge keys work (shared templates)', () => {
    const s = parseScenario(
      HEAD +
        `workloads:
  generators:
    - name: a
      arrival: { interval: { every: 10m } }
      template: &base { workers: 1, gpusPerWorker: 1, duration: 5m }
    - name: b
      arrival: { interval: { every: 20m } }
      template: { <<: *base, gpusPerWorker: 2 }
`,
      'x.yaml',
    );
    expect(s.workloads.generators.map((g) => g.template.gpusPerWorker)).toEqual([
      { kind: 'fixed', value: 1 },
      { kind: 'fixed', value: 2 },
    ]);
    expect(s.workloads.generators[1]!.template.duration).toEqual({ kind: 'fixed', value: 300_000 });
  });
});
