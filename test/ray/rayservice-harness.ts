// Test harness for calling the RayService reconciler directly: the in-memory API server, store
// cache and event recorder of test/fixtures/api-env.ts, and per-cluster FakeDashboards. Helpers
// stand in for the RayCluster controller and the kubelet: `makeClusterReady` creates a cluster's
// head and worker pods Running and Ready and sets HeadPodReady and state ready on it.

import type { Result } from '../../controller/runtime/reconciler.js';
import type { Pod, RayCluster, RayService, Service } from '../../controller/api/types.js';
import {
  APPLICATION_NAME,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  POD,
  RAY_CLUSTER,
  RAY_CLUSTER_LABEL_KEY,
  RAY_ID_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
  RAY_SERVICE,
  SERVICE,
} from '../../controller/api/constants.js';
import { fakeDashboardFactory, type FakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import { rayServiceReconciler, type RayServiceReconciler, type RayServiceReconcilerOptions } from '../../controller/ray/rayservice/index.js';
import { apiEnv, type ApiEnv } from '../fixtures/api-env.js';
import { makePod } from '../fixtures/ray-builders.js';

export const NS = 'default';

export interface RayServiceHarness extends ApiEnv {
  dashboards: FakeDashboardFactory;
  reconciler: RayServiceReconciler;
  results: Result[];
  /** One reconcile of the RayService. */
  reconcile(name?: string): Promise<Result>;
  /** Reconciles until a reconcile writes nothing (at most `max` times); returns the last result. */
  settle(name?: string, max?: number): Promise<Result>;
  svc(name?: string): RayService;
  cluster(name: string): RayCluster | undefined;
  /** The RayService's clusters, by name. */
  clusterNames(name?: string): string[];
  service(name: string): Service | undefined;
  pods(cluster: string): Pod[];
  /** The stand-in RayCluster controller and kubelet: head and workers Running and Ready, HeadPodReady, state ready. */
  makeClusterReady(cluster: string, opts?: { workersReady?: boolean }): Promise<void>;
  /** The serve application of `cluster`'s fake dashboard reports RUNNING (all of them by default). */
  serveRunning(cluster: string, apps?: string[]): void;
  /** Replaces the RayService spec through the API (generation bumps). */
  editSpec(fn: (svc: RayService) => void, name?: string): Promise<void>;
}

export function rayServiceHarness(opts: Partial<RayServiceReconcilerOptions> = {}, seed?: string): RayServiceHarness {
  const env = apiEnv(seed ?? 'rayservice-test');
  const dashboards = fakeDashboardFactory();
  const reconciler = rayServiceReconciler({ dashboards, ...opts });
  const results: Result[] = [];
  const reconcile = async (name = 'svc'): Promise<Result> => {
    const r = await reconciler.reconcile({ namespace: NS, name }, env.ctx);
    results.push(r);
    return r;
  };
  const svc = (name = 'svc') => env.store.peek(env.store.typeFor(RAY_SERVICE), NS, name) as RayService;
  const h: RayServiceHarness = {
    ...env,
    dashboards,
    reconciler,
    results,
    reconcile,
    async settle(name = 'svc', max = 12) {
      let last: Result = {};
      for (let i = 0; i < max; i++) {
        const before = env.store.stats().resourceVersion;
        last = await reconcile(name);
        if (env.store.stats().resourceVersion === before) return last;
      }
      throw new Error(`RayService ${name} did not settle in ${max} reconciles`);
    },
    svc,
    cluster: (name) => env.store.peek(env.store.typeFor(RAY_CLUSTER), NS, name) as RayCluster | undefined,
    clusterNames: (name = 'svc') =>
      env.cache
        .list<RayCluster>(RAY_CLUSTER, { namespace: NS, labels: { [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: name } })
        .map((c) => c.metadata.name!),
    service: (name) => env.store.peek(env.store.typeFor(SERVICE), NS, name) as Service | undefined,
    pods: (cluster) => env.cache.list<Pod>(POD, { namespace: NS, labels: { [RAY_CLUSTER_LABEL_KEY]: cluster } }),
    async makeClusterReady(name, o = {}) {
      const cluster = h.cluster(name);
      if (!cluster) throw new Error(`no RayCluster ${name}`);
      const owner = { ...cluster, metadata: { ...cluster.metadata } };
      const rayPod = (podName: string, type: 'head' | 'worker', group?: string) =>
        makePod(podName)
          .rayNode(name, type, group)
          .labels({ [RAY_ID_LABEL_KEY]: `${name}-${type}`, [KUBERNETES_APPLICATION_NAME_LABEL_KEY]: APPLICATION_NAME })
          .ownedBy(owner)
          .obj();
      const ready = async (pod: Pod, isReady: boolean) => {
        const created = await env.client.create(pod);
        const status = isReady ? makePod('x').ready().obj().status : makePod('x').running().obj().status;
        await env.client.updateStatus({ ...created, status });
      };
      await ready(rayPod(`${name}-head`, 'head'), true);
      let workers = 0;
      for (const g of cluster.spec.workerGroupSpecs ?? []) {
        for (let i = 0; i < (g.replicas ?? 0); i++) {
          await ready(rayPod(`${name}-${g.groupName}-worker-${i}`, 'worker', g.groupName), o.workersReady !== false);
          workers++;
        }
      }
      await env.client.updateStatus({
        ...cluster,
        status: {
          state: 'ready',
          readyWorkerReplicas: o.workersReady !== false ? workers : 0,
          desiredWorkerReplicas: workers,
          conditions: [{ type: 'HeadPodReady', status: 'True', reason: 'HeadPodRunningAndReady', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        },
      });
    },
    serveRunning(cluster, apps) {
      const d = dashboards.dashboard(NS, cluster);
      const submitted = (d.lastServeConfig?.applications ?? []) as { name?: string }[];
      const names = apps ?? submitted.map((a) => a.name ?? 'default');
      for (const a of names) d.setServeStatus(a, 'RUNNING');
    },
    async editSpec(fn, name = 'svc') {
      const cur = structuredClone(svc(name)) as RayService;
      fn(cur);
      await env.client.update(cur);
    },
  };
  return h;
}
