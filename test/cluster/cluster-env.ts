// A simulated cluster for tests: the in-memory API server inside a Simulation, node pools, the
// simulated kubelet, optionally the Job controller, all on one SimManager, plus a trivial binder
// standing in for the scheduler (it binds each pending pod to the node named in its
// nodeSelector's kubernetes.io/hostname, else to the Ready nodes in name order, round-robin).

import type { Container, Job, Node, Pod } from '../../controller/api/core-types.js';
import { NODE, POD } from '../../controller/api/constants.js';
import { JobController, type JobControllerOptions } from '../../controller/batchjob/job-controller.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import type { Reconciler } from '../../controller/runtime/reconciler.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import type { Distribution } from '../../sim/core/distribution.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter, type TraceRecord } from '../../sim/core/trace.js';
import { Kubelet, type KubeletTimings, type ReadinessProber } from '../../sim/cluster/kubelet.js';
import type { NodePoolSpec } from '../../sim/cluster/node-pool.js';
import { NodePools } from '../../sim/cluster/node-pools.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import type { ObjectStore } from '../../sim/kube/store.js';

export const NS = 'default';
export const fixed = (value: number): Distribution => ({ kind: 'fixed', value });

/** Pull 60 s, start 3 s, stop 2 s: easy to add up. */
export const FIXED_TIMINGS: KubeletTimings = { imagePull: fixed(60_000), containerStart: fixed(3_000), stop: fixed(2_000) };

export interface ClusterEnvOptions {
  seed?: string;
  pools?: NodePoolSpec[];
  timings?: Partial<KubeletTimings>;
  /** Run the Job controller too. */
  jobs?: boolean | JobControllerOptions;
  /** Leave pods unbound (no binder). */
  noBinder?: boolean;
  /** Also record reconciles in the trace. */
  traceReconciles?: boolean;
  onPodRunning?: (pod: Pod) => void;
  prober?: ReadinessProber;
}

export interface ClusterEnv {
  sim: Simulation;
  store: ObjectStore;
  client: MemoryKubeClient;
  sink: MemorySink;
  trace: TraceWriter;
  pools: NodePools;
  kubelet: Kubelet;
  manager: SimManager;
  /** Runs the simulation up to `ms` virtual ms after the start. */
  runTo(ms: number): Promise<void>;
  /** Trace records after the header, optionally of some types. */
  records(...types: string[]): TraceRecord[];
  pod(name: string): Promise<Pod | undefined>;
  pods(): Promise<Pod[]>;
  node(name: string): Promise<Node>;
}

export const DEFAULT_POOLS: NodePoolSpec[] = [{ name: 'gpu', count: 2, shape: 'h100-8x' }];

export async function clusterEnv(o: ClusterEnvOptions = {}): Promise<ClusterEnv> {
  const seed = o.seed ?? 'cluster-test';
  const sim = new Simulation();
  const rng = createRng(seed);
  const store = createSimStore(sim, rng.fork('apiserver'), { defaultCrds: false, freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { seed }, { elapsed: () => sim.elapsed() });
  const elapsed = () => sim.elapsed();
  const pools = new NodePools({ client, clock: sim, pools: o.pools ?? DEFAULT_POOLS, trace, elapsed, timers: sim, rng: rng.fork('nodepools') });
  const kubelet = new Kubelet({ client, clock: sim, trace, elapsed, timings: { ...FIXED_TIMINGS, ...o.timings }, onPodRunning: o.onPodRunning, prober: o.prober });
  const manager = new SimManager(sim, client, { rng: rng.fork('manager'), onProgrammingError: 'throw', traceWriter: o.traceReconciles ? trace : undefined });
  manager.add(kubelet);
  if (!o.noBinder) manager.add(testBinder());
  if (o.jobs) manager.add(new JobController(o.jobs === true ? {} : o.jobs));
  await pools.start();
  await manager.start();
  return {
    sim,
    store,
    client,
    sink,
    trace,
    pools,
    kubelet,
    manager,
    async runTo(ms: number) {
      await sim.run({ until: sim.startTime + ms });
    },
    records(...types: string[]) {
      return sink.records().slice(1).filter((r) => types.length === 0 || types.includes(r.type));
    },
    async pod(name: string) {
      try {
        return await client.get<Pod>(POD, name, NS);
      } catch (e) {
        if (isApiError(e, 'NotFound')) return undefined;
        throw e;
      }
    },
    async pods() {
      return (await client.list<Pod>(POD, { namespace: NS })).items;
    },
    async node(name: string) {
      return client.get<Node>(NODE, name);
    },
  };
}

/** Binds pending pods: to the nodeSelector's hostname if given, else round-robin over Ready nodes by name. */
export function testBinder(): Reconciler {
  let next = 0;
  return {
    name: 'test-binder',
    for: POD,
    watches: [{ id: NODE, map: () => [] }],
    async reconcile(req, ctx) {
      const pod = ctx.cache.get<Pod>(POD, req.name, req.namespace);
      if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp || pod.status?.phase !== 'Pending') return {};
      let node = pod.spec.nodeSelector?.['kubernetes.io/hostname'];
      if (!node) {
        const ready = ctx.cache
          .list<Node>(NODE)
          .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          .map((n) => n.metadata.name!)
          .sort();
        if (ready.length === 0) return {};
        node = ready[next++ % ready.length]!;
      }
      try {
        await ctx.client.bind(pod.metadata.namespace!, pod.metadata.name!, node, pod.metadata.uid);
      } catch (e) {
        if (!isApiError(e, 'Conflict') && !isApiError(e, 'NotFound')) throw e;
      }
      return {};
    },
  };
}

export interface PodOptions {
  image?: string;
  node?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  grace?: number;
  gpus?: number;
  containers?: number;
  activeDeadlineSeconds?: number;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const containers: Container[] = [];
  for (let i = 0; i < (o.containers ?? 1); i++) {
    const c: Container = { name: i === 0 ? 'ray-head' : `sidecar-${i}`, image: o.image ?? 'rayproject/ray:2.34.0-py311-gpu' };
    if (i === 0 && o.gpus) c.resources = { limits: { 'nvidia.com/gpu': String(o.gpus) } };
    containers.push(c);
  }
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { containers, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
  };
  if (o.restartPolicy) pod.spec.restartPolicy = o.restartPolicy;
  if (o.grace !== undefined) pod.spec.terminationGracePeriodSeconds = o.grace;
  if (o.node) pod.spec.nodeSelector = { 'kubernetes.io/hostname': o.node };
  if (o.activeDeadlineSeconds !== undefined) pod.spec.activeDeadlineSeconds = o.activeDeadlineSeconds;
  return pod;
}

export interface JobOptions {
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  suspend?: boolean;
  node?: string;
  image?: string;
  ttlSecondsAfterFinished?: number;
}

/** A submitter-like Job: one pod, restartPolicy Never. */
export function makeJob(name: string, o: JobOptions = {}): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS, labels: { 'ray.io/originated-from-crd': 'RayJob' } },
    spec: {
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'ray-job-submitter', image: o.image ?? 'rayproject/ray:2.34.0' }],
          ...(o.node ? { nodeSelector: { 'kubernetes.io/hostname': o.node } } : {}),
        },
      },
    },
  };
  if (o.backoffLimit !== undefined) job.spec.backoffLimit = o.backoffLimit;
  if (o.activeDeadlineSeconds !== undefined) job.spec.activeDeadlineSeconds = o.activeDeadlineSeconds;
  if (o.suspend !== undefined) job.spec.suspend = o.suspend;
  if (o.ttlSecondsAfterFinished !== undefined) job.spec.ttlSecondsAfterFinished = o.ttlSecondsAfterFinished;
  return job;
}

/** Virtual ms since the start of a trace record of `type` about `name` (first match). */
export function timeOf(env: ClusterEnv, type: string, name: string): number | undefined {
  return env.records(type).find((r) => typeof r.ref === 'object' && r.ref.name === name)?.t;
}
