// A small world for the simulated Ray runtime's tests: an in-memory API server on a Simulation,
// a trace, the runtime watching it, and helpers that create a RayJob-owned RayCluster with its
// pods and move those pods (Running, killed, deleted) the way a kubelet would, by patching them.

import type { Job, Pod, RayCluster, RayJob } from '../../controller/api/types.js';
import { buildSubmitterJob, buildSubmitterTemplate } from '../../controller/ray/rayjob/submitter.js';
import { POD, RAY_JOB, RAY_ORIGINATED_FROM_CRD_LABEL_KEY, RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY } from '../../controller/api/constants.js';
import { createRng } from '../../sim/core/rng.js';
import type { Rng } from '../../sim/core/clock.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter, type TraceRecord } from '../../sim/core/trace.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import type { ObjectStore } from '../../sim/kube/store.js';
import { RayRuntime, type RayRuntimeOptions } from '../../sim/ray/index.js';
import { runPod } from '../fixtures/fake-kubelet.js';
import { makePod, makeRayCluster, makeRayJob } from '../fixtures/ray-builders.js';
import { rfc3339 } from '../../sim/core/clock.js';

export const NS = 'default';

export interface RayEnv {
  sim: Simulation;
  rng: Rng;
  store: ObjectStore;
  client: MemoryKubeClient;
  sink: MemorySink;
  trace: TraceWriter;
  ray: RayRuntime;
}

export async function rayEnv(o: { seed?: string; options?: RayRuntimeOptions } = {}): Promise<RayEnv> {
  const sim = new Simulation();
  const rng = createRng(o.seed ?? 'sim-ray');
  const store = createSimStore(sim, rng.fork('apiserver'), { freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { test: 'sim-ray' }, { elapsed: () => sim.elapsed() });
  const ray = new RayRuntime(sim, client, rng.fork('ray'), { trace, ...o.options });
  await ray.start();
  await settle({ sim });
  return { sim, rng, store, client, sink, trace, ray };
}

/** Runs everything due now (watch deliveries included); the clock does not move. */
export async function settle(env: { sim: Simulation }): Promise<void> {
  await env.sim.run({ until: env.sim.now() });
}

/** Moves the clock `ms` forward, running what falls due. */
export async function advance(env: { sim: Simulation }, ms: number): Promise<void> {
  await env.sim.run({ until: env.sim.now() + ms });
}

/** The runtime's trace records (actor "ray"), with t relative to the simulation start. */
export function rayRecords(env: RayEnv, type?: string): TraceRecord[] {
  return env.sink.records().filter((r) => r.actor === 'ray' && (type === undefined || r.type === type));
}

export interface TrainingCluster {
  rayJob?: RayJob;
  cluster: RayCluster;
  head: string;
  workers: string[];
}

export interface TrainingOptions {
  /** RayJob name (default "train"); null: a standalone RayCluster without a RayJob. */
  job?: string | null;
  cluster?: string;
  annotations?: Record<string, string>;
  workers?: number;
  gpusPerWorker?: number;
  headGpus?: number;
  group?: string;
}

/**
 * A RayJob (with annotations) and the RayCluster it owns (labels ray.io/originated-from-*), plus
 * its head and worker pods, all Pending. Nothing runs yet.
 */
export async function trainingCluster(env: RayEnv, o: TrainingOptions = {}): Promise<TrainingCluster> {
  const jobName = o.job === undefined ? 'train' : o.job;
  const clusterName = o.cluster ?? (jobName ? `${jobName}-abcde` : 'rc');
  const workers = o.workers ?? 2;
  const gpus = o.gpusPerWorker ?? 8;
  const group = o.group ?? 'gpu';
  let rayJob: RayJob | undefined;
  if (jobName) {
    const b = makeRayJob(jobName).workers(group, workers, { gpu: gpus });
    if (o.annotations) b.annotations(o.annotations);
    rayJob = await env.client.create(b.obj());
  }
  const cb = makeRayCluster(clusterName).head({ cpu: 4, gpu: o.headGpus ?? 0 }).workers(group, workers, { gpu: gpus });
  if (jobName) cb.labels({ [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: jobName, [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: 'RayJob' });
  const cluster = await env.client.create(cb.obj());
  const head = `${clusterName}-head-x1`;
  await env.client.create(makePod(head).rayNode(clusterName, 'head').requests({ cpu: 4, gpu: o.headGpus ?? 0 }).obj());
  const names: string[] = [];
  for (let i = 0; i < workers; i++) {
    const n = `${clusterName}-${group}-worker-w${i}`;
    await env.client.create(makePod(n).rayNode(clusterName, 'worker', group).requests({ cpu: 8, gpu: gpus }).obj());
    names.push(n);
  }
  await settle(env);
  return { rayJob, cluster, head, workers: names };
}

/** A worker pod (Pending) for an existing cluster, as KubeRay creates a replacement. */
export async function addWorker(env: RayEnv, cluster: string, name: string, o: { group?: string; gpus?: number } = {}): Promise<void> {
  await env.client.create(makePod(name).rayNode(cluster, 'worker', o.group ?? 'gpu').requests({ cpu: 8, gpu: o.gpus ?? 8 }).obj());
  await settle(env);
}

/** Binds the pod and marks it Running and Ready, as a kubelet does, then delivers the change. */
export async function runPods(env: RayEnv, ...names: string[]): Promise<void> {
  for (const name of names) {
    const pod = await env.client.get<Pod>(POD, name, NS);
    await runPod(env.client, pod, { now: env.sim.now() });
  }
  await settle(env);
}

/** The pod's Ray container terminated (phase Failed), with `reason` as the kubelet or a fault records it. */
export async function killPod(env: RayEnv, name: string, reason = 'Error'): Promise<void> {
  const pod = await env.client.get<Pod>(POD, name, NS);
  const at = rfc3339(env.sim.now());
  const status = {
    phase: 'Failed',
    conditions: [{ type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: at }],
    containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason, finishedAt: at } } })),
  };
  await env.client.patch<Pod>(POD, name, NS, { status }, 'merge', { subresource: 'status' });
  await settle(env);
}

/** Deletes the pod at once (grace 0). */
export async function deletePod(env: RayEnv, name: string): Promise<void> {
  await env.client.delete(POD, name, NS, { gracePeriodSeconds: 0 });
  await settle(env);
}

// ---------------------------------------------------------------------------------------------
// K8sJobMode submitters
// ---------------------------------------------------------------------------------------------

/**
 * What the RayJob controller does for K8sJobMode: status.jobId and status.dashboardURL on the
 * RayJob, then the submitter batch/v1 Job built by KubeRay's builders. Returns the Job.
 */
export async function submitterJob(env: RayEnv, rayJobName: string, cluster: string, jobId: string): Promise<Job> {
  const dashboardURL = `${cluster}-head-svc.${NS}.svc.cluster.local:8265`;
  const rayJob = await env.client.patch<RayJob>(RAY_JOB, rayJobName, NS, { status: { jobId, dashboardURL, rayClusterName: cluster } }, 'merge', { subresource: 'status' });
  const template = buildSubmitterTemplate(rayJob, rayJob.spec.rayClusterSpec!);
  return env.client.create(buildSubmitterJob(rayJob, template));
}

/** A pod of the submitter Job, as the Job controller creates it (Pending). */
export async function submitterPod(env: RayEnv, job: Job, name: string): Promise<Pod> {
  const t = structuredClone(job.spec.template);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: { ...t.metadata?.labels, 'batch.kubernetes.io/job-name': job.metadata.name!, 'batch.kubernetes.io/controller-uid': job.metadata.uid! },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: t.spec!,
  };
  const created = await env.client.create(pod);
  await settle(env);
  return created;
}
