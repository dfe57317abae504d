// The object store's Kubernetes semantics for create, Pod admission, update, patch, delete, bind and
// list. Each store is fresh, on a manual clock, with deferred work run only by drain().

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { apiError, cm, deployment, fields, harness, names, namespace, node, pod, priorityClass, record, widgetCrd, widget } from './fixtures.js';

type Obj = Record<string, any>;

const ALPHABET = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

describe('create', () => {
  it('assigns uid, creationTimestamp from the clock, generation 1 and a global increasing resourceVersion', () => {
    const { store, rt, advance } = harness();
    const before = Number(store.resourceVersion);
    advance(1_500);
    const a = store.create(rt.configmaps, cm('a').obj());
    const p = store.create(rt.pods, pod('p').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    expect(a.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([a.metadata.uid, p.metadata.uid, b.metadata.uid]).size).toBe(3);
    expect(a.metadata.creationTimestamp).toBe('2026-01-01T00:00:01Z');
    expect(a.metadata.generation).toBe(1);
    expect(a.metadata.namespace).toBe('default');
    const rvs = [a, p, b].map((o) => o.metadata.resourceVersion!);
    for (const rv of rvs) expect(rv).toMatch(/^[1-9][0-9]*$/);
    // One counter across kinds, strictly increasing.
    expect(rvs.map(Number)).toEqual([before + 1, before + 2, before + 3]);
    expect(store.resourceVersion).toBe(String(before + 3));
  });

  it('stores a copy: the caller mutating its input changes nothing, and stored objects are frozen', () => {
    const { store, rt } = harness();
    const input = cm('a').data({ k: 'v' }).obj() as Obj;
    const created = store.create(rt.configmaps, input as KubeObject);
    input.data.k = 'changed';
    expect(store.get(rt.configmaps, 'default', 'a').data).toEqual({ k: 'v' });
    expect(Object.isFrozen(created)).toBe(true);
    expect(input.metadata.uid).toBeUndefined();
  });

  it('generateName appends 5 characters of the Kubernetes alphabet, deterministically per seed', () => {
    const mk = (seed: string) => {
      const { store, rt } = harness({ seed });
      return [1, 2, 3].map(() => store.create(rt.pods, pod().generateName('worker-').obj()).metadata.name!);
    };
    const one = mk('s1');
    expect(mk('s1')).toEqual(one);
    expect(mk('s2')).not.toEqual(one);
    for (const n of one) {
      expect(n.startsWith('worker-')).toBe(true);
      expect(n.slice('worker-'.length)).toMatch(ALPHABET);
    }
    expect(new Set(one).size).toBe(3);
  });

  it('generateName is truncated to 58 characters so the name fits in 63', () => {
    const { store, rt } = harness();
    const prefix = `${'x'.repeat(70)}-`;
    const n = store.create(rt.configmaps, cm().generateName(prefix).obj()).metadata.name!;
    expect(n).toHaveLength(63);
    expect(n.slice(0, 58)).toBe(prefix.slice(0, 58));
    expect(n.slice(58)).toMatch(ALPHABET);
    // A namespace (a DNS label) from a 62-character prefix still gets a valid 63-character name.
    const ns = store.create(rt.namespaces, namespace('').generateName(`${'n'.repeat(61)}-`).obj());
    expect(ns.metadata.name).toHaveLength(63);
  });

  it('a namespaced object needs an existing namespace (404), and a terminating one refuses content (403)', () => {
    const { store, rt, drain } = harness();
    const e = apiError(() => store.create(rt.configmaps, cm('a').ns('nope').obj()), 404, 'NotFound');
    expect(e.message).toBe('namespaces "nope" not found');
    store.create(rt.namespaces, namespace('doomed').obj());
    // Content with a finalizer keeps the namespace terminating.
    store.create(rt.configmaps, cm('held').ns('doomed').finalizers('example.com/hold').obj());
    store.delete(rt.namespaces, undefined, 'doomed');
    drain();
    expect(store.get(rt.namespaces, undefined, 'doomed').metadata.deletionTimestamp).toBeDefined();
    const f = apiError(() => store.create(rt.configmaps, cm('b').ns('doomed').obj()), 403, 'Forbidden');
    expect(f.message).toBe('unable to create new content in namespace doomed because it is being terminated');
    // Cluster-scoped kinds ignore a namespace.
    expect(store.create(rt.nodes, node('n1').ns('whatever').obj()).metadata.namespace).toBeUndefined();
  });

  it('create of an existing name is 409 AlreadyExists and leaves the stored object alone', () => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').data({ v: '1' }).obj());
    const rv = store.resourceVersion;
    const e = apiError(() => store.create(rt.configmaps, cm('a').data({ v: '2' }).obj()), 409, 'AlreadyExists');
    expect(e.message).toBe('configmaps "a" already exists');
    expect(e.details).toMatchObject({ name: 'a', kind: 'configmaps' });
    expect(store.get(rt.configmaps, 'default', 'a')).toBe(a);
    expect(store.resourceVersion).toBe(rv);
    // The same name in another namespace is a different object.
    store.create(rt.namespaces, namespace('other').obj());
    expect(store.create(rt.configmaps, cm('a').ns('other').obj()).metadata.namespace).toBe('other');
  });

  it.each([
    ['uppercase name', cm('Bad_Name').obj(), ['metadata.name']],
    ['no name and no generateName', cm().obj(), ['metadata.name']],
    ['name too long', cm('a'.repeat(254)).obj(), ['metadata.name']],
    ['bad label key and value', cm('a').labels({ 'bad key': 'v', ok: 'bad value' }).obj(), ['metadata.labels', 'metadata.labels']],
    ['every problem at once', cm('A').labels({ '-x': 'y' }).finalizers('has space').obj(), ['metadata.name', 'metadata.labels', 'metadata.finalizers']],
  ])('invalid metadata (%s) is 422 Invalid with field paths', (_what, obj, paths) => {
    const { store, rt } = harness();
    const rv = store.resourceVersion;
    const e = apiError(() => store.create(rt.configmaps, obj), 422, 'Invalid');
    expect(e.message).toMatch(/^ConfigMap ".*" is invalid: /);
    expect(fields(e)).toEqual(paths);
    expect(store.resourceVersion).toBe(rv);
  });

  it('namespaces and services use DNS label rules for names', () => {
    const { store, rt } = harness();
    expect(fields(apiError(() => store.create(rt.namespaces, namespace('a.b').obj()), 422))).toEqual(['metadata.name']);
    expect(fields(apiError(() => store.create(rt.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc' } }), 422))).toEqual(['metadata.name']);
    expect(store.create(rt.configmaps, cm('a.b').obj()).metadata.name).toBe('a.b');
  });

  it.each([
    ['a kind that is not the resource', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, 'the kind in the data (Secret) does not match the expected kind (ConfigMap)'],
    ['a group that is not the resource', { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'the API version in the data (apps/v1) does not match the expected API version (v1)'],
    ['a version that is not served', { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } }, 'the API version in the data (v2) does not match the expected API version (v1)'],
  ])('%s is 400 BadRequest', (_what, body, message) => {
    const { store, rt } = harness();
    expect(apiError(() => store.create(rt.configmaps, body as KubeObject), 400, 'BadRequest').message).toBe(message);
  });

  it('a body without apiVersion/kind takes the resource\'s, and a non-object body is 400', () => {
    const { store, rt } = harness();
    const o = store.create(rt.configmaps, { metadata: { name: 'bare' } } as KubeObject);
    expect([o.apiVersion, o.kind]).toEqual(['v1', 'ConfigMap']);
    apiError(() => store.create(rt.configmaps, [] as unknown as KubeObject), 400, 'BadRequest');
    apiError(() => store.create(rt.configmaps, { metadata: 'x' } as unknown as KubeObject), 400, 'BadRequest');
  });

  it('the namespace of the request must match the body\'s', () => {
    const { store, rt } = harness();
    store.create(rt.namespaces, namespace('ns1').obj());
    expect(store.create(rt.configmaps, cm('a').obj(), {}, 'ns1').metadata.namespace).toBe('ns1');
    apiError(() => store.create(rt.configmaps, cm('b').ns('default').obj(), {}, 'ns1'), 400, 'BadRequest');
  });

  it('status is dropped on create for kinds with a status subresource, but not for Node', () => {
    const { store, rt } = harness();
    const d = store.create(rt.deployments, deployment('d').set('status', { replicas: 3 }).obj());
    expect(d.status).toBeUndefined();
    const n = store.create(rt.nodes, node('n1').set('status', { capacity: { cpu: '8' } }).obj());
    expect(n.status).toEqual({ capacity: { cpu: '8' } });
    // A Pod's status is replaced by what admission sets.
    const p = store.create(rt.pods, pod('p').phase('Running').obj());
    expect((p.status as Obj).phase).toBe('Pending');
  });

  it('server-set metadata from the client (uid, deletionTimestamp, resourceVersion) is not trusted', () => {
    const { store, rt } = harness();
    const o = store.create(rt.configmaps, cm('a').set('metadata.uid', 'mine').set('metadata.deletionTimestamp', '2020-01-01T00:00:00Z').obj());
    expect(o.metadata.uid).not.toBe('mine');
    expect(o.metadata.deletionTimestamp).toBeUndefined();
    apiError(() => store.create(rt.configmaps, cm('b').rv('5').obj()), 400);
  });

  it('dryRun validates and defaults but stores nothing', () => {
    const { store, rt } = harness();
    const rv = store.resourceVersion;
    const out = store.create(rt.pods, pod('p').obj(), { dryRun: true });
    expect((out.status as Obj).phase).toBe('Pending');
    expect(store.peek(rt.pods, 'default', 'p')).toBeUndefined();
    expect(store.resourceVersion).toBe(rv);
    apiError(() => store.create(rt.pods, pod('Q').obj(), { dryRun: true }), 422);
  });
});

describe('Pod defaulting and admission', () => {
  it('defaults requests from limits and computes Guaranteed QoS', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').resources({ limits: { cpu: '2', memory: '1Gi', 'nvidia.com/gpu': '1' } }).obj());
    const c = (p.spec as Obj).containers[0];
    expect(c.resources.requests).toEqual({ cpu: '2', memory: '1Gi', 'nvidia.com/gpu': '1' });
    expect((p.status as Obj).qosClass).toBe('Guaranteed');
  });

  it('keeps explicit requests and computes Burstable when they differ from limits', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').resources({ requests: { cpu: '1' }, limits: { cpu: '2', memory: '1Gi' } }).obj());
    expect((p.spec as Obj).containers[0].resources.requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect((p.status as Obj).qosClass).toBe('Burstable');
  });

  it.each([
    ['no resources', {}, 'BestEffort'],
    ['requests only', { requests: { cpu: '1' } }, 'Burstable'],
    // Only cpu and memory decide QoS: a GPU-only pod is BestEffort, as in kube-apiserver.
    ['only an extended resource', { limits: { 'nvidia.com/gpu': '1' } }, 'BestEffort'],
    ['cpu limit but no memory limit', { limits: { cpu: '1' } }, 'Burstable'],
  ])('QoS class with %s is %s', (_what, resources, qos) => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').resources(resources).obj());
    expect((p.status as Obj).qosClass).toBe(qos);
  });

  it('QoS looks at every container: one without limits makes the pod Burstable', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').resources({ limits: { cpu: '1', memory: '1Gi' } }).container('side').obj());
    expect((p.status as Obj).qosClass).toBe('Burstable');
  });

  it('sets phase Pending, priority 0 and the usual spec defaults', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').image('busybox').obj());
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.spec).toMatchObject({ restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, priority: 0 });
    expect((p.spec as Obj).containers[0].imagePullPolicy).toBe('Always');
  });

  it('takes priority from the PriorityClass, and a missing class is 403', () => {
    const { store, rt } = harness();
    store.create(rt.priorityclasses, priorityClass('high', 1000).obj());
    const p = store.create(rt.pods, pod('p').priorityClass('high').obj());
    expect((p.spec as Obj).priority).toBe(1000);
    const e = apiError(() => store.create(rt.pods, pod('q').priorityClass('missing').obj()), 403, 'Forbidden');
    expect(e.message).toContain('no PriorityClass with name missing was found');
    expect(store.peek(rt.pods, 'default', 'q')).toBeUndefined();
  });

  it.each([
    ['a request above its limit', { requests: { cpu: '2' }, limits: { cpu: '1' } }, 'spec.containers[0].resources.requests', 'Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ['a GPU request that differs from its limit', { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } }, 'spec.containers[0].resources.requests', 'must be equal to nvidia.com/gpu limit of 2'],
    ['a GPU request without a limit', { requests: { 'nvidia.com/gpu': '1' } }, 'spec.containers[0].resources.limits', 'Limit must be set for non overcommitable resources'],
  ])('resources: %s is 422', (_what, resources, field, message) => {
    const { store, rt } = harness();
    const e = apiError(() => store.create(rt.pods, pod('p').resources(resources).obj()), 422, 'Invalid');
    expect(e.details?.causes).toEqual([expect.objectContaining({ field, message: expect.stringContaining(message) })]);
  });

  it('resources: equal quantities in different units are fine', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').resources({ requests: { cpu: '1000m', memory: '1Gi' }, limits: { cpu: '1', memory: '1024Mi' } }).obj());
    expect((p.status as Obj).qosClass).toBe('Guaranteed');
  });

  it('a priority in the pod spec must agree with the class (403), and preemptionPolicy comes from the class', () => {
    const { store, rt } = harness();
    store.create(rt.priorityclasses, priorityClass('high', 1000).set('preemptionPolicy', 'Never').obj());
    const p = store.create(rt.pods, pod('p').priorityClass('high').set('spec.priority', 1000).obj());
    expect(p.spec).toMatchObject({ priority: 1000, preemptionPolicy: 'Never' });
    const e = apiError(() => store.create(rt.pods, pod('q').priorityClass('high').set('spec.priority', 5).obj()), 403, 'Forbidden');
    expect(e.message).toBe('pods "q" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name');
    apiError(() => store.create(rt.pods, pod('r').set('spec.priority', 5).obj()), 403, 'Forbidden');
    apiError(() => store.create(rt.pods, pod('s').priorityClass('high').set('spec.preemptionPolicy', 'PreemptLowerPriority').obj()), 403, 'Forbidden');
    // A pod copied from a stored one (priority already filled in) is accepted again.
    const copy = structuredClone(p) as Obj;
    copy.metadata = { name: 'copy' };
    delete copy.status;
    expect((store.create(rt.pods, copy as KubeObject).spec as Obj).priority).toBe(1000);
  });

  it('validates containers with field paths', () => {
    const { store, rt } = harness();
    const bad = pod('p').obj() as Obj;
    bad.spec.containers = [{ name: 'Bad' }, { name: 'ok', image: 'x' }, { name: 'ok', image: 'y' }];
    const e = apiError(() => store.create(rt.pods, bad as KubeObject), 422, 'Invalid');
    expect(fields(e)).toEqual(['spec.containers[0].name', 'spec.containers[0].image', 'spec.containers[2].name']);
  });
});

describe('update', () => {
  it('a stale resourceVersion is 409 Conflict with the Kubernetes message', () => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    store.update(rt.configmaps, { ...a, data: { v: '1' } });
    const e = apiError(() => store.update(rt.configmaps, { ...a, data: { v: '2' } }), 409, 'Conflict');
    expect(e.message).toBe('Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
    expect(store.get(rt.configmaps, 'default', 'a').data).toEqual({ v: '1' });
  });

  it('an update without resourceVersion is unconditional', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    store.update(rt.configmaps, cm('a').data({ v: '1' }).obj());
    const out = store.update(rt.configmaps, cm('a').data({ v: '2' }).obj());
    expect(out.data).toEqual({ v: '2' });
  });

  it('an update of a missing object is 404, and a uid that does not match is 409', () => {
    const { store, rt } = harness();
    apiError(() => store.update(rt.configmaps, cm('nope').obj()), 404, 'NotFound');
    store.create(rt.configmaps, cm('a').obj());
    apiError(() => store.update(rt.configmaps, cm('a').set('metadata.uid', 'other').obj()), 409, 'Conflict');
  });

  it('keeps uid, creationTimestamp and generation whatever the body says', () => {
    const { store, rt, advance } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    advance(60_000);
    const out = store.update(rt.configmaps, { ...a, metadata: { ...a.metadata, creationTimestamp: '2000-01-01T00:00:00Z', generation: 99 }, data: { x: 'y' } });
    expect(out.metadata.uid).toBe(a.metadata.uid);
    expect(out.metadata.creationTimestamp).toBe(a.metadata.creationTimestamp);
    expect(out.metadata.generation).toBe(2);
  });

  it('the main resource ignores status; /status ignores everything but status', () => {
    const { store, rt } = harness();
    const d0 = store.create(rt.deployments, deployment('d').obj());
    const d1 = store.update(rt.deployments, { ...d0, status: { replicas: 5 } }, {}, 'status');
    expect(d1.status).toEqual({ replicas: 5 });
    const d2 = store.update(rt.deployments, { ...d1, spec: { replicas: 2 }, status: { replicas: 0 } });
    expect(d2.status).toEqual({ replicas: 5 });
    expect(d2.spec).toEqual({ replicas: 2 });
    const d3 = store.update(rt.deployments, { ...d2, metadata: { ...d2.metadata, labels: { x: 'y' } }, spec: { replicas: 9 }, status: { replicas: 2 } }, {}, 'status');
    expect(d3.spec).toEqual({ replicas: 2 });
    expect(d3.metadata.labels).toBeUndefined();
    expect(d3.status).toEqual({ replicas: 2 });
    // A kind without a status subresource has no /status.
    const a = store.create(rt.configmaps, cm('a').obj());
    apiError(() => store.update(rt.configmaps, a, {}, 'status'), 404);
  });

  it('generation bumps on spec changes only, not metadata or status', () => {
    const { store, rt } = harness();
    let d = store.create(rt.deployments, deployment('d').obj());
    expect(d.metadata.generation).toBe(1);
    d = store.update(rt.deployments, { ...d, metadata: { ...d.metadata, labels: { a: 'b' }, annotations: { c: 'd' } } });
    expect(d.metadata.generation).toBe(1);
    d = store.update(rt.deployments, { ...d, status: { observedGeneration: 1 } }, {}, 'status');
    expect(d.metadata.generation).toBe(1);
    d = store.update(rt.deployments, { ...d, spec: { replicas: 3 } });
    expect(d.metadata.generation).toBe(2);
    d = store.update(rt.deployments, { ...d, spec: { replicas: 4 } });
    expect(d.metadata.generation).toBe(3);
  });

  it('a no-op update returns the same resourceVersion and emits no watch event', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').data({ k: 'v' }).obj());
    const w = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
    const rv = store.resourceVersion;
    const same = store.update(rt.configmaps, cm('a').data({ k: 'v' }).obj());
    expect(same.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    const viaStatus = store.update(rt.deployments, store.create(rt.deployments, deployment('d').obj()), {}, 'status');
    const rv2 = store.resourceVersion;
    expect(store.update(rt.deployments, viaStatus, {}, 'status').metadata.resourceVersion).toBe(rv2);
    expect(store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { k: 'v' } }).metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    drain();
    expect(w.events).toEqual([]);
    expect(Number(store.resourceVersion)).toBe(Number(rv) + 1);
  });

  it('a pod\'s spec is immutable except images and a few fields (422)', () => {
    const { store, rt } = harness();
    const p = store.create(rt.pods, pod('p').obj());
    const spec = p.spec as Obj;
    const withImage = store.update(rt.pods, { ...p, spec: { ...spec, containers: [{ ...spec.containers[0], image: 'busybox:1.37' }], activeDeadlineSeconds: 60 } });
    expect((withImage.spec as Obj).containers[0].image).toBe('busybox:1.37');
    const e = apiError(() => store.update(rt.pods, { ...withImage, spec: { ...(withImage.spec as Obj), restartPolicy: 'Never' } }), 422, 'Invalid');
    expect(fields(e)).toEqual(['spec']);
    expect(e.message).toContain('pod updates may not change fields other than');
    apiError(() => store.update(rt.pods, { ...withImage, spec: { ...(withImage.spec as Obj), nodeName: 'n1' } }), 422, 'Invalid');
    // Labels are metadata: always allowed.
    expect(store.update(rt.pods, { ...withImage, metadata: { ...withImage.metadata, labels: { a: 'b' } } }).metadata.labels).toEqual({ a: 'b' });
  });

  it('no finalizer may be added to an object being deleted (422); removing them is fine', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').finalizers('example.com/a').obj());
    const doomed = store.delete(rt.configmaps, 'default', 'a');
    expect(doomed.metadata.deletionTimestamp).toBeDefined();
    const e = apiError(() => store.update(rt.configmaps, { ...doomed, metadata: { ...doomed.metadata, finalizers: ['example.com/a', 'example.com/b'] } }), 422, 'Invalid');
    expect(fields(e)).toEqual(['metadata.finalizers']);
    // Other changes keep the deletionTimestamp, whatever the body says.
    const kept = store.update(rt.configmaps, { ...doomed, metadata: { ...doomed.metadata, deletionTimestamp: undefined, labels: { x: 'y' } } });
    expect(kept.metadata.deletionTimestamp).toBe(doomed.metadata.deletionTimestamp);
  });

  it('invalid metadata on update is 422', () => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    apiError(() => store.update(rt.configmaps, { ...a, metadata: { ...a.metadata, labels: { 'a b': 'c' } } }), 422, 'Invalid');
  });
});

describe('patch', () => {
  it('merge patch merges maps and deletes with null', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').labels({ a: '1', b: '2' }).data({ x: '1' }).obj());
    const out = store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { labels: { b: null, c: '3' } }, data: { y: '2' } });
    expect(out.metadata.labels).toEqual({ a: '1', c: '3' });
    expect(out.data).toEqual({ x: '1', y: '2' });
  });

  it('JSON patch applies operations in order', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').data({ x: '1' }).obj());
    const out = store.patch(rt.configmaps, 'default', 'a', 'json', [
      { op: 'add', path: '/data/y', value: '2' },
      { op: 'replace', path: '/data/x', value: '3' },
      { op: 'remove', path: '/data/y' },
    ]);
    expect(out.data).toEqual({ x: '3' });
    apiError(() => store.patch(rt.configmaps, 'default', 'a', 'json', [{ op: 'test', path: '/data/x', value: 'nope' }]), 422);
  });

  it('strategic merge patch merges containers by name', () => {
    const { store, rt } = harness();
    store.create(rt.pods, pod('p').container('side', 'envoy:1').obj());
    const out = store.patch(rt.pods, 'default', 'p', 'strategic', { spec: { containers: [{ name: 'side', image: 'envoy:2' }] } });
    expect((out.spec as Obj).containers.map((c: Obj) => `${c.name}=${c.image}`)).toEqual(['main=busybox:1.36', 'side=envoy:2']);
  });

  it('patches the status subresource without touching the rest', () => {
    const { store, rt } = harness();
    store.create(rt.deployments, deployment('d').obj());
    const out = store.patch(rt.deployments, 'default', 'd', 'merge', { spec: { replicas: 7 }, status: { readyReplicas: 1 } }, {}, 'status');
    expect(out.status).toEqual({ readyReplicas: 1 });
    expect(out.spec).toEqual({ replicas: 1 });
    const pods = store.create(rt.pods, pod('p').obj());
    const s = store.patch(rt.pods, 'default', 'p', 'strategic', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, {}, 'status');
    expect((s.status as Obj).conditions).toEqual([{ type: 'Ready', status: 'True' }]);
    expect((s.status as Obj).phase).toBe((pods.status as Obj).phase);
  });

  it('a patch carrying a stale metadata.resourceVersion is 409; a current one applies', () => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { v: '1' } });
    apiError(() => store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { resourceVersion: a.metadata.resourceVersion }, data: { v: '2' } }), 409, 'Conflict');
    const cur = store.get(rt.configmaps, 'default', 'a');
    expect(store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { resourceVersion: cur.metadata.resourceVersion }, data: { v: '2' } }).data).toEqual({ v: '2' });
  });

  it('a patch may not rename the object (400)', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    const b = store.create(rt.configmaps, cm('b').obj());
    const e = apiError(() => store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { name: 'b', resourceVersion: b.metadata.resourceVersion }, data: { v: '1' } }), 400, 'BadRequest');
    expect(e.message).toBe('the name of the object (b) does not match the name on the URL (a)');
    expect(store.get(rt.configmaps, 'default', 'b').data).toBeUndefined();
  });

  it('a patch of a missing object is 404; a non-object patch is 400', () => {
    const { store, rt } = harness();
    apiError(() => store.patch(rt.configmaps, 'default', 'nope', 'merge', {}), 404);
    store.create(rt.configmaps, cm('a').obj());
    apiError(() => store.patch(rt.configmaps, 'default', 'a', 'merge', [1]), 400);
  });

  it('strategic merge on a custom resource is 415', () => {
    const { store, rt } = harness();
    store.create(rt.crds, widgetCrd());
    const widgets = store.type('example.com', 'widgets');
    store.create(widgets, widget('w').obj());
    apiError(() => store.patch(widgets, 'default', 'w', 'strategic', { spec: { size: 2 } }), 415, 'UnsupportedMediaType');
    expect((store.patch(widgets, 'default', 'w', 'merge', { spec: { size: 2 } }).spec as Obj).size).toBe(2);
  });
});

describe('delete', () => {
  it('finalizers hold the object with a deletionTimestamp until removed; then DELETED fires', () => {
    const { store, rt, drain, advance } = harness();
    store.create(rt.configmaps, cm('a').finalizers('example.com/x', 'example.com/y').obj());
    const w = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
    advance(5_000);
    const held = store.delete(rt.configmaps, 'default', 'a');
    expect(held.metadata.deletionTimestamp).toBe('2026-01-01T00:00:05Z');
    expect(held.metadata.deletionGracePeriodSeconds).toBe(0);
    drain();
    expect(store.get(rt.configmaps, 'default', 'a').metadata.deletionTimestamp).toBeDefined();
    // Deleting again changes nothing.
    expect(store.delete(rt.configmaps, 'default', 'a')).toBe(store.get(rt.configmaps, 'default', 'a'));
    let cur = store.get(rt.configmaps, 'default', 'a');
    cur = store.update(rt.configmaps, { ...cur, metadata: { ...cur.metadata, finalizers: ['example.com/y'] } });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeDefined();
    store.patch(rt.configmaps, 'default', 'a', 'merge', { metadata: { finalizers: null } });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
    drain();
    expect(w.summary()).toEqual(['MODIFIED a', 'MODIFIED a', 'DELETED a']);
    expect(w.events[2].object.metadata.resourceVersion).toBe(store.resourceVersion);
  });

  it('an object without finalizers goes at once, with a DELETED event carrying a new resourceVersion', () => {
    const { store, rt, drain } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const w = record(store, rt.configmaps, { resourceVersion: store.resourceVersion });
    const gone = store.delete(rt.configmaps, 'default', 'a');
    expect(Number(gone.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    apiError(() => store.get(rt.configmaps, 'default', 'a'), 404, 'NotFound');
    apiError(() => store.delete(rt.configmaps, 'default', 'a'), 404, 'NotFound');
    drain();
    expect(w.summary()).toEqual(['DELETED a']);
  });

  it('preconditions on uid and resourceVersion are 409 when they do not match', () => {
    const { store, rt } = harness();
    const a = store.create(rt.configmaps, cm('a').obj());
    const e1 = apiError(() => store.delete(rt.configmaps, 'default', 'a', { preconditions: { uid: 'other' } }), 409, 'Conflict');
    expect(e1.message).toContain(`Precondition failed: UID in precondition: other, UID in object meta: ${a.metadata.uid}`);
    apiError(() => store.delete(rt.configmaps, 'default', 'a', { preconditions: { resourceVersion: '1' } }), 409, 'Conflict');
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeDefined();
    store.delete(rt.configmaps, 'default', 'a', { preconditions: { uid: a.metadata.uid, resourceVersion: a.metadata.resourceVersion } });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeUndefined();
  });

  it('a pod bound to a node is deleted gracefully; grace 0 then removes it', () => {
    const { store, rt, advance } = harness();
    store.create(rt.pods, pod('p').node('n1').obj());
    advance(2_000);
    const t = store.delete(rt.pods, 'default', 'p');
    expect(t.metadata.deletionTimestamp).toBe('2026-01-01T00:00:32Z');
    expect(t.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.peek(rt.pods, 'default', 'p')).toBeDefined();
    store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 0 });
    expect(store.peek(rt.pods, 'default', 'p')).toBeUndefined();
  });

  it('gracePeriodSeconds on the request overrides the pod\'s and a later delete may only shorten it', () => {
    const { store, rt } = harness();
    store.create(rt.pods, pod('p').node('n1').obj());
    expect(store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 20 }).metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:20Z', deletionGracePeriodSeconds: 20 });
    expect(store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 60 }).metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:20Z', deletionGracePeriodSeconds: 20 });
    expect(store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 5 }).metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 });
  });

  it('a gracefully terminating pod survives status updates until its kubelet deletes it', () => {
    const { store, rt, drain } = harness();
    store.create(rt.pods, pod('p').node('n1').obj());
    store.delete(rt.pods, 'default', 'p');
    const cur = store.get(rt.pods, 'default', 'p');
    const out = store.update(rt.pods, { ...cur, status: { ...(cur.status as Obj), phase: 'Succeeded' } }, {}, 'status');
    expect((out.status as Obj).phase).toBe('Succeeded');
    store.patch(rt.pods, 'default', 'p', 'merge', { metadata: { labels: { done: 'yes' } } });
    drain();
    expect(store.get(rt.pods, 'default', 'p').metadata.labels).toEqual({ done: 'yes' });
    store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 0 });
    expect(store.peek(rt.pods, 'default', 'p')).toBeUndefined();
  });

  it('a terminating pod with a finalizer is removed once grace is 0 and the finalizer goes', () => {
    const { store, rt } = harness();
    store.create(rt.pods, pod('p').node('n1').finalizers('example.com/x').obj());
    store.delete(rt.pods, 'default', 'p');
    // Removing the finalizer during the grace period does not delete the pod.
    store.patch(rt.pods, 'default', 'p', 'merge', { metadata: { finalizers: null } });
    expect(store.peek(rt.pods, 'default', 'p')).toBeDefined();
    store.delete(rt.pods, 'default', 'p', { gracePeriodSeconds: 0 });
    expect(store.peek(rt.pods, 'default', 'p')).toBeUndefined();
    // The other order: grace 0 first keeps the pod for its finalizer, whose removal deletes it.
    store.create(rt.pods, pod('q').node('n1').finalizers('example.com/x').obj());
    store.delete(rt.pods, 'default', 'q');
    const held = store.delete(rt.pods, 'default', 'q', { gracePeriodSeconds: 0 });
    expect(held.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['example.com/x'] });
    store.patch(rt.pods, 'default', 'q', 'merge', { metadata: { finalizers: null } });
    expect(store.peek(rt.pods, 'default', 'q')).toBeUndefined();
  });

  it('an unbound pod or one in a terminal phase goes at once', () => {
    const { store, rt } = harness();
    store.create(rt.pods, pod('p').obj());
    store.delete(rt.pods, 'default', 'p');
    expect(store.peek(rt.pods, 'default', 'p')).toBeUndefined();
    const q = store.create(rt.pods, pod('q').node('n1').obj());
    store.update(rt.pods, { ...q, status: { ...(q.status as Obj), phase: 'Failed' } }, {}, 'status');
    store.delete(rt.pods, 'default', 'q');
    expect(store.peek(rt.pods, 'default', 'q')).toBeUndefined();
  });

  it('dryRun deletes nothing', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    store.delete(rt.configmaps, 'default', 'a', { dryRun: true });
    expect(store.peek(rt.configmaps, 'default', 'a')).toBeDefined();
  });

  it('deleteCollection deletes what the selector matches', () => {
    const { store, rt } = harness();
    for (const [n, app] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) store.create(rt.configmaps, cm(n).labels({ app }).obj());
    const out = store.deleteCollection(rt.configmaps, { namespace: 'default', labelSelector: 'app=x' });
    expect(names(out)).toEqual(['default/a', 'default/b']);
    expect(names(store.list(rt.configmaps))).toEqual(['default/c']);
  });
});

describe('bind', () => {
  it('sets spec.nodeName and PodScheduled=True', () => {
    const { store, rt, advance } = harness();
    store.create(rt.pods, pod('p').obj());
    advance(3_000);
    const status = store.bind('default', 'p', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } } as KubeObject);
    expect(status).toMatchObject({ kind: 'Status', status: 'Success' });
    const p = store.get(rt.pods, 'default', 'p');
    expect((p.spec as Obj).nodeName).toBe('n1');
    expect((p.status as Obj).conditions).toEqual([{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:03Z' }]);
  });

  it('a second bind is 409, and so is binding a terminating pod', () => {
    const { store, rt } = harness();
    store.create(rt.pods, pod('p').obj());
    const binding = (n: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { name: n } }) as unknown as KubeObject;
    store.bind('default', 'p', binding('n1'));
    const e = apiError(() => store.bind('default', 'p', binding('n2')), 409, 'Conflict');
    expect(e.message).toBe('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"');
    expect((store.get(rt.pods, 'default', 'p').spec as Obj).nodeName).toBe('n1');
    store.create(rt.pods, pod('q').finalizers('example.com/x').obj());
    store.delete(rt.pods, 'default', 'q');
    const t = apiError(() => store.bind('default', 'q', { ...binding('n1'), metadata: { name: 'q' } }), 409, 'Conflict');
    expect(t.message).toContain('pod q is being deleted, cannot be assigned to a host');
    apiError(() => store.bind('default', 'nope', binding('n1')), 404);
    apiError(() => store.bind('default', 'q', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'q' } } as KubeObject), 422);
  });
});

describe('list', () => {
  function labelled() {
    const h = harness();
    const { store, rt } = h;
    store.create(rt.configmaps, cm('a').labels({ app: 'web', tier: 'fe' }).obj());
    store.create(rt.configmaps, cm('b').labels({ app: 'web', tier: 'be' }).obj());
    store.create(rt.configmaps, cm('c').labels({ app: 'db' }).obj());
    store.create(rt.configmaps, cm('d').obj());
    store.create(rt.configmaps, cm('e').labels({ app: 'cache', tier: 'be' }).obj());
    return h;
  }

  it.each([
    ['app=web', 'a b'],
    ['app==web', 'a b'],
    ['app!=web', 'c d e'],
    ['app in (web,db)', 'a b c'],
    ['app notin (web,db)', 'd e'],
    ['tier', 'a b e'],
    ['!tier', 'c d'],
    ['app', 'a b c e'],
    ['app=web,tier=be', 'b'],
    ['tier!=be', 'a c d'],
    ['app in (web),tier notin (fe)', 'b'],
    ['app=web,!tier', ''],
    ['app=nope', ''],
    ['missing in (x)', ''],
    ['missing', ''],
    ['!missing', 'a b c d e'],
    ['', 'a b c d e'],
  ])('label selector %j selects %j', (sel, expected) => {
    const { store, rt } = labelled();
    const got = store.list(rt.configmaps, { labelSelector: sel }).items.map((o) => o.metadata.name);
    expect(got.join(' ')).toBe(expected);
  });

  it('the label index follows relabels and deletes', () => {
    const { store, rt } = labelled();
    const b = store.get(rt.configmaps, 'default', 'b');
    store.update(rt.configmaps, { ...b, metadata: { ...b.metadata, labels: { app: 'db' } } });
    store.delete(rt.configmaps, 'default', 'c');
    store.create(rt.configmaps, cm('f').labels({ app: 'db' }).obj());
    const sel = (s: string) => store.list(rt.configmaps, { labelSelector: s }).items.map((o) => o.metadata.name).join(' ');
    expect(sel('app=web')).toBe('a');
    expect(sel('app=db')).toBe('b f');
    expect(sel('app in (db,web)')).toBe('a b f');
    expect(sel('tier')).toBe('a e');
    expect(sel('app!=db')).toBe('a d e');
  });

  it('a malformed label selector is 400', () => {
    const { store, rt } = harness();
    apiError(() => store.list(rt.configmaps, { labelSelector: 'a in b' }), 400, 'BadRequest');
  });

  function podsOnNodes() {
    const h = harness();
    const { store, rt } = h;
    store.create(rt.namespaces, namespace('other').obj());
    store.create(rt.pods, pod('p1').node('n1').obj());
    store.create(rt.pods, pod('p2').node('n2').obj());
    store.create(rt.pods, pod('p3').obj());
    store.create(rt.pods, pod('p1').ns('other').node('n1').obj());
    const p2 = store.get(rt.pods, 'default', 'p2');
    store.update(rt.pods, { ...p2, status: { ...(p2.status as Obj), phase: 'Running' } }, {}, 'status');
    return h;
  }

  it.each([
    ['metadata.name=p1', undefined, 'default/p1 other/p1'],
    ['metadata.name=p1', 'other', 'other/p1'],
    ['metadata.name!=p1', undefined, 'default/p2 default/p3'],
    ['metadata.namespace=other', undefined, 'other/p1'],
    ['metadata.namespace!=other', undefined, 'default/p1 default/p2 default/p3'],
    ['spec.nodeName=n1', undefined, 'default/p1 other/p1'],
    ['spec.nodeName=n1', 'default', 'default/p1'],
    ['spec.nodeName=', undefined, 'default/p3'],
    ['spec.nodeName!=', undefined, 'default/p1 default/p2 other/p1'],
    ['status.phase=Running', undefined, 'default/p2'],
    ['status.phase=Pending,spec.nodeName=n1', undefined, 'default/p1 other/p1'],
    ['status.phase!=Running,spec.nodeName!=', undefined, 'default/p1 other/p1'],
  ])('field selector %j in namespace %j selects %j', (sel, ns, expected) => {
    const { store, rt } = podsOnNodes();
    expect(names(store.list(rt.pods, { fieldSelector: sel, namespace: ns })).join(' ')).toBe(expected);
  });

  it('the field index follows binding and status changes', () => {
    const { store, rt } = podsOnNodes();
    store.bind('default', 'p3', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p3' }, target: { name: 'n2' } } as unknown as KubeObject);
    expect(names(store.list(rt.pods, { fieldSelector: 'spec.nodeName=n2' }))).toEqual(['default/p2', 'default/p3']);
    expect(names(store.list(rt.pods, { fieldSelector: 'spec.nodeName=' }))).toEqual([]);
    store.patch(rt.pods, 'default', 'p2', 'merge', { status: { phase: 'Succeeded' } }, {}, 'status');
    expect(names(store.list(rt.pods, { fieldSelector: 'status.phase=Running' }))).toEqual([]);
    expect(names(store.list(rt.pods, { fieldSelector: 'status.phase=Succeeded' }))).toEqual(['default/p2']);
  });

  it('metadata.name on a cluster-scoped kind and spec.unschedulable on nodes', () => {
    const { store, rt } = harness();
    expect(names(store.list(rt.namespaces, { fieldSelector: 'metadata.name=default' }))).toEqual(['default']);
    expect(names(store.list(rt.namespaces, { fieldSelector: 'metadata.name!=default,status.phase=Active' }))).toEqual(['kube-node-lease', 'kube-public', 'kube-system']);
    store.create(rt.nodes, node('n1').set('spec.unschedulable', true).obj());
    store.create(rt.nodes, node('n2').obj());
    expect(names(store.list(rt.nodes, { fieldSelector: 'spec.unschedulable=true' }))).toEqual(['n1']);
    // As kube-apiserver's Go structs give them: an unset bool is "false".
    expect(names(store.list(rt.nodes, { fieldSelector: 'spec.unschedulable=false' }))).toEqual(['n2']);
    expect(names(store.list(rt.nodes, { fieldSelector: 'spec.unschedulable!=true' }))).toEqual(['n2']);
  });

  it('computed fields: pods spec.hostNetwork, jobs status.successful, events source', () => {
    const { store, rt } = harness();
    store.create(rt.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'host', namespace: 'default' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
    store.create(rt.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
    expect(names(store.list(rt.pods, { fieldSelector: 'spec.hostNetwork=false' }))).toEqual(['default/plain']);
    expect(names(store.list(rt.pods, { fieldSelector: 'spec.hostNetwork=true' }))).toEqual(['default/host']);
    const job = (name: string) =>
      ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } }) as KubeObject;
    store.create(rt.jobs, job('done'));
    store.create(rt.jobs, job('new'));
    store.patch(rt.jobs, 'default', 'done', 'merge', { status: { succeeded: 1 } }, {}, 'status');
    expect(names(store.list(rt.jobs, { fieldSelector: 'status.successful=1' }))).toEqual(['default/done']);
    expect(names(store.list(rt.jobs, { fieldSelector: 'status.successful=0' }))).toEqual(['default/new']);
    const events = store.type('', 'events');
    store.create(events, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'host' }, source: { component: 'kubelet', host: 'n1' } } as KubeObject);
    expect(names(store.list(events, { fieldSelector: 'source=kubelet' }))).toEqual(['default/e1']);
  });

  it('an unsupported field is 400', () => {
    const { store, rt } = harness();
    const e = apiError(() => store.list(rt.pods, { fieldSelector: 'spec.hostname=x' }), 400, 'BadRequest');
    expect(e.message).toBe('field label not supported: spec.hostname');
    apiError(() => store.list(rt.configmaps, { fieldSelector: 'spec.nodeName=x' }), 400);
  });

  it('results are sorted by namespace, then name, whatever the creation order', () => {
    const { store, rt } = harness();
    for (const n of ['b', 'a']) store.create(rt.namespaces, namespace(n).obj());
    for (const [ns, n] of [['default', 'z'], ['b', 'a'], ['a', 'y'], ['default', 'c'], ['a', 'b']]) store.create(rt.configmaps, cm(n).ns(ns).obj());
    expect(names(store.list(rt.configmaps))).toEqual(['a/b', 'a/y', 'b/a', 'default/c', 'default/z']);
    expect(names(store.list(rt.configmaps, { namespace: 'a' }))).toEqual(['a/b', 'a/y']);
    expect(names(store.list(rt.namespaces))).toEqual(['a', 'b', 'default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('the list carries the current resourceVersion, apiVersion and listKind', () => {
    const { store, rt } = harness();
    store.create(rt.configmaps, cm('a').obj());
    const l = store.list(rt.configmaps);
    expect(l).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: store.resourceVersion } });
    expect(l.metadata.continue).toBeUndefined();
    expect(store.list(rt.deployments).apiVersion).toBe('apps/v1');
  });

  it('limit and continue page through every item exactly once, with remainingItemCount', () => {
    const { store, rt } = harness();
    for (const n of ['x', 'y']) store.create(rt.namespaces, namespace(n).obj());
    const all: string[] = [];
    for (let i = 0; i < 23; i++) {
      const ns = ['default', 'x', 'y'][i % 3]!;
      store.create(rt.configmaps, cm(`cm-${String(i).padStart(2, '0')}`).ns(ns).labels({ even: String(i % 2 === 0) }).obj());
      all.push(`${ns}/cm-${String(i).padStart(2, '0')}`);
    }
    all.sort();
    const seen: string[] = [];
    const remaining: (number | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = store.list(rt.configmaps, { limit: 5, continue: token });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...names(page));
      remaining.push(page.metadata.remainingItemCount);
      token = page.metadata.continue;
    } while (token);
    expect(seen).toEqual(all);
    expect(remaining).toEqual([18, 13, 8, 3, undefined]);
    // With a selector, pages cover exactly the matching items.
    const even: string[] = [];
    token = undefined;
    do {
      const page = store.list(rt.configmaps, { limit: 4, continue: token, labelSelector: 'even=true' });
      even.push(...names(page));
      token = page.metadata.continue;
    } while (token);
    expect(even).toEqual(names(store.list(rt.configmaps, { labelSelector: 'even=true' })));
    expect(even).toHaveLength(12);
  });

  it('pagination survives deletes between pages', () => {
    const { store, rt } = harness();
    for (let i = 0; i < 6; i++) store.create(rt.configmaps, cm(`c${i}`).obj());
    const p1 = store.list(rt.configmaps, { limit: 2 });
    expect(names(p1)).toEqual(['default/c0', 'default/c1']);
    store.delete(rt.configmaps, 'default', 'c2');
    const p2 = store.list(rt.configmaps, { limit: 2, continue: p1.metadata.continue });
    expect(names(p2)).toEqual(['default/c3', 'default/c4']);
  });

  it('a malformed continue token is 400', () => {
    const { store, rt } = harness();
    apiError(() => store.list(rt.configmaps, { continue: 'garbage' }), 400, 'BadRequest');
  });
});

describe('Pod priority from a globalDefault PriorityClass', () => {
  it('applies the highest-valued globalDefault class when a pod names none', async () => {
    const { createRng } = await import('../../sim/core/rng.js');
    const { ObjectStore } = await import('../../sim/kube/store.js');
    const store = new ObjectStore({ clock: { now: () => 0 }, rng: createRng('pc') });
    const pcs = store.type('scheduling.k8s.io', 'priorityclasses');
    const pods = store.type('', 'pods');
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    expect((store.create(pods, pod('before')).spec as any).priority).toBe(0);
    store.create(pcs, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 10, globalDefault: true } as any);
    store.create(pcs, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, globalDefault: false } as any);
    const p = store.create(pods, pod('after')).spec as any;
    expect(p.priorityClassName).toBe('low');
    expect(p.priority).toBe(10);
  });
});
