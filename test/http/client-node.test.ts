// raysim's ApiServer driven by @kubernetes/client-node 1.x's own typed APIs, unmodified: CoreV1Api,
// CustomObjectsApi, Watch and makeInformer. Anything a TypeScript controller written against
// client-node does must work against the fake API server as it does against a real one.

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import { waitFor } from '../runtime/kube-client-conformance.js';

type Obj = Record<string, any>;

const NS = 'client-node';
const RAYJOBS = { group: 'ray.io', version: 'v1', plural: 'rayjobs' } as const;
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let server: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let n = 0;
const name = (p: string) => `${p}-${++n}`;

function podBody(podName: string, labels: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, labels },
    spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9' }] },
  };
}

function rayJobBody(jobName: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: { name: jobName, labels }, spec: { entrypoint: 'python -c "print(1)"' } };
}

async function apiException(p: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw new Error(`expected an ApiException, got ${String(e)}`);
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const store = createWallClockStore('client-node', { freezeObjects: true });
  server = new ApiServer({ store, clock: wallClock, port: 0 });
  const url = await server.listen();
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'raysim', server: url, skipTLSVerify: true }],
    users: [{ name: 'raysim' }],
    contexts: [{ name: 'raysim', cluster: 'raysim', user: 'raysim' }],
    currentContext: 'raysim',
  });
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  const created = await core.createNamespace({ body: { metadata: { name: NS } } });
  expect(created.metadata?.name).toBe(NS);
  expect(created.status?.phase).toBe('Active');
});

afterAll(async () => {
  await server?.close();
});

describe('CoreV1Api', () => {
  it('creates, reads, lists by label, replaces, merge-patches and deletes a pod', async () => {
    const p = name('pod');
    const created = await core.createNamespacedPod({ namespace: NS, body: podBody(p, { app: 'cn', role: 'a' }) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.namespace).toBe(NS);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.status?.phase).toBe('Pending');
    await core.createNamespacedPod({ namespace: NS, body: podBody(name('pod'), { app: 'cn', role: 'b' }) });

    const read = await core.readNamespacedPod({ name: p, namespace: NS });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(read.spec?.containers.map((c) => c.image)).toEqual(['registry.k8s.io/pause:3.9']);

    const byLabel = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=cn,role=a' });
    expect(byLabel.kind).toBe('PodList');
    expect(byLabel.items.map((i) => i.metadata?.name)).toEqual([p]);
    expect((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=cn' })).items).toHaveLength(2);

    // replace round-trips the typed model (Date fields and all) through the server.
    read.metadata!.labels = { ...read.metadata!.labels, replaced: 'yes' };
    const replaced = await core.replaceNamespacedPod({ name: p, namespace: NS, body: read });
    expect(replaced.metadata?.labels).toEqual({ app: 'cn', role: 'a', replaced: 'yes' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(replaced.metadata?.creationTimestamp?.getTime()).toBe(created.metadata?.creationTimestamp?.getTime());

    // A stale replace is 409.
    const stale = await apiException(core.replaceNamespacedPod({ name: p, namespace: NS, body: read }));
    expect(stale.code).toBe(409);

    const patched = await core.patchNamespacedPod({ name: p, namespace: NS, body: { metadata: { labels: { replaced: null, patched: 'merge' } } } }, mergePatch());
    expect(patched.metadata?.labels).toEqual({ app: 'cn', role: 'a', patched: 'merge' });

    // Without the header client-node sends a JSON patch (its first preferred content type).
    const jsonPatched = await core.patchNamespacedPod({ name: p, namespace: NS, body: [{ op: 'add', path: '/metadata/annotations', value: { by: 'json-patch' } }] });
    expect(jsonPatched.metadata?.annotations).toEqual({ by: 'json-patch' });

    const smp = await core.patchNamespacedPod(
      { name: p, namespace: NS, body: { spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['main=registry.k8s.io/pause:3.10']);

    const deleted = await core.deleteNamespacedPod({ name: p, namespace: NS });
    expect(deleted.metadata?.name).toBe(p);
    const gone = await apiException(core.readNamespacedPod({ name: p, namespace: NS }));
    expect(gone.code).toBe(404);
    expect(JSON.parse(String(gone.body))).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('errors surface as ApiException with the HTTP code', async () => {
    expect((await apiException(core.readNamespacedPod({ name: 'no-such-pod', namespace: NS }))).code).toBe(404);
    expect((await apiException(core.deleteNamespacedPod({ name: 'no-such-pod', namespace: NS }))).code).toBe(404);
    expect((await apiException(core.readNamespace({ name: 'no-such-namespace' }))).code).toBe(404);
    const p = name('pod-dup');
    await core.createNamespacedPod({ namespace: NS, body: podBody(p) });
    expect((await apiException(core.createNamespacedPod({ namespace: NS, body: podBody(p) }))).code).toBe(409);
    expect((await apiException(core.listNamespacedPod({ namespace: NS, labelSelector: 'a in (' }))).code).toBe(400);
  });
});

describe('CustomObjectsApi (ray.io/v1 RayJob)', () => {
  it('creates, gets, lists, patches, reads and patches status, and deletes a RayJob', async () => {
    const j = name('rayjob');
    const created = (await custom.createNamespacedCustomObject({ ...RAYJOBS, namespace: NS, body: rayJobBody(j, { app: 'cn' }) })) as Obj;
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.generation).toBe(1);
    expect(created.spec.submissionMode).toBe('K8sJobMode');
    await custom.createNamespacedCustomObject({ ...RAYJOBS, namespace: NS, body: rayJobBody(name('rayjob'), { app: 'other' }) });

    const got = (await custom.getNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j })) as Obj;
    expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    const list = (await custom.listNamespacedCustomObject({ ...RAYJOBS, namespace: NS, labelSelector: 'app=cn' })) as Obj;
    expect(list.kind).toBe('RayJobList');
    expect(list.items.map((i: Obj) => i.metadata.name)).toEqual([j]);

    const patched = (await custom.patchNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j, body: { spec: { entrypoint: 'python patched.py' } } }, mergePatch())) as Obj;
    expect(patched.spec.entrypoint).toBe('python patched.py');
    expect(patched.metadata.generation).toBe(2);

    const jsonPatched = (await custom.patchNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j, body: [{ op: 'replace', path: '/spec/backoffLimit', value: 2 }] })) as Obj;
    expect(jsonPatched.spec.backoffLimit).toBe(2);

    const statusPatched = (await custom.patchNamespacedCustomObjectStatus(
      { ...RAYJOBS, namespace: NS, name: j, body: { status: { jobStatus: 'RUNNING', jobDeploymentStatus: 'Running' }, spec: { entrypoint: 'ignored' } } },
      mergePatch(),
    )) as Obj;
    expect(statusPatched.status).toMatchObject({ jobStatus: 'RUNNING', jobDeploymentStatus: 'Running' });
    expect(statusPatched.spec.entrypoint).toBe('python patched.py');

    const status = (await custom.getNamespacedCustomObjectStatus({ ...RAYJOBS, namespace: NS, name: j })) as Obj;
    expect(status.status).toMatchObject({ jobStatus: 'RUNNING' });
    expect(status.metadata.resourceVersion).toBe(statusPatched.metadata.resourceVersion);

    const invalid = await apiException(custom.patchNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j, body: { spec: { backoffLimit: 'x' } } }, mergePatch()));
    expect(invalid.code).toBe(422);
    expect(String(invalid.body)).toContain('spec.backoffLimit');

    await custom.deleteNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j });
    const gone = await apiException(custom.getNamespacedCustomObject({ ...RAYJOBS, namespace: NS, name: j }));
    expect(gone.code).toBe(404);
  });
});

describe('Watch', () => {
  it('delivers ADDED, MODIFIED and DELETED for changes after the resourceVersion', async () => {
    const start = (await core.listNamespacedPod({ namespace: NS })).metadata?.resourceVersion;
    const events: [string, string, string][] = [];
    let doneErr: unknown = 'not done';
    const ctl = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/pods`,
      { resourceVersion: start, labelSelector: 'watched=yes' },
      (type, obj) => events.push([type, obj.metadata.name, obj.metadata.resourceVersion]),
      (err) => (doneErr = err),
    );
    try {
      const p = name('watched');
      const created = await core.createNamespacedPod({ namespace: NS, body: podBody(p, { watched: 'yes' }) });
      await core.createNamespacedPod({ namespace: NS, body: podBody(name('unwatched')) });
      const patched = await core.patchNamespacedPod({ name: p, namespace: NS, body: { metadata: { annotations: { a: '1' } } } }, mergePatch());
      await core.deleteNamespacedPod({ name: p, namespace: NS });
      await waitFor('the DELETED event', () => events.some((e) => e[0] === 'DELETED'), 5_000);
      expect(events.map((e) => e[0])).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      expect(events.every((e) => e[1] === p)).toBe(true);
      expect(events[0][2]).toBe(created.metadata?.resourceVersion);
      expect(events[1][2]).toBe(patched.metadata?.resourceVersion);
      expect(doneErr).toBe('not done');
    } finally {
      ctl.abort();
    }
  });
});

describe('makeInformer', () => {
  it("list+watch calls add/update/delete, and its cache matches the server's list", async () => {
    const pre = name('inf-pre');
    await core.createNamespacedPod({ namespace: NS, body: podBody(pre, { inf: 'yes' }) });
    const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS, labelSelector: 'inf=yes' }), 'inf=yes');
    const seen: string[] = [];
    const errors: unknown[] = [];
    let stopped = false;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.metadata?.labels?.phase ?? ''}`.trim()));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => {
      if (!stopped) errors.push(e);
    });
    await informer.start();
    try {
      await waitFor(`add of the pre-existing pod`, () => seen.includes(`add ${pre}`), 5_000);
      const a = name('inf-a');
      const b = name('inf-b');
      await core.createNamespacedPod({ namespace: NS, body: podBody(a, { inf: 'yes' }) });
      await core.createNamespacedPod({ namespace: NS, body: podBody(b, { inf: 'yes' }) });
      await core.createNamespacedPod({ namespace: NS, body: podBody(name('inf-ignored'), { inf: 'no' }) });
      await core.patchNamespacedPod({ name: a, namespace: NS, body: { metadata: { labels: { phase: 'two' } } } }, mergePatch());
      await core.deleteNamespacedPod({ name: b, namespace: NS });
      await waitFor('the delete callback', () => seen.includes(`delete ${b}`), 5_000);
      expect(seen).toEqual([`add ${pre}`, `add ${a}`, `add ${b}`, `update ${a} two`, `delete ${b}`]);

      const server = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'inf=yes' })).items;
      const key = (p: V1Pod) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`;
      expect(informer.list(NS).map(key).sort()).toEqual(server.map(key).sort());
      expect(informer.get(a, NS)?.metadata?.labels?.phase).toBe('two');
      expect(informer.get(b, NS)).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
