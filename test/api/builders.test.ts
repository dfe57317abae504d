import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { validateRayCluster, validateRayCronJob, validateRayJob, validateRayService } from '../../controller/api/validation.js';
import type { RayCluster, RayCronJob, RayJob, RayService } from '../../controller/api/types.js';
import { processCustomResource } from '../../sim/kube/schema.js';
import { T0_ISO, makeNode, makePod, makeRayCluster, makeRayCronJob, makeRayJob, makeRayService } from '../fixtures/ray-builders.js';
import { crdSchema, type RayKind } from './crd-schemas.js';

function problems(obj: KubeObject): string[] {
  const opts = { strict: true };
  switch (obj.kind) {
    case 'RayCluster':
      return validateRayCluster(obj as RayCluster, opts).map((p) => `${p.field}: ${p.message}`);
    case 'RayJob':
      return validateRayJob(obj as RayJob, opts).map((p) => `${p.field}: ${p.message}`);
    case 'RayService':
      return validateRayService(obj as RayService, opts).map((p) => `${p.field}: ${p.message}`);
    case 'RayCronJob':
      return validateRayCronJob(obj as RayCronJob, opts).map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error(obj.kind);
}

const samples: [name: string, make: () => KubeObject][] = [
  ['RayCluster default', () => makeRayCluster('c').obj()],
  ['RayCluster with head and GPU workers', () => makeRayCluster('c').head({ cpu: 8, gpu: 1 }).workers('gpu', 4, { gpu: 8 }).obj()],
  ['RayCluster autoscaling, multi-host, suspended', () => makeRayCluster('c').autoscaling().workers('tpu', 2, { tpu: 4, numOfHosts: 4, minReplicas: 1, maxReplicas: 8, idleTimeoutSeconds: 30 }).suspend().volcanoQueue('q').obj()],
  ['RayCluster with status', () => makeRayCluster('c').status({ state: 'ready', readyWorkerReplicas: 2, desiredGPU: '16' }).condition('HeadPodReady', 'True', 'HeadPodRunningAndReady').obj()],
  ['RayJob default', () => makeRayJob('j').obj()],
  [
    'RayJob, the brief example',
    () => makeRayJob('j').workers('gpu', 4, { gpu: 8 }).entrypoint('python train.py').shutdownAfterJobFinishes().ttl(60).backoffLimit(2).mode('HTTPMode').suspend().queue('q').obj(),
  ],
  [
    'RayJob with deadlines, rules and runtime env',
    () =>
      makeRayJob('j')
        .activeDeadline(3600)
        .preRunningDeadline(600)
        .jobId('j-1')
        .runtimeEnv('pip: [torch]\n')
        .priorityClass('high')
        .deletionRules({ policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 60 } })
        .submitterPodTemplate({ spec: { restartPolicy: 'Never', containers: [{ name: 'submitter', image: 'rayproject/ray:2.52.0' }] } })
        .obj(),
  ],
  ['RayJob on an existing cluster', () => makeRayJob('j').clusterSelector('shared').mode('InteractiveMode').obj()],
  ['RayJob with status', () => makeRayJob('j').status({ jobDeploymentStatus: 'Running', jobStatus: 'RUNNING', jobId: 'j-abcde', rayClusterName: 'j-fghij', startTime: T0_ISO, failed: 0, succeeded: 0 }).obj()],
  ['RayService default', () => makeRayService('s').obj()],
  ['RayService with workers and options', () => makeRayService('s').workers('cpu', 2, { cpu: 4 }).upgradeStrategy('NewCluster').deletionDelay(30).excludeHeadPodFromServeSvc().servePort().obj()],
  ['RayService with status', () => makeRayService('s').status({ serviceStatus: 'Running', numServeEndpoints: 2, activeServiceStatus: { rayClusterName: 's-abcde', applicationStatuses: { app: { status: 'RUNNING', serveDeploymentStatuses: { Model: { status: 'HEALTHY' } } } } } }).obj()],
  ['RayCronJob default', () => makeRayCronJob('cj').obj()],
  ['RayCronJob with template and zone', () => makeRayCronJob('cj', '0 3 * * MON').timeZone('Europe/Berlin').suspend(false).template(makeRayJob('t').workers('gpu', 1, { gpu: 8 }).shutdownAfterJobFinishes()).lastScheduleTime(T0_ISO).obj()],
];

describe('builders produce valid objects', () => {
  it.each(samples)('%s passes the CRD schema (no pruned fields, no schema errors)', (_n, make) => {
    const obj = make();
    const r = processCustomResource(obj, crdSchema(obj.kind as RayKind), 'Strict');
    expect(r.causes).toEqual([]);
    expect(r.strictErrors).toEqual([]);
  });

  it('the schema check is not vacuous', () => {
    const bad = makeRayCluster('c').workers('gpu', 1).edit((o) => ((o.spec.workerGroupSpecs![0] as unknown as Record<string, unknown>).replicas = 'two')).obj();
    const r = processCustomResource({ ...bad, spec: { ...bad.spec, extra: 1 } }, crdSchema('RayCluster'), 'Strict');
    expect(r.causes.map((c) => c.field)).toEqual(['spec.workerGroupSpecs[0].replicas']);
    expect(r.strictErrors).toEqual(['unknown field "spec.extra"']);
  });

  it.each(samples)('%s passes validation, strict included', (_n, make) => {
    expect(problems(make())).toEqual([]);
  });
});

describe('builders', () => {
  it('return a fresh deep copy from every obj()', () => {
    const b = makeRayJob('j').workers('gpu', 2, { gpu: 8 });
    const a = b.obj();
    a.spec.rayClusterSpec!.workerGroupSpecs![0]!.replicas = 99;
    a.metadata.labels = { changed: 'yes' };
    const c = b.obj();
    expect(c.spec.rayClusterSpec!.workerGroupSpecs![0]!.replicas).toBe(2);
    expect(c.metadata.labels).toBeUndefined();
    expect(makeRayCluster('x').obj()).not.toBe(makeRayCluster('x').obj());
  });

  it('fill in GPU, TPU and CPU resources as requests and limits', () => {
    const c = makeRayCluster('c').head({ cpu: 8, gpu: 1, memory: '32Gi' }).workers('gpu', 4, { gpu: 8 }).obj();
    expect(c.spec.headGroupSpec.template.spec.containers[0]!.resources).toEqual({
      requests: { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 1 },
      limits: { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 1 },
    });
    const g = c.spec.workerGroupSpecs![0]!;
    expect(g).toMatchObject({ groupName: 'gpu', replicas: 4, minReplicas: 0, maxReplicas: 2147483647 });
    expect(g.template.spec.containers[0]!.resources!.limits).toEqual({ cpu: 1, memory: '1Gi', 'nvidia.com/gpu': 8 });
    const replaced = makeRayCluster('c').workers('gpu', 4).workers('gpu', 1).obj();
    expect(replaced.spec.workerGroupSpecs!.map((w) => w.replicas)).toEqual([1]);
  });

  it('set the labels and fields the fluent names promise', () => {
    const j = makeRayJob('j').namespace('team-a').queue('q').clusterSelector('c').obj();
    expect(j.metadata).toMatchObject({ name: 'j', namespace: 'team-a', labels: { 'kueue.x-k8s.io/queue-name': 'q' } });
    expect(j.spec.rayClusterSpec).toBeUndefined();
    expect(j.spec.clusterSelector).toEqual({ 'ray.io/cluster': 'c' });
    const owner = makeRayJob('owner').uid('u-1').obj();
    const c = makeRayCluster('c').ownedBy(owner).obj();
    expect(c.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'owner', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
    const cj = makeRayCronJob('cj').template(makeRayJob('t').entrypoint('python nightly.py')).obj();
    expect(cj.spec.jobTemplate.entrypoint).toBe('python nightly.py');
  });
});

describe('makePod', () => {
  it('builds a Ray worker pod through its phases', () => {
    const b = makePod('c-gpu-worker-abcde').rayNode('c', 'worker', 'gpu').requests({ gpu: 8 });
    const pending = b.obj();
    expect(pending.status).toEqual({ phase: 'Pending' });
    expect(pending.metadata.labels).toEqual({
      'ray.io/cluster': 'c',
      'ray.io/node-type': 'worker',
      'ray.io/group': 'gpu',
      'ray.io/is-ray-node': 'yes',
      'app.kubernetes.io/created-by': 'kuberay-operator',
    });
    const ready = b.node('n1').running().ready().obj();
    expect(ready.spec.nodeName).toBe('n1');
    expect(ready.status!.phase).toBe('Running');
    const conds = Object.fromEntries(ready.status!.conditions!.map((c) => [c.type, c.status]));
    expect(conds).toEqual({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
    expect(ready.status!.containerStatuses![0]!.ready).toBe(true);
    const notReady = b.notReady().obj();
    expect(notReady.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
  });

  it('marks the head pod and terminal phases', () => {
    expect(makePod('h').rayNode('c', 'head').obj().metadata.labels!['ray.io/group']).toBe('headgroup');
    const failed = makePod('p').failed('OOMKilled', 137).obj();
    expect(failed.status!.phase).toBe('Failed');
    expect(failed.status!.reason).toBe('OOMKilled');
    expect(failed.status!.containerStatuses![0]!.state!.terminated!.exitCode).toBe(137);
    expect(makePod('p').succeeded().obj().status!.phase).toBe('Succeeded');
    expect(makePod('p').pending('Unschedulable').obj().status!.conditions).toEqual([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: T0_ISO }]);
    expect(makePod('p').terminating('2026-01-01T00:01:00Z').obj().metadata.deletionTimestamp).toBe('2026-01-01T00:01:00Z');
    expect(makePod('p').at('2026-02-01T00:00:00Z').running().obj().status!.startTime).toBe('2026-02-01T00:00:00Z');
  });
});

describe('makeNode', () => {
  it('builds a GPU node', () => {
    const n = makeNode('n1').allocatable({ cpu: 96, memory: '1Ti', gpu: 8 }).gpuTaint().obj();
    expect(n.status!.allocatable).toEqual({ pods: 110, cpu: 96, memory: '1Ti', 'nvidia.com/gpu': 8 });
    expect(n.spec!.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    expect(n.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    expect(makeNode('n2').notReady().obj().status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
  });
});
