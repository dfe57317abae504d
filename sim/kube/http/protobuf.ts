// Just enough of the Kubernetes protobuf wire format to accept what kubectl's typed clients send.
// kubectl's generators (`kubectl create namespace|configmap|secret|serviceaccount|priorityclass|
// role|rolebinding|clusterrole|clusterrolebinding`) always POST `application/vnd.kubernetes.protobuf`
// and never fall back to JSON, so a JSON-only server breaks them. Responses stay JSON (kubectl
// accepts both). Kinds without a schema here get 415 with a hint to use a manifest instead.
//
// Wire format: the magic "k8s\0", then a runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2},
// raw=2, contentEncoding=3, contentType=4} whose raw holds the object. Field numbers are from
// k8s.io/api and k8s.io/apimachinery generated.proto. The Go structs are proto2 with non-pointer
// fields, so zero values ("" / 0 / false / empty messages) are on the wire even where the JSON
// form omits them; fields marked `keep` are not omitempty in JSON (or are pointers: set means set).
//
// protobufjs does the wire decoding (from the reflection schema below); this module only turns
// the decoded messages into the JSON form the rest of raysim stores, applying those rules.

import protobuf from 'protobufjs';
import type { IField, IMapField, Message } from 'protobufjs';
import { ApiError, errors } from '../../../controller/runtime/api-error.js';

// ---------------------------------------------------------------------------------------------
// Schema: protobufjs JSON descriptors, one message per Go type, fields named as in JSON.

/**
 * raysim's own annotations, carried as protobufjs field options and read back by toJson:
 * `keep`: keep zero values (the JSON field has no omitempty, or is a pointer);
 * `ignore`: read and drop (managedFields, status: the server owns these). Ignored fields are
 * declared as `bytes` so protobufjs skips over them without looking inside.
 */
interface Annotations {
  keep?: true;
  ignore?: true;
}
const KEEP: Annotations = { keep: true };
const IGNORE: Annotations = { ignore: true };

const one = (id: number, type: string, options?: Annotations): IField => ({ id, type, ...(options && { options }) });
const many = (id: number, type: string, options?: Annotations): IField => ({ id, type, rule: 'repeated', ...(options && { options }) });
const strMap = (id: number, type: 'string' | 'bytes' = 'string'): IMapField => ({ id, keyType: 'string', type });

const SCHEMA: Record<string, Record<string, IField>> = {
  // k8s.io/apimachinery/pkg/runtime: the envelope around every object.
  Unknown: { typeMeta: one(1, 'TypeMeta'), raw: one(2, 'bytes'), contentEncoding: one(3, 'string'), contentType: one(4, 'string') },
  TypeMeta: { apiVersion: one(1, 'string'), kind: one(2, 'string') },

  // k8s.io/apimachinery/pkg/apis/meta/v1
  /** metav1.Time: a message on the wire, an RFC 3339 string in JSON (see toJson). */
  Time: { seconds: one(1, 'int64'), nanos: one(2, 'int32') },
  ObjectMeta: {
    name: one(1, 'string'),
    generateName: one(2, 'string'),
    namespace: one(3, 'string'),
    selfLink: one(4, 'string'),
    uid: one(5, 'string'),
    resourceVersion: one(6, 'string'),
    generation: one(7, 'int64'),
    creationTimestamp: one(8, 'Time'),
    deletionTimestamp: one(9, 'Time'),
    deletionGracePeriodSeconds: one(10, 'int64', KEEP),
    labels: strMap(11),
    annotations: strMap(12),
    ownerReferences: many(13, 'OwnerReference'),
    finalizers: many(14, 'string'),
    managedFields: many(17, 'bytes', IGNORE),
  },
  OwnerReference: {
    apiVersion: one(5, 'string', KEEP),
    kind: one(1, 'string', KEEP),
    name: one(3, 'string', KEEP),
    uid: one(4, 'string', KEEP),
    controller: one(6, 'bool', KEEP),
    blockOwnerDeletion: one(7, 'bool', KEEP),
  },
  LabelSelector: { matchLabels: strMap(1), matchExpressions: many(2, 'LabelSelectorRequirement') },
  LabelSelectorRequirement: { key: one(1, 'string', KEEP), operator: one(2, 'string', KEEP), values: many(3, 'string') },
  /** The body of a DELETE from a typed client. */
  DeleteOptions: {
    gracePeriodSeconds: one(1, 'int64', KEEP),
    preconditions: one(2, 'Preconditions', KEEP),
    orphanDependents: one(3, 'bool', KEEP),
    propagationPolicy: one(4, 'string', KEEP),
    dryRun: many(5, 'string'),
    ignoreStoreReadErrorWithClusterBreakingPotential: one(6, 'bool', KEEP),
  },
  Preconditions: { uid: one(1, 'string', KEEP), resourceVersion: one(2, 'string', KEEP) },

  // k8s.io/api/core/v1
  Namespace: { metadata: one(1, 'ObjectMeta'), spec: one(2, 'NamespaceSpec'), status: one(3, 'bytes', IGNORE) },
  NamespaceSpec: { finalizers: many(1, 'string') },
  ConfigMap: { metadata: one(1, 'ObjectMeta'), data: strMap(2), binaryData: strMap(3, 'bytes'), immutable: one(4, 'bool', KEEP) },
  Secret: { metadata: one(1, 'ObjectMeta'), data: strMap(2, 'bytes'), type: one(3, 'string'), stringData: strMap(4), immutable: one(5, 'bool', KEEP) },
  ServiceAccount: {
    metadata: one(1, 'ObjectMeta'),
    secrets: many(2, 'ObjectReference'),
    imagePullSecrets: many(3, 'LocalObjectReference'),
    automountServiceAccountToken: one(4, 'bool', KEEP),
  },
  ObjectReference: {
    kind: one(1, 'string'),
    namespace: one(2, 'string'),
    name: one(3, 'string'),
    uid: one(4, 'string'),
    apiVersion: one(5, 'string'),
    resourceVersion: one(6, 'string'),
    fieldPath: one(7, 'string'),
  },
  LocalObjectReference: { name: one(1, 'string') },

  // k8s.io/api/scheduling/v1
  PriorityClass: {
    metadata: one(1, 'ObjectMeta'),
    value: one(2, 'int32', KEEP),
    globalDefault: one(3, 'bool'),
    description: one(4, 'string'),
    preemptionPolicy: one(5, 'string', KEEP),
  },

  // k8s.io/api/rbac/v1
  Role: { metadata: one(1, 'ObjectMeta'), rules: many(2, 'PolicyRule', KEEP) },
  ClusterRole: { metadata: one(1, 'ObjectMeta'), rules: many(2, 'PolicyRule', KEEP), aggregationRule: one(3, 'AggregationRule') },
  RoleBinding: { metadata: one(1, 'ObjectMeta'), subjects: many(2, 'Subject'), roleRef: one(3, 'RoleRef', KEEP) },
  ClusterRoleBinding: { metadata: one(1, 'ObjectMeta'), subjects: many(2, 'Subject'), roleRef: one(3, 'RoleRef', KEEP) },
  PolicyRule: { verbs: many(1, 'string', KEEP), apiGroups: many(2, 'string'), resources: many(3, 'string'), resourceNames: many(4, 'string'), nonResourceURLs: many(5, 'string') },
  AggregationRule: { clusterRoleSelectors: many(1, 'LabelSelector') },
  Subject: { kind: one(1, 'string', KEEP), apiGroup: one(2, 'string'), name: one(3, 'string', KEEP), namespace: one(4, 'string') },
  RoleRef: { apiGroup: one(1, 'string', KEEP), kind: one(2, 'string', KEEP), name: one(3, 'string', KEEP) },
};

/** The message type of each kind raysim decodes, by "apiVersion/kind". */
const KINDS: Record<string, string> = {
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
  'v1/DeleteOptions': 'DeleteOptions',
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
};

// Each type is declared proto2 (JSON descriptors default to proto3, where a zero value on the
// wire reads as "absent"): proto2 gives every singular field presence, so a decoded message has
// an own property for each field that was on the wire, zero or not, which is what the keep / omit
// rules below need. resolveAll() makes a typo in a type name fail at load time.
const root = protobuf.Root.fromJSON({
  nested: Object.fromEntries(Object.entries(SCHEMA).map(([name, fields]) => [name, { edition: 'proto2', fields }])),
}).resolveAll();
const ENVELOPE = root.lookupType('Unknown');

// ---------------------------------------------------------------------------------------------
// Decode

const MAGIC = Buffer.from('k8s\0', 'binary');

class DecodeError extends Error {}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
}

function rfc3339(t: Record<string, unknown>): string | undefined {
  const s = Number(t.seconds ?? 0);
  if (!s) return undefined;
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A field the schema does not know (protobufjs keeps its raw bytes in `$unknowns` because the
 * reader is told not to discard them): fine when it holds its zero value (proto2 puts every
 * non-pointer field on the wire), an error otherwise, so no data is silently dropped. protobufjs
 * also files a known field that arrived with the wrong wire type here: that is an error too.
 */
function checkUnknown(type: protobuf.Type, raw: Uint8Array, path: string): void {
  const r = protobuf.Reader.create(raw);
  const tag = r.uint32();
  const no = tag >>> 3;
  const wire = tag & 7;
  const known = type.fieldsById[no];
  if (known) {
    // Scalars have their own wire type; strings, bytes, messages and map entries are length-delimited.
    const want = (protobuf.types.basic as Record<string, number | undefined>)[known.type] ?? 2;
    throw new DecodeError(`${path}.${known.name}: wire type ${wire}, expected ${want}`);
  }
  let zero = false;
  if (wire === 0) {
    const v = protobuf.util.LongBits.from(r.uint64());
    zero = v.lo === 0 && v.hi === 0;
  } else if (wire === 2) zero = r.bytes().length === 0;
  if (!zero) throw new DecodeError(`${path}: field ${no} is not one raysim can decode`);
}

/** One decoded value in its JSON form: bytes as base64, int64 as a number, metav1.Time as RFC 3339. */
function value(f: protobuf.Field, v: unknown, path: string): unknown {
  const t = f.resolvedType;
  if (t instanceof protobuf.Type) {
    const obj = toJson(t, v as Message, path);
    return t.name === 'Time' ? rfc3339(obj) : obj;
  }
  if (f.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (f.type === 'int64') return protobuf.util.LongBits.from(v as number | protobuf.Long).toNumber();
  return v;
}

/** A decoded message in its JSON form, with zero values dropped unless the field is `keep`. */
function toJson(type: protobuf.Type, msg: Message, path: string): Record<string, unknown> {
  for (const raw of msg.$unknowns ?? []) checkUnknown(type, raw, path);
  const fields = msg as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const { keep, ignore } = (f.options ?? {}) as Annotations;
    if (ignore) continue;
    const here = `${path}.${f.name}`;
    const v = fields[f.name];
    if (f.map) {
      // Map values are kept as they are, empty strings included (`--from-literal=empty=`).
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length) out[f.name] = Object.fromEntries(entries.map(([k, x]) => [k, value(f, x, here)]));
    } else if (f.repeated) {
      // Elements are kept as they are; a required-in-JSON list the wire left out (e.g. an empty
      // verbs list) becomes [].
      const list = v as unknown[];
      if (list.length) out[f.name] = list.map((x) => value(f, x, here));
      else if (keep) out[f.name] = [];
    } else if (Object.hasOwn(fields, f.name)) {
      // On the wire (otherwise only the prototype's default is there).
      const x = value(f, v, here);
      if (x !== undefined && (keep || !isZero(x))) out[f.name] = x;
    }
  }
  return out;
}

/** runtime.Unknown as protobufjs decodes it; an absent field reads as its proto2 default. */
interface Envelope {
  typeMeta: { apiVersion: string; kind: string } | null;
  /** A Buffer when on the wire, else the default: an empty array. */
  raw: Uint8Array | number[];
  contentEncoding: string;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Decode a `application/vnd.kubernetes.protobuf` request body into the object's JSON form. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('protobuf body does not start with the "k8s\\0" prefix');
  try {
    // Unknown fields of the envelope itself are of no interest: the default reader drops them.
    const envelope = ENVELOPE.decode(body.subarray(4)) as Message & Envelope;
    const apiVersion = envelope.typeMeta?.apiVersion ?? '';
    const kind = envelope.typeMeta?.kind ?? '';
    const encoding = envelope.contentEncoding;
    if (encoding) throw errors.unsupportedMediaType(`protobuf content encoding "${encoding}" is not supported`);
    const typeName = KINDS[`${apiVersion}/${kind}`];
    if (!typeName)
      throw errors.unsupportedMediaType(
        `raysim decodes protobuf request bodies only for ${[...new Set(Object.keys(KINDS).map((k) => k.slice(k.lastIndexOf('/') + 1)))]
          .filter((k) => k !== 'DeleteOptions')
          .join(', ')}; send ${kind || 'this object'} as JSON or YAML (e.g. \`kubectl create -f\` or \`kubectl apply -f\` with a manifest)`,
      );
    const type = root.lookupType(typeName);
    // Keep the object's unknown fields, so toJson can refuse the ones that carry data.
    const reader = protobuf.Reader.create(Buffer.from(envelope.raw));
    reader.discardUnknown = false;
    const obj = toJson(type, type.decode(reader), kind);
    if (kind === 'DeleteOptions') return { apiVersion, kind, ...obj };
    return { apiVersion, kind, ...obj, metadata: obj.metadata ?? {} };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(`error decoding the protobuf request body: ${(e as Error).message}`);
  }
}
