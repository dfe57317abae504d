// The KubeClient conformance suite against HttpKubeClient (client-node KubeConfig + Watch) over
// raysim's own API server on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import { CONFIGMAP, kubeClientConformance } from './kube-client-conformance.js';

const WATCH_WINDOW = 20;

async function startServer(watchWindow = WATCH_WINDOW): Promise<{ server: ApiServer; url: string }> {
  const store = createWallClockStore('conformance-http', { watchWindow, freezeObjects: true });
  const server = new ApiServer({ store, clock: wallClock, port: 0 });
  const url = await server.listen();
  return { server, url };
}

kubeClientConformance(
  'HttpKubeClient over the raysim ApiServer',
  async () => {
    const { server, url } = await startServer();
    const client = HttpKubeClient.forServer(url, { userAgent: 'raysim-conformance' });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'conformance' } });
    return { client, namespace: 'conformance', teardown: () => server.close() };
  },
  { watchWindow: WATCH_WINDOW },
);

describe('HttpKubeClient specifics', () => {
  it('sees a CRD created after its first discovery of the group, and a server that is gone is 503', async () => {
    const { server, url } = await startServer();
    try {
      const client = HttpKubeClient.forServer(url);
      await client.list({ apiVersion: 'ray.io/v1', kind: 'RayJob' });
      await expect(client.list({ apiVersion: 'ray.io/v1', kind: 'Widget' })).rejects.toMatchObject({ code: 404, reason: 'NotFound' });
      await client.create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.ray.io' },
        spec: {
          group: 'ray.io',
          names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      });
      const w = await client.create<KubeObject>({ apiVersion: 'ray.io/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 1 } });
      expect(w.metadata.uid).toBeTruthy();
      expect((await client.list({ apiVersion: 'ray.io/v1', kind: 'Widget' }, { namespace: 'default' })).items).toHaveLength(1);
    } finally {
      await server.close();
    }
    const dead = HttpKubeClient.forServer(url, { timeoutMs: 2000 });
    await expect(dead.get(CONFIGMAP, 'x', 'default')).rejects.toMatchObject({ code: 503 });
  });

  it('a watch whose server goes away is closed', async () => {
    const { server, url } = await startServer();
    const client = HttpKubeClient.forServer(url);
    let closed = false;
    await client.watch(CONFIGMAP, { namespace: 'default' }, { event: () => undefined, closed: () => void (closed = true) });
    await server.close();
    const deadline = Date.now() + 5000;
    while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
  });
});

/** A hand-written server for transport edge cases the real ApiServer never produces. */
async function fakeServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; connections: () => number; requests: http.IncomingMessage[]; close(): Promise<void> }> {
  const requests: http.IncomingMessage[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    requests.push(req);
    if (req.url === '/api/v1') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: [] }] }));
      return;
    }
    handle(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function watchUntilClosed(client: HttpKubeClient, timeoutMs = 3000): Promise<{ err?: ApiError; resolvedFirst: boolean; events: number }> {
  return new Promise((resolve, reject) => {
    let resolved = false;
    let events = 0;
    const timer = setTimeout(() => reject(new Error(`watch not closed within ${timeoutMs} ms`)), timeoutMs);
    client
      .watch(CONFIGMAP, { namespace: 'default', resourceVersion: '5' }, {
        event: () => void events++,
        closed: (err) => {
          clearTimeout(timer);
          resolve({ err, resolvedFirst: resolved, events });
        },
      })
      .then(() => void (resolved = true), reject);
  });
}

describe('HttpKubeClient transport', () => {
  it('an ERROR event ends the watch at once, even if the server keeps the stream open', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 5 (900)', reason: 'Expired', code: 410 } })}\n`);
      // ...and never ends the response.
    });
    try {
      const r = await watchUntilClosed(HttpKubeClient.forServer(fake.url), 2000);
      expect(r.err).toBeInstanceOf(ApiError);
      expect(r.err).toMatchObject({ code: 410, reason: 'Expired' });
      expect(r.resolvedFirst).toBe(true);
      expect(r.events).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('a watch answered with an HTTP error status is closed with that code and its reason', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'forbidden', reason: 'Forbidden', code: 403 }));
    });
    try {
      const r = await watchUntilClosed(HttpKubeClient.forServer(fake.url));
      expect(r.err).toMatchObject({ code: 403, reason: 'Forbidden' });
      expect(r.resolvedFirst).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('a watch on a server that refuses the connection is closed with 503, after watch() resolves', async () => {
    const fake = await fakeServer(() => undefined);
    const client = HttpKubeClient.forServer(fake.url);
    await client.path(CONFIGMAP, 'default'); // discovery while the server is up
    await fake.close();
    const r = await watchUntilClosed(client);
    expect(r.err).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect(r.resolvedFirst).toBe(true);
  });

  it('sends Accept and User-Agent, reuses one keep-alive connection, maps timeouts to 504 and non-JSON bodies to 500', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url?.includes('/slow')) return; // never answers
      if (req.url?.includes('/garbled')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return void res.end('<html>proxy error</html>');
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', resourceVersion: '1' } }));
    });
    try {
      const client = HttpKubeClient.forServer(fake.url, { timeoutMs: 300 });
      for (let i = 0; i < 5; i++) await client.get(CONFIGMAP, 'x', 'default');
      expect(fake.connections()).toBe(1);
      const last = fake.requests[fake.requests.length - 1];
      expect(last.headers.accept).toBe('application/json');
      expect(last.headers['user-agent']).toMatch(/^raysim/);
      await HttpKubeClient.forServer(fake.url, { userAgent: 'my-controller/1.0' }).get(CONFIGMAP, 'x', 'default');
      expect(fake.requests[fake.requests.length - 1].headers['user-agent']).toBe('my-controller/1.0');

      await expect(client.get(CONFIGMAP, 'slow', 'default')).rejects.toMatchObject({ code: 504, reason: 'Timeout' });
      await expect(client.get(CONFIGMAP, 'garbled', 'default')).rejects.toMatchObject({ code: 500, reason: 'InternalError' });
    } finally {
      await fake.close();
    }
  });

  it('loads a kubeconfig for a plain-http server that does not set insecure-skip-tls-verify', async () => {
    const { server, url } = await startServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-kc-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "' + url + '"}}]',
          'users: [{name: u, user: {}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
          '',
        ].join('\n'),
      );
      const client = HttpKubeClient.fromKubeconfig(file);
      expect((await client.get({ apiVersion: 'v1', kind: 'Namespace' }, 'default')).metadata.name).toBe('default');
      const r = await new Promise<string>((resolve, reject) => {
        client
          .watch({ apiVersion: 'v1', kind: 'Namespace' }, { resourceVersion: '' }, { event: (e) => resolve(e.type), closed: (err) => reject(err ?? new Error('closed')) })
          .catch(reject);
      });
      expect(r).toBe('ADDED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });

  it('a group that is not served yet is looked up again once a CRD serves it', async () => {
    const { server, url } = await startServer();
    try {
      const client = HttpKubeClient.forServer(url);
      const GADGET = { apiVersion: 'example.com/v1', kind: 'Gadget' };
      await expect(client.list(GADGET)).rejects.toMatchObject({ code: 404, reason: 'NotFound' });
      await client.create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget' },
          scope: 'Cluster',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      });
      const g = await client.create<KubeObject>({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1' } });
      expect(g.metadata.namespace).toBeUndefined();
      expect((await client.list(GADGET)).items.map((o) => o.metadata.name)).toEqual(['g1']);
    } finally {
      await server.close();
    }
  });
});
