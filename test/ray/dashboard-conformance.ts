// One suite for every RayDashboardClient: HttpDashboardClient over the fake Ray dashboard server,
// and FakeDashboard. Each case states a Ray dashboard behaviour the operator relies on, so the
// scriptable fake cannot drift from what the HTTP client reports for a real Ray head.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DashboardError, isDuplicateSubmission, type RayDashboardClient } from '../../controller/ray/dashboard-client.js';

export interface DashboardConformanceEnv {
  client: RayDashboardClient;
  /** Moves a submitted job to RUNNING, as the Ray head does once its driver starts. */
  markRunning(submissionId: string): Promise<void> | void;
  teardown(): Promise<void>;
}

export interface DashboardConformanceOptions {
  /** Per-case timeout (default 10 s). */
  testTimeoutMs?: number;
}

/** The DashboardError a call fails with; fails the test when it succeeds or throws something else. */
export async function dashboardError(p: Promise<unknown>): Promise<DashboardError> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (e instanceof DashboardError) return e;
    throw new Error(`expected a DashboardError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected the call to fail with a DashboardError, but it succeeded with ${JSON.stringify(result)?.slice(0, 300)}`);
}

export function dashboardConformance(name: string, setup: () => Promise<DashboardConformanceEnv>, options: DashboardConformanceOptions = {}): void {
  const timeout = options.testTimeoutMs ?? 10_000;

  describe(`RayDashboardClient conformance: ${name}`, () => {
    let env: DashboardConformanceEnv;
    let client: RayDashboardClient;
    beforeEach(async () => {
      env = await setup();
      client = env.client;
    });
    afterEach(async () => {
      await env.teardown();
    });

    it('submit with a submission id returns it; getJobInfo then reports the job PENDING or RUNNING', async () => {
      const id = await client.submitJob({ entrypoint: 'python train.py', submission_id: 'rayjob-a-1', metadata: { owner: 'test' }, runtime_env: { pip: ['numpy'] } });
      expect(id).toBe('rayjob-a-1');
      const info = await client.getJobInfo(id);
      expect(info).toBeDefined();
      expect(info!.submission_id).toBe('rayjob-a-1');
      expect(info!.entrypoint).toBe('python train.py');
      expect(['PENDING', 'RUNNING']).toContain(info!.status);
      expect(info!.metadata).toEqual({ owner: 'test' });
      expect(info!.runtime_env).toMatchObject({ pip: ['numpy'] });
    }, timeout);

    it('submit without a submission id generates one that getJobInfo finds', async () => {
      const id = await client.submitJob({ entrypoint: 'echo hi' });
      expect(id).toMatch(/^raysubmit_/);
      expect((await client.getJobInfo(id))?.submission_id).toBe(id);
    }, timeout);

    it('a reused submission id is refused: DashboardError http 400 carrying Ray\'s message', async () => {
      await client.submitJob({ entrypoint: 'echo 1', submission_id: 'dup-1' });
      const e = await dashboardError(client.submitJob({ entrypoint: 'echo 2', submission_id: 'dup-1' }));
      expect(e.kind).toBe('http');
      expect(e.status).toBe(400);
      expect(e.message).toContain('Job with submission_id dup-1 already exists. Please use a different submission_id.');
      expect(isDuplicateSubmission(e)).toBe(true);
      // the first job is untouched
      expect((await client.getJobInfo('dup-1'))?.entrypoint).toBe('echo 1');
    }, timeout);

    it('an unknown job is undefined from getJobInfo', async () => {
      expect(await client.getJobInfo('no-such-job')).toBeUndefined();
    }, timeout);

    it('listJobs lists the submitted jobs', async () => {
      expect(await client.listJobs()).toEqual([]);
      await client.submitJob({ entrypoint: 'a', submission_id: 'list-a' });
      await client.submitJob({ entrypoint: 'b', submission_id: 'list-b' });
      const jobs = await client.listJobs();
      expect(jobs.map((j) => j.submission_id).sort()).toEqual(['list-a', 'list-b']);
      expect(jobs.find((j) => j.submission_id === 'list-b')?.entrypoint).toBe('b');
    }, timeout);

    it('stop moves a RUNNING job to STOPPED; stopping it again is fine', async () => {
      const id = await client.submitJob({ entrypoint: 'sleep 1000', submission_id: 'stop-1' });
      await env.markRunning(id);
      expect((await client.getJobInfo(id))?.status).toBe('RUNNING');
      await client.stopJob(id);
      expect((await client.getJobInfo(id))?.status).toBe('STOPPED');
      await client.stopJob(id);
      expect((await client.getJobInfo(id))?.status).toBe('STOPPED');
    }, timeout);

    it('stop also ends a PENDING job', async () => {
      const id = await client.submitJob({ entrypoint: 'sleep 1000', submission_id: 'stop-pending' });
      await client.stopJob(id);
      expect((await client.getJobInfo(id))?.status).toBe('STOPPED');
    }, timeout);

    it('stopping an unknown job is DashboardError http 404', async () => {
      const e = await dashboardError(client.stopJob('no-such-job'));
      expect([e.kind, e.status]).toEqual(['http', 404]);
      expect(e.message).toContain('no-such-job');
    }, timeout);

    it('delete refuses a job that has not ended, removes an ended one, and is a no-op for an unknown one', async () => {
      const id = await client.submitJob({ entrypoint: 'sleep 1000', submission_id: 'del-1' });
      await env.markRunning(id);
      const e = await dashboardError(client.deleteJob(id));
      expect(e.kind).toBe('http');
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.message).toContain('non-terminal');
      expect((await client.getJobInfo(id))?.status).toBe('RUNNING');

      await client.stopJob(id);
      await client.deleteJob(id);
      expect(await client.getJobInfo(id)).toBeUndefined();
      expect((await client.listJobs()).map((j) => j.submission_id)).not.toContain(id);
      await client.deleteJob(id);
      await client.deleteJob('never-existed');
    }, timeout);

    it('a job id can be reused after its job is deleted', async () => {
      await client.submitJob({ entrypoint: 'one', submission_id: 'reuse-1' });
      await client.stopJob('reuse-1');
      await client.deleteJob('reuse-1');
      expect(await client.submitJob({ entrypoint: 'two', submission_id: 'reuse-1' })).toBe('reuse-1');
      expect((await client.getJobInfo('reuse-1'))?.entrypoint).toBe('two');
    }, timeout);

    it('getJobLog returns a string for a known job and is DashboardError http 404 for an unknown one', async () => {
      const id = await client.submitJob({ entrypoint: 'echo hi', submission_id: 'log-1' });
      expect(typeof (await client.getJobLog(id))).toBe('string');
      const e = await dashboardError(client.getJobLog('no-such-job'));
      expect([e.kind, e.status]).toEqual(['http', 404]);
    }, timeout);

    it('ids with characters that need escaping round-trip', async () => {
      // (Ray's routes take one path segment, so no '/'.)
      const id = 'weird id?with&chars#1';
      expect(await client.submitJob({ entrypoint: 'x', submission_id: id })).toBe(id);
      expect((await client.getJobInfo(id))?.submission_id).toBe(id);
      await client.stopJob(id);
      await client.deleteJob(id);
      expect(await client.getJobInfo(id)).toBeUndefined();
    }, timeout);

    it('serve: no applications before any config', async () => {
      expect((await client.getServeDetails()).applications).toEqual({});
    }, timeout);

    it('serve: PUT then GET returns the applications by name, with their deployments', async () => {
      await client.updateServeApplications({
        applications: [
          { name: 'fruit', route_prefix: '/fruit', import_path: 'fruit:app', deployments: [{ name: 'MangoStand' }, { name: 'FruitMarket' }] },
          { name: 'calc', route_prefix: '/calc', import_path: 'calc:app', deployments: [{ name: 'Adder' }] },
        ],
      });
      const details = await client.getServeDetails();
      expect(Object.keys(details.applications).sort()).toEqual(['calc', 'fruit']);
      const fruit = details.applications.fruit!;
      expect(fruit.name).toBe('fruit');
      expect(fruit.route_prefix).toBe('/fruit');
      expect(['NOT_STARTED', 'DEPLOYING', 'RUNNING']).toContain(fruit.status);
      expect(Object.keys(fruit.deployments).sort()).toEqual(['FruitMarket', 'MangoStand']);
    }, timeout);

    it('serve: an application without a name is "default"; a later PUT without an application removes it', async () => {
      await client.updateServeApplications({ applications: [{ import_path: 'a:app' }, { name: 'b', route_prefix: '/b', import_path: 'b:app' }] });
      expect(Object.keys((await client.getServeDetails()).applications).sort()).toEqual(['b', 'default']);
      await client.updateServeApplications({ applications: [{ name: 'b', route_prefix: '/b', import_path: 'b:app' }] });
      expect(Object.keys((await client.getServeDetails()).applications)).toEqual(['b']);
    }, timeout);

    it('serve: a config whose applications is not a list is DashboardError http 400', async () => {
      const e = await dashboardError(client.updateServeApplications({ applications: 'nope' }));
      expect([e.kind, e.status]).toEqual(['http', 400]);
    }, timeout);
  });
}
