// Whole-store properties: the same operations with the same seed give byte-identical objects and
// watch events, and random operation sequences never break resourceVersion order, list/model
// agreement, or watch replay; garbage collection never leaves objects stuck or dangling.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import type { KubeObject, PropagationPolicy, WatchEvent } from '../../controller/runtime/kube-object.js';
import { cm, type Harness, harness, namespace, pod, record, type Recorder, widget, widgetCrd } from './fixtures.js';

type Obj = Record<string, any>;

/** A watch's events applied to a map: what an informer's cache would hold. */
function replay(events: WatchEvent[]): Map<string, KubeObject> {
  const m = new Map<string, KubeObject>();
  for (const e of events) {
    const k = `${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`;
    if (e.type === 'DELETED') m.delete(k);
    else if (e.type === 'ADDED' || e.type === 'MODIFIED') m.set(k, e.object);
  }
  return m;
}

function listMap(h: Harness, rt = h.rt.configmaps, labelSelector?: string): Map<string, KubeObject> {
  return new Map(h.store.list(rt, { labelSelector }).items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
}

function attempt(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

describe('determinism', () => {
  function scenario(seed: string): string {
    const h = harness({ seed });
    const { store, rt, drain, advance } = h;
    const watches = [record(store, rt.configmaps), record(store, rt.pods, { labelSelector: 'app=web' }), record(store, rt.namespaces, { allowBookmarks: true })];
    store.create(rt.crds, widgetCrd());
    const widgets = store.type('example.com', 'widgets');
    watches.push(record(store, widgets));
    store.create(rt.namespaces, namespace('team').obj());
    for (let i = 0; i < 5; i++) {
      advance(700);
      const owner = store.create(widgets, widget('').generateName('w-').ns('team').obj());
      const c = store.create(rt.configmaps, cm().generateName('cfg-').ns('team').owner(owner).labels({ i: String(i) }).obj());
      store.create(rt.pods, pod().generateName('p-').ns('team').labels({ app: i % 2 ? 'web' : 'db' }).owner(c, { block: true }).obj());
      store.patch(rt.configmaps, 'team', c.metadata.name!, 'merge', { data: { n: String(i) } });
      if (i % 2) drain();
    }
    const pods = store.list(rt.pods, { namespace: 'team' }).items;
    store.bind('team', pods[0]!.metadata.name!, { apiVersion: 'v1', kind: 'Binding', metadata: { name: pods[0]!.metadata.name }, target: { name: 'n1' } } as unknown as KubeObject);
    const firstWidget = store.list(widgets).items[0]!;
    store.delete(widgets, 'team', firstWidget.metadata.name!, { propagationPolicy: 'Foreground' });
    watches[2]!.handle.bookmark();
    drain();
    advance(5_000);
    store.delete(rt.namespaces, undefined, 'team');
    drain();
    for (const p of store.list(rt.pods).items) store.delete(rt.pods, p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 });
    drain();
    const state = store.registry.all().map((t) => store.list(t).items);
    return JSON.stringify({ rv: store.resourceVersion, state, events: watches.map((w) => w.events), closed: watches.map((w) => w.closed ?? null) });
  }

  it('the same operations with the same seed give byte-identical objects and events', () => {
    const a = scenario('det');
    expect(scenario('det')).toBe(a);
    expect(a.length).toBeGreaterThan(5_000);
    // The seed matters: uids and generated names differ.
    expect(scenario('other')).not.toBe(a);
  });
});

describe('random operation sequences', () => {
  const NAMES = ['a', 'b', 'c', 'd'];
  const name = fc.constantFrom(...NAMES);
  const label = fc.constantFrom('x', 'y');
  const op = fc.oneof(
    fc.record({ t: fc.constant('create' as const), name, label, finalizer: fc.boolean() }),
    fc.record({ t: fc.constant('update' as const), name, value: fc.constantFrom('1', '2'), stale: fc.boolean() }),
    fc.record({ t: fc.constant('patch' as const), name, label, type: fc.constantFrom('merge' as const, 'json' as const) }),
    fc.record({ t: fc.constant('delete' as const), name }),
    fc.record({ t: fc.constant('addFinalizer' as const), name }),
    fc.record({ t: fc.constant('dropFinalizers' as const), name }),
    fc.record({ t: fc.constant('drain' as const) }),
  );

  interface Model {
    label: string;
    data?: string;
    finalizers: string[];
    deleting: boolean;
  }

  it('keep resourceVersions increasing, list equal to the model, and watches replaying to the final state', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const h = harness();
        const { store, rt, drain } = h;
        const all = record(store, rt.configmaps, { resourceVersion: '' });
        const fromNow = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
        const selected = record(store, rt.configmaps, { labelSelector: 'l=x' });
        const model = new Map<string, Model>();
        let lastRv = Number(store.resourceVersion);
        const wrote = (o: KubeObject, changed: boolean) => {
          const rv = Number(o.metadata.resourceVersion);
          if (changed) expect(rv).toBeGreaterThan(lastRv);
          else expect(rv).toBeLessThanOrEqual(lastRv);
          lastRv = Math.max(lastRv, rv);
          expect(store.resourceVersion).toBe(String(lastRv));
        };
        for (const o of ops) {
          const m = o.t === 'drain' ? undefined : model.get(o.name);
          switch (o.t) {
            case 'create': {
              const b = cm(o.name).labels({ l: o.label });
              if (o.finalizer) b.finalizers('example.com/f');
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.create(rt.configmaps, b.obj())));
              expect(code).toBe(m ? 409 : 0);
              if (out) {
                wrote(out, true);
                model.set(o.name, { label: o.label, finalizers: o.finalizer ? ['example.com/f'] : [], deleting: false });
              }
              break;
            }
            case 'update': {
              const cur = store.peek(rt.configmaps, 'default', o.name);
              const body = cur ? { ...cur, data: { v: o.value } } : cm(o.name).data({ v: o.value }).obj();
              if (o.stale) body.metadata = { ...body.metadata, resourceVersion: '1' };
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.update(rt.configmaps, body)));
              expect(code).toBe(!m ? 404 : o.stale ? 409 : 0);
              if (out) {
                wrote(out, m!.data !== o.value);
                m!.data = o.value;
              }
              break;
            }
            case 'patch': {
              const body = o.type === 'merge' ? { metadata: { labels: { l: o.label } } } : [{ op: 'add', path: '/metadata/labels', value: { l: o.label } }];
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.patch(rt.configmaps, 'default', o.name, o.type, body)));
              expect(code).toBe(m ? 0 : 404);
              if (out) {
                wrote(out, m!.label !== o.label);
                m!.label = o.label;
              }
              break;
            }
            case 'delete': {
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.delete(rt.configmaps, 'default', o.name)));
              expect(code).toBe(m ? 0 : 404);
              if (out) {
                wrote(out, !m!.deleting);
                if (m!.finalizers.length) m!.deleting = true;
                else model.delete(o.name);
              }
              break;
            }
            case 'addFinalizer': {
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.patch(rt.configmaps, 'default', o.name, 'merge', { metadata: { finalizers: ['example.com/f', 'example.com/g'] } })));
              const adds = !!m && !(m.finalizers.includes('example.com/f') && m.finalizers.includes('example.com/g'));
              expect(code).toBe(!m ? 404 : m.deleting && adds ? 422 : 0);
              if (out) {
                wrote(out, adds);
                m!.finalizers = ['example.com/f', 'example.com/g'];
              }
              break;
            }
            case 'dropFinalizers': {
              let out: KubeObject | undefined;
              const code = attempt(() => (out = store.patch(rt.configmaps, 'default', o.name, 'merge', { metadata: { finalizers: null } })));
              expect(code).toBe(m ? 0 : 404);
              if (out) {
                wrote(out, m!.finalizers.length > 0);
                if (m!.deleting && m!.finalizers.length) model.delete(o.name);
                else m!.finalizers = [];
              }
              break;
            }
            case 'drain':
              drain();
              break;
          }
          // The store agrees with the model after every step.
          const listed = store.list(rt.configmaps).items;
          expect(listed.map((x) => x.metadata.name)).toEqual([...model.keys()].sort());
          for (const x of listed) {
            const mm = model.get(x.metadata.name!)!;
            expect(x.metadata.labels).toEqual({ l: mm.label });
            expect((x.data as Obj | undefined)?.v).toBe(mm.data);
            expect(x.metadata.finalizers ?? []).toEqual(mm.finalizers);
            expect(!!x.metadata.deletionTimestamp).toBe(mm.deleting);
          }
        }
        drain();
        // Watchers replay to exactly what a list says, object for object.
        const final = listMap(h);
        for (const w of [all, fromNow]) {
          expect(w.closed).toBeUndefined();
          const r = replay(w.events);
          expect([...r.keys()].sort()).toEqual([...final.keys()].sort());
          for (const [k, v] of final) expect(r.get(k)).toBe(v);
          const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
          for (let i = 1; i < rvs.length; i++) expect(rvs[i]).toBeGreaterThan(rvs[i - 1]!);
        }
        const sel = replay(selected.events);
        const finalSel = listMap(h, rt.configmaps, 'l=x');
        expect([...sel.keys()].sort()).toEqual([...finalSel.keys()].sort());
        for (const [k, v] of finalSel) expect(sel.get(k)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  // Three names and mostly creates, so that shared dependents and chains are common.
  const GC_NAMES = ['a', 'b', 'c'];
  const gcName = fc.constantFrom(...GC_NAMES);
  const gcOp = fc.oneof(
    {
      arbitrary: fc.record({
        t: fc.constant('create' as const),
        name: gcName,
        owners: fc.subarray(GC_NAMES, { maxLength: 2 }),
        block: fc.boolean(),
        dangling: fc.constantFrom(false, false, false, true),
        finalizer: fc.boolean(),
      }),
      weight: 4,
    },
    { arbitrary: fc.record({ t: fc.constant('delete' as const), name: gcName, policy: fc.constantFrom<PropagationPolicy | undefined>('Background', 'Foreground', 'Orphan', undefined) }), weight: 3 },
    { arbitrary: fc.record({ t: fc.constant('dropFinalizers' as const), name: gcName }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('drain' as const) }), weight: 1 },
  );

  it('garbage collection leaves nothing stuck or dangling once finalizers are gone', () => {
    fc.assert(
      fc.property(fc.array(gcOp, { maxLength: 30 }), (ops) => {
        const h = harness();
        const { store, rt, drain } = h;
        const w: Recorder = record(store, rt.configmaps);
        for (const o of ops) {
          if (o.t === 'create') {
            const b = cm(o.name);
            for (const n of o.owners) {
              const owner = store.peek(rt.configmaps, 'default', n);
              if (owner) b.owner(owner, { block: o.block });
            }
            if (o.dangling) b.owner({ uid: `dangling-${o.name}` });
            if (o.finalizer) b.finalizers('example.com/f');
            attempt(() => store.create(rt.configmaps, b.obj()));
          } else if (o.t === 'delete') {
            attempt(() => store.delete(rt.configmaps, 'default', o.name, { propagationPolicy: o.policy }));
          } else if (o.t === 'dropFinalizers') {
            const cur = store.peek(rt.configmaps, 'default', o.name);
            const keep = (cur?.metadata.finalizers ?? []).filter((f) => !f.startsWith('example.com/'));
            if (cur) attempt(() => store.patch(rt.configmaps, 'default', o.name, 'merge', { metadata: { finalizers: keep.length ? keep : null } }));
          } else drain();
        }
        // Let every custom finalizer go; the collector must then finish all it started.
        for (let round = 0; round < 10; round++) {
          drain();
          for (const x of store.list(rt.configmaps).items) {
            const keep = (x.metadata.finalizers ?? []).filter((f) => !f.startsWith('example.com/'));
            if (keep.length !== (x.metadata.finalizers ?? []).length)
              store.patch(rt.configmaps, 'default', x.metadata.name!, 'merge', { metadata: { finalizers: keep.length ? keep : null } });
          }
        }
        drain();
        const live = store.list(rt.configmaps).items;
        const uids = new Set(live.map((x) => x.metadata.uid));
        for (const x of live) {
          expect(x.metadata.deletionTimestamp, `${x.metadata.name} is stuck terminating`).toBeUndefined();
          for (const ref of x.metadata.ownerReferences ?? []) expect(uids.has(ref.uid), `${x.metadata.name} keeps a dangling owner`).toBe(true);
        }
        const r = replay(w.events);
        expect([...r.keys()].sort()).toEqual(live.map((x) => `default/${x.metadata.name}`));
        for (const x of live) expect(r.get(`default/${x.metadata.name}`)).toBe(x);
      }),
      { numRuns: 1000 },
    );
  });
});
