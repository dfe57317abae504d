// RayDashboardClient over HTTP: Ray's Jobs REST API and Serve REST API on a real Ray head's
// dashboard port, the way KubeRay's dashboard client calls them.
//
//   POST   /api/jobs/                          JobSubmitRequest -> {submission_id, job_id}
//   GET    /api/jobs/                          -> JobDetails[] (driver-only jobs are dropped here)
//   GET    /api/jobs/{id}                      -> JobDetails, 404 when unknown
//   POST   /api/jobs/{id}/stop                 -> {stopped}
//   DELETE /api/jobs/{id}                      -> {deleted}
//   GET    /api/jobs/{id}/logs                 -> {logs}
//   PUT    /api/serve/applications/            serveConfigV2 as JSON, empty 200
//   GET    /api/serve/applications/?api_type=declarative -> ServeInstanceDetails
//
// Every call is bounded by timeoutMs (KubeRay's http.Client uses 2 s), headers and body
// included. Failures are DashboardErrors: 'unreachable' when no connection could be made or it
// broke, 'timeout' when the bound ran out, 'http' for everything the server did answer (a non-2xx
// status, or a 2xx body that is not the JSON Ray sends); messages name the method, URL and status.

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
  type ServeDetails,
  TERMINAL_JOB_STATUSES,
} from './dashboard-client.js';

export const DEFAULT_DASHBOARD_TIMEOUT_MS = 2000;

export const JOBS_PATH = '/api/jobs/';
export const SERVE_APPLICATIONS_PATH = '/api/serve/applications/';

export interface HttpDashboardClientOptions {
  /** Bound on each call, from sending the request to reading the whole body. Default 2000 ms. */
  timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Sent as `x-ray-authorization: Bearer <token>` when the Ray cluster has token auth enabled. */
  authToken?: string;
}

const JOB_STATUSES: ReadonlySet<string> = new Set<RayJobStatus>(['PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED']);
const MAX_BODY_IN_MESSAGE = 500;

interface RawResponse {
  method: string;
  url: string;
  status: number;
  statusText: string;
  text: string;
}

export class HttpDashboardClient implements RayDashboardClient {
  /** The dashboard address without a trailing slash, e.g. http://raycluster-head-svc.ns.svc.cluster.local:8265 */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly authToken: string | undefined;

  constructor(baseUrl: string, options: HttpDashboardClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new TypeError(`HttpDashboardClient: not a URL: ${JSON.stringify(baseUrl)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`HttpDashboardClient: expected an http(s) URL, got ${JSON.stringify(baseUrl)}`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_DASHBOARD_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`HttpDashboardClient: timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.authToken = options.authToken;
  }

  async submitJob(req: RayJobRequest): Promise<string> {
    const res = await this.call('POST', JOBS_PATH, req);
    if (!ok(res)) {
      if (res.text.includes(DUPLICATE_SUBMISSION_TEXT)) {
        // Ray >= 2.x relays the agent's 400 as a 500 wrapping a traceback; report both as 400.
        const said = /Job with submission_id \S+ already exists\. Please use a different submission_id\./.exec(res.text)?.[0];
        const what = said ?? `submission_id ${req.submission_id ?? '(generated)'} already in use. ${DUPLICATE_SUBMISSION_TEXT}.`;
        throw new DashboardError(`${res.method} ${res.url}: ${res.status} ${res.statusText}: ${what}`, 'http', 400);
      }
      throw httpError(res);
    }
    const body = parseJson(res);
    if (isObject(body)) {
      if (typeof body.submission_id === 'string' && body.submission_id) return body.submission_id;
      if (typeof body.job_id === 'string' && body.job_id) return body.job_id;
    }
    throw shapeError(res, 'a JobSubmitResponse {submission_id, job_id}');
  }

  async getJobInfo(submissionId: string): Promise<RayJobInfo | undefined> {
    const res = await this.call('GET', jobPath(submissionId));
    if (res.status === 404) return undefined;
    if (!ok(res)) throw httpError(res);
    const info = toJobInfo(parseJson(res), submissionId);
    if (!info) throw shapeError(res, 'a JobDetails object with a valid status');
    return info;
  }

  async listJobs(): Promise<RayJobInfo[]> {
    const res = await this.call('GET', JOBS_PATH);
    if (!ok(res)) throw httpError(res);
    const body = parseJson(res);
    if (!Array.isArray(body)) throw shapeError(res, 'a JSON array of JobDetails');
    const out: RayJobInfo[] = [];
    for (const item of body) {
      // Ray lists driver jobs (started by ray.init() without the Jobs API) with submission_id
      // null; the operator only manages submitted ones.
      if (isObject(item) && (item.submission_id === null || item.submission_id === undefined)) continue;
      const info = toJobInfo(item);
      if (!info) throw shapeError(res, 'a JSON array of JobDetails with valid statuses');
      out.push(info);
    }
    return out;
  }

  async stopJob(submissionId: string): Promise<void> {
    const res = await this.call('POST', `${jobPath(submissionId)}/stop`);
    if (!ok(res)) throw httpError(res);
    const body = parseJson(res);
    if (!isObject(body) || typeof body.stopped !== 'boolean') throw shapeError(res, 'a JobStopResponse {stopped}');
    if (body.stopped) return;
    // stopped=false: nothing was running. Fine when the job already ended (as KubeRay does).
    const info = await this.getJobInfo(submissionId);
    if (info && !TERMINAL_JOB_STATUSES.includes(info.status)) {
      throw new DashboardError(`${res.method} ${res.url}: the dashboard did not stop job ${submissionId}, which is still ${info.status}`, 'http', res.status);
    }
  }

  /** Deleting a job the dashboard does not know (404) succeeds: the job is gone either way. */
  async deleteJob(submissionId: string): Promise<void> {
    const res = await this.call('DELETE', jobPath(submissionId));
    if (res.status === 404) return;
    if (!ok(res)) throw httpError(res);
    const body = parseJson(res);
    if (!isObject(body) || typeof body.deleted !== 'boolean') throw shapeError(res, 'a JobDeleteResponse {deleted}');
    if (!body.deleted) throw new DashboardError(`${res.method} ${res.url}: the dashboard did not delete job ${submissionId}`, 'http', res.status);
  }

  async getJobLog(submissionId: string): Promise<string> {
    const res = await this.call('GET', `${jobPath(submissionId)}/logs`);
    if (!ok(res)) throw httpError(res);
    const body = parseJson(res);
    if (!isObject(body) || typeof body.logs !== 'string') throw shapeError(res, 'a JobLogsResponse {logs}');
    return body.logs;
  }

  async updateServeApplications(config: Record<string, unknown>): Promise<void> {
    const res = await this.call('PUT', SERVE_APPLICATIONS_PATH, config);
    if (!ok(res)) throw httpError(res);
  }

  async getServeDetails(): Promise<ServeDetails> {
    const res = await this.call('GET', `${SERVE_APPLICATIONS_PATH}?api_type=declarative`);
    if (!ok(res)) throw httpError(res);
    const body = parseJson(res);
    if (!isObject(body)) throw shapeError(res, 'a ServeInstanceDetails object');
    // Like KubeRay's struct decoding, a missing or null `applications` means none.
    const apps = body.applications ?? {};
    if (!isObject(apps)) throw shapeError(res, 'a ServeInstanceDetails object whose applications is an object');
    for (const [name, app] of Object.entries(apps)) {
      if (!isObject(app) || typeof app.status !== 'string') throw shapeError(res, `application ${JSON.stringify(name)} to be an object with a status`);
      if (app.deployments !== undefined && app.deployments !== null && !isObject(app.deployments)) {
        throw shapeError(res, `application ${JSON.stringify(name)} to have an object of deployments`);
      }
    }
    const applications: Record<string, ServeApplicationDetails> = {};
    for (const [name, app] of Object.entries(apps as Record<string, Record<string, unknown>>)) {
      applications[name] = { ...app, name: typeof app.name === 'string' ? app.name : name, deployments: (app.deployments ?? {}) } as ServeApplicationDetails;
    }
    return { ...body, applications } as ServeDetails;
  }

  // ---------------------------------------------------------------- transport

  private async call(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.authToken) headers['x-ray-authorization'] = `Bearer ${this.authToken}`;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await this.fetchFn(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
      // Reading the body stays under the same signal, so a server that sends headers and then
      // stalls still ends in a timeout.
      const text = await res.text();
      return { method, url, status: res.status, statusText: res.statusText, text };
    } catch (err) {
      throw this.transportError(method, url, err, signal);
    }
  }

  private transportError(method: string, url: string, err: unknown, signal: AbortSignal): DashboardError {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = e?.cause?.code;
    let out: DashboardError;
    if (signal.aborted || e?.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      out = new DashboardError(`${method} ${url}: no answer from the Ray dashboard within ${this.timeoutMs} ms`, 'timeout');
    } else {
      const why = e?.cause?.message ?? code ?? e?.message ?? String(err);
      out = new DashboardError(`${method} ${url}: Ray dashboard unreachable (${why})`, 'unreachable');
    }
    out.cause = err;
    return out;
  }
}

/**
 * A DashboardClientFactory making HttpDashboardClients. mapUrl turns KubeRay's in-cluster address
 * (http://<head-svc>.<ns>.svc.cluster.local:8265) into one reachable from where the operator runs,
 * e.g. a port-forward on localhost; default: the address as given.
 */
export function httpDashboardClientFactory(
  mapUrl?: (url: string, cluster: KubeObject) => string,
  options: HttpDashboardClientOptions = {},
): DashboardClientFactory {
  return (cluster, url) => new HttpDashboardClient(mapUrl ? mapUrl(url, cluster) : url, options);
}

// ------------------------------------------------------------------ helpers

function jobPath(submissionId: string): string {
  if (!submissionId) throw new TypeError('a submission id is required');
  return JOBS_PATH + encodeURIComponent(submissionId);
}

function ok(res: RawResponse): boolean {
  return res.status >= 200 && res.status <= 299;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snippet(text: string): string {
  const t = text.trim();
  if (!t) return '(empty body)';
  return t.length > MAX_BODY_IN_MESSAGE ? `${t.slice(0, MAX_BODY_IN_MESSAGE)}… (${t.length} chars)` : t;
}

/** Ray answers errors as plain text, often a Python traceback: keep its last line, the exception. */
function rayMessage(text: string): string {
  const t = text.trim();
  if (t.includes('Traceback (most recent call last)')) {
    const lines = t.split('\n').map((l) => l.trim()).filter(Boolean);
    return snippet(lines[lines.length - 1] ?? t);
  }
  return snippet(t);
}

function httpError(res: RawResponse): DashboardError {
  return new DashboardError(`${res.method} ${res.url}: ${res.status} ${res.statusText}: ${rayMessage(res.text)}`, 'http', res.status);
}

function parseJson(res: RawResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    throw new DashboardError(`${res.method} ${res.url}: ${res.status} response is not JSON: ${snippet(res.text)}`, 'http', res.status);
  }
}

function shapeError(res: RawResponse, expected: string): DashboardError {
  return new DashboardError(`${res.method} ${res.url}: ${res.status} response is not ${expected}: ${snippet(res.text)}`, 'http', res.status);
}

function toJobInfo(raw: unknown, fallbackId?: string): RayJobInfo | undefined {
  if (!isObject(raw) || typeof raw.status !== 'string' || !JOB_STATUSES.has(raw.status)) return undefined;
  const submissionId = typeof raw.submission_id === 'string' ? raw.submission_id : fallbackId;
  if (submissionId === undefined) return undefined;
  return { ...raw, submission_id: submissionId, entrypoint: typeof raw.entrypoint === 'string' ? raw.entrypoint : '' } as RayJobInfo;
}
