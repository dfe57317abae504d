// The K8sJobMode submitter played against the simulated Ray runtime: a RayJob's submitter pod,
// once running, waits for the GCS, submits (unless the job exists), follows the job and exits
// through ContainerExits with 0 for SUCCEEDED and 1 otherwise.

import { describe, expect, it } from 'vitest';
import type { Pod } from '../../controller/api/types.js';
import { makePod } from '../fixtures/ray-builders.js';
import { FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, SubmitterRunner, WORK_MS_ANNOTATION, type ContainerExits } from '../../sim/ray/index.js';
import { advance, killPod, NS, rayEnv, runPods, settle, submitterJob, submitterPod, trainingCluster, type RayEnv } from './harness.js';

const CLUSTER = 'train-abcde';

interface Exit {
  pod: string;
  code: number;
  reason: string;
  t: number;
}

async function withRunner(env: RayEnv, pollMs?: number) {
  const exits: Exit[] = [];
  const hook: ContainerExits = { terminate: (pod: Pod, code, reason) => void exits.push({ pod: pod.metadata.name!, code, reason, t: env.sim.elapsed() }) };
  const runner = new SubmitterRunner(env.sim, env.client, env.ray, hook, pollMs === undefined ? {} : { pollMs });
  await runner.start();
  await settle(env);
  return { runner, exits };
}

describe('SubmitterRunner', () => {
  it('waits for the GCS (every 2 s), submits the job from the command line, follows it and exits 0 when it SUCCEEDS', async () => {
    const env = await rayEnv();
    const { runner, exits } = await withRunner(env);
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '30000' } });
    await runPods(env, c.head, ...c.workers); // t=0: GCS up at 10 s
    const job = await submitterJob(env, 'train', CLUSTER, 'train-sub01');
    await submitterPod(env, job, 'train-p1');
    await advance(env, 3_000);
    await runPods(env, 'train-p1'); // t=3 s: checks at 3, 5, 7, 9, 11 s
    expect(runner.runs()).toMatchObject([{ pod: 'train-p1', state: 'waiting', submissionId: 'train-sub01' }]);
    await advance(env, 7_999);
    expect(env.ray.cluster(NS, CLUSTER)!.jobIds()).toEqual([]);
    await advance(env, 1);
    const info = await env.ray.dashboard(NS, CLUSTER).getJobInfo('train-sub01');
    expect(info).toMatchObject({ status: 'RUNNING', entrypoint: 'python main.py', start_time: env.sim.now() });
    expect(runner.runs()[0]).toMatchObject({ state: 'following', cluster: CLUSTER, submitted: 1 });
    await advance(env, 30_000);
    expect(exits).toEqual([{ pod: 'train-p1', code: 0, reason: 'Completed', t: 41_000 }]);
    expect(runner.runs()[0]).toMatchObject({ state: 'exited', exitCode: 0 });
    runner.stop();
  });

  it('exits 1 when the Ray job FAILS, and at once when a retried pod finds the job already ended', async () => {
    const env = await rayEnv();
    const { runner, exits } = await withRunner(env);
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '30000', [FAIL_ANNOTATION]: 'true', [FAIL_AFTER_MS_ANNOTATION]: '5000' } });
    await runPods(env, c.head, ...c.workers);
    await advance(env, 10_000);
    const job = await submitterJob(env, 'train', CLUSTER, 'train-sub02');
    await submitterPod(env, job, 'train-p1');
    await runPods(env, 'train-p1');
    await advance(env, 5_000);
    expect(exits).toEqual([{ pod: 'train-p1', code: 1, reason: 'Error', t: 15_000 }]);
    // The Job controller's retry: `ray job status` knows the job, so no second submission.
    await submitterPod(env, job, 'train-p2');
    await runPods(env, 'train-p2');
    expect(exits.map((e) => [e.pod, e.code])).toEqual([
      ['train-p1', 1],
      ['train-p2', 1],
    ]);
    expect(runner.runs().map((r) => r.submitted)).toEqual([1, 0]);
    expect(env.ray.cluster(NS, CLUSTER)!.jobIds()).toEqual(['train-sub02']);
  });

  it('a job submitted meanwhile by someone else counts as submitted (ray job submit retried)', async () => {
    const env = await rayEnv();
    const { runner, exits } = await withRunner(env);
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '1000' } });
    await runPods(env, c.head, ...c.workers);
    await advance(env, 10_000);
    await env.ray.dashboard(NS, CLUSTER).submitJob({ entrypoint: 'python main.py', submission_id: 'train-sub03' });
    const job = await submitterJob(env, 'train', CLUSTER, 'train-sub03');
    await submitterPod(env, job, 'train-p1');
    await runPods(env, 'train-p1');
    await advance(env, 1_000);
    expect(exits.map((e) => e.code)).toEqual([0]);
    expect(runner.runs()[0]!.submitted).toBe(0);
  });

  it('exits 1 when the head is lost while it follows the job', async () => {
    const env = await rayEnv();
    const { exits } = await withRunner(env);
    const c = await trainingCluster(env, { annotations: { [WORK_MS_ANNOTATION]: '30000' } });
    await runPods(env, c.head, ...c.workers);
    await advance(env, 10_000);
    const job = await submitterJob(env, 'train', CLUSTER, 'train-sub04');
    await submitterPod(env, job, 'train-p1');
    await runPods(env, 'train-p1');
    await advance(env, 2_000);
    await killPod(env, c.head);
    await settle(env);
    expect(exits).toEqual([{ pod: 'train-p1', code: 1, reason: 'Error', t: 12_000 }]);
  });

  it('ignores pods whose Job no RayJob owns, and a pod deleted before the GCS is up never exits', async () => {
    const env = await rayEnv();
    const { runner, exits } = await withRunner(env);
    const c = await trainingCluster(env);
    await runPods(env, c.head, ...c.workers);
    // A batch Job of someone else's, with a pod labelled like a Job pod.
    const other = await env.client.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'etl', namespace: NS },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['ray', 'job', 'submit', '--', 'x'] }] } } },
    });
    const stray = makePod('etl-p1').label('batch.kubernetes.io/job-name', 'etl').ownedBy(other).obj();
    await env.client.create(stray);
    await runPods(env, 'etl-p1');
    const job = await submitterJob(env, 'train', CLUSTER, 'train-sub05');
    await submitterPod(env, job, 'train-p1');
    await runPods(env, 'train-p1');
    await advance(env, 4_000);
    await env.client.delete({ apiVersion: 'v1', kind: 'Pod' }, 'train-p1', NS, { gracePeriodSeconds: 0 });
    await advance(env, 60_000);
    expect(runner.runs().map((r) => [r.pod, r.state])).toEqual([
      ['etl-p1', 'ignored'],
      ['train-p1', 'cancelled'],
    ]);
    expect(exits).toEqual([]);
    expect(env.ray.cluster(NS, CLUSTER)!.jobIds()).toEqual([]);
  });
});
