// CustomResourceDefinitions: serving a kind, pruning/defaulting/validation of custom resources,
// fieldValidation, CRD deletion, name conflicts, and the ray.io CRDs loaded from
// controller/deploy/crds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { processCustomResource, type JSONSchemaProps } from '../../sim/kube/schema.js';
import { createWallClockStore } from '../../sim/kube/create-store.js';
import { apiError, cm, fields, harness, record, T0, widget, widgetCrd } from './fixtures.js';

type Obj = Record<string, any>;

function withWidgets() {
  const h = harness();
  const crd = h.store.create(h.rt.crds, widgetCrd());
  return { ...h, crd, widgets: h.store.type('example.com', 'widgets') };
}

const condition = (crd: KubeObject, type: string) => ((crd.status as Obj)?.conditions as Obj[] | undefined)?.find((c) => c.type === type);

describe('CRD lifecycle', () => {
  it('creating a CRD serves its kind and marks it Established', () => {
    const { store, rt } = harness();
    apiError(() => store.type('example.com', 'widgets'), 404, 'NotFound');
    apiError(() => store.typeFor({ apiVersion: 'example.com/v1', kind: 'Widget' }), 404);
    const crd = store.create(rt.crds, widgetCrd());
    expect(crd.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(condition(crd, 'Established')).toMatchObject({ status: 'True' });
    expect(condition(crd, 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect((crd.status as Obj).storedVersions).toEqual(['v1']);
    expect(store.get(rt.crds, undefined, 'widgets.example.com')).toBe(crd);
    const widgets = store.type('example.com', 'widgets');
    expect(widgets).toMatchObject({ kind: 'Widget', listKind: 'WidgetList', namespaced: true, subresources: ['status'] });
    expect(store.typeFor({ apiVersion: 'example.com/v1', kind: 'Widget' })).toBe(widgets);
    const w = store.create(widgets, widget('w').obj());
    expect(w).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { generation: 1 } });
    expect(store.list(widgets)).toMatchObject({ apiVersion: 'example.com/v1', kind: 'WidgetList' });
  });

  it('a CRD with a bad schema or spec is 422 and serves nothing', () => {
    const { store, rt } = harness();
    const bad = widgetCrd((c) => {
      c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.type = 'integr';
    });
    const e = apiError(() => store.create(rt.crds, bad), 422, 'Invalid');
    expect(e.message).toContain('spec.versions[0].schema.openAPIV3Schema');
    expect(store.peek(rt.crds, undefined, 'widgets.example.com')).toBeUndefined();
    apiError(() => store.type('example.com', 'widgets'), 404);

    const noSchema = widgetCrd((c) => delete c.spec.versions[0].schema);
    expect(fields(apiError(() => store.create(rt.crds, noSchema), 422))).toContain('spec.versions[0].schema.openAPIV3Schema');
    const wrongName = widgetCrd((c) => (c.metadata.name = 'gadgets.example.com'));
    expect(fields(apiError(() => store.create(rt.crds, wrongName), 422))).toContain('metadata.name');
    const twoStorage = widgetCrd((c) => c.spec.versions.push({ ...c.spec.versions[0], name: 'v2' }));
    expect(fields(apiError(() => store.create(rt.crds, twoStorage), 422))).toContain('spec.versions');
    const badScope = widgetCrd((c) => (c.spec.scope = 'Galaxy'));
    expect(fields(apiError(() => store.create(rt.crds, badScope), 422))).toContain('spec.scope');
  });

  it('a CRD group must be a domain with a dot', () => {
    const { store, rt } = harness();
    const crd = widgetCrd((c) => {
      c.spec.group = 'example';
      c.metadata.name = 'widgets.example';
    });
    expect(fields(apiError(() => store.create(rt.crds, crd), 422))).toEqual(['spec.group']);
  });

  it('deleting a CRD deletes its custom resources, then stops serving the kind', () => {
    const { store, rt, drain, widgets } = withWidgets();
    store.create(widgets, widget('a').obj());
    store.create(widgets, widget('b').finalizers('example.com/hold').obj());
    const w = record(store, widgets);
    drain();
    const t = store.delete(rt.crds, undefined, 'widgets.example.com');
    expect(t.metadata.deletionTimestamp).toBeDefined();
    drain();
    // The held object keeps the CRD (and its kind) around; new objects are refused.
    expect(store.list(widgets).items.map((o) => o.metadata.name)).toEqual(['b']);
    expect(store.get(widgets, 'default', 'b').metadata.deletionTimestamp).toBeDefined();
    expect(store.peek(rt.crds, undefined, 'widgets.example.com')).toBeDefined();
    const e = apiError(() => store.create(widgets, widget('c').obj()), 405, 'MethodNotAllowed');
    expect(e.message).toBe('create not allowed while custom resource definition is terminating');
    store.patch(widgets, 'default', 'b', 'merge', { metadata: { finalizers: null } });
    drain();
    expect(store.peek(rt.crds, undefined, 'widgets.example.com')).toBeUndefined();
    apiError(() => store.type('example.com', 'widgets'), 404);
    apiError(() => store.typeFor({ apiVersion: 'example.com/v1', kind: 'Widget' }), 404);
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b', 'DELETED a', 'MODIFIED b', 'DELETED b']);
    expect(w.closed).toBeNull();
  });

  it('a CRD can be created again after deletion, with no objects left over', () => {
    const { store, rt, drain, widgets } = withWidgets();
    store.create(widgets, widget('a').obj());
    store.delete(rt.crds, undefined, 'widgets.example.com');
    drain();
    store.create(rt.crds, widgetCrd());
    const again = store.type('example.com', 'widgets');
    expect(store.list(again).items).toEqual([]);
    store.create(again, widget('a').obj());
  });

  it('updating a CRD changes validation for new writes and keeps stored objects', () => {
    const { store, rt, widgets } = withWidgets();
    store.create(widgets, widget('a').set('spec.size', 3).obj());
    const crd = store.get(rt.crds, undefined, 'widgets.example.com') as Obj;
    const next = structuredClone(crd);
    next.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.maximum = 2;
    store.update(rt.crds, next as KubeObject);
    const w2 = store.type('example.com', 'widgets');
    expect(store.get(w2, 'default', 'a').spec).toMatchObject({ size: 3 });
    expect(fields(apiError(() => store.create(w2, widget('b').set('spec.size', 3).obj()), 422))).toEqual(['spec.size']);
  });

  it('a CRD\'s scope is immutable (422)', () => {
    const { store, rt, widgets } = withWidgets();
    store.create(widgets, widget('a').obj());
    const crd = structuredClone(store.get(rt.crds, undefined, 'widgets.example.com')) as Obj;
    crd.spec.scope = 'Cluster';
    expect(fields(apiError(() => store.update(rt.crds, crd as KubeObject), 422, 'Invalid'))).toEqual(['spec.scope']);
    expect(store.type('example.com', 'widgets').namespaced).toBe(true);
    expect(store.get(widgets, 'default', 'a')).toBeDefined();
  });

  it('a CRD whose kind is already served in its group is stored but not established', () => {
    const { store, rt, widgets } = withWidgets();
    const dup = widgetCrd((c) => {
      c.metadata.name = 'widgetz.example.com';
      c.spec.names = { kind: 'Widget', plural: 'widgetz' };
    });
    const out = store.create(rt.crds, dup);
    expect(condition(out, 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'KindConflict' });
    expect(condition(out, 'Established')).toMatchObject({ status: 'False' });
    apiError(() => store.type('example.com', 'widgetz'), 404);
    // The first CRD keeps its kind.
    expect(store.typeFor({ apiVersion: 'example.com/v1', kind: 'Widget' })).toBe(widgets);
  });

  it('a CRD for a plural a built-in kind serves is refused its names, and deleting it spares the built-in objects', () => {
    const { store, rt, drain } = harness();
    const leases = store.type('coordination.k8s.io', 'leases');
    store.create(leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' } });
    const crd = widgetCrd((c) => {
      c.metadata.name = 'leases.coordination.k8s.io';
      c.spec.group = 'coordination.k8s.io';
      c.spec.names = { kind: 'MyLease', plural: 'leases' };
    });
    const out = store.create(rt.crds, crd);
    expect(condition(out, 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'PluralConflict' });
    expect(store.type('coordination.k8s.io', 'leases')).toBe(leases);
    store.delete(rt.crds, undefined, 'leases.coordination.k8s.io');
    drain();
    expect(store.peek(rt.crds, undefined, 'leases.coordination.k8s.io')).toBeUndefined();
    expect(store.peek(leases, 'default', 'l')).toBeDefined();
    expect(store.type('coordination.k8s.io', 'leases')).toBe(leases);
  });
});

describe('custom resources', () => {
  it('are pruned of unknown fields and defaulted', () => {
    const { store, widgets } = withWidgets();
    const out = store.create(widgets, widget('w').set('spec.unknown', 1).set('extra', { a: 1 }).obj());
    expect(out.spec).toEqual({ size: 1, color: 'red' });
    expect(out.extra).toBeUndefined();
  });

  it('are validated, with every bad field path in one 422', () => {
    const { store, widgets } = withWidgets();
    const bad = widget('w').set('spec.size', 0).set('spec.color', 'purple').set('spec.name', 'toolong').obj();
    const e = apiError(() => store.create(widgets, bad), 422, 'Invalid');
    expect(e.message).toMatch(/^Widget\.example\.com "w" is invalid: /);
    expect(fields(e).sort()).toEqual(['spec.color', 'spec.name', 'spec.size']);
    const missing = widget('m').obj() as Obj;
    delete missing.spec.size;
    expect(fields(apiError(() => store.create(widgets, missing as KubeObject), 422))).toEqual(['spec.size']);
    expect(store.list(widgets).items).toEqual([]);
  });

  it('fieldValidation Strict is 400 naming every unknown field; Warn warns; Ignore is silent', () => {
    const { store, widgets } = withWidgets();
    const body = () => widget('w').set('spec.bogus', 1).set('spec.other', 2).obj();
    const e = apiError(() => store.create(widgets, body(), { fieldValidation: 'Strict' }), 400, 'BadRequest');
    expect(e.message).toContain('strict decoding error');
    expect(e.message).toContain('unknown field "spec.bogus"');
    expect(e.message).toContain('unknown field "spec.other"');
    const warnings: string[] = [];
    store.create(widgets, body(), { fieldValidation: 'Warn', warnings });
    expect(warnings).toEqual(['unknown field "spec.bogus"', 'unknown field "spec.other"']);
    const quiet: string[] = [];
    store.update(widgets, { ...body(), metadata: { name: 'w' } }, { fieldValidation: 'Ignore', warnings: quiet });
    expect(quiet).toEqual([]);
    // A known-only body is fine under Strict.
    store.create(widgets, widget('ok').obj(), { fieldValidation: 'Strict' });
  });

  it('drop status on create and validate it on /status', () => {
    const { store, widgets } = withWidgets();
    const w = store.create(widgets, widget('w').set('status', { ready: true }).obj());
    expect(w.status).toBeUndefined();
    const s = store.update(widgets, { ...w, status: { ready: true, count: 2 } }, {}, 'status');
    expect(s.status).toEqual({ ready: true, count: 2 });
    expect(s.metadata.generation).toBe(1);
    expect(fields(apiError(() => store.update(widgets, { ...s, status: { count: 'two' } }, {}, 'status'), 422))).toEqual(['status.count']);
    const spec = store.update(widgets, { ...s, spec: { size: 5 } });
    expect(spec.metadata.generation).toBe(2);
    expect(spec.spec).toEqual({ size: 5, color: 'red' });
  });

  it('without a status subresource, status is written with the object and bumps generation', () => {
    const { store, rt } = harness();
    store.create(rt.crds, widgetCrd((c) => delete c.spec.versions[0].subresources));
    const widgets = store.type('example.com', 'widgets');
    const w = store.create(widgets, widget('w').set('status', { ready: true }).obj());
    expect(w.status).toEqual({ ready: true });
    apiError(() => store.update(widgets, w, {}, 'status'), 404);
    const next = store.update(widgets, { ...w, status: { ready: false } });
    expect(next.status).toEqual({ ready: false });
    expect(next.metadata.generation).toBe(2);
    expect(store.update(widgets, { ...next, metadata: { ...next.metadata, labels: { a: 'b' } } }).metadata.generation).toBe(2);
  });

  it('cluster-scoped custom resources have no namespace', () => {
    const { store, rt } = harness();
    store.create(rt.crds, widgetCrd((c) => (c.spec.scope = 'Cluster')));
    const widgets = store.type('example.com', 'widgets');
    const w = store.create(widgets, widget('w').obj());
    expect(w.metadata.namespace).toBeUndefined();
    expect(store.get(widgets, undefined, 'w')).toBe(w);
  });

  it('custom resources take part in garbage collection', () => {
    const { store, rt, drain, widgets } = withWidgets();
    const w = store.create(widgets, widget('w').obj());
    store.create(rt.configmaps, cm('dep').owner(w).obj());
    store.delete(widgets, 'default', 'w');
    drain();
    expect(store.count(rt.configmaps)).toBe(0);
  });
});

describe('ray.io CRDs', () => {
  it('are loaded by default and serve the four Ray kinds', () => {
    let t = T0;
    const queue: (() => void)[] = [];
    const store = createWallClockStore('ray', { freezeObjects: true }, { clock: { now: () => t }, defer: (fn) => void queue.push(fn) });
    for (const plural of ['rayclusters', 'rayjobs', 'rayservices', 'raycronjobs']) {
      const crd = store.get(store.type('apiextensions.k8s.io', 'customresourcedefinitions'), undefined, `${plural}.ray.io`);
      expect(condition(crd, 'Established')).toMatchObject({ status: 'True' });
      expect(store.type('ray.io', plural).crd).toBeDefined();
    }
    const rayclusters = store.type('ray.io', 'rayclusters');
    const rc = store.create(rayclusters, {
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'rc' },
      spec: { headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-head', image: 'rayproject/ray:2.9.0' }] } } }, bogus: true },
    });
    expect((rc.spec as Obj).bogus).toBeUndefined();
    const rayjobs = store.type('ray.io', 'rayjobs');
    const e = apiError(() => store.create(rayjobs, { apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: { name: 'j' }, spec: { backoffLimit: 'three' } }), 422);
    expect(fields(e)).toContain('spec.backoffLimit');
    t += 1000;
    while (queue.length) queue.shift()!();
  });
});

describe('custom resource /status: only changed fields are processed', () => {
  const statusSchema = {
    type: 'object',
    properties: {
      phase: { type: 'string', enum: ['A', 'B', 'C'] },
      count: { type: 'integer', minimum: 0 },
      info: { type: 'object', properties: { a: { type: 'string', default: 'x' }, b: { type: 'integer', nullable: true } } },
      list: { type: 'array', items: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
      mode: { type: 'string', default: 'auto' },
    },
  };
  const setup = () => {
    const h = harness();
    h.store.create(h.rt.crds, widgetCrd((crd) => (crd.spec.versions[0].schema.openAPIV3Schema.properties.status = statusSchema)));
    const widgets = h.store.type('example.com', 'widgets');
    h.store.create(widgets, widget('w').obj());
    return { store: h.store, widgets };
  };
  const value = fc.oneof(
    fc.record({ phase: fc.constantFrom('A', 'B', 'Z') }, { requiredKeys: [] }),
    fc.record({ count: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant('two')) }, { requiredKeys: [] }),
    fc.record({ info: fc.record({ a: fc.constantFrom('p', 'q'), b: fc.constantFrom(null, 1, 'no'), junk: fc.constant(1) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
    fc.record({ list: fc.array(fc.oneof(fc.record({ n: fc.integer({ min: 0, max: 2 }) }), fc.constant({})), { maxLength: 2 }) }, { requiredKeys: [] }),
    fc.record({ mode: fc.constantFrom('auto', 'manual', null), unknown: fc.constant('u') }, { requiredKeys: [] }),
  );
  const statusArb = fc.array(value, { maxLength: 4 }).map((parts) => Object.assign({}, ...parts) as Obj);

  it('gives what processing the whole status gives: the same object, or a 422 naming the same fields', () => {
    fc.assert(
      fc.property(fc.array(statusArb, { minLength: 1, maxLength: 6 }), (writes) => {
        const { store, widgets } = setup();
        const root = { type: 'object', properties: { status: statusSchema } } as JSONSchemaProps;
        for (const status of writes) {
          const cur = store.get(widgets, 'default', 'w');
          const ref = processCustomResource({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: {}, status }, root, 'Ignore');
          if (ref.causes.length) {
            const e = apiError(() => store.update(widgets, { ...cur, status }, {}, 'status'), 422);
            expect(fields(e).sort()).toEqual(ref.causes.map((c) => c.field).sort());
          } else {
            const out = store.update(widgets, { ...cur, status }, {}, 'status');
            expect(out.status).toEqual(ref.object.status);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
