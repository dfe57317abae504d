// Batch schedulers: the registry (explicit list, errors naming the known ones), the default no-op
// scheduler, and the Volcano flavour - PodGroup ray-<name>-pg with minMember/minResources/queue/
// priority, pod decoration, RayJob gangs, cleanup, the RayCluster controller driving it, and the
// Volcano CRDs in controller/deploy/crds/volcano.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../controller/api/core-types.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import { DefaultBatchScheduler } from '../../controller/ray/batchscheduler/batch-scheduler.js';
import { BatchSchedulerRegistry, createBatchScheduler } from '../../controller/ray/batchscheduler/registry.js';
import {
  buildPodGroup,
  decoratePod,
  podGroupNameFor,
  podGroupNeedsUpdate,
  podGroupParams,
  submitterResources,
  VolcanoBatchScheduler,
} from '../../controller/ray/batchscheduler/volcano.js';
import { POD_GROUP, VOLCANO_QUEUE, type PodGroup, type VolcanoQueue } from '../../controller/ray/batchscheduler/volcano-types.js';
import { toResourceList } from '../../controller/ray/common/resources.js';
import { createRng } from '../../sim/core/rng.js';
import { defaultCrdDir, loadCrdDirs } from '../../sim/kube/manifests.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { ObjectStore } from '../../sim/kube/store.js';
import { makePod, makeRayCluster, makeRayJob } from '../fixtures/ray-builders.js';
import { harness, ManualClock } from './raycluster-harness.js';

const VOLCANO_CRDS = fileURLToPath(new URL('../../controller/deploy/crds/volcano/', import.meta.url));
const GANG = () => makeRayCluster('c').uid('uid-c').head({ cpu: 8, gpu: 1 }).workers('gpu', 4, { gpu: 8, cpu: 16, memory: '128Gi' });

/** A store serving ray.io and Volcano kinds (owners must exist, or garbage collection removes their PodGroups). */
function volcanoStore() {
  const store = new ObjectStore({ clock: new ManualClock(), rng: createRng('volcano') });
  loadCrdDirs(store, [defaultCrdDir(), VOLCANO_CRDS]);
  return { store, client: new MemoryKubeClient(store) };
}

describe('registry', () => {
  it('unset or "" is the default scheduler; "volcano" is Volcano', () => {
    expect(createBatchScheduler().name).toBe('default');
    expect(createBatchScheduler('').name).toBe('default');
    expect(createBatchScheduler('volcano')).toBeInstanceOf(VolcanoBatchScheduler);
    expect(new BatchSchedulerRegistry().names()).toEqual(['default', 'volcano']);
  });

  it('an unknown name throws and lists the known ones', () => {
    expect(() => createBatchScheduler('yunikorn')).toThrow('the scheduler is not supported, name=yunikorn (known: default, volcano)');
  });

  it('a duplicate name throws', () => {
    const f = { name: 'volcano', create: () => new VolcanoBatchScheduler() };
    expect(() => new BatchSchedulerRegistry([f, f])).toThrow('batch scheduler "volcano" registered twice (known: volcano)');
  });

  it('the default scheduler does nothing and copies pods unchanged', async () => {
    const d = new DefaultBatchScheduler();
    const pod = makePod('p').obj();
    const out = d.addMetadataToPod(GANG().obj(), 'gpu', pod);
    expect(out).toEqual(pod);
    expect(out).not.toBe(pod);
    expect(d.ownedKinds).toEqual([]);
    expect(await d.cleanupOnCompletion()).toBe(false);
  });
});

describe('Volcano PodGroup', () => {
  it.each([
    ['4 workers x 8 GPUs + head', GANG(), 5, { cpu: '72', memory: '514Gi', 'nvidia.com/gpu': '33' }],
    ['two groups, one suspended', GANG().workers('cpu', 3, { cpu: 2, suspend: true }), 5, { cpu: '72', memory: '514Gi', 'nvidia.com/gpu': '33' }],
    ['numOfHosts multiplies', makeRayCluster('c').workers('tpu', 2, { numOfHosts: 4, tpu: 4, cpu: 1, memory: '1Gi' }), 9, { cpu: '9', memory: '10Gi', 'google.com/tpu': '32' }],
    ['autoscaling: minReplicas * numOfHosts', GANG().autoscaling().workers('gpu', 4, { gpu: 8, minReplicas: 1, numOfHosts: 2, cpu: 1, memory: '1Gi' }), 3, { cpu: '10', memory: '4Gi', 'nvidia.com/gpu': '17' }],
  ])('%s', (_name, b, minMember, resources) => {
    const p = podGroupParams(b.obj().spec);
    expect(p.minMember).toBe(minMember);
    expect(toResourceList(p.minResources)).toEqual(resources);
  });

  it('ray-<cluster>-pg in the cluster namespace, owned by it, queue from volcano.sh/queue-name, annotations copied', () => {
    const c = GANG().volcanoQueue('team-a').annotation('note', 'x').obj();
    const pg = buildPodGroup(c, podGroupParams(c.spec), c.spec);
    expect(pg).toMatchObject({
      apiVersion: 'scheduling.volcano.sh/v1beta1',
      kind: 'PodGroup',
      metadata: { name: 'ray-c-pg', namespace: 'default', annotations: { note: 'x' }, ownerReferences: [{ kind: 'RayCluster', name: 'c', uid: 'uid-c', controller: true }] },
      spec: { minMember: 5, queue: 'team-a', minResources: { cpu: '72', memory: '514Gi', 'nvidia.com/gpu': '33' } },
      status: { phase: 'Pending' },
    });
    expect(pg.spec.priorityClassName).toBeUndefined();
  });

  it('priorityClassName from the ray.io/priority-class-name label, else the head template', () => {
    const byTemplate = GANG().edit((o) => (o.spec.headGroupSpec.template.spec.priorityClassName = 'high')).obj();
    expect(buildPodGroup(byTemplate, podGroupParams(byTemplate.spec), byTemplate.spec).spec.priorityClassName).toBe('high');
    const byLabel = GANG().label('ray.io/priority-class-name', 'urgent').edit((o) => (o.spec.headGroupSpec.template.spec.priorityClassName = 'high')).obj();
    expect(buildPodGroup(byLabel, podGroupParams(byLabel.spec), byLabel.spec).spec.priorityClassName).toBe('urgent');
  });

  it('network topology labels', () => {
    const c = GANG().label('volcano.sh/network-topology-mode', 'soft').label('volcano.sh/network-topology-highest-tier-allowed', '2').obj();
    expect(buildPodGroup(c, podGroupParams(c.spec)).spec.networkTopology).toEqual({ mode: 'soft', highestTierAllowed: 2 });
  });

  it('needs an update when the size or the resources change, not for another spelling of the same quantity', () => {
    const c = GANG().obj();
    const pg = buildPodGroup(c, podGroupParams(c.spec));
    expect(podGroupNeedsUpdate(pg, podGroupParams(c.spec))).toBe(false);
    expect(podGroupNeedsUpdate({ ...pg, spec: { ...pg.spec, minResources: { ...pg.spec.minResources, cpu: '72000m' } } }, podGroupParams(c.spec))).toBe(false);
    expect(podGroupNeedsUpdate(pg, podGroupParams(GANG().workers('gpu', 5, { gpu: 8 }).obj().spec))).toBe(true);
  });

  it('pods get schedulerName volcano, the group annotations and the queue label; the input is untouched', () => {
    const c = GANG().volcanoQueue('team-a').label('ray.io/priority-class-name', 'urgent').obj();
    const pod = makePod('p').rayNode('c', 'worker', 'gpu').obj();
    const before = structuredClone(pod);
    const out = decoratePod(c, 'gpu', pod);
    expect(pod).toEqual(before);
    expect(out.spec.schedulerName).toBe('volcano');
    expect(out.metadata.annotations).toEqual({ 'scheduling.k8s.io/group-name': 'ray-c-pg', 'volcano.sh/task-spec': 'gpu' });
    expect(out.metadata.labels).toMatchObject({ 'volcano.sh/queue-name': 'team-a', 'ray.io/priority-class-name': 'urgent', 'ray.io/group': 'gpu' });
  });
});

describe('Volcano and RayJobs', () => {
  it("a RayJob's cluster belongs to the RayJob's PodGroup and creates none itself", async () => {
    const { store, client } = volcanoStore();
    const c = GANG().label('ray.io/originated-from-crd', 'RayJob').label('ray.io/originated-from-cr-name', 'train').obj();
    expect(podGroupNameFor(c)).toBe('ray-train-pg');
    await new VolcanoBatchScheduler().doBatchSchedulingOnSubmission({ client, log: silentLogger }, c);
    expect(store.list(store.typeFor(POD_GROUP)).items).toEqual([]);
  });

  it("a RayJob's gang adds its submitter pod (K8sJobMode: 500m CPU, 200Mi)", async () => {
    const { client } = volcanoStore();
    const job = await client.create(makeRayJob('train').workers('gpu', 2, { gpu: 8 }).volcanoQueue('q').obj());
    expect(toResourceList(submitterResources(job))).toEqual({ cpu: '500m', memory: '200Mi' });
    expect(submitterResources({ ...job, spec: { ...job.spec, submissionMode: 'HTTPMode' } })).toEqual({});
    await new VolcanoBatchScheduler().doBatchSchedulingOnSubmission({ client, log: silentLogger }, job);
    const pg = await client.get<PodGroup>(POD_GROUP, 'ray-train-pg', 'default');
    expect(pg.spec).toMatchObject({ minMember: 3, queue: 'q', minResources: { cpu: '3500m', memory: '4296Mi', 'nvidia.com/gpu': '16' } });
    expect(pg.metadata.ownerReferences![0]).toMatchObject({ kind: 'RayJob', name: 'train' });
  });

  it('a RayJob referencing an existing cluster cannot be gang scheduled', async () => {
    const { client } = volcanoStore();
    await expect(new VolcanoBatchScheduler().doBatchSchedulingOnSubmission({ client, log: silentLogger }, makeRayJob('j').clusterSelector('c').obj())).rejects.toThrow(/referencing an existing RayCluster/);
  });

  it('cleanupOnCompletion shrinks the PodGroup of a finished job whose cluster is gone', async () => {
    const { client } = volcanoStore();
    const job = { ...(await client.create(makeRayJob('train').workers('gpu', 2, { gpu: 8 }).obj())), status: { rayClusterName: 'train-abcde' } };
    const v = new VolcanoBatchScheduler();
    await v.doBatchSchedulingOnSubmission({ client, log: silentLogger }, job);
    expect(await v.cleanupOnCompletion({ client, log: silentLogger }, job)).toBe(true);
    expect((await client.get<PodGroup>(POD_GROUP, 'ray-train-pg', 'default')).spec).toMatchObject({ minMember: 0, minResources: {} });
    expect(await v.cleanupOnCompletion({ client, log: silentLogger }, GANG().obj())).toBe(false);
  });
});

describe('the RayCluster controller with batchScheduler volcano', () => {
  it('creates the PodGroup before the pods, decorates every pod, resizes the group on scale', async () => {
    const h = harness({ batchScheduler: 'volcano', crdDirs: [VOLCANO_CRDS] });
    expect(h.reconciler.owns.map((k) => k.kind)).toEqual(['Pod', 'Service', 'PodGroup']);
    await h.create(GANG().volcanoQueue('team-a').obj());
    await h.reconcile();
    const pg = await h.client.get<PodGroup>(POD_GROUP, 'ray-c-pg', 'default');
    expect(pg.spec).toMatchObject({ minMember: 5, queue: 'team-a', minResources: { 'nvidia.com/gpu': '33' } });
    const pods: Pod[] = h.pods();
    expect(pods).toHaveLength(5);
    for (const p of pods) {
      expect(p.spec.schedulerName).toBe('volcano');
      expect(p.metadata.annotations!['scheduling.k8s.io/group-name']).toBe('ray-c-pg');
      expect(p.metadata.labels!['volcano.sh/queue-name']).toBe('team-a');
    }
    expect(pods.map((p) => p.metadata.annotations!['volcano.sh/task-spec']).sort()).toEqual(['gpu', 'gpu', 'gpu', 'gpu', 'headgroup']);
    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.replicas = 2));
    await h.reconcile();
    expect((await h.client.get<PodGroup>(POD_GROUP, 'ray-c-pg', 'default')).spec).toMatchObject({ minMember: 3, minResources: { 'nvidia.com/gpu': '17' } });
  });
});

describe('Volcano CRDs', () => {
  it('are not served by default', () => {
    const h = harness();
    expect(() => h.store.typeFor(POD_GROUP)).toThrow();
  });

  it('serve PodGroups (queue defaults to "default", status subresource) and cluster-scoped Queues (weight defaults to 1)', async () => {
    const { client } = volcanoStore();
    const pg = await client.create<PodGroup>({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'PodGroup', metadata: { name: 'g', namespace: 'default' }, spec: { minMember: 2, minResources: { cpu: '4' } }, status: { phase: 'Pending' } });
    expect(pg.spec.queue).toBe('default');
    expect(pg.status).toBeUndefined(); // status is written through its subresource
    const running = await client.updateStatus<PodGroup>({ ...pg, status: { phase: 'Running', running: 2 } });
    expect(running.status).toEqual({ phase: 'Running', running: 2 });
    const q = await client.create<VolcanoQueue>({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'team-a' }, spec: { capability: { 'nvidia.com/gpu': 64 } } });
    expect(q.metadata.namespace).toBeUndefined();
    expect(q.spec.weight).toBe(1);
    await expect(client.create({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'PodGroup', metadata: { name: 'bad', namespace: 'default' }, spec: { minResources: { cpu: 'lots' } } })).rejects.toMatchObject({ reason: 'Invalid' });
    expect(VOLCANO_QUEUE.kind).toBe('Queue');
  });
});
