// The simulated kubelet: one controller that plays the kubelet of every simulated node (nodes
// labelled raysim.io/pool, or whatever `manages` accepts). It reconciles pods bound to those
// nodes through the API only, so it runs on the simulation manager against the in-memory store
// or on the real manager against a real API server with fake nodes (the KWOK idea).
//
// A pod's life on a node, with delays drawn from the scenario's distributions on per-node Rng
// forks and applied through requeueAfter (virtual time in simulation):
//
//   accepted   startTime, hostIP, podIP; containers ContainerCreating
//   pulling    each image not on the node is pulled (serially, as kubelet's default
//              serializeImagePulls); an image on the node, or already being pulled, is not pulled again
//   running    after the pulls and a container-start delay: phase Running, Ready
//   exited     `terminateContainer` (the Ray runtime decides when): restart with CrashLoopBackOff,
//              or terminated -> Succeeded / Failed
//   stopping   a pod with a deletionTimestamp is deleted with grace 0 after
//              min(its grace period, a drawn stop delay)
//
// Node faults come from outside (the fault injector): `failNode` (NotReady, unreachable taints, its
// pods Failed with NodeLost), `repairNode`, `setAllocatableGpus`. A node that disappears takes its
// pods with it (PodGC: Failed, then force-deleted).

import type { Node, NodeCondition, Pod, PodStatus, Taint } from '../../controller/api/core-types.js';
import { NODE, POD } from '../../controller/api/constants.js';
import { parseQuantity } from '../../controller/api/quantity.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import { updateStatusAsSent, type KubeClient } from '../../controller/runtime/kube-client.js';
import { objectKey } from '../../controller/runtime/kube-object.js';
import type { ReconcileContext, Reconciler, Request, Result, WatchMapping } from '../../controller/runtime/reconciler.js';
import { rfc3339, type Clock, type Rng } from '../core/clock.js';
import { lognormalFromMedianP90, sample, type Distribution } from '../core/distribution.js';
import { TRACE, type FailureCause } from '../core/trace-events.js';
import { ClusterTrace, refOf, type ClusterTraceOptions } from './cluster-trace.js';
import { GPU_RESOURCE, NODE_LABEL, UNREACHABLE_TAINT_KEY } from './node-labels.js';
import {
  acceptedStatus,
  exitedStatus,
  failedStatus,
  isTerminal,
  restartBackoffMs,
  restartedStatus,
  restarts,
  runningStatus,
  probedStatus,
  type ContainerReady,
} from './pod-status.js';

/** Delays of the pod lifecycle stages, virtual ms. */
export interface KubeletTimings {
  /** One image pull. */
  imagePull: Distribution;
  /** Sandbox and container start once the images are present (and each container restart). */
  containerStart: Distribution;
  /** From SIGTERM to the containers being gone; capped by the pod's grace period. */
  stop: Distribution;
}

/** Ray GPU images are large: pulls take minutes (median 90 s, p90 4 min); starts a few seconds. */
export const DEFAULT_KUBELET_TIMINGS: Readonly<KubeletTimings> = {
  imagePull: lognormalFromMedianP90(90_000, 240_000),
  containerStart: { kind: 'uniform', min: 2_000, max: 5_000 },
  stop: { kind: 'uniform', min: 1_000, max: 5_000 },
};

export interface KubeletOptions extends ClusterTraceOptions {
  /** For the fault and exit hooks (reconciles use the manager's client). */
  client: KubeClient;
  /** For the hooks' timestamps (reconciles use the manager's clock). */
  clock: Clock;
  timings?: Partial<KubeletTimings>;
  /** Pull one image at a time per node (kubelet's default); false: pulls overlap. */
  serializeImagePulls?: boolean;
  /** Which nodes this kubelet runs (default: those with the raysim.io/pool label). */
  manages?: (node: Node) => boolean;
  /** Controller name (default "kubelet"). */
  name?: string;
  /** Called when a pod's containers are all running (after its status was written). */
  onPodRunning?: (pod: Pod) => void;
  /**
   * Answers readiness probes: whether what the probe checks is up (the simulated Ray runtime: a
   * Ray head's GCS and dashboard). A container with a readinessProbe that does not pass when it
   * starts is probed from initialDelaySeconds after the start, every periodSeconds, until it
   * passes; without a prober every probe passes. Containers without a probe are ready once running.
   */
  prober?: ReadinessProber;
}

export interface ReadinessProber {
  ready(pod: Pod, container: string): boolean;
}

export type NodeDownCause = FailureCause | 'maintenance';

/** A pod named by namespace and name. */
export interface PodKey {
  namespace: string;
  name: string;
}

export interface TerminateOptions {
  /** The container that exited (default: the first, which is the Ray container in KubeRay pods). */
  container?: string;
  message?: string;
}

type RunPhase = 'waiting' | 'starting' | 'running' | 'finished';

/** What the kubelet remembers of one pod it runs. */
interface PodRun {
  key: string;
  uid: string;
  node: string;
  namespace: string;
  name: string;
  phase: RunPhase;
  /** Virtual time the containers are up (starting). */
  runningAt?: number;
  ip?: string;
  /** Containers waiting to restart, and when. */
  restarts: Map<string, number>;
  /** activeDeadlineSeconds, as a time. */
  deadlineAt?: number;
  /** The next readiness probe round, while a probed container is not ready. */
  probeAt?: number;
  stopAt?: number;
  /** The grace period (s) stopAt was computed with. */
  grace?: number;
  deleteSent?: boolean;
}

interface NodeState {
  name: string;
  /** Order in which the kubelet first saw the node (pod IPs of nodes without a podCIDR). */
  index: number;
  rng?: Rng;
  /** Image -> virtual time it is on the node (in the future while it is being pulled). */
  images: Map<string, number>;
  /** When the serial pull queue is free. */
  pullFreeAt: number;
  ipsInUse: Set<string>;
  nextIp: number;
  /** Keys of the pods bound to the node that this kubelet has seen. */
  pods: Set<string>;
  /** Since when the node is drained for maintenance (cordoned, pods evicted). */
  drainedSince?: number;
  down?: { since: number; cause: NodeDownCause };
}

const defaultManages = (node: Node): boolean => node.metadata.labels?.[NODE_LABEL.pool] !== undefined;

function podKeyOf(p: Pod | PodKey): PodKey {
  return 'metadata' in p ? { namespace: p.metadata.namespace ?? 'default', name: p.metadata.name ?? '' } : p;
}

export class Kubelet implements Reconciler {
  readonly name: string;
  readonly for = POD;
  readonly watches: WatchMapping[];
  private readonly timings: KubeletTimings;
  private readonly manages: (node: Node) => boolean;
  private readonly trace: ClusterTrace;
  private readonly runs = new Map<string, PodRun>();
  private readonly nodes = new Map<string, NodeState>();
  private nodeCount = 0;

  constructor(private readonly opts: KubeletOptions) {
    this.name = opts.name ?? 'kubelet';
    this.timings = { ...DEFAULT_KUBELET_TIMINGS, ...opts.timings };
    this.manages = opts.manages ?? defaultManages;
    this.trace = new ClusterTrace('kubelet', opts);
    // A node's change (repaired, deleted) concerns every pod the kubelet has seen on it.
    this.watches = [{ id: NODE, map: (node) => [...(this.nodes.get(node.metadata.name ?? '')?.pods ?? [])].sort().map(parseKey) }];
  }

  // ------------------------------------------------------------------------------- queries

  /** Pods this kubelet runs (or has run) on `node`, as namespace/name keys, sorted. */
  podsOn(node: string): string[] {
    return [...(this.nodes.get(node)?.pods ?? [])].sort();
  }

  /** Whether `image` is on `node` (pulled, not being pulled). */
  hasImage(node: string, image: string, now = this.opts.clock.now()): boolean {
    const at = this.nodes.get(node)?.images.get(image);
    return at !== undefined && at <= now;
  }

  isNodeDown(node: string): boolean {
    return this.nodes.get(node)?.down !== undefined;
  }

  // ------------------------------------------------------------------------------- reconcile

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const namespace = req.namespace ?? 'default';
    const key = objectKey(namespace, req.name);
    const pod = ctx.cache.get<Pod>(POD, req.name, namespace);
    let run = this.runs.get(key);
    if (run && (!pod || pod.metadata.uid !== run.uid)) {
      this.forget(run);
      run = undefined;
    }
    if (!pod) return {};
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return {};
    const node = ctx.cache.get<Node>(NODE, nodeName);
    if (!node) {
      // The node is gone: PodGC fails and removes the pods it left behind.
      if (run) await this.collectOrphan(pod, run, ctx);
      return {};
    }
    if (!this.manages(node)) return {};
    const ns = this.nodeState(nodeName);
    ns.rng ??= ctx.rng.fork(`node/${nodeName}`);
    ns.pods.add(key);
    if (!run) {
      run = { key, uid: pod.metadata.uid ?? '', node: nodeName, namespace, name: req.name, phase: 'waiting', restarts: new Map() };
      this.runs.set(key, run);
    }
    // A node that is down runs nothing; its pods were failed when it went down.
    if (ns.down) return {};
    if (pod.metadata.deletionTimestamp) return this.stop(pod, run, ns, ctx);
    const now = ctx.clock.now();
    if (isTerminal(pod)) {
      if (run.phase !== 'finished') {
        // Someone else wrote the final phase; record it once.
        this.finish(run, ns);
        this.trace.emit(TRACE.podFinished, refOf(pod), finishedData(pod.status));
      }
      return {};
    }
    if (run.phase === 'waiting') {
      if (pod.status?.phase === 'Running') {
        // Already running (a restarted kubelet, or started by someone else): adopt it.
        run.phase = 'running';
        run.ip = pod.status.podIP;
        if (run.ip) ns.ipsInUse.add(run.ip);
      } else {
        await this.accept(pod, run, node, ns, ctx);
        if ((run.phase as RunPhase) === 'finished') return {};
      }
      const ads = pod.spec.activeDeadlineSeconds;
      if (ads !== undefined) run.deadlineAt = (Date.parse(pod.status?.startTime ?? '') || now) + ads * 1000;
    }
    if (run.deadlineAt !== undefined && now >= run.deadlineAt) {
      await this.failPod(ctx.client, run, ns, now, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
      return {};
    }
    if (run.phase === 'starting') {
      if (now < run.runningAt!) return this.after(run, now, run.runningAt!);
      const ready = this.probe(pod, run.runningAt!, now);
      const written = await writeStatus(ctx.client, run, (p) => (isTerminal(p) || p.metadata.deletionTimestamp ? undefined : runningStatus(p, now, ready)));
      if (!written || written.status?.phase !== 'Running') return {};
      run.phase = 'running';
      run.probeAt = nextProbe(written, run.runningAt!, now);
      this.trace.emit(TRACE.podRunning, refOf(written), { node: run.node });
      this.opts.onPodRunning?.(written);
    }
    if (run.phase === 'running' && run.probeAt !== undefined && now >= run.probeAt) {
      const ready = this.probe(pod, run.runningAt!, now);
      const written = await writeStatus(ctx.client, run, (p) => (isTerminal(p) || p.metadata.deletionTimestamp ? undefined : probedStatus(p, now, ready)));
      run.probeAt = written && !isTerminal(written) ? nextProbe(written, run.runningAt!, now) : undefined;
    }
    if (run.phase === 'running' && run.restarts.size > 0) {
      const due = [...run.restarts].filter(([, at]) => at <= now).map(([c]) => c);
      if (due.length) {
        for (const c of due) run.restarts.delete(c);
        await writeStatus(ctx.client, run, (p) => (isTerminal(p) ? undefined : restartedStatus(p, due, now)));
      }
    }
    return this.after(run, now);
  }

  /** requeueAfter for the earliest of the run's timers (and `extra`). */
  private after(run: PodRun, now: number, extra?: number): Result {
    let next = extra ?? Infinity;
    for (const at of run.restarts.values()) next = Math.min(next, at);
    if (run.deadlineAt !== undefined && run.phase !== 'finished') next = Math.min(next, run.deadlineAt);
    if (run.probeAt !== undefined && run.phase === 'running') next = Math.min(next, run.probeAt);
    if (next === Infinity) return {};
    // Timers due now were handled above; the guard only keeps requeueAfter positive.
    return { requeueAfterMs: Math.max(next - now, 1) };
  }

  /**
   * The readiness verdict at `now` for containers started at `startedAt` (see
   * KubeletOptions.prober). A container whose probe passes when it starts is ready at once: its
   * initialDelaySeconds is taken as part of the start delay, which saves every pod a second status
   * write. One that does not pass then (a Ray head whose GCS is still starting) is probed from
   * initialDelaySeconds on, every periodSeconds, as the kubelet does.
   */
  private probe(pod: Pod, startedAt: number, now: number): ContainerReady {
    return (c) => {
      const p = c.readinessProbe;
      if (!p) return true;
      if (now !== startedAt && now < startedAt + (p.initialDelaySeconds ?? 0) * 1000) return false;
      return this.opts.prober?.ready(pod, c.name) ?? true;
    };
  }

  /** Plans the pod's start (pulls, container start), allocates its IP and reports it accepted. */
  private async accept(pod: Pod, run: PodRun, node: Node, ns: NodeState, ctx: ReconcileContext): Promise<void> {
    const now = ctx.clock.now();
    const rng = ns.rng!;
    let readyAt = now;
    const images: string[] = [];
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      if (c.image && c.imagePullPolicy !== 'Never' && !images.includes(c.image)) images.push(c.image);
    }
    const serial = this.opts.serializeImagePulls ?? true;
    for (const image of images) {
      const have = ns.images.get(image);
      if (have !== undefined) {
        readyAt = Math.max(readyAt, have);
        continue;
      }
      const start = serial ? Math.max(now, ns.pullFreeAt) : now;
      const end = start + draw(this.timings.imagePull, rng);
      if (serial) ns.pullFreeAt = end;
      ns.images.set(image, end);
      readyAt = Math.max(readyAt, end);
    }
    run.runningAt = readyAt + draw(this.timings.containerStart, rng);
    run.ip = allocateIp(ns, node);
    run.phase = 'starting';
    const hostIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    const written = await writeStatus(ctx.client, run, (p) => (isTerminal(p) || p.metadata.deletionTimestamp ? undefined : acceptedStatus(p, { now, hostIP, podIP: run.ip! })));
    if (!written) this.finish(run, ns);
  }

  /** A pod being deleted: stop it after min(grace, drawn stop delay), then delete it with grace 0. */
  private async stop(pod: Pod, run: PodRun, ns: NodeState, ctx: ReconcileContext): Promise<Result> {
    const now = ctx.clock.now();
    const grace = Math.max(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30, 0);
    if (run.stopAt === undefined) {
      const stopMs = run.phase === 'finished' ? 0 : draw(this.timings.stop, ns.rng!);
      run.stopAt = now + Math.min(grace * 1000, stopMs);
      run.grace = grace;
      run.restarts.clear();
    } else if (grace < (run.grace ?? Infinity)) {
      // A second delete shortened the grace period: the kill comes sooner.
      run.stopAt = Math.min(run.stopAt, now + grace * 1000);
      run.grace = grace;
    }
    if (now < run.stopAt) return { requeueAfterMs: run.stopAt - now };
    if (run.deleteSent) return {};
    run.deleteSent = true;
    this.finish(run, ns);
    await forceDelete(ctx.client, run);
    return {};
  }

  /** The pod's node no longer exists: Failed (DisruptionTarget DeletionByPodGC), then force-deleted. */
  private async collectOrphan(pod: Pod, run: PodRun, ctx: ReconcileContext): Promise<void> {
    const ns = this.nodeState(run.node);
    if (!isTerminal(pod) && !pod.metadata.deletionTimestamp) {
      await this.failPod(ctx.client, run, ns, ctx.clock.now(), 'NodeLost', `Node ${run.node} which was running pod ${run.name} is unresponsive`, {
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists',
      });
    } else {
      this.finish(run, ns);
    }
    if (!run.deleteSent) {
      run.deleteSent = true;
      await forceDelete(ctx.client, run);
    }
  }

  /** Fails the whole pod from outside its containers; records pod.finished if this made it final. */
  private async failPod(client: KubeClient, run: PodRun, ns: NodeState, now: number, reason: string, message: string, disruption?: { reason: string; message: string }): Promise<void> {
    const wasFinished = run.phase === 'finished';
    this.finish(run, ns);
    const written = await writeStatus(client, run, (p) => (isTerminal(p) ? undefined : failedStatus(p, { now, reason, message, disruption })));
    if (written && !wasFinished && written.status?.phase === 'Failed' && written.status.reason === reason) {
      this.trace.emit(TRACE.podFinished, refOf(written), { phase: 'Failed', reason });
    }
  }

  /** The run is over: no more timers; its IP goes back to the node. */
  private finish(run: PodRun, ns: NodeState): void {
    run.phase = 'finished';
    run.restarts.clear();
    run.deadlineAt = undefined;
    if (run.ip) ns.ipsInUse.delete(run.ip);
  }

  /** The pod object is gone (or replaced by a namesake): record pod.deleted and drop the run. */
  private forget(run: PodRun): void {
    const ns = this.nodes.get(run.node);
    if (ns) {
      if (run.ip) ns.ipsInUse.delete(run.ip);
      ns.pods.delete(run.key);
    }
    this.runs.delete(run.key);
    this.trace.emit(TRACE.podDeleted, { kind: 'Pod', namespace: run.namespace, name: run.name, uid: run.uid }, { node: run.node });
  }

  private nodeState(name: string): NodeState {
    let ns = this.nodes.get(name);
    if (!ns) {
      ns = { name, index: ++this.nodeCount, images: new Map(), pullFreeAt: -Infinity, ipsInUse: new Set(), nextIp: 2, pods: new Set() };
      this.nodes.set(name, ns);
    }
    return ns;
  }

  // ------------------------------------------------------------------------------- hooks

  /**
   * A container of the pod exited with `exitCode` (the Ray runtime decides when). Under
   * restartPolicy Always, or OnFailure with a non-zero code, the kubelet restarts it after
   * CrashLoopBackOff (restartCount+1); otherwise it stays terminated and, once no container is
   * left running, the pod is Succeeded (all exit 0) or Failed. Returns the pod as written.
   */
  async terminateContainer(pod: Pod | PodKey, exitCode: number, reason?: string, o: TerminateOptions = {}): Promise<Pod> {
    const { namespace, name } = podKeyOf(pod);
    const key = objectKey(namespace, name);
    const run = this.runs.get(key);
    if (!run || run.phase !== 'running') {
      throw new Error(`kubelet: pod ${key} is not running on a simulated node (state: ${run?.phase ?? 'unknown to the kubelet'})`);
    }
    const ns = this.nodeState(run.node);
    const now = this.opts.clock.now();
    let restartInMs: number | undefined;
    let container = o.container;
    const written = await writeStatus(this.opts.client, run, (p) => {
      container ??= p.spec.containers[0]?.name;
      const cs = p.status?.containerStatuses?.find((s) => s.name === container);
      if (!cs?.state?.running) throw new Error(`kubelet: container "${container}" of pod ${key} is not running`);
      restartInMs = restarts(p.spec.restartPolicy, exitCode) ? restartBackoffMs(cs.restartCount) + draw(this.timings.containerStart, ns.rng!) : undefined;
      return exitedStatus(p, { container: container!, exitCode, reason, message: o.message, now, restartInMs });
    });
    if (!written) throw new Error(`kubelet: pod ${key} is gone`);
    if (restartInMs !== undefined) {
      run.restarts.set(container!, now + restartInMs);
    } else if (isTerminal(written)) {
      this.finish(run, ns);
      this.trace.emit(TRACE.podFinished, refOf(written), finishedData(written.status));
    }
    return written;
  }

  /**
   * The node stops working: Ready=False and the node lifecycle controller's unreachable taints
   * (NoSchedule, NoExecute); every pod on it that has not finished is Failed with reason NodeLost,
   * and pods already being deleted are force-deleted. Records node.down and pod.finished.
   */
  async failNode(name: string, cause: NodeDownCause): Promise<void> {
    const ns = this.nodeState(name);
    if (ns.down) return;
    const client = this.opts.client;
    const now = this.opts.clock.now();
    const at = rfc3339(now);
    const taints = (t: Taint[] | undefined): Taint[] => [
      ...(t ?? []).filter((x) => x.key !== UNREACHABLE_TAINT_KEY),
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: at },
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute', timeAdded: at },
    ];
    const node = await updateNode(client, name, (n) => ({ ...n, spec: { ...n.spec, taints: taints(n.spec?.taints) } }));
    ns.down = { since: now, cause };
    await updateNodeStatus(client, name, (n) => ({
      ...n.status,
      conditions: setNodeReady(n.status?.conditions, 'False', at, 'KubeletNotReady', `node is unresponsive: ${cause}`),
    }));
    this.trace.emit(TRACE.nodeDown, refOf(node), { cause, gpusLost: parseQuantity(node.status?.allocatable?.[GPU_RESOURCE] ?? 0) });
    const pods = await podsOnNode(client, name);
    for (const pod of pods) {
      const key = objectKey(pod.metadata.namespace, pod.metadata.name ?? '');
      let run = this.runs.get(key);
      if (!run || run.uid !== pod.metadata.uid) {
        run = { key, uid: pod.metadata.uid ?? '', node: name, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', phase: 'waiting', restarts: new Map() };
        this.runs.set(key, run);
        ns.pods.add(key);
      }
      if (!isTerminal(pod)) {
        await this.failPod(client, run, ns, now, 'NodeLost', `Node ${name} which was running pod ${pod.metadata.name} is unresponsive`);
      } else this.finish(run, ns);
      if (pod.metadata.deletionTimestamp && !run.deleteSent) {
        run.deleteSent = true;
        await forceDelete(client, run);
      }
    }
  }

  /**
   * Planned maintenance with drain, as `kubectl drain` does it: cordon (spec.unschedulable), then
   * evict every pod on the node, i.e. delete it gracefully (its grace period applies, the kubelet
   * stops it), so controllers recreate what they own elsewhere. The node stays Ready but out of
   * service until uncordonNode: node.down with cause 'maintenance' (planned, not a failure).
   */
  async drainNode(name: string): Promise<void> {
    const ns = this.nodeState(name);
    if (ns.down || ns.drainedSince !== undefined) return;
    const client = this.opts.client;
    ns.drainedSince = this.opts.clock.now();
    const node = await updateNode(client, name, (n) => ({ ...n, spec: { ...n.spec, unschedulable: true } }));
    this.trace.emit(TRACE.nodeDown, refOf(node), { cause: 'maintenance', gpusLost: parseQuantity(node.status?.allocatable?.[GPU_RESOURCE] ?? 0) });
    const pods = await podsOnNode(client, name);
    for (const pod of pods) {
      if (isTerminal(pod) || pod.metadata.deletionTimestamp) continue;
      try {
        await client.delete(POD, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
      }
    }
  }

  /** Maintenance is over: the node takes pods again (node.repaired). */
  async uncordonNode(name: string): Promise<void> {
    const ns = this.nodeState(name);
    const since = ns.drainedSince;
    if (since === undefined) return;
    ns.drainedSince = undefined;
    const node = await updateNode(this.opts.client, name, (n) => {
      const spec = { ...n.spec };
      delete spec.unschedulable;
      return { ...n, spec };
    });
    this.trace.emit(TRACE.nodeRepaired, refOf(node), { after_ms: this.opts.clock.now() - since });
  }

  /** The node works again: Ready=True, the unreachable taints gone. Pods that failed stay failed. */
  async repairNode(name: string): Promise<void> {
    const ns = this.nodeState(name);
    const down = ns.down;
    if (!down) return;
    const client = this.opts.client;
    const now = this.opts.clock.now();
    const at = rfc3339(now);
    ns.down = undefined;
    const node = await updateNode(client, name, (n) => {
      const rest = (n.spec?.taints ?? []).filter((t) => t.key !== UNREACHABLE_TAINT_KEY);
      const spec = { ...n.spec };
      if (rest.length) spec.taints = rest;
      else delete spec.taints;
      return { ...n, spec };
    });
    await updateNodeStatus(client, name, (n) => ({
      ...n.status,
      conditions: setNodeReady(n.status?.conditions, 'True', at, 'KubeletReady', 'kubelet is posting ready status'),
    }));
    this.trace.emit(TRACE.nodeRepaired, refOf(node), { after_ms: now - down.since });
  }

  /** The device plugin reports `gpus` healthy GPUs (a GPU error, or its repair). Capacity is unchanged. */
  async setAllocatableGpus(name: string, gpus: number, cause: FailureCause = 'faulty-gpu'): Promise<void> {
    if (!(Number.isInteger(gpus) && gpus >= 0)) throw new RangeError(`kubelet.setAllocatableGpus: gpus must be an integer >= 0, got ${gpus}`);
    const node = await updateNodeStatus(this.opts.client, name, (n) => ({ ...n.status, allocatable: { ...n.status?.allocatable, [GPU_RESOURCE]: String(gpus) } }));
    this.trace.emit(TRACE.nodeGpusChanged, refOf(node), { gpus, cause });
  }
}

// -------------------------------------------------------------------------------------------------

function parseKey(key: string): Request {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A drawn delay in whole virtual ms, never negative. */
function draw(d: Distribution, rng: Rng): number {
  return Math.max(0, Math.round(sample(d, rng)));
}

function finishedData(s: PodStatus | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = { phase: s?.phase };
  const t = s?.containerStatuses?.map((c) => c.state?.terminated).find((x) => x !== undefined && x.exitCode !== 0) ?? s?.containerStatuses?.[0]?.state?.terminated;
  if (t) data.exitCode = t.exitCode;
  const reason = s?.reason ?? t?.reason;
  if (reason) data.reason = reason;
  return data;
}

/** The next free address of the node's pod CIDR (.2 to .254, lowest-numbered after the last one given). */
function allocateIp(ns: NodeState, node: Node): string {
  const cidr = node.spec?.podCIDR;
  const m = cidr ? /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr) : null;
  const k = ns.index;
  const prefix = m ? m[1]! : `10.${200 + Math.floor(k / 256)}.${k % 256}`;
  for (let tries = 0; tries < 253; tries++) {
    const host = ns.nextIp;
    ns.nextIp = host >= 254 ? 2 : host + 1;
    const ip = `${prefix}.${host}`;
    if (!ns.ipsInUse.has(ip)) {
      ns.ipsInUse.add(ip);
      return ip;
    }
  }
  throw new Error(`kubelet: node ${ns.name} has no free pod IP in ${prefix}.0/24`);
}

function setNodeReady(conds: NodeCondition[] | undefined, status: 'True' | 'False', at: string, reason: string, message: string): NodeCondition[] {
  const out = [...(conds ?? [])];
  const i = out.findIndex((c) => c.type === 'Ready');
  const prev = i >= 0 ? out[i] : undefined;
  const c: NodeCondition = { type: 'Ready', status, lastHeartbeatTime: at, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime ?? at : at, reason, message };
  if (i >= 0) out[i] = c;
  else out.push(c);
  return out;
}

const MAX_ATTEMPTS = 5;

/**
 * Reads the pod, computes its new status and writes it with optimistic concurrency, retrying on
 * conflict. `next` returning undefined means no write. Undefined when the pod (with this uid) is gone.
 */
async function writeStatus(client: KubeClient, run: PodRun, next: (pod: Pod) => PodStatus | undefined): Promise<Pod | undefined> {
  for (let attempt = 1; ; attempt++) {
    let pod: Pod;
    try {
      pod = await client.get<Pod>(POD, run.name, run.namespace);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return undefined;
      throw e;
    }
    if (pod.metadata.uid !== run.uid) return undefined;
    const status = next(pod);
    if (status === undefined) return pod;
    try {
      // Only metadata comes back: a whole-pod copy per status write was the kubelet's largest cost.
      return await updateStatusAsSent(client, pod, status);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return undefined;
      if (!isApiError(e, 'Conflict') || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}

async function forceDelete(client: KubeClient, run: PodRun): Promise<void> {
  try {
    await client.delete(POD, run.name, run.namespace, { gracePeriodSeconds: 0, preconditions: { uid: run.uid } });
  } catch (e) {
    if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
  }
}

/**
 * The next probe round after `now` for the running containers of `pod` that have a readiness
 * probe and are not ready: initialDelaySeconds after the start, then every periodSeconds
 * (Kubernetes' default 10 s). undefined: nothing left to probe.
 */
function nextProbe(pod: Pod, startedAt: number, now: number): number | undefined {
  let next: number | undefined;
  for (const c of pod.spec.containers) {
    const p = c.readinessProbe;
    if (!p) continue;
    const st = pod.status?.containerStatuses?.find((x) => x.name === c.name);
    if (!st || st.ready || !st.state?.running) continue;
    const first = startedAt + (p.initialDelaySeconds ?? 0) * 1000;
    const period = Math.max(1, p.periodSeconds ?? 10) * 1000;
    const at = now < first ? first : first + (Math.floor((now - first) / period) + 1) * period;
    next = next === undefined ? at : Math.min(next, at);
  }
  return next;
}

/** The pods bound to a node, in key order (so what is done to them is deterministic). */
async function podsOnNode(client: KubeClient, name: string): Promise<Pod[]> {
  const pods = (await client.list<Pod>(POD, { fieldSelector: `spec.nodeName=${name}` })).items;
  return pods.sort((a, b) => cmp(objectKey(a.metadata.namespace, a.metadata.name ?? ''), objectKey(b.metadata.namespace, b.metadata.name ?? '')));
}

async function updateNode(client: KubeClient, name: string, next: (n: Node) => Node): Promise<Node> {
  for (let attempt = 1; ; attempt++) {
    const n = await client.get<Node>(NODE, name);
    try {
      return await client.update<Node>(next(n));
    } catch (e) {
      if (!isApiError(e, 'Conflict') || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}

async function updateNodeStatus(client: KubeClient, name: string, next: (n: Node) => Node['status']): Promise<Node> {
  for (let attempt = 1; ; attempt++) {
    const n = await client.get<Node>(NODE, name);
    try {
      return await client.updateStatus<Node>({ ...n, status: next(n) });
    } catch (e) {
      if (!isApiError(e, 'Conflict') || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}
