// Expanding a scenario's workload generators into KubeRay RayJobs (ray.io/v1) with submit times.
//
// Determinism: every generator draws from rng.fork(`generator/<name>`); its arrival times from
// .fork('arrivals') and job i's shape from .fork(`job/<i>`). So the same seed gives the same jobs,
// adding a generator never changes another's jobs, and changing the arrival process keeps job i's
// size, duration and fate.
//
// The jobs are ordinary RayJobs that a user could have written: a head group and one worker group
// with fixed replicas (min = max = replicas), per-worker nvidia.com/gpu limits and the GPU
// toleration. What the simulated Ray runtime needs to know about the job's work rides along as
// annotations (WORK_MS_ANNOTATION, FAIL_ANNOTATION, ...); a real Ray cluster ignores them.

import type { Container, PodTemplateSpec, Toleration } from '../controller/api/core-types.js';
import type { RayJob } from '../controller/api/rayjob-types.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import type { Rng } from '../sim/core/clock.js';
import { sample } from '../sim/core/distribution.js';
import { exponential } from '../sim/core/rng.js';
import {
  DEFAULT_CPU_PER_GPU,
  DEFAULT_CPU_WORKER_CPU,
  DEFAULT_CPU_WORKER_MEMORY,
  DEFAULT_MEMORY_GIB_PER_GPU,
  type RayJobTemplate,
  type Scenario,
  type WorkloadGenerator,
} from './scenario-types.js';

// The workload hints the simulated Ray runtime reads live with the API types (both sides import them).
export { CHECKPOINT_INTERVAL_MS_ANNOTATION, FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, WORK_MS_ANNOTATION } from '../controller/api/workload-hints.js';
import { CHECKPOINT_INTERVAL_MS_ANNOTATION, FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, WORK_MS_ANNOTATION } from '../controller/api/workload-hints.js';
import { deepClone } from '../controller/runtime/deep-copy.js';
/** The generator that made the job (label). */
export const GENERATOR_LABEL = 'raysim.io/generator';
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const WORKER_GROUP_NAME = 'gpu-workers';
/** GPU nodes carry nvidia.com/gpu:NoSchedule; GPU pods (and heads, so they can run on a GPU-only fleet) tolerate it. */
export const GPU_TOLERATION: Readonly<Toleration> = { key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' };

export interface GeneratedJob {
  /** Virtual ms after the start. */
  atMs: number;
  object: RayJob;
  generator: string;
  index: number;
}

/** What a generated job drew, before it is rendered as a RayJob. */
export interface JobDraw {
  workers: number;
  gpusPerWorker: number;
  workMs: number;
  fail: boolean;
  failAfterMs?: number;
}

/** Arrival times of one generator (ascending, within [startMs, untilMs), at most `count`). */
export function arrivalTimes(g: WorkloadGenerator, rng: Rng): number[] {
  const out: number[] = [];
  const max = g.count ?? Infinity;
  const a = g.arrival;
  switch (a.kind) {
    case 'poisson': {
      const ratePerMs = a.ratePerHour / 3_600_000;
      let t = g.startMs;
      for (;;) {
        t += exponential(rng, ratePerMs);
        if (t >= g.untilMs || out.length >= max) break;
        out.push(Math.floor(t));
      }
      break;
    }
    case 'interval':
      for (let t = g.startMs; t < g.untilMs && out.length < max; t += a.everyMs) out.push(t);
      break;
    case 'burst':
      for (let t = a.atMs; t < g.untilMs && out.length < max; t += a.everyMs ?? Infinity) {
        if (t < g.startMs) continue;
        for (let k = 0; k < a.count && out.length < max; k++) out.push(t);
        if (a.everyMs === undefined) break;
      }
      break;
  }
  return out;
}

/** The random draws of one job. */
export function drawJob(t: RayJobTemplate, rng: Rng): JobDraw {
  const workers = Math.max(1, Math.round(sample(t.workers, rng.fork('workers'))));
  const gpusPerWorker = Math.max(0, Math.round(sample(t.gpusPerWorker, rng.fork('gpus'))));
  const workMs = Math.max(1, Math.round(sample(t.duration, rng.fork('duration'))));
  const fate = rng.fork('fate');
  const fail = fate.next() < t.failureProbability;
  const draw: JobDraw = { workers, gpusPerWorker, workMs, fail };
  if (fail) draw.failAfterMs = Math.floor(fate.next() * workMs);
  return draw;
}

function resources(cpu: string, memory: string, gpus: number): Container['resources'] {
  const list: Record<string, string | number> = { cpu, memory };
  if (gpus > 0) list[GPU_RESOURCE] = gpus;
  return { limits: { ...list }, requests: { ...list } };
}

function podTemplate(t: RayJobTemplate, container: Container): PodTemplateSpec {
  return {
    spec: {
      containers: [container],
      tolerations: [{ ...GPU_TOLERATION }],
      ...(t.priorityClass ? { priorityClassName: t.priorityClass } : {}),
    },
  };
}

/** Renders a RayJob as a user would write it for KubeRay. */
export function buildRayJob(name: string, generator: string, t: RayJobTemplate, d: JobDraw): RayJob {
  const workerCpu = t.cpuPerWorker ?? (d.gpusPerWorker > 0 ? String(DEFAULT_CPU_PER_GPU * d.gpusPerWorker) : DEFAULT_CPU_WORKER_CPU);
  const workerMemory = t.memoryPerWorker ?? (d.gpusPerWorker > 0 ? `${DEFAULT_MEMORY_GIB_PER_GPU * d.gpusPerWorker}Gi` : DEFAULT_CPU_WORKER_MEMORY);
  const annotations: Record<string, string> = { [WORK_MS_ANNOTATION]: String(d.workMs), [FAIL_ANNOTATION]: String(d.fail) };
  if (d.fail && d.failAfterMs !== undefined) annotations[FAIL_AFTER_MS_ANNOTATION] = String(d.failAfterMs);
  if (t.checkpointIntervalMs !== undefined) annotations[CHECKPOINT_INTERVAL_MS_ANNOTATION] = String(Math.round(t.checkpointIntervalMs));
  const labels: Record<string, string> = { ...(t.labels ?? {}), [GENERATOR_LABEL]: generator };
  if (t.queue) labels[KUEUE_QUEUE_LABEL] = t.queue;
  const args = [`--work-ms=${d.workMs}`];
  if (d.fail) args.push(`--fail-after-ms=${d.failAfterMs ?? 0}`);
  if (t.checkpointIntervalMs !== undefined) args.push(`--checkpoint-interval-ms=${Math.round(t.checkpointIntervalMs)}`);
  return {
    apiVersion: 'ray.io/v1',
    kind: 'RayJob',
    metadata: { name, namespace: t.namespace, labels, annotations },
    spec: {
      entrypoint: `python -m raysim_workload ${args.join(' ')}`,
      ...(t.submissionMode ? { submissionMode: t.submissionMode } : {}),
      shutdownAfterJobFinishes: t.shutdownAfterJobFinishes,
      ...(t.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: t.ttlSecondsAfterFinished } : {}),
      ...(t.backoffLimit !== undefined ? { backoffLimit: t.backoffLimit } : {}),
      rayClusterSpec: {
        rayVersion: t.rayVersion,
        headGroupSpec: {
          rayStartParams: {},
          template: podTemplate(t, { name: 'ray-head', image: t.image, resources: resources(t.headCpu, t.headMemory, t.headGpus) }),
        },
        workerGroupSpecs: [
          {
            groupName: WORKER_GROUP_NAME,
            replicas: d.workers,
            minReplicas: d.workers,
            maxReplicas: d.workers,
            numOfHosts: 1,
            rayStartParams: {},
            template: podTemplate(t, { name: 'ray-worker', image: t.image, resources: resources(workerCpu, workerMemory, d.gpusPerWorker) }),
          },
        ],
      },
    },
  };
}

/** The generators' RayJobs, sorted by submit time (ties: generator order, then index). */
export function expandWorkloads(scenario: Pick<Scenario, 'workloads'>, rng: Rng): GeneratedJob[] {
  const out: (GeneratedJob & { g: number })[] = [];
  scenario.workloads.generators.forEach((g, gi) => {
    const grng = rng.fork(`generator/${g.name}`);
    const times = arrivalTimes(g, grng.fork('arrivals'));
    times.forEach((atMs, index) => {
      const name = `${g.name}-${index}`;
      const draw = drawJob(g.template, grng.fork(`job/${index}`));
      out.push({ atMs, object: buildRayJob(name, g.name, g.template, draw), generator: g.name, index, g: gi });
    });
  });
  out.sort((a, b) => a.atMs - b.atMs || a.g - b.g || a.index - b.index);
  return out.map(({ g: _g, ...job }) => job);
}

export interface TimelineEntry {
  atMs: number;
  object: KubeObject;
  /** 'manifest' (written in the scenario) or 'generator'. */
  origin: 'manifest' | 'generator';
}

/** Everything the run creates or updates, in order: manifests (file order) and generated jobs. At
 * the same instant manifests come first, so generated jobs can rely on namespaces and queues. */
export function workloadTimeline(scenario: Pick<Scenario, 'workloads'>, rng: Rng): TimelineEntry[] {
  const manifests = scenario.workloads.manifests.map((m, i) => ({ atMs: m.at, object: m.object, origin: 'manifest' as const, o: 0, i }));
  const jobs = expandWorkloads(scenario, rng).map((j, i) => ({ atMs: j.atMs, object: j.object as KubeObject, origin: 'generator' as const, o: 1, i }));
  return [...manifests, ...jobs]
    .sort((a, b) => a.atMs - b.atMs || a.o - b.o || a.i - b.i)
    .map(({ atMs, object, origin }) => ({ atMs, object: deepClone(object), origin }));
}
