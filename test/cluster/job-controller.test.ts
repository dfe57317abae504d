// The batch/v1 Job controller on the SimManager against the in-memory store, with the simulated
// kubelet running its pods and the test binder placing them: success, failure with back-off
// until backoffLimit, activeDeadlineSeconds, suspend/resume, TTL, deletion, a controller restart;
// then planJobSync on its own.

import { describe, expect, it } from 'vitest';
import type { Job, Pod } from '../../controller/api/core-types.js';
import { BATCH_JOB, POD } from '../../controller/api/constants.js';
import { JOB_TRACKING_FINALIZER, planJobSync, type JobStatus } from '../../controller/batchjob/index.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import { clusterEnv, makeJob, NS, type ClusterEnv, type JobOptions } from './cluster-env.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NAME_SUFFIX = /^sub-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

async function getJob(env: ClusterEnv, name = 'sub'): Promise<Job | undefined> {
  try {
    return await env.client.get<Job>(BATCH_JOB, name, NS);
  } catch (e) {
    if (isApiError(e, 'NotFound')) return undefined;
    throw e;
  }
}

async function jobPods(env: ClusterEnv, name = 'sub'): Promise<Pod[]> {
  const pods = (await env.client.list<Pod>(POD, { namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  return pods.sort((a, b) => (a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : a.metadata.creationTimestamp! > b.metadata.creationTimestamp! ? 1 : 0));
}

const condition = (job: Job | undefined, type: string) => job?.status?.conditions?.find((c) => c.type === type);

async function setup(o: JobOptions = {}) {
  const env = await clusterEnv({ jobs: true });
  const created = await env.client.create(makeJob('sub', { node: 'gpu-000', ...o }));
  return { env, uid: created.metadata.uid! };
}

/** Runs in 1 s steps until the Job has a Running pod; returns it. */
async function runningPod(env: ClusterEnv, limitMs = 1_000_000): Promise<Pod> {
  for (;;) {
    const p = (await jobPods(env)).find((x) => x.status?.phase === 'Running' && !x.metadata.deletionTimestamp);
    if (p) return p;
    if (env.sim.elapsed() >= limitMs) throw new Error('no running pod');
    await env.runTo(env.sim.elapsed() + 1_000);
  }
}

describe('Job controller', () => {
  it('creates the pod from the template and completes when it succeeds', async () => {
    const { env, uid } = await setup();
    await env.runTo(1_000);
    const [pod] = await jobPods(env);
    expect(pod!.metadata.name).toMatch(NAME_SUFFIX);
    expect(pod!.metadata.labels).toEqual({
      app: 'sub',
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'sub',
      'controller-uid': uid,
      'job-name': 'sub',
    });
    expect(pod!.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'sub', uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod!.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(pod!.spec.restartPolicy).toBe('Never');
    let job = await getJob(env);
    expect(job!.status).toMatchObject({ active: 1, ready: 0, startTime: '2026-01-01T00:00:00Z' });

    await env.runTo(63_000);
    expect((await getJob(env))!.status).toMatchObject({ active: 1, ready: 1 });

    await env.runTo(100_000);
    await env.kubelet.terminateContainer(pod!, 0);
    await env.runTo(100_000);
    job = await getJob(env);
    expect(job!.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0, completionTime: '2026-01-01T00:01:40Z', uncountedTerminatedPods: {} });
    expect(job!.status!.active).toBeUndefined();
    expect(job!.status!.failed).toBeUndefined();
    expect(condition(job, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(condition(job, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    // The pod was counted and let go; no replacement.
    const pods = await jobPods(env);
    expect(pods.map((p) => [p.status!.phase, p.metadata.finalizers ?? []])).toEqual([['Succeeded', []]]);
    await env.runTo(1_000_000);
    expect((await jobPods(env)).length).toBe(1);
    expect((await getJob(env))!.status!.succeeded).toBe(1);
  });

  it('replaces failed pods after 10 s, 20 s back-off and fails past backoffLimit', async () => {
    const { env } = await setup({ backoffLimit: 2 });
    const failedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await runningPod(env);
      await env.runTo(env.sim.elapsed() + 7_000);
      failedAt.push(env.sim.elapsed());
      await env.kubelet.terminateContainer(p, 1);
      await env.runTo(env.sim.elapsed());
      if (i < 2) expect(condition(await getJob(env), 'Failed')).toBeUndefined();
    }
    const pods = await jobPods(env);
    expect(pods.length).toBe(3);
    expect(pods.every((p) => p.status!.phase === 'Failed' && !p.metadata.finalizers?.length)).toBe(true);
    // Created at 0, then back-off 10 s and 20 s after each failure; the image is cached after the first.
    const created = pods.map((p) => Date.parse(p.metadata.creationTimestamp!) - T0);
    expect(created).toEqual([0, failedAt[0]! + 10_000, failedAt[1]! + 20_000]);
    const job = await getJob(env);
    expect(job!.status).toMatchObject({ failed: 3, ready: 0 });
    expect(job!.status!.succeeded).toBeUndefined();
    expect(condition(job, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(condition(job, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(job!.status!.completionTime).toBeUndefined();
    await env.runTo(2_000_000);
    expect((await jobPods(env)).length).toBe(3);
  });

  it('activeDeadlineSeconds: the pod is stopped and the Job fails once it is gone', async () => {
    const { env } = await setup({ activeDeadlineSeconds: 100 });
    await env.runTo(99_999);
    expect(condition(await getJob(env), 'FailureTarget')).toBeUndefined();
    await env.runTo(100_000);
    let job = await getJob(env);
    expect(condition(job, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
    expect(condition(job, 'Failed')).toBeUndefined();
    expect(job!.status).toMatchObject({ failed: 1, terminating: 1 });
    // The kubelet stops it (2 s), then the Job is Failed.
    await env.runTo(102_000);
    expect(await jobPods(env)).toEqual([]);
    job = await getJob(env);
    expect(condition(job, 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastTransitionTime: '2026-01-01T00:01:42Z' });
    expect(job!.status).toMatchObject({ failed: 1, terminating: 0 });
  });

  it('deleting the Job: the garbage collector deletes its pod, the controller lets it go', async () => {
    const { env } = await setup();
    await runningPod(env);
    await env.runTo(100_000);
    await env.client.delete(BATCH_JOB, 'sub', NS, { propagationPolicy: 'Background' });
    await env.runTo(100_000);
    const [terminating] = await jobPods(env);
    expect(terminating!.metadata.deletionTimestamp).toBeDefined();
    expect(terminating!.metadata.finalizers ?? []).toEqual([]);
    await env.runTo(102_000);
    expect(await jobPods(env)).toEqual([]);
    expect(await getJob(env)).toBeUndefined();
    expect(env.records('pod.deleted').map((r) => r.t)).toEqual([102_000]);
  });

  it('suspend: no pods, Suspended; resume starts one and resets startTime; suspending again stops it without a failure', async () => {
    const { env } = await setup({ suspend: true });
    await env.runTo(50_000);
    let job = await getJob(env);
    expect(await jobPods(env)).toEqual([]);
    expect(condition(job, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' });
    expect(job!.status!.startTime).toBeUndefined();

    await env.client.patch(BATCH_JOB, 'sub', NS, { spec: { suspend: false } }, 'merge');
    await env.runTo(50_000);
    job = await getJob(env);
    expect(condition(job, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(job!.status).toMatchObject({ active: 1, startTime: '2026-01-01T00:00:50Z' });
    await runningPod(env);

    await env.client.patch(BATCH_JOB, 'sub', NS, { spec: { suspend: true } }, 'merge');
    await env.runTo(env.sim.elapsed() + 10_000);
    expect(await jobPods(env)).toEqual([]);
    job = await getJob(env);
    expect(condition(job, 'Suspended')).toMatchObject({ status: 'True' });
    expect(job!.status!.failed).toBeUndefined();
    expect(job!.status!.active).toBeUndefined();
  });

  it('ttlSecondsAfterFinished deletes the finished Job', async () => {
    const { env } = await setup({ ttlSecondsAfterFinished: 60 });
    const p = await runningPod(env);
    await env.runTo(100_000);
    await env.kubelet.terminateContainer(p, 0);
    await env.runTo(159_999);
    expect(await getJob(env)).toBeDefined();
    await env.runTo(160_000);
    expect(await getJob(env)).toBeUndefined();
  });

  it('a controller restart neither recounts a failure nor doubles the replacement', async () => {
    const { env } = await setup({ backoffLimit: 3 });
    const p = await runningPod(env);
    await env.kubelet.terminateContainer(p, 1);
    await env.runTo(env.sim.elapsed());
    env.manager.restart({ downtimeMs: 2_000 });
    await env.runTo(env.sim.elapsed() + 30_000);
    const pods = await jobPods(env);
    expect(pods.map((x) => x.status!.phase)).toEqual(['Failed', 'Running']);
    expect((await getJob(env))!.status).toMatchObject({ failed: 1, active: 1 });
    expect(env.manager.programmingErrors).toEqual([]);
  });
});

describe('planJobSync', () => {
  const now = T0 + 60_000;
  const job = (over: Partial<Job['spec']> = {}, status: JobStatus = {}): Job => ({
    ...makeJob('sub'),
    metadata: { name: 'sub', namespace: NS, uid: 'job-uid' },
    spec: { ...makeJob('sub').spec, backoffLimit: 2, ...over },
    status,
  });
  const pod = (name: string, phase: string, o: { finalizer?: boolean; deleting?: boolean; finishedAt?: number } = {}): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:01:30Z' } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: {
      phase: phase as never,
      ...(o.finishedAt !== undefined
        ? { containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: new Date(o.finishedAt).toISOString().replace('.000Z', 'Z') } } }] }
        : {}),
    },
  });

  it.each([
    { name: 'a new Job creates one pod and starts', job: job(), pods: [], create: 1, status: { startTime: '2026-01-01T00:01:00Z', ready: 0, terminating: 0, active: 1 } },
    { name: 'an active pod is enough', job: job(), pods: [pod('a', 'Running')], create: 0, status: { active: 1 } },
    {
      name: 'a new failure is recorded uncounted, then counted; the replacement waits for the back-off',
      job: job(),
      pods: [pod('a', 'Failed', { finishedAt: now - 4_000 })],
      create: 0,
      interim: { uncountedTerminatedPods: { succeeded: [], failed: ['uid-a'] } },
      status: { failed: 1, uncountedTerminatedPods: {} },
      requeue: 6_000,
      finalizers: ['a'],
    },
    {
      name: 'after the back-off the replacement is created',
      job: job({}, { failed: 1 }),
      pods: [pod('a', 'Failed', { finalizer: false, finishedAt: now - 10_000 })],
      create: 1,
      status: { failed: 1, active: 1 },
    },
    {
      name: 'an uncounted pod whose finalizer is still there is not counted twice',
      job: job({}, { failed: 1, uncountedTerminatedPods: { failed: ['uid-b'] } }),
      pods: [pod('b', 'Failed', { finishedAt: now - 1_000 })],
      create: 0,
      status: { failed: 2 },
      finalizers: ['b'],
    },
    { name: 'a pod being deleted counts as failed', job: job(), pods: [pod('a', 'Running', { deleting: true })], create: 0, status: { failed: 1, terminating: 1 }, finalizers: ['a'] },
    { name: 'no pods are created while expectations are unmet', job: job(), pods: [], satisfied: false, create: 0, status: {} },
  ])('$name', (c) => {
    const plan = planJobSync({ job: c.job, pods: c.pods, now, expectationsSatisfied: c.satisfied });
    expect(plan.create).toBe(c.create);
    expect(plan.status).toMatchObject(c.status);
    if (c.interim) expect(plan.interim).toMatchObject(c.interim);
    if (c.requeue !== undefined) expect(plan.requeueAfterMs).toBe(c.requeue);
    expect(plan.removeFinalizers.map((p) => p.metadata.name)).toEqual(c.finalizers ?? []);
  });

  it('does not change its input', () => {
    const j = job({}, { failed: 1, uncountedTerminatedPods: { failed: ['uid-b'] } });
    const before = JSON.stringify(j);
    planJobSync({ job: j, pods: [pod('b', 'Failed')], now });
    expect(JSON.stringify(j)).toBe(before);
  });
});
