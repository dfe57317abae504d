// decodeProtobufObject on its own: request bodies are encoded by protobufjs from .proto text that
// mirrors k8s.io/api and k8s.io/apimachinery generated.proto (written independently of the
// decoder's schema, so a wrong field number there shows up here), wrapped in the "k8s\0" +
// runtime.Unknown envelope kubectl sends, and decoded into the JSON form raysim stores.

import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import { decodeProtobufObject } from '../../sim/kube/http/protobuf.js';

const PROTO = `
syntax = "proto2";
package k8s;

// k8s.io/apimachinery/pkg/runtime
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

// k8s.io/apimachinery/pkg/apis/meta/v1
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message ManagedFieldsEntry { optional string manager = 1; optional string operation = 2; }
message OwnerReference {
  optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5;
  optional bool controller = 6; optional bool blockOwnerDeletion = 7;
}
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7;
  optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2; optional bool orphanDependents = 3;
  optional string propagationPolicy = 4; repeated string dryRun = 5;
}

// k8s.io/api/core/v1
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }

// k8s.io/api/rbac/v1
message PolicyRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; }
message Role { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }

// A ConfigMap as a newer apiserver might define it: fields this decoder has never heard of.
message FutureConfigMap { optional ObjectMeta metadata = 1; optional string note = 98; optional int64 count = 99; }
`;
const root = protobuf.parse(PROTO, { keepCase: true }).root;

/** protobufjs encodes proto2 fields that are set, zero or not, as Go's gogo-protobuf does. */
function encode(type: string, obj: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(`k8s.${type}`);
  return t.encode(t.fromObject(obj)).finish();
}

/** The body kubectl sends: "k8s\0" + runtime.Unknown{typeMeta, raw}. */
function body(apiVersion: string, kind: string, raw: Uint8Array, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'binary'), encode('Unknown', { typeMeta: { apiVersion, kind }, raw, ...extra })]);
}

/** ObjectMeta as gogo-protobuf writes it: every non-pointer field on the wire, zero or not. */
const meta = (name: string, more: Record<string, unknown> = {}) => ({
  name,
  generateName: '',
  namespace: '',
  selfLink: '',
  uid: '',
  resourceVersion: '',
  generation: 0,
  creationTimestamp: { seconds: 0, nanos: 0 },
  ...more,
});

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError');
}

describe('decodeProtobufObject', () => {
  it('decodes a Namespace, dropping wire zero values, status and managedFields', () => {
    const raw = encode('Namespace', {
      metadata: meta('team-a', {
        labels: { team: 'a' },
        generation: 3,
        creationTimestamp: { seconds: 1_700_000_000, nanos: 5 },
        finalizers: ['raysim.io/keep'],
        managedFields: [{ manager: 'kubectl', operation: 'Update' }],
      }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    expect(decodeProtobufObject(body('v1', 'Namespace', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { team: 'a' }, generation: 3, creationTimestamp: '2023-11-14T22:13:20Z', finalizers: ['raysim.io/keep'] },
      spec: { finalizers: ['kubernetes'] },
    });
  });

  it('gives an object without metadata on the wire an empty metadata', () => {
    expect(decodeProtobufObject(body('v1', 'Namespace', encode('Namespace', {})))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: {} });
  });

  it('decodes a ConfigMap with data, keeping empty values and pointer fields set to false', () => {
    const raw = encode('ConfigMap', {
      metadata: meta('flags', { namespace: 'team-a', annotations: { note: '' } }),
      data: { a: '1', empty: '' },
      binaryData: { bin: Buffer.from([0, 1, 2]) },
      immutable: false,
    });
    expect(decodeProtobufObject(body('v1', 'ConfigMap', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'flags', namespace: 'team-a', annotations: { note: '' } },
      data: { a: '1', empty: '' },
      binaryData: { bin: 'AAEC' },
      immutable: false,
    });
  });

  it('decodes a Secret, its bytes data as base64', () => {
    const raw = encode('Secret', { metadata: meta('pw'), data: { pw: Buffer.from('hunter2'), none: Buffer.alloc(0) }, type: 'Opaque' });
    expect(decodeProtobufObject(body('v1', 'Secret', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pw' },
      data: { pw: Buffer.from('hunter2').toString('base64'), none: '' },
      type: 'Opaque',
    });
  });

  it('decodes DeleteOptions, keeping a zero grace period and empty preconditions fields', () => {
    const raw = encode('DeleteOptions', { gracePeriodSeconds: 0, preconditions: { uid: 'u-1', resourceVersion: '' }, propagationPolicy: 'Background', dryRun: ['All'] });
    expect(decodeProtobufObject(body('meta.k8s.io/v1', 'DeleteOptions', raw))).toEqual({
      apiVersion: 'meta.k8s.io/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u-1', resourceVersion: '' },
      propagationPolicy: 'Background',
      dryRun: ['All'],
    });
    // Negative int64s are ten-byte varints on the wire.
    expect(decodeProtobufObject(body('v1', 'DeleteOptions', encode('DeleteOptions', { gracePeriodSeconds: -1 })))).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: -1,
    });
  });

  it('gives required-in-JSON lists the wire left out as []', () => {
    const raw = encode('Role', { metadata: meta('r'), rules: [{ apiGroups: [''], resources: ['pods'] }] });
    expect(decodeProtobufObject(body('rbac.authorization.k8s.io/v1', 'Role', raw)).rules).toEqual([{ verbs: [], apiGroups: [''], resources: ['pods'] }]);
  });

  it('accepts unknown fields at their zero value and refuses ones that carry data', () => {
    const zero = encode('FutureConfigMap', { metadata: meta('cm'), note: '', count: 0 });
    expect(decodeProtobufObject(body('v1', 'ConfigMap', zero))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    const note = apiError(() => decodeProtobufObject(body('v1', 'ConfigMap', encode('FutureConfigMap', { metadata: meta('cm'), note: 'surprise' }))));
    expect(note.code).toBe(400);
    expect(note.message).toContain('ConfigMap: field 98 is not one raysim can decode');
    const count = apiError(() => decodeProtobufObject(body('v1', 'ConfigMap', encode('FutureConfigMap', { metadata: meta('cm'), count: 7 }))));
    expect(count.message).toContain('field 99');
  });

  it('refuses kinds it has no schema for, and content encodings, with 415', () => {
    const dep = apiError(() => decodeProtobufObject(body('apps/v1', 'Deployment', encode('Namespace', { metadata: meta('d') }))));
    expect(dep.code).toBe(415);
    expect(dep.reason).toBe('UnsupportedMediaType');
    expect(dep.message).toContain('only for Namespace, ConfigMap, Secret, ServiceAccount, PriorityClass, Role, ClusterRole, RoleBinding, ClusterRoleBinding');
    expect(dep.message).toContain('send Deployment as JSON or YAML');
    const gz = apiError(() => decodeProtobufObject(body('v1', 'ConfigMap', encode('ConfigMap', {}), { contentEncoding: 'gzip' })));
    expect(gz.code).toBe(415);
    expect(gz.message).toContain('content encoding "gzip"');
  });

  describe('malformed bodies are 400 BadRequest', () => {
    const good = body('v1', 'ConfigMap', encode('ConfigMap', { metadata: meta('cm'), data: { k: 'v' } }));

    it('a body without the k8s magic', () => {
      for (const bad of [Buffer.from('not protobuf'), Buffer.from('k8s'), good.subarray(4)]) {
        const e = apiError(() => decodeProtobufObject(bad));
        expect(e.code).toBe(400);
        expect(e.reason).toBe('BadRequest');
        expect(e.message).toContain('"k8s\\0" prefix');
      }
    });

    it('truncated bytes', () => {
      expect(decodeProtobufObject(good).data).toEqual({ k: 'v' });
      for (const cut of [good.length - 1, good.length - 5, 6]) {
        const e = apiError(() => decodeProtobufObject(good.subarray(0, cut)));
        expect(e.code, `cut at ${cut}`).toBe(400);
        expect(e.message).toContain('error decoding the protobuf request body');
      }
      // Truncated inside the object while the envelope is intact.
      const raw = encode('ConfigMap', { metadata: meta('cm'), data: { k: 'v' } });
      expect(apiError(() => decodeProtobufObject(body('v1', 'ConfigMap', raw.subarray(0, raw.length - 2)))).code).toBe(400);
    });

    it('a known field with the wrong wire type', () => {
      // ConfigMap.immutable (4, a bool) sent as a string.
      const raw = encode('Secret', { metadata: meta('cm'), stringData: { a: 'b' } });
      const e = apiError(() => decodeProtobufObject(body('v1', 'ConfigMap', raw)));
      expect(e.code).toBe(400);
      expect(e.message).toContain('ConfigMap.immutable: wire type 2, expected 0');
    });
  });
});
