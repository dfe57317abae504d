// A scriptable, deterministic RayDashboardClient for controller tests. It keeps jobs and Serve
// applications in memory and answers the way a Ray head does on the common cases (the shared
// dashboard conformance suite holds it to that), and lets a test decide what happens next:
//
//   - a job's statuses over successive getJobInfo calls (scriptJob), or set outright (setJobStatus)
//   - the next call of a method failing (failNext / failNextSubmit), or every call (unreachable)
//   - Serve application and deployment statuses (setServeStatus / setDeploymentStatus)
//   - job logs (setJobLog)
//
// Every call is recorded with its arguments. No timers and no wall clock: times come from `now`
// (default: a counter), generated ids from counters, and results are copies a caller may mutate.

import type { KubeObject } from '../runtime/kube-object.js';
import {
  DashboardError,
  DUPLICATE_SUBMISSION_TEXT,
  type DashboardClientFactory,
  type RayDashboardClient,
  type RayJobInfo,
  type RayJobRequest,
  type RayJobStatus,
  type ServeApplicationDetails,
  type ServeApplicationStatusValue,
  type ServeDeploymentStatusValue,
  type ServeDetails,
  TERMINAL_JOB_STATUSES,
} from './dashboard-client.js';
import { deepClone } from '../runtime/deep-copy.js';

export type DashboardMethod = keyof RayDashboardClient;

export interface FakeDashboardCall {
  method: DashboardMethod;
  args: unknown[];
}

/** One scripted step: a status, or a status with the message getJobInfo reports alongside it. */
export type JobStep = RayJobStatus | { status: RayJobStatus; message?: string };

export interface FakeDashboardOptions {
  /** Milliseconds since the epoch for start_time/end_time. Default: 1_700_000_000_000 + 1000·n on the n-th use. */
  now?: () => number;
  /** The dashboard URL, for messages and for tests to check what the factory was given. */
  url?: string;
}

const DASHBOARD_METHODS: readonly DashboardMethod[] = [
  'submitJob',
  'getJobInfo',
  'listJobs',
  'stopJob',
  'deleteJob',
  'getJobLog',
  'updateServeApplications',
  'getServeDetails',
];

const JOB_STATUSES: readonly RayJobStatus[] = ['PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED'];

interface FakeJob {
  info: RayJobInfo;
  steps: JobStep[];
  logs: string;
}

export class FakeDashboard implements RayDashboardClient {
  /** Every call, in order, with copies of its arguments. */
  readonly calls: FakeDashboardCall[] = [];
  /** Every serve config PUT, in order (copies). */
  readonly serveConfigs: Record<string, unknown>[] = [];
  url: string;

  private readonly jobsById = new Map<string, FakeJob>();
  /** Scripts for jobs not submitted yet; applied when they are. */
  private readonly pendingScripts = new Map<string, JobStep[]>();
  private readonly pendingLogs = new Map<string, string>();
  private readonly failures = new Map<DashboardMethod, Error[]>();
  private down = false;
  private apps: Record<string, ServeApplicationDetails> = {};
  private readonly appConfigs = new Map<string, string>();
  private readonly now: () => number;
  private ticks = 0;
  private submissions = 0;
  private drivers = 0;

  constructor(options: FakeDashboardOptions = {}) {
    this.url = options.url ?? 'http://fake-ray-dashboard:8265';
    this.now = options.now ?? (() => 1_700_000_000_000 + 1000 * this.ticks++);
  }

  // ---------------------------------------------------------------- scripting

  /**
   * The statuses job `id` reports on its next getJobInfo calls, one per call; after the last one
   * it keeps reporting that. Replaces any earlier script. Works before the job is submitted (the
   * script starts with the first getJobInfo after submission; until then a new job is PENDING).
   */
  scriptJob(id: string, steps: JobStep[]): this {
    for (const s of steps) checkStatus(typeof s === 'string' ? s : s.status);
    const job = this.jobsById.get(id);
    if (job) job.steps = [...steps];
    else this.pendingScripts.set(id, [...steps]);
    return this;
  }

  /** Sets the status of a submitted job now, dropping whatever is left of its script. */
  setJobStatus(id: string, status: RayJobStatus, message?: string): this {
    checkStatus(status);
    const job = this.jobsById.get(id);
    if (!job) throw new Error(`FakeDashboard.setJobStatus: no job ${JSON.stringify(id)} was submitted`);
    job.steps = [];
    this.applyStatus(job, status, message);
    return this;
  }

  /** What getJobLog returns for the job (it may be set before the job is submitted). */
  setJobLog(id: string, logs: string): this {
    const job = this.jobsById.get(id);
    if (job) job.logs = logs;
    else this.pendingLogs.set(id, logs);
    return this;
  }

  /** The next call of `method` fails with err (queued: several calls fail in turn). It is still recorded. */
  failNext(method: DashboardMethod, err: Error): this {
    if (!DASHBOARD_METHODS.includes(method)) throw new Error(`FakeDashboard.failNext: unknown method ${String(method)}`);
    const q = this.failures.get(method) ?? [];
    q.push(err);
    this.failures.set(method, q);
    return this;
  }

  failNextSubmit(err: Error): this {
    return this.failNext('submitJob', err);
  }

  /** While on, every call fails with DashboardError kind 'unreachable' (and changes nothing). */
  unreachable(on = true): this {
    this.down = on;
    return this;
  }

  get isUnreachable(): boolean {
    return this.down;
  }

  /**
   * Sets a Serve application's status, creating the application if no config PUT has made it.
   * RUNNING also marks its deployments HEALTHY, and DEPLOY_FAILED/UNHEALTHY marks them UNHEALTHY,
   * as Ray would report them.
   */
  setServeStatus(app: string, status: ServeApplicationStatusValue, message = ''): this {
    const a = (this.apps[app] ??= { name: app, route_prefix: '/', status, message, deployments: {} });
    a.status = status;
    a.message = message;
    const dep: ServeDeploymentStatusValue | undefined = status === 'RUNNING' ? 'HEALTHY' : status === 'UNHEALTHY' || status === 'DEPLOY_FAILED' ? 'UNHEALTHY' : undefined;
    if (dep) for (const d of Object.values(a.deployments)) d.status = dep;
    return this;
  }

  setDeploymentStatus(app: string, deployment: string, status: ServeDeploymentStatusValue, message = ''): this {
    const a = this.apps[app];
    if (!a) throw new Error(`FakeDashboard.setDeploymentStatus: no Serve application ${JSON.stringify(app)}`);
    a.deployments[deployment] = { name: deployment, status, message };
    return this;
  }

  /** The last serve config PUT (a copy), if any. */
  get lastServeConfig(): Record<string, unknown> | undefined {
    const c = this.serveConfigs[this.serveConfigs.length - 1];
    return c === undefined ? undefined : deepClone(c);
  }

  // ---------------------------------------------------------------- inspection

  callsTo(method: DashboardMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  clearCalls(): this {
    this.calls.length = 0;
    return this;
  }

  /** The job as the dashboard holds it now, without advancing its script. */
  job(id: string): RayJobInfo | undefined {
    const j = this.jobsById.get(id);
    return j ? deepClone(j.info) : undefined;
  }

  jobIds(): string[] {
    return [...this.jobsById.keys()];
  }

  // ---------------------------------------------------------------- RayDashboardClient

  async submitJob(req: RayJobRequest): Promise<string> {
    this.enter('submitJob', [req]);
    if (typeof req?.entrypoint !== 'string') throw new DashboardError(`POST ${this.url}/api/jobs/: 400 Bad Request: entrypoint must be a string`, 'http', 400);
    const id = req.submission_id || `raysubmit_${(++this.submissions).toString().padStart(16, '0')}`;
    if (this.jobsById.has(id)) {
      throw new DashboardError(`POST ${this.url}/api/jobs/: 400 Bad Request: Job with submission_id ${id} already exists. ${DUPLICATE_SUBMISSION_TEXT}.`, 'http', 400);
    }
    const info: RayJobInfo = {
      job_id: null,
      submission_id: id,
      status: 'PENDING',
      entrypoint: req.entrypoint,
      message: 'Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, custom resources) to become available.',
      error_type: null,
      start_time: this.now(),
      metadata: { ...(req.metadata ?? {}) },
      runtime_env: deepClone(req.runtime_env ?? {}),
    };
    this.jobsById.set(id, { info, steps: this.pendingScripts.get(id) ?? [], logs: this.pendingLogs.get(id) ?? '' });
    this.pendingScripts.delete(id);
    this.pendingLogs.delete(id);
    return id;
  }

  async getJobInfo(submissionId: string): Promise<RayJobInfo | undefined> {
    this.enter('getJobInfo', [submissionId]);
    const job = this.jobsById.get(submissionId);
    if (!job) return undefined;
    const step = job.steps.shift();
    if (step !== undefined) {
      if (typeof step === 'string') this.applyStatus(job, step);
      else this.applyStatus(job, step.status, step.message);
    }
    return deepClone(job.info);
  }

  async listJobs(): Promise<RayJobInfo[]> {
    this.enter('listJobs', []);
    return [...this.jobsById.values()].map((j) => deepClone(j.info));
  }

  async stopJob(submissionId: string): Promise<void> {
    this.enter('stopJob', [submissionId]);
    const job = this.requireJob('POST', `${submissionId}/stop`, submissionId);
    if (TERMINAL_JOB_STATUSES.includes(job.info.status)) return;
    job.steps = [];
    this.applyStatus(job, 'STOPPED', 'Job was intentionally stopped.');
  }

  /** Like the HTTP client: deleting an unknown job succeeds; deleting a live one is Ray's 500. */
  async deleteJob(submissionId: string): Promise<void> {
    this.enter('deleteJob', [submissionId]);
    const job = this.jobsById.get(submissionId);
    if (!job) return;
    if (!TERMINAL_JOB_STATUSES.includes(job.info.status)) {
      throw new DashboardError(
        `DELETE ${this.url}/api/jobs/${submissionId}: 500 Internal Server Error: RuntimeError: Attempted to delete job '${submissionId}', but it is in a non-terminal state ${job.info.status}.`,
        'http',
        500,
      );
    }
    this.jobsById.delete(submissionId);
  }

  async getJobLog(submissionId: string): Promise<string> {
    this.enter('getJobLog', [submissionId]);
    return this.requireJob('GET', `${submissionId}/logs`, submissionId).logs;
  }

  async updateServeApplications(config: Record<string, unknown>): Promise<void> {
    this.enter('updateServeApplications', [config]);
    const appsIn = (config as { applications?: unknown })?.applications;
    if (!Array.isArray(appsIn) || appsIn.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) {
      throw new DashboardError(`PUT ${this.url}/api/serve/applications/: 400 Bad Request: applications must be a list of application configs`, 'http', 400);
    }
    const names = appsIn.map((a: { name?: unknown }) => (typeof a.name === 'string' && a.name ? a.name : 'default'));
    if (new Set(names).size !== names.length) {
      throw new DashboardError(`PUT ${this.url}/api/serve/applications/: 400 Bad Request: application names must be unique, got ${JSON.stringify(names)}`, 'http', 400);
    }
    this.serveConfigs.push(deepClone(config));
    const next: Record<string, ServeApplicationDetails> = {};
    appsIn.forEach((a: Record<string, unknown>, i) => {
      const name = names[i]!;
      const key = JSON.stringify(a);
      const prev = this.apps[name];
      if (prev && this.appConfigs.get(name) === key) {
        next[name] = prev;
        return;
      }
      this.appConfigs.set(name, key);
      const deployments: ServeApplicationDetails['deployments'] = {};
      for (const d of Array.isArray(a.deployments) ? a.deployments : []) {
        const dn = (d as { name?: unknown })?.name;
        if (typeof dn === 'string') deployments[dn] = { name: dn, status: 'UPDATING', message: '' };
      }
      next[name] = { name, route_prefix: typeof a.route_prefix === 'string' ? a.route_prefix : '/', status: 'DEPLOYING', message: '', deployments };
    });
    for (const name of Object.keys(this.apps)) if (!(name in next)) this.appConfigs.delete(name);
    this.apps = next;
  }

  async getServeDetails(): Promise<ServeDetails> {
    this.enter('getServeDetails', []);
    return { applications: deepClone(this.apps) };
  }

  // ---------------------------------------------------------------- internals

  /** Records the call, then fails it if the test said so. */
  private enter(method: DashboardMethod, args: unknown[]): void {
    this.calls.push({ method, args: deepClone(args) });
    if (this.down) throw new DashboardError(`${method} ${this.url}: Ray dashboard unreachable (connect ECONNREFUSED)`, 'unreachable');
    const q = this.failures.get(method);
    const err = q?.shift();
    if (q && q.length === 0) this.failures.delete(method);
    if (err) throw err;
  }

  private requireJob(method: string, path: string, id: string): FakeJob {
    const job = this.jobsById.get(id);
    if (!job) throw new DashboardError(`${method} ${this.url}/api/jobs/${path}: 404 Not Found: Job ${id} does not exist`, 'http', 404);
    return job;
  }

  private applyStatus(job: FakeJob, status: RayJobStatus, message?: string): void {
    const info = job.info;
    const was = info.status;
    info.status = status;
    if (message !== undefined) info.message = message;
    else if (status !== was) info.message = defaultMessage(status);
    if (status !== 'PENDING' && (info.job_id === null || info.job_id === undefined)) {
      info.job_id = (++this.drivers).toString(16).padStart(8, '0');
    }
    if (TERMINAL_JOB_STATUSES.includes(status)) {
      if (!TERMINAL_JOB_STATUSES.includes(was) || info.end_time === undefined) info.end_time = this.now();
      if (status === 'FAILED' && !info.error_type) info.error_type = 'JOB_ENTRYPOINT_COMMAND_ERROR';
    } else {
      delete info.end_time;
    }
  }
}

function checkStatus(s: string): void {
  if (!JOB_STATUSES.includes(s as RayJobStatus)) throw new Error(`FakeDashboard: not a Ray job status: ${JSON.stringify(s)}`);
}

function defaultMessage(status: RayJobStatus): string {
  switch (status) {
    case 'PENDING':
      return 'Job has not started yet.';
    case 'RUNNING':
      return 'Job is currently running.';
    case 'STOPPED':
      return 'Job was intentionally stopped.';
    case 'SUCCEEDED':
      return 'Job finished successfully.';
    case 'FAILED':
      return 'Job entrypoint command failed with exit code 1.';
  }
}

// ------------------------------------------------------------------ factory

/** A DashboardClientFactory handing out one FakeDashboard per RayCluster (namespace/name). */
export interface FakeDashboardFactory extends DashboardClientFactory {
  /** The cluster's fake, created on first use (so a test can script it before the operator asks). */
  dashboard(namespace: string, name: string): FakeDashboard;
  /** The cluster's fake if the factory or a test has made one. */
  get(namespace: string, name: string): FakeDashboard | undefined;
  /** Every fake so far, keyed "namespace/name". */
  all(): Map<string, FakeDashboard>;
  /** The clusters the operator asked for clients for, in order, with the URL it passed. */
  readonly requests: { key: string; url: string }[];
}

export function fakeDashboardFactory(options: Omit<FakeDashboardOptions, 'url'> = {}): FakeDashboardFactory {
  const fakes = new Map<string, FakeDashboard>();
  const requests: { key: string; url: string }[] = [];
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const dashboard = (namespace: string, name: string): FakeDashboard => {
    const k = key(namespace, name);
    let f = fakes.get(k);
    if (!f) {
      f = new FakeDashboard(options);
      fakes.set(k, f);
    }
    return f;
  };
  const factory = (cluster: KubeObject, url: string): RayDashboardClient => {
    const name = cluster.metadata.name;
    if (!name) throw new Error('fakeDashboardFactory: the RayCluster has no metadata.name');
    const ns = cluster.metadata.namespace ?? 'default';
    requests.push({ key: key(ns, name), url });
    const f = dashboard(ns, name);
    f.url = url;
    return f;
  };
  return Object.assign(factory, {
    dashboard,
    get: (namespace: string, name: string) => fakes.get(key(namespace, name)),
    all: () => new Map(fakes),
    requests,
  });
}
