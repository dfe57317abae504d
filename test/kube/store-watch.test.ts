// Watches: initial state, resuming from a resourceVersion, 410 Expired, selector transitions,
// backpressure, bookmarks; and the fault hooks. Delivery is deferred, so events appear only after
// drain().

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { apiError, cm, harness, namespace, pod, record } from './fixtures.js';

describe('watch', () => {
  it.each(['', '0', undefined])('from %j sends ADDED for existing objects, then the changes', (rv) => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('b').obj());
    store.create(rt.configmaps, cm('a').obj());
    const w = record(store, rt.configmaps, rv === undefined ? {} : { resourceVersion: rv });
    expect(w.events).toEqual([]);
    store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { x: '1' } });
    store.create(rt.configmaps, cm('c').obj());
    store.delete(rt.configmaps, 'default', 'b');
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'ADDED c', 'DELETED b']);
    // The initial ADDED events show the state at watch time, not later versions.
    expect(w.events[0]!.object.data).toBeUndefined();
    expect(w.events[2]!.object.data).toEqual({ x: '1' });
  });

  it('from a resourceVersion sends exactly the later changes of this kind, in order', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    store.create(rt.pods, pod('p').obj());
    const a2 = store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { v: '2' } });
    store.delete(rt.configmaps, 'default', 'b');
    drain();
    const fromA = record(store, rt.configmaps, { resourceVersion: a.metadata.resourceVersion });
    const fromB = record(store, rt.configmaps, { resourceVersion: b.metadata.resourceVersion });
    const fromA2 = record(store, rt.configmaps, { resourceVersion: a2.metadata.resourceVersion });
    const fromNow = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
    drain();
    expect(fromA.summary()).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b']);
    expect(fromB.summary()).toEqual(['MODIFIED a', 'DELETED b']);
    expect(fromA2.summary()).toEqual(['DELETED b']);
    expect(fromNow.events).toEqual([]);
    const rvs = fromA.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(rvs[0]).toBeGreaterThan(Number(a.metadata.resourceVersion));
  });

  it('from a resourceVersion older than the retained window is 410 Expired', () => {
    const { store, rt } = harness({ watchWindow: 3 });
    const first = store.create(rt.configmaps, cm('c0').obj());
    const created = [first];
    for (let i = 1; i < 5; i++) created.push(store.create(rt.configmaps, cm(`c${i}`).obj()));
    const e = apiError(() => record(store, rt.configmaps, { resourceVersion: first.metadata.resourceVersion }), 410, 'Expired');
    expect(e.message).toMatch(/^too old resource version: /);
    // The window holds the last 3 changes: watching from the 4th-newest still has every later one.
    const ok = record(store, rt.configmaps, { resourceVersion: created[1]!.metadata.resourceVersion });
    expect(ok.closed).toBeUndefined();
    // Each kind has its own window: pods are unaffected by configmap churn.
    expect(record(store, rt.pods, { resourceVersion: first.metadata.resourceVersion }).closed).toBeUndefined();
  });

  it('a malformed resourceVersion is 400', () => {
    const { store, rt } = harness();
    apiError(() => record(store, rt.configmaps, { resourceVersion: 'abc' }), 400, 'BadRequest');
  });

  it('a label-selector watch sees objects move out as DELETED and in as ADDED', () => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('a').labels({ app: 'web' }).obj());
    store.create(rt.configmaps, cm('b').labels({ app: 'db' }).obj());
    const w = record(store, rt.configmaps, { labelSelector: 'app=web' });
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
    const out = store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { labels: { app: 'db' } } });
    store.patch(rt.configmaps, 'default', 'b', 'merge', { metadata: { labels: { app: 'web' } } });
    store.patch(rt.configmaps, 'default', 'b', 'merge', { data: { x: 'y' } });
    store.create(rt.configmaps, cm('c').labels({ app: 'db' }).obj());
    store.delete(rt.configmaps, 'default', 'a');
    store.delete(rt.configmaps, 'default', 'b');
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'DELETED a', 'ADDED b', 'MODIFIED b', 'DELETED b']);
    // The DELETED for leaving the selection shows the object as the watcher knew it, at the
    // resourceVersion of the change.
    const left = w.events[1]!;
    expect(left.object.metadata.labels).toEqual({ app: 'web' });
    expect(left.object.metadata.resourceVersion).toBe(out.metadata.resourceVersion);
  });

  it('a selector watch sees DELETED when the final write also moves the object out of the selection', () => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('a').labels({ app: 'web' }).finalizers('example.com/hold').obj());
    const w = record(store, rt.configmaps, { labelSelector: 'app=web' });
    store.delete(rt.configmaps, 'default', 'a');
    const cur = store.get(rt.configmaps, 'default', 'a');
    store.update(rt.configmaps, { ...cur, metadata: { ...cur.metadata, labels: { app: 'db' }, finalizers: [] } });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('a field-selector watch follows binding', () => {
    const { store, rt, drain } = harness();
    store.create(rt.pods, pod('p').obj());
    const onN1 = record(store, rt.pods, { fieldSelector: 'spec.nodeName=n1' });
    const unbound = record(store, rt.pods, { fieldSelector: 'spec.nodeName=' });
    store.bind('default', 'p', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { name: 'n1' } } as unknown as KubeObject);
    drain();
    expect(onN1.summary()).toEqual(['ADDED p']);
    expect(unbound.summary()).toEqual(['ADDED p', 'DELETED p']);
  });

  it('a namespace-scoped watch sees only its namespace', () => {
    const { store, rt, drain } = harness();
    store.create(rt.namespaces, namespace('a').obj());
    store.create(rt.namespaces, namespace('b').obj());
    store.create(rt.configmaps, cm('x').ns('a').obj());
    store.create(rt.configmaps, cm('y').ns('b').obj());
    const w = record(store, rt.configmaps, { namespace: 'a' });
    store.create(rt.configmaps, cm('z').ns('b').obj());
    store.create(rt.configmaps, cm('w').ns('a').obj());
    store.delete(rt.configmaps, 'b', 'y');
    drain();
    expect(w.summary()).toEqual(['ADDED x', 'ADDED w']);
  });

  it('stop() ends delivery', () => {
    const { store, rt, drain } = harness();
    const w = record(store, rt.configmaps);
    store.create(rt.configmaps, cm('a').obj());
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
    w.handle.stop();
    expect(w.handle.stopped).toBe(true);
    store.create(rt.configmaps, cm('b').obj());
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
    expect(store.stats().watchers).toBe(0);
  });

  it('a listener can stop the watch from inside an event', () => {
    const { store, rt, drain } = harness();
    for (const n of ['a', 'b', 'c']) store.create(rt.configmaps, cm(n).obj());
    const seen: string[] = [];
    const h = store.watch(rt.configmaps, {}, {
      event(e) {
        seen.push(e.object.metadata.name!);
        if (seen.length === 2) h.stop();
      },
      closed() {},
    });
    drain();
    expect(seen).toEqual(['a', 'b']);
  });

  it('backpressure: a listener returning false pauses delivery and resume() continues without loss', () => {
    const { store, rt, drain } = harness();
    for (const n of ['a', 'b', 'c']) store.create(rt.configmaps, cm(n).obj());
    const w = record(store, rt.configmaps, {}, 2);
    for (const n of ['d', 'e', 'f']) store.create(rt.configmaps, cm(n).obj());
    store.delete(rt.configmaps, 'default', 'a');
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b']);
    store.create(rt.configmaps, cm('g').obj());
    drain();
    expect(w.events).toHaveLength(2);
    w.handle.resume();
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
    for (let i = 0; i < 3; i++) {
      w.handle.resume();
      drain();
    }
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d', 'ADDED e', 'ADDED f', 'DELETED a', 'ADDED g']);
  });

  it('backpressure on the last initial ADDED event holds the changes that follow', () => {
    const { store, rt, drain } = harness();
    store.create(rt.configmaps, cm('a').obj());
    const w = record(store, rt.configmaps);
    w.pauseNext();
    store.create(rt.configmaps, cm('b').obj());
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
    w.handle.resume();
    drain();
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b']);
  });

  it('resume() on a watch that is not paused changes nothing', () => {
    const { store, rt, drain } = harness();
    const w = record(store, rt.configmaps);
    store.create(rt.configmaps, cm('a').obj());
    w.handle.resume();
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
  });

  it('a paused watcher that falls out of the window is closed with 410, without waiting for resume()', () => {
    const { store, rt, drain } = harness({ watchWindow: 4 });
    const w = record(store, rt.configmaps, { resourceVersion: store.resourceVersion }, 1);
    store.create(rt.configmaps, cm('first').obj());
    drain();
    expect(w.summary()).toEqual(['ADDED first']);
    for (let i = 0; i < 3; i++) store.create(rt.configmaps, cm(`c${i}`).obj());
    drain();
    expect(w.closed).toBeUndefined();
    for (let i = 3; i < 10; i++) store.create(rt.configmaps, cm(`c${i}`).obj());
    drain();
    expect(w.closed).toMatchObject({ code: 410, reason: 'Expired' });
    expect(w.handle.stopped).toBe(true);
    expect(store.stats().watchers).toBe(0);
    w.handle.resume();
    drain();
    expect(w.events).toHaveLength(1);
  });

  it('a watcher paused in its initial list is closed with 410 when the window passes it', () => {
    const { store, rt, drain } = harness({ watchWindow: 2 });
    for (const n of ['a', 'b', 'c']) store.create(rt.configmaps, cm(n).obj());
    const w = record(store, rt.configmaps, {}, 1);
    drain();
    for (let i = 0; i < 5; i++) store.create(rt.configmaps, cm(`x${i}`).obj());
    drain();
    expect(w.summary()).toEqual(['ADDED a']);
    expect(w.closed).toMatchObject({ code: 410 });
  });

  it('a watcher that keeps up never expires, however small the window', () => {
    const { store, rt, drain } = harness({ watchWindow: 1 });
    const w = record(store, rt.configmaps);
    for (let i = 0; i < 20; i++) {
      store.create(rt.configmaps, cm(`c${i}`).obj());
      drain();
    }
    expect(w.closed).toBeUndefined();
    expect(w.events).toHaveLength(20);
  });

  it('bookmarks carry the current resourceVersion, only when allowed', () => {
    const { store, rt, drain } = harness();
    const allowed = record(store, rt.configmaps, { allowBookmarks: true });
    const denied = record(store, rt.configmaps);
    store.create(rt.configmaps, cm('a').obj());
    store.create(rt.pods, pod('p').obj());
    allowed.handle.bookmark();
    denied.handle.bookmark();
    drain();
    expect(allowed.events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    const bm = allowed.events[1]!;
    expect(bm.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: store.resourceVersion } });
    expect(denied.events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('a bookmark requested while paused arrives after the held events', () => {
    const { store, rt, drain } = harness();
    const w = record(store, rt.configmaps, { allowBookmarks: true, resourceVersion: store.resourceVersion }, 1);
    store.create(rt.configmaps, cm('a').obj());
    store.create(rt.configmaps, cm('b').obj());
    drain();
    w.handle.bookmark();
    drain();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED']);
    w.handle.resume();
    drain();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    w.handle.resume();
    drain();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
  });

  it('events share the stored (frozen) objects', () => {
    const { store, rt, drain } = harness();
    const w = record(store, rt.configmaps);
    const a = store.create(rt.configmaps, cm('a').obj());
    drain();
    expect(w.events[0]!.object).toBe(a);
    expect(Object.isFrozen(w.events[0]!.object)).toBe(true);
  });
});

describe('fault hooks', () => {
  it.each([
    [409, 'Conflict'],
    [429, 'TooManyRequests'],
    [500, 'InternalError'],
  ] as const)('injects %i %s on the chosen verbs and resources', (code, reason) => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    store.faults.configure({ errors: [{ code, rate: 1, verbs: ['create', 'update'], resources: ['configmaps'] }] });
    const rv = store.resourceVersion;
    const e = apiError(() => store.create(rt.configmaps, cm('b').obj()), code, reason);
    expect(e.message).toContain('inject');
    apiError(() => store.update(rt.configmaps, a), code, reason);
    expect(store.resourceVersion).toBe(rv);
    // Other verbs and resources are untouched.
    expect(store.get(rt.configmaps, 'default', 'a')).toBe(a);
    store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { x: '1' } });
    store.create(rt.pods, pod('p').obj());
    store.faults.configure({});
    store.create(rt.configmaps, cm('b').obj());
  });

  it('429 carries retryAfterSeconds', () => {
    const { store, rt } = harness();
    store.faults.configure({ errors: [{ code: 429, rate: 1 }] });
    expect(apiError(() => store.list(rt.pods), 429).details?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('errors hit every verb but watch by default, and group-qualified resource names', () => {
    const { store, rt } = harness();
    store.create(rt.deployments, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} });
    store.faults.configure({ errors: [{ code: 500, rate: 1, resources: ['deployments.apps'] }] });
    apiError(() => store.get(rt.deployments, 'default', 'd'), 500);
    apiError(() => store.list(rt.deployments), 500);
    apiError(() => store.delete(rt.deployments, 'default', 'd'), 500);
    apiError(() => store.patch(rt.deployments, 'default', 'd', 'merge', {}), 500);
    record(store, rt.deployments);
    store.faults.configure({ errors: [{ code: 500, rate: 1, verbs: ['watch'] }] });
    apiError(() => record(store, rt.deployments), 500);
  });

  it('rate 0 never fires; a bad configuration is refused', () => {
    const { store, rt } = harness();
    store.faults.configure({ errors: [{ code: 500, rate: 0 }] });
    for (let i = 0; i < 50; i++) store.create(rt.configmaps, cm(`c${i}`).obj());
    expect(() => store.faults.configure({ errors: [{ code: 503 as 500, rate: 1 }] })).toThrow();
    expect(() => store.faults.configure({ errors: [{ code: 500, rate: 2 }] })).toThrow();
  });

  it('dropped watch connections close the watch without an error', () => {
    const { store, rt, drain } = harness();
    const w = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
    store.faults.configure({ dropWatchRate: 1 });
    store.create(rt.configmaps, cm('a').obj());
    drain();
    expect(w.events).toEqual([]);
    expect(w.closed).toBeNull();
    expect(w.handle.stopped).toBe(true);
  });

  it('stale reads return the previous version', () => {
    const { store, rt } = harness();
    const v1 = store.create(rt.configmaps, cm('a').data({ v: '1' }).obj());
    const v2 = store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { v: '2' } });
    store.faults.configure({ staleReadRate: 1 });
    expect(store.get(rt.configmaps, 'default', 'a')).toBe(v1);
    store.faults.configure({});
    expect(store.get(rt.configmaps, 'default', 'a')).toBe(v2);
    // With no earlier version retained, the current one is returned.
    const only = store.create(rt.configmaps, cm('b').obj());
    store.faults.configure({ staleReadRate: 1 });
    expect(store.get(rt.configmaps, 'default', 'b')).toBe(only);
  });

  it('is deterministic for a seed', () => {
    const run = (seed: string) => {
      const { store, rt, drain } = harness({ seed });
      const w = record(store, rt.configmaps);
      store.faults.configure({ errors: [{ code: 500, rate: 0.5, verbs: ['create'] }], dropWatchRate: 0.1 });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          store.create(rt.configmaps, cm(`c${i}`).obj());
          out.push('ok');
        } catch (e) {
          out.push(String((e as { code: number }).code));
        }
      }
      drain();
      return { out, events: w.events.length, closed: w.closed };
    };
    const a = run('seed-a');
    expect(run('seed-a')).toEqual(a);
    expect(a.out).toContain('ok');
    expect(a.out).toContain('500');
    expect(run('seed-b').out).not.toEqual(a.out);
  });
});
