// The simulated Ray runtime against the in-memory API server on the virtual clock: head/GCS
// readiness, worker registration and gang start, job duration and outcome, lost workers (failure,
// or restart from a checkpoint with the right lost work), a lost head, stop/delete/list/logs,
// Serve applications, the trace records, and determinism.

import { describe, expect, it } from 'vitest';
import { POD, RAY_CLUSTER } from '../../controller/api/constants.js';
import type { Pod } from '../../controller/api/types.js';
import { isDuplicateSubmission } from '../../controller/ray/dashboard-client.js';
import { TRACE } from '../../sim/core/trace-events.js';
import { CHECKPOINT_INTERVAL_MS_ANNOTATION, FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, WORK_MS_ANNOTATION, JOB_MESSAGES } from '../../sim/ray/index.js';
import { makePod } from '../fixtures/ray-builders.js';
import { dashboardConformance, dashboardError } from '../ray/dashboard-conformance.js';
import { addWorker, advance, deletePod, killPod, NS, rayEnv, rayRecords, runPods, settle, trainingCluster, type RayEnv } from './harness.js';

const CLUSTER = 'train-abcde';

async function readyCluster(env: RayEnv, annotations: Record<string, string> = {}, workers = 2) {
  const c = await trainingCluster(env, { annotations, workers });
  await runPods(env, c.head, ...c.workers);
  await advance(env, 10_000);
  return c;
}

dashboardConformance('SimDashboardClient (simulated Ray runtime)', async () => {
  const env = await rayEnv({ seed: 'conformance' });
  const c = await trainingCluster(env, { workers: 1 });
  await runPods(env, c.head);
  await advance(env, 10_000);
  let workerRunning = false;
  return {
    client: env.ray.dashboards(c.cluster, 'http://train-abcde-head-svc.default.svc.cluster.local:8265'),
    markRunning: async () => {
      if (!workerRunning) await runPods(env, c.workers[0]!);
      workerRunning = true;
    },
    teardown: async () => env.ray.stop(),
  };
});

describe('head and GCS', () => {
  it('every call is unreachable until the head pod has run for headStart (default 10 s)', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env);
    const client = env.ray.dashboards(c.cluster, 'http://train-abcde-head-svc.default.svc.cluster.local:8265');
    const e1 = await dashboardError(client.listJobs());
    expect(e1.kind).toBe('unreachable');
    expect(e1.message).toContain('train-abcde-head-svc');
    await runPods(env, c.head);
    expect(env.ray.cluster(NS, CLUSTER)!.headRunning).toBe(true);
    await advance(env, 9_999);
    for (const call of [() => client.getJobInfo('x'), () => client.submitJob({ entrypoint: 'x' }), () => client.getServeDetails(), () => client.updateServeApplications({ applications: [] })]) {
      expect((await dashboardError(call())).kind).toBe('unreachable');
    }
    await advance(env, 1);
    expect(env.ray.cluster(NS, CLUSTER)!.headReady).toBe(true);
    expect(await client.listJobs()).toEqual([]);
  });

  it("the kubelet's readiness prober: a head passes once its GCS is up; workers and other containers pass", async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env);
    const pod = async (name: string) => env.client.get<Pod>(POD, name, NS);
    const head = await pod(c.head);
    const ray = head.spec.containers[0]!.name;
    expect(env.ray.prober.ready(head, ray)).toBe(false);
    await runPods(env, c.head, ...c.workers);
    await advance(env, 9_999);
    expect(env.ray.prober.ready(await pod(c.head), ray)).toBe(false);
    expect(env.ray.prober.ready(await pod(c.workers[0]!), ray)).toBe(true);
    expect(env.ray.prober.ready(await pod(c.head), 'sidecar')).toBe(true);
    await advance(env, 1);
    expect(env.ray.prober.ready(await pod(c.head), ray)).toBe(true);
    // Another cluster's head of the same name is not this one.
    expect(env.ray.prober.ready({ ...head, metadata: { ...head.metadata, name: 'other-head' } }, ray)).toBe(false);
  });

  it('headStart is a distribution option', async () => {
    const env = await rayEnv({ options: { headStart: { kind: 'fixed', value: 3_000 } } });
    const c = await trainingCluster(env);
    await runPods(env, c.head);
    await advance(env, 2_999);
    expect(env.ray.cluster(NS, CLUSTER)!.headReady).toBe(false);
    await advance(env, 1);
    expect(env.ray.cluster(NS, CLUSTER)!.headReady).toBe(true);
  });

  it('the factory hands out one client per cluster and remembers the URL it was given', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env);
    const a = env.ray.dashboards(c.cluster, 'http://a:8265');
    const b = env.ray.dashboards(c.cluster, 'http://b:8265');
    expect(a).toBe(b);
    expect(env.ray.dashboard(NS, CLUSTER).url).toBe('http://b:8265');
    expect(env.ray.clusterForAddress('http://train-abcde-head-svc.default.svc.cluster.local:8265')).toBe(env.ray.cluster(NS, CLUSTER));
    expect(env.ray.clusterForAddress('http://train-abcde-head-svc.other.svc.cluster.local:8265')).toBeUndefined();
    expect(() => env.ray.dashboards({ apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: {} }, 'x')).toThrow(/no metadata.name/);
  });

  it('a deleted RayCluster starts no waiting job and is forgotten once its pods are gone', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '10000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    await advance(env, 12_000);
    await deletePod(env, c.workers[0]!); // the job waits for the gang
    await env.client.delete(RAY_CLUSTER, CLUSTER, NS);
    await settle(env);
    await deletePod(env, c.workers[1]!);
    expect(rayRecords(env, TRACE.jobStarted)).toHaveLength(1);
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')!.phase).toBe('recovering');
    await deletePod(env, c.head);
    expect(env.ray.cluster(NS, CLUSTER)).toBeUndefined();
    expect((await dashboardError(client.listJobs())).kind).toBe('unreachable');
  });

  it('workers register when their pods run and deregister when they stop or are deleted; resources come from limits', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env, { workers: 3, gpusPerWorker: 4 });
    await runPods(env, c.head, c.workers[0]!, c.workers[1]!);
    const cl = env.ray.cluster(NS, CLUSTER)!;
    expect(cl.nodes().map((n) => [n.pod, n.type, n.resources.gpus])).toEqual([
      [c.head, 'head', 0],
      [c.workers[0], 'worker', 4],
      [c.workers[1], 'worker', 4],
    ]);
    expect(cl.nodes()[1]!.resources).toMatchObject({ cpuMilli: 8000, gpus: 4 });
    await killPod(env, c.workers[0]!);
    await deletePod(env, c.workers[1]!);
    expect(cl.nodes().map((n) => n.pod)).toEqual([c.head]);
    expect(cl.desiredWorkers()).toEqual(new Map([['gpu', 3]]));
  });
});

describe('jobs', () => {
  it('a job stays PENDING until the whole gang is registered, then RUNNING with job.started {attempt, gpus}', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '30000' }, workers: 2, headGpus: 1 });
    await runPods(env, c.head, c.workers[0]!);
    await advance(env, 10_000);
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'python train.py', submission_id: 'j1' });
    expect(await client.getJobInfo('j1')).toMatchObject({ status: 'PENDING', job_id: null, message: JOB_MESSAGES.PENDING });
    expect(rayRecords(env, TRACE.jobStarted)).toEqual([]);
    expect(rayRecords(env, TRACE.jobScheduled)).toEqual([]);
    await advance(env, 5_000);
    await runPods(env, c.workers[1]!);
    const info = (await client.getJobInfo('j1'))!;
    expect(info.status).toBe('RUNNING');
    expect(info.message).toBe(JOB_MESSAGES.RUNNING);
    expect(info.job_id).toMatch(/^[0-9a-f]{8}$/);
    const [sched] = rayRecords(env, TRACE.jobScheduled);
    expect(sched).toMatchObject({ t: 15_000, ref: { kind: 'RayJob', namespace: NS, name: 'train', uid: c.rayJob!.metadata.uid }, data: { pods: 3, gpus: 17 } });
    const [started] = rayRecords(env, TRACE.jobStarted);
    expect(started).toMatchObject({ t: 15_000, ref: { kind: 'RayJob', name: 'train' }, data: { attempt: 1, gpus: 17, submissionId: 'j1', progress_ms: 0, work_ms: 30_000 } });
  });

  it('job.scheduled is written once, when every pod first runs, before the GCS is up', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env);
    await runPods(env, c.head, ...c.workers);
    expect(rayRecords(env, TRACE.jobScheduled).map((r) => r.t)).toEqual([0]);
    await killPod(env, c.workers[0]!);
    await addWorker(env, CLUSTER, 'w-new');
    await runPods(env, 'w-new');
    expect(rayRecords(env, TRACE.jobScheduled)).toHaveLength(1);
  });

  it('runs for raysim.io/work-ms and SUCCEEDS, with end_time at the end', async () => {
    const env = await rayEnv();
    await readyCluster(env, { [WORK_MS_ANNOTATION]: '30000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'python train.py', submission_id: 'j' });
    const start = env.sim.now();
    await advance(env, 29_999);
    expect((await client.getJobInfo('j'))!.status).toBe('RUNNING');
    await advance(env, 1);
    const info = (await client.getJobInfo('j'))!;
    expect(info).toMatchObject({ status: 'SUCCEEDED', message: JOB_MESSAGES.SUCCEEDED, start_time: start, end_time: start + 30_000 });
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')).toMatchObject({ phase: 'done', progressMs: 30_000, attempt: 1 });
  });

  it('without raysim.io/work-ms the defaultWorkMs option applies (default 60 s)', async () => {
    for (const [options, expected] of [[{}, 60_000], [{ defaultWorkMs: 5_000 }, 5_000]] as const) {
      const env = await rayEnv({ options });
      await readyCluster(env);
      await env.ray.dashboard(NS, CLUSTER).submitJob({ entrypoint: 'x', submission_id: 'j' });
      expect(env.ray.cluster(NS, CLUSTER)!.job('j')!.workMs).toBe(expected);
    }
  });

  it('raysim.io/fail=true with fail-after-ms FAILS at that point of the work', async () => {
    const env = await rayEnv();
    await readyCluster(env, { [WORK_MS_ANNOTATION]: '30000', [FAIL_ANNOTATION]: 'true', [FAIL_AFTER_MS_ANNOTATION]: '12000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    const start = env.sim.now();
    await advance(env, 11_999);
    expect((await client.getJobInfo('j'))!.status).toBe('RUNNING');
    await advance(env, 1);
    expect(await client.getJobInfo('j')).toMatchObject({ status: 'FAILED', error_type: 'JOB_ENTRYPOINT_COMMAND_ERROR', end_time: start + 12_000 });
  });

  it('raysim.io/fail=true alone fails at a drawn point inside the run, the same for the same seed', async () => {
    const failAt = async (seed: string) => {
      const env = await rayEnv({ seed });
      await readyCluster(env, { [WORK_MS_ANNOTATION]: '100000', [FAIL_ANNOTATION]: 'true' });
      await env.ray.dashboard(NS, CLUSTER).submitJob({ entrypoint: 'x', submission_id: 'j' });
      const at = env.ray.cluster(NS, CLUSTER)!.job('j')!.failAtMs!;
      await advance(env, 100_000);
      expect((await env.ray.dashboard(NS, CLUSTER).getJobInfo('j'))!.status).toBe('FAILED');
      return at;
    };
    const a = await failAt('s1');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(100_000);
    expect(await failAt('s1')).toBe(a);
    expect(await failAt('s2')).not.toBe(a);
  });

  it('bad annotations are ignored and noted in the job log', async () => {
    const env = await rayEnv({ options: { defaultWorkMs: 7_000 } });
    await readyCluster(env, { [WORK_MS_ANNOTATION]: 'soon', [FAIL_ANNOTATION]: 'maybe' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')).toMatchObject({ workMs: 7_000 });
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')!.failAtMs).toBeUndefined();
    const log = await client.getJobLog('j');
    expect(log).toContain('WARN Ignored: raysim.io/work-ms');
    expect(log).toContain('WARN Ignored: raysim.io/fail');
  });

  it('a job on a cluster no RayJob owns reads the hints from its submission metadata; records refer to the RayCluster', async () => {
    const env = await rayEnv();
    const c = await trainingCluster(env, { job: null, workers: 1 });
    await runPods(env, c.head, ...c.workers);
    await advance(env, 10_000);
    const client = env.ray.dashboard(NS, 'rc');
    await client.submitJob({ entrypoint: 'x', submission_id: 'm', metadata: { [WORK_MS_ANNOTATION]: '4000' } });
    expect(env.ray.cluster(NS, 'rc')!.job('m')!.workMs).toBe(4_000);
    expect(rayRecords(env, TRACE.jobScheduled)).toEqual([]);
    expect(rayRecords(env, TRACE.jobStarted)[0]!.ref).toMatchObject({ kind: 'RayCluster', name: 'rc' });
  });
});

describe('lost nodes', () => {
  it('a lost worker FAILS a job without checkpoints, naming the node; job.interrupted has all the work lost', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [WORK_MS_ANNOTATION]: '60000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    await advance(env, 25_000);
    await killPod(env, c.workers[1]!, 'faulty-gpu');
    const info = (await client.getJobInfo('j'))!;
    expect(info.status).toBe('FAILED');
    expect(info.message).toContain(c.workers[1]);
    expect(info.message).toContain('faulty-gpu');
    expect(info.end_time).toBe(env.sim.now());
    const [rec] = rayRecords(env, TRACE.jobInterrupted);
    expect(rec!.data).toMatchObject({ attempt: 1, lost_ms: 25_000, gpus: 16, cause: 'faulty-gpu', restartFromCheckpoint: false, node: c.workers[1] });
    // Nothing restarts it when a replacement comes.
    await addWorker(env, CLUSTER, 'w-new');
    await runPods(env, 'w-new');
    expect(rayRecords(env, TRACE.jobStarted)).toHaveLength(1);
  });

  it('with raysim.io/checkpoint-interval-ms the job waits for the gang and restarts from the last checkpoint', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [WORK_MS_ANNOTATION]: '60000', [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '10000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    await advance(env, 25_000);
    await deletePod(env, c.workers[0]!);
    expect((await client.getJobInfo('j'))!.status).toBe('RUNNING');
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')).toMatchObject({ phase: 'recovering', progressMs: 20_000 });
    const [rec] = rayRecords(env, TRACE.jobInterrupted);
    expect(rec!.data).toMatchObject({ attempt: 1, lost_ms: 5_000, gpus: 16, cause: 'pod-deleted', restartFromCheckpoint: true, node: c.workers[0] });

    await addWorker(env, CLUSTER, 'w-new');
    await advance(env, 7_000);
    expect(rayRecords(env, TRACE.jobStarted)).toHaveLength(1);
    await runPods(env, 'w-new');
    const restarted = rayRecords(env, TRACE.jobStarted)[1]!;
    expect(restarted.data).toMatchObject({ attempt: 2, progress_ms: 20_000, gpus: 16 });
    const restartAt = env.sim.now();
    await advance(env, 39_999);
    expect((await client.getJobInfo('j'))!.status).toBe('RUNNING');
    await advance(env, 1);
    expect(await client.getJobInfo('j')).toMatchObject({ status: 'SUCCEEDED', end_time: restartAt + 40_000 });
    expect(await client.getJobLog('j')).toContain('restart from the checkpoint at 20000 ms');
  });

  it('a worker lost before the first checkpoint loses everything but still restarts; a non-member worker does not interrupt', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [WORK_MS_ANNOTATION]: '60000', [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '10000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    // An extra worker that joins after the start is not part of the job's gang.
    await addWorker(env, CLUSTER, 'w-extra');
    await runPods(env, 'w-extra');
    await advance(env, 4_000);
    await deletePod(env, 'w-extra');
    expect(rayRecords(env, TRACE.jobInterrupted)).toEqual([]);
    await killPod(env, c.workers[0]!);
    expect(rayRecords(env, TRACE.jobInterrupted)[0]!.data).toMatchObject({ lost_ms: 4_000, restartFromCheckpoint: true, cause: 'Error' });
    expect(env.ray.cluster(NS, CLUSTER)!.job('j')!.progressMs).toBe(0);
  });

  it('a container restart (restartCount+1 while Running) is a lost node too', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '1000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    await advance(env, 2_500);
    const pod = await env.client.get<Pod>(POD, c.workers[0]!, NS);
    const cs = pod.status!.containerStatuses![0]!;
    await env.client.patch(
      POD,
      c.workers[0]!,
      NS,
      { status: { containerStatuses: [{ ...cs, restartCount: 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } }, state: { running: {} } }] } },
      'merge',
      { subresource: 'status' },
    );
    await settle(env);
    const [rec] = rayRecords(env, TRACE.jobInterrupted);
    expect(rec!.data).toMatchObject({ lost_ms: 500, cause: 'OOMKilled', restartFromCheckpoint: true });
    // The restarted container registers again, so the gang is whole and the job resumes at once.
    expect(rayRecords(env, TRACE.jobStarted).map((r) => r.data!.attempt)).toEqual([1, 2]);
  });

  it('losing the head FAILS the job even with checkpoints; the dashboard is down until a new head, which has no jobs', async () => {
    const env = await rayEnv();
    const c = await readyCluster(env, { [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '10000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    const followed: string[] = [];
    env.ray.followJob(NS, CLUSTER, 'j', (info) => followed.push(info.status));
    await advance(env, 15_000);
    await killPod(env, c.head, 'Error');
    expect(followed).toEqual(['FAILED']);
    expect(rayRecords(env, TRACE.jobInterrupted)[0]!.data).toMatchObject({ lost_ms: 15_000, restartFromCheckpoint: false, nodeType: 'head' });
    expect((await dashboardError(client.getJobInfo('j'))).kind).toBe('unreachable');
    await addWorker(env, CLUSTER, 'unused'); // keep the cluster busy; then a new head
    await env.client.create(makePod('train-abcde-head-x2').rayNode(CLUSTER, 'head').requests({ cpu: 4 }).obj());
    await settle(env);
    await runPods(env, 'train-abcde-head-x2');
    await advance(env, 10_000);
    expect(await client.getJobInfo('j')).toBeUndefined();
    expect(await client.listJobs()).toEqual([]);
  });
});

describe('stop, delete, list, logs', () => {
  it('stopJob ends a RUNNING job STOPPED and cancels its end; deleteJob then removes it', async () => {
    const env = await rayEnv();
    await readyCluster(env, { [WORK_MS_ANNOTATION]: '30000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    await advance(env, 5_000);
    expect((await dashboardError(client.deleteJob('j'))).status).toBe(500);
    await client.stopJob('j');
    expect(await client.getJobInfo('j')).toMatchObject({ status: 'STOPPED', message: JOB_MESSAGES.STOPPED, end_time: env.sim.now() });
    await advance(env, 60_000);
    expect((await client.getJobInfo('j'))!.status).toBe('STOPPED');
    expect(rayRecords(env, TRACE.jobInterrupted)).toEqual([]);
    await client.deleteJob('j');
    expect(await client.listJobs()).toEqual([]);
  });

  it('a reused submission id is refused the way ray job submit reports it', async () => {
    const env = await rayEnv();
    await readyCluster(env);
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x', submission_id: 'j' });
    expect(isDuplicateSubmission(await dashboardError(client.submitJob({ entrypoint: 'y', submission_id: 'j' })))).toBe(true);
  });

  it('getJobLog has synthetic lines stamped with virtual time', async () => {
    const env = await rayEnv();
    await readyCluster(env, { [WORK_MS_ANNOTATION]: '30000' });
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'python train.py', submission_id: 'j' });
    await advance(env, 30_000);
    const lines = (await client.getJobLog('j')).trimEnd().split('\n');
    expect(lines).toEqual([
      '2026-01-01T00:00:10.000Z INFO Submitted job j with entrypoint `python train.py`.',
      '2026-01-01T00:00:10.000Z INFO Started on 3 nodes (16 GPUs), attempt 1: 30000 ms of work.',
      '2026-01-01T00:00:40.000Z INFO Finished 30000 ms of work.',
    ]);
  });

  it('generated submission ids look like Ray\'s and repeat for the same seed', async () => {
    const ids = async () => {
      const env = await rayEnv({ seed: 'ids' });
      await readyCluster(env);
      return [await env.ray.dashboard(NS, CLUSTER).submitJob({ entrypoint: 'a' }), await env.ray.dashboard(NS, CLUSTER).submitJob({ entrypoint: 'b' })];
    };
    const a = await ids();
    expect(a[0]).toMatch(/^raysubmit_[A-Za-z0-9]{16}$/);
    expect(a[0]).not.toBe(a[1]);
    expect(await ids()).toEqual(a);
  });
});

describe('Serve', () => {
  const config = {
    applications: [
      { name: 'fruit', route_prefix: '/fruit', import_path: 'fruit:app', deployments: [{ name: 'Mango' }, { name: 'Market' }] },
      { name: 'calc', import_path: 'calc:app', deployments: [{ name: 'Adder' }] },
    ],
  };

  it('applications go DEPLOYING -> RUNNING with HEALTHY deployments after serveAppStart (default 20 s)', async () => {
    const env = await rayEnv();
    await readyCluster(env);
    const client = env.ray.dashboard(NS, CLUSTER);
    expect((await client.getServeDetails()).applications).toEqual({});
    await client.updateServeApplications(config);
    expect((await client.getServeDetails()).applications.fruit).toMatchObject({ status: 'DEPLOYING', route_prefix: '/fruit', deployments: { Mango: { status: 'UPDATING' } } });
    await advance(env, 19_999);
    expect((await client.getServeDetails()).applications.calc!.status).toBe('DEPLOYING');
    await advance(env, 1);
    const d = await client.getServeDetails();
    expect(d.applications.fruit).toMatchObject({ status: 'RUNNING', deployments: { Mango: { status: 'HEALTHY' }, Market: { status: 'HEALTHY' } } });
    expect(d.applications.calc).toMatchObject({ status: 'RUNNING', route_prefix: '/', deployments: { Adder: { status: 'HEALTHY' } } });
    expect(env.ray.cluster(NS, CLUSTER)!.serveConfig()).toEqual(config);
  });

  it('re-PUTting an unchanged application keeps it RUNNING; a changed one redeploys; serveAppStart is an option', async () => {
    const env = await rayEnv({ options: { serveAppStart: { kind: 'fixed', value: 5_000 } } });
    await readyCluster(env);
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.updateServeApplications(config);
    await advance(env, 5_000);
    await client.updateServeApplications({ applications: [config.applications[0]!, { ...config.applications[1]!, import_path: 'calc:v2' }] });
    let d = await client.getServeDetails();
    expect([d.applications.fruit!.status, d.applications.calc!.status]).toEqual(['RUNNING', 'DEPLOYING']);
    await advance(env, 5_000);
    d = await client.getServeDetails();
    expect(d.applications.calc!.status).toBe('RUNNING');
  });
});

describe('determinism', () => {
  async function scenario(seed: string): Promise<string> {
    const env = await rayEnv({ seed, options: { headStart: { kind: 'uniform', min: 5_000, max: 15_000 } } });
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '50000', [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '7000', [FAIL_ANNOTATION]: 'true' } });
    await runPods(env, c.head, ...c.workers);
    await advance(env, 15_000);
    const client = env.ray.dashboard(NS, CLUSTER);
    await client.submitJob({ entrypoint: 'x' });
    await advance(env, 13_000);
    await killPod(env, c.workers[1]!, 'nccl-watchdog');
    await addWorker(env, CLUSTER, 'w-new');
    await advance(env, 3_000);
    await runPods(env, 'w-new');
    await advance(env, 100_000);
    env.ray.stop();
    return env.sink.text();
  }

  it('the same seed gives byte-identical trace records; another seed differs', async () => {
    const a = await scenario('d1');
    expect(await scenario('d1')).toBe(a);
    expect(await scenario('d2')).not.toBe(a);
    const types = a
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; type: string })
      .filter((r) => r.actor === 'ray')
      .map((r) => r.type);
    expect(types.slice(0, 4)).toEqual([TRACE.jobScheduled, TRACE.jobStarted, TRACE.jobInterrupted, TRACE.jobStarted]);
  });
});
