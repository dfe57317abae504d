// A small stand-in for a Ray head's dashboard (node:http on 127.0.0.1, port 0): the Jobs and Serve
// REST endpoints kept in memory, answering the way Ray's job_head.py / serve head do:
//
//   - errors are plain text (Ray sends tracebacks), 404 "Job <id> does not exist" for unknown jobs
//   - a reused submission_id is refused with Ray's ValueError text, as 400 (older heads) or as a
//     500 wrapping the agent's 400 (newer heads), per `duplicateStatus`
//   - stop answers {stopped} and moves a PENDING/RUNNING job to STOPPED; stopping an ended job
//     answers {stopped: false}
//   - delete refuses (500) a job that has not ended, answers {deleted: true} otherwise
//   - driver-only jobs (submission_id null) can be added to the list, as Ray lists them
//
// Tests can replace any route with their own handler (to hang, send bad JSON, ...), and every
// request is recorded (method, url, headers, body).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type JobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';
const TERMINAL: ReadonlySet<string> = new Set(['STOPPED', 'SUCCEEDED', 'FAILED']);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type RouteOverride = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface FakeRayServerOptions {
  /** Status for a duplicate submission_id: 400 (Ray's job agent, older heads) or 500 (newer heads relaying it). */
  duplicateStatus?: 400 | 500;
}

interface Job {
  type: 'SUBMISSION' | 'DRIVER';
  job_id: string | null;
  submission_id: string | null;
  driver_info: null;
  status: JobStatus;
  entrypoint: string;
  message: string;
  error_type: string | null;
  start_time: number;
  end_time: number | null;
  metadata: Record<string, string>;
  runtime_env: Record<string, unknown>;
  driver_agent_http_address: string | null;
  driver_node_id: string | null;
  driver_exit_code: number | null;
}

export class FakeRayServer {
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<string, Job>();
  readonly logs = new Map<string, string>();
  serveConfig: Record<string, unknown> | undefined;
  readonly serveApps: Record<string, { name: string; route_prefix: string | null; status: string; message: string; deployments: Record<string, { name: string; status: string; message: string }> }> = {};
  private readonly overrides = new Map<string, RouteOverride>();
  private server: Server | undefined;
  private generated = 0;
  private drivers = 0;
  private readonly duplicateStatus: 400 | 500;

  constructor(options: FakeRayServerOptions = {}) {
    this.duplicateStatus = options.duplicateStatus ?? 400;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('FakeRayServer not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Replaces the route for "METHOD /path" (path without query string). */
  override(method: string, path: string, handler: RouteOverride): void {
    this.overrides.set(`${method} ${path}`, handler);
  }

  setStatus(id: string, status: JobStatus, message = ''): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    job.status = status;
    job.message = message;
    if (status !== 'PENDING' && !job.job_id) job.job_id = (++this.drivers).toString(16).padStart(8, '0');
    job.end_time = TERMINAL.has(status) ? Date.now() : null;
  }

  /** A job started by ray.init() in a driver, not through the Jobs API (Ray lists those too). */
  addDriverJob(): void {
    const jobId = (++this.drivers).toString(16).padStart(8, '0');
    this.jobs.set(`driver:${jobId}`, { ...this.newJob(null, 'python script.py'), type: 'DRIVER', job_id: jobId, status: 'RUNNING' });
  }

  setServeStatus(app: string, status: string): void {
    const a = this.serveApps[app];
    if (!a) throw new Error(`no app ${app}`);
    a.status = status;
    if (status === 'RUNNING') for (const d of Object.values(a.deployments)) d.status = 'HEALTHY';
  }

  // ---------------------------------------------------------------- HTTP

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0]!;
      this.requests.push({ method, url: req.url ?? '/', headers: { ...req.headers }, body });
      const custom = this.overrides.get(`${method} ${path}`);
      if (custom) return custom(req, res, body);
      try {
        this.route(method, path, body, res);
      } catch (e) {
        text(res, 500, `Traceback (most recent call last):\n  File "fake"\n${(e as Error).stack ?? e}`);
      }
    });
  }

  private route(method: string, path: string, body: string, res: ServerResponse): void {
    if (path === '/api/jobs/' && method === 'POST') return this.submit(body, res);
    if (path === '/api/jobs/' && method === 'GET') return json(res, 200, [...this.jobs.values()]);
    if (path === '/api/serve/applications/' && method === 'PUT') return this.putServe(body, res);
    if (path === '/api/serve/applications/' && method === 'GET') {
      return json(res, 200, { controller_info: {}, proxy_location: 'EveryNode', http_options: { host: '0.0.0.0', port: 8000 }, proxies: {}, deploy_mode: 'MULTI_APP', applications: this.serveApps, target_capacity: null });
    }
    const m = /^\/api\/jobs\/([^/]+)(\/stop|\/logs)?$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const job = this.jobs.get(id);
      if (!job || job.type !== 'SUBMISSION') return text(res, 404, `Job ${id} does not exist`);
      if (!m[2] && method === 'GET') return json(res, 200, job);
      if (m[2] === '/logs' && method === 'GET') return json(res, 200, { logs: this.logs.get(id) ?? '' });
      if (m[2] === '/stop' && method === 'POST') {
        const stopped = !TERMINAL.has(job.status);
        if (stopped) this.setStatus(id, 'STOPPED', 'Job was intentionally stopped.');
        return json(res, 200, { stopped });
      }
      if (!m[2] && method === 'DELETE') {
        if (!TERMINAL.has(job.status)) {
          return text(res, 500, traceback(`RuntimeError: Request failed with status code 500: Traceback (most recent call last):\nRuntimeError: Attempted to delete job '${id}', but it is in a non-terminal state ${job.status}.`));
        }
        this.jobs.delete(id);
        this.logs.delete(id);
        return json(res, 200, { deleted: true });
      }
      return text(res, 405, '405: Method Not Allowed');
    }
    text(res, 404, '404: Not Found');
  }

  private submit(body: string, res: ServerResponse): void {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(body) as Record<string, unknown>;
    } catch (e) {
      return text(res, 400, traceback(`json.decoder.JSONDecodeError: ${(e as Error).message}`));
    }
    if (typeof req !== 'object' || req === null || typeof req.entrypoint !== 'string') {
      return text(res, 400, traceback("TypeError: JobSubmitRequest.__init__() missing 1 required positional argument: 'entrypoint'"));
    }
    const id = typeof req.submission_id === 'string' && req.submission_id ? req.submission_id : `raysubmit_${(++this.generated).toString(36).padStart(16, 'x')}`;
    if (this.jobs.has(id)) {
      const agent = traceback(`ValueError: Job with submission_id ${id} already exists. Please use a different submission_id.`);
      return this.duplicateStatus === 400
        ? text(res, 400, agent)
        : text(res, 500, traceback(`RuntimeError: Request failed with status code 400: ${agent}.`));
    }
    const job = this.newJob(id, req.entrypoint);
    job.metadata = (req.metadata as Record<string, string>) ?? {};
    job.runtime_env = (req.runtime_env as Record<string, unknown>) ?? {};
    this.jobs.set(id, job);
    json(res, 200, { job_id: id, submission_id: id });
  }

  private putServe(body: string, res: ServerResponse): void {
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(body) as Record<string, unknown>;
    } catch (e) {
      return text(res, 400, `Invalid JSON: ${(e as Error).message}`);
    }
    const apps = cfg?.applications;
    if (!Array.isArray(apps) || apps.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) {
      return text(res, 400, '1 validation error for ServeDeploySchema\napplications\n  value is not a valid list (type=type_error.list)');
    }
    this.serveConfig = cfg;
    const names = new Set<string>();
    for (const a of apps as Record<string, unknown>[]) {
      const name = typeof a.name === 'string' && a.name ? a.name : 'default';
      names.add(name);
      const deployments: Record<string, { name: string; status: string; message: string }> = {};
      for (const d of Array.isArray(a.deployments) ? (a.deployments as { name?: string }[]) : []) {
        if (d?.name) deployments[d.name] = { name: d.name, status: 'UPDATING', message: '' };
      }
      this.serveApps[name] = { name, route_prefix: typeof a.route_prefix === 'string' ? a.route_prefix : '/', status: 'DEPLOYING', message: '', deployments };
    }
    for (const name of Object.keys(this.serveApps)) if (!names.has(name)) delete this.serveApps[name];
    res.writeHead(200).end();
  }

  private newJob(id: string | null, entrypoint: string): Job {
    return {
      type: 'SUBMISSION',
      job_id: null,
      submission_id: id,
      driver_info: null,
      status: 'PENDING',
      entrypoint,
      message: 'Job has not started yet.',
      error_type: null,
      start_time: Date.now(),
      end_time: null,
      metadata: {},
      runtime_env: {},
      driver_agent_http_address: null,
      driver_node_id: null,
      driver_exit_code: null,
    };
  }
}

function traceback(last: string): string {
  return `Traceback (most recent call last):\n  File "/home/ray/anaconda3/lib/python3.9/site-packages/ray/dashboard/modules/job/job_agent.py", line 42, in submit_job\n${last}\n`;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
