// The HTTP facade over raw HTTP: errors are metav1.Status objects with the codes kube-apiserver
// uses, bad input never takes the server down or disturbs stored objects, discovery and OpenAPI
// documents describe what is served, tables, and watch streams (ordering, bookmarks, timeouts,
// 410, slow and vanished watchers).

import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { Clock } from '../../sim/core/clock.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer, type ApiServerOptions } from '../../sim/kube/http/server.js';
import type { ObjectStore } from '../../sim/kube/store.js';

type Obj = Record<string, any>;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function expectStatus(r: Reply, code: number, reason: string): Obj {
  expect(r.status, r.text).toBe(code);
  expect(r.headers.get('content-type')).toBe('application/json');
  expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof r.json.message).toBe('string');
  return r.json;
}

async function start(store: ObjectStore, extra: Partial<ApiServerOptions> = {}): Promise<{ server: ApiServer; url: string }> {
  const server = new ApiServer({ store, clock: wallClock, ...extra });
  const url = await server.listen();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return { server, url };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

const BAD_RAYJOB = {
  apiVersion: 'ray.io/v1',
  kind: 'RayJob',
  metadata: { name: 'bad-job' },
  spec: {
    entrypoint: 'python x.py',
    backoffLimit: 'three',
    rayClusterSpec: {
      autoscalerOptions: { upscalingMode: 'Turbo' },
      headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-head', image: 'rayproject/ray:2.34.0' }] } } },
    },
  },
};

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

// ---------------------------------------------------------------------------------------------

describe('bad input gets a metav1.Status and the server keeps serving', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;
  const CMS = '/api/v1/namespaces/default/configmaps';

  beforeAll(async () => {
    store = createWallClockStore('t');
    ({ server, url } = await start(store));
    const r = await call(url, 'POST', CMS, cm('keep', { a: '1' }));
    expect(r.status).toBe(201);
  });
  afterAll(() => server.close());
  afterEach(async () => {
    // After every bad request: still up, and what was stored is untouched.
    const r = await call(url, 'GET', `${CMS}/keep`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ a: '1' });
    expect(r.json.metadata.resourceVersion).toBe(store.peek(store.type('', 'configmaps'), 'default', 'keep')!.metadata.resourceVersion);
  });

  it('malformed JSON: 400 naming the line and column', async () => {
    const s = expectStatus(await call(url, 'POST', CMS, '{\n  "apiVersion": "v1",\n  "kind": ConfigMap\n}'), 400, 'BadRequest');
    expect(s.message).toMatch(/line 3, column 11/);
    expect(expectStatus(await call(url, 'POST', CMS, '{"apiVersion":"v1",}'), 400, 'BadRequest').message).toMatch(/line 1, column 20/);
    expect(expectStatus(await call(url, 'POST', CMS, '{"apiVersion": '), 400, 'BadRequest').message).toMatch(/line 1, column 16/);
    expect(expectStatus(await call(url, 'PUT', `${CMS}/keep`, '{"metadata": {"name": "keep"}, "data": {"a": "2"}'), 400, 'BadRequest').message).toMatch(/line 1, column/);
    expectStatus(await call(url, 'POST', CMS, ''), 400, 'BadRequest');
    expectStatus(await call(url, 'POST', CMS, '[1, 2]'), 400, 'BadRequest');
  });

  it('malformed YAML with Content-Type application/yaml: 400', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\ndata: {a: 1}\n';
    const s = expectStatus(await call(url, 'POST', CMS, yaml, { 'Content-Type': 'application/yaml' }), 400, 'BadRequest');
    expect(s.message).toMatch(/line \d+, column \d+/);
    // Well-formed YAML is accepted.
    const ok = await call(url, 'POST', CMS, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', { 'Content-Type': 'application/yaml' });
    expect(ok.status).toBe(201);
    expect(ok.json.data).toEqual({ k: 'v' });
  });

  it('unknown resource paths: 404', async () => {
    for (const p of ['/api/v1/frobs', '/apis/example.org/v1/things', '/apis/ray.io/v2/rayjobs', `${CMS}/keep/bogus`, `${CMS}/keep/status/extra/x`, '/nonsense', '/api/v1/namespaces/default/namespaces']) {
      expectStatus(await call(url, 'GET', p), 404, 'NotFound');
    }
    expect(expectStatus(await call(url, 'GET', `${CMS}/missing`), 404, 'NotFound').message).toBe('configmaps "missing" not found');
    expectStatus(await call(url, 'GET', '/api/v1/namespaces/default/configmaps/%E0%A4%A'), 400, 'BadRequest');
  });

  it('wrong kind or apiVersion for the path: 400', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(expectStatus(await call(url, 'POST', CMS, pod), 400, 'BadRequest').message).toContain('does not match the expected kind');
    expect(expectStatus(await call(url, 'POST', CMS, { ...cm('x'), apiVersion: 'apps/v1' }), 400, 'BadRequest').message).toContain('API version');
    expect(store.peek(store.type('', 'configmaps'), 'default', 'p')).toBeUndefined();
  });

  it('invalid object: 422 Invalid with one cause per bad field', async () => {
    const s = expectStatus(await call(url, 'POST', '/apis/ray.io/v1/namespaces/default/rayjobs', BAD_RAYJOB), 422, 'Invalid');
    const fields = (s.details.causes as Obj[]).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.backoffLimit', 'spec.rayClusterSpec.autoscalerOptions.upscalingMode']));
    expect(s.details).toMatchObject({ name: 'bad-job', group: 'ray.io', kind: 'RayJob' });
    expect(store.count(store.type('ray.io', 'rayjobs'))).toBe(0);
    // Names too: metadata is validated for built-ins as well.
    expectStatus(await call(url, 'POST', CMS, cm('Not_A_Name')), 422, 'Invalid');
  });

  it('conflicts: 409 AlreadyExists and 409 Conflict for a stale resourceVersion', async () => {
    expectStatus(await call(url, 'POST', CMS, cm('keep')), 409, 'AlreadyExists');
    const s = expectStatus(await call(url, 'PUT', `${CMS}/keep`, { ...cm('keep', { a: 'stale' }), metadata: { name: 'keep', resourceVersion: '1' } }), 409, 'Conflict');
    expect(s.message).toContain('the object has been modified');
  });

  it('unsupported content types: 415', async () => {
    const p = `${CMS}/keep`;
    expectStatus(await call(url, 'PATCH', p, '{"data":{"a":"x"}}', { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
    expectStatus(await call(url, 'PATCH', p, '{"data":{"a":"x"}}', { 'Content-Type': 'application/json' }), 415, 'UnsupportedMediaType');
    expectStatus(await call(url, 'PATCH', p, 'data: {a: x}', { 'Content-Type': 'application/apply-patch+yaml' }), 415, 'UnsupportedMediaType');
    expectStatus(await call(url, 'POST', CMS, JSON.stringify(cm('cbor')), { 'Content-Type': 'application/cbor' }), 415, 'UnsupportedMediaType');
    expectStatus(await call(url, 'POST', CMS, 'a=b', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'UnsupportedMediaType');
    // A protobuf body that is not one: 400, not a crash.
    expectStatus(await call(url, 'POST', CMS, Buffer.from('k8s\0\x0a\xff'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest');
  });

  it('method not allowed: 405', async () => {
    expectStatus(await call(url, 'PUT', CMS, cm('x')), 405, 'MethodNotAllowed');
    expectStatus(await call(url, 'PATCH', CMS, '{}', { 'Content-Type': 'application/merge-patch+json' }), 405, 'MethodNotAllowed');
    expectStatus(await call(url, 'POST', `${CMS}/keep`, cm('keep')), 405, 'MethodNotAllowed');
    expectStatus(await call(url, 'OPTIONS', CMS), 405, 'MethodNotAllowed');
  });

  it('bad query parameters: 400', async () => {
    expectStatus(await call(url, 'GET', `${CMS}?limit=lots`), 400, 'BadRequest');
    expectStatus(await call(url, 'GET', `${CMS}?labelSelector=a%3D%3D%3Db`), 400, 'BadRequest');
    expectStatus(await call(url, 'POST', `${CMS}?fieldValidation=Loose`, cm('fv')), 400, 'BadRequest');
    expectStatus(await call(url, 'GET', `${CMS}?watch=true&resourceVersion=abc`), 400, 'BadRequest');
  });
});

// A tiny protobuf encoder, enough to build what kubectl's typed clients send.
const varint = (n: number): Buffer => {
  const b: number[] = [];
  while (n > 127) {
    b.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  b.push(n);
  return Buffer.from(b);
};
const pf = (no: number, v: Buffer | string | number | boolean): Buffer => {
  if (typeof v === 'number' || typeof v === 'boolean') return Buffer.concat([varint(no * 8), varint(Number(v))]);
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return Buffer.concat([varint(no * 8 + 2), varint(b.length), b]);
};
const pmsg = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([Buffer.from('k8s\0', 'binary'), pf(1, pmsg(pf(1, apiVersion), pf(2, kind))), pf(2, raw)]);
const PB = { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' };

describe('protobuf request bodies (what kubectl create <generator> sends)', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;
  const CMS = '/api/v1/namespaces/default/configmaps';

  beforeAll(async () => {
    store = createWallClockStore('t', { defaultCrds: false });
    ({ server, url } = await start(store));
  });
  afterAll(() => server.close());

  // ObjectMeta as gogo-protobuf writes it: every non-pointer field, zero or not.
  const meta = (name: string) =>
    pmsg(pf(1, name), pf(2, ''), pf(3, ''), pf(4, ''), pf(5, ''), pf(6, ''), pf(7, 0), pf(8, Buffer.alloc(0)), pf(11, pmsg(pf(1, 'app'), pf(2, 'x'))));

  it('decodes a ConfigMap, keeping empty values and dropping wire zero values', async () => {
    const raw = pmsg(
      pf(1, meta('pb-cm')),
      pf(2, pmsg(pf(1, 'k'), pf(2, 'v'))),
      pf(2, pmsg(pf(1, 'empty'), pf(2, ''))),
      pf(3, pmsg(pf(1, 'bin'), pf(2, Buffer.from([0, 1, 2])))),
      pf(99, ''), // a field this server has no schema for, at its zero value: harmless
    );
    const r = await call(url, 'POST', CMS, envelope('v1', 'ConfigMap', raw), PB);
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json.metadata).toMatchObject({ name: 'pb-cm', namespace: 'default', labels: { app: 'x' } });
    expect(r.json.metadata.generateName).toBeUndefined();
    expect(r.json.data).toEqual({ k: 'v', empty: '' });
    expect(r.json.binaryData).toEqual({ bin: 'AAEC' });
  });

  it('refuses what it cannot decode faithfully', async () => {
    const unknown = pmsg(pf(1, meta('pb-x')), pf(99, 'surprise'));
    expect(expectStatus(await call(url, 'POST', CMS, envelope('v1', 'ConfigMap', unknown), PB), 400, 'BadRequest').message).toContain('field 99');
    const dep = pmsg(pf(1, meta('d')));
    expect(expectStatus(await call(url, 'POST', '/apis/apps/v1/namespaces/default/deployments', envelope('apps/v1', 'Deployment', dep), PB), 415, 'UnsupportedMediaType').message).toContain('kubectl apply -f');
    expectStatus(await call(url, 'POST', CMS, Buffer.from('not protobuf'), PB), 400, 'BadRequest');
    expect(store.peek(store.type('', 'configmaps'), 'default', 'pb-x')).toBeUndefined();
  });

  it('decodes DeleteOptions on DELETE', async () => {
    const dry = await call(url, 'DELETE', `${CMS}/pb-cm`, envelope('meta.k8s.io/v1', 'DeleteOptions', pmsg(pf(5, 'All'))), PB);
    expect(dry.status, dry.text).toBe(200);
    expect(store.peek(store.type('', 'configmaps'), 'default', 'pb-cm')).toBeDefined();
    const uid = store.peek(store.type('', 'configmaps'), 'default', 'pb-cm')!.metadata.uid!;
    const wrongUid = await call(url, 'DELETE', `${CMS}/pb-cm`, envelope('meta.k8s.io/v1', 'DeleteOptions', pmsg(pf(2, pmsg(pf(1, 'nope'))))), PB);
    expectStatus(wrongUid, 409, 'Conflict');
    const ok = await call(url, 'DELETE', `${CMS}/pb-cm`, envelope('meta.k8s.io/v1', 'DeleteOptions', pmsg(pf(2, pmsg(pf(1, uid))), pf(4, 'Background'))), PB);
    expect(ok.status, ok.text).toBe(200);
    expect(store.peek(store.type('', 'configmaps'), 'default', 'pb-cm')).toBeUndefined();
  });
});

describe('request body limit', () => {
  let server: ApiServer;
  let url: string;
  let store: ObjectStore;
  const CMS = '/api/v1/namespaces/default/configmaps';

  beforeAll(async () => {
    store = createWallClockStore('t', { defaultCrds: false });
    ({ server, url } = await start(store, { maxBodyBytes: 1024 }));
  });
  afterAll(() => server.close());

  it('a body over maxBodyBytes is refused with 413, declared or chunked, and the server carries on', async () => {
    const big = cm('big', { blob: 'x'.repeat(2048) });
    expectStatus(await call(url, 'POST', CMS, big), 413, 'RequestEntityTooLarge');

    // Chunked, no Content-Length: the limit applies as the body arrives.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${url}${CMS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      const text = JSON.stringify(big);
      for (let i = 0; i < text.length; i += 500) req.write(text.slice(i, i + 500));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ kind: 'Status', code: 413, reason: 'RequestEntityTooLarge' });

    expect(store.peek(store.type('', 'configmaps'), 'default', 'big')).toBeUndefined();
    expect((await call(url, 'POST', CMS, cm('small', { a: '1' }))).status).toBe(201);
  });
});

// ---------------------------------------------------------------------------------------------

describe('discovery, /version and OpenAPI', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;

  beforeAll(async () => {
    store = createWallClockStore('t');
    ({ server, url } = await start(store));
  });
  afterAll(() => server.close());

  const find = (list: Obj, name: string): Obj => {
    const r = (list.resources as Obj[]).find((x) => x.name === name);
    expect(r, name).toBeDefined();
    return r!;
  };

  it('/api and /api/v1', async () => {
    const api = (await call(url, 'GET', '/api')).json;
    expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = (await call(url, 'GET', '/api/v1')).json;
    expect(v1).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const pods = find(v1, 'pods');
    expect(pods).toMatchObject({ kind: 'Pod', namespaced: true, singularName: 'pod', shortNames: ['po'], categories: ['all'] });
    expect(pods.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']));
    expect(find(v1, 'pods/status')).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(find(v1, 'pods/binding')).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    expect(find(v1, 'namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(find(v1, 'configmaps').shortNames).toEqual(['cm']);
    expectStatus(await call(url, 'GET', '/api/v2'), 404, 'NotFound');
  });

  it('/apis, /apis/ray.io and /apis/ray.io/v1', async () => {
    const groups = (await call(url, 'GET', '/apis')).json;
    expect(groups.kind).toBe('APIGroupList');
    const names = (groups.groups as Obj[]).map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['apps', 'batch', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'apiextensions.k8s.io', 'ray.io']));
    expect(names).not.toContain('');
    const ray = (await call(url, 'GET', '/apis/ray.io')).json;
    expect(ray).toMatchObject({ kind: 'APIGroup', name: 'ray.io', versions: [{ groupVersion: 'ray.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'ray.io/v1', version: 'v1' } });
    const v1 = (await call(url, 'GET', '/apis/ray.io/v1')).json;
    expect(v1.groupVersion).toBe('ray.io/v1');
    for (const plural of ['rayjobs', 'rayclusters', 'rayservices', 'raycronjobs']) {
      const r = find(v1, plural);
      expect(r.namespaced).toBe(true);
      expect(r.categories).toEqual(['all']);
      expect(r.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']));
      expect(find(v1, `${plural}/status`).verbs).toEqual(['get', 'patch', 'update']);
    }
    expect(find(v1, 'rayjobs')).toMatchObject({ kind: 'RayJob', singularName: 'rayjob' });
    expect(find((await call(url, 'GET', '/apis/apps/v1')).json, 'deployments/scale')).toMatchObject({ kind: 'Scale', group: 'autoscaling', version: 'v1' });
    expectStatus(await call(url, 'GET', '/apis/nope.io'), 404, 'NotFound');
    expectStatus(await call(url, 'GET', '/apis/ray.io/v9'), 404, 'NotFound');
  });

  it('/version', async () => {
    const v = (await call(url, 'GET', '/version')).json;
    expect(v).toMatchObject({ major: '1', minor: '32', platform: expect.any(String) });
    expect(v.gitVersion).toMatch(/^v1\.32\./);
    for (const p of ['/healthz', '/livez', '/readyz']) expect((await call(url, 'GET', p)).text).toBe('ok');
  });

  it('/openapi/v3 root and a group-version document', async () => {
    const root = (await call(url, 'GET', '/openapi/v3')).json;
    expect(root.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
    const rel = root.paths['apis/ray.io/v1'].serverRelativeURL as string;
    expect(rel).toMatch(/^\/openapi\/v3\/apis\/ray\.io\/v1\?hash=/);
    const doc = (await call(url, 'GET', rel)).json;
    expect(doc.openapi).toBe('3.0.0');
    const schema = doc.components.schemas['io.ray.v1.RayJob'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([{ group: 'ray.io', version: 'v1', kind: 'RayJob' }]);
    expect(schema.properties.spec.properties.entrypoint.type).toBe('string');
    const patch = doc.paths['/apis/ray.io/v1/namespaces/{namespace}/rayjobs/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'ray.io', version: 'v1', kind: 'RayJob' });
    expect((patch.parameters as Obj[]).map((p) => p.name)).toContain('fieldValidation');
    const core = (await call(url, 'GET', '/openapi/v3/api/v1')).json;
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}']).toBeDefined();
    expect(core.paths['/api/v1/nodes/{name}']).toBeDefined();
    expectStatus(await call(url, 'GET', '/openapi/v3/apis/nope.io/v1'), 404, 'NotFound');
  });

  it('a CRD created over HTTP shows up in discovery and OpenAPI at once', async () => {
    const hashBefore = (await call(url, 'GET', '/openapi/v3')).json.paths['apis/ray.io/v1'].serverRelativeURL;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gizmos.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', shortNames: ['gz'] },
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect((await call(url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    expect(((await call(url, 'GET', '/apis')).json.groups as Obj[]).find((g) => g.name === 'example.com')?.preferredVersion.version).toBe('v1alpha1');
    expect(find((await call(url, 'GET', '/apis/example.com/v1alpha1')).json, 'gizmos')).toMatchObject({ kind: 'Gizmo', namespaced: false, shortNames: ['gz'] });
    const root = (await call(url, 'GET', '/openapi/v3')).json;
    expect(root.paths['apis/example.com/v1alpha1']).toBeDefined();
    expect(root.paths['apis/ray.io/v1'].serverRelativeURL).not.toBe(hashBefore);
    const g = await call(url, 'POST', '/apis/example.com/v1alpha1/gizmos', { apiVersion: 'example.com/v1alpha1', kind: 'Gizmo', metadata: { name: 'g1' }, anything: { goes: 1 } });
    expect(g.status).toBe(201);
    expect(g.json.anything).toEqual({ goes: 1 });
    expect((await call(url, 'GET', '/apis/example.com/v1alpha1/gizmos/g1')).json.metadata.uid).toBe(g.json.metadata.uid);
  });
});

// ---------------------------------------------------------------------------------------------

describe('server-side tables', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;
  // Five minutes ahead of the store's clock, so ages are predictable.
  const later: Clock = { now: () => Date.now() + 5 * 60_000 };

  beforeAll(async () => {
    store = createWallClockStore('t');
    ({ server, url } = await start(store, { clock: later }));
    store.create(store.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    store.create(store.type('ray.io', 'rayjobs'), {
      apiVersion: 'ray.io/v1',
      kind: 'RayJob',
      metadata: { name: 'job1', namespace: 'default' },
      spec: { entrypoint: 'python x.py', rayClusterSpec: { headGroupSpec: BAD_RAYJOB.spec.rayClusterSpec.headGroupSpec } },
    });
  });
  afterAll(() => server.close());

  it('pods: the columns kubectl shows, with ages', async () => {
    const t = (await call(url, 'GET', '/api/v1/namespaces/default/pods', undefined, { Accept: TABLE })).json;
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(t.metadata.resourceVersion).toBe(store.resourceVersion);
    expect((t.columnDefinitions as Obj[]).map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(t.columnDefinitions[0].format).toBe('name');
    expect(t.rows).toHaveLength(1);
    const [name, ready, status, restarts, age] = t.rows[0].cells;
    expect([name, ready, status, restarts]).toEqual(['p1', '0/1', 'Pending', 0]);
    expect(age).toMatch(/^5m(\d+s)?$/);
    expect(t.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'p1' } });
    const none = (await call(url, 'GET', '/api/v1/namespaces/default/pods?includeObject=None', undefined, { Accept: TABLE })).json;
    expect(none.rows[0].object).toBeUndefined();
    const full = (await call(url, 'GET', '/api/v1/namespaces/default/pods?includeObject=Object', undefined, { Accept: TABLE })).json;
    expect(full.rows[0].object).toMatchObject({ kind: 'Pod', spec: { containers: [{ name: 'c' }] } });
    // One object, as a one-row table; plain JSON when Table is not asked for.
    const one = (await call(url, 'GET', '/api/v1/namespaces/default/pods/p1', undefined, { Accept: TABLE })).json;
    expect(one.kind).toBe('Table');
    expect(one.rows).toHaveLength(1);
    expect((await call(url, 'GET', '/api/v1/namespaces/default/pods/p1', undefined, { Accept: 'application/json' })).json.kind).toBe('Pod');
  });

  it('as=PartialObjectMetadata: objects, lists and write answers carry metadata only, when it is the first media type', async () => {
    const META = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';
    const one = (await call(url, 'GET', '/api/v1/namespaces/default/pods/p1', undefined, { Accept: META })).json;
    expect(one).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: store.get(store.type('', 'pods'), 'default', 'p1').metadata });
    const list = (
      await call(url, 'GET', '/api/v1/namespaces/default/pods', undefined, { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' })
    ).json;
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.items.map((i: Obj) => [i.kind, i.metadata.name])).toEqual([['PartialObjectMetadata', 'p1']]);
    const patched = await call(url, 'PATCH', '/api/v1/namespaces/default/pods/p1', { metadata: { labels: { m: '1' } } }, { Accept: META, 'Content-Type': 'application/merge-patch+json' });
    expect(patched.json).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'p1', labels: { m: '1' } } });
    expect(patched.json.spec).toBeUndefined();
    // Plain JSON first: the whole object.
    expect((await call(url, 'GET', '/api/v1/namespaces/default/pods/p1', undefined, { Accept: 'application/json, ' + META })).json.kind).toBe('Pod');
  });

  it("RayJobs: the CRD's printer columns", async () => {
    const path = '/apis/ray.io/v1/namespaces/default/rayjobs';
    let t = (await call(url, 'GET', path, undefined, { Accept: TABLE })).json;
    expect((t.columnDefinitions as Obj[]).map((c) => c.name)).toEqual(['Name', 'job status', 'deployment status', 'ray cluster name', 'start time', 'end time', 'age']);
    expect(t.rows[0].cells).toEqual(['job1', null, null, null, null, null, expect.stringMatching(/^5m(\d+s)?$/)]);
    store.patch(store.type('ray.io', 'rayjobs'), 'default', 'job1', 'merge', { status: { jobStatus: 'SUCCEEDED', jobDeploymentStatus: 'Complete', rayClusterName: 'job1-abc' } }, {}, 'status');
    t = (await call(url, 'GET', path, undefined, { Accept: TABLE })).json;
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['job1', 'SUCCEEDED', 'Complete', 'job1-abc']);
  });

  it('a watch as Table sends column definitions only in the first event', async () => {
    const rv = store.resourceVersion;
    const w = openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, { Accept: TABLE });
    try {
      await w.ready;
      const pods = store.type('', 'pods');
      store.patch(pods, 'default', 'p1', 'merge', { metadata: { labels: { a: '1' } } });
      store.patch(pods, 'default', 'p1', 'merge', { metadata: { labels: { a: '2' } } });
      await waitFor(() => w.events.length >= 2, 'two table events');
      expect(w.events[0].object.kind).toBe('Table');
      expect(w.events[0].object.columnDefinitions.length).toBe(9);
      expect(w.events[1].object.columnDefinitions).toEqual([]);
      expect(w.events[1].object.rows[0].cells[0]).toBe('p1');
    } finally {
      w.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface WatchStream {
  events: Obj[];
  lines: string[];
  status?: number;
  headers?: http.IncomingHttpHeaders;
  /** Resolves when the response headers arrive (and the server has registered the watch). */
  ready: Promise<void>;
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

function openWatch(u: string, headers: Record<string, string> = {}): WatchStream {
  const s = { events: [] as Obj[], lines: [] as string[] } as unknown as WatchStream;
  let ended = false;
  let resolveReady!: () => void;
  let resolveEnded!: () => void;
  s.ready = new Promise((r) => (resolveReady = r));
  s.ended = new Promise((r) => (resolveEnded = r));
  const finish = () => {
    ended = true;
    resolveReady();
    resolveEnded();
  };
  const req = http.get(u, { headers }, (res) => {
    s.status = res.statusCode;
    s.headers = res.headers;
    resolveReady();
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        s.lines.push(line);
        s.events.push(JSON.parse(line));
      }
    });
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', finish);
  });
  req.on('error', finish);
  const hard = setTimeout(() => req.destroy(), 20_000); // bound every stream
  s.ended.then(() => clearTimeout(hard));
  s.isEnded = () => ended;
  s.close = () => req.destroy();
  return s;
}

describe('watch streams over raw HTTP', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;
  const CMS = '/api/v1/namespaces/default/configmaps';
  const rt = () => store.type('', 'configmaps');

  beforeAll(async () => {
    store = createWallClockStore('t', { defaultCrds: false });
    ({ server, url } = await start(store, { bookmarkIntervalMs: 50 }));
  });
  afterAll(() => server.close());

  it('streams changes after resourceVersion, in order, as newline-delimited JSON', async () => {
    const rv0 = store.resourceVersion;
    const w = openWatch(`${url}${CMS}?watch=true&resourceVersion=${rv0}`);
    try {
      await w.ready;
      expect(w.status).toBe(200);
      expect(w.headers!['content-type']).toBe('application/json');
      expect(w.headers!['transfer-encoding']).toBe('chunked');
      await waitFor(() => store.stats().watchers === 1, 'the watch to register');
      store.create(rt(), cm('a'));
      store.create(rt(), cm('b'));
      store.patch(rt(), 'default', 'a', 'merge', { data: { x: '1' } });
      store.delete(rt(), 'default', 'b');
      await waitFor(() => w.events.length >= 4, 'four events');
      expect(w.events.map((e) => [e.type, e.object.metadata.name])).toEqual([
        ['ADDED', 'a'],
        ['ADDED', 'b'],
        ['MODIFIED', 'a'],
        ['DELETED', 'b'],
      ]);
      const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
      expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
      expect(new Set(rvs).size).toBe(4);
      expect(rvs[0]).toBeGreaterThan(Number(rv0));
      expect(w.events[2].object.data).toEqual({ x: '1' });
      expect(w.lines.every((l) => !l.includes('\n') && l.startsWith('{"type":'))).toBe(true);

      // Replay: a new watch from the same resourceVersion sees the same history.
      const replay = openWatch(`${url}${CMS}?watch=true&resourceVersion=${rv0}`);
      try {
        await waitFor(() => replay.events.length >= 4, 'the replay');
        expect(replay.events.map((e) => e.object.metadata.resourceVersion)).toEqual(w.events.map((e) => e.object.metadata.resourceVersion));
      } finally {
        replay.close();
      }
      // No resourceVersion: the current state as ADDED events first.
      const fresh = openWatch(`${url}${CMS}?watch=1`);
      try {
        await waitFor(() => fresh.events.length >= 1, 'the initial state');
        expect(fresh.events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'a']]);
      } finally {
        fresh.close();
      }
      // A selector watch sees an object leaving its selection as DELETED.
      const sel = openWatch(`${url}${CMS}?watch=true&resourceVersion=${store.resourceVersion}&labelSelector=team%3Dx`);
      try {
        await sel.ready;
        await waitFor(() => store.stats().watchers === 2, 'the selector watch to register');
        store.patch(rt(), 'default', 'a', 'merge', { metadata: { labels: { team: 'x' } } });
        store.patch(rt(), 'default', 'a', 'merge', { metadata: { labels: { team: 'y' } } });
        await waitFor(() => sel.events.length >= 2, 'the selector events');
        expect(sel.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
      } finally {
        sel.close();
      }
    } finally {
      w.close();
    }
    await waitFor(() => store.stats().watchers === 0, 'the watchers to be removed');
  });

  it('sends BOOKMARK events when allowWatchBookmarks=true', async () => {
    const w = openWatch(`${url}${CMS}?watch=true&allowWatchBookmarks=true&resourceVersion=${store.resourceVersion}`);
    try {
      await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark', 3_000);
      const b = w.events.find((e) => e.type === 'BOOKMARK')!;
      expect(b.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: store.resourceVersion } });
      // Bookmarks carry the newest resourceVersion after a change.
      store.create(rt(), cm('after-bookmark'));
      const rv = store.resourceVersion;
      await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK' && e.object.metadata.resourceVersion === rv), 'a newer bookmark', 3_000);
    } finally {
      w.close();
    }
    const plain = openWatch(`${url}${CMS}?watch=true&resourceVersion=${store.resourceVersion}`);
    try {
      await plain.ready;
      await new Promise((r) => setTimeout(r, 200));
      expect(plain.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
    } finally {
      plain.close();
    }
  });

  it('timeoutSeconds closes the stream', async () => {
    const t0 = Date.now();
    const w = openWatch(`${url}${CMS}?watch=true&timeoutSeconds=1&resourceVersion=${store.resourceVersion}`);
    await w.ended;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    expect(w.status).toBe(200);
    await waitFor(() => store.stats().watchers === 0, 'the watcher to be removed');
  });

  it('a resourceVersion older than the window is an ERROR event with code 410', async () => {
    const small = createWallClockStore('t', { defaultCrds: false, watchWindow: 5 });
    const { server: s2, url: u2 } = await start(small);
    try {
      for (let i = 0; i < 20; i++) small.create(small.type('', 'configmaps'), cm(`c${i}`));
      const w = openWatch(`${u2}${CMS}?watch=true&resourceVersion=1`);
      await w.ended;
      expect(w.status).toBe(200);
      expect(w.events).toHaveLength(1);
      expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
      expect(small.stats().watchers).toBe(0);
      // A recent one is fine.
      const ok = openWatch(`${u2}${CMS}?watch=true&resourceVersion=${small.resourceVersion}&timeoutSeconds=1`);
      await ok.ended;
      expect(ok.events).toEqual([]);
    } finally {
      await s2.close();
    }
  });
});

describe('slow and vanished watchers', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let port: number;
  const CMS = '/api/v1/namespaces/default/configmaps';

  beforeAll(async () => {
    store = createWallClockStore('t', { defaultCrds: false, watchWindow: 64 });
    ({ server } = await start(store, { watchFlushGraceMs: 200 }));
    port = server.port;
    store.create(store.type('', 'configmaps'), cm('hot'));
  });
  afterAll(() => server.close());

  /** A raw watch request on a socket the test controls. */
  function rawWatch(): net.Socket {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(20_000, () => sock.destroy()); // bounded
    sock.write(`GET ${CMS}?watch=true&resourceVersion=${store.resourceVersion} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n`);
    return sock;
  }

  it('a watcher that never reads does not block writers, is closed, and the server stays up', async () => {
    const sock = rawWatch();
    sock.setTimeout(0);
    const bound = setTimeout(() => sock.destroy(), 20_000);
    sock.pause(); // never read: the kernel buffers fill, then the server's writes report backpressure
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    try {
      await waitFor(() => store.stats().watchers === 1, 'the watch to register');
      const cms = store.type('', 'configmaps');
      const payload = 'x'.repeat(8 * 1024);
      const t0 = Date.now();
      for (let i = 0; i < 2000; i++) {
        store.patch(cms, 'default', 'hot', 'merge', { data: { v: `${i}${payload}` } });
        // Let deliveries and socket I/O run between small bursts (smaller than the window, or
        // the watcher would be expired by a single burst before it ever filled its socket).
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
      const took = Date.now() - t0;
      expect(took).toBeLessThan(10_000);
      // The watcher fell behind the window while paused: the store dropped it (no queue grows).
      await waitFor(() => store.stats().watchers === 0, 'the slow watcher to be closed');
      // And the server drops a connection that cannot even take the end of the stream (after
      // watchFlushGraceMs): once the client reads again it drains what the kernel held, then
      // sees the connection closed. A kept-alive connection would stay open.
      await new Promise((r) => setTimeout(r, 400));
      let received = 0;
      sock.on('data', (d: Buffer) => (received += d.length));
      sock.resume();
      await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('socket not closed by the server')), 5_000))]);
      expect(received).toBeGreaterThan(0);
      // Far less than the ~16 MB written: what the kernel buffered, nothing queued per watcher.
      expect(received).toBeLessThan((2000 * payload.length) / 2);
    } finally {
      clearTimeout(bound);
      sock.destroy();
    }
    const v = await call(`http://127.0.0.1:${port}`, 'GET', `${CMS}/hot`);
    expect(v.status).toBe(200);
    expect(v.json.data.v.startsWith('1999')).toBe(true);
  });

  it('a vanished watcher (socket destroyed) is cleaned up', async () => {
    const before = store.stats().watchers;
    const socks = [rawWatch(), rawWatch(), rawWatch()];
    await waitFor(() => store.stats().watchers === before + 3, 'three watches to register');
    socks[0].destroy();
    await waitFor(() => store.stats().watchers === before + 2, 'the first vanished watcher to be removed');
    socks[1].destroy();
    socks[2].destroy();
    await waitFor(() => store.stats().watchers === before, 'all vanished watchers to be removed');
    // Writes after that reach nobody and cost nothing.
    store.patch(store.type('', 'configmaps'), 'default', 'hot', 'merge', { data: { v: 'later' } });
    expect(store.stats().watchers).toBe(before);
  });
});
