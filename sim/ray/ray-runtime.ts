// The simulated Ray runtime: one per simulation, it plays the Ray processes of every RayCluster.
// It watches pods (label ray.io/cluster), RayClusters and RayJobs through a KubeClient, keeps one
// SimRayCluster per namespace/name, and answers the operator's dashboard calls for each of them
// through `dashboards`, a DashboardClientFactory:
//
//   const ray = new RayRuntime(sim, client, rng.fork('ray'), { trace });
//   await ray.start();
//   for (const r of rayReconcilers({ dashboards: ray.dashboards })) mgr.add(r);
//
// Timing is timers on the simulation and randomness comes from the Rng given (forked per cluster
// by name, so one cluster's draws never shift another's): the same run gives the same trace.
// Trace records (actor "ray"): job.scheduled, job.started, job.interrupted (sim/core/trace-events.ts).

import { RAY_CLUSTER, RAY_CLUSTER_LABEL_KEY, RAY_JOB, POD, RAY_ORIGINATED_FROM_CRD_LABEL_KEY, RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY, headServiceName } from '../../controller/api/constants.js';
import type { Pod, RayCluster, RayJob } from '../../controller/api/types.js';
import { dashboardSource, type DashboardClientFactory, type RayDashboardClient, type RayJobInfo } from '../../controller/ray/dashboard-client.js';
import { Informer } from '../../controller/runtime/informer.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { Rng } from '../core/clock.js';
import type { Distribution } from '../core/distribution.js';
import type { Simulation, TimerHandle } from '../core/simulation.js';
import type { ObjectRef, TraceWriter } from '../core/trace.js';
import { SimDashboardClient } from './sim-dashboard.js';
import { PollSourceRegistry } from '../../controller/runtime/poll-sources.js';
import { SimRayCluster, type ClusterContext } from './sim-ray-cluster.js';
import { rayNodeIdentity, rayProcessAlive } from './ray-node.js';
import { parseDashboardAddress } from './submit-command.js';

/** GCS/dashboard start after the head pod runs: 10 s. */
export const DEFAULT_HEAD_START: Distribution = { kind: 'fixed', value: 10_000 };
/** A Serve application from DEPLOYING to RUNNING: 20 s. */
export const DEFAULT_SERVE_APP_START: Distribution = { kind: 'fixed', value: 20_000 };
/** Work of a job whose RayJob has no raysim.io/work-ms: 60 s. */
export const DEFAULT_WORK: Distribution = { kind: 'fixed', value: 60_000 };
/** Where in its run a raysim.io/fail job fails, as a fraction of its work: anywhere. */
export const DEFAULT_FAIL_AT: Distribution = { kind: 'uniform', min: 0, max: 1 };
/** The trace actor of the runtime's records. */
export const RAY_ACTOR = 'ray';

export interface RayRuntimeOptions {
  /** Delay from the head pod Running to its GCS and dashboard answering. Default fixed 10 s. */
  headStart?: Distribution;
  /** Delay from a Serve config PUT to each new or changed application RUNNING. Default fixed 20 s. */
  serveAppStart?: Distribution;
  /** Work (virtual ms) of jobs without raysim.io/work-ms. Default fixed 60 s. */
  defaultWorkMs?: number | Distribution;
  /** For raysim.io/fail jobs: the fraction of the work done when the job fails. Default uniform [0, 1). */
  failAt?: Distribution;
  /** Where job.scheduled / job.started / job.interrupted go. */
  trace?: TraceWriter;
  /** Watch one namespace (default all). */
  namespace?: string;
  /**
   * A watch handler threw (a bug in the runtime). Default: rethrown from a simulation event, so the
   * run stops with the error.
   */
  onError?: (err: unknown) => void;
}

function asDistribution(d: number | Distribution | undefined, dflt: Distribution): Distribution {
  if (d === undefined) return dflt;
  return typeof d === 'number' ? { kind: 'fixed', value: d } : d;
}

export class RayRuntime {
  /** The DashboardClientFactory to give the Ray controllers: one client per RayCluster namespace/name. */
  readonly dashboards: DashboardClientFactory;
  /** Errors raised in watch handlers (each also reported through onError). */
  readonly errors: unknown[] = [];
  /**
   * Tells pollers when a cluster's dashboard may answer differently (dashboardSource names), so
   * a simulation manager can park RayJob polls that would find nothing new (poll-parking.ts).
   */
  readonly pollSources = new PollSourceRegistry();

  private readonly clusters_ = new Map<string, SimRayCluster>();
  private readonly clients = new Map<string, SimDashboardClient>();
  private readonly attempts = new Map<string, number>();
  private readonly informers: Informer[] = [];
  private readonly rayJobs: Informer;
  private readonly rayClusters: Informer;
  private readonly pods: Informer;
  private readonly ctx: ClusterContext;
  private started = false;
  private stopped = false;

  constructor(
    private readonly sim: Simulation,
    client: KubeClient,
    private readonly rng: Rng,
    private readonly opts: RayRuntimeOptions = {},
  ) {
    const onHandlerError = (err: unknown) => this.fail(err);
    const common = { timers: sim, clock: sim, namespace: opts.namespace, timerPriority: 'urgent' as const, onHandlerError };
    this.rayJobs = new Informer(client, RAY_JOB, common);
    this.rayClusters = new Informer(client, RAY_CLUSTER, common);
    this.pods = new Informer(client, POD, { ...common, labelSelector: RAY_CLUSTER_LABEL_KEY });
    this.informers.push(this.rayJobs, this.rayClusters, this.pods);

    this.rayClusters.addHandlers({
      add: (o) => this.onRayCluster(o as RayCluster, false),
      update: (_old, o) => this.onRayCluster(o as RayCluster, false),
      delete: (o) => this.onRayCluster(o as RayCluster, true),
    });
    this.pods.addHandlers({
      add: (o) => this.onPod(o as Pod, false),
      update: (_old, o) => this.onPod(o as Pod, false),
      delete: (o) => this.onPod(o as Pod, true),
    });

    const self = this;
    this.ctx = {
      now: () => sim.now(),
      after: (delay, fn, label) =>
        sim.after(
          delay,
          () => {
            if (!self.stopped) fn();
          },
          { label, priority: 'normal' },
        ),
      cancel: (h: TimerHandle) => void sim.cancel(h),
      emit: (type, ref, data, reason) => {
        opts.trace?.emit({ t: sim.elapsed(), type, actor: RAY_ACTOR, ref, reason, data });
      },
      owningRayJob: (c) => self.owningRayJob(c),
      changed: (c) => self.pollSources.changed(dashboardSource(c.namespace, c.name)),
      nextAttempt: (key) => {
        const n = (self.attempts.get(key) ?? 0) + 1;
        self.attempts.set(key, n);
        return n;
      },
      headStart: opts.headStart ?? DEFAULT_HEAD_START,
      serveAppStart: opts.serveAppStart ?? DEFAULT_SERVE_APP_START,
      defaultWork: asDistribution(opts.defaultWorkMs, DEFAULT_WORK),
      failAt: opts.failAt ?? DEFAULT_FAIL_AT,
    };

    this.dashboards = (cluster: KubeObject, url: string): RayDashboardClient => {
      const name = cluster.metadata.name;
      if (!name) throw new Error('RayRuntime.dashboards: the RayCluster has no metadata.name');
      const c = this.dashboard(cluster.metadata.namespace ?? 'default', name);
      c.url = url;
      return c;
    };
  }

  /**
   * The kubelet's readiness prober (KubeletOptions.prober) for Ray pods: KubeRay's probe on the
   * Ray container of a head checks the raylet and the GCS, so a head is ready only once its GCS
   * and dashboard are up; a worker's raylet answers once its Ray process runs. Other containers
   * (and pods that are not Ray's) pass.
   */
  readonly prober = {
    ready: (pod: Pod, container: string): boolean => {
      const id = rayNodeIdentity(pod);
      if (!id || id.type !== 'head' || pod.spec.containers[0]?.name !== container) return true;
      return this.cluster(id.namespace, id.cluster)?.headServing(pod.metadata.name ?? '') ?? false;
    },
  };

  /** Lists and watches RayJobs, RayClusters and Ray pods. */
  async start(): Promise<void> {
    if (this.started) throw new Error('RayRuntime: already started');
    this.started = true;
    for (const i of this.informers) await i.start();
  }

  /** Stops watching and cancels every pending Ray timer. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const i of this.informers) i.stop();
    for (const c of this.clusters_.values()) c.shutdown();
  }

  /** The dashboard client of one cluster (the same object every time). */
  dashboard(namespace: string, name: string): SimDashboardClient {
    const key = `${namespace}/${name}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new SimDashboardClient(this, namespace, name, `http://${headServiceName(name)}.${namespace}.svc.cluster.local:8265`);
      this.clients.set(key, c);
    }
    return c;
  }

  /** The simulated Ray cluster, while the runtime tracks it (from its first pod or object until it is gone). */
  cluster(namespace: string, name: string): SimRayCluster | undefined {
    return this.clusters_.get(`${namespace}/${name}`);
  }

  /** Every tracked cluster, by namespace/name. */
  clusters(): SimRayCluster[] {
    return [...this.clusters_.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * The cluster a dashboard address points at ("http://<cluster>-head-svc.<ns>.svc...:8265"), as
   * `ray job submit --address` resolves it. `namespace` is used when the address names none.
   */
  clusterForAddress(address: string, namespace?: string): SimRayCluster | undefined {
    const a = parseDashboardAddress(address);
    if (!a) return undefined;
    const ns = a.namespace ?? namespace ?? 'default';
    for (const c of this.clusters_.values()) if (c.namespace === ns && headServiceName(c.name) === a.service) return c;
    return undefined;
  }

  /**
   * `ray job logs --follow`: calls `fn` once with the job's info when it ends (now if it has).
   * False when the cluster or job is unknown.
   */
  followJob(namespace: string, cluster: string, submissionId: string, fn: (info: RayJobInfo) => void): boolean {
    return this.cluster(namespace, cluster)?.follow(submissionId, fn) ?? false;
  }

  // ------------------------------------------------------------------ watch handlers

  private fail(err: unknown): void {
    this.errors.push(err);
    if (this.opts.onError) this.opts.onError(err);
    else this.sim.after(0, () => Promise.reject(err), { label: 'ray runtime', priority: 'urgent' });
  }

  private clusterFor(namespace: string, name: string): SimRayCluster {
    const key = `${namespace}/${name}`;
    let c = this.clusters_.get(key);
    if (!c) {
      c = new SimRayCluster(namespace, name, this.rng.fork(`cluster/${key}`), this.ctx);
      this.clusters_.set(key, c);
    }
    return c;
  }

  private forget(c: SimRayCluster): void {
    if (!c.idle) return;
    c.shutdown();
    this.clusters_.delete(c.key);
    this.ctx.changed(c);
  }

  private onRayCluster(rc: RayCluster, deleted: boolean): void {
    if (this.stopped) return;
    const ns = rc.metadata.namespace ?? 'default';
    const name = rc.metadata.name!;
    if (deleted) {
      const c = this.cluster(ns, name);
      if (!c) return;
      c.observeRayCluster(undefined);
      this.forget(c);
      return;
    }
    this.clusterFor(ns, name).observeRayCluster(rc);
  }

  private onPod(pod: Pod, deleted: boolean): void {
    if (this.stopped) return;
    const name = pod.metadata.labels?.[RAY_CLUSTER_LABEL_KEY];
    if (!name) return;
    const ns = pod.metadata.namespace ?? 'default';
    // A pod whose Ray process is not alive starts nothing: only a live one creates cluster state.
    const c = !deleted && rayProcessAlive(pod) ? this.clusterFor(ns, name) : this.cluster(ns, name);
    if (!c) return;
    if (!c.rayCluster && !c.deleted) {
      const rc = this.rayClusters.get(name, ns) as RayCluster | undefined;
      if (rc) c.observeRayCluster(rc);
    }
    c.observePod(pod, deleted);
    this.forget(c);
  }

  private owningRayJob(c: SimRayCluster): { ref: ObjectRef; annotations: Record<string, string> } | undefined {
    const labels = c.rayCluster?.metadata.labels ?? {};
    const jobName = labels[RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY];
    if (!jobName || labels[RAY_ORIGINATED_FROM_CRD_LABEL_KEY] !== 'RayJob') return undefined;
    const job = this.rayJobs.get(jobName, c.namespace) as RayJob | undefined;
    if (!job) return { ref: { kind: 'RayJob', namespace: c.namespace, name: jobName }, annotations: {} };
    const ref: ObjectRef = { kind: 'RayJob', namespace: c.namespace, name: jobName };
    if (job.metadata.uid) ref.uid = job.metadata.uid;
    return { ref, annotations: { ...(job.metadata.annotations ?? {}) } };
  }
}
