// The KubeClient for a real API server (raysim's own HTTP facade, kind, or any cluster), built on
// @kubernetes/client-node: KubeConfig for the server address and credentials, its Watch for
// streams. Objects travel as raw JSON (no client-node model classes, whose Date fields would not
// round-trip byte for byte), so both KubeClients hand controllers the same plain objects.

import http from 'node:http';
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
  WriteResult,
} from './kube-client.js';
import { partialObjectMetadata } from './kube-client.js';
import { PATCH_CONTENT_TYPES, splitApiVersion, type DeleteOptions, type KubeList, type KubeObject, type PatchType, type WatchEvent } from './kube-object.js';

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
  private agent: http.Agent | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly opts: HttpClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    // client-node refuses plain http unless skipTLSVerify is set, although there is no TLS to
    // verify; kubeconfigs for loopback servers (`raysim apiserver`, `kubectl proxy`) rarely set it.
    if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify)
      kubeConfig.clusters = kubeConfig.clusters.map((c) => (c === cluster ? { ...c, skipTLSVerify: true } : c));
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
    const list = (await this.request('GET', (await this.collectionPath(id, opts.namespace)) + q)) as KubeList<T>;
    // Built-in lists leave out each item's apiVersion/kind; put them back so callers see whole objects.
    for (const item of list.items ?? []) {
      item.apiVersion ??= id.apiVersion;
      item.kind ??= id.kind;
    }
    return list;
  }

  async create<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    const path = await this.path(obj, obj.metadata?.namespace);
    return answer<T, O>(await this.request('POST', path + writeQuery(opts ?? {}), obj, 'application/json', acceptFor(opts)), opts);
  }

  async update<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    const path = await this.path(obj, obj.metadata?.namespace, obj.metadata?.name);
    return answer<T, O>(await this.request('PUT', path + writeQuery(opts ?? {}), obj, 'application/json', acceptFor(opts)), opts);
  }

  async updateStatus<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    const path = await this.path(obj, obj.metadata?.namespace, obj.metadata?.name);
    return answer<T, O>(await this.request('PUT', `${path}/status${writeQuery(opts ?? {})}`, obj, 'application/json', acceptFor(opts)), opts);
  }

  async patch<T extends KubeObject = KubeObject, O extends ClientPatchOptions = ClientPatchOptions>(
    id: ResourceId,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts?: O,
  ): Promise<WriteResult<T, O>> {
    const path = (await this.path(id, namespace, name)) + (opts?.subresource ? `/${opts.subresource}` : '');
    return answer<T, O>(await this.request('PATCH', path + writeQuery(opts ?? {}), patch, PATCH_CONTENT_TYPES[type], acceptFor(opts)), opts);
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

  watch<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientWatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    let early: (() => void) | undefined;
    const started = this.startWatch(id, opts, handler, (deliver) => (early = deliver));
    // A watch that failed while starting (refused connection, HTTP error) reports closed() only
    // once the caller holds its Watch: this reaction is registered on `started` before the
    // caller's own await, and queues closed() behind the caller's resumption.
    started.then(
      () => {
        if (early) queueMicrotask(early);
      },
      () => undefined,
    );
    return started;
  }

  private async startWatch<T extends KubeObject>(
    id: ResourceId,
    opts: ClientWatchOptions,
    handler: WatchHandler<T>,
    deferClosed: (deliver: () => void) => void,
  ): Promise<Watch> {
    const path = await this.collectionPath(id, opts.namespace);
    let stopped = false;
    let ended = false;
    let returned = false;
    let endedEarly: { err?: ApiError } | undefined;
    let controller: AbortController | undefined;
    const end = (err?: ApiError) => {
      if (ended || stopped) return;
      ended = true;
      controller?.abort();
      // closed() never runs before watch() has handed the caller its Watch.
      if (returned) handler.closed(err);
      else endedEarly = { err };
    };
    const w = new ClientNodeWatch(this.kubeConfig);
    controller = await w.watch(
      path,
      {
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        allowWatchBookmarks: opts.allowBookmarks ? true : undefined,
      },
      (type, obj) => {
        if (ended || stopped) return;
        if (type === 'ERROR') {
          // The server ends the stream after an ERROR event (e.g. 410 Expired); do not wait for it.
          const st = (obj ?? {}) as Partial<Status>;
          end(st.kind === 'Status' || st.code !== undefined ? ApiError.fromStatus(st) : new ApiError(500, 'InternalError', `watch ${path}: ${JSON.stringify(obj)}`));
          return;
        }
        handler.event({ type: type as WatchEvent['type'], object: obj as T });
      },
      (err: unknown) => {
        if (!err) return end();
        if ((err as Error).name === 'AbortError') return end();
        // A non-200 answer to the watch request (client-node puts the HTTP status on statusCode).
        const code = (err as { statusCode?: number }).statusCode;
        const message = `watch ${path}: ${(err as Error).message ?? String(err)}`;
        end(code ? new ApiError(code, reasonFor(code), message) : new ApiError(503, 'ServiceUnavailable', message));
      },
    );
    returned = true;
    if (ended) controller.abort();
    if (endedEarly) {
      const early = endedEarly;
      deferClosed(() => {
        if (!stopped) handler.closed(early.err);
      });
    }
    return {
      stop() {
        stopped = true;
        controller?.abort();
      },
    };
  }

  // ------------------------------------------------------------ plumbing

  /**
   * REST path of an object, or of the collection objects are created in, resolving kind -> plural
   * through discovery. A namespaced kind without a namespace means "default", as for the store.
   */
  async path(id: ResourceId, namespace?: string, name?: string): Promise<string> {
    return this.restPath(id, namespace || 'default', name);
  }

  /** REST path to list or watch: without a namespace, a namespaced kind is read across all namespaces. */
  async collectionPath(id: ResourceId, namespace?: string): Promise<string> {
    return this.restPath(id, namespace || undefined);
  }

  private async restPath(id: ResourceId, namespace: string | undefined, name?: string): Promise<string> {
    const res = await this.resource(id);
    const { group, version } = splitApiVersion(id.apiVersion);
    let p = group ? `/apis/${group}/${version}` : `/api/${version}`;
    if (res.namespaced && namespace !== undefined) p += `/namespaces/${enc(namespace)}`;
    p += `/${res.name}`;
    if (name !== undefined) p += `/${enc(name)}`;
    return p;
  }

  private async resource(id: ResourceId): Promise<ApiResource> {
    const gv = id.apiVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      let p = this.discovery.get(gv);
      const cached = p !== undefined;
      if (!p) {
        const fresh = this.discover(gv);
        p = fresh;
        this.discovery.set(gv, fresh);
        // Forget a failed lookup (only this one: a newer lookup may have replaced it meanwhile).
        fresh.catch(() => {
          if (this.discovery.get(gv) === fresh) this.discovery.delete(gv);
        });
      }
      let found: ApiResource | undefined;
      try {
        found = (await p).get(id.kind);
      } catch (e) {
        // A cached lookup that failed is retried once with a fresh one; a fresh failure is final.
        if (cached && attempt === 0) continue;
        // The group/version is not served (yet): say which kind, as kubectl does.
        if (e instanceof ApiError && e.code === 404) break;
        throw e;
      }
      if (found) return found;
      // A CRD may have been added since we looked: look once more.
      if (this.discovery.get(gv) === p) this.discovery.delete(gv);
      if (!cached) break;
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

  async request(method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json'): Promise<unknown> {
    const init = await this.kubeConfig.applyToFetchOptions({});
    const headers = init.headers as unknown as Headers;
    headers.set('Accept', accept);
    headers.set('User-Agent', this.opts.userAgent ?? DEFAULT_USER_AGENT);
    if (body !== undefined) headers.set('Content-Type', contentType);
    const url = this.server + path;
    let res;
    let text: string;
    try {
      res = await fetch(url, {
        ...(init as object),
        agent: this.agentFor(init.agent),
        method,
        headers: Object.fromEntries(headers.entries()),
        body: body === undefined ? undefined : JSON.stringify(body),
        timeout: this.opts.timeoutMs ?? 30_000,
      } as never);
      text = await res.text();
    } catch (e) {
      const msg = `${method} ${url}: ${(e as Error).message}`;
      const type = (e as { type?: string }).type;
      if (type === 'request-timeout' || type === 'body-timeout') throw new ApiError(504, 'Timeout', msg);
      throw new ApiError(503, 'ServiceUnavailable', msg);
    }
    let parsed: unknown;
    let parseError: Error | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch (e) {
      parseError = e as Error;
    }
    if (res.status >= 400) {
      const s = parsed as Partial<Status> | undefined;
      if (s && s.kind === 'Status') throw ApiError.fromStatus({ ...s, code: s.code ?? res.status });
      throw new ApiError(res.status, reasonFor(res.status), `${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    if (parseError) throw new ApiError(500, 'InternalError', `${method} ${path}: the server answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    return parsed;
  }

  /**
   * client-node builds a fresh agent (without keep-alive) for every request, so every call would
   * open a new connection and, over TLS, do a new handshake. When the agent's options come from
   * the kubeconfig alone (no exec or auth-provider plugin that might rotate client certificates)
   * one keep-alive agent is kept and reused.
   */
  private agentFor(fresh: unknown): unknown {
    if (this.agent) return this.agent;
    const user = this.kubeConfig.getCurrentUser();
    if (!(fresh instanceof http.Agent) || user?.exec || user?.authProvider) return fresh;
    const a = fresh as http.Agent & { keepAlive?: boolean; options?: { keepAlive?: boolean } };
    a.keepAlive = true;
    if (a.options) a.options.keepAlive = true;
    this.agent = a;
    return a;
  }
}

const DEFAULT_USER_AGENT = 'raysim-kube-client';

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
    case 405:
      return 'MethodNotAllowed';
    case 410:
      return 'Expired';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'InternalError';
  }
}

// The media type list a metadata-only write sends: the transformed form first, then plain JSON for
// servers that do not offer it (the answer is then cut down here).
const AS_PARTIAL_OBJECT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';

function acceptFor(opts: ClientWriteOptions | undefined): string {
  return opts?.as === 'PartialObjectMetadata' ? AS_PARTIAL_OBJECT_METADATA : 'application/json';
}

function answer<T, O extends ClientWriteOptions>(res: unknown, opts: O | undefined): WriteResult<T, O> {
  const obj = res as KubeObject;
  if (opts?.as === 'PartialObjectMetadata' && obj.kind !== 'PartialObjectMetadata') return partialObjectMetadata(obj) as WriteResult<T, O>;
  return obj as WriteResult<T, O>;
}
