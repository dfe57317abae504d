// `raysim run`: the composition root of a scenario run. One Simulation; the in-memory API server;
// and, as controllers over one KubeClient, the Ray operator (unchanged from `raysim operator`),
// the scheduler, the batch/v1 Job controller, the simulated kubelet, node pools, the simulated
// Ray runtime, the fault injector and the workload feeder. Every component writes to one trace;
// metrics are computed from the records as they are written (the same pure functions a saved
// trace gives), so no second pass is needed.

import type { Pod, RayJob } from '../controller/api/types.js';
import { jobController } from '../controller/batchjob/index.js';
import { rayReconcilers } from '../controller/ray/index.js';
import { isApiError } from '../controller/runtime/api-error.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { createLogger, silentLogger } from '../controller/runtime/logger.js';
import { SimManager } from '../controller/runtime/sim-manager.js';
import { createScheduler, type SchedulingDecision } from '../controller/scheduler/index.js';
import { loadScenario } from '../scenarios/loader.js';
import type { Scenario } from '../scenarios/scenario-types.js';
import { workloadTimeline } from '../scenarios/generate.js';
import { createRng } from './core/rng.js';
import { Simulation } from './core/simulation.js';
import { FileSink, NullSink, TraceWriter, type TraceRecord, type TraceSink } from './core/trace.js';
import { TRACE } from './core/trace-events.js';
import { Kubelet } from './cluster/kubelet.js';
import { ServeEndpointsObserver } from './cluster/serve-endpoints.js';
import { NodePools } from './cluster/node-pools.js';
import { NodeFaults } from './faults/node-faults.js';
import { createSimClient, createSimStore } from './kube/create-store.js';
import { MemoryKubeClient } from './kube/memory-client.js';
import { MetricsAccumulator, type Metrics } from './metrics/compute.js';
import { checkExpectations, type ExpectationViolation } from './metrics/report.js';
import { Sampler } from './metrics/sampler.js';
import { kubeletExits, RayRuntime, SubmitterRunner } from './ray/index.js';

export interface RunOptions {
  scenario: Scenario;
  /** Overrides the scenario's seed. */
  seed?: string | number;
  /** Virtual ms to run (default: the scenario's duration). */
  untilMs?: number;
  /** Write the trace here (JSON lines); omitted: metrics only. */
  traceFile?: string;
  /** Called between chunks of the run (about 200 per run) with the virtual progress. */
  onProgress?: (p: { simMs: number; totalMs: number; events: number }) => void;
  /** Record every reconcile in the trace (large for long runs; default false). */
  traceReconciles?: boolean;
  /** Count events and their wall time per kind (RunResult.eventsByLabel): where a long run goes. */
  profile?: boolean;
  /**
   * Run every controller poll, as KubeRay does against a real cluster, instead of parking polls
   * that cannot find anything new (poll-parking.ts). Same results up to ties at one instant;
   * much slower on long runs.
   */
  everyPoll?: boolean;
}

export interface RunResult {
  metrics: Metrics;
  violations: ExpectationViolation[];
  eventsRun: number;
  simMs: number;
  wallMs: number;
  traceRecords: number;
  /** The `sample` records (utilisation over time), for timeseries.csv. */
  samples: TraceRecord[];
  /** Reconcile errors that are bugs (non-API exceptions), which a healthy run has none of. */
  programmingErrors: string[];
  /** With `profile`: events run per kind (the label's first two words) and their wall ms, most time first. */
  eventsByLabel?: Array<[label: string, count: number, wallMs: number]>;
  /** Polls that found nothing new and were not run (an estimate; 0 with everyPoll). */
  pollsSkipped: number;
  /** Objects in the API server when the run ended, and how many pods were running. */
  alive: { nodes: number; pods: number; podsRunning: number; rayClusters: number; rayJobs: number };
}

/** A scenario that loads but cannot run (a feature it asks for is not simulated yet). */
export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

const RAYJOB = { apiVersion: 'ray.io/v1', kind: 'RayJob' };

export async function runScenarioFile(file: string, o: Omit<RunOptions, 'scenario'> = {}): Promise<RunResult> {
  return runScenario({ ...o, scenario: loadScenario(file) });
}

export async function runScenario(o: RunOptions): Promise<RunResult> {
  const wallStart = performance.now();
  const sc = o.scenario;
  const seed = o.seed ?? sc.seed;
  const totalMs = o.untilMs ?? sc.durationMs;
  if (sc.operator.batchScheduler === 'volcano')
    throw new RunError(`${sc.file}: operator.batchScheduler: volcano needs Volcano's gang scheduler, which raysim does not simulate yet; use "default"`);
  const sim = new Simulation({ countLabels: o.profile });
  const rng = createRng(seed);

  const metrics = new MetricsAccumulator();
  const sampler = new Sampler();
  const samples: TraceRecord[] = [];
  const sink: TraceSink = o.traceFile ? new FileSink(o.traceFile) : new NullSink();
  const trace = new TraceWriter(sink, { scenario: sc.name, seed: String(seed), durationMs: totalMs }, {
    elapsed: () => sim.elapsed(),
    onRecord: (r) => {
      metrics.add(r);
      sampler.add(r);
      if (r.type === TRACE.sample) samples.push(r);
    },
  });
  const traced = { trace, elapsed: () => sim.elapsed() };

  // GPU fleets run with ExtendedResourceToleration, so GPU pods tolerate the nvidia.com/gpu taint.
  const store = createSimStore(sim, rng.fork('apiserver'), { extendedResourceToleration: true });
  // Controllers (operator, scheduler, Job controller, kubelet reconciles) use `client`, which sees
  // injected API faults; the simulated infrastructure's own bookkeeping (node pools, kubelet
  // hooks, the Ray runtime, faults, the workload observer) uses `infra`, which does not.
  const client = createSimClient(sim, store);
  const infra = new MemoryKubeClient(store, { exemptFromFaults: true });

  const pools = new NodePools({ client: infra, clock: sim, pools: sc.cluster.nodePools, timers: sim, rng: rng.fork('nodepools'), ...traced });
  const ray = new RayRuntime(sim, infra, rng.fork('ray'), { headStart: sc.ray.headStart, serveAppStart: sc.ray.serveAppStart, trace });
  const kubelet = new Kubelet({ client: infra, clock: sim, timings: { imagePull: sc.kubelet.imagePull, containerStart: sc.kubelet.containerStart }, prober: ray.prober, ...traced });
  const manager = new SimManager(sim, client, { rng: rng.fork('operator'), logger: process.env.RAYSIM_DEBUG ? createLogger({ level: 'debug', format: 'text' }) : silentLogger, traceWriter: o.traceReconciles ? trace : undefined, pollSources: o.everyPoll ? undefined : ray.pollSources });
  for (const r of rayReconcilers({ dashboards: ray.dashboards, batchScheduler: sc.operator.batchScheduler })) manager.add(r);
  manager.add(jobController());
  manager.add(kubelet);
  manager.add(createScheduler({ policy: sc.operator.placementPolicy, onDecision: (d) => recordDecision(trace, d) }));
  const runner = new SubmitterRunner(sim, infra, ray, kubeletExits(kubelet));

  const nodes = await pools.start();
  await observeJobs(infra, trace);
  await new ServeEndpointsObserver(infra, traced).start();
  await ray.start();
  await runner.start();
  await manager.start();
  // API faults start once the cluster is up: the scenario is about running workloads on a flaky
  // API server, not about bootstrapping one.
  if (sc.faults.apiServer) store.faults.configure(sc.faults.apiServer);

  const faults = new NodeFaults(sim, kubelet, infra, rng.fork('faults'), {
    nodeFailures: sc.faults.nodeFailures,
    gpuErrors: sc.faults.gpuErrors,
    maintenance: sc.faults.maintenance.map((m) => ({
      atMs: m.atMs,
      drain: m.drain,
      durationMs: m.durationMs,
      nodes: m.nodes ?? nodes.filter((n) => !m.pool || n.metadata.labels?.['raysim.io/pool'] === m.pool).map((n) => n.metadata.name!),
    })),
    untilMs: totalMs,
  });
  faults.start(
    nodes.map((n) => n.metadata.name!),
    (name) => Number(nodes.find((n) => n.metadata.name === name)?.status?.allocatable?.['nvidia.com/gpu'] ?? 0),
  );
  for (const r of sc.faults.operatorRestarts) sim.at(sim.startTime + r.atMs, () => manager.restart({ downtimeMs: r.downtimeMs }), { label: 'operator restart' });

  for (const w of workloadTimeline(sc, rng.fork('workloads'))) {
    sim.at(sim.startTime + w.atMs, () => submit(sim, client, w.object), { label: `submit ${w.object.kind} ${w.object.metadata.name}` });
  }

  // Utilisation samples, after everything else at each instant (low priority).
  const every = sc.metricsSampleIntervalMs;
  if (every > 0) {
    const tick = () => {
      trace.emit({ type: TRACE.sample, actor: 'metrics', data: { ...sampler.snapshot() } });
      if (sim.elapsed() + every <= totalMs) sim.after(every, tick, { label: 'sample', priority: 'low' });
    };
    sim.after(0, tick, { label: 'sample', priority: 'low' });
  }

  // Run in chunks so progress can be reported; the chunking does not change the trace.
  const end = sim.startTime + totalMs;
  const chunk = Math.max(1, Math.ceil(totalMs / 200));
  for (let t = sim.now(); t < end; ) {
    t = Math.min(end, t + chunk);
    await sim.run({ until: t });
    o.onProgress?.({ simMs: sim.elapsed(), totalMs, events: sim.eventsRun });
  }
  const pollsSkipped = manager.pollsSkipped;
  await manager.stop();
  const count = (apiVersion: string, kind: string) => store.count(store.typeFor({ apiVersion, kind }));
  const alive = {
    nodes: count('v1', 'Node'),
    pods: count('v1', 'Pod'),
    podsRunning: store.list(store.typeFor({ apiVersion: 'v1', kind: 'Pod' }), { fieldSelector: 'status.phase=Running' }).items.length,
    rayClusters: count('ray.io/v1', 'RayCluster'),
    rayJobs: count('ray.io/v1', 'RayJob'),
  };
  const m = metrics.result({ durationMs: totalMs });
  await trace.close();
  return {
    metrics: m,
    violations: checkExpectations(m, sc.expectations),
    eventsRun: sim.eventsRun,
    simMs: totalMs,
    wallMs: performance.now() - wallStart,
    traceRecords: trace.count,
    samples,
    eventsByLabel: o.profile ? groupLabels(sim.labelCounts()) : undefined,
    pollsSkipped,
    alive,
    programmingErrors: manager.programmingErrors.map((e) => `${e.controller} ${e.request ? `${e.request.namespace ?? ''}/${e.request.name}` : ''}: ${String((e.cause as Error)?.stack ?? e.cause)}`),
  };
}

/** Labels name their object ("node failure h100-0042"); the kind is the first two words. */
function groupLabels(counts: Array<[string, number, number]>): Array<[string, number, number]> {
  const by = new Map<string, [number, number]>();
  for (const [label, n, ms] of counts) {
    const kind = label.split(' ', 2).join(' ');
    const c = by.get(kind);
    if (c) {
      c[0] += n;
      c[1] += ms;
    } else by.set(kind, [n, ms]);
  }
  return [...by].map(([k, [n, ms]]): [string, number, number] => [k, n, ms]).sort((a, b) => b[2] - a[2] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Creates (or, for a later manifest of the same object, updates) a workload object, retrying
 * what a client retries (429, 5xx, a conflict on update) with backoff, as kubectl and client-go do.
 */
async function submit(sim: Simulation, client: ReturnType<typeof createSimClient>, obj: KubeObject, attempt = 0): Promise<void> {
  const id = { apiVersion: obj.apiVersion, kind: obj.kind };
  try {
    try {
      await client.create(obj);
    } catch (e) {
      if (!isApiError(e, 'AlreadyExists')) throw e;
      const cur = await client.get(id, obj.metadata.name!, obj.metadata.namespace);
      await client.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
    }
  } catch (e) {
    const retriable = isApiError(e) && (e.code === 429 || e.code >= 500 || e.code === 409);
    if (!retriable || attempt >= 10) throw e;
    sim.after(Math.min(30_000, 200 * 2 ** attempt), () => submit(sim, client, obj, attempt + 1), { label: `resubmit ${obj.kind} ${obj.metadata.name}` });
  }
}

/** job.submitted when a RayJob appears, job.finished when it first reaches a terminal status. */
async function observeJobs(client: MemoryKubeClient, trace: TraceWriter): Promise<void> {
  const finished = new Set<string>();
  await client.watch<RayJob>(RAYJOB, {}, {
    event: (e) => {
      const j = e.object;
      const ref = { kind: 'RayJob', namespace: j.metadata.namespace, name: j.metadata.name!, uid: j.metadata.uid };
      if (e.type === 'ADDED') {
        trace.emit({ type: TRACE.jobSubmitted, actor: 'workload', ref, data: jobShape(j) });
        return;
      }
      const s = j.status?.jobDeploymentStatus;
      if ((s === 'Complete' || s === 'Failed') && !finished.has(j.metadata.uid!)) {
        finished.add(j.metadata.uid!);
        trace.emit({
          type: TRACE.jobFinished,
          actor: 'ray',
          ref,
          reason: j.status?.reason,
          data: { status: s, jobStatus: j.status?.jobStatus ?? '', attempts: (j.status?.failed ?? 0) + (j.status?.succeeded ?? 0) },
        });
      }
    },
    closed: () => undefined,
  });
}

/** Pods and GPUs a RayJob's cluster asks for (head + every worker replica). */
function jobShape(j: RayJob): Record<string, unknown> {
  const spec = j.spec.rayClusterSpec;
  let pods = 0;
  let gpus = 0;
  const gpuOf = (tpl: { spec?: Pod['spec'] } | undefined) =>
    (tpl?.spec?.containers ?? []).reduce((n, c) => n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0), 0);
  if (spec) {
    pods += 1;
    gpus += gpuOf(spec.headGroupSpec.template as { spec?: Pod['spec'] });
    for (const g of spec.workerGroupSpecs ?? []) {
      const n = (g.replicas ?? 0) * (g.numOfHosts ?? 1);
      pods += n;
      gpus += n * gpuOf(g.template as { spec?: Pod['spec'] });
    }
  }
  const a = j.metadata.annotations ?? {};
  return {
    gpus,
    pods,
    ...(j.metadata.labels?.['kueue.x-k8s.io/queue-name'] ? { queue: j.metadata.labels['kueue.x-k8s.io/queue-name'] } : {}),
    ...(a['raysim.io/work-ms'] ? { work_ms: Number(a['raysim.io/work-ms']) } : {}),
  };
}

function recordDecision(trace: TraceWriter, d: SchedulingDecision): void {
  const ref = { kind: 'Pod', namespace: d.pod.namespace, name: d.pod.name, uid: d.pod.uid };
  if (d.type === 'bound') trace.emit({ type: TRACE.podBound, actor: 'scheduler', ref, data: { node: d.node, gpus: d.gpus, cpuMilli: d.cpuMilli, memoryBytes: d.memoryBytes } });
  else if (d.type === 'unschedulable') trace.emit({ type: TRACE.podUnschedulable, actor: 'scheduler', ref, reason: d.message, data: { attempts: d.attempts } });
}
