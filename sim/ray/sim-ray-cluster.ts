// One simulated Ray cluster: its head (GCS up `headStart` after the head pod runs), its registered
// workers, its jobs (PENDING until the gang is registered, RUNNING for their work, then SUCCEEDED
// or FAILED; interrupted by lost nodes and restarted from checkpoints), and its Serve
// applications. The runtime (ray-runtime.ts) feeds it pod and RayCluster changes; the dashboard
// client (sim-dashboard.ts) calls its Jobs and Serve operations. Every delay is a timer on the
// simulation, every draw comes from this cluster's own Rng fork.
//
// Not modelled: GCS fault tolerance (a lost head always fails its jobs and a new head starts with
// empty job and Serve tables), entrypoint resources (a job needs the whole gang), resource
// sharing between concurrent jobs (each job that starts gets the whole gang), checkpoints across
// submissions (a resubmitted job starts from zero), a worker registration delay.

import type { Pod, RayCluster } from '../../controller/api/types.js';
import { workerGroupDesiredPods } from '../../controller/api/replicas.js';
import {
  DashboardError,
  DUPLICATE_SUBMISSION_TEXT,
  TERMINAL_JOB_STATUSES,
  type RayJobInfo,
  type RayJobRequest,
  type RayJobStatus,
  type ServeApplicationDetails,
  type ServeDetails,
} from '../../controller/ray/dashboard-client.js';
import type { Rng } from '../core/clock.js';
import { sample, type Distribution } from '../core/distribution.js';
import type { TimerHandle } from '../core/simulation.js';
import type { ObjectRef } from '../core/trace.js';
import { TRACE } from '../core/trace-events.js';
import { readWorkloadHints } from './annotations.js';
import { headLostMessage, JOB_ERROR_TYPES, JOB_MESSAGES, logLine, workerLostMessage } from './job-messages.js';
import { podResources, podStopReason, rayNodeIdentity, rayProcessAlive, rayProcessIncarnation, type NodeResources } from './ray-node.js';
import { deepClone } from '../../controller/runtime/deep-copy.js';

/** What a cluster needs from the runtime around it. */
export interface ClusterContext {
  now(): number;
  after(delayMs: number, fn: () => void, label: string): TimerHandle;
  cancel(handle: TimerHandle): void;
  /** Writes a trace record (no-op without a trace writer). */
  emit(type: string, ref: ObjectRef, data: Record<string, unknown>, reason?: string): void;
  /** The RayJob that created this cluster (ray.io/originated-from-cr-name), if it is known. */
  owningRayJob(cluster: SimRayCluster): { ref: ObjectRef; annotations: Record<string, string> } | undefined;
  /** The next attempt number of the given owner (1, 2, ...); every job start is an attempt. */
  nextAttempt(ownerKey: string): number;
  /** What the cluster's dashboard answers may have changed (jobs, Serve, reachability). Called at
   * every such change (head up, GCS up, head lost, job submitted, started, finished, deleted,
   * Serve config and app status), and only then: pod changes that change no answer do not wake
   * the RayJob polls parked on this cluster. */
  changed(cluster: SimRayCluster): void;
  readonly headStart: Distribution;
  readonly serveAppStart: Distribution;
  readonly defaultWork: Distribution;
  readonly failAt: Distribution;
}

/** A registered Ray node (the head once its pod runs, a worker once its pod runs). */
export interface SimRayNode {
  pod: string;
  type: 'head' | 'worker';
  group: string;
  resources: NodeResources;
  /** Virtual time the Ray process started (the pod was seen running). */
  since: number;
}

interface NodeState extends SimRayNode {
  incarnation: string;
}

interface HeadState extends NodeState {
  gcsReady: boolean;
  timer?: TimerHandle;
}

export type SimJobPhase = 'pending' | 'running' | 'recovering' | 'done';

/** The simulation's view of one Ray job, for inspection (a copy). */
export interface SimJobView {
  submissionId: string;
  status: RayJobStatus;
  phase: SimJobPhase;
  workMs: number;
  /** Progress (ms of compute) at which the job fails, when raysim.io/fail is set. */
  failAtMs?: number;
  checkpointIntervalMs?: number;
  /** Work done so far (ms of compute), counting the running segment. */
  progressMs: number;
  /** Attempt number of the current or last run (0 before the first start). */
  attempt: number;
  gpus: number;
}

interface SimJob {
  info: RayJobInfo;
  phase: SimJobPhase;
  workMs: number;
  failAtMs?: number;
  checkpointMs?: number;
  /** Progress committed before the running segment (checkpoint restored, or 0). */
  doneMs: number;
  segStart: number;
  timer?: TimerHandle;
  members: Set<string>;
  gpus: number;
  attempt: number;
  ref: ObjectRef;
  ownerKey: string;
  logs: string[];
  followers: ((info: RayJobInfo) => void)[];
}

interface ServeApp {
  details: ServeApplicationDetails;
  configKey: string;
  timer?: TimerHandle;
}

/** Where the last checkpoint lies at a given progress (0 without checkpoints). */
export function lastCheckpoint(progressMs: number, intervalMs: number | undefined): number {
  if (!intervalMs || !(intervalMs > 0)) return 0;
  return Math.floor(progressMs / intervalMs) * intervalMs;
}

function isTerminal(s: RayJobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(s);
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class SimRayCluster {
  readonly key: string;
  /** The RayCluster object as last seen (undefined before it is seen or after it is deleted). */
  rayCluster: RayCluster | undefined;
  /** The RayCluster object was deleted. */
  deleted = false;

  private head: HeadState | undefined;
  private readonly workers = new Map<string, NodeState>();
  private jobs = new Map<string, SimJob>();
  private serve = new Map<string, ServeApp>();
  private lastServeConfig: Record<string, unknown> | undefined;
  private scheduledEmitted = false;
  /** Heads whose GCS came up (a new one means fresh job and Serve tables). */
  private gcsEpochs = 0;
  private drivers = 0;
  private readonly gcsRng: Rng;
  private readonly serveRng: Rng;
  private readonly idRng: Rng;

  constructor(
    readonly namespace: string,
    readonly name: string,
    private readonly rng: Rng,
    private readonly ctx: ClusterContext,
  ) {
    this.key = `${namespace}/${name}`;
    this.gcsRng = rng.fork('gcs');
    this.serveRng = rng.fork('serve');
    this.idRng = rng.fork('submission-ids');
  }

  // ------------------------------------------------------------------ inspection

  /** The head's GCS answers (the dashboard is reachable). */
  get headReady(): boolean {
    return this.head?.gcsReady === true;
  }

  /** Whether `pod` is this cluster's head and its GCS and dashboard answer (its readiness probe passes). */
  headServing(pod: string): boolean {
    return this.head?.pod === pod && this.head.gcsReady;
  }

  /** The head pod runs (its GCS may still be starting). */
  get headRunning(): boolean {
    return this.head !== undefined;
  }

  /** Registered nodes: the head (once its pod runs) and the workers, workers by pod name. */
  nodes(): SimRayNode[] {
    const out: SimRayNode[] = [];
    const strip = (n: NodeState): SimRayNode => ({ pod: n.pod, type: n.type, group: n.group, resources: { ...n.resources }, since: n.since });
    if (this.head) out.push(strip(this.head));
    for (const w of [...this.workers.values()].sort((a, b) => (a.pod < b.pod ? -1 : 1))) out.push(strip(w));
    return out;
  }

  /** Worker pods each group wants (from the RayCluster spec); empty when the spec is unknown. */
  desiredWorkers(): Map<string, number> {
    const out = new Map<string, number>();
    const spec = this.rayCluster?.spec;
    if (!spec || this.deleted) return out;
    for (const g of spec.workerGroupSpecs ?? []) out.set(g.groupName, spec.suspend === true ? 0 : workerGroupDesiredPods(g));
    return out;
  }

  /**
   * The gang is registered: GCS up and every worker group has its desired workers (just the head
   * when the RayCluster was never seen; never once it is deleted, its pods are on their way out).
   */
  gangRegistered(): boolean {
    return this.headReady && !this.deleted && this.groupsSatisfied();
  }

  job(id: string): SimJobView | undefined {
    const j = this.jobs.get(id);
    if (!j) return undefined;
    const v: SimJobView = {
      submissionId: id,
      status: j.info.status,
      phase: j.phase,
      workMs: j.workMs,
      progressMs: this.progress(j),
      attempt: j.attempt,
      gpus: j.gpus,
    };
    if (j.failAtMs !== undefined) v.failAtMs = j.failAtMs;
    if (j.checkpointMs !== undefined) v.checkpointIntervalMs = j.checkpointMs;
    return v;
  }

  jobIds(): string[] {
    return [...this.jobs.keys()];
  }

  /** Nothing left to simulate: the RayCluster is gone and so are its Ray nodes. */
  get idle(): boolean {
    return this.deleted && !this.head && this.workers.size === 0;
  }

  // ------------------------------------------------------------------ inputs from the runtime

  observeRayCluster(rc: RayCluster | undefined): void {
    if (rc) {
      this.rayCluster = rc;
      this.deleted = false;
    } else this.deleted = true;
    this.afterChange();
  }

  /** A pod of this cluster changed (deleted: the pod object is gone). */
  observePod(pod: Pod, deleted: boolean): void {
    const id = rayNodeIdentity(pod);
    if (!id) return;
    const name = pod.metadata.name!;
    const alive = !deleted && rayProcessAlive(pod);
    const incarnation = rayProcessIncarnation(pod);
    if (id.type === 'head') {
      const h = this.head;
      if (h && h.pod === name && (!alive || h.incarnation !== incarnation)) this.headLost(h, podStopReason(pod, deleted));
      if (alive && !this.head) this.headUp(pod, incarnation);
    } else {
      const w = this.workers.get(name);
      if (w && (!alive || w.incarnation !== incarnation)) {
        this.workers.delete(name);
        this.workerLost(w, podStopReason(pod, deleted));
      }
      if (alive && !this.workers.has(name)) {
        this.workers.set(name, { pod: name, type: 'worker', group: id.group, resources: podResources(pod), since: this.ctx.now(), incarnation });
      }
    }
    this.afterChange();
  }

  /** The runtime stops: cancel every timer. */
  shutdown(): void {
    if (this.head?.timer) this.ctx.cancel(this.head.timer);
    for (const j of this.jobs.values()) if (j.timer) this.ctx.cancel(j.timer);
    for (const a of this.serve.values()) if (a.timer) this.ctx.cancel(a.timer);
  }

  // ------------------------------------------------------------------ head and workers

  private headUp(pod: Pod, incarnation: string): void {
    const head: HeadState = { pod: pod.metadata.name!, type: 'head', group: rayNodeIdentity(pod)!.group, resources: podResources(pod), since: this.ctx.now(), incarnation, gcsReady: false };
    this.head = head;
    this.ctx.changed(this);
    const delay = Math.max(0, sample(this.ctx.headStart, this.gcsRng));
    head.timer = this.ctx.after(delay, () => this.gcsUp(head), `ray gcs start ${this.key}`);
  }

  private gcsUp(head: HeadState): void {
    if (this.head !== head) return;
    head.timer = undefined;
    head.gcsReady = true;
    this.ctx.changed(this);
    if (this.gcsEpochs++ > 0) {
      // A new head without GCS fault tolerance: the job table and Serve applications are gone.
      for (const a of this.serve.values()) if (a.timer) this.ctx.cancel(a.timer);
      this.jobs = new Map();
      this.serve = new Map();
      this.lastServeConfig = undefined;
    }
    this.afterChange();
  }

  private headLost(head: HeadState, cause: string): void {
    if (head.timer) this.ctx.cancel(head.timer);
    this.head = undefined;
    for (const j of this.jobs.values()) {
      if (j.phase === 'done') continue;
      if (j.phase === 'running') this.recordInterruption(j, this.progress(j), cause, head, false);
      this.log(j, 'ERROR', `The Ray head ${head.pod} was lost (${cause}); the job supervisor is gone.`);
      this.finish(j, 'FAILED', headLostMessage(head.pod, cause), JOB_ERROR_TYPES.supervisorDied);
    }
    for (const a of this.serve.values()) {
      if (a.timer) this.ctx.cancel(a.timer);
      a.timer = undefined;
    }
    this.ctx.changed(this);
  }

  private workerLost(w: NodeState, cause: string): void {
    for (const j of this.jobs.values()) if (j.phase === 'running' && j.members.has(w.pod)) this.interrupt(j, w, cause);
  }

  private groupsSatisfied(): boolean {
    const have = new Map<string, number>();
    for (const w of this.workers.values()) have.set(w.group, (have.get(w.group) ?? 0) + 1);
    for (const [g, n] of this.desiredWorkers()) if ((have.get(g) ?? 0) < n) return false;
    return true;
  }

  private afterChange(): void {
    this.checkScheduled();
    let waiting: SimJob[] | undefined;
    for (const j of this.jobs.values()) if (j.phase === 'pending' || j.phase === 'recovering') (waiting ??= []).push(j);
    if (waiting && this.gangRegistered()) for (const j of waiting) this.start(j);
  }

  /** job.scheduled, once per cluster of a RayJob: the first time the head and every desired worker run. */
  private checkScheduled(): void {
    if (this.scheduledEmitted || !this.head || !this.rayCluster || this.deleted || !this.groupsSatisfied()) return;
    const owner = this.ctx.owningRayJob(this);
    if (!owner) return;
    this.scheduledEmitted = true;
    let pods = 1;
    for (const n of this.desiredWorkers().values()) pods += n;
    let gpus = this.head.resources.gpus;
    for (const w of this.workers.values()) gpus += w.resources.gpus;
    this.ctx.emit(TRACE.jobScheduled, owner.ref, { pods, gpus, cluster: this.name });
  }

  // ------------------------------------------------------------------ jobs

  private progress(j: SimJob): number {
    return j.doneMs + (j.phase === 'running' ? this.ctx.now() - j.segStart : 0);
  }

  private log(j: SimJob, level: 'INFO' | 'WARN' | 'ERROR', text: string): void {
    j.logs.push(logLine(this.ctx.now(), level, text));
  }

  private start(j: SimJob): void {
    const head = this.head!;
    const now = this.ctx.now();
    j.phase = 'running';
    j.segStart = now;
    j.members = new Set([head.pod, ...this.workers.keys()]);
    j.gpus = head.resources.gpus + [...this.workers.values()].reduce((n, w) => n + w.resources.gpus, 0);
    j.attempt = this.ctx.nextAttempt(j.ownerKey);
    if (j.info.job_id === null || j.info.job_id === undefined) j.info.job_id = `${(++this.drivers).toString(16).padStart(2, '0')}000000`;
    if (j.info.status === 'PENDING') {
      j.info.status = 'RUNNING';
      j.info.message = JOB_MESSAGES.RUNNING;
    }
    this.ctx.changed(this);
    this.log(
      j,
      'INFO',
      j.doneMs > 0
        ? `Restarting from the checkpoint at ${j.doneMs} ms of ${j.workMs} ms on ${j.members.size} nodes (${j.gpus} GPUs), attempt ${j.attempt}.`
        : `Started on ${j.members.size} nodes (${j.gpus} GPUs), attempt ${j.attempt}: ${j.workMs} ms of work.`,
    );
    this.ctx.emit(TRACE.jobStarted, j.ref, { attempt: j.attempt, gpus: j.gpus, submissionId: j.info.submission_id, progress_ms: j.doneMs, work_ms: j.workMs });
    const end = j.failAtMs !== undefined ? Math.min(j.failAtMs, j.workMs) : j.workMs;
    j.timer = this.ctx.after(Math.max(0, end - j.doneMs), () => this.workDone(j), `ray job end ${this.key}/${j.info.submission_id}`);
  }

  private workDone(j: SimJob): void {
    j.timer = undefined;
    if (j.phase !== 'running') return;
    const progress = this.progress(j);
    if (j.failAtMs !== undefined && j.failAtMs <= j.workMs) {
      this.log(j, 'ERROR', `The entrypoint failed after ${progress} ms of work (raysim.io/fail).`);
      this.finish(j, 'FAILED', JOB_MESSAGES.FAILED, JOB_ERROR_TYPES.entrypoint);
    } else {
      this.log(j, 'INFO', `Finished ${j.workMs} ms of work.`);
      this.finish(j, 'SUCCEEDED', JOB_MESSAGES.SUCCEEDED);
    }
  }

  private recordInterruption(j: SimJob, lostMs: number, cause: string, node: SimRayNode, restart: boolean): void {
    this.ctx.emit(
      TRACE.jobInterrupted,
      j.ref,
      { attempt: j.attempt, lost_ms: lostMs, gpus: j.gpus, cause, restartFromCheckpoint: restart, node: node.pod, nodeType: node.type, submissionId: j.info.submission_id },
      `${node.type} ${node.pod} lost: ${cause}`,
    );
  }

  /** A worker the running job uses is gone: restart from the last checkpoint, or fail. */
  private interrupt(j: SimJob, w: SimRayNode, cause: string): void {
    const progress = this.progress(j);
    if (j.timer) this.ctx.cancel(j.timer);
    j.timer = undefined;
    if (j.checkpointMs !== undefined) {
      const ck = lastCheckpoint(progress, j.checkpointMs);
      this.recordInterruption(j, progress - ck, cause, w, true);
      j.doneMs = ck;
      j.phase = 'recovering';
      this.log(j, 'WARN', `Worker ${w.pod} (group ${w.group}) died (${cause}); ${progress - ck} ms of work lost; waiting for the gang to restart from the checkpoint at ${ck} ms.`);
      this.ctx.changed(this);
      return;
    }
    this.recordInterruption(j, progress, cause, w, false);
    j.doneMs = progress;
    j.phase = 'done';
    this.log(j, 'ERROR', `Worker ${w.pod} (group ${w.group}) died (${cause}); no checkpoint to restore from.`);
    this.finish(j, 'FAILED', workerLostMessage(w.pod, w.group, cause), JOB_ERROR_TYPES.entrypoint);
  }

  private finish(j: SimJob, status: RayJobStatus, message: string, errorType?: string): void {
    if (j.phase === 'running') j.doneMs = this.progress(j);
    if (j.timer) this.ctx.cancel(j.timer);
    j.timer = undefined;
    j.phase = 'done';
    j.info.status = status;
    j.info.message = message;
    j.info.end_time = this.ctx.now();
    if (errorType) j.info.error_type = errorType;
    const followers = j.followers;
    j.followers = [];
    for (const f of followers) f(deepClone(j.info));
    this.ctx.changed(this);
  }

  // ------------------------------------------------------------------ Jobs API

  private requireJob(id: string, what: string): SimJob {
    const j = this.jobs.get(id);
    if (!j) throw new DashboardError(`${what}: 404 Not Found: Job ${id} does not exist`, 'http', 404);
    return j;
  }

  submit(req: RayJobRequest, url: string): string {
    if (typeof req?.entrypoint !== 'string') throw new DashboardError(`POST ${url}/api/jobs/: 400 Bad Request: entrypoint must be a string`, 'http', 400);
    const id = req.submission_id || `raysubmit_${this.idRng.string(16, ALNUM)}`;
    if (this.jobs.has(id)) {
      throw new DashboardError(`POST ${url}/api/jobs/: 400 Bad Request: Job with submission_id ${id} already exists. ${DUPLICATE_SUBMISSION_TEXT}.`, 'http', 400);
    }
    const owner = this.ctx.owningRayJob(this);
    const hints = readWorkloadHints(owner?.annotations, req.metadata);
    const jobRng = this.rng.fork(`job/${id}`);
    const workMs = Math.max(0, Math.round(hints.workMs ?? sample(this.ctx.defaultWork, jobRng)));
    const j: SimJob = {
      info: {
        job_id: null,
        submission_id: id,
        status: 'PENDING',
        entrypoint: req.entrypoint,
        message: JOB_MESSAGES.PENDING,
        error_type: null,
        start_time: this.ctx.now(),
        metadata: { ...(req.metadata ?? {}) },
        runtime_env: deepClone(req.runtime_env ?? {}),
      },
      phase: 'pending',
      workMs,
      doneMs: 0,
      segStart: 0,
      members: new Set(),
      gpus: 0,
      attempt: 0,
      ref: owner?.ref ?? { kind: 'RayCluster', namespace: this.namespace, name: this.name, ...(this.rayCluster?.metadata.uid ? { uid: this.rayCluster.metadata.uid } : {}) },
      ownerKey: owner ? `RayJob/${owner.ref.namespace}/${owner.ref.name}/${owner.ref.uid ?? ''}` : `RayCluster/${this.key}/${id}`,
      logs: [],
      followers: [],
    };
    if (hints.fail) {
      if (hints.failAfterMs !== undefined) j.failAtMs = Math.min(workMs, Math.round(hints.failAfterMs));
      else j.failAtMs = Math.round(Math.min(1, Math.max(0, sample(this.ctx.failAt, jobRng))) * workMs);
    }
    if (hints.checkpointIntervalMs !== undefined) j.checkpointMs = hints.checkpointIntervalMs;
    this.jobs.set(id, j);
    this.ctx.changed(this);
    this.log(j, 'INFO', `Submitted job ${id} with entrypoint \`${req.entrypoint}\`.`);
    for (const p of hints.problems) this.log(j, 'WARN', `Ignored: ${p}`);
    if (!this.gangRegistered()) this.log(j, 'INFO', 'Waiting for the cluster\'s workers to register.');
    this.afterChange();
    return id;
  }

  jobInfo(id: string): RayJobInfo | undefined {
    const j = this.jobs.get(id);
    return j ? deepClone(j.info) : undefined;
  }

  listJobs(): RayJobInfo[] {
    return [...this.jobs.values()].map((j) => deepClone(j.info));
  }

  stop(id: string, url: string): void {
    const j = this.requireJob(id, `POST ${url}/api/jobs/${id}/stop`);
    if (isTerminal(j.info.status)) return;
    this.log(j, 'INFO', 'Job stop requested.');
    this.finish(j, 'STOPPED', JOB_MESSAGES.STOPPED);
  }

  delete(id: string, url: string): void {
    const j = this.jobs.get(id);
    if (!j) return;
    if (!isTerminal(j.info.status)) {
      throw new DashboardError(
        `DELETE ${url}/api/jobs/${id}: 500 Internal Server Error: RuntimeError: Attempted to delete job '${id}', but it is in a non-terminal state ${j.info.status}.`,
        'http',
        500,
      );
    }
    this.jobs.delete(id);
    this.ctx.changed(this);
  }

  logs(id: string, url: string): string {
    const j = this.requireJob(id, `GET ${url}/api/jobs/${id}/logs`);
    return j.logs.length === 0 ? '' : j.logs.join('\n') + '\n';
  }

  /**
   * Calls `fn` once with the job's info when it is terminal (now, if it already is). Returns false
   * when the job is unknown. Used by the submitter's `ray job logs --follow`.
   */
  follow(id: string, fn: (info: RayJobInfo) => void): boolean {
    const j = this.jobs.get(id);
    if (!j) return false;
    if (isTerminal(j.info.status)) fn(deepClone(j.info));
    else j.followers.push(fn);
    return true;
  }

  // ------------------------------------------------------------------ Serve API

  updateServe(config: Record<string, unknown>, url: string): void {
    const appsIn = (config as { applications?: unknown })?.applications;
    if (!Array.isArray(appsIn) || appsIn.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) {
      throw new DashboardError(`PUT ${url}/api/serve/applications/: 400 Bad Request: applications must be a list of application configs`, 'http', 400);
    }
    const names = appsIn.map((a: { name?: unknown }) => (typeof a.name === 'string' && a.name ? a.name : 'default'));
    if (new Set(names).size !== names.length) {
      throw new DashboardError(`PUT ${url}/api/serve/applications/: 400 Bad Request: application names must be unique, got ${JSON.stringify(names)}`, 'http', 400);
    }
    this.lastServeConfig = deepClone(config);
    const next = new Map<string, ServeApp>();
    appsIn.forEach((a: Record<string, unknown>, i) => {
      const name = names[i]!;
      const configKey = JSON.stringify(a);
      const prev = this.serve.get(name);
      if (prev && prev.configKey === configKey) {
        next.set(name, prev);
        return;
      }
      if (prev?.timer) this.ctx.cancel(prev.timer);
      const deployments: ServeApplicationDetails['deployments'] = {};
      for (const d of Array.isArray(a.deployments) ? a.deployments : []) {
        const dn = (d as { name?: unknown })?.name;
        if (typeof dn === 'string') deployments[dn] = { name: dn, status: 'UPDATING', message: '' };
      }
      const app: ServeApp = {
        configKey,
        details: { name, route_prefix: typeof a.route_prefix === 'string' ? a.route_prefix : '/', status: 'DEPLOYING', message: 'Deploying app.', deployments },
      };
      const delay = Math.max(0, sample(this.ctx.serveAppStart, this.serveRng));
      app.timer = this.ctx.after(delay, () => this.serveAppRunning(app), `ray serve app ${this.key}/${name}`);
      next.set(name, app);
    });
    for (const [name, app] of this.serve) if (!next.has(name) && app.timer) this.ctx.cancel(app.timer);
    this.serve = next;
    this.ctx.changed(this);
  }

  private serveAppRunning(app: ServeApp): void {
    app.timer = undefined;
    if (this.serve.get(app.details.name) !== app) return;
    app.details.status = 'RUNNING';
    app.details.message = '';
    for (const d of Object.values(app.details.deployments)) {
      d.status = 'HEALTHY';
      d.message = '';
    }
    this.ctx.changed(this);
  }

  serveDetails(): ServeDetails {
    const applications: ServeDetails['applications'] = {};
    for (const [name, app] of this.serve) applications[name] = deepClone(app.details);
    return { applications };
  }

  /** The last Serve config accepted by this head (a copy). */
  serveConfig(): Record<string, unknown> | undefined {
    return this.lastServeConfig === undefined ? undefined : deepClone(this.lastServeConfig);
  }
}
