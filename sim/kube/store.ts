// The object store behind the fake API server: Kubernetes semantics, not an approximation.
// uid, creationTimestamp, one global resourceVersion, generation on spec changes, generateName,
// status subresource, optimistic concurrency, finalizers and deletionTimestamp, ownerReference
// garbage collection (Background, Foreground, Orphan), namespaces, CRDs, indexed label and field
// selectors, and watches from a resourceVersion with 410 Gone.
//
// Stored objects are never mutated after a write: every change stores a fresh object. So watch
// events and informer caches can share one copy safely, and callers that want to change an
// object must copy it (the in-memory KubeClient does). With `freezeObjects` the store freezes
// what it stores, so a test catches any code that breaks this rule.
//
// Work that a real cluster does asynchronously (watch delivery, garbage collection, namespace and
// CRD cleanup) runs through the injected `defer`, so in simulation it becomes events on the
// virtual clock and stays deterministic.

import { ApiError, errors, type StatusCause } from '../../controller/runtime/api-error.js';
import type {
  DeleteOptions,
  KubeList,
  KubeObject,
  OwnerReference,
  PatchType,
  PropagationPolicy,
  WatchEvent,
} from '../../controller/runtime/kube-object.js';
import { rfc3339, type Clock, type Rng } from '../core/clock.js';
import { builtinResourceTypes, INITIAL_NAMESPACES } from './builtin-types.js';
import { deepClone, deepEqual, deepFreeze } from './clone.js';
import { CRD_CLEANUP_FINALIZER, crdNameConflict, establishedStatus, namesNotAcceptedStatus, resourceTypeFromCrd, validateCrd } from './crd.js';
import { FaultInjector, type Verb } from './faults.js';
import { validateObjectMeta } from './names.js';
import { applyPatch } from './patch.js';
import { ResourceRegistry } from './registry.js';
import { apiVersionOf, groupResource, hasStatus, type AdmissionContext, type ResourceType } from './resource-type.js';
import { isRecord, processCustomResource, propertiesIndependent, setOwn, type JSONSchemaProps } from './schema.js';
import {
  indexableFieldRequirement,
  indexableRequirement,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from './selectors.js';
import { WATCH_CACHE_SIZING, WatchLog, type LogEntry, type WindowSizing } from './watch-log.js';

type Obj = Record<string, any>;

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface StoreOptions {
  clock: Clock;
  rng: Rng;
  /** Runs deferred work (watch delivery, GC). Default: queueMicrotask. */
  defer?: (fn: () => void) => void;
  /**
   * Changes retained per kind for watches from an older resourceVersion. Default: sized as
   * kube-apiserver's watch cache (100 to 102,400 changes, holding at least the last 75 s; see
   * watch-log.ts); a number fixes the window.
   */
  watchWindow?: number;
  /** Freeze stored objects (tests): catches code that mutates shared objects. */
  freezeObjects?: boolean;
  /** Events expire this long after their last write, as kube-apiserver's --event-ttl (default 1 h). */
  eventTtlMs?: number;
  /** Admission plugin ExtendedResourceToleration (default off, as in kube-apiserver). */
  extendedResourceToleration?: boolean;
  /** Extra kinds to serve besides the built-ins (rarely needed: prefer CRDs). */
  extraTypes?: ResourceType[];
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Receives Kubernetes warnings (e.g. unknown fields under fieldValidation=Warn). */
  warnings?: string[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string | LabelSelector;
  fieldSelector?: string | FieldSelector;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string | LabelSelector;
  fieldSelector?: string | FieldSelector;
  /** "" or "0": start with ADDED events for every current object; otherwise changes after it. */
  resourceVersion?: string;
  allowBookmarks?: boolean;
  /** Never dropped by the dropped-watch fault (the simulated infrastructure's own watches). */
  exemptFromFaults?: boolean;
}

export interface WatchListener {
  /** Return false to apply backpressure: delivery pauses until `resume()`. */
  event(e: WatchEvent): boolean | void;
  /** The watch ended: err is a 410 Expired when the consumer fell out of the window. */
  closed(err?: ApiError): void;
}

export interface WatchHandle {
  stop(): void;
  resume(): void;
  /** Queues a BOOKMARK carrying the current resourceVersion (if the watch allows them). */
  bookmark(): void;
  readonly stopped: boolean;
}

export type Subresource = 'status' | undefined;

interface Watcher {
  kind: KindState;
  ns?: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
  next: number;
  initial: KubeObject[] | undefined;
  allowBookmarks: boolean;
  exemptFromFaults: boolean;
  pendingBookmark: boolean;
  paused: boolean;
  stopped: boolean;
  listener: WatchListener;
}

/** Everything the store keeps for one kind. */
class KindState {
  readonly objects = new Map<string, KubeObject>();
  readonly byNamespace = new Map<string, Set<string>>();
  /** label key -> value -> object keys, for the keys some query has used (see labelIndexFor). */
  readonly labelIndex = new Map<string, Map<string, Set<string>>>();
  /** The same label indexes as a list: writes iterate it, and arrays iterate without allocating. */
  readonly labelIndexes: { key: string; byValue: Map<string, Set<string>> }[] = [];
  /** Indexed fields (spec.nodeName, status.phase for pods) with their paths split once. */
  readonly fieldIndex = new Map<string, Map<string, Set<string>>>();
  readonly fieldIndexes: { path: string[]; byValue: Map<string, Set<string>> }[] = [];
  readonly watchers: Watcher[] = [];
  readonly log: WatchLog;

  constructor(
    public rt: ResourceType,
    window: number | WindowSizing,
  ) {
    this.log = new WatchLog(window);
    for (const f of rt.indexedFields) {
      const byValue = new Map<string, Set<string>>();
      this.fieldIndex.set(f, byValue);
      this.fieldIndexes.push({ path: f.split('.'), byValue });
    }
  }
}

/** Per CRD schema, the schema of a document holding only its status (see admitStatus). */
const statusOnlySchemas = new WeakMap<object, object>();

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_NAME_LENGTH = 63 - 5;
const MAX_LIST_LIMIT_DEFAULT = Number.MAX_SAFE_INTEGER;

export class ObjectStore {
  readonly registry: ResourceRegistry;
  readonly faults: FaultInjector;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly defer: (fn: () => void) => void;
  private readonly window: number | WindowSizing;
  private readonly freeze: boolean;
  private readonly kinds = new Map<ResourceType, KindState>();
  private rv = 0;
  /** uid -> where the object lives. */
  private readonly byUid = new Map<string, { kind: KindState; key: string }>();
  /** owner uid -> dependents (as "kindKey\0objectKey"). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly dirtyKinds = new Set<KindState>();
  private flushScheduled = false;
  private readonly gcQueue: string[] = [];
  private readonly nsQueue: string[] = [];
  private readonly crdQueue: string[] = [];
  private maintenanceScheduled = false;
  private clusterIPs = 0;
  private readonly eventTtlMs: number;
  private readonly eventExpiry: { at: number; key: string; rv: string }[] = [];
  private eventExpiryHead = 0;

  constructor(opts: StoreOptions) {
    this.clock = opts.clock;
    this.rng = opts.rng.fork('apiserver');
    this.faults = new FaultInjector(opts.rng.fork('apiserver-faults'));
    this.defer = opts.defer ?? queueMicrotask;
    this.window = opts.watchWindow ?? WATCH_CACHE_SIZING;
    this.freeze = opts.freezeObjects ?? false;
    this.eventTtlMs = opts.eventTtlMs ?? 3_600_000;
    this.admissionContext.extendedResourceToleration = opts.extendedResourceToleration ?? false;
    this.registry = new ResourceRegistry([...builtinResourceTypes(), ...(opts.extraTypes ?? [])]);
    for (const ns of INITIAL_NAMESPACES) this.create(this.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }

  /** The newest resourceVersion handed out. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Resolve a kind by group and plural, throwing 404 when it is not served. */
  type(group: string, plural: string): ResourceType {
    const rt = this.registry.find(group, plural);
    if (!rt) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${group ? `${plural}.${group}` : plural})`);
    return rt;
  }

  typeFor(obj: { apiVersion?: string; kind?: string }): ResourceType {
    return this.registry.forObject(obj.apiVersion, obj.kind);
  }

  // ---------------------------------------------------------------- reads

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    if (this.faults.active) this.faults.check('get', groupResource(rt), name);
    const ks = this.state(rt);
    const obj = ks.objects.get(this.key(rt, namespace, name));
    if (!obj) throw errors.notFound(rt.plural, rt.group, name);
    if (this.faults.staleRead()) return ks.log.previousVersion(obj.metadata.uid!, Number(obj.metadata.resourceVersion)) ?? obj;
    return obj;
  }

  /** get without faults or errors, for admission and internal bookkeeping. */
  peek(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.kinds.get(rt)?.objects.get(this.key(rt, namespace, name));
  }

  list(rt: ResourceType, opts: ListOptions = {}): KubeList {
    if (this.faults.active) this.faults.check('list', groupResource(rt));
    return this.listUnfaulted(rt, opts);
  }

  /** list without fault injection: a watch's initial state is part of the watch request, so
   * errors injected for "list" must not fail watches. */
  private listUnfaulted(rt: ResourceType, opts: ListOptions): KubeList {
    const ks = this.state(rt);
    const labels = typeof opts.labelSelector === 'string' ? parseLabelSelector(opts.labelSelector) : opts.labelSelector;
    const fields = this.fieldSelector(rt, opts.fieldSelector);
    const ns = rt.namespaced ? opts.namespace || undefined : undefined;
    const keys = this.candidates(ks, ns, labels, fields);
    let items: KubeObject[] = [];
    for (const k of keys) {
      const o = ks.objects.get(k);
      if (o && this.matches(o, ns, labels, fields)) items.push(o);
    }
    items.sort(byKey);
    const listRv = this.resourceVersion;
    const meta: KubeList['metadata'] = { resourceVersion: listRv };
    if (opts.continue) {
      const after = decodeContinue(opts.continue);
      items = items.filter((o) => objectSortKey(o) > after);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : MAX_LIST_LIMIT_DEFAULT;
    if (items.length > limit) {
      const rest = items.length - limit;
      items = items.slice(0, limit);
      meta.continue = encodeContinue(objectSortKey(items[items.length - 1]));
      meta.remainingItemCount = rest;
    }
    return { apiVersion: apiVersionOf(rt), kind: rt.listKind, metadata: meta, items };
  }

  /** Objects of a kind without copying, filtering or faults: for tests, metrics and benchmarks. */
  count(rt: ResourceType): number {
    return this.kinds.get(rt)?.objects.size ?? 0;
  }

  // ---------------------------------------------------------------- writes

  create(rt: ResourceType, input: KubeObject, opts: WriteOptions = {}, namespace?: string): KubeObject {
    if (this.faults.active) this.faults.check('create', groupResource(rt), input?.metadata?.name);
    const obj = this.prepareBody(rt, input);
    const meta = obj.metadata;
    if (namespace !== undefined && rt.namespaced) {
      if (meta.namespace && meta.namespace !== namespace)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace;
    }
    if (rt.namespaced) {
      meta.namespace ||= 'default';
      this.requireNamespaceAccepting(meta.namespace);
    } else delete meta.namespace;
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    if (rt.crd && this.peek(this.type('apiextensions.k8s.io', 'customresourcedefinitions'), undefined, rt.crd.crdName)?.metadata.deletionTimestamp)
      throw errors.methodNotAllowed('create not allowed while custom resource definition is terminating');
    const ks = this.state(rt);
    if (!meta.name && meta.generateName) {
      // Like names.SimpleNameGenerator: the prefix is cut to 58 characters so that prefix plus
      // suffix fits a 63-character DNS label (namespaces, services, hostnames).
      const base = String(meta.generateName).slice(0, MAX_GENERATED_NAME_LENGTH);
      for (let i = 0; i < 8 && (!meta.name || ks.objects.has(this.key(rt, meta.namespace, meta.name))); i++)
        meta.name = base + this.rng.string(5, NAME_SUFFIX_ALPHABET);
    }
    this.validateMeta(rt, obj);
    // Status is the controllers' to write; on create it starts empty (nodes report theirs).
    if (hasStatus(rt) && rt.kind !== 'Node') delete obj.status;
    const objOut = this.admit(rt, obj, opts, 'create');
    const m = objOut.metadata;
    const key = this.key(rt, m.namespace, m.name!);
    if (ks.objects.has(key)) throw errors.alreadyExists(rt.plural, rt.group, m.name!);
    m.uid = this.rng.uuid();
    m.creationTimestamp = rfc3339(this.clock.now());
    m.generation = 1;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (rt.crd === undefined && rt.kind === 'CustomResourceDefinition') this.prepareCrd(objOut);
    if (opts.dryRun) return objOut;
    const stored = this.commit(ks, key, objOut, 'ADDED', undefined);
    if (rt.group === '' && rt.kind === 'Event') this.expireEvents(ks, key, stored);
    for (const ref of stored.metadata.ownerReferences ?? []) if (!this.byUid.has(ref.uid)) this.enqueue(this.gcQueue, ref.uid);
    if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') return this.establishCrd(stored);
    return stored;
  }

  update(rt: ResourceType, input: KubeObject, opts: WriteOptions = {}, subresource?: Subresource, namespace?: string): KubeObject {
    if (this.faults.active) this.faults.check('update', groupResource(rt), input?.metadata?.name);
    const obj = this.prepareBody(rt, input, subresource === 'status');
    return this.applyUpdate(rt, obj, opts, subresource, namespace);
  }

  patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: WriteOptions = {},
    subresource?: Subresource,
  ): KubeObject {
    if (this.faults.active) this.faults.check('patch', groupResource(rt), name);
    const current = this.mustGet(rt, namespace, name);
    const patched = applyPatch(type, current, body, { kind: rt.kind, isCustomResource: !!rt.crd }) as KubeObject;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw errors.badRequest('patch did not produce an object');
    // A patch that names a resourceVersion is a precondition; one that does not always applies.
    if (!patched.metadata || typeof patched.metadata !== 'object') throw errors.badRequest('metadata: patch removed the object metadata');
    // The object is the one on the URL: a patch that renames it must not write another object
    // (kube-apiserver's checkName).
    if (patched.metadata.name !== name)
      throw errors.badRequest(`the name of the object (${patched.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    if (patched.metadata.resourceVersion === undefined) patched.metadata.resourceVersion = current.metadata.resourceVersion;
    return this.applyUpdate(rt, patched, opts, subresource, namespace);
  }

  delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions & { dryRun?: boolean } = {}): KubeObject {
    if (this.faults.active) this.faults.check('delete', groupResource(rt), name);
    const current = this.mustGet(rt, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid)
      throw errors.conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
      throw errors.conflict(
        rt.plural,
        rt.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    if (opts.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(opts.propagationPolicy))
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
      ]);
    if (opts.dryRun) return current;
    return this.deleteObject(this.state(rt), current, opts.propagationPolicy, opts.gracePeriodSeconds);
  }

  deleteCollection(rt: ResourceType, opts: ListOptions & DeleteOptions = {}): KubeList {
    const list = this.list(rt, { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
    const items: KubeObject[] = [];
    for (const o of list.items) {
      const ks = this.state(rt);
      const live = ks.objects.get(this.objKey(rt, o));
      if (live) items.push(this.deleteObject(ks, live, opts.propagationPolicy, opts.gracePeriodSeconds));
    }
    return { ...list, items };
  }

  /** pods/binding: what the scheduler posts to put a pod on a node. */
  bind(namespace: string, podName: string, binding: KubeObject): KubeObject {
    const pods = this.type('', 'pods');
    this.faults.check('create', 'pods', podName);
    const target = (binding as Obj).target as Obj | undefined;
    if (!target?.name) throw errors.invalid('Binding', '', podName, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    if (target.kind && target.kind !== 'Node') throw errors.invalid('Binding', '', podName, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${target.kind}": supported values: "Node"` }]);
    const pod = this.mustGet(pods, namespace, podName);
    const bmeta = (binding.metadata ?? {}) as Obj;
    if (bmeta.uid && bmeta.uid !== pod.metadata.uid)
      throw errors.conflict('pods', '', podName, `Precondition failed: UID in precondition: ${bmeta.uid}, UID in object meta: ${pod.metadata.uid}`);
    // As kube-apiserver words them: "Operation cannot be fulfilled on pods/binding "p": ...".
    if (pod.metadata.deletionTimestamp) throw errors.conflict('pods/binding', '', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
    const spec = pod.spec as Obj;
    if (spec.nodeName) throw errors.conflict('pods/binding', '', podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
    // Spec and status get a field each; the rest is shared with the stored version (withOwnMetadata).
    const next = withOwnMetadata(pod) as Obj;
    next.spec = { ...spec, nodeName: target.name };
    const status = (pod.status ?? {}) as Obj;
    const conditions = ((status.conditions ?? []) as Obj[]).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.clock.now()) });
    next.status = { ...status, conditions };
    if (bmeta.annotations) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...bmeta.annotations };
    const ks = this.state(pods);
    this.commit(ks, this.objKey(pods, pod), next as KubeObject, 'MODIFIED', pod);
    return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
  }

  // ---------------------------------------------------------------- watch

  watch(rt: ResourceType, opts: WatchOptions, listener: WatchListener): WatchHandle {
    if (this.faults.active) this.faults.check('watch', groupResource(rt));
    const ks = this.state(rt);
    const labels = typeof opts.labelSelector === 'string' ? parseLabelSelector(opts.labelSelector) : opts.labelSelector;
    const fields = this.fieldSelector(rt, opts.fieldSelector);
    const ns = rt.namespaced ? opts.namespace || undefined : undefined;
    const w: Watcher = {
      kind: ks,
      ns,
      labels,
      fields,
      next: ks.log.end,
      initial: undefined,
      allowBookmarks: !!opts.allowBookmarks,
      exemptFromFaults: !!opts.exemptFromFaults,
      pendingBookmark: false,
      paused: false,
      stopped: false,
      listener,
    };
    const rvText = opts.resourceVersion ?? '';
    if (rvText === '' || rvText === '0') {
      w.initial = this.listUnfaulted(rt, { namespace: ns, labelSelector: labels, fieldSelector: fields }).items;
    } else {
      const rv = Number(rvText);
      if (!Number.isInteger(rv) || rv < 0) throw errors.badRequest(`invalid resource version: "${rvText}"`);
      if (!ks.log.covers(rv)) throw errors.gone(`too old resource version: ${rv} (${ks.log.start > 0 ? ks.log.at(ks.log.start).rv - 1 : 0})`);
      w.next = ks.log.seqAfter(rv);
    }
    ks.watchers.push(w);
    this.markDirty(ks);
    const store = this;
    return {
      stop() {
        store.stopWatcher(w);
      },
      resume() {
        if (w.stopped || !w.paused) return;
        w.paused = false;
        store.markDirty(ks);
      },
      bookmark() {
        if (w.stopped || !w.allowBookmarks) return;
        w.pendingBookmark = true;
        store.markDirty(ks);
      },
      get stopped() {
        return w.stopped;
      },
    };
  }

  // ---------------------------------------------------------------- internals: writes

  private prepareBody(rt: ResourceType, input: KubeObject, statusOnly = false): KubeObject {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw errors.badRequest('the request body must be a JSON object');
    // A /status write keeps only metadata's identity fields and the status from the request, so
    // the rest (a RayJob's whole cluster spec) is not copied.
    const obj = statusOnly
      ? ({ ...input, metadata: input.metadata && typeof input.metadata === 'object' ? { ...input.metadata } : input.metadata, status: deepClone(input.status) } as KubeObject)
      : deepClone(input);
    const apiVersion = obj.apiVersion ?? apiVersionOf(rt);
    const kind = obj.kind ?? rt.kind;
    if (kind !== rt.kind) throw errors.badRequest(`the kind in the data (${kind}) does not match the expected kind (${rt.kind})`);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (group !== rt.group || !rt.servedVersions.includes(version))
      throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(rt)})`);
    // Objects are stored at the storage version; conversion between served versions is None.
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    if (obj.metadata === undefined) obj.metadata = {};
    if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw errors.badRequest('metadata must be an object');
    return obj;
  }

  private validateMeta(rt: ResourceType, obj: KubeObject): void {
    const causes = validateObjectMeta(obj.metadata, { nameRule: rt.nameRule, namespaced: rt.namespaced });
    if (causes.length) throw errors.invalid(rt.kind, rt.group, obj.metadata.name ?? obj.metadata.generateName ?? '', causes);
  }

  /** Schema pruning/defaulting/validation (custom resources) or built-in validation and admission. */
  private admit(rt: ResourceType, obj: KubeObject, opts: WriteOptions, op: 'create' | 'update'): KubeObject {
    const name = obj.metadata.name ?? '';
    let out = obj;
    let causes: StatusCause[] = [];
    if (rt.crd) {
      const schema = rt.crd.schemas[rt.version];
      if (schema !== undefined) {
        // A create's body is the store's own copy (prepareBody); an update's may share the stored
        // status (see applyUpdate), so it is processed on a copy.
        const res = processCustomResource(obj, schema, opts.fieldValidation ?? 'Warn', op === 'create');
        if (res.strictErrors.length)
          throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${res.strictErrors.join(', ')}`);
        opts.warnings?.push(...res.warnings);
        out = res.object as KubeObject;
        causes = res.causes;
      }
    } else {
      if (op === 'create' && rt.admitCreate) rt.admitCreate(out, this.admissionContext);
      if (rt.validate) causes = rt.validate(out);
      if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') causes = causes.concat(validateCrd(out));
    }
    if (causes.length) throw errors.invalid(rt.kind, rt.group, name, causes);
    return out;
  }

  /**
   * /status of a custom resource: only the status changed, and the rest was validated when it was
   * written, so only the status is pruned, defaulted and validated. Controllers write status far
   * more often than anything else, and whole-object validation made it the costliest write.
   */
  private admitStatus(rt: ResourceType, obj: KubeObject, opts: WriteOptions, oldStatus: unknown): KubeObject {
    const schema = rt.crd!.schemas[rt.version] as { properties?: { status?: unknown } } | undefined;
    const statusSchema = schema?.properties?.status as JSONSchemaProps | undefined;
    if (!schema || statusSchema === undefined || obj.status === undefined) return obj;
    let root = statusOnlySchemas.get(schema);
    if (!root) statusOnlySchemas.set(schema, (root = { type: 'object', properties: { status: statusSchema } }));
    // A status write usually changes a field or two. Top-level status fields equal to the stored
    // ones were pruned, defaulted and validated when stored, and (with no constraint across the
    // status's fields) give the same answer again, so only the changed ones are processed.
    const status = obj.status as Record<string, unknown>;
    const prev = isRecord(oldStatus) && isRecord(status) && propertiesIndependent(statusSchema) ? oldStatus : undefined;
    let input: Record<string, unknown> = status;
    if (prev) {
      input = {};
      for (const k of Object.keys(status)) if (!deepEqual(status[k], prev[k])) setOwn(input, k, status[k]);
    }
    // `input` holds parts of the request body's status, which prepareBody copied: processed in
    // place, so which fields were sent is noted first (defaulting adds to `input`).
    const sent = new Set(Object.keys(input));
    const res = processCustomResource({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: {}, status: input }, root, opts.fieldValidation ?? 'Ignore', true);
    if (res.strictErrors.length)
      throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${res.strictErrors.join(', ')}`);
    opts.warnings?.push(...res.warnings);
    if (res.causes.length) throw errors.invalid(rt.kind, rt.group, obj.metadata.name ?? '', res.causes);
    const processed = (res.object as KubeObject).status as Record<string, unknown>;
    if (!prev) return { ...obj, status: processed };
    // In the request's field order; unchanged fields shared with the stored (immutable) status.
    const merged: Record<string, unknown> = {};
    for (const k of Object.keys(status)) {
      if (sent.has(k)) {
        if (Object.prototype.hasOwnProperty.call(processed, k)) setOwn(merged, k, processed[k]);
      } else setOwn(merged, k, prev[k]);
    }
    // Defaults for fields the request left out.
    for (const k of Object.keys(processed)) if (!Object.prototype.hasOwnProperty.call(merged, k)) setOwn(merged, k, processed[k]);
    return { ...obj, status: merged };
  }

  private readonly admissionContext: AdmissionContext = {
    now: () => this.clock.now(),
    peek: (group, plural, namespace, name) => {
      const rt = this.registry.find(group, plural);
      return rt ? this.peek(rt, namespace, name) : undefined;
    },
    list: (group, plural) => {
      const rt = this.registry.find(group, plural);
      const ks = rt ? this.kinds.get(rt) : undefined;
      return ks ? [...ks.objects.values()] : [];
    },
    extendedResourceToleration: false,
    allocateClusterIP: () => {
      const n = ++this.clusterIPs;
      return `10.96.${(n >> 8) & 255}.${n & 255}`;
    },
  };

  private applyUpdate(rt: ResourceType, obj: KubeObject, opts: WriteOptions, subresource: Subresource, namespace?: string): KubeObject {
    const meta = obj.metadata;
    if (!meta.name) throw errors.invalid(rt.kind, rt.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' }]);
    if (rt.namespaced) {
      if (namespace !== undefined && meta.namespace && meta.namespace !== namespace)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = meta.namespace || namespace || 'default';
    } else delete meta.namespace;
    const ks = this.state(rt);
    const key = this.key(rt, meta.namespace, meta.name);
    const old = ks.objects.get(key);
    if (!old) throw errors.notFound(rt.plural, rt.group, meta.name);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion)
      throw errors.conflict(rt.plural, rt.group, meta.name, 'the object has been modified; please apply your changes to the latest version and try again');
    if (meta.uid && meta.uid !== old.metadata.uid)
      throw errors.conflict(rt.plural, rt.group, meta.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`);

    let next: KubeObject;
    let specSame: boolean | undefined;
    if (subresource === 'status') {
      if (!hasStatus(rt)) throw errors.notFound(rt.plural, rt.group, `${meta.name}/status`);
      // /status takes nothing but status from the request. The rest is shared with the stored
      // version (stored objects are immutable); metadata is copied because commit stamps it.
      next = { ...old, metadata: { ...old.metadata }, status: obj.status } as KubeObject;
      if (obj.status === undefined) delete next.status;
      if (rt.crd) next = this.admitStatus(rt, next, { ...opts, fieldValidation: opts.fieldValidation ?? 'Ignore' }, old.status);
    } else {
      next = obj;
      // The main resource ignores status when a status subresource exists.
      if (hasStatus(rt)) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status; // shared: stored objects are never mutated
      }
      const m = next.metadata;
      const om = old.metadata;
      m.uid = om.uid;
      m.creationTimestamp = om.creationTimestamp;
      m.generation = om.generation;
      if (om.deletionTimestamp) {
        m.deletionTimestamp = om.deletionTimestamp;
        if (om.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
        const added = (m.finalizers ?? []).filter((f) => !(om.finalizers ?? []).includes(f));
        if (added.length)
          throw errors.invalid(rt.kind, rt.group, meta.name, [
            { reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` },
          ]);
      } else {
        delete m.deletionTimestamp;
        delete m.deletionGracePeriodSeconds;
      }
      if (!m.generateName) delete m.generateName;
      if (om.generateName && m.generateName === undefined) m.generateName = om.generateName;
      this.validateMeta(rt, next);
      if (rt.kind === 'Namespace' && rt.group === '') next.spec = deepClone(old.spec);
      if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') checkCrdUpdate(old, next);
      next = this.admit(rt, next, opts, 'update');
      // A custom resource without a status subresource bumps generation on any change outside
      // metadata, status included (customResourceStrategy.PrepareForUpdate).
      specSame = sameSpec(old, next) && (!rt.crd || hasStatus(rt) || deepEqual(old.status, next.status));
      if (!specSame) {
        if (rt.kind === 'Pod' && rt.group === '') checkPodUpdate(old, next);
        next.metadata.generation = (om.generation ?? 1) + 1;
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    // A write that changes nothing is not a write: no new resourceVersion, no watch event.
    if ((specSame ?? sameSpec(old, next)) && deepEqual(old.metadata, next.metadata) && deepEqual(old.status, next.status)) return old;
    if (opts.dryRun) return next;
    if (this.deletesOnUpdate(rt, old, next)) return this.remove(ks, key, next, old);
    const stored = this.commit(ks, key, next, 'MODIFIED', old);
    if (rt.group === '' && rt.kind === 'Event') this.expireEvents(ks, key, stored);
    this.afterOwnerRefsChange(old, stored);
    if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io' && !stored.metadata.deletionTimestamp) return this.establishCrd(stored);
    return stored;
  }

  /**
   * Events live for eventTtlMs after their last write, as etcd leases make them on a real API
   * server; otherwise every run would keep every event it ever recorded. Expiry is checked when
   * events are written (a FIFO of write times), so it costs nothing on other writes.
   */
  private expireEvents(ks: KindState, key: string, written: KubeObject): void {
    const now = this.clock.now();
    this.eventExpiry.push({ at: now + this.eventTtlMs, key, rv: written.metadata.resourceVersion! });
    while (this.eventExpiryHead < this.eventExpiry.length && this.eventExpiry[this.eventExpiryHead].at <= now) {
      const e = this.eventExpiry[this.eventExpiryHead++];
      const cur = ks.objects.get(e.key);
      // Only the entry of an event's last write expires it; earlier ones were superseded.
      if (cur && cur.metadata.resourceVersion === e.rv) this.remove(ks, e.key, cur, cur);
    }
    if (this.eventExpiryHead > 4096 && this.eventExpiryHead * 2 > this.eventExpiry.length) {
      this.eventExpiry.splice(0, this.eventExpiryHead);
      this.eventExpiryHead = 0;
    }
  }

  /** Namespaces wait for their content (spec.finalizers) as well as their metadata finalizers. */
  private holdsDeletion(rt: ResourceType, obj: KubeObject): boolean {
    return rt.group === '' && rt.kind === 'Namespace' && ((obj.spec as Obj | undefined)?.finalizers?.length ?? 0) > 0;
  }

  /**
   * Whether a write to a terminating object removes it (the registry's ShouldDeleteDuringUpdate):
   * only when it takes away the last finalizer, and not during a graceful deletion. A pod on a
   * node stays terminating through its kubelet's status updates, even after its finalizers are
   * gone, until the kubelet deletes it with grace 0.
   */
  private deletesOnUpdate(rt: ResourceType, old: KubeObject, next: KubeObject): boolean {
    const om = old.metadata;
    if (!om.deletionTimestamp || !om.finalizers?.length || next.metadata.finalizers?.length) return false;
    if ((om.deletionGracePeriodSeconds ?? 0) > 0) return false;
    return !this.holdsDeletion(rt, next);
  }

  /** `policy` undefined: none was given, so GC finalizers set by an earlier delete stay. */
  private deleteObject(ks: KindState, current: KubeObject, policy: PropagationPolicy | undefined, gracePeriodSeconds: number | undefined): KubeObject {
    const rt = ks.rt;
    const key = this.objKey(rt, current);
    const now = this.clock.now();
    const isPod = rt.group === '' && rt.kind === 'Pod';
    const wanted = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
    let finalizers = [...(current.metadata.finalizers ?? [])];
    const hasDependents = (this.dependents.get(current.metadata.uid!)?.size ?? 0) > 0;
    // An explicit policy replaces the GC finalizer of an earlier delete, as the registry's
    // deletionFinalizersForGarbageCollection does: "orphan" and "foregroundDeletion" never
    // stand together (the collector would act on one and leave the other forever).
    if (policy) finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    // Orphan/Foreground only matter when there are dependents to orphan or wait for.
    if (wanted && hasDependents && !finalizers.includes(wanted)) finalizers.push(wanted);

    if (rt.group === '' && rt.kind === 'Namespace') {
      if (current.metadata.deletionTimestamp) return current;
      const next = deepClone(current) as Obj;
      next.metadata.deletionTimestamp = rfc3339(now);
      next.metadata.deletionGracePeriodSeconds = 0;
      next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      const stored = this.commit(ks, key, next as KubeObject, 'MODIFIED', current);
      this.enqueue(this.nsQueue, current.metadata.name!);
      return stored;
    }

    if (current.metadata.deletionTimestamp) {
      // Already terminating. A graceful deletion may only be shortened (BeforeDelete): the
      // deletionTimestamp moves by the difference, and grace 0 without finalizers removes the
      // object now (the kubelet's final delete). An explicit propagation policy still swaps the
      // GC finalizer, as the real registry does.
      const oldGrace = current.metadata.deletionGracePeriodSeconds ?? 0;
      const shorten = oldGrace > 0 && gracePeriodSeconds !== undefined && gracePeriodSeconds >= 0 && gracePeriodSeconds < oldGrace;
      const before = current.metadata.finalizers ?? [];
      const finChanged = finalizers.length !== before.length || finalizers.some((f, i) => f !== before[i]);
      if (!shorten && !finChanged) return current;
      const next = withOwnMetadata(current);
      if (shorten) {
        const at = Date.parse(current.metadata.deletionTimestamp) - oldGrace * 1000 + gracePeriodSeconds! * 1000;
        next.metadata.deletionTimestamp = rfc3339(at);
        next.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
      }
      if (finalizers.length) next.metadata.finalizers = finalizers;
      else delete next.metadata.finalizers;
      // Nothing left to wait for (no finalizer, no grace period): the object goes now.
      if (!finalizers.length && (next.metadata.deletionGracePeriodSeconds ?? 0) === 0) return this.remove(ks, key, next, current);
      const stored = this.commit(ks, key, next, 'MODIFIED', current);
      if (finChanged) this.enqueue(this.gcQueue, current.metadata.uid!);
      return stored;
    }

    // Graceful deletion: a running pod on a node is marked and left for its kubelet to finish.
    const spec = current.spec as Obj | undefined;
    const phase = (current.status as Obj | undefined)?.phase;
    const grace = gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
    const graceful = isPod && !!spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed' && grace > 0;

    if (graceful || finalizers.length) {
      const next = withOwnMetadata(current);
      next.metadata.deletionTimestamp = rfc3339(graceful ? now + grace * 1000 : now);
      next.metadata.deletionGracePeriodSeconds = graceful ? grace : 0;
      if (finalizers.length) next.metadata.finalizers = finalizers;
      const stored = this.commit(ks, key, next, 'MODIFIED', current);
      if (wanted || hasDependents) this.enqueue(this.gcQueue, current.metadata.uid!);
      if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') this.enqueue(this.crdQueue, current.metadata.name!);
      return stored;
    }
    return this.remove(ks, key, current, current);
  }

  /** Final removal: DELETED event, then dependents and namespace/CRD cleanup are scheduled. */
  private remove(ks: KindState, key: string, last: KubeObject, prev: KubeObject): KubeObject {
    const gone = last === prev ? withOwnMetadata(last) : last;
    const stored = this.commit(ks, key, gone, 'DELETED', prev);
    const uid = stored.metadata.uid!;
    this.enqueue(this.gcQueue, uid);
    for (const ref of stored.metadata.ownerReferences ?? []) this.enqueue(this.gcQueue, ref.uid);
    const ns = stored.metadata.namespace;
    if (ns) {
      const nsObj = this.peek(this.type('', 'namespaces'), undefined, ns);
      if (nsObj?.metadata.deletionTimestamp) this.enqueue(this.nsQueue, ns);
    }
    if (ks.rt.crd) this.enqueue(this.crdQueue, ks.rt.crd.crdName);
    if (ks.rt.kind === 'CustomResourceDefinition' && ks.rt.group === 'apiextensions.k8s.io') this.unregisterCrd(stored);
    return stored;
  }

  /**
   * The single place where the store changes: assign the resourceVersion, swap the object in
   * the maps and indexes, append to the watch log, schedule delivery.
   */
  private commit(ks: KindState, key: string, obj: KubeObject, type: LogEntry['type'], prev: KubeObject | undefined): KubeObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    if (this.freeze) deepFreeze(obj);
    if (type === 'DELETED') {
      if (prev) this.unindex(ks, key, prev);
      ks.objects.delete(key);
      this.byUid.delete(obj.metadata.uid!);
    } else if (prev) {
      ks.objects.set(key, obj);
      this.reindex(ks, key, prev, obj);
    } else {
      ks.objects.set(key, obj);
      this.index(ks, key, obj);
      this.byUid.set(obj.metadata.uid!, { kind: ks, key });
    }
    ks.log.append({ rv, type, object: obj, prev, at: this.clock.now() });
    if (ks.watchers.length) this.markDirty(ks);
    return obj;
  }

  private index(ks: KindState, key: string, obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    if (ns !== undefined) addTo(ks.byNamespace, ns, key);
    const labels = obj.metadata.labels;
    if (labels) {
      for (const { key: k, byValue } of ks.labelIndexes) {
        const v = labelOf(labels, k);
        if (v !== undefined) addTo(byValue, v, key);
      }
    }
    for (const { path, byValue } of ks.fieldIndexes) addTo(byValue, fieldAt(obj, path), key);
    const refs = obj.metadata.ownerReferences;
    if (refs?.length) {
      const dep = depKey(ks, key);
      for (const ref of refs) addTo(this.dependents, ref.uid, dep);
    }
  }

  private unindex(ks: KindState, key: string, obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    if (ns !== undefined) removeFrom(ks.byNamespace, ns, key);
    const labels = obj.metadata.labels;
    if (labels) {
      for (const { key: k, byValue } of ks.labelIndexes) {
        const v = labelOf(labels, k);
        if (v !== undefined) removeFrom(byValue, v, key);
      }
    }
    for (const { path, byValue } of ks.fieldIndexes) removeFrom(byValue, fieldAt(obj, path), key);
    const refs = obj.metadata.ownerReferences;
    if (refs?.length) {
      const dep = depKey(ks, key);
      for (const ref of refs) removeFrom(this.dependents, ref.uid, dep);
    }
  }

  /** Index changes only: most updates touch status or one label, and the big sets (every pod
   * with node-type=worker, every Pending pod) are costly to leave and re-enter. */
  private reindex(ks: KindState, key: string, prev: KubeObject, obj: KubeObject): void {
    const pl = prev.metadata.labels;
    const nl = obj.metadata.labels;
    if (pl !== nl) {
      for (const { key: k, byValue } of ks.labelIndexes) {
        const a = labelOf(pl, k);
        const b = labelOf(nl, k);
        if (a === b) continue;
        if (a !== undefined) removeFrom(byValue, a, key);
        if (b !== undefined) addTo(byValue, b, key);
      }
    }
    for (const { path, byValue } of ks.fieldIndexes) {
      const a = fieldAt(prev, path);
      const b = fieldAt(obj, path);
      if (a !== b) {
        removeFrom(byValue, a, key);
        addTo(byValue, b, key);
      }
    }
    const pr = prev.metadata.ownerReferences;
    const nr = obj.metadata.ownerReferences;
    if (pr !== nr && !deepEqual(pr, nr)) {
      const dep = depKey(ks, key);
      for (const ref of pr ?? []) removeFrom(this.dependents, ref.uid, dep);
      for (const ref of nr ?? []) addTo(this.dependents, ref.uid, dep);
    }
  }

  private afterOwnerRefsChange(old: KubeObject, next: KubeObject): void {
    const before = new Set((old.metadata.ownerReferences ?? []).map((r) => r.uid));
    for (const r of next.metadata.ownerReferences ?? []) if (!before.has(r.uid) && !this.byUid.has(r.uid)) this.enqueue(this.gcQueue, r.uid);
    // An owner waiting in foreground deletion may have lost its last blocking dependent.
    for (const uid of before) {
      const loc = this.byUid.get(uid);
      if (loc?.kind.objects.get(loc.key)?.metadata.deletionTimestamp) this.enqueue(this.gcQueue, uid);
    }
  }

  // ---------------------------------------------------------------- internals: GC, namespaces, CRDs

  private enqueue(queue: string[], item: string): void {
    queue.push(item);
    if (!this.maintenanceScheduled) {
      this.maintenanceScheduled = true;
      this.defer(() => this.maintain());
    }
  }

  /**
   * The garbage collector, namespace controller and CRD finaliser of a real control plane, run
   * as deferred work after writes. Each pass handles what was queued before it started; work it
   * causes is queued for the next pass, like the controllers' own work queues.
   */
  private maintain(): void {
    this.maintenanceScheduled = false;
    const gc = this.gcQueue.splice(0);
    const nss = this.nsQueue.splice(0);
    const crds = this.crdQueue.splice(0);
    const seen = new Set<string>();
    for (const uid of gc) if (!seen.has(uid)) (seen.add(uid), this.collect(uid));
    for (const ns of new Set(nss)) this.finalizeNamespace(ns);
    for (const crd of new Set(crds)) this.finalizeCrd(crd);
  }

  /** Reconcile one owner uid against its dependents. */
  private collect(ownerUid: string): void {
    const deps = this.dependents.get(ownerUid);
    const loc = this.byUid.get(ownerUid);
    const owner = loc ? loc.kind.objects.get(loc.key) : undefined;
    const finalizers = owner?.metadata.finalizers ?? [];
    if (owner && !owner.metadata.deletionTimestamp) return;
    if (owner && finalizers.includes('orphan')) {
      for (const d of [...(deps ?? [])]) this.rewriteDependent(d, (o) => stripOwner(o, ownerUid));
      this.dropFinalizer(loc!.kind, loc!.key, 'orphan');
      return;
    }
    if (owner && finalizers.includes('foregroundDeletion')) {
      let blocking = 0;
      for (const d of [...(deps ?? [])]) {
        const first = this.resolveDep(d);
        if (first && !first.obj.metadata.deletionTimestamp) this.deleteDependent(first.ks, first.obj, ownerUid, 'Foreground');
        // Count what still blocks after acting: a dependent that another live owner keeps has
        // just lost this reference, and one deleted outright is gone. Nothing else would requeue
        // this owner for those, so counting them would leave it waiting forever.
        const dep = this.resolveDep(d);
        if (dep?.obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.blockOwnerDeletion)) blocking++;
      }
      if (blocking === 0) this.dropFinalizer(loc!.kind, loc!.key, 'foregroundDeletion');
      return;
    }
    if (owner) return; // terminating for another finalizer: dependents stay until it is gone
    for (const d of [...(deps ?? [])]) {
      const dep = this.resolveDep(d);
      if (dep && !dep.obj.metadata.deletionTimestamp) this.deleteDependent(dep.ks, dep.obj, ownerUid, 'Background');
    }
  }

  /**
   * A dependent with another live owner only loses the reference; otherwise it is deleted. Like
   * the real collector, a background deletion honours a GC finalizer the dependent already has.
   */
  private deleteDependent(ks: KindState, obj: KubeObject, ownerUid: string, policy: PropagationPolicy): void {
    const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid && this.liveOwner(r));
    if (others.length) {
      this.rewriteDependent(depKey(ks, this.objKey(ks.rt, obj)), (o) => stripOwner(o, ownerUid));
      return;
    }
    const fins = obj.metadata.finalizers ?? [];
    if (policy === 'Background') policy = fins.includes('orphan') ? 'Orphan' : fins.includes('foregroundDeletion') ? 'Foreground' : 'Background';
    this.deleteObject(ks, obj, policy, undefined);
  }

  /**
   * A "solid" owner in the garbage collector's terms: it exists and is not waiting in foreground
   * deletion for its dependents. An owner terminating for another reason (a finalizer, a grace
   * period) still keeps a shared dependent; it is collected when that owner is finally gone.
   */
  private liveOwner(ref: OwnerReference): boolean {
    const loc = this.byUid.get(ref.uid);
    const o = loc?.kind.objects.get(loc.key);
    return !!o && !(o.metadata.deletionTimestamp && o.metadata.finalizers?.includes('foregroundDeletion'));
  }

  private resolveDep(d: string): { ks: KindState; obj: KubeObject } | undefined {
    const i = d.indexOf('\0');
    const ks = this.kindByKey.get(d.slice(0, i));
    const obj = ks?.objects.get(d.slice(i + 1));
    return ks && obj ? { ks, obj } : undefined;
  }

  private rewriteDependent(d: string, change: (o: KubeObject) => void): void {
    const dep = this.resolveDep(d);
    if (!dep) return;
    const next = withOwnMetadata(dep.obj);
    change(next);
    const key = this.objKey(dep.ks.rt, dep.obj);
    this.commit(dep.ks, key, next, 'MODIFIED', dep.obj);
  }

  private dropFinalizer(ks: KindState, key: string, finalizer: string): void {
    const cur = ks.objects.get(key);
    if (!cur) return;
    const next = withOwnMetadata(cur);
    next.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
    if (this.deletesOnUpdate(ks.rt, cur, next)) this.remove(ks, key, next, cur);
    else this.commit(ks, key, next, 'MODIFIED', cur);
  }

  private finalizeNamespace(name: string): void {
    const nsType = this.type('', 'namespaces');
    const nsKs = this.state(nsType);
    const ns = nsKs.objects.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const ks of this.kinds.values()) {
      if (!ks.rt.namespaced) continue;
      const keys = ks.byNamespace.get(name);
      if (!keys) continue;
      for (const key of [...keys]) {
        const obj = ks.objects.get(key);
        if (!obj) continue;
        remaining++;
        if (!obj.metadata.deletionTimestamp) this.deleteObject(ks, obj, 'Background', undefined);
      }
    }
    if (remaining > 0) {
      // Re-check after this pass's deletions: objects deleted outright are gone now.
      let left = 0;
      for (const ks of this.kinds.values()) if (ks.rt.namespaced) left += ks.byNamespace.get(name)?.size ?? 0;
      if (left > 0) return;
    }
    const next = deepClone(ns) as Obj;
    next.spec = { ...(next.spec ?? {}), finalizers: [] };
    const gone = next as KubeObject;
    if (gone.metadata.finalizers?.length) this.commit(nsKs, name, gone, 'MODIFIED', ns);
    else this.remove(nsKs, name, gone, ns);
  }

  private prepareCrd(crd: KubeObject): void {
    const fins = crd.metadata.finalizers ?? [];
    if (!fins.includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...fins, CRD_CLEANUP_FINALIZER];
  }

  /** Serve (or re-serve) the kind a stored CRD defines and mark it Established. */
  private establishCrd(crd: KubeObject): KubeObject {
    const rt = resourceTypeFromCrd(crd);
    const existing = this.registry.find(rt.group, rt.plural);
    const conflict = crdNameConflict(existing, this.registry.findKind(rt.group, rt.kind), crd.metadata.name!);
    const crdKs = this.state(this.type('apiextensions.k8s.io', 'customresourcedefinitions'));
    if (conflict) {
      // Not an error for the write (the CRD is stored either way, as by kube-apiserver), and
      // nothing is (re)registered: the resource already served under these names stays as is.
      const status = namesNotAcceptedStatus(crd, rfc3339(this.clock.now()), conflict);
      if (crd.status && deepEqual(stripTimes(crd.status as Obj), stripTimes(status))) return crd;
      return this.commit(crdKs, crd.metadata.name!, { ...deepClone(crd), status } as KubeObject, 'MODIFIED', crd);
    }
    if (existing) {
      this.registry.replace(rt);
      const ks = this.kinds.get(existing);
      if (ks) {
        this.kinds.delete(existing);
        ks.rt = rt;
        this.kinds.set(rt, ks);
      }
    } else this.registry.add(rt);
    const status = establishedStatus(crd, rfc3339(this.clock.now()));
    const prevStatus = crd.status as Obj | undefined;
    if (prevStatus && deepEqual(stripTimes(prevStatus), stripTimes(status))) return crd;
    const next = { ...deepClone(crd), status } as KubeObject;
    return this.commit(crdKs, crd.metadata.name!, next, 'MODIFIED', crd);
  }

  private finalizeCrd(crdName: string): void {
    const crdKs = this.state(this.type('apiextensions.k8s.io', 'customresourcedefinitions'));
    const crd = crdKs.objects.get(crdName);
    if (!crd?.metadata.deletionTimestamp) return;
    const spec = crd.spec as Obj;
    const rt = this.registry.find(spec.group, spec.names.plural);
    // Only this CRD's own objects: a CRD whose names were refused must not take the objects of
    // the resource that holds them.
    const ks = rt?.crd?.crdName === crdName ? this.kinds.get(rt) : undefined;
    if (ks && ks.objects.size) {
      for (const [, obj] of [...ks.objects]) if (!obj.metadata.deletionTimestamp) this.deleteObject(ks, obj, 'Background', undefined);
      if (ks.objects.size) return;
    }
    this.dropFinalizer(crdKs, crdName, CRD_CLEANUP_FINALIZER);
  }

  private unregisterCrd(crd: KubeObject): void {
    const spec = crd.spec as Obj;
    const rt = this.registry.find(spec.group, spec.names.plural);
    if (!rt?.crd || rt.crd.crdName !== crd.metadata.name) return;
    this.registry.remove(spec.group, spec.names.plural);
    const ks = this.kinds.get(rt);
    if (ks) {
      for (const w of [...ks.watchers]) {
        this.stopWatcher(w);
        w.listener.closed();
      }
      this.kinds.delete(rt);
      this.kindByKey.delete(kindKey(rt));
    }
  }

  private requireNamespaceAccepting(ns: string): void {
    const nsObj = this.peek(this.type('', 'namespaces'), undefined, ns);
    if (!nsObj) throw errors.notFound('namespaces', '', ns);
    if (nsObj.metadata.deletionTimestamp)
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, { name: ns, kind: 'namespaces' });
  }

  // ---------------------------------------------------------------- internals: reads and watch delivery

  private readonly kindByKey = new Map<string, KindState>();

  private state(rt: ResourceType): KindState {
    let ks = this.kinds.get(rt);
    if (!ks) {
      ks = new KindState(rt, this.window);
      this.kinds.set(rt, ks);
      this.kindByKey.set(kindKey(rt), ks);
    }
    return ks;
  }

  private key(rt: ResourceType, namespace: string | undefined, name: string): string {
    return rt.namespaced ? `${namespace || 'default'}/${name}` : name;
  }

  private objKey(rt: ResourceType, obj: KubeObject): string {
    return this.key(rt, obj.metadata.namespace, obj.metadata.name!);
  }

  private mustGet(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.state(rt).objects.get(this.key(rt, namespace, name));
    if (!obj) throw errors.notFound(rt.plural, rt.group, name);
    return obj;
  }

  private fieldSelector(rt: ResourceType, sel: string | FieldSelector | undefined): FieldSelector | undefined {
    if (sel === undefined || typeof sel !== 'string') return sel;
    return parseFieldSelector(sel, ['metadata.name', 'metadata.namespace', ...rt.fieldLabels]);
  }

  /** The smallest candidate key set the indexes can give for this query. */
  private candidates(ks: KindState, ns: string | undefined, labels: LabelSelector | undefined, fields: FieldSelector | undefined): Iterable<string> {
    let best: Iterable<string> = ks.objects.keys();
    let bestSize = ks.objects.size;
    const consider = (set: Set<string> | undefined, size = set?.size ?? 0) => {
      if (size < bestSize) {
        best = set ?? [];
        bestSize = size;
      }
    };
    if (ns !== undefined) consider(ks.byNamespace.get(ns));
    const fr = fields ? indexableFieldRequirement(fields) : undefined;
    if (fr) {
      if (fr.field === 'metadata.name') {
        const key = ks.rt.namespaced ? (ns !== undefined ? `${ns}/${fr.value}` : undefined) : fr.value;
        if (key !== undefined) consider(ks.objects.has(key) ? new Set([key]) : new Set());
      } else if (ks.fieldIndex.has(fr.field)) consider(ks.fieldIndex.get(fr.field)!.get(fr.value));
    }
    const lr = labels ? indexableRequirement(labels) : undefined;
    if (lr) {
      const byValue = this.labelIndexFor(ks, lr.key);
      if (lr.op === 'eq') consider(byValue.get(lr.values[0]));
      else {
        const values = lr.op === 'in' ? lr.values : [...byValue.keys()];
        let size = 0;
        for (const v of values) size += byValue.get(v)?.size ?? 0;
        if (size < bestSize) {
          const union = new Set<string>();
          for (const v of values) for (const k of byValue.get(v) ?? []) union.add(k);
          consider(union);
        }
      }
    }
    return best;
  }

  /**
   * Label indexes are built on the first query that can use a key, then kept up to date on every
   * write. Indexing every label of every object made writes pay for keys nobody selects on
   * (app.kubernetes.io/created-by...); a real API server's watch cache also indexes only what it
   * is asked to.
   */
  private labelIndexFor(ks: KindState, labelKey: string): Map<string, Set<string>> {
    let byValue = ks.labelIndex.get(labelKey);
    if (!byValue) {
      byValue = new Map();
      for (const [key, o] of ks.objects) {
        const v = labelOf(o.metadata.labels, labelKey);
        if (v !== undefined) addTo(byValue, v, key);
      }
      ks.labelIndex.set(labelKey, byValue);
      ks.labelIndexes.push({ key: labelKey, byValue });
    }
    return byValue;
  }

  private matches(o: KubeObject, ns: string | undefined, labels: LabelSelector | undefined, fields: FieldSelector | undefined): boolean {
    if (ns !== undefined && o.metadata.namespace !== ns) return false;
    if (labels && !matchesLabels(labels, o.metadata.labels)) return false;
    if (fields && !matchesFields(fields, o)) return false;
    return true;
  }

  private markDirty(ks: KindState): void {
    this.dirtyKinds.add(ks);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.defer(() => this.flush());
    }
  }

  /** Deliver what each watcher has not seen yet, in log order. */
  private flush(): void {
    this.flushScheduled = false;
    const kinds = [...this.dirtyKinds];
    this.dirtyKinds.clear();
    for (const ks of kinds) {
      for (const w of [...ks.watchers]) this.deliver(w);
    }
  }

  private deliver(w: Watcher): void {
    const ks = w.kind;
    if (w.stopped) return;
    if (w.paused) {
      // A consumer that stopped reading is closed once the window passes it (as the resumed
      // path below would), so it never pins anything and writers never wait for it.
      if (w.next < ks.log.start) {
        this.stopWatcher(w);
        w.listener.closed(errors.gone('too old resource version: the watch fell behind the retained window'));
      }
      return;
    }
    if (w.initial) {
      const initial = w.initial;
      w.initial = undefined;
      for (let i = 0; i < initial.length; i++) {
        if (w.stopped) return;
        if (w.listener.event({ type: 'ADDED', object: initial[i] }) === false) {
          // Keep the rest for when the consumer has drained. Backpressure on the last initial
          // event holds the changes that follow just the same.
          if (i + 1 < initial.length) w.initial = initial.slice(i + 1);
          w.paused = true;
          return;
        }
      }
    }
    const log = ks.log;
    if (w.next < log.start) {
      this.stopWatcher(w);
      w.listener.closed(errors.gone('too old resource version: the watch fell behind the retained window'));
      return;
    }
    while (w.next < log.end && !w.paused && !w.stopped) {
      const e = log.at(w.next++);
      const ev = this.filterEvent(w, e);
      if (!ev) continue;
      if (!w.exemptFromFaults && this.faults.dropWatch()) {
        this.stopWatcher(w);
        w.listener.closed();
        return;
      }
      if (w.listener.event(ev) === false) w.paused = true;
    }
    if (w.pendingBookmark && !w.paused && !w.stopped) {
      w.pendingBookmark = false;
      const rt = ks.rt;
      const ev: WatchEvent = { type: 'BOOKMARK', object: { apiVersion: apiVersionOf(rt), kind: rt.kind, metadata: { resourceVersion: this.resourceVersion } } };
      if (w.listener.event(ev) === false) w.paused = true;
    }
  }

  private filterEvent(w: Watcher, e: LogEntry): WatchEvent | undefined {
    const selective = w.ns !== undefined || w.labels !== undefined || w.fields !== undefined;
    // One event object per change, shared by every unselective watcher.
    if (!selective) return (e.event ??= { type: e.type, object: e.object });
    const cur = this.matches(e.object, w.ns, w.labels, w.fields);
    if (e.type === 'DELETED' && e.prev && !cur) {
      // Like the watch cache, a deletion is filtered on the version watchers last saw: a final
      // write (dropping the last finalizer) that also changed labels must still reach them.
      if (!this.matches(e.prev, w.ns, w.labels, w.fields)) return undefined;
      return { type: 'DELETED', object: { ...e.prev, metadata: { ...e.prev.metadata, resourceVersion: e.object.metadata.resourceVersion } } };
    }
    if (e.type !== 'MODIFIED' || !e.prev) return cur ? { type: e.type, object: e.object } : undefined;
    const was = this.matches(e.prev, w.ns, w.labels, w.fields);
    if (cur && was) return { type: 'MODIFIED', object: e.object };
    if (cur) return { type: 'ADDED', object: e.object };
    if (was) {
      // Left the selection: the watcher sees it deleted, at this change's resourceVersion.
      const gone = { ...e.prev, metadata: { ...e.prev.metadata, resourceVersion: e.object.metadata.resourceVersion } };
      return { type: 'DELETED', object: gone };
    }
    return undefined;
  }

  private stopWatcher(w: Watcher): void {
    if (w.stopped) return;
    w.stopped = true;
    const list = w.kind.watchers;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
  }

  /** Counts for benchmarks and debugging. */
  stats(): { resourceVersion: number; objects: number; watchers: number; kinds: number } {
    let objects = 0;
    let watchers = 0;
    for (const ks of this.kinds.values()) {
      objects += ks.objects.size;
      watchers += ks.watchers.length;
    }
    return { resourceVersion: this.rv, objects, watchers, kinds: this.kinds.size };
  }
}

// ---------------------------------------------------------------- helpers

function addTo(map: Map<string, Set<string>>, k: string, v: string): void {
  let s = map.get(k);
  if (!s) map.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(map: Map<string, Set<string>>, k: string, v: string): void {
  const s = map.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) map.delete(k);
}

function labelOf(labels: Record<string, string> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

function kindKey(rt: ResourceType): string {
  return groupResource(rt);
}

function depKey(ks: KindState, key: string): string {
  return `${kindKey(ks.rt)}\0${key}`;
}

function fieldAt(obj: KubeObject, path: string[]): string {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Obj)[p];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/** Whether everything but metadata and status (what bumps metadata.generation) is unchanged. */
function sameSpec(a: KubeObject, b: KubeObject): boolean {
  let na = 0;
  for (const k in a) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind' || a[k] === undefined) continue;
    na++;
    if (!deepEqual(a[k], b[k])) return false;
  }
  let nb = 0;
  for (const k in b) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind' && b[k] !== undefined) nb++;
  return na === nb;
}

function stripOwner(o: KubeObject, uid: string): void {
  const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
  if (refs.length) o.metadata.ownerReferences = refs;
  else delete o.metadata.ownerReferences;
}

function stripTimes(status: Obj): Obj {
  return { ...status, conditions: ((status.conditions ?? []) as Obj[]).map(({ lastTransitionTime: _t, ...c }) => c) };
}

function objectSortKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

function byKey(a: KubeObject, b: KubeObject): number {
  const ka = objectSortKey(a);
  const kb = objectSortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function encodeContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, k: lastKey })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed?.v === 1 && typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through
  }
  throw errors.badRequest(`invalid continue token: "${token}"`);
}

/** A CRD's group and scope are immutable: stored objects are keyed by them. */
function checkCrdUpdate(old: KubeObject, next: KubeObject): void {
  const causes: StatusCause[] = [];
  for (const f of ['group', 'scope'] as const) {
    const was = (old.spec as Obj | undefined)?.[f];
    const now = (next.spec as Obj | undefined)?.[f];
    if (was !== now) causes.push({ reason: 'FieldValueInvalid', field: `spec.${f}`, message: `Invalid value: ${JSON.stringify(now ?? '')}: field is immutable` });
  }
  if (causes.length) throw errors.invalid('CustomResourceDefinition', 'apiextensions.k8s.io', next.metadata.name!, causes);
}

/** Pods may change only images, activeDeadlineSeconds, tolerations (additions) and scheduling gates. */
function checkPodUpdate(old: KubeObject, next: KubeObject): void {
  const strip = (spec: Obj | undefined): Obj => {
    const s = deepClone(spec ?? {}) as Obj;
    for (const list of ['containers', 'initContainers', 'ephemeralContainers'])
      for (const c of (s[list] ?? []) as Obj[]) delete c.image;
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    delete s.schedulingGates;
    return s;
  };
  if (!deepEqual(strip(old.spec as Obj), strip(next.spec as Obj)))
    throw errors.invalid('Pod', '', next.metadata.name!, [
      {
        reason: 'FieldValueForbidden',
        field: 'spec',
        message:
          'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      },
    ]);
}

export type { Verb };

/**
 * A new version of a stored object that changes metadata only: metadata is copied, the rest is
 * shared with the stored version. Stored objects are never mutated (watch events and informer
 * caches share them), so versions may share whatever did not change; a whole-object copy made
 * deleting a RayCluster's hundred pods copy a hundred pod specs.
 */
function withOwnMetadata(obj: KubeObject): KubeObject {
  return { ...obj, metadata: deepClone(obj.metadata) };
}
