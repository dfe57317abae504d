// The RayCluster controller's reconcile steps, one at a time and as a whole reconcile, against the
// in-memory store with a cache that reads it directly (and can lag on demand). Fresh fixtures per
// test from test/fixtures/ray-builders.ts.

import { describe, expect, it } from 'vitest';
import type { RayCluster } from '../../controller/api/raycluster-types.js';
import { featureGates } from '../../controller/api/features.js';
import { KUBERAY_VERSION_KEY, UPGRADE_STRATEGY_RECREATE_HASH_KEY } from '../../controller/api/constants.js';
import { ScaleExpectations } from '../../controller/ray/raycluster/expectations.js';
import { hashWithoutReplicasAndWorkersToDelete } from '../../controller/ray/common/hash.js';
import { RayClusterStepError } from '../../controller/ray/raycluster/options.js';
import {
  planHeadPod,
  planRecreate,
  planWorkerGroup,
  reconcileHeadPod,
  reconcileSuspend,
  reconcileWorkerGroups,
  type WorkerPlanContext,
} from '../../controller/ray/raycluster/pods.js';
import { RAY_CLUSTER_STEPS, runSteps } from '../../controller/ray/raycluster/reconciler.js';
import { reconcileHeadlessService, reconcileHeadService } from '../../controller/ray/raycluster/services.js';
import { allPodsRunning, computeStatus, statusChanged } from '../../controller/ray/raycluster/status.js';
import { checkRayCluster } from '../../controller/ray/raycluster/validation.js';
import { DEFAULT_FEATURE_GATES } from '../../controller/api/features.js';
import { createRng } from '../../sim/core/rng.js';
import { makePod, makeRayCluster, type RayClusterBuilder } from '../fixtures/ray-builders.js';
import { harness, T0, type Harness } from './raycluster-harness.js';

const GPU_CLUSTER = () => makeRayCluster('c').head({ cpu: 8, gpu: 1 }).workers('gpu', 4, { gpu: 8 });

async function withCluster(b: RayClusterBuilder = GPU_CLUSTER(), opts: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = harness(opts);
  await h.create(b.obj());
  return h;
}

/** Reconciles, lets every pod run, and reconciles again until nothing changes (at most n rounds). */
async function converge(h: Harness, rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const r = await h.reconcile();
    await h.finishTerminating();
    await h.runAll();
    if (r.requeueAfterMs === 300_000) return;
  }
}

const names = (objs: { metadata: { name?: string } }[]) => objs.map((o) => o.metadata.name!);
const cond = (c: RayCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);

describe('step order', () => {
  it('services before pods, as KubeRay', () => {
    expect(RAY_CLUSTER_STEPS.map((s) => s.name)).toEqual(['headService', 'headlessService', 'serveService', 'pods']);
  });
});

describe('validation', () => {
  it.each([
    ['a name longer than 53 characters', makeRayCluster('c'.repeat(54)), 'InvalidRayClusterMetadata', false],
    ['a name that is not a DNS-1035 label', makeRayCluster('1c'), 'InvalidRayClusterMetadata', false],
    ['minReplicas > maxReplicas', makeRayCluster('c').workers('w', 1, { minReplicas: 3, maxReplicas: 2 }), 'InvalidRayClusterSpec', false],
    ['an unknown upgrade strategy', makeRayCluster('c').editCluster((s) => (s.upgradeStrategy = { type: 'Rolling' as never })), 'InvalidRayClusterSpec', false],
    ['Suspending and Suspended both True', makeRayCluster('c').condition('RayClusterSuspending', 'True').condition('RayClusterSuspended', 'True'), 'InvalidRayClusterStatus', true],
  ])('%s: one Warning event, nothing created', async (_name, b, reason, requeue) => {
    const obj = b.obj();
    expect(checkRayCluster(obj).at(-1)).toMatchObject({ type: 'Warning', reason, stop: true, requeue });
    // Reconcile an object the API server would reject too (the checks do not rely on the CRD).
    const h = harness();
    h.cache.get = ((_id: unknown, name: string) => (name === obj.metadata.name ? { ...obj, metadata: { ...obj.metadata, uid: 'u' } } : undefined)) as never;
    const r = await h.reconciler.reconcile({ namespace: 'default', name: obj.metadata.name! }, h.ctx);
    expect(r).toEqual(requeue ? { requeueAfterMs: 2000 } : {});
    expect(h.recorder.events).toHaveLength(1);
    expect(h.recorder.events[0]).toMatchObject({ type: 'Warning', reason });
    expect(h.pods()).toEqual([]);
    expect(h.services()).toEqual([]);
  });

  it('a valid cluster has no findings; a cluster managed by MultiKueue is skipped', async () => {
    expect(checkRayCluster(GPU_CLUSTER().obj())).toEqual([]);
    const h = await withCluster(GPU_CLUSTER().editCluster((s) => (s.managedBy = 'kueue.x-k8s.io/multikueue')));
    expect(await h.reconcile()).toEqual({});
    expect(h.pods()).toEqual([]);
  });
});

describe('head service step', () => {
  it('creates <cluster>-head-svc with the head ports and selector, once', async () => {
    const h = await withCluster();
    const c = await h.cluster();
    await reconcileHeadService(c, h.env);
    const [svc] = h.services();
    expect(svc!.metadata.name).toBe('c-head-svc');
    expect(svc!.spec!.selector).toMatchObject({ 'ray.io/cluster': 'c', 'ray.io/node-type': 'head' });
    expect(svc!.spec!.ports!.map((p) => `${p.name}:${p.port}`)).toEqual(['client:10001', 'dashboard:8265', 'gcs-server:6379', 'metrics:8080']);
    expect(svc!.metadata.ownerReferences![0]).toMatchObject({ kind: 'RayCluster', name: 'c', uid: c.metadata.uid, controller: true });
    expect(h.reasons()).toEqual(['CreatedService']);
    await reconcileHeadService(c, h.env);
    expect(h.services()).toHaveLength(1);
    expect(h.reasons()).toEqual(['CreatedService']);
  });

  it('two services with the head labels are an error', async () => {
    const h = await withCluster();
    const c = await h.cluster();
    await reconcileHeadService(c, h.env);
    const labels = h.services()[0]!.metadata.labels;
    await h.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup', namespace: 'default', labels }, spec: { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] } });
    await expect(reconcileHeadService(c, h.env)).rejects.toThrow(/2 head service found/);
  });

  it('multi-host groups add the headless service', async () => {
    const h = await withCluster(makeRayCluster('c').workers('tpu', 1, { numOfHosts: 2 }));
    await reconcileHeadlessService(await h.cluster(), h.env);
    expect(names(h.services())).toEqual(['c-headless']);
  });
});

describe('head pod step', () => {
  it("creates the head with KubeRay's labels, name prefix, owner reference, ray start command and recreate hash", async () => {
    const h = await withCluster();
    const c = await h.cluster();
    expect(await reconcileHeadPod(c, h.env)).toBe('continue');
    const [head] = h.heads();
    expect(head!.metadata.name).toMatch(/^c-head-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(head!.metadata.labels).toMatchObject({ 'ray.io/cluster': 'c', 'ray.io/node-type': 'head', 'ray.io/group': 'headgroup', 'ray.io/is-ray-node': 'yes', 'app.kubernetes.io/created-by': 'kuberay-operator' });
    expect(head!.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayCluster', name: 'c', uid: c.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(head!.spec.containers[0]!.args![0]).toContain('ray start --head  --block  --dashboard-agent-listen-port=52365  --dashboard-host=0.0.0.0');
    expect(head!.metadata.annotations).toMatchObject({ [UPGRADE_STRATEGY_RECREATE_HASH_KEY]: hashWithoutReplicasAndWorkersToDelete(c.spec), [KUBERAY_VERSION_KEY]: 'v1.7.0' });
    expect(h.recorder.events.map((e) => `${e.reason} ${e.message}`)).toEqual([`CreatedHeadPod Created head Pod default/${head!.metadata.name}`]);
    expect(h.reconciler.expectations.pending('default', 'c', '')).toMatchObject([{ name: head!.metadata.name, action: 'create' }]);
  });

  it.each([
    ['no head -> create', [], 'create'],
    ['a running head -> none', [makePod('h').rayNode('c', 'head').ready().obj()], 'none'],
    ['a failed head -> delete', [makePod('h').rayNode('c', 'head').failed().obj()], 'delete'],
    ['a succeeded head -> delete', [makePod('h').rayNode('c', 'head').succeeded().obj()], 'delete'],
    ['two heads -> error', [makePod('h1').rayNode('c', 'head').obj(), makePod('h2').rayNode('c', 'head').obj()], 'error'],
  ])('planHeadPod: %s', (_name, heads, action) => {
    expect(planHeadPod(GPU_CLUSTER().obj(), heads).action).toBe(action);
  });

  it('a provisioned cluster with ray.io/disable-provisioned-head-restart does not get a new head', () => {
    const c = GPU_CLUSTER().annotation('ray.io/disable-provisioned-head-restart', 'true').condition('RayClusterProvisioned', 'True').obj();
    expect(planHeadPod(c, []).action).toBe('skip-restart');
  });

  it('a Failed head is deleted (and the round ends); the next round creates a new one', async () => {
    const h = await withCluster();
    await converge(h);
    const old = h.heads()[0]!;
    await h.fail(old);
    const r = await h.reconcile();
    expect(r.requeueAfterMs).toBe(2000);
    expect(h.reasons()).toContain('DeletedHeadPod');
    expect(h.heads()).toEqual([]);
    expect(h.workers()).toHaveLength(4);
    await h.reconcile();
    expect(h.heads()).toHaveLength(1);
    expect(h.heads()[0]!.metadata.name).not.toBe(old.metadata.name);
  });

  it('more than one head is an error that stops the reconcile before the workers', async () => {
    const h = await withCluster();
    const c = await h.cluster();
    for (const n of ['h1', 'h2']) await h.client.create(makePod(n).rayNode('c', 'head').obj());
    await expect(reconcileHeadPod(c, h.env)).rejects.toThrow('2 head pods found [h1 h2]. Please delete extra head pods');
    const failure = await runSteps(c, h.env);
    expect(failure?.message).toMatch(/2 head pods found/);
    expect(h.workers()).toEqual([]);
  });
});

describe('worker groups', () => {
  const ctx = (o: Partial<WorkerPlanContext> = {}): WorkerPlanContext => ({ autoscaling: false, randomPodDelete: false, gates: DEFAULT_FEATURE_GATES, rng: createRng('plan'), ...o });
  const running = (n: number, group = 'w') => Array.from({ length: n }, (_, i) => makePod(`c-${group}-worker-${i}`).rayNode('c', 'worker', group).label('ray.io/worker-group-replica-index', String(i)).ready().obj());

  it.each([
    ['scale up 0 -> 4', makeRayCluster('c').workers('w', 4), 0, {}, 4, 0],
    ['scale down 4 -> 2 (autoscaling off)', makeRayCluster('c').workers('w', 2), 4, {}, 0, 2],
    ['no scale-down with in-tree autoscaling', makeRayCluster('c').workers('w', 2), 4, { autoscaling: true }, 0, 0],
    ['... unless random pod deletion is on', makeRayCluster('c').workers('w', 2), 4, { autoscaling: true, randomPodDelete: true }, 0, 2],
    ['replicas clamped to maxReplicas', makeRayCluster('c').workers('w', 10, { maxReplicas: 3 }), 0, {}, 3, 0],
    ['replicas clamped to minReplicas', makeRayCluster('c').workers('w', 0, { minReplicas: 2 }), 0, {}, 2, 0],
    ['numOfHosts=2 doubles the pods (gate off: one pod at a time)', makeRayCluster('c').workers('w', 2, { numOfHosts: 2 }), 0, { gates: featureGates({ RayMultiHostIndexing: false }) }, 4, 0],
    ['steady', makeRayCluster('c').workers('w', 3), 3, {}, 0, 0],
  ] as const)('%s', (_name, b, have, o, creates, deletes) => {
    const g = b.obj().spec.workerGroupSpecs![0]!;
    const plan = planWorkerGroup(g, running(have), ctx(o as Partial<WorkerPlanContext>));
    expect(plan.creations).toHaveLength(creates);
    expect(plan.deletions.filter((d) => d.cause === 'scaleDown')).toHaveLength(deletes);
  });

  it('new pods take the lowest free replica indices', () => {
    const g = makeRayCluster('c').workers('w', 4).obj().spec.workerGroupSpecs![0]!;
    const have = running(4).filter((_, i) => i === 1 || i === 3);
    expect(planWorkerGroup(g, have, ctx()).creations.map((c) => c.index)).toEqual([0, 2]);
  });

  it('numOfHosts=2: whole replicas of 2 pods, each named <group>-xxxxx, host indices 0 and 1', () => {
    const g = makeRayCluster('c').workers('tpu', 2, { numOfHosts: 2 }).obj().spec.workerGroupSpecs![0]!;
    const plan = planWorkerGroup(g, [], ctx());
    expect(plan.creations).toHaveLength(4);
    expect(plan.creations.map((c) => `${c.index}/${c.hostIndex}`)).toEqual(['0/0', '0/1', '1/0', '1/1']);
    expect(plan.creations[0]!.name).toMatch(/^tpu-[a-z0-9]{5}$/);
    expect(plan.creations[0]!.name).toBe(plan.creations[1]!.name);
    expect(plan.creations[2]!.name).not.toBe(plan.creations[0]!.name);
  });

  it('scale up 0 -> 4 creates 4 worker pods with events and expectations', async () => {
    const h = await withCluster(makeRayCluster('c').workers('gpu', 4, { gpu: 8 }));
    await reconcileWorkerGroups(await h.cluster(), h.env);
    expect(h.workers('gpu')).toHaveLength(4);
    expect(h.workers('gpu').every((p) => p.metadata.name!.startsWith('c-gpu-worker-'))).toBe(true);
    expect(h.reasons()).toEqual(['CreatedWorkerPod', 'CreatedWorkerPod', 'CreatedWorkerPod', 'CreatedWorkerPod']);
    expect(h.workers('gpu').map((p) => p.metadata.labels!['ray.io/worker-group-replica-index']).sort()).toEqual(['0', '1', '2', '3']);
    expect(h.reconciler.expectations.pending('default', 'c', 'gpu')).toHaveLength(4);
  });

  it('scale down 4 -> 2 deletes 2 pods; with autoscaling the surplus stays', async () => {
    for (const autoscaling of [false, true]) {
      const b = makeRayCluster('c').workers('w', 4);
      if (autoscaling) b.autoscaling({ version: 'v2' });
      const h = await withCluster(b);
      await converge(h);
      expect(h.workers()).toHaveLength(4);
      await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.replicas = 2));
      await converge(h);
      expect(h.workers()).toHaveLength(autoscaling ? 4 : 2);
      expect(h.reasons().filter((r) => r === 'DeletedWorkerPod')).toHaveLength(autoscaling ? 0 : 2);
    }
  });

  it('numOfHosts=2 doubles the pods of a reconcile', async () => {
    const h = await withCluster(makeRayCluster('c').workers('tpu', 2, { numOfHosts: 2 }));
    await converge(h);
    const pods = h.workers('tpu');
    expect(pods).toHaveLength(4);
    const replicas = new Set(pods.map((p) => p.metadata.labels!['ray.io/worker-group-replica-name']));
    expect(replicas.size).toBe(2);
    expect((await h.cluster()).status).toMatchObject({ desiredWorkerReplicas: 4, state: 'ready' });
  });

  it('workersToDelete deletes exactly those pods and clears the list', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 4));
    await converge(h);
    const victims = names(h.workers()).slice(1, 3);
    await h.editSpec((c) => {
      c.spec.workerGroupSpecs![0]!.replicas = 2;
      c.spec.workerGroupSpecs![0]!.scaleStrategy = { workersToDelete: victims };
    });
    const before = names(h.workers());
    await h.reconcile();
    expect(names(h.live(h.workers()))).toEqual(before.filter((n) => !victims.includes(n)));
    expect((await h.cluster()).spec.workerGroupSpecs![0]!.scaleStrategy!.workersToDelete).toEqual([]);
    expect(h.recorder.events.filter((e) => e.reason === 'DeletedWorkerPod').map((e) => e.message)).toEqual(victims.map((v) => `Deleted pod default/${v}`));
  });

  it('workersToDelete is left alone when clearing is off (KubeRay v1.7 behaviour)', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 2), { clearWorkersToDelete: false });
    await converge(h);
    const victim = names(h.workers())[0]!;
    await h.editSpec((c) => {
      c.spec.workerGroupSpecs![0]!.replicas = 1;
      c.spec.workerGroupSpecs![0]!.scaleStrategy = { workersToDelete: [victim] };
    });
    await h.reconcile();
    expect((await h.cluster()).spec.workerGroupSpecs![0]!.scaleStrategy!.workersToDelete).toEqual([victim]);
    expect(h.live(h.workers())).toHaveLength(1);
  });

  it('an unhealthy (Failed) worker is deleted and the round stops; the next round replaces it', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 3));
    await converge(h);
    const [bad] = h.workers();
    await h.fail(bad!);
    const r = await h.reconcile();
    expect(r.requeueAfterMs).toBe(2000);
    expect(names(h.workers())).not.toContain(bad!.metadata.name);
    expect(h.workers()).toHaveLength(2);
    expect(h.recorder.events.at(-1)).toMatchObject({ reason: 'DeletedWorkerPod' });
    const status = (await h.cluster()).status!;
    expect(cond(await h.cluster(), 'ReplicaFailure')).toBeUndefined();
    expect(status.state).toBe('ready'); // the earlier state stays
    await h.reconcile();
    expect(h.workers()).toHaveLength(3);
  });

  it('a suspended group loses its pods; the others keep theirs', async () => {
    const h = await withCluster(makeRayCluster('c').workers('a', 2).workers('b', 2));
    await converge(h);
    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.suspend = true));
    await converge(h);
    expect(h.workers('a')).toEqual([]);
    expect(h.workers('b')).toHaveLength(2);
    expect(h.recorder.events.map((e) => e.message)).toContain('Deleted all pods for suspended worker group a in RayCluster default/c');
    expect((await h.cluster()).status).toMatchObject({ desiredWorkerReplicas: 2, state: 'ready' });
  });
});

describe('scale expectations', () => {
  it('prevent double creation while the cache lags behind our own creates', async () => {
    const h = await withCluster();
    h.cache.freeze(); // the cache keeps showing no pods and no service
    await h.reconcile();
    await h.reconcile();
    await h.reconcile();
    expect(h.heads()).toHaveLength(1);
    expect(h.workers()).toHaveLength(4);
    expect(h.services()).toHaveLength(1);
    h.cache.sync();
    await h.reconcile();
    expect(h.workers()).toHaveLength(4);
    expect(h.reconciler.expectations.size).toBe(0);
  });

  it('a create expectation lapses after 30 s; a delete one waits until the pod is gone', () => {
    const e = new ScaleExpectations();
    const empty = { get: () => undefined, list: () => [] };
    const present = { get: () => makePod('p').obj(), list: () => [] };
    e.expect('ns', 'c', 'g', 'p', 'create', T0);
    expect(e.isSatisfied(empty as never, 'ns', 'c', 'g', T0 + 29_999)).toBe(false);
    expect(e.isSatisfied(empty as never, 'ns', 'c', 'g', T0 + 30_000)).toBe(true);
    e.expect('ns', 'c', 'g', 'p', 'delete', T0);
    expect(e.isSatisfied(present as never, 'ns', 'c', 'g', T0 + 3_600_000)).toBe(false);
    expect(e.isSatisfied(empty as never, 'ns', 'c', 'g', T0)).toBe(true);
    e.expect('ns', 'c', 'g', 'p', 'delete', T0);
    e.delete('ns', 'c');
    expect(e.size).toBe(0);
  });
});

describe('suspend', () => {
  it('deletes every pod and moves the conditions Suspending -> Suspended; resume recreates the pods', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 2));
    await converge(h);
    await h.editSpec((c) => (c.spec.suspend = true));
    const trail: string[] = [];
    const snap = async () => {
      const c = await h.cluster();
      trail.push(`${cond(c, 'RayClusterSuspending')!.status}/${cond(c, 'RayClusterSuspended')!.status} ${c.status!.state} pods=${h.pods().length}`);
    };
    await h.reconcile(); // Suspending=True, nothing deleted yet
    await snap();
    await h.reconcile(); // pods deleted (gracefully: the kubelet still has to finish them)
    await snap();
    await h.finishTerminating();
    await h.reconcile(); // no pods: Suspended
    await snap();
    expect(trail).toEqual(['True/False ready pods=3', 'True/False ready pods=3', 'False/True suspended pods=0']);
    expect(h.reasons()).toContain('DeletedPod');
    expect(cond(await h.cluster(), 'RayClusterProvisioned')).toMatchObject({ status: 'False', message: 'RayCluster has been suspended' });
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 300_000, poll: {} });
    expect(h.pods()).toEqual([]);

    await h.editSpec((c) => (c.spec.suspend = false));
    await h.reconcile(); // Suspended -> False; still no pods this round
    expect(cond(await h.cluster(), 'RayClusterSuspended')!.status).toBe('False');
    expect(h.pods()).toEqual([]);
    await converge(h);
    expect(h.pods()).toHaveLength(3);
    expect((await h.cluster()).status!.state).toBe('ready');
  });

  it('without the RayClusterStatusConditions gate spec.suspend deletes the pods directly', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 1), { featureGates: featureGates({ RayClusterStatusConditions: false }) });
    await converge(h);
    await h.editSpec((c) => (c.spec.suspend = true));
    expect(await reconcileSuspend(await h.cluster(), h.env)).toBe('done');
    await h.finishTerminating();
    await h.reconcile();
    const c = await h.cluster();
    expect(c.status!.state).toBe('suspended');
    expect(c.status!.conditions).toBeUndefined();
  });
});

describe('upgradeStrategy Recreate', () => {
  it('replaces every pod when the template changes, not when replicas change', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 2).editCluster((s) => (s.upgradeStrategy = { type: 'Recreate' })));
    await converge(h);
    const first = names(h.pods());
    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.replicas = 3));
    await converge(h);
    expect(h.pods().filter((p) => first.includes(p.metadata.name!))).toHaveLength(3);
    expect(planRecreate(await h.cluster(), h.heads()).action).toBe('none');

    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.template.spec.containers[0]!.image = 'rayproject/ray:2.53.0'));
    expect(planRecreate(await h.cluster(), h.heads()).action).toBe('recreate');
    await h.reconcile();
    expect(h.live(h.pods())).toEqual([]);
    expect(h.recorder.events.at(-1)!.message).toBe('Deleted all Pods for RayCluster default/c due to spec change with Recreate upgradeStrategy');
    await h.finishTerminating();
    await converge(h);
    const now = h.pods();
    expect(now).toHaveLength(4);
    expect(now.some((p) => first.includes(p.metadata.name!))).toBe(false);
    expect(h.workers()[0]!.spec.containers[0]!.image).toBe('rayproject/ray:2.53.0');
  });

  it('without the strategy a template change leaves the pods alone', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 1));
    await converge(h);
    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.template.spec.containers[0]!.image = 'other'));
    expect(planRecreate(await h.cluster(), h.heads()).action).toBe('none');
  });

  it('the hash ignores replicas, min/max, workersToDelete, tolerations and the strategy itself', () => {
    const base = makeRayCluster('c').workers('w', 1).obj().spec;
    const scaled = structuredClone(base);
    Object.assign(scaled.workerGroupSpecs![0]!, { replicas: 7, minReplicas: 1, maxReplicas: 9, scaleStrategy: { workersToDelete: ['x'] } });
    scaled.workerGroupSpecs![0]!.template.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    scaled.upgradeStrategy = { type: 'Recreate' };
    expect(hashWithoutReplicasAndWorkersToDelete(scaled)).toBe(hashWithoutReplicasAndWorkersToDelete(base));
    const changed = structuredClone(base);
    changed.workerGroupSpecs![0]!.rayStartParams = { 'num-cpus': '2' };
    expect(hashWithoutReplicasAndWorkersToDelete(changed)).not.toBe(hashWithoutReplicasAndWorkersToDelete(base));
    expect(hashWithoutReplicasAndWorkersToDelete(base)).toMatch(/^[0-9A-V]{32}$/);
  });
});

describe('status', () => {
  it('fields after the cluster is up: 4 workers x 8 GPUs + head 1 = "33"', async () => {
    const h = await withCluster();
    await converge(h);
    const c = await h.cluster();
    const head = h.heads()[0]!;
    expect(c.status).toMatchObject({
      state: 'ready',
      readyWorkerReplicas: 4,
      availableWorkerReplicas: 4,
      desiredWorkerReplicas: 4,
      minWorkerReplicas: 0,
      maxWorkerReplicas: 2147483647,
      desiredCPU: '12',
      desiredMemory: '6Gi',
      desiredGPU: '33',
      desiredTPU: '0',
      observedGeneration: 1,
      head: { podName: head.metadata.name, podIP: head.status!.podIP, serviceName: 'c-head-svc', serviceIP: head.status!.podIP },
      endpoints: { client: '10001', dashboard: '8265', 'gcs-server': '6379', metrics: '8080' },
      stateTransitionTimes: { ready: '2026-01-01T00:00:00Z' },
    });
    expect(c.status!.conditions!.map((x) => `${x.type}=${x.status}`)).toEqual(['HeadPodReady=True', 'RayClusterProvisioned=True', 'RayClusterSuspended=False', 'RayClusterSuspending=False']);
  });

  it('state is ready only when every pod is Running and Ready', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 2));
    await h.reconcile();
    await h.runAll(false); // running, not ready
    await h.reconcile();
    let c = await h.cluster();
    expect(c.status!.state).toBeUndefined();
    expect(c.status).toMatchObject({ readyWorkerReplicas: 0, availableWorkerReplicas: 2 });
    expect(cond(c, 'HeadPodReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(cond(c, 'RayClusterProvisioned')).toMatchObject({ status: 'False', reason: 'RayClusterPodsProvisioning' });
    const [w0, w1] = h.workers();
    await h.run(h.heads()[0]!, true);
    await h.run(w0!, true);
    await h.reconcile();
    expect((await h.cluster()).status!.state).toBeUndefined();
    await h.run(w1!, true);
    await h.reconcile();
    c = await h.cluster();
    expect(c.status!.state).toBe('ready');
    expect(cond(c, 'RayClusterProvisioned')!.status).toBe('True');
  });

  it('RayClusterProvisioned stays True when a pod later fails', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 1));
    await converge(h);
    h.clock.advance(60_000);
    await h.run(h.workers()[0]!, false);
    await h.reconcile();
    const c = await h.cluster();
    expect(cond(c, 'RayClusterProvisioned')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(c.status!.readyWorkerReplicas).toBe(0);
  });

  it('ReplicaFailure carries the error of a failed pod creation, and goes away once it works', async () => {
    const h = await withCluster(GPU_CLUSTER().edit((o) => (o.spec.headGroupSpec.template.spec.priorityClassName = 'missing')));
    const r = await h.reconcile();
    expect(r.requeueAfterMs).toBe(2000);
    const c = await h.cluster();
    expect(cond(c, 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreateHeadPod' });
    expect(cond(c, 'ReplicaFailure')!.message).toMatch(/^FailedCreateHeadPod\n.*no PriorityClass with name missing/);
    expect(h.recorder.events.find((e) => e.reason === 'FailedToCreateHeadPod')).toMatchObject({ type: 'Warning' });
    expect(h.workers()).toEqual([]); // the round stopped at the head
    await h.client.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'missing' }, value: 10 });
    await h.reconcile();
    expect(cond(await h.cluster(), 'ReplicaFailure')).toBeUndefined();
    expect(h.heads()).toHaveLength(1);
  });

  it('is written once, and only when it changed; requeue 2 s after a change, 300 s when idle', async () => {
    const h = await withCluster(makeRayCluster('c').workers('w', 1));
    await converge(h);
    const rv = (await h.cluster()).metadata.resourceVersion;
    h.clock.advance(10_000);
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 300_000, poll: {} });
    expect((await h.cluster()).metadata.resourceVersion).toBe(rv);
    await h.editSpec((c) => (c.spec.workerGroupSpecs![0]!.replicas = 2));
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 2000 });
  });

  it('computeStatus is pure and statusChanged ignores lastUpdateTime', () => {
    const cluster = makeRayCluster('c').workers('w', 1).generation(3).obj();
    const pods = [makePod('h').rayNode('c', 'head').ready().obj(), makePod('w').rayNode('c', 'worker', 'w').ready().obj()];
    const svc = { apiVersion: 'v1' as const, kind: 'Service' as const, metadata: { name: 'c-head-svc' }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'dashboard', port: 8265, targetPort: 8265 }] } };
    const frozen = structuredClone(cluster);
    const a = computeStatus({ cluster, pods, headServices: [svc], now: T0, gates: DEFAULT_FEATURE_GATES });
    expect(cluster).toEqual(frozen);
    if (!a.ok) throw new Error(a.error);
    expect(a.status).toMatchObject({ state: 'ready', observedGeneration: 3, head: { serviceIP: '10.96.0.10' }, endpoints: { dashboard: '8265' } });
    const b = computeStatus({ cluster: { ...cluster, status: a.status }, pods, headServices: [svc], now: T0 + 5000, gates: DEFAULT_FEATURE_GATES });
    if (!b.ok) throw new Error(b.error);
    expect(b.status.lastUpdateTime).not.toBe(a.status.lastUpdateTime);
    expect(statusChanged(a.status, b.status)).toBe(false);
    expect(computeStatus({ cluster, pods, headServices: [], now: T0, gates: DEFAULT_FEATURE_GATES })).toMatchObject({ ok: false });
    expect(allPodsRunning([])).toBe(false);
  });
});

describe('errors', () => {
  it('a step error names its ReplicaFailure reason; other exceptions are not swallowed', async () => {
    const h = await withCluster();
    const boom = { name: 'boom', run: async () => Promise.reject(new TypeError('bug')) };
    await expect(runSteps(await h.cluster(), h.env, [boom])).rejects.toThrow('bug');
    const typed = { name: 'typed', run: async () => Promise.reject(new RayClusterStepError('no', 'FailedCreateWorkerPod')) };
    expect(await runSteps(await h.cluster(), h.env, [typed])).toEqual({ message: 'no', replicaFailure: 'FailedCreateWorkerPod' });
  });

  it('a cluster that is gone forgets its expectations', async () => {
    const h = await withCluster();
    await h.reconcile();
    expect(h.reconciler.expectations.size).toBeGreaterThan(0);
    await h.client.delete({ apiVersion: 'ray.io/v1', kind: 'RayCluster' }, 'c', 'default');
    expect(await h.reconcile()).toEqual({});
    expect(h.reconciler.expectations.size).toBe(0);
  });
});
