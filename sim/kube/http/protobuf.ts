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

import { ApiError, errors } from '../../../controller/runtime/api-error.js';

type Scalar = 'string' | 'bytes' | 'int' | 'bool';
interface Field {
  name: string;
  type: Scalar | Schema;
  repeated?: boolean;
  /** map<string, T>: entries are messages {key=1, value=2}. */
  map?: boolean;
  /** Keep zero values (the JSON field has no omitempty, or is a pointer). */
  keep?: boolean;
  /** Read and drop (managedFields, status): the server owns these. */
  ignore?: boolean;
  /** metav1.Time: {seconds=1, nanos=2} -> RFC 3339. */
  time?: boolean;
}
interface Schema {
  [field: number]: Field;
}

const str = (name: string, keep = false): Field => ({ name, type: 'string', keep });
const strs = (name: string, keep = false): Field => ({ name, type: 'string', repeated: true, keep });
const strMap = (name: string): Field => ({ name, type: 'string', map: true });
const ptrBool = (name: string): Field => ({ name, type: 'bool', keep: true });

const TIME: Schema = { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } };
const OWNER_REF: Schema = {
  5: str('apiVersion', true),
  1: str('kind', true),
  3: str('name', true),
  4: str('uid', true),
  6: ptrBool('controller'),
  7: ptrBool('blockOwnerDeletion'),
};
const OBJECT_META: Schema = {
  1: str('name'),
  2: str('generateName'),
  3: str('namespace'),
  4: str('selfLink'),
  5: str('uid'),
  6: str('resourceVersion'),
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: TIME, time: true },
  9: { name: 'deletionTimestamp', type: TIME, time: true },
  10: { name: 'deletionGracePeriodSeconds', type: 'int', keep: true },
  11: strMap('labels'),
  12: strMap('annotations'),
  13: { name: 'ownerReferences', type: OWNER_REF, repeated: true },
  14: strs('finalizers'),
  17: { name: 'managedFields', type: {}, repeated: true, ignore: true },
};
const META: Field = { name: 'metadata', type: OBJECT_META };
const OBJECT_REF: Schema = { 1: str('kind'), 2: str('namespace'), 3: str('name'), 4: str('uid'), 5: str('apiVersion'), 6: str('resourceVersion'), 7: str('fieldPath') };
const POLICY_RULE: Schema = { 1: strs('verbs', true), 2: strs('apiGroups'), 3: strs('resources'), 4: strs('resourceNames'), 5: strs('nonResourceURLs') };
const SUBJECT: Schema = { 1: str('kind', true), 2: str('apiGroup'), 3: str('name', true), 4: str('namespace') };
const ROLE_REF: Schema = { 1: str('apiGroup', true), 2: str('kind', true), 3: str('name', true) };
const LABEL_SELECTOR: Schema = {
  1: strMap('matchLabels'),
  2: { name: 'matchExpressions', type: { 1: str('key', true), 2: str('operator', true), 3: strs('values') }, repeated: true },
};

const DELETE_OPTIONS: Schema = {
  1: { name: 'gracePeriodSeconds', type: 'int', keep: true },
  2: { name: 'preconditions', type: { 1: str('uid', true), 2: str('resourceVersion', true) }, keep: true },
  3: ptrBool('orphanDependents'),
  4: str('propagationPolicy', true),
  5: strs('dryRun'),
  6: ptrBool('ignoreStoreReadErrorWithClusterBreakingPotential'),
};

/** By "apiVersion/kind". */
const KINDS: Record<string, Schema> = {
  // The body of a DELETE from a typed client.
  'meta.k8s.io/v1/DeleteOptions': DELETE_OPTIONS,
  'v1/DeleteOptions': DELETE_OPTIONS,
  'v1/Namespace': { 1: META, 2: { name: 'spec', type: { 1: strs('finalizers') } }, 3: { name: 'status', type: {}, ignore: true } },
  'v1/ConfigMap': { 1: META, 2: strMap('data'), 3: { name: 'binaryData', type: 'bytes', map: true }, 4: ptrBool('immutable') },
  'v1/Secret': { 1: META, 2: { name: 'data', type: 'bytes', map: true }, 3: str('type'), 4: strMap('stringData'), 5: ptrBool('immutable') },
  'v1/ServiceAccount': {
    1: META,
    2: { name: 'secrets', type: OBJECT_REF, repeated: true },
    3: { name: 'imagePullSecrets', type: { 1: str('name') }, repeated: true },
    4: ptrBool('automountServiceAccountToken'),
  },
  'scheduling.k8s.io/v1/PriorityClass': { 1: META, 2: { name: 'value', type: 'int', keep: true }, 3: { name: 'globalDefault', type: 'bool' }, 4: str('description'), 5: str('preemptionPolicy', true) },
  'rbac.authorization.k8s.io/v1/Role': { 1: META, 2: { name: 'rules', type: POLICY_RULE, repeated: true, keep: true } },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    1: META,
    2: { name: 'rules', type: POLICY_RULE, repeated: true, keep: true },
    3: { name: 'aggregationRule', type: { 1: { name: 'clusterRoleSelectors', type: LABEL_SELECTOR, repeated: true } } },
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': { 1: META, 2: { name: 'subjects', type: SUBJECT, repeated: true }, 3: { name: 'roleRef', type: ROLE_REF, keep: true } },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { 1: META, 2: { name: 'subjects', type: SUBJECT, repeated: true }, 3: { name: 'roleRef', type: ROLE_REF, keep: true } },
};

const MAGIC = Buffer.from('k8s\0', 'binary');

class DecodeError extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return result >= 2 ** 63 ? result - 2 ** 64 : result; // two's complement negatives
    }
    throw new DecodeError('varint longer than 10 bytes');
  }

  bytes(): Buffer {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) throw new DecodeError('length-delimited field runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new DecodeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new DecodeError('field runs past the end of its message');
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
}

function scalar(r: Reader, wire: number, type: Scalar, path: string): unknown {
  const want = type === 'int' || type === 'bool' ? 0 : 2;
  if (wire !== want) throw new DecodeError(`${path}: wire type ${wire}, expected ${want}`);
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int':
      return r.varint();
    case 'bool':
      return r.varint() !== 0;
  }
}

function message(buf: Buffer, schema: Schema, path: string): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    const f = schema[no];
    if (!f) {
      // A field raysim has no schema for: fine when it holds its zero value (proto2 puts every
      // non-pointer field on the wire), an error otherwise, so no data is silently dropped.
      const zero = wire === 0 ? r.varint() === 0 : wire === 2 ? r.bytes().length === 0 : false;
      if (!zero) throw new DecodeError(`${path}: field ${no} is not one raysim can decode`);
      continue;
    }
    const here = `${path}.${f.name}`;
    if (f.ignore) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    if (f.map) {
      if (wire !== 2) throw new DecodeError(`${here}: a map entry must be length-delimited`);
      const entry = new Reader(r.bytes());
      let key = '';
      let v: unknown = '';
      while (!entry.done) {
        const t = entry.varint();
        if (t === (1 << 3) + 2) key = entry.bytes().toString('utf8');
        else if (t >> 3 === 2) v = typeof f.type === 'string' ? scalar(entry, t & 7, f.type, here) : message(entry.bytes(), f.type, here);
        else entry.skip(t & 7);
      }
      const m = (out[f.name] ??= {}) as Record<string, unknown>;
      m[key] = v;
      continue;
    }
    if (typeof f.type === 'string') value = scalar(r, wire, f.type, here);
    else {
      if (wire !== 2) throw new DecodeError(`${here}: a message must be length-delimited`);
      const sub = message(r.bytes(), f.type, here);
      value = f.time ? rfc3339(sub) : sub;
    }
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(value);
    else if (value !== undefined && (f.keep || !isZero(value))) out[f.name] = value;
  }
  // Required-in-JSON fields the wire left out (e.g. an empty verbs list).
  for (const f of Object.values(schema)) if (f.keep && f.repeated && out[f.name] === undefined) out[f.name] = [];
  return out;
}

function rfc3339(t: Record<string, unknown>): string | undefined {
  const s = Number(t.seconds ?? 0);
  if (!s) return undefined;
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Decode a `application/vnd.kubernetes.protobuf` request body into the object's JSON form. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('protobuf body does not start with the "k8s\\0" prefix');
  try {
    const envelope = new Reader(body, 4);
    let apiVersion = '';
    let kind = '';
    let raw: Buffer | undefined;
    let encoding = '';
    while (!envelope.done) {
      const tag = envelope.varint();
      const no = tag >> 3;
      if (no === 1 && (tag & 7) === 2) {
        const tm = new Reader(envelope.bytes());
        while (!tm.done) {
          const t = tm.varint();
          if (t === (1 << 3) + 2) apiVersion = tm.bytes().toString('utf8');
          else if (t === (2 << 3) + 2) kind = tm.bytes().toString('utf8');
          else tm.skip(t & 7);
        }
      } else if (no === 2 && (tag & 7) === 2) raw = envelope.bytes();
      else if (no === 3 && (tag & 7) === 2) encoding = envelope.bytes().toString('utf8');
      else envelope.skip(tag & 7);
    }
    if (encoding) throw errors.unsupportedMediaType(`protobuf content encoding "${encoding}" is not supported`);
    const schema = KINDS[`${apiVersion}/${kind}`];
    if (!schema)
      throw errors.unsupportedMediaType(
        `raysim decodes protobuf request bodies only for ${[...new Set(Object.keys(KINDS).map((k) => k.slice(k.lastIndexOf('/') + 1)))]
          .filter((k) => k !== 'DeleteOptions')
          .join(', ')}; send ${kind || 'this object'} as JSON or YAML (e.g. \`kubectl create -f\` or \`kubectl apply -f\` with a manifest)`,
      );
    const obj = message(raw ?? Buffer.alloc(0), schema, kind);
    if (kind === 'DeleteOptions') return { apiVersion, kind, ...obj };
    return { apiVersion, kind, ...obj, metadata: obj.metadata ?? {} };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(`error decoding the protobuf request body: ${(e as Error).message}`);
  }
}
