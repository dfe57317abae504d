// The KubeClient for a real API server (raysim's own HTTP facade, kind, or any cluster), built on
// @kubernetes/client-node: KubeConfig for the server address and credentials, its Watch for
// streams. Objects travel as raw JSON (no client-node model classes, whose Date fields would not
// round-trip byte for byte), so both KubeClients hand controllers the same plain objects.

import { KubeConfig, Watch as ClientNodeWatch } from '@kubernetes/client-node';
import fetch from 'node-fetch';
import { ApiError, type Status } from './api-error.js';
import type {
  ClientListOptions,
  ClientPatchOptions,
  ClientWatchOptions,
  ClientWriteOptions,
  KubeClient,
  ResourceId,
  Watch,
  WatchHandler,
} from './kube-client.js';
import { PATCH_CONTENT_TYPES, splitApiVersion, type DeleteOptions, type KubeList, type KubeObject, type PatchType } from './kube-object.js';

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

export interface HttpClientOptions {
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** User-Agent sent with each request. */
  userAgent?: string;
}

export class HttpKubeClient implements KubeClient {
  private readonly discovery = new Map<string, Promise<Map<string, ApiResource>>>();
  private readonly server: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly opts: HttpClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** A client for a plain http(s) URL without credentials, e.g. `raysim apiserver` on loopback. */
  static forServer(url: string, opts?: HttpClientOptions): HttpKubeClient {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'raysim', server: url, skipTLSVerify: true }],
      users: [{ name: 'raysim' }],
      contexts: [{ name: 'raysim', cluster: 'raysim', user: 'raysim' }],
      currentContext: 'raysim',
    });
    return new HttpKubeClient(kc, opts);
  }

  /** From a kubeconfig file path, or the default loading rules (KUBECONFIG, ~/.kube/config, in-cluster). */
  static fromKubeconfig(path?: string, opts?: HttpClientOptions): HttpKubeClient {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    return new HttpKubeClient(kc, opts);
  }

  // ------------------------------------------------------------ KubeClient

  async get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): Promise<T> {
    return (await this.request('GET', await this.path(id, namespace, name))) as T;
  }

  async list<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientListOptions = {}): Promise<KubeList<T>> {
    const q = query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue });
    const list = (await this.request('GET', (await this.path(id, opts.namespace)) + q)) as KubeList<T>;
    // Built-in lists leave out each item's apiVersion/kind; put them back so callers see whole objects.
    for (const item of list.items ?? []) {
      item.apiVersion ??= id.apiVersion;
      item.kind ??= id.kind;
    }
    return list;
  }

  async create<T extends KubeObject>(obj: T, opts: ClientWriteOptions = {}): Promise<T> {
    const path = await this.path(obj, obj.metadata?.namespace);
    return (await this.request('POST', path + writeQuery(opts), obj)) as T;
  }

  async update<T extends KubeObject>(obj: T, opts: ClientWriteOptions = {}): Promise<T> {
    const path = await this.path(obj, obj.metadata?.namespace, obj.metadata?.name);
    return (await this.request('PUT', path + writeQuery(opts), obj)) as T;
  }

  async updateStatus<T extends KubeObject>(obj: T, opts: ClientWriteOptions = {}): Promise<T> {
    const path = await this.path(obj, obj.metadata?.namespace, obj.metadata?.name);
    return (await this.request('PUT', `${path}/status${writeQuery(opts)}`, obj)) as T;
  }

  async patch<T extends KubeObject = KubeObject>(
    id: ResourceId,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts: ClientPatchOptions = {},
  ): Promise<T> {
    const path = (await this.path(id, namespace, name)) + (opts.subresource ? `/${opts.subresource}` : '');
    return (await this.request('PATCH', path + writeQuery(opts), patch, PATCH_CONTENT_TYPES[type])) as T;
  }

  async delete(id: ResourceId, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...opts };
    const res = (await this.request('DELETE', await this.path(id, namespace, name), body)) as KubeObject | Status;
    return res.kind === 'Status' ? undefined : (res as KubeObject);
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    const path = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(podName)}/binding`;
    await this.request('POST', path, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  async watch<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientWatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    const path = await this.path(id, opts.namespace);
    let ended = false;
    let failure: ApiError | undefined;
    const end = (err?: ApiError) => {
      if (ended) return;
      ended = true;
      handler.closed(err);
    };
    const w = new ClientNodeWatch(this.kubeConfig);
    const controller = await w.watch(
      path,
      {
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        allowWatchBookmarks: opts.allowBookmarks ? true : undefined,
      },
      (type, obj) => {
        if (ended) return;
        if (type === 'ERROR') {
          failure = ApiError.fromStatus(obj as Status);
          return;
        }
        handler.event({ type: type as 'ADDED', object: obj as T });
      },
      (err: unknown) => {
        if (failure) return end(failure);
        if (!err) return end();
        const code = (err as { statusCode?: number }).statusCode;
        if ((err as Error).name === 'AbortError') return end();
        end(new ApiError(code ?? 503, code === 410 ? 'Expired' : 'ServiceUnavailable', `watch ${path}: ${(err as Error).message ?? String(err)}`));
      },
    );
    return {
      stop() {
        ended = true;
        controller.abort();
      },
    };
  }

  // ------------------------------------------------------------ plumbing

  /** REST path of a collection or object, resolving kind -> plural through discovery. */
  async path(id: ResourceId, namespace?: string, name?: string): Promise<string> {
    const res = await this.resource(id);
    const { group, version } = splitApiVersion(id.apiVersion);
    let p = group ? `/apis/${group}/${version}` : `/api/${version}`;
    if (res.namespaced) p += `/namespaces/${enc(namespace || 'default')}`;
    p += `/${res.name}`;
    if (name !== undefined) p += `/${enc(name)}`;
    return p;
  }

  private async resource(id: ResourceId): Promise<ApiResource> {
    const gv = id.apiVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      let p = this.discovery.get(gv);
      if (!p) {
        p = this.discover(gv);
        this.discovery.set(gv, p);
        p.catch(() => this.discovery.delete(gv));
      }
      const found = (await p).get(id.kind);
      if (found) return found;
      // A CRD may have been added since we looked: look once more.
      this.discovery.delete(gv);
    }
    throw new ApiError(404, 'NotFound', `no matches for kind "${id.kind}" in version "${id.apiVersion}"`);
  }

  private async discover(apiVersion: string): Promise<Map<string, ApiResource>> {
    const { group, version } = splitApiVersion(apiVersion);
    const list = (await this.request('GET', group ? `/apis/${group}/${version}` : `/api/${version}`)) as { resources: ApiResource[] };
    const out = new Map<string, ApiResource>();
    for (const r of list.resources ?? []) if (!r.name.includes('/')) out.set(r.kind, r);
    return out;
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const init = await this.kubeConfig.applyToFetchOptions({});
    const headers = init.headers as unknown as Headers;
    headers.set('Accept', 'application/json');
    if (this.opts.userAgent) headers.set('User-Agent', this.opts.userAgent);
    if (body !== undefined) headers.set('Content-Type', contentType);
    let res;
    try {
      res = await fetch(this.server + path, {
        ...(init as object),
        method,
        headers: Object.fromEntries(headers.entries()),
        body: body === undefined ? undefined : JSON.stringify(body),
        timeout: this.opts.timeoutMs ?? 30_000,
      } as never);
    } catch (e) {
      throw new ApiError(503, 'ServiceUnavailable', `${method} ${this.server}${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) {
      const s = parsed as Partial<Status> | undefined;
      if (s && s.kind === 'Status') throw ApiError.fromStatus({ ...s, code: s.code ?? res.status });
      throw new ApiError(res.status, reasonFor(res.status), `${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    return parsed;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function writeQuery(opts: ClientWriteOptions): string {
  return query({ dryRun: opts.dryRun ? 'All' : undefined, fieldValidation: opts.fieldValidation });
}

function reasonFor(code: number): ApiError['reason'] {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    default:
      return 'InternalError';
  }
}
