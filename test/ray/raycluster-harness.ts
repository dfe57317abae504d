// A RayCluster controller under test without a manager: the in-memory store on a manual clock,
// the StoreCache reading it (freezable, to play a lagging cache), a MemoryEventRecorder, and
// helpers that play kubelet (run, fail and finish pods).

import type { Pod, Service } from '../../controller/api/core-types.js';
import type { RayCluster } from '../../controller/api/raycluster-types.js';
import { POD, RAY_CLUSTER, SERVICE } from '../../controller/api/constants.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import type { ReconcileContext, Result } from '../../controller/runtime/reconciler.js';
import { RayClusterReconciler } from '../../controller/ray/raycluster/reconciler.js';
import type { RayClusterEnv, RayClusterReconcilerOptions } from '../../controller/ray/raycluster/options.js';
import { createRng } from '../../sim/core/rng.js';
import { defaultCrdDir, loadCrdDirs } from '../../sim/kube/manifests.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { ObjectStore } from '../../sim/kube/store.js';
import { failPod, runPod } from '../fixtures/fake-kubelet.js';
import { StoreCache } from '../fixtures/store-cache.js';
import { DEFAULT_NAMESPACE } from '../fixtures/ray-builders.js';

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');

export class ManualClock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface HarnessOptions extends RayClusterReconcilerOptions {
  crdDirs?: string[];
  seed?: string;
}

const byName = (a: { metadata: { name?: string } }, b: { metadata: { name?: string } }) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);

export class Harness {
  readonly clock = new ManualClock();
  readonly store: ObjectStore;
  readonly client: MemoryKubeClient;
  readonly cache: StoreCache;
  readonly recorder: MemoryEventRecorder;
  readonly ctx: ReconcileContext;
  readonly reconciler: RayClusterReconciler;
  private ips = 2;

  constructor(opts: HarnessOptions = {}) {
    this.store = new ObjectStore({ clock: this.clock, rng: createRng(`${opts.seed ?? 'harness'}/apiserver`), freezeObjects: true });
    loadCrdDirs(this.store, [defaultCrdDir(), ...(opts.crdDirs ?? [])]);
    this.client = new MemoryKubeClient(this.store);
    this.cache = new StoreCache(this.store);
    this.recorder = new MemoryEventRecorder(this.clock);
    this.ctx = { client: this.client, cache: this.cache, clock: this.clock, rng: createRng(`${opts.seed ?? 'harness'}/raycluster`), recorder: this.recorder, log: silentLogger };
    this.reconciler = new RayClusterReconciler(opts);
  }

  get env(): RayClusterEnv {
    return this.reconciler.env(this.ctx);
  }

  async create(cluster: RayCluster): Promise<RayCluster> {
    return this.client.create(cluster);
  }

  /** The cluster as the store holds it now (a copy). */
  async cluster(name = 'c'): Promise<RayCluster> {
    return this.client.get<RayCluster>(RAY_CLUSTER, name, DEFAULT_NAMESPACE);
  }

  async reconcile(name = 'c'): Promise<Result> {
    const r = await this.reconciler.reconcile({ namespace: DEFAULT_NAMESPACE, name }, this.ctx);
    await settle();
    return r;
  }

  /** Changes the spec (a fresh copy is edited and written back). */
  async editSpec(fn: (c: RayCluster) => void, name = 'c'): Promise<RayCluster> {
    const c = await this.cluster(name);
    fn(c);
    return this.client.update(c);
  }

  pods(labels: Record<string, string> = {}): Pod[] {
    return (this.store.list(this.store.typeFor(POD), { labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') }).items as Pod[]).slice().sort(byName);
  }

  heads(cluster = 'c'): Pod[] {
    return this.pods({ 'ray.io/cluster': cluster, 'ray.io/node-type': 'head' });
  }

  workers(group?: string, cluster = 'c'): Pod[] {
    return this.pods({ 'ray.io/cluster': cluster, 'ray.io/node-type': 'worker', ...(group ? { 'ray.io/group': group } : {}) });
  }

  /** Pods not being deleted. */
  live(pods: Pod[]): Pod[] {
    return pods.filter((p) => !p.metadata.deletionTimestamp);
  }

  services(): Service[] {
    return (this.store.list(this.store.typeFor(SERVICE)).items as Service[]).slice().sort(byName);
  }

  /** Every pending pod becomes Running (and Ready unless `ready` is false). */
  async runAll(ready = true): Promise<void> {
    for (const p of this.pods()) {
      if (p.metadata.deletionTimestamp || p.status?.phase === 'Running') continue;
      await runPod(this.client, p, { ready, now: this.clock.now(), ip: `10.0.0.${this.ips++}` });
    }
  }

  async run(pod: Pod, ready = true): Promise<void> {
    await runPod(this.client, pod, { ready, now: this.clock.now(), ip: `10.0.0.${this.ips++}` });
  }

  async fail(pod: Pod): Promise<void> {
    await failPod(this.client, pod, this.clock.now());
  }

  /** The kubelet finishes every graceful deletion. */
  async finishTerminating(): Promise<void> {
    for (const p of this.pods()) if (p.metadata.deletionTimestamp) await this.client.delete(POD, p.metadata.name!, p.metadata.namespace, { gracePeriodSeconds: 0 });
    await settle();
  }

  reasons(): string[] {
    return this.recorder.reasons();
  }
}

/** Lets deferred store work (garbage collection) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export function harness(opts: HarnessOptions = {}): Harness {
  return new Harness(opts);
}
