// FakeDashboard: the conformance suite (so it answers like the HTTP client over a Ray head), then
// its scripting: status scripts, explicit statuses, failures, unreachability, call records, Serve
// statuses, logs, and the per-cluster factory.

import { describe, expect, it } from 'vitest';
import { DashboardError, isDuplicateSubmission } from '../../controller/ray/dashboard-client.js';
import { FakeDashboard, fakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { dashboardConformance, dashboardError } from './dashboard-conformance.js';

dashboardConformance('FakeDashboard', async () => {
  const fake = new FakeDashboard();
  return { client: fake, markRunning: (id) => void fake.setJobStatus(id, 'RUNNING'), teardown: async () => undefined };
});

function rayCluster(namespace: string | undefined, name: string): KubeObject {
  return { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name, ...(namespace ? { namespace } : {}) } };
}

describe('FakeDashboard scripting', () => {
  it('a script moves the job through its statuses, one per getJobInfo, then stays on the last', async () => {
    const fake = new FakeDashboard();
    fake.scriptJob('j1', ['RUNNING', 'RUNNING', { status: 'SUCCEEDED', message: 'done' }]);
    await fake.submitJob({ entrypoint: 'x', submission_id: 'j1' });
    expect(fake.job('j1')?.status).toBe('PENDING'); // job() does not advance the script
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push((await fake.getJobInfo('j1'))!.status);
    expect(seen).toEqual(['RUNNING', 'RUNNING', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const info = fake.job('j1')!;
    expect(info.message).toBe('done');
    expect(info.job_id).toMatch(/^[0-9a-f]{8}$/);
    expect(info.end_time).toBeGreaterThan(info.start_time!);
  });

  it('a script can be given to an already submitted job, and replaces an earlier one', async () => {
    const fake = new FakeDashboard();
    await fake.submitJob({ entrypoint: 'x', submission_id: 'j2' });
    fake.scriptJob('j2', ['RUNNING', 'FAILED']);
    fake.scriptJob('j2', ['RUNNING', 'STOPPED']);
    expect((await fake.getJobInfo('j2'))!.status).toBe('RUNNING');
    expect((await fake.getJobInfo('j2'))!.status).toBe('STOPPED');
  });

  it('FAILED gets an error_type and a message unless the step gives one', async () => {
    const fake = new FakeDashboard();
    await fake.submitJob({ entrypoint: 'x', submission_id: 'f' });
    fake.scriptJob('f', ['FAILED']);
    const info = (await fake.getJobInfo('f'))!;
    expect(info.error_type).toBe('JOB_ENTRYPOINT_COMMAND_ERROR');
    expect(info.message).toContain('exit code 1');
  });

  it('setJobStatus sets the status now, with its message, and drops the rest of the script', async () => {
    const fake = new FakeDashboard();
    fake.scriptJob('j3', ['RUNNING', 'SUCCEEDED']);
    await fake.submitJob({ entrypoint: 'x', submission_id: 'j3' });
    fake.setJobStatus('j3', 'FAILED', 'OOM');
    for (let i = 0; i < 3; i++) expect(await fake.getJobInfo('j3')).toMatchObject({ status: 'FAILED', message: 'OOM' });
    fake.setJobStatus('j3', 'RUNNING');
    expect((await fake.getJobInfo('j3'))!.end_time).toBeUndefined();
  });

  it('setJobStatus and scriptJob refuse unknown jobs and statuses', () => {
    const fake = new FakeDashboard();
    expect(() => fake.setJobStatus('nope', 'RUNNING')).toThrow(/no job "nope"/);
    expect(() => fake.scriptJob('x', ['BOGUS' as never])).toThrow(/not a Ray job status/);
  });

  it('listJobs does not advance scripts', async () => {
    const fake = new FakeDashboard();
    fake.scriptJob('l', ['RUNNING']);
    await fake.submitJob({ entrypoint: 'x', submission_id: 'l' });
    expect((await fake.listJobs())[0]!.status).toBe('PENDING');
    expect((await fake.getJobInfo('l'))!.status).toBe('RUNNING');
  });

  it('stopJob ends a scripted job and the script does not resume', async () => {
    const fake = new FakeDashboard();
    fake.scriptJob('s', ['RUNNING', 'RUNNING', 'SUCCEEDED']);
    await fake.submitJob({ entrypoint: 'x', submission_id: 's' });
    await fake.getJobInfo('s');
    await fake.stopJob('s');
    expect((await fake.getJobInfo('s'))!.status).toBe('STOPPED');
    expect((await fake.getJobInfo('s'))!.status).toBe('STOPPED');
  });

  it('failNextSubmit fails exactly the next submission, recorded, without creating the job', async () => {
    const fake = new FakeDashboard();
    const boom = new DashboardError('quota', 'http', 500);
    fake.failNextSubmit(boom);
    await expect(fake.submitJob({ entrypoint: 'x', submission_id: 'q' })).rejects.toBe(boom);
    expect(fake.job('q')).toBeUndefined();
    expect(await fake.submitJob({ entrypoint: 'x', submission_id: 'q' })).toBe('q');
    expect(fake.callsTo('submitJob')).toHaveLength(2);
  });

  it('failNext queues failures per method, in order', async () => {
    const fake = new FakeDashboard();
    fake.failNext('getServeDetails', new Error('one')).failNext('getServeDetails', new Error('two'));
    await expect(fake.getServeDetails()).rejects.toThrow('one');
    await expect(fake.listJobs()).resolves.toEqual([]);
    await expect(fake.getServeDetails()).rejects.toThrow('two');
    await expect(fake.getServeDetails()).resolves.toEqual({ applications: {} });
    expect(() => fake.failNext('nope' as never, new Error())).toThrow(/unknown method/);
  });

  it('unreachable(true) fails every call with kind "unreachable" and changes nothing; unreachable(false) restores it', async () => {
    const fake = new FakeDashboard({ url: 'http://rc-head-svc.ns.svc.cluster.local:8265' });
    await fake.submitJob({ entrypoint: 'x', submission_id: 'u' });
    fake.unreachable();
    expect(fake.isUnreachable).toBe(true);
    for (const call of [
      () => fake.submitJob({ entrypoint: 'y', submission_id: 'u2' }),
      () => fake.getJobInfo('u'),
      () => fake.listJobs(),
      () => fake.stopJob('u'),
      () => fake.deleteJob('u'),
      () => fake.getJobLog('u'),
      () => fake.updateServeApplications({ applications: [] }),
      () => fake.getServeDetails(),
    ]) {
      const e = await dashboardError(call());
      expect(e.kind).toBe('unreachable');
      expect(e.message).toContain('rc-head-svc');
    }
    fake.unreachable(false);
    expect(fake.jobIds()).toEqual(['u']);
    expect((await fake.getJobInfo('u'))!.status).toBe('PENDING');
  });

  it('records every call with copies of its arguments', async () => {
    const fake = new FakeDashboard();
    const req = { entrypoint: 'x', submission_id: 'r', metadata: { a: '1' } };
    await fake.submitJob(req);
    req.metadata.a = 'changed';
    await fake.getJobInfo('r');
    await fake.getJobInfo('missing');
    await fake.stopJob('r');
    await fake.getJobLog('r');
    await fake.deleteJob('r');
    await fake.listJobs();
    await fake.updateServeApplications({ applications: [] });
    await fake.getServeDetails();
    expect(fake.calls).toEqual([
      { method: 'submitJob', args: [{ entrypoint: 'x', submission_id: 'r', metadata: { a: '1' } }] },
      { method: 'getJobInfo', args: ['r'] },
      { method: 'getJobInfo', args: ['missing'] },
      { method: 'stopJob', args: ['r'] },
      { method: 'getJobLog', args: ['r'] },
      { method: 'deleteJob', args: ['r'] },
      { method: 'listJobs', args: [] },
      { method: 'updateServeApplications', args: [{ applications: [] }] },
      { method: 'getServeDetails', args: [] },
    ]);
    expect(fake.callsTo('getJobInfo')).toEqual([['r'], ['missing']]);
    fake.clearCalls();
    expect(fake.calls).toEqual([]);
  });

  it('results are copies: mutating them does not change the fake', async () => {
    const fake = new FakeDashboard();
    await fake.submitJob({ entrypoint: 'x', submission_id: 'c' });
    const info = (await fake.getJobInfo('c'))!;
    info.status = 'FAILED';
    info.metadata!.x = 'y';
    expect(fake.job('c')).toMatchObject({ status: 'PENDING', metadata: {} });
    await fake.updateServeApplications({ applications: [{ name: 'a', import_path: 'a:app' }] });
    const d = await fake.getServeDetails();
    d.applications.a!.status = 'RUNNING';
    expect((await fake.getServeDetails()).applications.a!.status).toBe('DEPLOYING');
  });

  it('is deterministic: generated ids, job ids and times repeat from run to run', async () => {
    const run = async () => {
      const fake = new FakeDashboard();
      const a = await fake.submitJob({ entrypoint: 'x' });
      const b = await fake.submitJob({ entrypoint: 'y' });
      fake.setJobStatus(a, 'SUCCEEDED');
      return [a, b, fake.job(a), fake.job(b)];
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first[0]).toBe('raysubmit_0000000000000001');
  });

  it('now() supplies start and end times', async () => {
    let t = 5000;
    const fake = new FakeDashboard({ now: () => (t += 10) });
    await fake.submitJob({ entrypoint: 'x', submission_id: 't' });
    fake.setJobStatus('t', 'SUCCEEDED');
    expect(fake.job('t')).toMatchObject({ start_time: 5010, end_time: 5020 });
  });

  it('getJobLog returns scripted logs, set before or after submission', async () => {
    const fake = new FakeDashboard();
    fake.setJobLog('g', 'before\n');
    await fake.submitJob({ entrypoint: 'x', submission_id: 'g' });
    expect(await fake.getJobLog('g')).toBe('before\n');
    fake.setJobLog('g', 'after\n');
    expect(await fake.getJobLog('g')).toBe('after\n');
    await fake.submitJob({ entrypoint: 'x', submission_id: 'h' });
    expect(await fake.getJobLog('h')).toBe('');
  });

  it('duplicate submissions are recognised by isDuplicateSubmission', async () => {
    const fake = new FakeDashboard();
    await fake.submitJob({ entrypoint: 'x', submission_id: 'd' });
    expect(isDuplicateSubmission(await dashboardError(fake.submitJob({ entrypoint: 'x', submission_id: 'd' })))).toBe(true);
    expect(isDuplicateSubmission(new DashboardError('x', 'http', 400))).toBe(false);
    expect(isDuplicateSubmission(new Error('Please use a different submission_id'))).toBe(false);
  });
});

describe('FakeDashboard Serve', () => {
  const config = {
    applications: [
      { name: 'fruit', route_prefix: '/fruit', import_path: 'fruit:app', deployments: [{ name: 'Mango' }, { name: 'Market' }] },
      { name: 'calc', import_path: 'calc:app', deployments: [{ name: 'Adder' }] },
    ],
  };

  it('remembers every config PUT and the last one', async () => {
    const fake = new FakeDashboard();
    expect(fake.lastServeConfig).toBeUndefined();
    await fake.updateServeApplications(config);
    await fake.updateServeApplications({ applications: [config.applications[0]!] });
    expect(fake.serveConfigs).toHaveLength(2);
    expect(fake.lastServeConfig).toEqual({ applications: [config.applications[0]] });
    expect(Object.keys((await fake.getServeDetails()).applications)).toEqual(['fruit']);
  });

  it('a refused config is recorded as a call but not remembered as the last config', async () => {
    const fake = new FakeDashboard();
    await dashboardError(fake.updateServeApplications({ applications: [{ name: 'a' }, { name: 'a' }] }));
    expect(fake.lastServeConfig).toBeUndefined();
    expect(fake.callsTo('updateServeApplications')).toHaveLength(1);
  });

  it('setServeStatus drives the application and its deployments', async () => {
    const fake = new FakeDashboard();
    await fake.updateServeApplications(config);
    let d = await fake.getServeDetails();
    expect(d.applications.fruit).toMatchObject({ status: 'DEPLOYING', route_prefix: '/fruit', deployments: { Mango: { status: 'UPDATING' }, Market: { status: 'UPDATING' } } });
    fake.setServeStatus('fruit', 'RUNNING');
    fake.setServeStatus('calc', 'DEPLOY_FAILED', 'ImportError: calc');
    d = await fake.getServeDetails();
    expect(d.applications.fruit).toMatchObject({ status: 'RUNNING', deployments: { Mango: { status: 'HEALTHY' }, Market: { status: 'HEALTHY' } } });
    expect(d.applications.calc).toMatchObject({ status: 'DEPLOY_FAILED', message: 'ImportError: calc', deployments: { Adder: { status: 'UNHEALTHY' } } });
    fake.setDeploymentStatus('fruit', 'Mango', 'UNHEALTHY', 'replica died');
    expect((await fake.getServeDetails()).applications.fruit!.deployments.Mango).toEqual({ name: 'Mango', status: 'UNHEALTHY', message: 'replica died' });
    expect(() => fake.setDeploymentStatus('nope', 'D', 'HEALTHY')).toThrow(/no Serve application/);
  });

  it('setServeStatus creates an application no config has made', async () => {
    const fake = new FakeDashboard();
    fake.setServeStatus('ghost', 'RUNNING');
    expect((await fake.getServeDetails()).applications.ghost).toMatchObject({ name: 'ghost', status: 'RUNNING', deployments: {} });
  });

  it('re-PUTting an unchanged application keeps its status; a changed one redeploys', async () => {
    const fake = new FakeDashboard();
    await fake.updateServeApplications(config);
    fake.setServeStatus('fruit', 'RUNNING').setServeStatus('calc', 'RUNNING');
    await fake.updateServeApplications({ applications: [config.applications[0]!, { ...config.applications[1]!, import_path: 'calc:app2' }] });
    const d = await fake.getServeDetails();
    expect(d.applications.fruit!.status).toBe('RUNNING');
    expect(d.applications.calc!.status).toBe('DEPLOYING');
  });
});

describe('fakeDashboardFactory', () => {
  it('hands out one FakeDashboard per RayCluster namespace/name, and lets tests fetch them', () => {
    const factory = fakeDashboardFactory();
    const a1 = factory(rayCluster('ns1', 'rc'), 'http://rc-head-svc.ns1.svc.cluster.local:8265');
    const a2 = factory(rayCluster('ns1', 'rc'), 'http://rc-head-svc.ns1.svc.cluster.local:8265');
    const b = factory(rayCluster('ns2', 'rc'), 'http://rc-head-svc.ns2.svc.cluster.local:8265');
    const c = factory(rayCluster(undefined, 'other'), 'http://other-head-svc.default.svc.cluster.local:8265');
    expect(a1).toBe(a2);
    expect(a1).not.toBe(b);
    expect(factory.get('ns1', 'rc')).toBe(a1);
    expect(factory.get('ns2', 'rc')).toBe(b);
    expect(factory.get('default', 'other')).toBe(c);
    expect(factory.get('ns3', 'rc')).toBeUndefined();
    expect([...factory.all().keys()].sort()).toEqual(['default/other', 'ns1/rc', 'ns2/rc']);
    expect(factory.requests.map((r) => r.key)).toEqual(['ns1/rc', 'ns1/rc', 'ns2/rc', 'default/other']);
    expect((b as FakeDashboard).url).toBe('http://rc-head-svc.ns2.svc.cluster.local:8265');
  });

  it('dashboard() creates the fake ahead of time so a test can script it before the operator asks', async () => {
    const factory = fakeDashboardFactory();
    const fake = factory.dashboard('ns', 'rc').unreachable();
    const client = factory(rayCluster('ns', 'rc'), 'http://x:8265');
    expect(client).toBe(fake);
    expect((await dashboardError(client.listJobs())).kind).toBe('unreachable');
  });

  it('refuses a cluster without a name', () => {
    expect(() => fakeDashboardFactory()({ apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: {} }, 'http://x')).toThrow(/no metadata.name/);
  });
});
