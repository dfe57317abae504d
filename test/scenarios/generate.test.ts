import { describe, expect, it } from 'vitest';
import { mean as distMean } from '../../sim/core/distribution.js';
import { createRng } from '../../sim/core/rng.js';
import {
  arrivalTimes,
  CHECKPOINT_INTERVAL_MS_ANNOTATION,
  expandWorkloads,
  FAIL_AFTER_MS_ANNOTATION,
  FAIL_ANNOTATION,
  GENERATOR_LABEL,
  KUEUE_QUEUE_LABEL,
  WORK_MS_ANNOTATION,
  workloadTimeline,
} from '../../scenarios/generate.js';
import { parseScenario } from '../../scenarios/loader.js';
import { checkManifestObject } from '../../scenarios/manifest-check.js';
import type { Scenario } from '../../scenarios/scenario-types.js';

const HEAD = `name: gen
seed: 5
duration: 1d
cluster:
  nodePools: [{ name: gpu, count: 8, shape: h100-8x }]
`;

function scenario(generators: string, extra = ''): Scenario {
  return parseScenario(`${HEAD}workloads:\n  generators:\n${generators}${extra}`, 'gen.yaml');
}

const MANY = `    - name: many
      arrival: { poisson: { ratePerHour: 100 } }
      until: 20h
      template:
        workers: { choice: { values: [1, 2, 4], weights: [1, 2, 1] } }
        gpusPerWorker: { choice: { values: [1, 8], weights: [3, 1] } }
        duration: { lognormal: { median: 30m, p90: 2h } }
        failureProbability: 0.1
        checkpointInterval: 15m
        priorityClass: low
        queue: team-a
`;

const worker = (j: { object: any }) => j.object.spec.rayClusterSpec.workerGroupSpecs[0];
const gpusOf = (j: { object: any }) => Number(worker(j).template.spec.containers[0].resources.limits['nvidia.com/gpu'] ?? 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

describe('expandWorkloads', () => {
  const s = scenario(MANY);
  const jobs = expandWorkloads(s, createRng(s.seed));

  it('is deterministic for a seed, and another seed gives other jobs', () => {
    expect(expandWorkloads(s, createRng(s.seed))).toEqual(jobs);
    const other = expandWorkloads(s, createRng('another'));
    expect(other.map((j) => j.atMs)).not.toEqual(jobs.map((j) => j.atMs));
  });

  it('sorts by time and names jobs <generator>-<index>', () => {
    for (let i = 1; i < jobs.length; i++) expect(jobs[i]!.atMs).toBeGreaterThanOrEqual(jobs[i - 1]!.atMs);
    expect(jobs.map((j) => j.object.metadata.name)).toEqual(jobs.map((_, i) => `many-${i}`));
    expect(jobs.every((j) => j.atMs >= 0 && j.atMs < 20 * 3_600_000)).toBe(true);
  });

  it('Poisson count within 4 standard deviations of rate x window', () => {
    const expected = 100 * 20;
    expect(Math.abs(jobs.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('worker counts, GPUs, durations and failures follow the template', () => {
    const t = s.workloads.generators[0]!.template;
    const workers = jobs.map((j) => worker(j).replicas as number);
    const avgWorkers = workers.reduce((a, b) => a + b, 0) / workers.length;
    expect(avgWorkers).toBeCloseTo(distMean(t.workers), 0);
    expect(Math.abs(avgWorkers - 2.25)).toBeLessThan(0.1);
    expect(new Set(workers)).toEqual(new Set([1, 2, 4]));
    const eight = jobs.filter((j) => gpusOf(j) === 8).length / jobs.length;
    expect(Math.abs(eight - 0.25)).toBeLessThan(0.04);
    const work = jobs.map((j) => Number(j.object.metadata.annotations![WORK_MS_ANNOTATION]));
    expect(median(work) / 1_800_000).toBeGreaterThan(0.9);
    expect(median(work) / 1_800_000).toBeLessThan(1.1);
    const p90 = [...work].sort((a, b) => a - b)[Math.floor(work.length * 0.9)]!;
    expect(p90 / 7_200_000).toBeGreaterThan(0.8);
    expect(p90 / 7_200_000).toBeLessThan(1.2);
    const failing = jobs.filter((j) => j.object.metadata.annotations![FAIL_ANNOTATION] === 'true');
    expect(Math.abs(failing.length / jobs.length - 0.1)).toBeLessThan(0.03);
    for (const j of failing) {
      const after = Number(j.object.metadata.annotations![FAIL_AFTER_MS_ANNOTATION]);
      expect(after).toBeGreaterThanOrEqual(0);
      expect(after).toBeLessThan(Number(j.object.metadata.annotations![WORK_MS_ANNOTATION]));
    }
  });

  it('builds KubeRay RayJobs: GPU limits and toleration, queue label, priority class, annotations', () => {
    const j = jobs.find((x) => gpusOf(x) === 8)!;
    const o = j.object;
    expect(o.apiVersion).toBe('ray.io/v1');
    expect(o.kind).toBe('RayJob');
    expect(o.metadata.labels).toEqual({ [GENERATOR_LABEL]: 'many', [KUEUE_QUEUE_LABEL]: 'team-a' });
    expect(o.metadata.annotations![CHECKPOINT_INTERVAL_MS_ANNOTATION]).toBe('900000');
    expect(o.spec.shutdownAfterJobFinishes).toBe(true);
    const w = worker(j);
    expect(w).toMatchObject({ groupName: 'gpu-workers', minReplicas: w.replicas, maxReplicas: w.replicas, numOfHosts: 1 });
    expect(w.template.spec.containers[0].resources.limits).toEqual({ cpu: '144', memory: '1600Gi', 'nvidia.com/gpu': 8 });
    expect(w.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(w.template.spec.priorityClassName).toBe('low');
    const head = o.spec.rayClusterSpec!.headGroupSpec.template.spec;
    expect(head.containers[0]!.resources!.limits).toEqual({ cpu: '4', memory: '16Gi' });
    expect(head.priorityClassName).toBe('low');
    expect(o.spec.entrypoint).toContain(`--work-ms=${o.metadata.annotations![WORK_MS_ANNOTATION]}`);
  });

  it('every generated RayJob passes the CRD schema and KubeRay validation (strict)', () => {
    for (const j of jobs.slice(0, 200)) expect(checkManifestObject(j.object)).toEqual([]);
  });

  it('generators have independent streams: adding one, or changing arrivals, keeps the others', () => {
    const more = scenario(
      MANY,
      `    - name: other
      arrival: { interval: { every: 1h } }
      template: { workers: 2, gpusPerWorker: 8, duration: 1h }
`,
    );
    const withOther = expandWorkloads(more, createRng(s.seed)).filter((j) => j.generator === 'many');
    expect(withOther).toEqual(jobs);
    const faster = scenario(MANY.replace('ratePerHour: 100', 'ratePerHour: 50'));
    const fjobs = expandWorkloads(faster, createRng(s.seed));
    expect(fjobs[7]!.object.spec).toEqual(jobs[7]!.object.spec);
    expect(fjobs[7]!.atMs).not.toBe(jobs[7]!.atMs);
  });
});

describe('arrival processes', () => {
  const gens = scenario(`    - name: tick
      arrival: { interval: { every: 25m } }
      start: 1h
      until: 5h
      template: { workers: 1, gpusPerWorker: 1, duration: 10m }
    - name: capped
      arrival: { poisson: { ratePerHour: 60 } }
      count: 17
      template: { workers: 1, gpusPerWorker: 1, duration: 10m }
    - name: burst
      arrival: { burst: { at: 2h, count: 5, every: 6h } }
      template: { workers: 1, gpusPerWorker: 0, duration: 10m }
`).workloads.generators;
  const rng = createRng(1);

  it('interval: one every period from the start, none at or after until', () => {
    expect(arrivalTimes(gens[0]!, rng)).toEqual([60, 85, 110, 135, 160, 185, 210, 235, 260, 285].map((m) => m * 60_000));
  });

  it('count caps a stream', () => {
    expect(arrivalTimes(gens[1]!, rng)).toHaveLength(17);
  });

  it('burst: count at once, repeated every period within the run', () => {
    const t = arrivalTimes(gens[2]!, rng);
    expect(t).toEqual([2, 8, 14, 20].flatMap((h) => Array(5).fill(h * 3_600_000)));
  });

  it('a CPU-only worker gets no GPU limit or GPU default sizes', () => {
    const s = scenario(`    - name: cpu
      arrival: { burst: { at: 0s, count: 1 } }
      template: { workers: 3, gpusPerWorker: 0, duration: 10m }
`);
    const [j] = expandWorkloads(s, createRng(0));
    expect(worker(j!).template.spec.containers[0].resources.limits).toEqual({ cpu: '8', memory: '32Gi' });
  });
});

describe('workloadTimeline', () => {
  it('merges manifests and generated jobs in time order, manifests first at the same instant', () => {
    const s = scenario(
      `    - name: j
      arrival: { interval: { every: 30m } }
      count: 3
      template: { workers: 1, gpusPerWorker: 1, duration: 10m }
`,
      `  manifests:
    - at: 30m
      object: { apiVersion: v1, kind: Namespace, metadata: { name: late } }
    - at: 0s
      object: { apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: { name: low }, value: 1 }
`,
    );
    const t = workloadTimeline(s, createRng(s.seed));
    expect(t.map((e) => [e.atMs / 60_000, e.object.kind, e.origin])).toEqual([
      [0, 'PriorityClass', 'manifest'],
      [0, 'RayJob', 'generator'],
      [30, 'Namespace', 'manifest'],
      [30, 'RayJob', 'generator'],
      [60, 'RayJob', 'generator'],
    ]);
  });
});
