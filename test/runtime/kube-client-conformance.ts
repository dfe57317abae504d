// One conformance suite for every KubeClient: the in-memory client, HttpKubeClient over raysim's
// own API server, and HttpKubeClient over a real cluster. Each case states a Kubernetes API
// behaviour controllers rely on, and fails when a transport gets it wrong.
//
// Safe on a shared cluster: every object has a unique name (run id + counter), lives in the
// namespace the setup hands over (or is a namespace the case creates), and is deleted afterwards.
// Pods use a scheduler name nothing answers to and are bound to node names that do not exist, so
// a real scheduler or kubelet never touches them; RayJobs are marked managedBy MultiKueue, so a
// KubeRay operator in the cluster leaves them alone.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import { METADATA_ONLY, type ClientWatchOptions, type KubeClient, type ResourceId, type Watch } from '../../controller/runtime/kube-client.js';
import type { KubeObject, WatchEvent } from '../../controller/runtime/kube-object.js';
import { waitUntil } from '../fixtures/kube-actors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export interface ConformanceEnv {
  client: KubeClient;
  /** An existing namespace the suite may fill (and that the setup cleans up, if it made it). */
  namespace: string;
  teardown(): Promise<void>;
}

export interface ConformanceOptions {
  /**
   * Changes per kind the server retains for watches (the store's watchWindow). The suite writes
   * more than this many to force a 410. Unset (a real cluster, whose window is time-based and
   * large): the 410 case is skipped.
   */
  watchWindow?: number;
  /** Bounded wait for asynchronous server work such as garbage collection (default 10 s). */
  asyncTimeoutMs?: number;
  /** Per-case timeout (default: vitest's). */
  testTimeoutMs?: number;
}

export const POD: ResourceId = { apiVersion: 'v1', kind: 'Pod' };
export const CONFIGMAP: ResourceId = { apiVersion: 'v1', kind: 'ConfigMap' };
export const NAMESPACE: ResourceId = { apiVersion: 'v1', kind: 'Namespace' };
export const RAYJOB: ResourceId = { apiVersion: 'ray.io/v1', kind: 'RayJob' };

const RUN_LABEL = 'conformance.raysim.io/run';
const FINALIZER = 'conformance.raysim.io/hold';
const RUN = Math.random().toString(36).slice(2, 7).padEnd(5, '0');
let counter = 0;

/** A name no other case, and no concurrent run against the same cluster, uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${RUN}-${++counter}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns something other than undefined/false; fails after timeoutMs. */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 20): Promise<T> {
  return waitUntil(what, fn, timeoutMs, intervalMs);
}

/** The ApiError a call fails with; fails the test when it succeeds or throws something else. */
export async function apiError(p: Promise<unknown>): Promise<ApiError> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw new Error(`expected an ApiError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected the call to fail with an ApiError, but it succeeded with ${JSON.stringify(result)?.slice(0, 300)}`);
}

export async function expectApiError(p: Promise<unknown>, code: number, reason: string): Promise<ApiError> {
  const e = await apiError(p);
  expect({ code: e.code, reason: e.reason }, e.message).toEqual({ code, reason });
  return e;
}

function rv(o: { metadata: object }): bigint {
  const v = (o.metadata as { resourceVersion?: string }).resourceVersion;
  expect(v, 'resourceVersion is set').toMatch(/^\d+$/);
  return BigInt(v!);
}

async function isGone(client: KubeClient, id: ResourceId, name: string, namespace?: string): Promise<boolean> {
  try {
    await client.get(id, name, namespace);
    return false;
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return true;
    throw e;
  }
}

function names(items: KubeObject[]): string[] {
  return items.map((o) => o.metadata.name!).sort();
}

// ------------------------------------------------------------------ object builders

export function configMap(namespace: string, name: string, data: Record<string, string> = {}, meta: Obj = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...meta }, data };
}

export function pod(namespace: string, name: string, meta: Obj = {}, containers = ['main']): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...meta },
    spec: {
      // No scheduler answers to this name, so the pod stays pending until the suite binds it.
      schedulerName: 'raysim-conformance-none',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      containers: containers.map((c) => ({ name: c, image: 'registry.k8s.io/pause:3.9' })),
    },
  };
}

export function rayJob(namespace: string, name: string, spec: Obj = {}, meta: Obj = {}): KubeObject {
  return {
    apiVersion: 'ray.io/v1',
    kind: 'RayJob',
    metadata: { name, namespace, ...meta },
    // managedBy MultiKueue: a KubeRay operator in a real cluster leaves these jobs alone.
    spec: { entrypoint: 'python -c "print(1)"', managedBy: 'kueue.x-k8s.io/multikueue', ...spec },
  };
}

// ------------------------------------------------------------------ watch recorder

interface Recorder {
  events: WatchEvent[];
  closed: boolean;
  error?: ApiError;
  watch: Watch;
  /** Events about one object, in arrival order. */
  of(name: string): WatchEvent[];
  until(what: string, pred: (events: WatchEvent[]) => boolean): Promise<void>;
  untilClosed(): Promise<ApiError | undefined>;
}

// ------------------------------------------------------------------ the suite

export function kubeClientConformance(name: string, setup: () => Promise<ConformanceEnv>, opts: ConformanceOptions = {}): void {
  const asyncMs = opts.asyncTimeoutMs ?? 10_000;
  const timeout = opts.testTimeoutMs;

  describe(name, () => {
    let env: ConformanceEnv | undefined;
    const cleanups: (() => Promise<unknown>)[] = [];
    const watches: Watch[] = [];

    beforeAll(async () => {
      env = await setup();
    }, Math.max(timeout ?? 0, 60_000));

    afterEach(async () => {
      for (const w of watches.splice(0)) w.stop();
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    }, Math.max(timeout ?? 0, 30_000));

    afterAll(async () => {
      await env?.teardown();
    }, Math.max(timeout ?? 0, 60_000));

    const client = (): KubeClient => {
      if (!env) throw new Error('conformance setup failed');
      return env.client;
    };
    const ns = (): string => env!.namespace;

    /** Deletes the object after the case (removing this suite's finalizer if it is still held). */
    function track(id: ResourceId, objName: string, namespace?: string): void {
      cleanups.push(async () => {
        const c = client();
        const left = await c.delete(id, objName, namespace, { gracePeriodSeconds: 0 }).catch(() => undefined);
        if (left?.metadata.finalizers?.includes(FINALIZER)) await c.patch(id, objName, namespace, { metadata: { finalizers: null } }, 'merge');
      });
    }

    async function create<T extends KubeObject>(obj: T): Promise<T> {
      const created = await client().create(obj);
      track({ apiVersion: obj.apiVersion, kind: obj.kind }, created.metadata.name!, created.metadata.namespace);
      return created;
    }

    async function record(id: ResourceId, wopts: ClientWatchOptions): Promise<Recorder> {
      const events: WatchEvent[] = [];
      let closedWith: ((e: ApiError | undefined) => void) | undefined;
      const closedP = new Promise<ApiError | undefined>((r) => (closedWith = r));
      const rec: Recorder = {
        events,
        closed: false,
        watch: undefined as unknown as Watch,
        of: (n) => events.filter((e) => e.object.metadata?.name === n),
        until: async (what, pred) => {
          const deadline = Date.now() + asyncMs;
          while (!pred(events)) {
            if (rec.closed) throw new Error(`watch closed (${rec.error ? `${rec.error.code} ${rec.error.message}` : 'no error'}) before ${what}; events: ${JSON.stringify(events.map((e) => [e.type, e.object.metadata?.name]))}`);
            if (Date.now() >= deadline) throw new Error(`timed out after ${asyncMs} ms waiting for ${what}; events: ${JSON.stringify(events.map((e) => [e.type, e.object.metadata?.name]))}`);
            await sleep(10);
          }
        },
        untilClosed: () =>
          Promise.race([closedP, sleep(asyncMs).then(() => Promise.reject(new Error(`watch did not close within ${asyncMs} ms; events: ${JSON.stringify(events.map((e) => e.type))}`)))]),
      };
      rec.watch = await client().watch(id, wopts, {
        event: (e) => {
          if (e.type !== 'BOOKMARK') events.push(e);
        },
        closed: (err) => {
          rec.closed = true;
          rec.error = err;
          closedWith?.(err);
        },
      });
      watches.push(rec.watch);
      return rec;
    }

    // -------------------------------------------------------------- ConfigMaps

    describe('ConfigMap (core, namespaced)', () => {
      it('create/get/list/update/delete round trip, with server-set metadata and increasing resourceVersions', async () => {
        const c = client();
        const n = uniqueName('cm');
        const created = await create(configMap(ns(), n, { a: '1' }, { labels: { [RUN_LABEL]: n } }));
        expect(created.metadata.name).toBe(n);
        expect(created.metadata.namespace).toBe(ns());
        expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(Date.parse(created.metadata.creationTimestamp!)).not.toBeNaN();
        expect(created.data).toEqual({ a: '1' });

        const got = await c.get(CONFIGMAP, n, ns());
        expect(got.metadata.uid).toBe(created.metadata.uid);
        expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
        expect(got.data).toEqual({ a: '1' });
        expect(got.apiVersion).toBe('v1');
        expect(got.kind).toBe('ConfigMap');

        const list = await c.list(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${n}` });
        expect(names(list.items)).toEqual([n]);
        expect(list.items[0].kind).toBe('ConfigMap');
        expect(list.items[0].apiVersion).toBe('v1');
        expect(rv(list)).toBeGreaterThanOrEqual(rv(created));

        const updated = await c.update({ ...got, data: { a: '2', b: '3' } });
        expect(updated.data).toEqual({ a: '2', b: '3' });
        expect(updated.metadata.uid).toBe(created.metadata.uid);
        expect(rv(updated)).toBeGreaterThan(rv(created));
        expect((await c.get(CONFIGMAP, n, ns())).data).toEqual({ a: '2', b: '3' });

        const patched = await c.patch(CONFIGMAP, n, ns(), { data: { c: '4' } }, 'merge');
        expect(rv(patched)).toBeGreaterThan(rv(updated));

        await c.delete(CONFIGMAP, n, ns());
        await expectApiError(c.get(CONFIGMAP, n, ns()), 404, 'NotFound');
        expect((await c.list(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${n}` })).items).toEqual([]);
      }, timeout);

      it('errors: get/update/delete missing -> 404 NotFound, create existing -> 409 AlreadyExists, stale update -> 409 Conflict', async () => {
        const c = client();
        const n = uniqueName('cm-err');
        const missing = await expectApiError(c.get(CONFIGMAP, n, ns()), 404, 'NotFound');
        expect(missing.message).toContain(n);
        await expectApiError(c.update(configMap(ns(), n, { a: '1' })), 404, 'NotFound');
        await expectApiError(c.delete(CONFIGMAP, n, ns()), 404, 'NotFound');
        await expectApiError(c.patch(CONFIGMAP, n, ns(), { data: { a: '1' } }, 'merge'), 404, 'NotFound');

        const first = await create(configMap(ns(), n, { a: '1' }));
        await expectApiError(c.create(configMap(ns(), n, { a: 'other' })), 409, 'AlreadyExists');
        expect((await c.get(CONFIGMAP, n, ns())).data).toEqual({ a: '1' });

        const second = await c.update({ ...first, data: { a: '2' } });
        // Writing with the resourceVersion that was read before the last write is a conflict.
        const stale = await expectApiError(c.update({ ...first, data: { a: 'stale' } }), 409, 'Conflict');
        expect(stale.message).toContain(n);
        expect((await c.get(CONFIGMAP, n, ns())).data).toEqual({ a: '2' });
        // A patch naming a stale resourceVersion is a precondition and fails the same way.
        await expectApiError(c.patch(CONFIGMAP, n, ns(), { metadata: { resourceVersion: first.metadata.resourceVersion }, data: { a: 'x' } }, 'merge'), 409, 'Conflict');
        // Without a resourceVersion an update is unconditional.
        const { resourceVersion: _drop, ...metaNoRv } = second.metadata;
        const forced = await c.update({ ...second, metadata: metaNoRv, data: { a: '3' } });
        expect(forced.data).toEqual({ a: '3' });
        expect(rv(forced)).toBeGreaterThan(rv(second));
        // Delete preconditions.
        await expectApiError(c.delete(CONFIGMAP, n, ns(), { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }), 409, 'Conflict');
        await expectApiError(c.delete(CONFIGMAP, n, ns(), { preconditions: { resourceVersion: first.metadata.resourceVersion } }), 409, 'Conflict');
        expect((await c.get(CONFIGMAP, n, ns())).metadata.uid).toBe(first.metadata.uid);
      }, timeout);

      it('an update that changes nothing keeps the resourceVersion; dryRun writes nothing', async () => {
        const c = client();
        const n = uniqueName('cm-noop');
        const created = await create(configMap(ns(), n, { a: '1' }));
        const same = await c.update({ ...created });
        expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

        const dry = uniqueName('cm-dry');
        const preview = await c.create(configMap(ns(), dry, { a: '1' }), { dryRun: true });
        expect(preview.metadata.name).toBe(dry);
        await expectApiError(c.get(CONFIGMAP, dry, ns()), 404, 'NotFound');
        const dryUpdate = await c.update({ ...created, data: { a: 'dry' } }, { dryRun: true });
        expect(dryUpdate.data).toEqual({ a: 'dry' });
        expect((await c.get(CONFIGMAP, n, ns())).data).toEqual({ a: '1' });
      }, timeout);

      it('merge, JSON and strategic merge patches', async () => {
        const c = client();
        const n = uniqueName('cm-patch');
        const created = await create(configMap(ns(), n, { a: '1', b: '2' }, { labels: { keep: 'yes', drop: 'yes' } }));

        const merged = await c.patch(CONFIGMAP, n, ns(), { metadata: { labels: { drop: null, added: 'yes' } }, data: { b: null, c: '3' } }, 'merge');
        expect(merged.data).toEqual({ a: '1', c: '3' });
        expect(merged.metadata.labels).toEqual({ keep: 'yes', added: 'yes' });
        expect(rv(merged)).toBeGreaterThan(rv(created));

        const jsonPatched = await c.patch(
          CONFIGMAP,
          n,
          ns(),
          [
            { op: 'test', path: '/data/a', value: '1' },
            { op: 'replace', path: '/data/a', value: 'one' },
            { op: 'add', path: '/data/d', value: '4' },
            { op: 'remove', path: '/data/c' },
          ],
          'json',
        );
        expect(jsonPatched.data).toEqual({ a: 'one', d: '4' });
        expect(rv(jsonPatched)).toBeGreaterThan(rv(merged));

        // A failing `test` operation rejects the whole patch.
        await expectApiError(
          c.patch(CONFIGMAP, n, ns(), [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'replace', path: '/data/a', value: 'x' }], 'json'),
          422,
          'Invalid',
        );
        expect((await c.get(CONFIGMAP, n, ns())).data).toEqual({ a: 'one', d: '4' });

        const strategic = await c.patch(CONFIGMAP, n, ns(), { data: { e: '5' } }, 'strategic');
        expect(strategic.data).toEqual({ a: 'one', d: '4', e: '5' });
        expect(rv(strategic)).toBeGreaterThan(rv(jsonPatched));
      }, timeout);

      it('label and field selectors on list, in a namespace and across namespaces', async () => {
        const c = client();
        const run = uniqueName('sel');
        const sel = `${RUN_LABEL}=${run}`;
        const a = (await create(configMap(ns(), uniqueName('cm-a'), {}, { labels: { [RUN_LABEL]: run, app: 'web', tier: 'front' } }))).metadata.name!;
        const b = (await create(configMap(ns(), uniqueName('cm-b'), {}, { labels: { [RUN_LABEL]: run, app: 'web', tier: 'back' } }))).metadata.name!;
        const d = (await create(configMap(ns(), uniqueName('cm-d'), {}, { labels: { [RUN_LABEL]: run, app: 'db' } }))).metadata.name!;
        await create(configMap(ns(), uniqueName('cm-other'), {}, { labels: { [RUN_LABEL]: `${run}-x`, app: 'web' } }));

        const list = async (labelSelector?: string, fieldSelector?: string, namespace: string | null = ns()) =>
          names((await c.list(CONFIGMAP, { namespace: namespace ?? undefined, labelSelector, fieldSelector })).items);
        expect(await list(sel)).toEqual([a, b, d].sort());
        expect(await list(`${sel},app=web`)).toEqual([a, b].sort());
        expect(await list(`${sel},app!=web`)).toEqual([d]);
        expect(await list(`${sel},tier in (front,back)`)).toEqual([a, b].sort());
        expect(await list(`${sel},tier notin (front)`)).toEqual([b, d].sort());
        expect(await list(`${sel},tier`)).toEqual([a, b].sort());
        expect(await list(`${sel},!tier`)).toEqual([d]);
        expect(await list(sel, `metadata.name=${a}`)).toEqual([a]);
        expect(await list(sel, `metadata.name!=${a}`)).toEqual([b, d].sort());
        expect(await list(`${sel},app=db`, `metadata.name=${a}`)).toEqual([]);
        expect(await list(undefined, `metadata.name=${b}`)).toEqual([b]);
        // Across all namespaces.
        expect(await list(sel, undefined, null)).toEqual([a, b, d].sort());
        expect(await list(sel, `metadata.namespace=${ns()}`, null)).toEqual([a, b, d].sort());
        expect(await list(sel, 'metadata.namespace=default', null)).toEqual([]);

        await expectApiError(c.list(CONFIGMAP, { namespace: ns(), labelSelector: 'app in (web' }), 400, 'BadRequest');
        await expectApiError(c.list(CONFIGMAP, { namespace: ns(), fieldSelector: 'data.a=1' }), 400, 'BadRequest');
      }, timeout);

      it('limit/continue pagination returns every match once, in name order', async () => {
        const c = client();
        const run = uniqueName('page');
        const made: string[] = [];
        for (let i = 0; i < 5; i++) made.push((await create(configMap(ns(), uniqueName('cm-page'), {}, { labels: { [RUN_LABEL]: run } }))).metadata.name!);
        const sel = `${RUN_LABEL}=${run}`;

        const p1 = await c.list(CONFIGMAP, { namespace: ns(), labelSelector: sel, limit: 2 });
        expect(p1.items).toHaveLength(2);
        expect(p1.metadata.continue).toBeTruthy();
        const p2 = await c.list(CONFIGMAP, { namespace: ns(), labelSelector: sel, limit: 2, continue: p1.metadata.continue });
        expect(p2.items).toHaveLength(2);
        expect(p2.metadata.continue).toBeTruthy();
        const p3 = await c.list(CONFIGMAP, { namespace: ns(), labelSelector: sel, limit: 2, continue: p2.metadata.continue });
        expect(p3.items).toHaveLength(1);
        expect(p3.metadata.continue ?? '').toBe('');
        const all = [...p1.items, ...p2.items, ...p3.items].map((o) => o.metadata.name!);
        expect(all).toEqual([...made].sort());

        // Without a limit everything comes at once.
        const whole = await c.list(CONFIGMAP, { namespace: ns(), labelSelector: sel });
        expect(whole.items).toHaveLength(5);
        expect(whole.metadata.continue ?? '').toBe('');
        await expectApiError(c.list(CONFIGMAP, { namespace: ns(), limit: 2, continue: 'not-a-continue-token' }), 400, 'BadRequest');
      }, timeout);

      it('delete with a finalizer keeps the object, with deletionTimestamp, until the finalizer is removed', async () => {
        const c = client();
        const n = uniqueName('cm-fin');
        await create(configMap(ns(), n, { a: '1' }, { finalizers: [FINALIZER] }));
        const deleted = await c.delete(CONFIGMAP, n, ns());
        expect(deleted?.metadata.deletionTimestamp, 'delete returns the terminating object').toBeTruthy();

        const held = await c.get(CONFIGMAP, n, ns());
        expect(held.metadata.deletionTimestamp).toBeTruthy();
        expect(held.metadata.finalizers).toEqual([FINALIZER]);
        // Still writable while terminating; a second delete changes nothing.
        const written = await c.patch(CONFIGMAP, n, ns(), { data: { a: '2' } }, 'merge');
        expect(written.data).toEqual({ a: '2' });
        expect(written.metadata.deletionTimestamp).toBe(held.metadata.deletionTimestamp);
        await c.delete(CONFIGMAP, n, ns());
        expect((await c.get(CONFIGMAP, n, ns())).metadata.deletionTimestamp).toBe(held.metadata.deletionTimestamp);

        await c.patch(CONFIGMAP, n, ns(), { metadata: { finalizers: null } }, 'merge');
        await expectApiError(c.get(CONFIGMAP, n, ns()), 404, 'NotFound');
      }, timeout);

      it('ownerReference garbage collection: Background deletes dependents, Orphan keeps them, Foreground deletes them first', async () => {
        const c = client();
        const ref = (o: KubeObject, extra: Obj = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name!, uid: o.metadata.uid!, ...extra });

        // Background (the default).
        const owner = await create(configMap(ns(), uniqueName('gc-owner')));
        const dep = await create(configMap(ns(), uniqueName('gc-dep'), {}, { ownerReferences: [ref(owner)] }));
        const bystander = await create(configMap(ns(), uniqueName('gc-bystander')));
        expect(dep.metadata.ownerReferences?.[0].uid).toBe(owner.metadata.uid);
        await c.delete(CONFIGMAP, owner.metadata.name!, ns());
        await waitFor(`dependent ${dep.metadata.name} to be garbage collected`, () => isGone(c, CONFIGMAP, dep.metadata.name!, ns()), asyncMs);
        expect((await c.get(CONFIGMAP, bystander.metadata.name!, ns())).metadata.uid).toBe(bystander.metadata.uid);

        // Orphan: the dependent stays and loses its ownerReference.
        const owner2 = await create(configMap(ns(), uniqueName('gc-owner')));
        const dep2 = await create(configMap(ns(), uniqueName('gc-dep'), {}, { ownerReferences: [ref(owner2)] }));
        await c.delete(CONFIGMAP, owner2.metadata.name!, ns(), { propagationPolicy: 'Orphan' });
        await waitFor(`owner ${owner2.metadata.name} to be gone`, () => isGone(c, CONFIGMAP, owner2.metadata.name!, ns()), asyncMs);
        const orphan = await waitFor(
          `${dep2.metadata.name} to lose its ownerReference`,
          async () => {
            const o = await c.get(CONFIGMAP, dep2.metadata.name!, ns());
            return o.metadata.ownerReferences?.length ? undefined : o;
          },
          asyncMs,
        );
        expect(orphan.metadata.uid).toBe(dep2.metadata.uid);

        // Foreground: the owner waits, terminating, until its blocking dependent is gone.
        const owner3 = await create(configMap(ns(), uniqueName('gc-owner')));
        const dep3 = await create(configMap(ns(), uniqueName('gc-dep'), {}, { ownerReferences: [ref(owner3, { blockOwnerDeletion: true })] }));
        const terminating = await c.delete(CONFIGMAP, owner3.metadata.name!, ns(), { propagationPolicy: 'Foreground' });
        expect(terminating?.metadata.deletionTimestamp).toBeTruthy();
        expect(terminating?.metadata.finalizers).toContain('foregroundDeletion');
        await waitFor(`dependent ${dep3.metadata.name} to be deleted`, () => isGone(c, CONFIGMAP, dep3.metadata.name!, ns()), asyncMs);
        await waitFor(`owner ${owner3.metadata.name} to be deleted`, () => isGone(c, CONFIGMAP, owner3.metadata.name!, ns()), asyncMs);
      }, timeout);
    });

    // -------------------------------------------------------------- Pods

    describe('Pod (core, namespaced, status and binding subresources)', () => {
      it('create fills defaults and a Pending status; update ignores status; updateStatus ignores everything else', async () => {
        const c = client();
        const n = uniqueName('pod');
        const created = await create(pod(ns(), n, { labels: { app: 'x' } }));
        expect((created.status as Obj)?.phase).toBe('Pending');
        expect((created.spec as Obj).restartPolicy).toBe('Always');
        expect((created.spec as Obj).nodeName).toBeUndefined();

        const withLabel = await c.update<KubeObject>({ ...created, metadata: { ...created.metadata, labels: { app: 'y' } }, status: { phase: 'Failed' } });
        expect(withLabel.metadata.labels).toEqual({ app: 'y' });
        expect((withLabel.status as Obj).phase).toBe('Pending');
        expect(rv(withLabel)).toBeGreaterThan(rv(created));

        // (A real API server lets pods/status change labels, so only spec is checked here.)
        const status = await c.updateStatus({
          ...withLabel,
          spec: { ...(withLabel.spec as Obj), activeDeadlineSeconds: 100 },
          status: { ...(withLabel.status as Obj), message: 'from the conformance suite' },
        });
        expect((status.status as Obj).message).toBe('from the conformance suite');
        expect((status.spec as Obj).activeDeadlineSeconds).toBeUndefined();
        expect(rv(status)).toBeGreaterThan(rv(withLabel));
        const got = await c.get(POD, n, ns());
        expect((got.status as Obj).message).toBe('from the conformance suite');
        expect((got.spec as Obj).activeDeadlineSeconds).toBeUndefined();
        expect(got.metadata.labels).toEqual({ app: 'y' });

        // Pod specs are mostly immutable: changing anything but images is 422.
        await expectApiError(c.update({ ...got, spec: { ...(got.spec as Obj), restartPolicy: 'Never' } }), 422, 'Invalid');
        await expectApiError(c.updateStatus({ ...created, status: { phase: 'Running' } }), 409, 'Conflict');
      }, timeout);

      it('strategic merge patch merges containers by name; a merge patch replaces the list (and is rejected)', async () => {
        const c = client();
        const n = uniqueName('pod-smp');
        await create(pod(ns(), n, {}, ['main', 'side']));
        const image = 'registry.k8s.io/pause:3.10';
        const patched = await c.patch(POD, n, ns(), { spec: { containers: [{ name: 'side', image }] } }, 'strategic');
        const containers = (patched.spec as Obj).containers as Obj[];
        expect(containers.map((x) => x.name)).toEqual(['main', 'side']);
        expect(containers.map((x) => x.image)).toEqual(['registry.k8s.io/pause:3.9', image]);

        // The same body as a JSON merge patch replaces the whole list: that removes `main`.
        await expectApiError(c.patch(POD, n, ns(), { spec: { containers: [{ name: 'side', image: 'registry.k8s.io/pause:3.9' }] } }, 'merge'), 422, 'Invalid');

        const json = await c.patch(POD, n, ns(), [{ op: 'replace', path: '/spec/containers/0/image', value: image }], 'json');
        expect(((json.spec as Obj).containers as Obj[]).map((x) => x.image)).toEqual([image, image]);

        const labelled = await c.patch(POD, n, ns(), { metadata: { labels: { patched: 'true' } } }, 'merge');
        expect(labelled.metadata.labels).toEqual({ patched: 'true' });

        // /status patch: only status changes.
        const st = await c.patch(POD, n, ns(), { spec: { activeDeadlineSeconds: 100 }, status: { message: 'patched status' } }, 'merge', { subresource: 'status' });
        expect((st.status as Obj).message).toBe('patched status');
        expect((st.status as Obj).phase).toBe('Pending');
        expect((st.spec as Obj).activeDeadlineSeconds).toBeUndefined();
        expect(st.metadata.labels).toEqual({ patched: 'true' });
      }, timeout);

      it('binding sets spec.nodeName and PodScheduled; a second binding is 409; field selector spec.nodeName finds it', async () => {
        const c = client();
        const n = uniqueName('pod-bind');
        const other = uniqueName('pod-unbound');
        const node = uniqueName('conformance-node');
        const created = await create(pod(ns(), n));
        await create(pod(ns(), other));

        await c.bind(ns(), n, node, created.metadata.uid);
        const bound = await c.get(POD, n, ns());
        expect((bound.spec as Obj).nodeName).toBe(node);
        const scheduled = ((bound.status as Obj).conditions as Obj[] | undefined)?.find((x) => x.type === 'PodScheduled');
        expect(scheduled?.status).toBe('True');
        expect(rv(bound)).toBeGreaterThan(rv(created));

        const again = await expectApiError(c.bind(ns(), n, `${node}-2`), 409, 'Conflict');
        expect(again.message).toContain(node);
        expect((await c.get(POD, n, ns())).spec).toMatchObject({ nodeName: node });
        await expectApiError(c.bind(ns(), uniqueName('no-such-pod'), node), 404, 'NotFound');

        expect(names((await c.list(POD, { namespace: ns(), fieldSelector: `spec.nodeName=${node}` })).items)).toEqual([n]);
        const unbound = names((await c.list(POD, { namespace: ns(), fieldSelector: 'spec.nodeName=' })).items);
        expect(unbound).toContain(other);
        expect(unbound).not.toContain(n);
        expect(names((await c.list(POD, { namespace: ns(), fieldSelector: `spec.nodeName=${node},status.phase=Pending` })).items)).toEqual([n]);
      }, timeout);

      it('deleting an unbound pod removes it at once; a bound pod terminates gracefully unless gracePeriodSeconds is 0', async () => {
        const c = client();
        const unbound = uniqueName('pod-del');
        await create(pod(ns(), unbound));
        await c.delete(POD, unbound, ns());
        await expectApiError(c.get(POD, unbound, ns()), 404, 'NotFound');

        const bound = uniqueName('pod-del-bound');
        const p = pod(ns(), bound);
        (p.spec as Obj).terminationGracePeriodSeconds = 30;
        await create(p);
        await c.bind(ns(), bound, uniqueName('conformance-node'));
        const terminating = await c.delete(POD, bound, ns());
        expect(terminating?.metadata.deletionTimestamp).toBeTruthy();
        expect(terminating?.metadata.deletionGracePeriodSeconds).toBe(30);
        expect((await c.get(POD, bound, ns())).metadata.deletionTimestamp).toBeTruthy();
        await c.delete(POD, bound, ns(), { gracePeriodSeconds: 0 });
        await waitFor(`pod ${bound} to be removed`, () => isGone(c, POD, bound, ns()), asyncMs);
      }, timeout);
    });

    // -------------------------------------------------------------- Namespaces

    describe('Namespace (core, cluster-scoped)', () => {
      it('create/get/list/update/patch/delete a namespace; deleting it removes its content', async () => {
        const c = client();
        const n = uniqueName('conformance-ns');
        const created = await create<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { [RUN_LABEL]: n } } });
        expect(created.metadata.namespace ?? '').toBe('');
        expect((created.status as Obj).phase).toBe('Active');
        expect(created.metadata.labels?.['kubernetes.io/metadata.name']).toBe(n);

        const got = await c.get(NAMESPACE, n);
        expect(got.metadata.uid).toBe(created.metadata.uid);
        expect(names((await c.list(NAMESPACE, { labelSelector: `${RUN_LABEL}=${n}` })).items)).toEqual([n]);
        expect(names((await c.list(NAMESPACE, { fieldSelector: `metadata.name=${n}` })).items)).toEqual([n]);

        const updated = await c.update({ ...got, metadata: { ...got.metadata, annotations: { a: '1' } } });
        expect(updated.metadata.annotations).toEqual({ a: '1' });
        expect(rv(updated)).toBeGreaterThan(rv(created));
        const patched = await c.patch(NAMESPACE, n, undefined, { metadata: { annotations: { b: '2' } } }, 'merge');
        expect(patched.metadata.annotations).toEqual({ a: '1', b: '2' });

        const inside = uniqueName('cm-in-ns');
        await c.create(configMap(n, inside, { a: '1' }));
        expect((await c.get(CONFIGMAP, inside, n)).metadata.namespace).toBe(n);

        const deleted = await c.delete(NAMESPACE, n);
        if (deleted) expect(deleted.metadata.deletionTimestamp).toBeTruthy();
        await waitFor(`namespace ${n} to be removed`, () => isGone(c, NAMESPACE, n), asyncMs);
        await expectApiError(c.get(CONFIGMAP, inside, n), 404, 'NotFound');
      }, Math.max(timeout ?? 0, asyncMs + 10_000));

      it('creating an object in a namespace that does not exist is 404 NotFound', async () => {
        const missing = uniqueName('no-such-ns');
        const e = await expectApiError(client().create(configMap(missing, uniqueName('cm'))), 404, 'NotFound');
        expect(e.message).toContain(missing);
      }, timeout);
    });

    // -------------------------------------------------------------- RayJob (custom resource)

    describe('RayJob (ray.io/v1 custom resource with a status subresource)', () => {
      it('create applies schema defaults, drops status and sets generation 1; get, list, delete', async () => {
        const c = client();
        const n = uniqueName('rayjob');
        const job = rayJob(ns(), n, {}, { labels: { [RUN_LABEL]: n } });
        job.status = { jobStatus: 'RUNNING' };
        const created = await create(job);
        expect(created.apiVersion).toBe('ray.io/v1');
        expect(created.kind).toBe('RayJob');
        expect(created.metadata.generation).toBe(1);
        expect(created.metadata.uid).toBeTruthy();
        expect(created.spec).toMatchObject({ backoffLimit: 0, submissionMode: 'K8sJobMode', ttlSecondsAfterFinished: 0, entrypoint: 'python -c "print(1)"' });
        expect(created.status).toBeUndefined();

        const got = await c.get(RAYJOB, n, ns());
        expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
        expect(got.spec).toEqual(created.spec);
        const list = await c.list(RAYJOB, { namespace: ns(), labelSelector: `${RUN_LABEL}=${n}` });
        expect(names(list.items)).toEqual([n]);
        expect(list.kind).toBe('RayJobList');
        expect(list.items[0].kind).toBe('RayJob');

        await expectApiError(c.create(rayJob(ns(), n)), 409, 'AlreadyExists');
        await c.delete(RAYJOB, n, ns());
        await expectApiError(c.get(RAYJOB, n, ns()), 404, 'NotFound');
        await expectApiError(c.delete(RAYJOB, n, ns()), 404, 'NotFound');
      }, timeout);

      it('an invalid RayJob is 422 Invalid naming the field, on create, update and patch', async () => {
        const c = client();
        const n = uniqueName('rayjob-bad');
        const check = (e: ApiError) => {
          expect(e.message).toContain('spec.backoffLimit');
          expect(e.details?.causes?.some((x) => x.field === 'spec.backoffLimit'), JSON.stringify(e.details)).toBe(true);
        };
        check(await expectApiError(c.create(rayJob(ns(), n, { backoffLimit: 'x' })), 422, 'Invalid'));
        await expectApiError(c.get(RAYJOB, n, ns()), 404, 'NotFound');

        const good = await create(rayJob(ns(), n, { backoffLimit: 1 }));
        check(await expectApiError(c.update({ ...good, spec: { ...(good.spec as Obj), backoffLimit: 'x' } }), 422, 'Invalid'));
        check(await expectApiError(c.patch(RAYJOB, n, ns(), { spec: { backoffLimit: 'x' } }, 'merge'), 422, 'Invalid'));
        const after = await c.get(RAYJOB, n, ns());
        expect((after.spec as Obj).backoffLimit).toBe(1);
        expect(after.metadata.resourceVersion).toBe(good.metadata.resourceVersion);
      }, timeout);

      it('update ignores status, updateStatus ignores spec; generation bumps on spec changes only', async () => {
        const c = client();
        const n = uniqueName('rayjob-gen');
        const created = await create(rayJob(ns(), n));

        const relabelled = await c.update<KubeObject>({ ...created, metadata: { ...created.metadata, labels: { a: 'b' } }, status: { jobStatus: 'RUNNING' } });
        expect(relabelled.metadata.labels).toEqual({ a: 'b' });
        expect(relabelled.status).toBeUndefined();
        expect(relabelled.metadata.generation).toBe(1);
        expect(rv(relabelled)).toBeGreaterThan(rv(created));

        const respec = await c.update({ ...relabelled, spec: { ...(relabelled.spec as Obj), entrypoint: 'python other.py' } });
        expect((respec.spec as Obj).entrypoint).toBe('python other.py');
        expect(respec.metadata.generation).toBe(2);

        const status = await c.updateStatus({
          ...respec,
          metadata: { ...respec.metadata, labels: { a: 'ignored' } },
          spec: { ...(respec.spec as Obj), entrypoint: 'ignored' },
          status: { jobStatus: 'RUNNING', message: 'hello' },
        });
        expect(status.status).toEqual(expect.objectContaining({ jobStatus: 'RUNNING', message: 'hello' }));
        expect((status.spec as Obj).entrypoint).toBe('python other.py');
        expect(status.metadata.labels).toEqual({ a: 'b' });
        expect(status.metadata.generation).toBe(2);
        expect(rv(status)).toBeGreaterThan(rv(respec));

        // Only status differs, and update ignores status: nothing changes, not even the resourceVersion.
        const noop = await c.update({ ...status, status: { jobStatus: 'FAILED' } });
        expect((noop.status as Obj).jobStatus).toBe('RUNNING');
        expect(noop.metadata.generation).toBe(2);
        expect(noop.metadata.resourceVersion).toBe(status.metadata.resourceVersion);

        // Stale writes to either endpoint conflict.
        await expectApiError(c.update({ ...respec, spec: { ...(respec.spec as Obj), entrypoint: 'stale' } }), 409, 'Conflict');
        await expectApiError(c.updateStatus({ ...respec, status: { jobStatus: 'STOPPED' } }), 409, 'Conflict');
        const final = await c.get(RAYJOB, n, ns());
        expect((final.spec as Obj).entrypoint).toBe('python other.py');
        expect((final.status as Obj).jobStatus).toBe('RUNNING');
      }, timeout);

      it("as: 'PartialObjectMetadata' answers create, update, updateStatus and patch with the written object's metadata only", async () => {
        const c = client();
        const n = uniqueName('rayjob-meta');
        const created = await c.create(rayJob(ns(), n), METADATA_ONLY);
        track(RAYJOB, n, ns());
        const full = await c.get(RAYJOB, n, ns());
        expect(created).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: full.metadata });

        const status = await c.updateStatus({ ...full, status: { jobStatus: 'RUNNING' } }, METADATA_ONLY);
        expect(Object.keys(status).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
        expect(status.kind).toBe('PartialObjectMetadata');
        expect(rv(status)).toBeGreaterThan(rv(created));
        const afterStatus = await c.get(RAYJOB, n, ns());
        expect((afterStatus.status as Obj).jobStatus).toBe('RUNNING');
        expect(status.metadata).toEqual(afterStatus.metadata);

        const updated = await c.update({ ...afterStatus, metadata: { ...afterStatus.metadata, labels: { a: 'b' } } }, METADATA_ONLY);
        expect(updated.kind).toBe('PartialObjectMetadata');
        expect(updated.metadata.labels).toEqual({ a: 'b' });
        expect(rv(updated)).toBeGreaterThan(rv(status));

        const patched = await c.patch(RAYJOB, n, ns(), { status: { message: 'hi' } }, 'merge', { subresource: 'status', ...METADATA_ONLY });
        expect(patched.kind).toBe('PartialObjectMetadata');
        expect(patched).not.toHaveProperty('status');
        expect(patched.metadata).toEqual((await c.get(RAYJOB, n, ns())).metadata);

        // The answer is the caller's: changing it changes nothing stored.
        patched.metadata.labels!.a = 'changed here';
        expect((await c.get(RAYJOB, n, ns())).metadata.labels).toEqual({ a: 'b' });
      }, timeout);

      it('merge and JSON patches of spec and /status; strategic merge patch is 415 for custom resources', async () => {
        const c = client();
        const n = uniqueName('rayjob-patch');
        await create(rayJob(ns(), n));

        const merged = await c.patch(RAYJOB, n, ns(), { metadata: { labels: { p: '1' } }, spec: { entrypoint: 'patched' } }, 'merge');
        expect((merged.spec as Obj).entrypoint).toBe('patched');
        expect(merged.metadata.labels).toEqual({ p: '1' });
        expect(merged.metadata.generation).toBe(2);

        const json = await c.patch(RAYJOB, n, ns(), [{ op: 'replace', path: '/spec/backoffLimit', value: 3 }], 'json');
        expect((json.spec as Obj).backoffLimit).toBe(3);
        expect(json.metadata.generation).toBe(3);

        const st = await c.patch(RAYJOB, n, ns(), { spec: { entrypoint: 'ignored' }, status: { jobStatus: 'SUCCEEDED' } }, 'merge', { subresource: 'status' });
        expect((st.status as Obj).jobStatus).toBe('SUCCEEDED');
        expect((st.spec as Obj).entrypoint).toBe('patched');
        expect(st.metadata.generation).toBe(3);
        expect(rv(st)).toBeGreaterThan(rv(json));

        const stJson = await c.patch(RAYJOB, n, ns(), [{ op: 'add', path: '/status/message', value: 'done' }], 'json', { subresource: 'status' });
        expect(stJson.status).toEqual(expect.objectContaining({ jobStatus: 'SUCCEEDED', message: 'done' }));

        // The main resource ignores status.
        const ignored = await c.patch(RAYJOB, n, ns(), { status: { jobStatus: 'FAILED' } }, 'merge');
        expect((ignored.status as Obj).jobStatus).toBe('SUCCEEDED');
        expect(ignored.metadata.resourceVersion).toBe(stJson.metadata.resourceVersion);

        await expectApiError(c.patch(RAYJOB, n, ns(), { spec: { entrypoint: 'smp' } }, 'strategic'), 415, 'UnsupportedMediaType');
        expect(((await c.get(RAYJOB, n, ns())).spec as Obj).entrypoint).toBe('patched');
      }, timeout);
    });

    // -------------------------------------------------------------- watches

    describe('watch', () => {
      for (const [kind, id, make] of [
        ['ConfigMap', CONFIGMAP, (n: string) => configMap(ns(), n, { v: '1' })],
        ['RayJob', RAYJOB, (n: string) => rayJob(ns(), n)],
      ] as const) {
        it(`${kind}: from a resourceVersion sees ADDED, MODIFIED, DELETED in order with matching resourceVersions`, async () => {
          const c = client();
          const n = uniqueName(`watch-${kind.toLowerCase()}`);
          const before = uniqueName(`watch-${kind.toLowerCase()}-before`);
          await create(make(before));
          const start = (await c.list(id, { namespace: ns() })).metadata.resourceVersion;
          // Created after `start` but before the watch begins: the watch must replay it.
          const created = await create(make(n));
          const rec = await record(id, { namespace: ns(), resourceVersion: start });
          const updated = await c.patch(id, n, ns(), { metadata: { labels: { changed: 'yes' } } }, 'merge');
          await c.delete(id, n, ns());
          await rec.until(`DELETED of ${n}`, () => rec.of(n).some((e) => e.type === 'DELETED'));

          const mine = rec.of(n);
          expect(mine.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
          expect(mine[0].object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
          expect(mine[0].object.metadata.uid).toBe(created.metadata.uid);
          expect(mine[1].object.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
          expect(mine[1].object.metadata.labels).toEqual({ changed: 'yes' });
          expect(rv(mine[2].object)).toBeGreaterThan(rv(updated));
          expect(mine[2].object.kind).toBe(kind);
          // Nothing about objects that did not change after `start`.
          expect(rec.of(before)).toEqual([]);
          // Every event in the stream is newer than the start and in resourceVersion order.
          const rvs = rec.events.map((e) => rv(e.object));
          expect(rvs.every((v) => v > BigInt(start))).toBe(true);
          expect([...rvs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(rvs);
          expect(rec.closed).toBe(false);
        }, timeout);
      }

      it('with a label selector: only matching objects; leaving the selection is DELETED, entering it is ADDED', async () => {
        const c = client();
        const run = uniqueName('wsel');
        const lbl = { [RUN_LABEL]: run };
        const a = uniqueName('watch-a');
        const b = uniqueName('watch-b');
        const other = uniqueName('watch-other');
        const start = (await c.list(CONFIGMAP, { namespace: ns() })).metadata.resourceVersion;
        const rec = await record(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${run}`, resourceVersion: start });

        await create(configMap(ns(), a, {}, { labels: lbl }));
        await create(configMap(ns(), b));
        await create(configMap(ns(), other));
        await c.patch(CONFIGMAP, other, ns(), { data: { x: '1' } }, 'merge');
        await c.patch(CONFIGMAP, a, ns(), { metadata: { labels: { [RUN_LABEL]: null } } }, 'merge'); // leaves
        await c.patch(CONFIGMAP, b, ns(), { metadata: { labels: lbl } }, 'merge'); // enters
        await c.patch(CONFIGMAP, b, ns(), { data: { x: '1' } }, 'merge');
        await c.delete(CONFIGMAP, b, ns());
        await rec.until(`DELETED of ${b}`, () => rec.of(b).some((e) => e.type === 'DELETED'));

        expect(rec.of(a).map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
        expect(rec.of(b).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
        expect(rec.of(other)).toEqual([]);
        expect(rec.events.map((e) => e.object.metadata.name)).toEqual([a, a, b, b, b]);
      }, timeout);

      it('without a resourceVersion (and across namespaces) starts with ADDED for every matching object, then follows changes', async () => {
        const c = client();
        const run = uniqueName('winit');
        const lbl = { [RUN_LABEL]: run };
        const x = (await create(configMap(ns(), uniqueName('watch-x'), {}, { labels: lbl }))).metadata.name!;
        const y = (await create(configMap(ns(), uniqueName('watch-y'), {}, { labels: lbl }))).metadata.name!;
        // Across all namespaces (no namespace): still only the two labelled objects.
        const rec = await record(CONFIGMAP, { labelSelector: `${RUN_LABEL}=${run}` });
        await rec.until('the initial ADDED events', (evs) => evs.length >= 2);
        const z = (await create(configMap(ns(), uniqueName('watch-z'), {}, { labels: lbl }))).metadata.name!;
        await rec.until(`ADDED of ${z}`, () => rec.of(z).length > 0);
        expect(rec.events.slice(0, 2).map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
        expect(names(rec.events.slice(0, 2).map((e) => e.object))).toEqual([x, y].sort());
        expect(rec.events.slice(2).map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', z]]);
      }, timeout);

      it('stop() ends delivery', async () => {
        const c = client();
        const run = uniqueName('wstop');
        const start = (await c.list(CONFIGMAP, { namespace: ns() })).metadata.resourceVersion;
        const rec = await record(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${run}`, resourceVersion: start });
        const first = uniqueName('watch-before-stop');
        await create(configMap(ns(), first, {}, { labels: { [RUN_LABEL]: run } }));
        await rec.until(`ADDED of ${first}`, () => rec.of(first).length > 0);
        rec.watch.stop();
        // Marker: a second watch that sees the later write proves it was delivered to watchers.
        const marker = await record(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${run}`, resourceVersion: start });
        const second = uniqueName('watch-after-stop');
        await create(configMap(ns(), second, {}, { labels: { [RUN_LABEL]: run } }));
        await marker.until(`ADDED of ${second} on the second watch`, () => marker.of(second).length > 0);
        await sleep(50);
        expect(rec.of(second)).toEqual([]);
      }, timeout);

      const window = opts.watchWindow;
      const tooOld = 'from a resourceVersion older than the retained window ends with 410 (closed(err), err.code 410)';
      if (window === undefined) {
        it.skip(`${tooOld} (skipped: this server's watch window is not configurable)`, () => undefined);
      } else {
        it(tooOld, async () => {
          const c = client();
          const run = uniqueName('w410');
          const start = (await c.list(CONFIGMAP, { namespace: ns() })).metadata.resourceVersion;
          // More changes to ConfigMaps than the window retains.
          for (let i = 0; i <= window; i++) await create(configMap(ns(), uniqueName('w410'), {}, { labels: { [RUN_LABEL]: run } }));
          const rec = await record(CONFIGMAP, { namespace: ns(), resourceVersion: start });
          const err = await rec.untilClosed();
          expect(err, 'closed with an error').toBeInstanceOf(ApiError);
          expect(err!.code).toBe(410);
          expect(['Expired', 'Gone']).toContain(err!.reason);
          expect(rec.events).toEqual([]);

          // A watch from a current resourceVersion still works.
          const now = (await c.list(CONFIGMAP, { namespace: ns() })).metadata.resourceVersion;
          const fresh = await record(CONFIGMAP, { namespace: ns(), labelSelector: `${RUN_LABEL}=${run}`, resourceVersion: now });
          const last = uniqueName('w410-last');
          await create(configMap(ns(), last, {}, { labels: { [RUN_LABEL]: run } }));
          await fresh.until(`ADDED of ${last}`, () => fresh.of(last).length > 0);
          expect(fresh.events.map((e) => e.type)).toEqual(['ADDED']);
        }, timeout);
      }
    });
  });
}
