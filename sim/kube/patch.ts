// The three PATCH flavours of the Kubernetes API, as pure functions over plain JSON values:
//   - JSON merge patch (RFC 7386)          application/merge-patch+json
//   - JSON patch (RFC 6902)                application/json-patch+json     (via fast-json-patch)
//   - strategic merge patch (Kubernetes)   application/strategic-merge-patch+json
// None of these functions mutates its arguments, and results share no objects with them.
//
// Error mapping mirrors k8s.io/apiserver/pkg/endpoints/handlers/patch.go: an undecodable body is
// 400 BadRequest, a JSON patch that cannot be applied is 422 Invalid, and strategic merge patch on
// a custom resource is 415 UnsupportedMediaType.

import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, errors } from '../../controller/runtime/api-error.js';
import type { PatchType } from '../../controller/runtime/kube-object.js';

type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Small JSON helpers. Own-property reads/writes only, so a key such as "__proto__" in a request
// body is treated as data and can never reach an object's prototype.

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function has(o: JsonObject, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function get(o: JsonObject, k: string): unknown {
  return has(o, k) ? o[k] : undefined;
}

function set(o: JsonObject, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function clone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    const x = (v as JsonObject)[k];
    if (x !== undefined) set(out, k, clone(x));
  }
  return out as T;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as JsonObject)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as JsonObject)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => has(b as JsonObject, k) && jsonEqual((a as JsonObject)[k], (b as JsonObject)[k]));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

/** RFC 7386: objects merge recursively, `null` deletes a key, anything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === undefined) continue;
    if (pv === null) delete out[k];
    else set(out, k, applyMergePatch(get(out, k), pv));
  }
  return out;
}

/**
 * The smallest RFC 7386 patch that turns `original` into `modified`: changed keys carry their new
 * value, removed keys carry null, unchanged keys are left out. Merge patch cannot express "set this
 * key to null", so null members of `modified` come out as deletions.
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObject(modified) || !isObject(original)) return clone(modified);
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) {
    if (original[k] !== undefined && get(modified, k) === undefined) set(patch, k, null);
  }
  for (const k of Object.keys(modified)) {
    const mv = modified[k];
    if (mv === undefined) continue;
    const ov = get(original, k);
    if (ov === undefined) {
      set(patch, k, clone(mv));
    } else if (isObject(ov) && isObject(mv)) {
      const sub = createMergePatch(ov, mv);
      if (isObject(sub) && Object.keys(sub).length > 0) set(patch, k, sub);
    } else if (!jsonEqual(ov, mv)) {
      set(patch, k, clone(mv));
    }
  }
  return patch;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch

const JSON_PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function jsonPatchInvalid(index: number, op: unknown, why: string): ApiError {
  const o = isObject(op) ? op : {};
  const name = typeof o.op === 'string' ? o.op : brief(o.op);
  const path = typeof o.path === 'string' ? o.path : brief(o.path);
  const from = typeof o.from === 'string' ? ` from "${o.from}"` : '';
  return new ApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: json patch operation ${index} (${name}) on path "${path}"${from}: ${why}`,
    { causes: [{ reason: 'FieldValueInvalid', message: why, field: `[${index}]` }] },
  );
}

/**
 * RFC 6902 JSON patch via fast-json-patch. A body that is not an array of objects is 400
 * BadRequest (it does not decode); an operation that cannot be applied - unknown op, missing path,
 * failed `test` - is 422 Invalid naming the operation's index and path, like kube-apiserver.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw errors.badRequest(`json patch must be a JSON array of operations, got ${describe(ops)}`);
  }
  ops.forEach((op, i) => {
    if (!isObject(op)) throw errors.badRequest(`json patch operation ${i} must be a JSON object, got ${describe(op)}`);
  });
  ops.forEach((op: JsonObject, i) => {
    if (typeof op.op !== 'string' || !JSON_PATCH_OPS.has(op.op)) throw jsonPatchInvalid(i, op, `unexpected operation kind ${brief(op.op)}`);
  });
  // Work on private copies: fast-json-patch inserts `value` objects by reference.
  const doc = clone(target);
  const seq = clone(ops) as Operation[];
  try {
    return jsonpatch.applyPatch(doc, seq, true, true, true).newDocument;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError) {
      const index = typeof e.index === 'number' ? e.index : 0;
      const first = e.message.split('\n')[0] ?? e.name;
      const why = e.name === 'TEST_OPERATION_FAILED' ? `test failed: value at path does not equal ${brief((ops[index] as JsonObject).value)}` : first;
      throw jsonPatchInvalid(index, ops[index], why);
    }
    throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes strategic merge patch

/**
 * How a list field merges under strategic merge patch. This table mirrors the
 * `patchStrategy:"merge" patchMergeKey:"..."` struct tags of k8s.io/api (core/v1, apps/v1,
 * batch/v1, meta/v1) for the fields the simulator's objects use. Rules apply by field name wherever
 * the field occurs; `kinds`/`parentPath` narrow a rule where one name means different things
 * (Service `spec.ports` merge on `port`, container `ports` on `containerPort`). The first matching
 * rule wins. A rule without `mergeKey` is a set of scalars merged by value (ObjectMeta.finalizers).
 * A list field with no rule is atomic: the patch list replaces the live list. That includes, as in
 * k8s.io/api, `tolerations`, `args`, `command`, `envFrom`, `taints` and `containerStatuses`.
 */
export interface StrategicListRule {
  field: string;
  /** Key identifying list elements; absent for a list of scalars merged by value. */
  mergeKey?: string;
  /** Only for objects of these kinds. */
  kinds?: readonly string[];
  /** Only where the list's parent is at this dotted path of field names (list elements add nothing). */
  parentPath?: string;
  /** The Go field the rule comes from. */
  source: string;
}

export const STRATEGIC_MERGE_LIST_RULES: readonly StrategicListRule[] = [
  // meta/v1 ObjectMeta
  { field: 'ownerReferences', mergeKey: 'uid', source: 'ObjectMeta.OwnerReferences' },
  { field: 'finalizers', source: 'ObjectMeta.Finalizers (patchStrategy merge, list of strings)' },
  // core/v1 PodSpec
  { field: 'containers', mergeKey: 'name', source: 'PodSpec.Containers' },
  { field: 'initContainers', mergeKey: 'name', source: 'PodSpec.InitContainers' },
  { field: 'ephemeralContainers', mergeKey: 'name', source: 'PodSpec.EphemeralContainers' },
  { field: 'volumes', mergeKey: 'name', source: 'PodSpec.Volumes (merge,retainKeys)' },
  { field: 'imagePullSecrets', mergeKey: 'name', source: 'PodSpec.ImagePullSecrets' },
  { field: 'hostAliases', mergeKey: 'ip', source: 'PodSpec.HostAliases' },
  { field: 'topologySpreadConstraints', mergeKey: 'topologyKey', source: 'PodSpec.TopologySpreadConstraints' },
  { field: 'resourceClaims', mergeKey: 'name', source: 'PodSpec.ResourceClaims (merge,retainKeys)' },
  { field: 'schedulingGates', mergeKey: 'name', source: 'PodSpec.SchedulingGates' },
  // core/v1 Container
  { field: 'env', mergeKey: 'name', source: 'Container.Env' },
  { field: 'volumeMounts', mergeKey: 'mountPath', source: 'Container.VolumeMounts' },
  { field: 'volumeDevices', mergeKey: 'devicePath', source: 'Container.VolumeDevices' },
  // core/v1 ServiceSpec.Ports before the generic Container.Ports rule
  { field: 'ports', mergeKey: 'port', kinds: ['Service'], parentPath: 'spec', source: 'ServiceSpec.Ports' },
  { field: 'ports', mergeKey: 'containerPort', source: 'Container.Ports' },
  // status conditions: PodStatus, NodeStatus, NamespaceStatus, Deployment/ReplicaSet/StatefulSet/DaemonSet/Job status
  { field: 'conditions', mergeKey: 'type', source: '*Status.Conditions' },
  { field: 'podIPs', mergeKey: 'ip', source: 'PodStatus.PodIPs' },
  { field: 'hostIPs', mergeKey: 'ip', source: 'PodStatus.HostIPs' },
  // core/v1 Node
  { field: 'addresses', mergeKey: 'type', kinds: ['Node'], parentPath: 'status', source: 'NodeStatus.Addresses' },
  { field: 'podCIDRs', kinds: ['Node'], parentPath: 'spec', source: 'NodeSpec.PodCIDRs (list of strings)' },
  // core/v1 ServiceAccount
  { field: 'secrets', mergeKey: 'name', kinds: ['ServiceAccount'], parentPath: '', source: 'ServiceAccount.Secrets' },
];

interface SmpContext {
  kind: string;
  /** Field names from the root to the current map; list elements add no segment. */
  path: readonly string[];
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

function listRule(field: string, ctx: SmpContext): StrategicListRule | undefined {
  const parent = ctx.path.join('.');
  return STRATEGIC_MERGE_LIST_RULES.find(
    (r) => r.field === field && (!r.kinds || r.kinds.includes(ctx.kind)) && (r.parentPath === undefined || r.parentPath === parent),
  );
}

function child(ctx: SmpContext, field: string): SmpContext {
  return { kind: ctx.kind, path: [...ctx.path, field] };
}

function smpBadRequest(message: string): ApiError {
  return errors.badRequest(message);
}

/** A patch value landing where the live object has nothing (or something of another type): strip directives and nulls. */
function smpClean(v: unknown, field: string | undefined, ctx: SmpContext): unknown {
  if (isObject(v)) return smpMap({}, v, ctx);
  if (Array.isArray(v)) {
    const rule = field === undefined ? undefined : listRule(field, { kind: ctx.kind, path: ctx.path.slice(0, -1) });
    if (rule) return smpList([], v, rule, ctx);
    return v.map((x) => smpClean(x, undefined, ctx));
  }
  return v;
}

function smpMap(original: JsonObject, patch: JsonObject, ctx: SmpContext): JsonObject {
  const directive = get(patch, DIRECTIVE);
  if (directive !== undefined) {
    if (directive === 'replace') {
      const rest: JsonObject = {};
      for (const k of Object.keys(patch)) if (k !== DIRECTIVE) set(rest, k, patch[k]);
      return smpMap({}, rest, ctx);
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw smpBadRequest(`unknown patch type: ${brief(directive)} in map: ${brief(patch)}`);
  }

  const out: JsonObject = { ...original };

  // $retainKeys: drop live keys not listed; every non-null patch key must be listed.
  if (has(patch, RETAIN_KEYS)) {
    const retain = patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw smpBadRequest('invalid patch format of retainKeys');
    const keep = new Set(retain);
    for (const k of Object.keys(patch)) {
      if (k === RETAIN_KEYS || k === DIRECTIVE || patch[k] === null) continue;
      if (k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
      if (!keep.has(k)) throw smpBadRequest('invalid patch format of retainKeys');
    }
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }

  // $setElementOrder/<field>: merge the field's list (if patched) and then enforce the given order.
  const ordered = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const order = patch[key];
    if (!field || !Array.isArray(order)) throw smpBadRequest('invalid patch format of setElementOrder list');
    const rule = listRule(field, ctx);
    const fctx = child(ctx, field);
    const live = get(out, field);
    const patched = get(patch, field);
    // An atomic list, or a list being deleted or replaced by a non-list, is left to the main loop.
    if (!rule || (patched !== undefined && !Array.isArray(patched))) continue;
    const liveList = Array.isArray(live) ? live : undefined;
    if (!liveList && patched === undefined) continue;
    const merged = patched === undefined ? liveList! : smpList(liveList ?? [], patched as unknown[], rule, fctx);
    set(out, field, normalizeOrder(merged, order, liveList ?? [], rule.mergeKey));
    ordered.add(field);
  }

  const deletions: [string, unknown][] = [];
  for (const k of Object.keys(patch)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ELEMENT_ORDER) || ordered.has(k)) continue;
    const pv = patch[k];
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deletions.push([k, pv]);
      continue;
    }
    if (pv === undefined) continue;
    if (pv === null) {
      delete out[k];
      continue;
    }
    const cur = get(out, k);
    const fctx = child(ctx, k);
    if (isObject(cur) && isObject(pv)) {
      set(out, k, smpMap(cur, pv, fctx));
    } else if (Array.isArray(cur) && Array.isArray(pv)) {
      const rule = listRule(k, ctx);
      set(out, k, rule ? smpList(cur, pv, rule, fctx) : smpClean(pv, undefined, fctx));
    } else {
      set(out, k, smpClean(pv, k, fctx));
    }
  }

  // $deleteFromPrimitiveList/<field>: remove these scalars from the live list.
  for (const [key, values] of deletions) {
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    if (!field || !Array.isArray(values)) throw smpBadRequest('invalid patch format of primitive list');
    const live = get(out, field);
    if (Array.isArray(live)) set(out, field, live.filter((x) => !values.some((d) => d === x)));
  }
  return out;
}

function sameElement(a: unknown, b: unknown, mergeKey: string | undefined): boolean {
  if (mergeKey === undefined) return a === b;
  return isObject(a) && isObject(b) && has(a, mergeKey) && has(b, mergeKey) && a[mergeKey] === b[mergeKey];
}

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string | undefined): number {
  return list.findIndex((x) => sameElement(x, item, mergeKey));
}

function stableSortBy(items: unknown[], order: readonly unknown[], mergeKey: string | undefined): unknown[] {
  return items
    .map((item, i) => ({ item, i, at: indexIn(order, item, mergeKey) }))
    .sort((a, b) => (a.at < 0 ? Infinity : a.at) - (b.at < 0 ? Infinity : b.at) || a.i - b.i)
    .map((x) => x.item);
}

/**
 * Kubernetes' normalizeElementOrder: elements named in `patchOrder` come in that order; elements
 * only on the server keep their live order and are interleaved where the live list had them.
 */
function normalizeOrder(merged: readonly unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string | undefined): unknown[] {
  const fromPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const x of merged) (indexIn(patchOrder, x, mergeKey) >= 0 ? fromPatch : serverOnly).push(x);
  const right = stableSortBy(fromPatch, patchOrder, mergeKey);
  const left = stableSortBy(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function smpList(original: readonly unknown[], patch: readonly unknown[], rule: StrategicListRule, ctx: SmpContext): unknown[] {
  if (original.length === 0 && patch.length === 0) return [];
  const all = [...original, ...patch];
  if (all.some((x) => Array.isArray(x))) throw new ApiError(422, 'Invalid', `lists of lists are not supported (field ${rule.field})`);
  const maps = all.filter(isObject).length;
  if (maps !== 0 && maps !== all.length) throw smpBadRequest(`list element types are not identical in field ${rule.field}`);

  if (maps === 0) {
    // A set of scalars: union, patch elements in patch order, live-only ones where they were.
    const merged: unknown[] = [];
    for (const x of all) if (!merged.includes(x)) merged.push(x);
    return normalizeOrder(merged, patch, original, undefined);
  }

  const key = rule.mergeKey;
  if (key === undefined) throw smpBadRequest(`cannot merge lists without merge key for ${rule.field}`);

  // Directive elements: {key: v, $patch: delete} removes matching live elements; {$patch: replace}
  // makes the rest of the patch list replace the live list.
  let live = [...original] as JsonObject[];
  const items: JsonObject[] = [];
  let replace = false;
  for (const p of patch as JsonObject[]) {
    const directive = get(p, DIRECTIVE);
    if (directive === undefined) {
      items.push(p);
    } else if (directive === 'delete') {
      if (!has(p, key)) throw smpBadRequest(`map: ${brief(p)} does not contain declared merge key: ${key}`);
      live = live.filter((x) => !sameElement(x, p, key));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const rest: JsonObject = {};
      for (const k of Object.keys(p)) if (k !== DIRECTIVE) set(rest, k, p[k]);
      if (Object.keys(rest).length > 0) items.push(rest);
    } else {
      throw smpBadRequest(`unknown patch type: ${brief(directive)} in map: ${brief(p)}`);
    }
  }
  if (replace) return items.map((x) => smpMap({}, x, ctx));

  const merged: unknown[] = [...live];
  for (const p of items) {
    if (!has(p, key)) throw smpBadRequest(`map: ${brief(p)} does not contain declared merge key: ${key}`);
    const at = indexIn(merged, p, key);
    if (at >= 0) merged[at] = smpMap(merged[at] as JsonObject, p, ctx);
    else merged.push(smpMap({}, p, ctx));
  }
  return normalizeOrder(merged, items, live, key);
}

/**
 * Kubernetes strategic merge patch for built-in kinds: maps merge recursively, `null` deletes,
 * lists listed in STRATEGIC_MERGE_LIST_RULES merge by their key (or by value for scalar sets),
 * other lists are replaced. Honours `$patch: replace|delete|merge` in maps and list elements,
 * `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`, which
 * kubectl sends, and never leaves a directive in the result. Like kube-apiserver, a new list
 * element is placed before the live-only elements unless `$setElementOrder` says otherwise.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  if (!isObject(patch)) throw smpBadRequest(`strategic merge patch must be a JSON object, got ${describe(patch)}`);
  const ctx: SmpContext = { kind, path: [] };
  return smpMap(isObject(target) ? clone(target) : {}, clone(patch), ctx);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

export interface ApplyPatchOptions {
  kind: string;
  isCustomResource: boolean;
}

/** Applies a PATCH body of the given flavour; see the per-flavour functions for semantics and errors. */
export function applyPatch(type: PatchType, target: unknown, patchBody: unknown, opts: ApplyPatchOptions): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(target, patchBody);
    case 'merge':
      if (!isObject(patchBody)) throw errors.badRequest(`merge patch must be a JSON object, got ${describe(patchBody)}`);
      return applyMergePatch(target, patchBody);
    case 'strategic':
      // Custom resources have no Go struct tags to drive a strategic merge.
      if (opts.isCustomResource) throw errors.unsupportedMediaType(`strategic merge patch is not supported for ${opts.kind}`);
      return applyStrategicMergePatch(target, patchBody, opts.kind);
    default:
      throw errors.unsupportedMediaType(`unsupported patch type ${JSON.stringify(type)}`);
  }
}

/** Maps a request Content-Type to a patch flavour ('apply' for server-side apply); parameters are ignored. */
export function contentTypeToPatchType(contentType: string): PatchType | 'apply' | undefined {
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  switch (media) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      return undefined;
  }
}
