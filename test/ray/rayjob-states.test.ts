// The RayJob deployment state machine, state by state and transition by transition, against the
// in-memory API server and FakeDashboards. Each test builds fresh fixtures; time is the
// Simulation's virtual clock (start 2026-01-01T00:00:00Z), advanced explicitly.

import { describe, expect, it } from 'vitest';
import type { RayJob } from '../../controller/api/types.js';
import { RAY_CLUSTER, RAY_JOB, RAY_JOB_STOP_JOB_FINALIZER } from '../../controller/api/constants.js';
import { DashboardError } from '../../controller/ray/dashboard-client.js';
import { SUFFIX_ALPHABET } from '../../controller/ray/common/names.js';
import { applyBackoffLimit, planDeletionRules, statusNeedsWrite, verdictForJobStatus } from '../../controller/ray/rayjob/predicates.js';
import { reconcileInitializing, reconcileNew, reconcileRunning, reconcileSuspended, reconcileWaiting, UPDATE_STATUS } from '../../controller/ray/rayjob/states.js';
import { goJsonMarshal, goQuote } from '../../controller/ray/rayjob/submitter.js';
import { POD_GROUP, type PodGroup } from '../../controller/ray/batchscheduler/volcano-types.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { DEFAULT_START_TIME } from '../../sim/core/simulation.js';
import { makeRayCluster, makeRayJob, type RayJobBuilder } from '../fixtures/ray-builders.js';
import { harness, NS, type Harness } from './rayjob-harness.js';

const T0 = DEFAULT_START_TIME;
const SUFFIX = `[${SUFFIX_ALPHABET}]{5}`;

/** A RayJob that is valid and can be suspended. */
function job(name = 'j'): RayJobBuilder {
  return makeRayJob(name).workers('gpu', 2, { gpu: 8 }).entrypoint('python train.py').shutdownAfterJobFinishes();
}

const status = (h: Harness, name = 'j') => h.job(name).status ?? {};
const dep = (h: Harness, name = 'j') => status(h, name).jobDeploymentStatus ?? '';

/** New -> Initializing -> (cluster created, ready) -> Running (or Waiting). */
async function toRunning(h: Harness, name = 'j'): Promise<void> {
  await h.reconcile(name); // New -> Initializing
  await h.reconcile(name); // creates the RayCluster, waits
  await h.markClusterReady(h.job(name).status!.rayClusterName!);
  await h.reconcile(name); // -> Running / Waiting
}

/** What the submitter pod does: `ray job submit --submission-id <jobId>`. */
async function submitAsSubmitter(h: Harness, name = 'j'): Promise<void> {
  const s = h.job(name).status!;
  await h.dashboardOf(name).submitJob({ entrypoint: h.job(name).spec.entrypoint ?? '', submission_id: s.jobId! });
}

// ---------------------------------------------------------------------------------------------
// New
// ---------------------------------------------------------------------------------------------

describe('New', () => {
  it('adds the finalizer, draws jobId and cluster name, stamps startTime and moves to Initializing', async () => {
    const h = harness();
    await h.create(job().obj());
    await h.advance(1000);
    const r = await h.reconcile('j');
    // From Initializing the requeue is a poll of the cluster's dashboard (Result.poll).
    expect(r).toEqual({ requeueAfterMs: 3000, poll: { source: `ray-dashboard/${NS}/${h.job('j').status!.rayClusterName}` } });
    const j = h.job('j');
    expect(j.metadata.finalizers).toEqual([RAY_JOB_STOP_JOB_FINALIZER]);
    expect(j.status).toMatchObject({ jobDeploymentStatus: 'Initializing', jobStatus: '', startTime: rfc3339(T0 + 1000), failed: 0, succeeded: 0 });
    expect(j.status!.jobId).toMatch(new RegExp(`^j-${SUFFIX}$`));
    expect(j.status!.rayClusterName).toMatch(new RegExp(`^j-${SUFFIX}$`));
    expect(j.status!.jobId).not.toBe(j.status!.rayClusterName);
    // Nothing is created in New.
    expect(h.store.count(h.store.typeFor(RAY_CLUSTER))).toBe(0);
  });

  it.each([
    { name: 'spec.jobId is the job id', b: () => job().jobId('my-id'), jobId: 'my-id', cluster: new RegExp(`^j-${SUFFIX}$`) },
    { name: 'clusterSelector names the cluster', b: () => job().shutdownAfterJobFinishes(false).clusterSelector('shared'), jobId: new RegExp(`^j-${SUFFIX}$`), cluster: /^shared$/ },
    { name: 'InteractiveMode has no job id yet', b: () => job().mode('InteractiveMode'), jobId: undefined, cluster: new RegExp(`^j-${SUFFIX}$`) },
  ])('$name', async ({ b, jobId, cluster }) => {
    const h = harness();
    await h.create(b().obj());
    await h.reconcile('j');
    const s = status(h);
    if (jobId instanceof RegExp) expect(s.jobId).toMatch(jobId);
    else expect(s.jobId).toBe(jobId);
    expect(s.rayClusterName).toMatch(cluster);
  });

  it('names come from ctx.rng: the same seed draws the same names, another seed others', async () => {
    const names = async (seed: string) => {
      const h = harness({ seed });
      await h.create(job().obj());
      await h.reconcile('j');
      return [status(h).jobId, status(h).rayClusterName];
    };
    expect(await names('a')).toEqual(await names('a'));
    expect(await names('a')).not.toEqual(await names('b'));
  });

  it('reconcileNew keeps an existing finalizer and does not write the RayJob for it', async () => {
    const h = harness();
    await h.create(job().finalizer(RAY_JOB_STOP_JOB_FINALIZER).obj());
    const rv = h.job('j').metadata.resourceVersion;
    const step = h.step('j');
    expect(await reconcileNew(step)).toBe(UPDATE_STATUS);
    expect(h.job('j').metadata.resourceVersion).toBe(rv);
    expect(step.job.status?.jobDeploymentStatus).toBe('Initializing');
  });

  it('a RayJob created suspended goes New -> Initializing -> Suspending -> Suspended without creating a cluster', async () => {
    const h = harness();
    await h.create(job().suspend().obj());
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      await h.reconcile('j');
      seen.push(dep(h));
    }
    expect(seen).toEqual(['Initializing', 'Suspending', 'Suspended', 'Suspended']);
    expect(h.store.count(h.store.typeFor(RAY_CLUSTER))).toBe(0);
    expect(status(h).jobId).toBeUndefined();
    expect(status(h).rayClusterName).toBeUndefined();
    // Suspended: no requeue.
    expect(await h.reconcile('j')).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

describe('validation', () => {
  it.each([
    { name: 'suspend without shutdownAfterJobFinishes', b: () => job().shutdownAfterJobFinishes(false).suspend(), event: 'InvalidRayJobSpec', text: 'not allowed to be suspended' },
    { name: 'neither rayClusterSpec nor clusterSelector', b: () => job().editSpec((s) => delete s.rayClusterSpec), event: 'InvalidRayJobSpec', text: 'one of RayClusterSpec or ClusterSelector must be set' },
    { name: 'backoffLimit with clusterSelector', b: () => job().shutdownAfterJobFinishes(false).clusterSelector('c').backoffLimit(2), event: 'InvalidRayJobSpec', text: 'BackoffLimit is incompatible' },
    { name: 'a name longer than 47 characters', b: () => job('j'.repeat(48)), event: 'InvalidRayJobMetadata', text: 'RayJob' },
  ])('$name -> ValidationFailed, Warning event, no requeue', async ({ b, event, text }) => {
    const h = harness();
    const obj = b().obj();
    const name = obj.metadata.name!;
    await h.create(obj);
    expect(await h.reconcile(name)).toEqual({});
    const j = h.job(name);
    expect(j.status).toMatchObject({ jobDeploymentStatus: 'ValidationFailed', reason: 'ValidationFailed' });
    expect(j.status!.message).toContain(text);
    expect(j.metadata.finalizers).toBeUndefined();
    expect(h.recorder.events[0]).toMatchObject({ type: 'Warning', reason: event });
    expect(h.recorder.events[0]!.message).toContain(`default/${name}: `);
    // Again: same status, no second write.
    const rv = j.metadata.resourceVersion;
    await h.reconcile(name);
    expect(h.job(name).metadata.resourceVersion).toBe(rv);
  });

  it('a ValidationFailed RayJob whose spec is fixed stays ValidationFailed (KubeRay has no way out)', async () => {
    const h = harness();
    await h.create(job().shutdownAfterJobFinishes(false).suspend().obj());
    await h.reconcile('j');
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { suspend: false } }, 'merge');
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 3000 });
    expect(dep(h)).toBe('ValidationFailed');
  });
});

// ---------------------------------------------------------------------------------------------
// Initializing
// ---------------------------------------------------------------------------------------------

describe('Initializing', () => {
  it('creates the RayCluster: spec copied, labels and annotations passed through, owned by the RayJob', async () => {
    const h = harness();
    await h.create(job().queue('team-a').priorityClass('high').volcanoQueue('vq').annotation('note', 'x').obj());
    await h.reconcile('j');
    await h.reconcile('j');
    const j = h.job('j');
    const c = h.clusterOf('j')!;
    expect(c.metadata.labels).toEqual({
      'kueue.x-k8s.io/queue-name': 'team-a',
      'kueue.x-k8s.io/priority-class': 'high',
      'volcano.sh/queue-name': 'vq',
      'ray.io/originated-from-cr-name': 'j',
      'ray.io/originated-from-crd': 'RayJob',
      'ray.io/job-submission-mode': 'K8sJobMode',
    });
    expect(c.metadata.annotations).toEqual({ note: 'x' });
    expect(c.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'j', uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(c.spec.workerGroupSpecs).toEqual(j.spec.rayClusterSpec!.workerGroupSpecs);
    expect(h.recorder.events).toEqual([expect.objectContaining({ type: 'Normal', reason: 'CreatedRayCluster', message: `Created RayCluster default/${c.metadata.name}` })]);
    // Not ready: still Initializing, no dashboard, no submitter.
    expect(dep(h)).toBe('Initializing');
    expect(status(h).dashboardURL).toBeUndefined();
    expect(h.submitter('j')).toBeUndefined();
  });

  it('mirrors the RayCluster status while waiting, and records the dashboard address once ready', async () => {
    const h = harness();
    await h.create(job().obj());
    await h.reconcile('j');
    await h.reconcile('j');
    const name = status(h).rayClusterName!;
    await h.client.patch(RAY_CLUSTER, name, NS, { status: { state: 'suspended', desiredWorkerReplicas: 2 } }, 'merge', { subresource: 'status' });
    await h.reconcile('j');
    expect(status(h).rayClusterStatus).toEqual({ state: 'suspended', desiredWorkerReplicas: 2 });
    expect(dep(h)).toBe('Initializing');
    await h.markClusterReady(name);
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
    expect(status(h).dashboardURL).toBe(`${name}-head-svc.default.svc.cluster.local:8265`);
  });

  it('with the volcano batch scheduler: the RayJob gets a PodGroup, and its RayCluster points at it', async () => {
    const h = harness({ batchScheduler: 'volcano' });
    await h.create(job().volcanoQueue('vq').obj());
    await h.reconcile('j');
    await h.reconcile('j');
    const pg = h.cache.get<PodGroup>(POD_GROUP, 'ray-j-pg', NS)!;
    // Head + 2 GPU workers; the resources include the submitter pod's requests.
    expect(pg.spec).toMatchObject({ minMember: 3, queue: 'vq' });
    expect(pg.spec.minResources?.['nvidia.com/gpu']).toBe('16');
    expect(pg.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RayJob', name: 'j' });
    const c = h.clusterOf('j')!;
    expect(c.metadata.annotations).toEqual({ 'scheduling.k8s.io/group-name': 'ray-j-pg', 'volcano.sh/task-spec': '' });
    expect(c.metadata.labels?.['volcano.sh/queue-name']).toBe('vq');
  });

  it('with volcano, a finished RayJob whose cluster is gone shrinks its PodGroup to nothing (BatchSchedulerCleanedUp)', async () => {
    const h = harness({ batchScheduler: 'volcano' });
    await finish(h, job().volcanoQueue('vq'));
    await h.reconcile('j'); // shutdownAfterJobFinishes deletes the cluster, then the gang is released
    expect(h.cache.get<PodGroup>(POD_GROUP, 'ray-j-pg', NS)!.spec).toMatchObject({ minMember: 0, minResources: {} });
    expect(h.reasons().slice(-2)).toEqual(['DeletedRayCluster', 'BatchSchedulerCleanedUp']);
    await h.reconcile('j');
    expect(h.reasons().filter((r) => r === 'BatchSchedulerCleanedUp')).toHaveLength(1);
  });

  it('volcano cannot gang-schedule a clusterSelector RayJob: it waits in Initializing', async () => {
    const h = harness({ batchScheduler: 'volcano' });
    await h.client.create(makeRayCluster('shared').obj());
    await h.markClusterReady('shared');
    await h.create(job().shutdownAfterJobFinishes(false).clusterSelector('shared').obj());
    await h.reconcile('j');
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 3000 });
    expect(dep(h)).toBe('Initializing');
    expect(h.submitter('j')).toBeUndefined();
  });

  it('rejects an unknown batch scheduler, naming the known ones', () => {
    expect(() => harness({ batchScheduler: 'yunikorn' })).toThrow('the scheduler is not supported, name=yunikorn (known: default, volcano)');
  });

  it('clusterSelector: uses the named cluster and never creates one; a missing one is a Warning', async () => {
    const h = harness();
    await h.create(job().shutdownAfterJobFinishes(false).clusterSelector('shared').obj());
    await h.reconcile('j');
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 3000 });
    expect(h.recorder.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RayClusterNotFound', message: 'RayCluster default/shared set in the clusterSelector is not found. It must be created manually' }),
    ]);
    expect(h.store.count(h.store.typeFor(RAY_CLUSTER))).toBe(0);
    await h.client.create(makeRayCluster('shared').obj());
    await h.markClusterReady('shared');
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
    expect(status(h).dashboardURL).toBe('shared-head-svc.default.svc.cluster.local:8265');
    expect(h.submitter('j')!.spec.template.spec.containers[0]!.image).toBe('rayproject/ray:2.52.0');
  });

  it('direct call: suspend wins over everything else in Initializing', async () => {
    const h = harness();
    await h.create(job().status({ jobDeploymentStatus: 'Initializing', rayClusterName: 'c', jobId: 'id', startTime: rfc3339(T0) }).suspend().obj());
    const step = h.step('j');
    expect(await reconcileInitializing(step)).toBe(UPDATE_STATUS);
    expect(step.job.status!.jobDeploymentStatus).toBe('Suspending');
    expect(h.store.count(h.store.typeFor(RAY_CLUSTER))).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Submission
// ---------------------------------------------------------------------------------------------

describe('K8sJobMode submitter Job', () => {
  it('is named after the RayJob, owned by it, runs `ray job submit` against the head service with the job id', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    const j = h.job('j');
    const { jobId, rayClusterName: c } = j.status!;
    const sub = h.submitter('j')!;
    expect(sub.metadata.labels).toEqual({ 'ray.io/originated-from-cr-name': 'j', 'ray.io/originated-from-crd': 'RayJob', 'app.kubernetes.io/created-by': 'kuberay-operator' });
    expect(sub.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'j', uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(sub.spec.backoffLimit).toBe(2);
    const pod = sub.spec.template;
    expect(pod.metadata?.labels).toEqual(sub.metadata.labels);
    expect(pod.spec.restartPolicy).toBe('Never');
    const ctr = pod.spec.containers[0]!;
    expect(ctr.name).toBe('ray-job-submitter');
    expect(ctr.image).toBe('rayproject/ray:2.52.0');
    expect(ctr.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '200Mi' } });
    expect(ctr.command).toEqual(['/bin/bash', '-ce', '--']);
    const addr = `http://${c}-head-svc.default.svc.cluster.local:8265`;
    expect(ctr.args).toEqual([
      `until python -c "import urllib.request; r=urllib.request.urlopen('${addr}/api/gcs_healthz', timeout=10); exit(0 if b'success' in r.read() else 1)" >/dev/null 2>&1 ; ` +
        `do echo "Waiting for Ray Dashboard GCS to become healthy at ${addr} ..." ; sleep 2 ; done ; ` +
        `if ! ray job status --address ${addr} ${jobId} >/dev/null 2>&1 ; then ` +
        `ray job submit --address ${addr} --no-wait --submission-id ${jobId} -- python train.py ; fi ; ` +
        `ray job logs --address ${addr} --follow ${jobId}`,
    ]);
    expect(ctr.env).toEqual([
      { name: 'PYTHONUNBUFFERED', value: '1' },
      { name: 'RAY_DASHBOARD_ADDRESS', value: `${c}-head-svc.default.svc.cluster.local:8265` },
      { name: 'RAY_JOB_SUBMISSION_ID', value: jobId },
    ]);
    expect(h.reasons()).toEqual(['CreatedRayCluster', 'CreatedRayJobSubmitter']);
  });

  it('passes runtime env, metadata, entrypoint resources as KubeRay quotes them; submitterConfig sets backoffLimit', async () => {
    const h = harness();
    await h.create(
      job()
        .jobId('fixed')
        .runtimeEnv('pip:\n  - requests==2.31\nenv_vars:\n  A: "<x & y>"\n')
        .editSpec((s) => {
          s.metadata = { team: 'ml', owner: 'ada' };
          s.entrypointNumCpus = 0.5;
          s.entrypointNumGpus = 1;
          s.entrypointResources = '{"custom": 1}';
          s.submitterConfig = { backoffLimit: 5 };
          s.entrypoint = '  python train.py --lr 0.1  ';
        })
        .obj(),
    );
    await toRunning(h);
    const sub = h.submitter('j')!;
    expect(sub.spec.backoffLimit).toBe(5);
    const args = sub.spec.template.spec.containers[0]!.args![0]!;
    expect(args).toContain(
      ' --no-wait --runtime-env-json "{\\"env_vars\\":{\\"A\\":\\"\\\\u003cx \\\\u0026 y\\\\u003e\\"},\\"pip\\":[\\"requests==2.31\\"]}"' +
        ' --metadata-json "{\\"owner\\":\\"ada\\",\\"team\\":\\"ml\\"}" --submission-id fixed' +
        ' --entrypoint-num-cpus 0.500000 --entrypoint-num-gpus 1.000000 --entrypoint-resources "{\\"custom\\": 1}"' +
        ' -- python train.py --lr 0.1 ; fi ;',
    );
  });

  it("keeps the command of the user's submitterPodTemplate and appends the environment", async () => {
    const h = harness();
    await h.create(
      job()
        .submitterPodTemplate({
          metadata: { labels: { app: 'sub' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'mine', image: 'me/submitter:1', command: ['ray', 'job', 'submit'], env: [{ name: 'X', value: '1' }] }] },
        })
        .obj(),
    );
    await toRunning(h);
    const pod = h.submitter('j')!.spec.template;
    const ctr = pod.spec.containers[0]!;
    expect(ctr.command).toEqual(['ray', 'job', 'submit']);
    expect(ctr.args).toBeUndefined();
    expect(ctr.env!.map((e) => e.name)).toEqual(['X', 'PYTHONUNBUFFERED', 'RAY_DASHBOARD_ADDRESS', 'RAY_JOB_SUBMISSION_ID']);
    expect(pod.metadata?.labels).toMatchObject({ app: 'sub', 'ray.io/originated-from-cr-name': 'j' });
  });

  it('with volcano, the submitter pod joins the RayJob PodGroup as the submitter group', async () => {
    const h = harness({ batchScheduler: 'volcano' });
    await h.create(job().volcanoQueue('vq').obj());
    await toRunning(h);
    const pod = h.submitter('j')!.spec.template;
    expect(pod.spec.schedulerName).toBe('volcano');
    expect(pod.metadata?.annotations).toEqual({ 'scheduling.k8s.io/group-name': 'ray-j-pg', 'volcano.sh/task-spec': 'submittergroup' });
    expect(pod.metadata?.labels?.['volcano.sh/queue-name']).toBe('vq');
  });

  it('a submitter that cannot be built (metadata on Ray < 2.6) is a Warning, and the RayJob waits', async () => {
    const h = harness();
    await h.create(job().rayVersion('2.5.0').editSpec((s) => (s.metadata = { a: 'b' })).obj());
    await h.reconcile('j');
    await h.reconcile('j');
    await h.markClusterReady(status(h).rayClusterName!);
    expect(await h.reconcile('j')).toMatchObject({ requeueAfterMs: 3000 });
    expect(dep(h)).toBe('Initializing');
    expect(h.recorder.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'FailedToCreateRayJobSubmitter' });
    expect(h.recorder.events.at(-1)!.message).toContain('the Ray version must be at least 2.6.0 to use the metadata field');
  });
});

describe('HTTPMode', () => {
  it('creates no submitter and submits through the dashboard once, from Running', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').runtimeEnv('pip: [torch]\n').editSpec((s) => (s.entrypointNumGpus = 1)).obj());
    await toRunning(h);
    expect(dep(h)).toBe('Running');
    expect(h.submitter('j')).toBeUndefined();
    const d = h.dashboardOf('j');
    const id = status(h).jobId!;
    await h.reconcile('j'); // not found -> submit
    expect(h.dashboards.requests.at(-1)?.url).toBe(`http://${status(h).rayClusterName}-head-svc.default.svc.cluster.local:8265`);
    expect(d.callsTo('submitJob')).toEqual([[{ entrypoint: 'python train.py', submission_id: id, runtime_env: { pip: ['torch'] }, entrypoint_num_gpus: 1 }]]);
    await h.reconcile('j'); // found: PENDING
    await h.reconcile('j');
    expect(d.callsTo('submitJob')).toHaveLength(1);
    expect(status(h).jobStatus).toBe('PENDING');
  });

  it('is idempotent: a submission id the dashboard already knows is not an error', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    const d = h.dashboardOf('j');
    const id = status(h).jobId!;
    // Submitted already (by an earlier operator whose status write was lost), yet the dashboard
    // answers "not found" once, so the controller submits the same id again.
    await submitAsSubmitter(h);
    const getJobInfo = d.getJobInfo.bind(d);
    let first = true;
    d.getJobInfo = async (sid: string) => {
      if (!first) return getJobInfo(sid);
      first = false;
      return undefined;
    };
    const rv = h.job('j').metadata.resourceVersion;
    expect(await h.reconcile('j')).toMatchObject({ requeueAfterMs: 3000 });
    expect(d.callsTo('submitJob')).toEqual([[{ entrypoint: 'python train.py', submission_id: id }], [{ entrypoint: 'python train.py', submission_id: id }]]);
    // Not an error: no failure clock, no status write, one job on the dashboard.
    expect(h.job('j').metadata.resourceVersion).toBe(rv);
    expect(status(h).jobStatusCheckFailureStartTime).toBeUndefined();
    expect(d.jobIds()).toEqual([id]);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Running', jobStatus: 'PENDING' });
  });

  it('a failed submission starts the status-check failure clock', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    h.dashboardOf('j').failNextSubmit(new DashboardError('boom', 'http', 500));
    await h.reconcile('j');
    expect(status(h).jobStatusCheckFailureStartTime).toBe(rfc3339(h.sim.now()));
    await h.reconcile('j'); // submits again, succeeds
    expect(status(h).jobStatusCheckFailureStartTime).toBeUndefined();
  });
});

describe('InteractiveMode (Waiting)', () => {
  it('waits for spec.jobId, then runs that job', async () => {
    const h = harness();
    await h.create(job().mode('InteractiveMode').obj());
    await toRunning(h);
    expect(dep(h)).toBe('Waiting');
    expect(h.submitter('j')).toBeUndefined();
    const rv = h.job('j').metadata.resourceVersion;
    // Waiting polls for spec.jobId (a watched change) and the pre-running deadline (none set).
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 3000, poll: { source: `ray-dashboard/${NS}/${status(h).rayClusterName}` } });
    expect(h.job('j').metadata.resourceVersion).toBe(rv);
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { jobId: 'raysubmit_abc' } }, 'merge');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Running', jobId: 'raysubmit_abc' });
    await h.dashboardOf('j').submitJob({ entrypoint: 'python x.py', submission_id: 'raysubmit_abc' });
    h.dashboardOf('j').scriptJob('raysubmit_abc', ['RUNNING']);
    await h.reconcile('j');
    expect(status(h).jobStatus).toBe('RUNNING');
  });

  it('direct call: reconcileWaiting without spec.jobId requeues without a status change', async () => {
    const h = harness();
    await h.create(job().mode('InteractiveMode').status({ jobDeploymentStatus: 'Waiting', startTime: rfc3339(T0) }).obj());
    const step = h.step('j');
    expect(await reconcileWaiting(step)).toEqual({ kind: 'return', result: { requeueAfterMs: 3000 } });
    expect(step.job.status).toEqual(h.job('j').status);
  });
});

// ---------------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------------

describe('deadlines', () => {
  const active = 'The RayJob has passed the activeDeadlineSeconds. StartTime: 2026-01-01 00:00:00 +0000 UTC. ActiveDeadlineSeconds: 10';
  const preRunning = 'The RayJob has passed the preRunningDeadlineSeconds. StartTime: 2026-01-01 00:00:00 +0000 UTC. PreRunningDeadlineSeconds: 10';
  it.each([
    { name: 'activeDeadlineSeconds while Initializing', b: () => job().activeDeadline(10), stage: 'Initializing', reason: 'DeadlineExceeded', message: active, after: 'Failed' },
    { name: 'preRunningDeadlineSeconds while Initializing', b: () => job().preRunningDeadline(10), stage: 'Initializing', reason: 'PreRunningDeadlineExceeded', message: preRunning, after: 'Retrying' },
    { name: 'preRunningDeadlineSeconds while Waiting', b: () => job().mode('InteractiveMode').preRunningDeadline(10), stage: 'Waiting', reason: 'PreRunningDeadlineExceeded', message: preRunning, after: 'Failed' },
    { name: 'activeDeadlineSeconds while Running', b: () => job().mode('HTTPMode').activeDeadline(10), stage: 'Running', reason: 'DeadlineExceeded', message: active, after: 'Failed' },
  ])('$name -> Failed $reason, exactly at the deadline and not before', async ({ b, stage, reason, message, after }) => {
    const h = harness();
    // backoffLimit 2 (InteractiveMode allows none): DeadlineExceeded is never retried; KubeRay does retry PreRunningDeadlineExceeded.
    const builder = b();
    await h.create((stage === 'Waiting' ? builder : builder.backoffLimit(2)).obj());
    await h.reconcile('j'); // startTime = T0
    if (stage !== 'Initializing') {
      await h.reconcile('j');
      await h.markClusterReady(status(h).rayClusterName!);
      await h.reconcile('j');
    }
    expect(dep(h)).toBe(stage);
    await h.advance(9_999);
    await h.reconcile('j');
    expect(dep(h)).toBe(stage);
    await h.advance(1);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: after, reason, message, failed: 1 });
  });

  it('preRunningDeadlineSeconds no longer applies once Running', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').preRunningDeadline(5).obj());
    await toRunning(h);
    await h.advance(60_000);
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
  });
});

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

describe('Running', () => {
  it('mirrors the Ray job status, message and times, and the RayCluster status', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    const d = h.dashboardOf('j');
    d.scriptJob(status(h).jobId!, ['PENDING', { status: 'RUNNING', message: 'training epoch 1' }]);
    await h.reconcile('j'); // submit
    await h.advance(3000);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobStatus: 'PENDING', jobDeploymentStatus: 'Running', rayClusterStatus: { state: 'ready' } });
    expect(status(h).rayJobInfo?.startTime).toBe(rfc3339(T0));
    await h.advance(3000);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobStatus: 'RUNNING', message: 'training epoch 1' });
    expect(status(h).reason).toBeUndefined();
  });

  it.each([
    { ray: 'SUCCEEDED', deployment: 'Complete', reason: undefined, succeeded: 1, failed: 0 },
    { ray: 'STOPPED', deployment: 'Complete', reason: undefined, succeeded: 0, failed: 0 },
    { ray: 'FAILED', deployment: 'Failed', reason: 'AppFailed', succeeded: 0, failed: 1 },
  ] as const)('HTTPMode: $ray -> $deployment', async ({ ray, deployment, reason, succeeded, failed }) => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['RUNNING', ray]);
    await h.reconcile('j'); // submit
    await h.reconcile('j'); // RUNNING
    await h.advance(3000);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobStatus: ray, jobDeploymentStatus: deployment, succeeded, failed, endTime: rfc3339(T0 + 3000) });
    expect(status(h).reason).toBe(reason);
    expect(status(h).rayJobInfo?.endTime).toBe(rfc3339(T0 + 3000));
  });

  it.each([
    { ray: 'SUCCEEDED', deployment: 'Complete' },
    { ray: 'STOPPED', deployment: 'Complete' },
    { ray: 'FAILED', deployment: 'Failed' },
  ] as const)('K8sJobMode: $ray ends the RayJob ($deployment) only once the submitter finished', async ({ ray, deployment }) => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await submitAsSubmitter(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, [ray]);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobStatus: ray, jobDeploymentStatus: 'Running' });
    await h.finishSubmitter('j', 'Complete');
    await h.reconcile('j');
    expect(dep(h)).toBe(deployment);
  });

  it('K8sJobMode: the submitter Job failing -> Failed SubmissionFailed', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await h.finishSubmitter('j', 'Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({
      jobDeploymentStatus: 'Failed',
      reason: 'SubmissionFailed',
      message: 'Job submission has failed. Reason: BackoffLimitExceeded. Message: Job has reached the specified backoff limit',
    });
    // It did not even ask the dashboard.
    expect(h.dashboardOf('j').callsTo('getJobInfo')).toEqual([]);
  });

  it('K8sJobMode: the submitter failing after the Ray job FAILED is AppFailed', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await submitAsSubmitter(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['FAILED']);
    await h.reconcile('j');
    await h.finishSubmitter('j', 'Failed');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Failed', reason: 'AppFailed' });
  });

  it('K8sJobMode: a submitter that completed without the Ray job existing -> Failed AppFailed', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await h.finishSubmitter('j', 'Complete');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Failed', reason: 'AppFailed', message: 'Submitter completed but Ray job not found in RayCluster.' });
  });

  it('K8sJobMode: a submitter done for 30 s while the Ray job still runs -> Failed (grace period exceeded)', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await submitAsSubmitter(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['RUNNING']);
    await h.finishSubmitter('j', 'Complete');
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
    await h.advance(30_000);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({
      jobStatus: 'FAILED',
      jobDeploymentStatus: 'Failed',
      reason: 'JobDeploymentStatusTransitionGracePeriodExceeded',
      message: 'The RayJob submitter finished at 2026-01-01 00:00:00 but the ray job did not reach terminal state within 30s',
    });
  });

  it('a terminal Ray job whose submitter never finishes ends after the 300 s grace period', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await submitAsSubmitter(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['SUCCEEDED']);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobStatus: 'SUCCEEDED', jobDeploymentStatus: 'Running' });
    await h.advance(299_000);
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
    await h.advance(1_000);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Complete', reason: 'JobDeploymentStatusTransitionGracePeriodExceeded' });
  });

  it('an unreachable dashboard fails the RayJob after 300 s of failed checks (JobStatusCheckTimeoutExceeded), without retry', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').backoffLimit(3).obj());
    await toRunning(h);
    h.dashboardOf('j').unreachable();
    await h.advance(5_000);
    await h.reconcile('j');
    const since = h.sim.now();
    expect(status(h).jobStatusCheckFailureStartTime).toBe(rfc3339(since));
    // Later failures keep the first time.
    await h.advance(150_000);
    await h.reconcile('j');
    expect(status(h).jobStatusCheckFailureStartTime).toBe(rfc3339(since));
    await h.advance(149_999);
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
    await h.advance(1);
    await h.reconcile('j');
    expect(status(h)).toMatchObject({
      jobDeploymentStatus: 'Failed',
      reason: 'JobStatusCheckTimeoutExceeded',
      message: 'Job status checks have been failing since 2026-01-01 00:00:05; exceeded timeout of 300s',
      failed: 1,
    });
  });

  it('a successful check clears the failure clock', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    await h.reconcile('j'); // submit
    const d = h.dashboardOf('j');
    d.unreachable();
    await h.reconcile('j');
    expect(status(h).jobStatusCheckFailureStartTime).toBeDefined();
    d.unreachable(false);
    await h.advance(299_000);
    await h.reconcile('j');
    expect(status(h).jobStatusCheckFailureStartTime).toBeUndefined();
    await h.advance(10_000);
    await h.reconcile('j');
    expect(dep(h)).toBe('Running');
  });

  it('re-creates a RayCluster that disappeared while Running (as KubeRay does)', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    const name = status(h).rayClusterName!;
    await h.client.delete(RAY_CLUSTER, name, NS);
    await h.sim.settle();
    await h.reconcile('j');
    expect(h.cluster(name)).toBeDefined();
    expect(h.reasons().filter((r) => r === 'CreatedRayCluster')).toHaveLength(2);
  });

  it('direct call: a status poll that changes nothing leaves the status as read', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    await h.reconcile('j');
    await h.reconcile('j'); // PENDING
    const rv = h.job('j').metadata.resourceVersion;
    const step = h.step('j');
    expect(await reconcileRunning(step)).toBe(UPDATE_STATUS);
    expect(statusNeedsWrite(step.original.status, step.job.status)).toBe(false);
    await h.reconcile('j');
    expect(h.job('j').metadata.resourceVersion).toBe(rv);
  });

  it('SidecarMode: the head pod carries the submitter; no head pod -> Failed AppFailed', async () => {
    const h = harness();
    await h.create(job().mode('SidecarMode').obj());
    await toRunning(h);
    const c = h.clusterOf('j')!;
    const head = c.spec.headGroupSpec.template.spec;
    expect(head.restartPolicy).toBe('Never');
    expect(head.containers.map((x) => x.name)).toEqual(['ray-head', 'ray-job-submitter']);
    expect(head.containers[1]!.args![0]).toContain(`ray job submit --address http://127.0.0.1:8265 --submission-id ${status(h).jobId} -- python train.py ;`);
    expect(c.metadata.annotations).toEqual({ 'ray.io/disable-provisioned-head-restart': 'true' });
    expect(h.submitter('j')).toBeUndefined();
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Failed', reason: 'AppFailed', message: 'Ray head pod not found.' });
  });
});

// ---------------------------------------------------------------------------------------------
// Suspend and resume
// ---------------------------------------------------------------------------------------------

describe('suspend and resume', () => {
  it('suspend while Initializing: the RayCluster is deleted, then Suspended with the attempt forgotten', async () => {
    const h = harness();
    await h.create(job().obj());
    await h.reconcile('j');
    await h.reconcile('j');
    const cluster = status(h).rayClusterName!;
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { suspend: true } }, 'merge');
    await h.reconcile('j');
    expect(dep(h)).toBe('Suspending');
    await h.reconcile('j'); // deletes
    expect(h.cluster(cluster)).toBeUndefined();
    expect(dep(h)).toBe('Suspending');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Suspended', jobStatus: '', startTime: rfc3339(T0) });
    for (const k of ['rayClusterName', 'jobId', 'dashboardURL', 'rayClusterStatus', 'message', 'reason']) expect(status(h)).not.toHaveProperty(k);
    expect(h.reasons()).toEqual(['CreatedRayCluster', 'DeletedRayCluster']);
  });

  it('suspend while Running: cluster and submitter deleted, waiting until they are gone', async () => {
    const h = harness();
    await h.create(job().obj());
    await toRunning(h);
    await submitAsSubmitter(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['RUNNING']);
    await h.reconcile('j');
    const cluster = status(h).rayClusterName!;
    // Something holds the cluster: Suspending must wait for it.
    await h.client.patch(RAY_CLUSTER, cluster, NS, { metadata: { finalizers: ['test/hold'] } }, 'merge');
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { suspend: true } }, 'merge');
    await h.reconcile('j');
    expect(dep(h)).toBe('Suspending');
    await h.reconcile('j');
    expect(h.cluster(cluster)?.metadata.deletionTimestamp).toBeDefined();
    expect(h.submitter('j')).toBeUndefined();
    expect(h.reasons().slice(-2)).toEqual(['DeletedRayCluster', 'DeletedRayJobSubmitter']);
    // Resuming now changes nothing: suspending is atomic.
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { suspend: false } }, 'merge');
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 3000 });
    expect(dep(h)).toBe('Suspending');
    await h.client.patch(RAY_CLUSTER, cluster, NS, { metadata: { finalizers: null } }, 'merge');
    await h.sim.settle();
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Suspended', jobStatus: '' });
    expect(status(h).rayJobInfo).toBeUndefined();
    // ... and as suspend is false already, the next reconcile resumes.
    await h.reconcile('j');
    expect(dep(h)).toBe('');
  });

  it('resume: Suspended with suspend=false -> New -> Initializing with fresh names and a new startTime', async () => {
    const h = harness();
    await h.create(job().suspend().obj());
    const names: string[] = [];
    await h.reconcile('j');
    names.push(status(h).rayClusterName!, status(h).jobId!);
    await h.reconcile('j');
    await h.reconcile('j');
    expect(dep(h)).toBe('Suspended');
    await h.advance(60_000);
    await h.client.patch(RAY_JOB, 'j', NS, { spec: { suspend: false } }, 'merge');
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: '', jobStatus: '' });
    await h.reconcile('j');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Initializing', startTime: rfc3339(T0 + 60_000) });
    expect(status(h).rayClusterName).not.toBe(names[0]);
    expect(status(h).jobId).not.toBe(names[1]);
  });

  it('direct call: reconcileSuspended stays put while suspend is set', async () => {
    const h = harness();
    await h.create(job().suspend().status({ jobDeploymentStatus: 'Suspended' }).obj());
    expect(await reconcileSuspended(h.step('j'))).toEqual({ kind: 'return', result: {} });
  });
});

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

/** One K8sJobMode attempt that ends with the Ray job in `outcome`. */
async function attempt(h: Harness, outcome: 'FAILED' | 'SUCCEEDED'): Promise<{ cluster: string; jobId: string }> {
  await h.reconcileUntil('j', 'Initializing');
  const s = status(h);
  const ids = { cluster: s.rayClusterName!, jobId: s.jobId! };
  await h.reconcile('j');
  await h.markClusterReady(ids.cluster);
  await h.reconcile('j');
  expect(dep(h)).toBe('Running');
  await submitAsSubmitter(h);
  h.dashboardOf('j').scriptJob(ids.jobId, [outcome]);
  await h.finishSubmitter('j', 'Complete');
  await h.reconcile('j');
  return ids;
}

describe('retries', () => {
  it('backoffLimit 2: three attempts, each with a new cluster and job id, counting every failure', async () => {
    const h = harness();
    await h.create(job().backoffLimit(2).obj());
    const seen: { cluster: string; jobId: string }[] = [];
    for (let i = 1; i <= 3; i++) {
      seen.push(await attempt(h, 'FAILED'));
      expect(status(h).failed).toBe(i);
      if (i < 3) {
        expect(dep(h)).toBe('Retrying');
        expect(status(h).reason).toBe('AppFailed');
        await h.reconcile('j'); // deletes cluster and submitter
        expect(h.cluster(seen[i - 1]!.cluster)).toBeUndefined();
        expect(h.submitter('j')).toBeUndefined();
        await h.reconcile('j'); // gone -> New
        expect(status(h)).toMatchObject({ jobDeploymentStatus: '', jobStatus: '', failed: i });
        expect(status(h).jobId).toBeUndefined();
      }
    }
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Failed', reason: 'AppFailed', failed: 3, succeeded: 0 });
    expect(new Set(seen.map((x) => x.cluster)).size).toBe(3);
    expect(new Set(seen.map((x) => x.jobId)).size).toBe(3);
    // Failed and out of attempts: terminal, the last cluster is deleted by shutdownAfterJobFinishes.
    expect(await h.reconcile('j')).toEqual({});
    expect(h.cluster(seen[2]!.cluster)).toBeUndefined();
  });

  it('a success after a failure counts both', async () => {
    const h = harness();
    await h.create(job().backoffLimit(1).obj());
    await attempt(h, 'FAILED');
    expect(dep(h)).toBe('Retrying');
    await h.reconcileUntil('j', '');
    await attempt(h, 'SUCCEEDED');
    expect(status(h)).toMatchObject({ jobDeploymentStatus: 'Complete', failed: 1, succeeded: 1 });
  });

  it('retry eligibility by reason: never after DeadlineExceeded or JobStatusCheckTimeoutExceeded (KubeRay does retry PreRunningDeadlineExceeded)', () => {
    for (const reason of ['DeadlineExceeded', 'JobStatusCheckTimeoutExceeded', 'AppFailed', 'PreRunningDeadlineExceeded'] as const) {
      const j = job().backoffLimit(2).status({ jobDeploymentStatus: 'Failed', reason, failed: 0 }).obj();
      applyBackoffLimit(j);
      const retry = reason === 'AppFailed' || reason === 'PreRunningDeadlineExceeded';
      expect({ reason, status: j.status!.jobDeploymentStatus, failed: j.status!.failed }).toEqual({ reason, status: retry ? 'Retrying' : 'Failed', failed: 1 });
    }
  });

  it('backoffLimit 0 (the default): the first failure is final', () => {
    const j = job().status({ jobDeploymentStatus: 'Failed', reason: 'AppFailed' }).obj();
    applyBackoffLimit(j);
    expect(j.status).toMatchObject({ jobDeploymentStatus: 'Failed', failed: 1, succeeded: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// After the job
// ---------------------------------------------------------------------------------------------

/** HTTPMode RayJob driven to Complete (SUCCEEDED) or Failed (FAILED) at T0 + 3 s. */
async function finish(h: Harness, b: RayJobBuilder, outcome: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED'): Promise<string> {
  await h.create(b.mode('HTTPMode').obj());
  await toRunning(h);
  h.dashboardOf('j').scriptJob(status(h).jobId!, [outcome]);
  await h.reconcile('j'); // submit
  await h.advance(3000);
  await h.reconcile('j');
  expect(dep(h)).toBe(outcome === 'SUCCEEDED' ? 'Complete' : 'Failed');
  expect(status(h).endTime).toBe(rfc3339(T0 + 3000));
  return status(h).rayClusterName!;
}

describe('shutdownAfterJobFinishes', () => {
  it('deletes the RayCluster ttlSecondsAfterFinished after endTime, not before, and keeps the submitter', async () => {
    const h = harness();
    const cluster = await finish(h, job().ttl(60));
    // Requeued for exactly the moment of deletion.
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 60_000 });
    await h.advance(59_999);
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 1 });
    expect(h.cluster(cluster)).toBeDefined();
    await h.advance(1);
    expect(await h.reconcile('j')).toEqual({});
    expect(h.cluster(cluster)).toBeUndefined();
    expect(h.reasons().at(-1)).toBe('DeletedRayCluster');
    expect(dep(h)).toBe('Complete');
  });

  it('without shutdownAfterJobFinishes the RayCluster stays', async () => {
    const h = harness();
    const cluster = await finish(h, job().shutdownAfterJobFinishes(false));
    expect(await h.reconcile('j')).toEqual({});
    expect(h.cluster(cluster)).toBeDefined();
  });

  it('deleteRayJobAfterJobFinishes deletes the RayJob instead (its finalizer then goes)', async () => {
    const h = harness({ deleteRayJobAfterJobFinishes: true });
    await finish(h, job());
    await h.reconcile('j');
    expect(h.job('j').metadata.deletionTimestamp).toBeDefined();
    await h.reconcile('j');
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
  });

  it('clusterSelector: the selected cluster is never deleted', async () => {
    const h = harness();
    await h.client.create(makeRayCluster('shared').obj());
    await h.markClusterReady('shared');
    await h.create(job().clusterSelector('shared').mode('HTTPMode').obj());
    await h.reconcile('j');
    await h.reconcile('j');
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['SUCCEEDED']);
    await h.reconcile('j');
    await h.reconcile('j');
    expect(dep(h)).toBe('Complete');
    expect(await h.reconcile('j')).toEqual({});
    await h.advance(3600_000);
    await h.reconcile('j');
    expect(h.cluster('shared')).toBeDefined();
    expect(h.reasons()).not.toContain('DeletedRayCluster');
  });
});

describe('deletion rules', () => {
  const rule = (policy: 'DeleteCluster' | 'DeleteWorkers' | 'DeleteSelf' | 'DeleteNone', jobStatus: 'SUCCEEDED' | 'FAILED', ttlSeconds = 0) => ({
    policy,
    condition: { jobStatus, ttlSeconds },
  });
  const rules = (...r: ReturnType<typeof rule>[]) => job().shutdownAfterJobFinishes(false).deletionRules(...r);

  it('DeleteCluster after its TTL', async () => {
    const h = harness();
    const cluster = await finish(h, rules(rule('DeleteCluster', 'SUCCEEDED', 10)));
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 10_000 });
    expect(h.cluster(cluster)).toBeDefined();
    await h.advance(10_000);
    expect(await h.reconcile('j')).toEqual({});
    expect(h.cluster(cluster)).toBeUndefined();
  });

  it('DeleteWorkers suspends every worker group of the kept cluster, once', async () => {
    const h = harness();
    const cluster = await finish(h, rules(rule('DeleteWorkers', 'SUCCEEDED')).workers('cpu', 1));
    await h.reconcile('j');
    const c = h.cluster(cluster)!;
    expect(c.spec.workerGroupSpecs!.map((g) => [g.groupName, g.suspend])).toEqual([
      ['gpu', true],
      ['cpu', true],
    ]);
    expect(h.reasons().at(-1)).toBe('UpdatedRayCluster');
    const rv = c.metadata.resourceVersion;
    await h.reconcile('j');
    expect(h.cluster(cluster)!.metadata.resourceVersion).toBe(rv);
    expect(h.reasons().filter((r) => r === 'UpdatedRayCluster')).toHaveLength(1);
  });

  it('DeleteSelf deletes the RayJob', async () => {
    const h = harness();
    await finish(h, rules(rule('DeleteSelf', 'SUCCEEDED')));
    await h.reconcile('j');
    await h.reconcile('j'); // finalizer
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
  });

  it('DeleteNone and non-matching rules do nothing', async () => {
    const h = harness();
    const cluster = await finish(h, rules(rule('DeleteNone', 'SUCCEEDED'), rule('DeleteCluster', 'FAILED')));
    expect(await h.reconcile('j')).toEqual({});
    expect(h.cluster(cluster)).toBeDefined();
  });

  it('a FAILED rule applies to a failed job', async () => {
    const h = harness();
    const cluster = await finish(h, rules(rule('DeleteCluster', 'FAILED'), rule('DeleteNone', 'SUCCEEDED')), 'FAILED');
    await h.reconcile('j');
    expect(h.cluster(cluster)).toBeUndefined();
  });

  it('staged rules: workers at 0 s, the cluster at 30 s, the RayJob at 60 s, each applied once', async () => {
    const h = harness();
    const cluster = await finish(h, rules(rule('DeleteWorkers', 'SUCCEEDED'), rule('DeleteCluster', 'SUCCEEDED', 30), rule('DeleteSelf', 'SUCCEEDED', 60)));
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 30_000 });
    expect(h.cluster(cluster)!.spec.workerGroupSpecs![0]!.suspend).toBe(true);
    await h.advance(30_000);
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 30_000 });
    expect(h.cluster(cluster)).toBeUndefined();
    await h.advance(30_000);
    expect(await h.reconcile('j')).toEqual({});
    expect(h.job('j').metadata.deletionTimestamp).toBeDefined();
    expect(h.reasons().filter((r) => r.startsWith('Updated') || r.startsWith('Deleted'))).toEqual(['UpdatedRayCluster', 'DeletedRayCluster']);
  });

  it('several overdue rules: the most destructive one runs', () => {
    const j = rules(rule('DeleteWorkers', 'SUCCEEDED'), rule('DeleteCluster', 'SUCCEEDED'), rule('DeleteNone', 'SUCCEEDED'))
      .status({ jobStatus: 'SUCCEEDED', jobDeploymentStatus: 'Complete', endTime: rfc3339(T0) })
      .obj();
    const c = makeRayCluster('c').workers('w', 1).obj();
    expect(planDeletionRules(j, c, T0)).toEqual({ execute: rule('DeleteCluster', 'SUCCEEDED') });
    expect(planDeletionRules(j, undefined, T0)).toEqual({});
  });

  it('legacy onSuccess/onFailure policies apply after ttlSecondsAfterFinished', async () => {
    const h = harness();
    // The legacy policies take precedence over shutdownAfterJobFinishes (which they require with a TTL).
    const b = job()
      .ttl(5)
      .editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteWorkers' }, onFailure: { policy: 'DeleteCluster' } }));
    const cluster = await finish(h, b);
    expect(await h.reconcile('j')).toEqual({ requeueAfterMs: 5000 });
    await h.advance(5000);
    await h.reconcile('j');
    expect(h.cluster(cluster)!.spec.workerGroupSpecs![0]!.suspend).toBe(true);
    expect(h.reasons()).not.toContain('DeletedRayCluster');
  });

  it('legacy onFailure applies to a failed job', async () => {
    const h = harness();
    const b = job().editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteWorkers' }, onFailure: { policy: 'DeleteCluster' } }));
    const cluster = await finish(h, b, 'FAILED');
    await h.reconcile('j');
    expect(h.cluster(cluster)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Deletion of the RayJob
// ---------------------------------------------------------------------------------------------

describe('deletion', () => {
  it('a running RayJob: stops the Ray job through the dashboard, removes the finalizer; its children are collected', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    h.dashboardOf('j').scriptJob(status(h).jobId!, ['RUNNING']);
    await h.reconcile('j');
    await h.reconcile('j');
    const { jobId, rayClusterName } = status(h);
    expect(status(h).jobStatus).toBe('RUNNING');
    await h.client.delete(RAY_JOB, 'j', NS);
    await h.sim.settle();
    expect(h.job('j').metadata.deletionTimestamp).toBeDefined();
    expect(await h.reconcile('j')).toEqual({});
    const d = h.dashboards.dashboard(NS, rayClusterName!);
    expect(d.callsTo('stopJob')).toEqual([[jobId]]);
    expect(d.job(jobId!)!.status).toBe('STOPPED');
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
    await h.sim.run();
    expect(h.cluster(rayClusterName)).toBeUndefined();
  });

  it('a finished RayJob: no stop call', async () => {
    const h = harness();
    const cluster = await finish(h, job().shutdownAfterJobFinishes(false));
    await h.client.delete(RAY_JOB, 'j', NS);
    await h.reconcile('j');
    expect(h.dashboards.dashboard(NS, cluster).callsTo('stopJob')).toEqual([]);
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
  });

  it('an unreachable dashboard does not keep the finalizer', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    await toRunning(h);
    h.dashboardOf('j').unreachable();
    await h.client.delete(RAY_JOB, 'j', NS);
    await h.reconcile('j');
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
  });

  it('before any cluster exists: nothing to stop, the finalizer goes', async () => {
    const h = harness();
    await h.create(job().obj());
    await h.reconcile('j');
    await h.client.delete(RAY_JOB, 'j', NS);
    await h.reconcile('j');
    expect(h.cache.get(RAY_JOB, 'j', NS)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Odds and ends
// ---------------------------------------------------------------------------------------------

describe('the reconciler', () => {
  it('skips a RayJob managed by MultiKueue', async () => {
    const h = harness();
    await h.create(job().editSpec((s) => (s.managedBy = 'kueue.x-k8s.io/multikueue')).obj());
    expect(await h.reconcile('j')).toEqual({});
    expect(h.job('j').status).toBeUndefined();
  });

  it('a missing RayJob is nothing to do', async () => {
    const h = harness();
    expect(await h.reconcile('nope')).toEqual({});
  });

  it('writes the status at most once per reconcile and only on a state-machine change', async () => {
    const h = harness();
    await h.create(job().mode('HTTPMode').obj());
    const writes: string[] = [];
    h.store.watch(h.store.typeFor(RAY_JOB), { namespace: NS }, { event: (e) => void writes.push(`${e.type} ${(e.object as RayJob).status?.jobDeploymentStatus ?? ''}`), closed: () => {} });
    await toRunning(h); // finalizer, Initializing, nothing (cluster not ready: its status is still empty), Running
    for (let i = 0; i < 3; i++) await h.reconcile('j'); // submit (no change), PENDING, PENDING (no change)
    await h.sim.settle();
    expect(writes).toEqual(['ADDED ', 'MODIFIED ', 'MODIFIED Initializing', 'MODIFIED Running', 'MODIFIED Running']);
  });
});

describe('pure helpers', () => {
  it.each([
    { in: 'plain', out: '"plain"' },
    { in: 'a "q" \\ b', out: '"a \\"q\\" \\\\ b"' },
    { in: 'tab\there\nnl', out: '"tab\\there\\nnl"' },
    { in: '\x01\x7f', out: '"\\x01\\x7f"' },
    { in: 'héllo ✓', out: '"héllo ✓"' },
  ])('goQuote($in)', ({ in: s, out }) => expect(goQuote(s)).toBe(out));

  it('goJsonMarshal sorts keys and escapes HTML like encoding/json', () => {
    expect(goJsonMarshal({ b: [1, 'x'], a: { d: null, c: true }, e: '<&>' })).toBe('{"a":{"c":true,"d":null},"b":[1,"x"],"e":"\\u003c\\u0026\\u003e"}');
  });

  it.each([
    { mode: 'K8sJobMode', ray: 'SUCCEEDED', finished: false, want: { jobDeploymentStatus: 'Running' } },
    { mode: 'K8sJobMode', ray: 'SUCCEEDED', finished: true, want: { jobDeploymentStatus: 'Complete' } },
    { mode: 'HTTPMode', ray: 'STOPPED', finished: false, want: { jobDeploymentStatus: 'Complete' } },
    { mode: 'HTTPMode', ray: 'FAILED', finished: false, want: { jobDeploymentStatus: 'Failed', reason: 'AppFailed' } },
    { mode: 'HTTPMode', ray: 'RUNNING', finished: false, want: { jobDeploymentStatus: 'Running' } },
  ] as const)('verdictForJobStatus $mode $ray finished=$finished', ({ mode, ray, finished, want }) => {
    expect(verdictForJobStatus(job().mode(mode).obj(), ray, finished)).toEqual(want);
  });

  it('statusNeedsWrite ignores message-only and count-only changes', () => {
    const base = { jobStatus: 'RUNNING', jobDeploymentStatus: 'Running', rayClusterStatus: { state: 'ready', lastUpdateTime: 'a' } } as const;
    expect(statusNeedsWrite(base, { ...base, message: 'x', failed: 0 })).toBe(false);
    expect(statusNeedsWrite(base, { ...base, rayClusterStatus: { state: 'ready', lastUpdateTime: 'b' } })).toBe(false);
    expect(statusNeedsWrite(base, { ...base, rayClusterStatus: { state: 'ready', readyWorkerReplicas: 1 } })).toBe(true);
    expect(statusNeedsWrite(base, { ...base, jobStatus: 'SUCCEEDED' })).toBe(true);
    expect(statusNeedsWrite(base, { ...base, jobStatusCheckFailureStartTime: rfc3339(T0) })).toBe(true);
  });
});
