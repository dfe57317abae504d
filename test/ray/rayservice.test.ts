// RayService controller: reconciles called directly against the in-memory API server, with
// FakeDashboards for Serve and the harness standing in for the RayCluster controller and kubelet.

import { describe, expect, it } from 'vitest';
import type { RayCluster, RayService, Service } from '../../controller/api/types.js';
import {
  HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY,
  KUBERAY_VERSION,
  KUBERAY_VERSION_KEY,
  NUM_WORKER_GROUPS_KEY,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_SERVICE,
  RAY_SERVICE_FINALIZER,
} from '../../controller/api/constants.js';
import {
  base32Hex,
  buildServeServiceForRayService,
  checkIfNeedSubmitServeApplications,
  countEndpoints,
  desiredServeLabel,
  hashWithoutReplicasAndWorkersToDelete,
  isClusterSpecHashEqual,
  NO_SERVE_PORT_MESSAGE,
  parseServeConfig,
  rayServiceClusterHash,
  ServePortError,
  serveStatusFromDetails,
  shouldPrepareNewCluster,
} from '../../controller/ray/rayservice/index.js';
import { makePod, makeRayCluster, makeRayService, SIMPLE_SERVE_CONFIG, type RayServiceBuilder } from '../fixtures/ray-builders.js';
import { NS, rayServiceHarness, type RayServiceHarness } from './rayservice-harness.js';

const CLUSTER_NAME = /^svc-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

function service(b: RayServiceBuilder = makeRayService('svc')): RayService {
  return b.servePort().workers('cpu', 1).obj();
}

function cond(svc: RayService, type: string) {
  const c = svc.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : undefined;
}

function selectorOf(s: Service | undefined): Record<string, string> | undefined {
  return s?.spec?.selector;
}

/** The stand-ins bring `cluster` up, then its applications to RUNNING, settling after each. */
async function readyAndServing(h: RayServiceHarness, cluster: string, opts?: { workersReady?: boolean }): Promise<void> {
  await h.makeClusterReady(cluster, opts);
  await h.settle();
  h.serveRunning(cluster);
  await h.settle();
}

/** Creates the RayService and drives it until its first cluster serves; returns that cluster's name. */
async function serving(h: RayServiceHarness, obj: RayService = service()): Promise<string> {
  await h.client.create(obj);
  await h.settle();
  const first = h.svc().status!.pendingServiceStatus!.rayClusterName!;
  await readyAndServing(h, first);
  expect(h.svc().status?.activeServiceStatus?.rayClusterName).toBe(first);
  return first;
}

/** Changes rayVersion (a cluster spec change that needs a new cluster) and settles; returns the pending cluster's name. */
async function upgradeTo(h: RayServiceHarness, rayVersion = '2.53.0'): Promise<string> {
  await h.editSpec((s) => {
    s.spec.rayClusterConfig.rayVersion = rayVersion;
  });
  await h.settle();
  return h.svc().status!.pendingServiceStatus!.rayClusterName!;
}

describe('RayService: the first cluster', () => {
  it('adds the finalizer, names a pending cluster <name>-xxxxx and creates it with owner, labels and hash annotations', async () => {
    const h = rayServiceHarness();
    await h.client.create(service());
    await h.reconcile();
    expect(h.svc().metadata.finalizers).toEqual([RAY_SERVICE_FINALIZER]);
    await h.settle();
    const svc = h.svc();
    const name = svc.status!.pendingServiceStatus!.rayClusterName!;
    expect(name).toMatch(CLUSTER_NAME);
    expect(svc.status!.activeServiceStatus?.rayClusterName ?? '').toBe('');
    expect(h.clusterNames()).toEqual([name]);
    const c = h.cluster(name)!;
    expect(c.metadata.labels).toMatchObject({ 'ray.io/originated-from-cr-name': 'svc', 'ray.io/originated-from-crd': 'RayService' });
    expect(c.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayService', name: 'svc', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(c.metadata.annotations).toMatchObject({
      [HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY]: rayServiceClusterHash(svc),
      [NUM_WORKER_GROUPS_KEY]: '1',
      [KUBERAY_VERSION_KEY]: KUBERAY_VERSION,
    });
    expect(c.spec.workerGroupSpecs?.map((g) => g.groupName)).toEqual(['cpu']);
    expect(cond(svc, 'Ready')).toBe('False/Initializing');
    expect(cond(svc, 'UpgradeInProgress')).toBe('False/Initializing');
    expect(h.recorder.reasons()).toEqual(['CreatedRayCluster']);
    // Nothing is sent to Ray before the head is ready.
    expect(h.dashboards.get(NS, name)?.serveConfigs ?? []).toEqual([]);
    expect(h.results.at(-1)).toEqual({ requeueAfterMs: 2000 });
  });

  it('submits serveConfigV2 (parsed from YAML) once the head pod is ready, and reports the applications', async () => {
    const h = rayServiceHarness();
    await h.client.create(service());
    await h.settle();
    const name = h.svc().status!.pendingServiceStatus!.rayClusterName!;
    await h.makeClusterReady(name);
    await h.settle();
    const d = h.dashboards.get(NS, name)!;
    expect(d.serveConfigs).toEqual([parseServeConfig(SIMPLE_SERVE_CONFIG)]);
    expect(d.url).toBe(`http://${name}-head-svc.default.svc.cluster.local:8265`);
    expect(h.recorder.reasons()).toContain('UpdatedServeApplications');
    const pending = h.svc().status!.pendingServiceStatus!;
    expect(pending.applicationStatuses).toEqual({ app: { status: 'DEPLOYING', message: '', serveDeploymentStatuses: { Model: { status: 'UPDATING', message: '' } } } });
    // Polling again does not resubmit an unchanged config.
    await h.reconcile();
    await h.reconcile();
    expect(d.serveConfigs).toHaveLength(1);
    // No service yet: nothing is RUNNING.
    expect(h.service('svc-serve-svc')).toBeUndefined();
    expect(cond(h.svc(), 'Ready')).toBe('False/Initializing');
  });

  it('is Ready once the applications are RUNNING: services created, head labelled, cluster promoted to active', async () => {
    const h = rayServiceHarness();
    const name = await serving(h);
    const svc = h.svc();
    expect(svc.status!.pendingServiceStatus).toEqual({});
    expect(svc.status!.activeServiceStatus!.applicationStatuses!.app!.status).toBe('RUNNING');
    expect(cond(svc, 'Ready')).toBe('True/NonZeroServeEndpoints');
    expect(cond(svc, 'UpgradeInProgress')).toBe('False/NoPendingCluster');
    expect(svc.status!.serviceStatus).toBe('Running');
    expect(svc.status!.numServeEndpoints).toBe(2);
    expect(svc.status!.observedGeneration).toBe(svc.metadata.generation);
    expect(selectorOf(h.service('svc-serve-svc'))).toEqual({ 'ray.io/cluster': name, 'ray.io/serve': 'true' });
    expect(h.service('svc-serve-svc')!.spec!.ports).toMatchObject([{ name: 'serve', port: 8000 }]);
    expect(h.service('svc-serve-svc')!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RayService', name: 'svc', controller: true });
    expect(selectorOf(h.service('svc-head-svc'))).toMatchObject({ 'ray.io/cluster': name, 'ray.io/node-type': 'head' });
    expect(h.service('svc-head-svc')!.spec!.clusterIP).toBe('None');
    const labels = Object.fromEntries(h.pods(name).map((p) => [p.metadata.name, p.metadata.labels?.[RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]]));
    expect(labels).toEqual({ [`${name}-head`]: 'true', [`${name}-cpu-worker-0`]: 'true' });
    expect(h.recorder.reasons()).toEqual(expect.arrayContaining(['UpdatedHeadPodServeLabel', 'CreatedService']));
    // Steady state: further polls write nothing.
    const rv = h.store.stats().resourceVersion;
    await h.reconcile();
    expect(h.store.stats().resourceVersion).toBe(rv);
  });
});

describe('RayService: spec changes', () => {
  it('a serve-config-only change is resubmitted to the active cluster; no new cluster, still Ready', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    const changed = SIMPLE_SERVE_CONFIG.replace('num_replicas: 1', 'num_replicas: 3');
    await h.editSpec((s) => {
      s.spec.serveConfigV2 = changed;
    });
    await h.settle();
    const svc = h.svc();
    expect(h.clusterNames()).toEqual([a]);
    expect(svc.status!.pendingServiceStatus?.rayClusterName ?? '').toBe('');
    expect(h.dashboards.get(NS, a)!.serveConfigs.map((c) => JSON.stringify(c))).toEqual([
      JSON.stringify(parseServeConfig(SIMPLE_SERVE_CONFIG)),
      JSON.stringify(parseServeConfig(changed)),
    ]);
    expect(svc.status!.activeServiceStatus!.applicationStatuses!.app!.status).toBe('DEPLOYING');
    expect(cond(svc, 'Ready')).toBe('True/NonZeroServeEndpoints');
    expect(cond(svc, 'UpgradeInProgress')).toBe('False/NoPendingCluster');
  });

  it('a cluster spec change prepares a pending cluster (UpgradeInProgress) and keeps serving from the active one', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    await h.editSpec((s) => {
      s.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0]!.image = 'rayproject/ray:2.53.0';
    });
    await h.settle();
    const svc = h.svc();
    const b = svc.status!.pendingServiceStatus!.rayClusterName!;
    expect(b).toMatch(CLUSTER_NAME);
    expect(b).not.toBe(a);
    expect(h.clusterNames().sort()).toEqual([a, b].sort());
    expect(h.cluster(b)!.spec.headGroupSpec.template.spec.containers[0]!.image).toBe('rayproject/ray:2.53.0');
    expect(h.cluster(a)!.spec.headGroupSpec.template.spec.containers[0]!.image).not.toBe('rayproject/ray:2.53.0');
    expect(svc.status!.activeServiceStatus!.rayClusterName).toBe(a);
    expect(cond(svc, 'UpgradeInProgress')).toBe('True/BothActivePendingClustersExist');
    expect(cond(svc, 'Ready')).toBe('True/NonZeroServeEndpoints');
    expect(selectorOf(h.service('svc-serve-svc'))!['ray.io/cluster']).toBe(a);
  });

  it('switches the services only after every application on the pending cluster is RUNNING, then promotes it', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    const b = await upgradeTo(h);
    const servedBy = () => selectorOf(h.service('svc-serve-svc'))!['ray.io/cluster'];

    await h.makeClusterReady(b);
    await h.settle();
    expect(h.dashboards.get(NS, b)!.serveConfigs).toHaveLength(1);
    expect(servedBy()).toBe(a); // DEPLOYING
    // Its head is labelled as soon as Serve runs on it: before any switch.
    expect(h.pods(b).find((p) => p.metadata.name === `${b}-head`)!.metadata.labels![RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]).toBe('true');

    h.dashboards.dashboard(NS, b).setServeStatus('app', 'UNHEALTHY');
    await h.settle();
    expect(servedBy()).toBe(a);
    expect(h.svc().status!.pendingServiceStatus!.applicationStatuses!.app!.status).toBe('UNHEALTHY');

    h.serveRunning(b);
    await h.settle();
    expect(servedBy()).toBe(b);
    expect(selectorOf(h.service('svc-head-svc'))!['ray.io/cluster']).toBe(b);
    const svc = h.svc();
    expect(svc.status!.activeServiceStatus!.rayClusterName).toBe(b);
    expect(svc.status!.pendingServiceStatus).toEqual({});
    expect(cond(svc, 'UpgradeInProgress')).toBe('False/NoPendingCluster');
    expect(cond(svc, 'Ready')).toBe('True/NonZeroServeEndpoints');
    expect(svc.status!.numServeEndpoints).toBe(2);
    // The old cluster is still there, waiting for its deletion delay.
    expect(h.clusterNames()).toContain(a);
  });

  it('deletes the old cluster only after rayClusterDeletionDelaySeconds (default 60), requeueing for it', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    const b = await upgradeTo(h);
    await readyAndServing(h, b);
    const switched = h.sim.now();
    expect(h.reconciler.memory.deletionTime(NS, a)).toBe(switched + 60_000);
    await h.advance(59_000);
    await h.settle();
    expect(h.clusterNames()).toContain(a);
    expect(h.results.at(-1)).toEqual({ requeueAfterMs: 1000 });
    await h.advance(1000);
    await h.settle();
    expect(h.clusterNames()).toEqual([b]);
    expect(h.recorder.reasons()).toContain('DeletedRayCluster');
    expect(h.reconciler.memory.deletionTime(NS, a)).toBeUndefined();
    expect(h.results.at(-1)).toEqual({ requeueAfterMs: 2000 });
  });

  it('rayClusterDeletionDelaySeconds 0 deletes the old cluster at once', async () => {
    const h = rayServiceHarness();
    const a = await serving(h, service(makeRayService('svc').deletionDelay(0)));
    const b = await upgradeTo(h);
    await readyAndServing(h, b);
    expect(h.clusterNames()).toEqual([b]);
    expect(h.cluster(a)).toBeUndefined();
  });

  it('does not switch to a pending cluster without a ready serve endpoint (zero-downtime guard)', async () => {
    const h = rayServiceHarness();
    const a = await serving(h, service(makeRayService('svc').excludeHeadPodFromServeSvc()));
    expect(h.svc().status!.numServeEndpoints).toBe(1); // the worker only
    const b = await upgradeTo(h);
    await readyAndServing(h, b, { workersReady: false });
    expect(selectorOf(h.service('svc-serve-svc'))!['ray.io/cluster']).toBe(a);
    expect(h.svc().status!.pendingServiceStatus!.rayClusterName).toBe(b);
    expect(cond(h.svc(), 'Ready')).toBe('True/NonZeroServeEndpoints');
  });

  it.each([
    ['upgradeStrategy None', makeRayService('svc').upgradeStrategy('None')],
    ['ENABLE_ZERO_DOWNTIME=false and no strategy', makeRayService('svc')],
  ])('%s: a cluster spec change creates no new cluster and leaves the active one alone', async (name, b) => {
    const h = rayServiceHarness(name.startsWith('ENABLE') ? { enableZeroDowntime: false } : {});
    const a = await serving(h, service(b));
    const before = h.cluster(a)!;
    await h.editSpec((s) => {
      s.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0]!.image = 'rayproject/ray:2.53.0';
    });
    await h.settle();
    expect(h.clusterNames()).toEqual([a]);
    expect(h.svc().status!.pendingServiceStatus?.rayClusterName ?? '').toBe('');
    expect(h.cluster(a)!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(cond(h.svc(), 'UpgradeInProgress')).toBe('False/NoPendingCluster');
    expect(cond(h.svc(), 'Ready')).toBe('True/NonZeroServeEndpoints');
  });

  it('appending a worker group updates the active cluster in place', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    await h.editSpec((s) => {
      const g = structuredClone(s.spec.rayClusterConfig.workerGroupSpecs![0]!);
      g.groupName = 'gpu';
      g.replicas = 2;
      s.spec.rayClusterConfig.workerGroupSpecs!.push(g);
    });
    await h.settle();
    expect(h.clusterNames()).toEqual([a]);
    expect(h.svc().status!.pendingServiceStatus?.rayClusterName ?? '').toBe('');
    const c = h.cluster(a)!;
    expect(c.spec.workerGroupSpecs!.map((g) => [g.groupName, g.replicas])).toEqual([
      ['cpu', 1],
      ['gpu', 2],
    ]);
    expect(c.metadata.annotations![NUM_WORKER_GROUPS_KEY]).toBe('2');
    expect(c.metadata.annotations![HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY]).toBe(rayServiceClusterHash(h.svc()));
    expect(h.recorder.reasons()).toContain('UpdatedRayCluster');
  });

  it('a replica-only change neither creates a cluster nor updates the existing one (as KubeRay: replicas belong to the autoscaler)', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    const rv = h.cluster(a)!.metadata.resourceVersion;
    await h.editSpec((s) => {
      s.spec.rayClusterConfig.workerGroupSpecs![0]!.replicas = 5;
    });
    await h.settle();
    expect(h.clusterNames()).toEqual([a]);
    expect(h.cluster(a)!.metadata.resourceVersion).toBe(rv);
  });

  it('a spec change during an upgrade replaces the pending cluster (the old pending one is deleted later)', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    const b = await upgradeTo(h, '2.53.0');
    const c = await upgradeTo(h, '2.54.0');
    expect(c).not.toBe(b);
    expect(h.clusterNames().sort()).toEqual([a, b, c].sort());
    expect(h.reconciler.memory.deletionTime(NS, b)).toBe(h.sim.now() + 60_000);
    expect(h.cluster(c)!.spec.rayVersion).toBe('2.54.0');
  });
});

describe('RayService: validation, deletion, suspend, timeout', () => {
  it('an invalid spec: Warning event and Ready=False/ValidationFailed, no cluster, no requeue', async () => {
    const h = rayServiceHarness();
    await h.client.create(
      service(
        makeRayService('svc').edit((o) => {
          o.spec.upgradeStrategy = { type: 'Bogus' as never };
        }),
      ),
    );
    await h.settle();
    expect(h.clusterNames()).toEqual([]);
    expect(cond(h.svc(), 'Ready')).toBe('False/ValidationFailed');
    expect(h.recorder.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'InvalidRayServiceSpec' });
    expect(h.recorder.events.at(-1)!.message).toContain('Spec.UpgradeStrategy.Type value Bogus is invalid');
    expect(h.results.at(-1)).toEqual({});
  });

  it('a head container without a serve port: no serve service, a Warning event', async () => {
    const h = rayServiceHarness();
    await h.client.create(makeRayService('svc').workers('cpu', 1).obj());
    await h.settle();
    const name = h.svc().status!.pendingServiceStatus!.rayClusterName!;
    await readyAndServing(h, name);
    expect(h.service('svc-serve-svc')).toBeUndefined();
    expect(h.recorder.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'FailedToCreateService', message: `default/svc: ${NO_SERVE_PORT_MESSAGE}` });
  });

  it('deleting the RayService deletes its clusters at once, then drops the finalizer', async () => {
    const h = rayServiceHarness();
    const a = await serving(h);
    await h.client.delete(RAY_SERVICE, 'svc', NS);
    expect(h.svc().metadata.deletionTimestamp).toBeDefined();
    await h.reconcile();
    expect(h.cluster(a)).toBeUndefined();
    await h.reconcile();
    expect(h.svc()).toBeUndefined();
  });

  it('suspend: Suspending, then clusters and services deleted, then Suspended; resume starts over', async () => {
    const h = rayServiceHarness();
    await serving(h);
    await h.editSpec((s) => {
      s.spec.suspend = true;
    });
    await h.reconcile();
    expect(cond(h.svc(), 'Suspending')).toBe('True/SuspendRequested');
    expect(h.svc().status!.activeServiceStatus).toEqual({});
    await h.settle();
    expect(h.clusterNames()).toEqual([]);
    expect(h.service('svc-serve-svc')).toBeUndefined();
    expect(h.service('svc-head-svc')).toBeUndefined();
    expect(cond(h.svc(), 'Suspended')).toBe('True/SuspendComplete');
    expect(cond(h.svc(), 'Ready')).toBe('False/SuspendComplete');
    await h.editSpec((s) => {
      s.spec.suspend = false;
    });
    await h.settle();
    expect(cond(h.svc(), 'Suspended')).toBe('False/RayServiceResumed');
    expect(h.clusterNames()).toHaveLength(1);
  });

  it('ray.io/initializing-timeout: Ready=False/InitializingTimeout after the timeout, and the clusters go', async () => {
    const h = rayServiceHarness();
    await h.client.create(service(makeRayService('svc').annotation('ray.io/initializing-timeout', '30s').deletionDelay(0)));
    await h.settle();
    expect(h.clusterNames()).toHaveLength(1);
    await h.advance(29_000);
    await h.settle();
    expect(cond(h.svc(), 'Ready')).toBe('False/Initializing');
    await h.advance(1000);
    await h.settle();
    expect(cond(h.svc(), 'Ready')).toBe('False/InitializingTimeout');
    expect(h.recorder.reasons()).toContain('RayServiceInitializingTimeout');
    expect(h.clusterNames()).toEqual([]);
    expect(h.results.at(-1)).toEqual({});
  });

  it('a dashboard that cannot be reached stops the round and requeues, without writing', async () => {
    const h = rayServiceHarness();
    await h.client.create(service());
    await h.settle();
    const name = h.svc().status!.pendingServiceStatus!.rayClusterName!;
    h.dashboards.dashboard(NS, name).unreachable();
    await h.makeClusterReady(name);
    const rv = h.store.stats().resourceVersion;
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 2000 });
    expect(h.store.stats().resourceVersion).toBe(rv);
    h.dashboards.dashboard(NS, name).unreachable(false);
    await h.settle();
    expect(h.dashboards.get(NS, name)!.serveConfigs).toHaveLength(1);
  });

  it('spec.managedBy another controller: not touched', async () => {
    const h = rayServiceHarness();
    await h.client.create(
      service(
        makeRayService('svc').edit((s) => {
          s.spec.managedBy = 'kueue.x-k8s.io/multikueue';
        }),
      ),
    );
    await h.settle();
    expect(h.svc().metadata.finalizers).toBeUndefined();
    expect(h.clusterNames()).toEqual([]);
  });
});

describe('RayService: pure parts', () => {
  const base = () => makeRayService('svc').servePort().workers('cpu', 2, { minReplicas: 1, maxReplicas: 4 }).obj();

  it.each<[string, boolean, (s: RayService) => void]>([
    ['replicas', true, (s) => void (s.spec.rayClusterConfig.workerGroupSpecs![0]!.replicas = 3)],
    ['min/max replicas', true, (s) => Object.assign(s.spec.rayClusterConfig.workerGroupSpecs![0]!, { minReplicas: 0, maxReplicas: 9 })],
    ['workersToDelete', true, (s) => void (s.spec.rayClusterConfig.workerGroupSpecs![0]!.scaleStrategy = { workersToDelete: ['p'] })],
    ['tolerations', true, (s) => void (s.spec.rayClusterConfig.headGroupSpec.template.spec.tolerations = [{ key: 'k', operator: 'Exists' }])],
    ['suspend', true, (s) => void (s.spec.rayClusterConfig.suspend = true)],
    ['image', false, (s) => void (s.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0]!.image = 'other')],
    ['rayVersion', false, (s) => void (s.spec.rayClusterConfig.rayVersion = '9.9.9')],
    ['a worker group renamed', false, (s) => void (s.spec.rayClusterConfig.workerGroupSpecs![0]!.groupName = 'x')],
  ])('changing %s keeps the cluster hash: %s', (_, same, edit) => {
    const a = base();
    const b = structuredClone(a);
    edit(b);
    expect(rayServiceClusterHash(a) === rayServiceClusterHash(b)).toBe(same);
  });

  it('isClusterSpecHashEqual: full and partial (appended worker groups)', () => {
    const svc = base();
    const cluster = makeRayCluster('c')
      .annotations({ [HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY]: rayServiceClusterHash(svc), [NUM_WORKER_GROUPS_KEY]: '1' })
      .obj();
    const appended = structuredClone(svc);
    appended.spec.rayClusterConfig.workerGroupSpecs!.push({ ...structuredClone(svc.spec.rayClusterConfig.workerGroupSpecs![0]!), groupName: 'more' });
    const changed = structuredClone(svc);
    changed.spec.rayClusterConfig.rayVersion = 'x';
    expect([isClusterSpecHashEqual(svc, cluster, false), isClusterSpecHashEqual(svc, cluster, true)]).toEqual([true, true]);
    expect([isClusterSpecHashEqual(appended, cluster, false), isClusterSpecHashEqual(appended, cluster, true)]).toEqual([false, true]);
    expect([isClusterSpecHashEqual(changed, cluster, false), isClusterSpecHashEqual(changed, cluster, true)]).toEqual([false, false]);
    expect(shouldPrepareNewCluster(appended, cluster, undefined, false)).toBe(false);
    expect(shouldPrepareNewCluster(changed, cluster, undefined, false)).toBe(true);
    expect(shouldPrepareNewCluster(changed, cluster, undefined, true)).toBe(false);
    expect(shouldPrepareNewCluster(svc, undefined, undefined, false)).toBe(true);
  });

  it('hashes are base32hex of SHA-1 (RFC 4648 vectors), stable across key order', () => {
    const enc = (s: string) => base32Hex(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual(['', 'CO======', 'CPNG====', 'CPNMU===', 'CPNMUOG=', 'CPNMUOJ1', 'CPNMUOJ1E8======']);
    const spec = base().spec.rayClusterConfig;
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(hashWithoutReplicasAndWorkersToDelete(reordered)).toBe(hashWithoutReplicasAndWorkersToDelete(spec));
    expect(hashWithoutReplicasAndWorkersToDelete(spec)).toMatch(/^[0-9A-V]{32}$/);
  });

  it.each<[string, string | undefined, Record<string, never> | { app: { status: string } }, boolean]>([
    ['nothing cached', undefined, { app: { status: 'RUNNING' } }, true],
    ['no application on the cluster', 'cfg', {}, true],
    ['config changed', 'old', { app: { status: 'RUNNING' } }, true],
    ['same config', 'cfg', { app: { status: 'RUNNING' } }, false],
  ])('checkIfNeedSubmitServeApplications: %s', (_, cached, apps, submit) => {
    expect(checkIfNeedSubmitServeApplications(cached, 'cfg', apps).submit).toBe(submit);
  });

  it('serve status: ready only when every application is RUNNING, "" is "default"', () => {
    const app = (status: 'RUNNING' | 'DEPLOYING') => ({ name: 'a', status, message: '', deployments: { D: { name: 'D', status: 'HEALTHY' as const } } });
    expect(serveStatusFromDetails({ applications: {} }).ready).toBe(false);
    expect(serveStatusFromDetails({ applications: { '': app('RUNNING'), b: app('RUNNING') } })).toEqual({
      ready: true,
      apps: {
        default: { status: 'RUNNING', message: '', serveDeploymentStatuses: { D: { status: 'HEALTHY', message: '' } } },
        b: { status: 'RUNNING', message: '', serveDeploymentStatuses: { D: { status: 'HEALTHY', message: '' } } },
      },
    });
    expect(serveStatusFromDetails({ applications: { a: app('RUNNING'), b: app('DEPLOYING') } }).ready).toBe(false);
  });

  it.each<[string, ReturnType<typeof makePod>, { excludeHead: boolean; serveStarted: boolean }, string | undefined]>([
    ['head not ready', makePod('h').rayNode('c', 'head').running(), { excludeHead: false, serveStarted: true }, 'false'],
    ['head ready, Serve not started', makePod('h').rayNode('c', 'head').ready(), { excludeHead: false, serveStarted: false }, 'false'],
    ['head ready, Serve started', makePod('h').rayNode('c', 'head').ready(), { excludeHead: false, serveStarted: true }, 'true'],
    ['head ready, already true', makePod('h').rayNode('c', 'head').label('ray.io/serve', 'true').ready(), { excludeHead: false, serveStarted: false }, 'true'],
    ['head excluded', makePod('h').rayNode('c', 'head').ready(), { excludeHead: true, serveStarted: true }, 'false'],
    ['worker ready, unlabelled', makePod('w').rayNode('c', 'worker').ready(), { excludeHead: false, serveStarted: false }, 'true'],
    ['worker pending, unlabelled', makePod('w').rayNode('c', 'worker'), { excludeHead: false, serveStarted: false }, undefined],
    ['worker labelled by the RayCluster controller', makePod('w').rayNode('c', 'worker').label('ray.io/serve', 'true'), { excludeHead: false, serveStarted: false }, 'true'],
    ['terminating', makePod('h').rayNode('c', 'head').ready().terminating(), { excludeHead: false, serveStarted: true }, undefined],
  ])('serve label: %s', (_, pod, input, want) => {
    expect(desiredServeLabel(pod.obj(), input)).toBe(want);
  });

  it('endpoints: selector match, Running and Ready, not terminating', () => {
    const sel = { 'ray.io/cluster': 'c', 'ray.io/serve': 'true' };
    const pods = [
      makePod('a').rayNode('c', 'head').label('ray.io/serve', 'true').ready(),
      makePod('b').rayNode('c', 'worker').label('ray.io/serve', 'true').running(),
      makePod('c').rayNode('c', 'worker').label('ray.io/serve', 'true').ready().terminating(),
      makePod('d').rayNode('other', 'worker').label('ray.io/serve', 'true').ready(),
      makePod('e').rayNode('c', 'worker').label('ray.io/serve', 'false').ready(),
    ].map((p) => p.obj());
    expect(countEndpoints(pods, sel)).toBe(1);
    expect(countEndpoints(pods, undefined)).toBe(0);
  });

  it('the serve service needs a serve port unless spec.serveService is given', () => {
    const cluster: RayCluster = makeRayCluster('c').obj();
    const noPort = makeRayService('svc').obj();
    expect(() => buildServeServiceForRayService(noPort, cluster)).toThrow(ServePortError);
    const custom = makeRayService('svc')
      .edit((s) => {
        s.spec.serveService = { metadata: { name: 'my-serve', labels: { team: 'a' } }, spec: { type: 'NodePort', ports: [{ name: 'serve', port: 9000 }] } };
      })
      .obj();
    const built = buildServeServiceForRayService(custom, cluster);
    expect(built.metadata.name).toBe('my-serve');
    expect(built.metadata.labels).toMatchObject({ team: 'a', 'ray.io/originated-from-cr-name': 'svc' });
    expect(built.spec).toMatchObject({ type: 'NodePort', selector: { 'ray.io/cluster': 'c', 'ray.io/serve': 'true' }, ports: [{ name: 'serve', port: 9000 }] });
  });
});
