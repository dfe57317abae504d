// The HTTP facade: the object store over the Kubernetes REST API, on loopback, so that stock
// kubectl and @kubernetes/client-node work against the same store the simulation uses.
// Every failure is a metav1.Status with the code and reason a real API server would give; a bad
// request never takes the server down and never disturbs what is already stored.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { ApiError, errors } from '../../../controller/runtime/api-error.js';
import { partialObjectMetadata } from '../../../controller/runtime/kube-client.js';
import type { DeleteOptions, KubeObject, WatchEvent } from '../../../controller/runtime/kube-object.js';
import type { Clock } from '../../core/clock.js';
import { applyPatch, contentTypeToPatchType } from '../patch.js';
import { apiVersionOf, type ResourceType } from '../resource-type.js';
import type { FieldValidation, ObjectStore, WatchHandle, WriteOptions } from '../store.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { openApiV3GroupVersion, openApiV3Root } from './openapi.js';
import { decodeProtobufObject, PROTOBUF } from './protobuf.js';
import { toTable, type IncludeObject, type Table } from './table.js';

export interface ApiServerOptions {
  store: ObjectStore;
  /** Clock for ages in tables (wall clock for a standalone server, virtual in simulation). */
  clock: Clock;
  port?: number;
  /** Loopback only: tests and users never expose this server beyond the machine. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** Largest accepted request body (default 3 MiB, as kube-apiserver). */
  maxBodyBytes?: number;
  /** How often idle watches that asked for bookmarks get one (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Watches without timeoutSeconds close after this long (default 30 min), as kube-apiserver does. */
  defaultWatchTimeoutMs?: number;
  /** How long an ended watch may take to flush before its connection is dropped (default 5 s). */
  watchFlushGraceMs?: number;
  /** One line per request, when set. */
  log?: (line: string) => void;
}

interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

type Query = URLSearchParams;

/** How long an ended watch may take to flush before its connection is dropped. */
const WATCH_FLUSH_GRACE_MS = 5_000;

export class ApiServer {
  private readonly server: http.Server;
  private readonly watches = new Set<{ end(): void }>();
  private readonly maxBody: number;

  constructor(private readonly opts: ApiServerOptions) {
    this.maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => this.fail(res, e));
    });
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => resolve());
    });
    return this.url;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------ dispatch

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://raysim');
    const method = req.method ?? 'GET';
    if (this.opts.log) {
      const started = process.hrtime.bigint();
      res.on('finish', () => this.opts.log!(`${method} ${req.url} ${res.statusCode} ${Number(process.hrtime.bigint() - started) / 1e6}ms`));
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const registry = this.opts.store.registry;

    // Non-resource endpoints.
    switch (path) {
      case '/version':
        return this.json(res, 200, SERVER_VERSION);
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('ok');
      case '/api':
        return this.json(res, 200, apiVersions(`${req.socket.localAddress}:${req.socket.localPort}`));
      case '/apis':
        return this.json(res, 200, apiGroupList(registry));
      case '/openapi/v3':
        return this.json(res, 200, openApiV3Root(registry));
    }
    let seg: string[];
    try {
      seg = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      throw errors.badRequest(`malformed percent-encoding in the path ${JSON.stringify(path)}`);
    }
    if (seg[0] === 'openapi' && seg[1] === 'v3' && seg.length >= 4) {
      const doc = seg[2] === 'api' ? openApiV3GroupVersion(registry, '', seg[3]) : openApiV3GroupVersion(registry, seg[3], seg[4] ?? '');
      if (!doc) throw notFoundPath(path);
      return this.json(res, 200, doc);
    }
    if (seg[0] === 'api' && seg.length === 2) {
      const doc = apiResourceList(registry, '', seg[1]);
      if (!doc) throw notFoundPath(path);
      return this.json(res, 200, doc);
    }
    if (seg[0] === 'apis' && seg.length === 2) {
      const doc = apiGroup(registry, seg[1]);
      if (!doc) throw notFoundPath(path);
      return this.json(res, 200, doc);
    }
    if (seg[0] === 'apis' && seg.length === 3) {
      const doc = apiResourceList(registry, seg[1], seg[2]);
      if (!doc) throw notFoundPath(path);
      return this.json(res, 200, doc);
    }
    const route = parseRoute(seg);
    if (!route) throw notFoundPath(path);
    const rt = registry.resolve(route.group, route.version, route.plural);
    if (route.namespace !== undefined && !rt.namespaced) throw notFoundPath(path);
    if (route.subresource && !rt.subresources.includes(route.subresource)) throw notFoundPath(path);
    return this.serveResource(req, res, rt, route, q, method);
  }

  private async serveResource(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, r: Route, q: Query, method: string): Promise<void> {
    const store = this.opts.store;
    const warnings: string[] = [];
    const write = { dryRun: q.get('dryRun') === 'All', fieldValidation: fieldValidation(q), warnings };
    const sub = r.subresource === 'status' ? ('status' as const) : undefined;
    if (r.subresource === 'scale' && r.name !== undefined) return this.scale(req, res, rt, r, method, write);
    switch (method) {
      case 'GET': {
        if (r.name !== undefined) {
          if (r.subresource && r.subresource !== 'status') throw errors.methodNotAllowed(`GET is not supported on ${rt.plural}/${r.subresource}`);
          return this.object(req, res, 200, rt, store.get(rt, r.namespace, r.name), warnings);
        }
        const watch = q.get('watch');
        if (watch === 'true' || watch === '1') return this.watch(req, res, rt, r, q);
        const list = store.list(rt, {
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          limit: q.has('limit') ? intParam(q, 'limit') : undefined,
          continue: q.get('continue') || undefined,
        });
        const table = wantsTable(req);
        if (table) return this.json(res, 200, toTable(rt, list.items, this.opts.clock.now(), includeObject(q), list.metadata));
        if (wantsPartialMetadata(req, 'PartialObjectMetadataList'))
          return this.json(res, 200, { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList', metadata: list.metadata, items: list.items.map(partialObjectMetadata) });
        return this.json(res, 200, list);
      }
      case 'POST': {
        const body = await this.body(req);
        if (r.subresource === 'binding' && r.name !== undefined) {
          const status = store.bind(r.namespace ?? 'default', r.name, body as KubeObject);
          return this.json(res, 201, status);
        }
        if (r.name !== undefined) throw errors.methodNotAllowed(`POST is not supported on a named ${rt.kind}; use PUT or PATCH`);
        if (rt.namespaced && r.namespace === undefined) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource: create ${rt.plural} needs a namespace in the path`);
        if (Array.isArray(body) || body === null || typeof body !== 'object') throw errors.badRequest('the request body must be a single JSON object');
        const created = store.create(rt, body as KubeObject, write, r.namespace);
        return this.object(req, res, 201, rt, created, warnings);
      }
      case 'PUT': {
        if (r.name === undefined) throw errors.methodNotAllowed(`PUT is not supported on a collection of ${rt.plural}`);
        const body = (await this.body(req)) as KubeObject;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the request body must be a single JSON object');
        if (body.metadata?.name !== undefined && body.metadata.name !== r.name)
          throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${r.name})`);
        body.metadata = { ...(body.metadata ?? {}), name: r.name };
        if (rt.kind === 'Namespace' && r.subresource === 'finalize') {
          return this.object(req, res, 200, rt, store.update(rt, body, write, undefined, r.namespace), warnings);
        }
        return this.object(req, res, 200, rt, store.update(rt, body, write, sub, r.namespace), warnings);
      }
      case 'PATCH': {
        if (r.name === undefined) throw errors.methodNotAllowed(`PATCH is not supported on a collection of ${rt.plural}`);
        const ct = req.headers['content-type'] ?? '';
        const type = contentTypeToPatchType(ct);
        if (type === undefined) throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
        if (type === 'apply') throw errors.unsupportedMediaType('server-side apply (application/apply-patch+yaml) is not supported by raysim yet; use client-side `kubectl apply`');
        const body = await this.body(req);
        return this.object(req, res, 200, rt, store.patch(rt, r.namespace, r.name, type, body, write, sub), warnings);
      }
      case 'DELETE': {
        const raw = await this.body(req, true);
        const opts: DeleteOptions & { dryRun?: boolean } = { ...((raw as DeleteOptions) ?? {}) };
        if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
        if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = intParam(q, 'gracePeriodSeconds');
        if ((raw as { orphanDependents?: boolean } | undefined)?.orphanDependents === true) opts.propagationPolicy ??= 'Orphan';
        opts.dryRun = write.dryRun || (raw as { dryRun?: string[] } | undefined)?.dryRun?.includes('All');
        if (r.name === undefined) {
          const list = store.deleteCollection(rt, {
            namespace: r.namespace,
            labelSelector: q.get('labelSelector') ?? undefined,
            fieldSelector: q.get('fieldSelector') ?? undefined,
            ...opts,
          });
          return this.json(res, 200, list);
        }
        return this.object(req, res, 200, rt, store.delete(rt, r.namespace, r.name, opts), warnings);
      }
      default:
        throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (${method})`);
    }
  }

  /**
   * The scale subresource (Deployments, StatefulSets, ReplicaSets): an autoscaling/v1 Scale view
   * of spec.replicas, what `kubectl scale` and autoscalers read and write.
   */
  private async scale(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, r: Route, method: string, write: WriteOptions): Promise<void> {
    const store = this.opts.store;
    const name = r.name!;
    const current = store.get(rt, r.namespace, name);
    let wanted: unknown;
    if (method === 'GET') return this.json(res, 200, toScale(current));
    if (method === 'PUT') wanted = await this.body(req);
    else if (method === 'PATCH') {
      const type = contentTypeToPatchType(req.headers['content-type'] ?? '');
      if (type === undefined || type === 'apply') throw errors.unsupportedMediaType(`unsupported patch content type for ${rt.plural}/scale`);
      wanted = applyPatch(type, toScale(current), await this.body(req), { kind: 'Scale', isCustomResource: false });
    } else throw errors.methodNotAllowed(`${method} is not supported on ${rt.plural}/scale`);
    const scale = wanted as { kind?: string; metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } } | null;
    if (scale === null || typeof scale !== 'object' || Array.isArray(scale)) throw errors.badRequest('the request body must be a Scale object');
    if (scale.kind !== undefined && scale.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${scale.kind}) does not match the expected kind (Scale)`);
    const replicas = scale.spec?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 2 ** 31 - 1)
      throw errors.invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion)
      throw errors.conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    const updated = store.patch(rt, r.namespace, name, 'merge', { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { replicas } }, write);
    return this.json(res, 200, toScale(updated));
  }

  // ------------------------------------------------------------------ watch streams

  private watch(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, r: Route, q: Query): void {
    const store = this.opts.store;
    const asTable = wantsTable(req);
    const include = includeObject(q);
    // Parameters first: a bad one is a plain 400, before any stream or store-side watcher exists.
    const timeoutMs = q.has('timeoutSeconds') ? intParam(q, 'timeoutSeconds') * 1000 : (this.opts.defaultWatchTimeoutMs ?? 30 * 60_000);
    const allowBookmarks = q.get('allowWatchBookmarks') === 'true';
    let sentColumns = false;
    const encode = (e: WatchEvent): string => {
      let object: unknown = e.object;
      if (asTable && e.type !== 'BOOKMARK') {
        const t: Table = toTable(rt, [e.object], this.opts.clock.now(), include, { resourceVersion: e.object.metadata.resourceVersion });
        // As kube-apiserver: column definitions only in the first event of the stream.
        if (sentColumns) t.columnDefinitions = [];
        sentColumns = true;
        object = t;
      }
      return `${JSON.stringify({ type: e.type, object })}\n`;
    };
    const streamHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' };

    let handle: WatchHandle | undefined;
    let ended = false;
    const timers: NodeJS.Timeout[] = [];
    const end = (err?: ApiError) => {
      if (ended) return;
      ended = true;
      for (const t of timers) clearTimeout(t), clearInterval(t);
      handle?.stop();
      this.watches.delete(entry);
      if (res.destroyed) return;
      if (err) res.write(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
      res.end();
      // A client that stopped reading never lets the end flush: drop its connection rather than
      // keep the buffered events (and the socket) forever.
      if (!res.writableFinished) {
        const t = setTimeout(() => res.destroy(), this.opts.watchFlushGraceMs ?? WATCH_FLUSH_GRACE_MS);
        t.unref();
        res.once('finish', () => clearTimeout(t));
        res.once('close', () => clearTimeout(t));
      }
    };
    const entry = { end: () => end() };
    try {
      handle = store.watch(
        rt,
        {
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          allowBookmarks,
        },
        {
          // Returning false pauses delivery until the socket drains: a slow reader never blocks
          // writers, and once it falls out of the retained window the store closes it (410).
          event: (e) => (ended ? false : res.write(encode(e))),
          closed: (err) => end(err),
        },
      );
    } catch (e) {
      // As kube-apiserver: a too old resourceVersion is an ERROR event in a 200 stream (clients
      // relist on it); anything else (a malformed resourceVersion or selector) is a plain error.
      if (!(e instanceof ApiError) || e.code !== 410) throw e;
      res.writeHead(200, streamHeaders);
      res.end(`${JSON.stringify({ type: 'ERROR', object: e.toStatus() })}\n`);
      return;
    }
    // Events are delivered asynchronously (the store defers them), so the headers go first.
    res.writeHead(200, streamHeaders);
    res.flushHeaders();
    this.watches.add(entry);
    res.on('drain', () => handle?.resume());
    // The client went away (socket closed or destroyed): stop the store-side watcher at once.
    req.on('close', () => end());
    res.on('close', () => end());
    res.on('error', () => end());
    if (allowBookmarks) {
      const h = handle;
      timers.push(setInterval(() => h.bookmark(), this.opts.bookmarkIntervalMs ?? 10_000));
    }
    timers.push(setTimeout(() => end(), Math.max(0, timeoutMs)));
  }

  // ------------------------------------------------------------------ bodies and responses

  private body(req: http.IncomingMessage, optional = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.maxBody) {
        req.resume();
        return reject(errors.tooLarge(`the request body is ${declared} bytes, larger than the limit of ${this.maxBody}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > this.maxBody) {
          failed = true;
          reject(errors.tooLarge(`the request body is larger than the limit of ${this.maxBody} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('error', (e) => reject(errors.badRequest(`reading the request body: ${e.message}`)));
      req.on('end', () => {
        if (failed) return;
        const buf = Buffer.concat(chunks);
        if (buf.toString('utf8').trim() === '') return optional ? resolve(undefined) : reject(errors.badRequest('the request body is empty'));
        try {
          resolve(parseBody(buf, req.headers['content-type'] ?? 'application/json'));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  private object(req: http.IncomingMessage, res: http.ServerResponse, code: number, rt: ResourceType, obj: KubeObject, warnings: string[]): void {
    if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    if (wantsTable(req) && obj.kind === rt.kind) return this.json(res, code, toTable(rt, [obj], this.opts.clock.now(), 'Object', { resourceVersion: obj.metadata.resourceVersion }));
    if (wantsPartialMetadata(req) && obj.kind === rt.kind) return this.json(res, code, partialObjectMetadata(obj));
    const out = obj.apiVersion === apiVersionOf(rt) ? obj : { ...obj, apiVersion: apiVersionOf(rt) };
    this.json(res, code, out);
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
    if (!(e instanceof ApiError)) this.opts.log?.(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    const headers: Record<string, string> = {};
    if (err.details?.retryAfterSeconds) headers['Retry-After'] = String(err.details.retryAfterSeconds);
    const text = JSON.stringify(err.toStatus());
    res.writeHead(err.code, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

// ------------------------------------------------------------------ helpers

/** /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]] and /apis/GROUP/VERSION/... */
export function parseRoute(seg: string[]): Route | undefined {
  let i: number;
  let group = '';
  let version: string;
  if (seg[0] === 'api' && seg.length >= 3) {
    version = seg[1];
    i = 2;
  } else if (seg[0] === 'apis' && seg.length >= 4) {
    group = seg[1];
    version = seg[2];
    i = 3;
  } else return undefined;
  const rest = seg.slice(i);
  // namespaces/NS/PLURAL/... is a namespaced resource; namespaces, namespaces/NS and
  // namespaces/NS/{status,finalize} address Namespace objects themselves.
  if (group === '' && rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length) return undefined;
    return { group, version, namespace, plural, name, subresource };
  }
  if (group !== '' && rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length) return undefined;
    return { group, version, namespace, plural, name, subresource };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length || !plural) return undefined;
  return { group, version, plural, name, subresource };
}

/** Request media types the server decodes, besides protobuf for the kinds protobuf.ts knows (CBOR: 415). */
const JSON_MEDIA = new Set(['', 'application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json']);
const YAML_MEDIA = new Set(['application/yaml', 'application/apply-patch+yaml', 'text/yaml', 'application/x-yaml']);

function unsupportedBody(ct: string): ApiError {
  return errors.unsupportedMediaType(
    `the body of the request was in an unknown format (${ct}) - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
  );
}

function parseBody(buf: Buffer, contentType: string): unknown {
  const ct = contentType.split(';')[0].trim().toLowerCase();
  if (ct === PROTOBUF) return decodeProtobufObject(buf);
  if (!JSON_MEDIA.has(ct) && !YAML_MEDIA.has(ct)) throw unsupportedBody(ct);
  const text = buf.toString('utf8');
  if (YAML_MEDIA.has(ct)) {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.length !== 1) throw errors.badRequest('the request body must hold exactly one YAML document');
    const doc = docs[0];
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw errors.badRequest(`error parsing YAML body at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`);
    }
    return doc.toJSON();
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    throw errors.badRequest(`error decoding the request body as JSON at line ${line}, column ${column}: ${(e as Error).message}`);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON.parse gave up: V8 names a position for some errors but not others ("Unexpected
 * token 'x', ... is not valid JSON"), so find it with a small scanner of the JSON grammar.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else number();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (pos) {
    if (typeof pos === 'number') return Math.min(pos, text.length);
    throw pos;
  }
}

function toScale(o: KubeObject): object {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } };
  const m = o.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: ((o.status ?? {}) as { replicas?: number }).replicas ?? 0, selector: selectorString(spec.selector) },
  };
}

/** A metav1.LabelSelector as the string form (`a=b,c in (d,e)`), as Scale.status.selector. */
function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function wantsTable(req: http.IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/**
 * Whether the first media type the client accepts is metadata only
 * (`application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`; lists ask for
 * PartialObjectMetadataList), as the API server's output negotiation answers it.
 */
function wantsPartialMetadata(req: http.IncomingMessage, as = 'PartialObjectMetadata'): boolean {
  const first = (req.headers.accept ?? '').split(',')[0] ?? '';
  const params = new Map(
    first
      .split(';')
      .slice(1)
      .map((p) => p.trim().split('=') as [string, string]),
  );
  return params.get('as') === as && params.get('g') === 'meta.k8s.io' && (params.get('v') ?? 'v1') === 'v1';
}

function includeObject(q: Query): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function fieldValidation(q: Query): FieldValidation | undefined {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of "Strict", "Warn" or "Ignore", got "${v}"`);
}

function intParam(q: Query, name: string): number {
  const v = q.get(name) ?? '';
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw errors.badRequest(`${name} must be an integer, got "${v}"`);
  return n;
}

function notFoundPath(path: string): ApiError {
  return new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
}
