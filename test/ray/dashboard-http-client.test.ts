// HttpDashboardClient against a fake Ray dashboard (node:http on 127.0.0.1): the conformance suite,
// what goes over the wire for each method, and how transport and protocol failures are reported.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DashboardError, isDuplicateSubmission } from '../../controller/ray/dashboard-client.js';
import { DEFAULT_DASHBOARD_TIMEOUT_MS, HttpDashboardClient, httpDashboardClientFactory } from '../../controller/ray/dashboard-http-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { dashboardConformance, dashboardError } from './dashboard-conformance.js';
import { FakeRayServer } from './fake-ray-server.js';

for (const duplicateStatus of [400, 500] as const) {
  dashboardConformance(`HttpDashboardClient over a fake Ray head (duplicate submission answered ${duplicateStatus})`, async () => {
    const server = new FakeRayServer({ duplicateStatus });
    const url = await server.start();
    return {
      client: new HttpDashboardClient(url),
      markRunning: (id) => server.setStatus(id, 'RUNNING', 'Job is currently running.'),
      teardown: () => server.stop(),
    };
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('HttpDashboardClient on the wire', () => {
  let server: FakeRayServer;
  let client: HttpDashboardClient;
  beforeEach(async () => {
    server = new FakeRayServer();
    client = new HttpDashboardClient(`${await server.start()}/`);
  });
  afterEach(async () => {
    await server.stop();
  });

  const last = () => server.requests[server.requests.length - 1]!;

  it('strips trailing slashes from the base URL and defaults the timeout to KubeRay\'s 2 s', () => {
    expect(client.baseUrl).toBe(server.url);
    expect(client.timeoutMs).toBe(2000);
    expect(DEFAULT_DASHBOARD_TIMEOUT_MS).toBe(2000);
  });

  it('submitJob POSTs the JobSubmitRequest as JSON to /api/jobs/', async () => {
    const req = {
      entrypoint: 'python -c "print(1)"',
      submission_id: 'wire-1',
      runtime_env: { env_vars: { A: '1' } },
      metadata: { k: 'v' },
      entrypoint_num_cpus: 1,
      entrypoint_num_gpus: 0.5,
      entrypoint_memory: 1024,
      entrypoint_resources: { TPU: 1 },
    };
    expect(await client.submitJob(req)).toBe('wire-1');
    expect(last().method).toBe('POST');
    expect(last().url).toBe('/api/jobs/');
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual(req);
    expect(last().headers['x-ray-authorization']).toBeUndefined();
  });

  it('getJobInfo GETs /api/jobs/{id} (escaped) and passes Ray\'s JobDetails through', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 'a b' });
    server.setStatus('a b', 'FAILED', 'Job entrypoint command failed with exit code 1');
    server.jobs.get('a b')!.error_type = 'JOB_ENTRYPOINT_COMMAND_ERROR';
    const info = await client.getJobInfo('a b');
    expect([last().method, last().url]).toEqual(['GET', '/api/jobs/a%20b']);
    expect(info).toMatchObject({
      submission_id: 'a b',
      status: 'FAILED',
      message: 'Job entrypoint command failed with exit code 1',
      error_type: 'JOB_ENTRYPOINT_COMMAND_ERROR',
      entrypoint: 'x',
    });
    expect(typeof info!.job_id).toBe('string');
    expect(typeof info!.start_time).toBe('number');
    expect(typeof info!.end_time).toBe('number');
    expect((info as unknown as Record<string, unknown>).type).toBe('SUBMISSION');
  });

  it('listJobs GETs /api/jobs/ and leaves out driver-only jobs (submission_id null)', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 'l-1' });
    server.addDriverJob();
    expect(server.jobs.size).toBe(2);
    const jobs = await client.listJobs();
    expect([last().method, last().url]).toEqual(['GET', '/api/jobs/']);
    expect(jobs.map((j) => j.submission_id)).toEqual(['l-1']);
  });

  it('stopJob POSTs /api/jobs/{id}/stop without a body', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 's-1' });
    await client.stopJob('s-1');
    expect([last().method, last().url, last().body]).toEqual(['POST', '/api/jobs/s-1/stop', '']);
    expect(server.jobs.get('s-1')!.status).toBe('STOPPED');
  });

  it('stopJob answered {stopped:false} checks the job: fine when it ended, an error while it still runs', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 's-2' });
    server.setStatus('s-2', 'SUCCEEDED');
    await client.stopJob('s-2');
    expect(server.requests.slice(-2).map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/jobs/s-2/stop', 'GET /api/jobs/s-2']);

    server.setStatus('s-2', 'RUNNING');
    server.override('POST', '/api/jobs/s-2/stop', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"stopped": false}'));
    const e = await dashboardError(client.stopJob('s-2'));
    expect(e.kind).toBe('http');
    expect(e.message).toContain('still RUNNING');
  });

  it('deleteJob DELETEs /api/jobs/{id}', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 'd-1' });
    server.setStatus('d-1', 'SUCCEEDED');
    await client.deleteJob('d-1');
    expect([last().method, last().url]).toEqual(['DELETE', '/api/jobs/d-1']);
    expect(server.jobs.has('d-1')).toBe(false);
  });

  it('deleteJob of a running job reports Ray\'s exception line, not the whole traceback', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 'd-2' });
    const e = await dashboardError(client.deleteJob('d-2'));
    expect([e.kind, e.status]).toEqual(['http', 500]);
    expect(e.message).toBe(`DELETE ${server.url}/api/jobs/d-2: 500 Internal Server Error: RuntimeError: Attempted to delete job 'd-2', but it is in a non-terminal state PENDING.`);
  });

  it('getJobLog GETs /api/jobs/{id}/logs and returns {logs}', async () => {
    await client.submitJob({ entrypoint: 'x', submission_id: 'g-1' });
    server.logs.set('g-1', 'line 1\nline 2\n');
    expect(await client.getJobLog('g-1')).toBe('line 1\nline 2\n');
    expect([last().method, last().url]).toEqual(['GET', '/api/jobs/g-1/logs']);
  });

  it('updateServeApplications PUTs the config as JSON to /api/serve/applications/', async () => {
    const config = { http_options: { host: '0.0.0.0', port: 8000 }, applications: [{ name: 'app1', route_prefix: '/', import_path: 'm:app', runtime_env: {}, deployments: [{ name: 'D', num_replicas: 2 }] }] };
    await client.updateServeApplications(config);
    expect([last().method, last().url]).toEqual(['PUT', '/api/serve/applications/']);
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual(config);
    expect(server.serveConfig).toEqual(config);
  });

  it('getServeDetails GETs /api/serve/applications/?api_type=declarative and follows status changes', async () => {
    await client.updateServeApplications({ applications: [{ name: 'app1', import_path: 'm:app', deployments: [{ name: 'D' }] }] });
    let details = await client.getServeDetails();
    expect([last().method, last().url]).toEqual(['GET', '/api/serve/applications/?api_type=declarative']);
    expect(details.applications.app1).toMatchObject({ name: 'app1', status: 'DEPLOYING', deployments: { D: { name: 'D', status: 'UPDATING' } } });
    server.setServeStatus('app1', 'RUNNING');
    details = await client.getServeDetails();
    expect(details.applications.app1).toMatchObject({ status: 'RUNNING', deployments: { D: { status: 'HEALTHY' } } });
    // The rest of ServeInstanceDetails is passed through.
    expect((details as unknown as Record<string, unknown>).deploy_mode).toBe('MULTI_APP');
  });

  it('getServeDetails takes a missing applications field as none (Ray with Serve not started)', async () => {
    server.override('GET', '/api/serve/applications/', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"controller_info": {}}'));
    expect((await client.getServeDetails()).applications).toEqual({});
  });

  it('sends x-ray-authorization when given an auth token', async () => {
    const authed = new HttpDashboardClient(server.url, { authToken: 's3cret' });
    await authed.listJobs();
    expect(last().headers['x-ray-authorization']).toBe('Bearer s3cret');
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const f: typeof fetch = (input, init) => {
      seen.push(`${init?.method} ${String(input)}`);
      return fetch(input, init);
    };
    const c = new HttpDashboardClient(server.url, { fetch: f });
    await c.listJobs();
    expect(seen).toEqual([`GET ${server.url}/api/jobs/`]);
  });

  it('a duplicate answered 500 (newer Ray) is reported as 400 with Ray\'s sentence', async () => {
    const s500 = new FakeRayServer({ duplicateStatus: 500 });
    const c = new HttpDashboardClient(await s500.start());
    try {
      await c.submitJob({ entrypoint: 'x', submission_id: 'dup' });
      const e = await dashboardError(c.submitJob({ entrypoint: 'x', submission_id: 'dup' }));
      expect(isDuplicateSubmission(e)).toBe(true);
      expect(e.message).toBe(`POST ${s500.url}/api/jobs/: 500 Internal Server Error: Job with submission_id dup already exists. Please use a different submission_id.`);
      expect(s500.requests.at(-1)!.body).toContain('"submission_id":"dup"');
    } finally {
      await s500.stop();
    }
  });

  it('other submit failures keep their status (400 for a bad request, 500 otherwise)', async () => {
    const e = await dashboardError(client.submitJob({} as never));
    expect([e.kind, e.status]).toEqual(['http', 400]);
    expect(e.message).toContain("missing 1 required positional argument: 'entrypoint'");
    expect(isDuplicateSubmission(e)).toBe(false);
    server.override('POST', '/api/jobs/', (_req, res) => res.writeHead(500).end('No available agent to submit job, please try again later.'));
    const e2 = await dashboardError(client.submitJob({ entrypoint: 'x' }));
    expect([e2.kind, e2.status]).toEqual(['http', 500]);
    expect(e2.message).toContain('No available agent');
  });
});

describe('HttpDashboardClient failures', () => {
  let server: FakeRayServer;
  beforeEach(async () => {
    server = new FakeRayServer();
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
  });

  it('connection refused is kind "unreachable" and names the URL', async () => {
    const port = await closedPort();
    const c = new HttpDashboardClient(`http://127.0.0.1:${port}`, { timeoutMs: 2000 });
    const e = await dashboardError(c.getJobInfo('x'));
    expect(e.kind).toBe('unreachable');
    expect(e.status).toBeUndefined();
    expect(e.message).toContain(`GET http://127.0.0.1:${port}/api/jobs/x`);
    expect(e.message).toContain('ECONNREFUSED');
    // every method goes through the same path
    for (const call of [() => c.submitJob({ entrypoint: 'x' }), () => c.listJobs(), () => c.stopJob('x'), () => c.deleteJob('x'), () => c.getJobLog('x'), () => c.updateServeApplications({ applications: [] }), () => c.getServeDetails()]) {
      expect((await dashboardError(call())).kind).toBe('unreachable');
    }
  });

  it('a handler that never answers is kind "timeout" within the configured bound', async () => {
    server.override('GET', '/api/jobs/slow', () => undefined);
    const c = new HttpDashboardClient(server.url, { timeoutMs: 250 });
    const t0 = Date.now();
    const e = await dashboardError(c.getJobInfo('slow'));
    const took = Date.now() - t0;
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe(`GET ${server.url}/api/jobs/slow: no answer from the Ray dashboard within 250 ms`);
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(2000);
  }, 10_000);

  it('a server that sends headers and then stalls the body is kind "timeout" too', async () => {
    server.override('GET', '/api/jobs/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    const c = new HttpDashboardClient(server.url, { timeoutMs: 250 });
    const t0 = Date.now();
    expect((await dashboardError(c.listJobs())).kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
  }, 10_000);

  it('malformed JSON is a clear error naming the URL and status', async () => {
    server.override('GET', '/api/jobs/bad', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "RUN'));
    const c = new HttpDashboardClient(server.url);
    const e = await dashboardError(c.getJobInfo('bad'));
    expect([e.kind, e.status]).toEqual(['http', 200]);
    expect(e.message).toBe(`GET ${server.url}/api/jobs/bad: 200 response is not JSON: {"status": "RUN`);
  });

  it('an HTML error page from something that is not Ray is a clear error', async () => {
    server.override('GET', '/api/jobs/', (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>'));
    const e = await dashboardError(new HttpDashboardClient(server.url).listJobs());
    expect([e.kind, e.status]).toEqual(['http', 502]);
    expect(e.message).toBe(`GET ${server.url}/api/jobs/: 502 Bad Gateway: <html><body>502 Bad Gateway</body></html>`);
  });

  it('long bodies are cut short in messages', async () => {
    server.override('GET', '/api/jobs/long', (_req, res) => res.writeHead(200).end('x'.repeat(5000)));
    const e = await dashboardError(new HttpDashboardClient(server.url).getJobInfo('long'));
    expect(e.message.length).toBeLessThan(700);
    expect(e.message).toContain('(5000 chars)');
  });

  it('JSON of the wrong shape is a clear error for every method that reads a body', async () => {
    const c = new HttpDashboardClient(server.url);
    const reply = (method: string, path: string, body: string) =>
      server.override(method, path, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));

    reply('GET', '/api/jobs/j', '{"status": "EXPLODED", "submission_id": "j"}');
    expect((await dashboardError(c.getJobInfo('j'))).message).toBe(`GET ${server.url}/api/jobs/j: 200 response is not a JobDetails object with a valid status: {"status": "EXPLODED", "submission_id": "j"}`);

    reply('GET', '/api/jobs/', '{"jobs": []}');
    expect((await dashboardError(c.listJobs())).message).toContain('200 response is not a JSON array of JobDetails');

    reply('POST', '/api/jobs/', '{}');
    expect((await dashboardError(c.submitJob({ entrypoint: 'x' }))).message).toContain('is not a JobSubmitResponse');

    reply('POST', '/api/jobs/j/stop', '"ok"');
    expect((await dashboardError(c.stopJob('j'))).message).toContain('is not a JobStopResponse');

    reply('DELETE', '/api/jobs/j', '[]');
    expect((await dashboardError(c.deleteJob('j'))).message).toContain('is not a JobDeleteResponse');

    reply('GET', '/api/jobs/j/logs', '{"logs": 5}');
    expect((await dashboardError(c.getJobLog('j'))).message).toContain('is not a JobLogsResponse');

    reply('GET', '/api/serve/applications/', '{"applications": []}');
    expect((await dashboardError(c.getServeDetails())).message).toContain('whose applications is an object');

    reply('GET', '/api/serve/applications/', '{"applications": {"a": {"name": "a"}}}');
    expect((await dashboardError(c.getServeDetails())).message).toContain('application "a" to be an object with a status');
  });

  it('a getJobInfo that fails on the server (not 404) is an http error with the status', async () => {
    server.override('GET', '/api/jobs/boom', (_req, res) => res.writeHead(500).end('Traceback (most recent call last):\n  File "x"\nKeyError: boom\n'));
    const e = await dashboardError(new HttpDashboardClient(server.url).getJobInfo('boom'));
    expect([e.kind, e.status]).toEqual(['http', 500]);
    expect(e.message).toBe(`GET ${server.url}/api/jobs/boom: 500 Internal Server Error: KeyError: boom`);
  });

  it('a refused serve config is an http error carrying Ray\'s validation message', async () => {
    const e = await dashboardError(new HttpDashboardClient(server.url).updateServeApplications({ applications: {} }));
    expect([e.kind, e.status]).toEqual(['http', 400]);
    expect(e.message).toContain('value is not a valid list');
  });

  it('the constructor refuses what is not an http(s) URL or a positive timeout', () => {
    expect(() => new HttpDashboardClient('not a url')).toThrow(/not a URL/);
    expect(() => new HttpDashboardClient('ftp://x:1')).toThrow(/http\(s\) URL/);
    expect(() => new HttpDashboardClient('http://x:1', { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new HttpDashboardClient('http://x:1', { timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });

  it('DashboardErrors keep the underlying error as cause', async () => {
    const e = await dashboardError(new HttpDashboardClient(`http://127.0.0.1:${await closedPort()}`).listJobs());
    expect(e).toBeInstanceOf(DashboardError);
    expect(e.name).toBe('DashboardError');
    expect(e.cause).toBeInstanceOf(Error);
  });
});

describe('httpDashboardClientFactory', () => {
  const cluster: KubeObject = { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'rc', namespace: 'ns' } };
  const inCluster = 'http://rc-head-svc.ns.svc.cluster.local:8265';

  it('without mapUrl, the client talks to the URL it is given', () => {
    const c = httpDashboardClientFactory()(cluster, inCluster) as HttpDashboardClient;
    expect(c).toBeInstanceOf(HttpDashboardClient);
    expect(c.baseUrl).toBe(inCluster);
  });

  it('mapUrl maps the in-cluster URL to a reachable one (e.g. a port-forward)', async () => {
    const server = new FakeRayServer();
    const local = await server.start();
    try {
      const seen: [string, string | undefined][] = [];
      const factory = httpDashboardClientFactory(
        (url, rc) => {
          seen.push([url, rc.metadata.name]);
          return local;
        },
        { timeoutMs: 500 },
      );
      const c = factory(cluster, inCluster) as HttpDashboardClient;
      expect(seen).toEqual([[inCluster, 'rc']]);
      expect(c.baseUrl).toBe(local);
      expect(c.timeoutMs).toBe(500);
      expect(await c.submitJob({ entrypoint: 'x', submission_id: 'via-forward' })).toBe('via-forward');
      expect(server.jobs.has('via-forward')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
