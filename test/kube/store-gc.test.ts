// Garbage collection through ownerReferences (Background, Foreground, Orphan), multiple and
// dangling owners, and namespace deletion. Collection runs as deferred work, so each test checks
// the state both before and after drain().

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { apiError, cm, deployment, harness, type Harness, namespace, pod, record, replicaSet } from './fixtures.js';

type Obj = Record<string, any>;

/** deployment d -> replicasets rs1, rs2 -> two pods each; every reference blocks owner deletion. */
function tree(h: Harness, opts: { block?: boolean } = {}) {
  const { store, rt } = h;
  const block = opts.block ?? true;
  const d = store.create(rt.deployments, deployment('d').obj());
  const rs = ['rs1', 'rs2'].map((n) => store.create(rt.replicasets, replicaSet(n).owner(d, { controller: true, block }).obj()));
  const pods = rs.flatMap((r) => [1, 2].map((i) => store.create(rt.pods, pod(`${r.metadata.name}-p${i}`).owner(r, { controller: true, block }).obj())));
  return { d, rs, pods };
}

const exists = (h: Harness, o: KubeObject) => {
  const rt = h.store.typeFor(o);
  return h.store.peek(rt, o.metadata.namespace, o.metadata.name!) !== undefined;
};

describe('Background propagation', () => {
  it('removes the owner at once and its dependents, recursively, when the collector runs', () => {
    const h = harness();
    const { store, rt, drain } = h;
    const { d, rs, pods } = tree(h);
    const rsWatch = record(store, rt.replicasets, { resourceVersion: store.resourceVersion });
    const podWatch = record(store, rt.pods, { resourceVersion: store.resourceVersion });
    store.delete(rt.deployments, 'default', 'd', { propagationPolicy: 'Background' });
    expect(exists(h, d)).toBe(false);
    expect(rs.every((r) => exists(h, r))).toBe(true);
    expect(pods.every((p) => exists(h, p))).toBe(true);
    drain();
    expect(store.count(rt.replicasets)).toBe(0);
    expect(store.count(rt.pods)).toBe(0);
    expect(rsWatch.summary().sort()).toEqual(['DELETED rs1', 'DELETED rs2']);
    expect(podWatch.summary()).toHaveLength(4);
    // The owner goes first, then its children, then theirs.
    const rsMax = Math.max(...rsWatch.events.map((e) => Number(e.object.metadata.resourceVersion)));
    const podMin = Math.min(...podWatch.events.map((e) => Number(e.object.metadata.resourceVersion)));
    expect(rsMax).toBeLessThan(podMin);
  });

  it('is the default policy', () => {
    const h = harness();
    tree(h);
    h.store.delete(h.rt.deployments, 'default', 'd');
    h.drain();
    expect(h.store.count(h.rt.replicasets) + h.store.count(h.rt.pods)).toBe(0);
  });

  it('collects a long chain of dependents', () => {
    const { store, rt, drain } = harness();
    let prev = store.create(rt.configmaps, cm('c0').obj());
    for (let i = 1; i < 20; i++) prev = store.create(rt.configmaps, cm(`c${i}`).owner(prev).obj());
    store.delete(rt.configmaps, 'default', 'c0');
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });

  it('a dependent with its own finalizer stays terminating, and holds its own dependents', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').owner(a).finalizers('example.com/hold').obj());
    store.create(rt.configmaps, cm('c').owner(b).obj());
    store.delete(rt.configmaps, 'default', 'a');
    drain();
    expect(store.get(rt.configmaps, 'default', 'b').metadata.deletionTimestamp).toBeDefined();
    expect(store.get(rt.configmaps, 'default', 'c').metadata.deletionTimestamp).toBeUndefined();
    store.patch(rt.configmaps, 'default', 'b', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });

  it('an owner held by a finalizer keeps its dependents until it is gone', () => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('a').finalizers('example.com/hold').obj());
    const a = store.get(rt.configmaps, 'default', 'a');
    store.create(rt.configmaps, cm('b').owner(a).obj());
    store.delete(rt.configmaps, 'default', 'a');
    drain();
    expect(store.peek(rt.configmaps, 'default', 'b')).toBeDefined();
    store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });
});

describe('Foreground propagation', () => {
  it('keeps the owner with foregroundDeletion until blocking dependents are gone, deepest first', () => {
    const h = harness();
    const { store, rt, drain } = h;
    const { d } = tree(h);
    const dWatch = record(store, rt.deployments, { resourceVersion: store.resourceVersion });
    const rsWatch = record(store, rt.replicasets, { resourceVersion: store.resourceVersion });
    const podWatch = record(store, rt.pods, { resourceVersion: store.resourceVersion });
    const out = store.delete(rt.deployments, 'default', 'd', { propagationPolicy: 'Foreground' });
    expect(out.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(out.metadata.deletionTimestamp).toBeDefined();
    expect(exists(h, d)).toBe(true);
    drain();
    expect(exists(h, d)).toBe(false);
    expect(store.count(rt.replicasets) + store.count(rt.pods)).toBe(0);
    const deletedAt = (events: typeof dWatch.events) => events.filter((e) => e.type === 'DELETED').map((e) => Number(e.object.metadata.resourceVersion));
    // Each replicaset after its pods, the deployment after the replicasets.
    for (const rsName of ['rs1', 'rs2']) {
      const own = podWatch.events.filter((e) => e.object.metadata.name!.startsWith(`${rsName}-`));
      const rsGone = deletedAt(rsWatch.events.filter((e) => e.object.metadata.name === rsName));
      expect(rsGone).toHaveLength(1);
      expect(Math.max(...deletedAt(own))).toBeLessThan(rsGone[0]!);
    }
    expect(Math.max(...deletedAt(rsWatch.events))).toBeLessThan(Math.min(...deletedAt(dWatch.events)));
    // Replicasets with dependents went through foreground deletion themselves.
    expect(rsWatch.events.some((e) => e.type === 'MODIFIED' && e.object.metadata.finalizers?.includes('foregroundDeletion'))).toBe(true);
  });

  it('waits for a blocking dependent that is held by a finalizer', () => {
    const { store, rt, drain } = harness();
    const owner = store.create(rt.configmaps, cm('owner').obj());
    store.create(rt.configmaps, cm('held').owner(owner, { block: true }).finalizers('example.com/hold').obj());
    store.create(rt.configmaps, cm('free').owner(owner, { block: true }).obj());
    store.delete(rt.configmaps, 'default', 'owner', { propagationPolicy: 'Foreground' });
    drain();
    expect(store.get(rt.configmaps, 'default', 'owner').metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(store.get(rt.configmaps, 'default', 'held').metadata.deletionTimestamp).toBeDefined();
    expect(store.peek(rt.configmaps, 'default', 'free')).toBeUndefined();
    store.patch(rt.configmaps, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });

  it('does not wait for a dependent without blockOwnerDeletion', () => {
    const { store, rt, drain } = harness();
    const owner = store.create(rt.configmaps, cm('owner').obj());
    store.create(rt.configmaps, cm('held').owner(owner).finalizers('example.com/hold').obj());
    store.delete(rt.configmaps, 'default', 'owner', { propagationPolicy: 'Foreground' });
    drain();
    expect(store.peek(rt.configmaps, 'default', 'owner')).toBeUndefined();
    expect(store.get(rt.configmaps, 'default', 'held').metadata.deletionTimestamp).toBeDefined();
  });

  it('finishes when a blocking dependent survives through another live owner', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    store.create(rt.configmaps, cm('shared').owner(a, { block: true }).owner(b).obj());
    store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Foreground' });
    drain();
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
    const shared = store.get(rt.configmaps, 'default', 'shared');
    expect(shared.metadata.deletionTimestamp).toBeUndefined();
    expect(shared.metadata.ownerReferences!.map((r) => r.name)).toEqual(['b']);
  });

  it('without dependents the owner goes at once', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Foreground' });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
  });
});

describe('Orphan propagation', () => {
  it('removes the owner and leaves dependents without the ownerReference', () => {
    const h = harness();
    const { store, rt, drain } = h;
    const { d, rs, pods } = tree(h);
    const out = store.delete(rt.deployments, 'default', 'd', { propagationPolicy: 'Orphan' });
    expect(out.metadata.finalizers).toEqual(['orphan']);
    drain();
    expect(exists(h, d)).toBe(false);
    for (const r of rs) expect(store.get(rt.replicasets, 'default', r.metadata.name!).metadata.ownerReferences).toBeUndefined();
    // Only direct dependents are orphaned; grandchildren keep their owners.
    for (const p of pods) expect(store.get(rt.pods, 'default', p.metadata.name!).metadata.ownerReferences).toHaveLength(1);
  });

  it('keeps the dependent\'s other ownerReferences', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    store.create(rt.configmaps, cm('dep').owner(a).owner(b).obj());
    store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Orphan' });
    drain();
    expect(store.get(rt.configmaps, 'default', 'dep').metadata.ownerReferences!.map((r) => r.name)).toEqual(['b']);
  });

  it('a later delete with another policy replaces the GC finalizer of the first', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    store.create(rt.configmaps, cm('dep').owner(a).obj());
    expect(store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Orphan' }).metadata.finalizers).toEqual(['orphan']);
    expect(store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Foreground' }).metadata.finalizers).toEqual(['foregroundDeletion']);
    // Without a policy, the pending one stays.
    expect(store.delete(rt.configmaps, 'default', 'a').metadata.finalizers).toEqual(['foregroundDeletion']);
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });

  it('an explicit Background delete of an owner waiting in the foreground removes it at once', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    store.create(rt.configmaps, cm('dep').owner(a, { block: true }).finalizers('example.com/hold').obj());
    store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Foreground' });
    drain();
    expect(store.get(rt.configmaps, 'default', 'a').metadata.finalizers).toEqual(['foregroundDeletion']);
    store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Background' });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
    drain();
    expect(store.get(rt.configmaps, 'default', 'dep').metadata.deletionTimestamp).toBeDefined();
  });

  it('an unknown policy is 422', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    apiError(() => store.delete(rt.configmaps, 'default', 'a', { propagationPolicy: 'Sideways' as 'Orphan' }), 422, 'Invalid');
  });
});

describe('owners', () => {
  it('a dependent with two owners survives while one lives', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    store.create(rt.configmaps, cm('dep').owner(a).owner(b).obj());
    store.delete(rt.configmaps, 'default', 'a');
    drain();
    const dep = store.get(rt.configmaps, 'default', 'dep');
    expect(dep.metadata.deletionTimestamp).toBeUndefined();
    expect(dep.metadata.ownerReferences!.map((r) => r.uid)).toEqual([b.metadata.uid]);
    store.delete(rt.configmaps, 'default', 'b');
    drain();
    expect(store.peek(rt.configmaps, 'default', 'dep')).toBeUndefined();
  });

  it('an owner that is terminating (not in foreground) still protects a shared dependent', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').finalizers('example.com/hold').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    store.create(rt.configmaps, cm('dep').owner(a).owner(b).obj());
    store.delete(rt.configmaps, 'default', 'a');
    store.delete(rt.configmaps, 'default', 'b');
    drain();
    expect(store.get(rt.configmaps, 'default', 'dep').metadata.ownerReferences!.map((r) => r.name)).toEqual(['a']);
    store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.peek(rt.configmaps, 'default', 'dep')).toBeUndefined();
  });

  it('a dependent created with a dangling owner uid is collected', () => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('orphan').owner({ uid: '00000000-0000-4000-8000-000000000000' }).obj());
    expect(store.peek(rt.configmaps, 'default', 'orphan')).toBeDefined();
    drain();
    expect(store.peek(rt.configmaps, 'default', 'orphan')).toBeUndefined();
  });

  it('a dangling reference beside a live owner is dropped, and the dependent kept', () => {
    const { store, rt, drain } = harness();
    const live = store.create(rt.configmaps, cm('live').obj());
    store.create(rt.configmaps, cm('dep').owner({ uid: '00000000-0000-4000-8000-000000000000' }).owner(live).obj());
    drain();
    expect(store.get(rt.configmaps, 'default', 'dep').metadata.ownerReferences!.map((r) => r.name)).toEqual(['live']);
  });

  it('an ownerReference added by update to a missing owner gets the object collected', () => {
    const { store, rt, drain } = harness();
    const dep = store.create(rt.configmaps, cm('dep').obj());
    store.update(rt.configmaps, { ...dep, metadata: { ...dep.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'missing-uid' }] } });
    drain();
    expect(store.peek(rt.configmaps, 'default', 'dep')).toBeUndefined();
  });

  it('owners may be of another kind and cluster-scoped', () => {
    const { store, rt, drain } = harness();
    const n = store.create(rt.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    store.create(rt.pods, pod('p').owner(n).obj());
    store.delete(rt.nodes, undefined, 'n1');
    drain();
    expect(store.count(rt.pods)).toBe(0);
  });
});

describe('namespace deletion', () => {
  it('a new namespace is Active with the kubernetes finalizer and its name label', () => {
    const { store, rt } = harness();
    const ns = store.create(rt.namespaces, namespace('team').obj());
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
  });

  it('removes the content, then the namespace; Terminating meanwhile', () => {
    const { store, rt, drain } = harness();
    store.create(rt.namespaces, namespace('team').obj());
    store.create(rt.namespaces, namespace('keep').obj());
    for (const n of ['a', 'b']) store.create(rt.configmaps, cm(n).ns('team').obj());
    store.create(rt.configmaps, cm('held').ns('team').finalizers('example.com/hold').obj());
    store.create(rt.pods, pod('unbound').ns('team').obj());
    store.create(rt.pods, pod('bound').ns('team').node('n1').obj());
    store.create(rt.configmaps, cm('a').ns('keep').obj());
    const nsWatch = record(store, rt.namespaces, { resourceVersion: store.resourceVersion });

    const t = store.delete(rt.namespaces, undefined, 'team');
    expect(t.metadata.deletionTimestamp).toBeDefined();
    expect((t.status as Obj).phase).toBe('Terminating');
    drain();
    expect((store.get(rt.namespaces, undefined, 'team').status as Obj).phase).toBe('Terminating');
    expect(store.list(rt.configmaps, { namespace: 'team' }).items.map((o) => o.metadata.name)).toEqual(['held']);
    expect(store.list(rt.pods, { namespace: 'team' }).items.map((o) => o.metadata.name)).toEqual(['bound']);
    expect(store.get(rt.pods, 'team', 'bound').metadata.deletionTimestamp).toBeDefined();

    // The kubelet finishes the pod; the last finalizer goes; the namespace follows.
    store.delete(rt.pods, 'team', 'bound', { gracePeriodSeconds: 0 });
    drain();
    expect(store.peek(rt.namespaces, undefined, 'team')).toBeDefined();
    store.patch(rt.configmaps, 'team', 'held', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.peek(rt.namespaces, undefined, 'team')).toBeUndefined();
    expect(store.list(rt.configmaps, { namespace: 'keep' }).items).toHaveLength(1);
    expect(nsWatch.summary()).toEqual(['MODIFIED team', 'DELETED team']);
    // The name can be used again.
    expect((store.create(rt.namespaces, namespace('team').obj()).status as Obj).phase).toBe('Active');
  });

  it('an empty namespace goes when the namespace controller runs', () => {
    const { store, rt, drain } = harness();
    store.create(rt.namespaces, namespace('empty').obj());
    store.delete(rt.namespaces, undefined, 'empty');
    expect(store.peek(rt.namespaces, undefined, 'empty')).toBeDefined();
    drain();
    expect(store.peek(rt.namespaces, undefined, 'empty')).toBeUndefined();
  });

  it('deleting a terminating namespace again changes nothing', () => {
    const { store, rt, drain } = harness();
    store.create(rt.namespaces, namespace('x').obj());
    store.create(rt.configmaps, cm('held').ns('x').finalizers('example.com/hold').obj());
    const first = store.delete(rt.namespaces, undefined, 'x');
    drain();
    const cur = store.get(rt.namespaces, undefined, 'x');
    expect(store.delete(rt.namespaces, undefined, 'x')).toBe(cur);
    expect(cur.metadata.deletionTimestamp).toBe(first.metadata.deletionTimestamp);
  });

  it('a namespace update cannot drop spec.finalizers', () => {
    const { store, rt } = harness();
    const ns = store.create(rt.namespaces, namespace('x').obj());
    const out = store.update(rt.namespaces, { ...ns, spec: { finalizers: [] } });
    expect(out.spec).toEqual({ finalizers: ['kubernetes'] });
  });
});

describe('event TTL (kube-apiserver --event-ttl)', () => {
  it('removes an event an hour after its last write, checked when events are written', async () => {
    const { ObjectStore } = await import('../../sim/kube/store.js');
    const { createRng } = await import('../../sim/core/rng.js');
    let now = 0;
    const store = new ObjectStore({ clock: { now: () => now }, rng: createRng('ttl'), defer: () => undefined });
    const events = store.type('', 'events');
    const ev = (name: string) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, reason: 'R', message: 'm', involvedObject: { kind: 'Pod', name: 'p' } });
    store.create(events, ev('old'));
    now = 30 * 60_000;
    const kept = store.create(events, ev('refreshed'));
    now = 50 * 60_000;
    store.update(events, { ...kept, message: 'again' } as never);
    now = 61 * 60_000;
    store.create(events, ev('new'));
    const names = () => store.list(events).items.map((o) => o.metadata.name).sort();
    expect(names()).toEqual(['new', 'refreshed']);
    now = 111 * 60_000;
    store.create(events, ev('newest'));
    expect(names()).toEqual(['new', 'newest']);
  });
});
