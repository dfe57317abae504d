import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError } from '../../controller/runtime/api-error.js';
import type { PatchType } from '../../controller/runtime/kube-object.js';
import { deepFreeze } from '../../sim/kube/clone.js';
import {
  STRATEGIC_MERGE_LIST_RULES,
  applyJsonPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  contentTypeToPatchType,
  createMergePatch,
} from '../../sim/kube/patch.js';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError');
}

const snapshot = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// ---------------------------------------------------------------------------------------------

describe('applyMergePatch (RFC 7386)', () => {
  const cases: { name: string; target: unknown; patch: unknown; want: unknown }[] = [
    { name: 'adds a key', target: { a: 1 }, patch: { b: 2 }, want: { a: 1, b: 2 } },
    { name: 'replaces a scalar', target: { a: 1 }, patch: { a: 'x' }, want: { a: 'x' } },
    { name: 'null deletes a key', target: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    { name: 'null for a missing key is a no-op', target: { a: 1 }, patch: { z: null }, want: { a: 1 } },
    {
      name: 'maps merge recursively',
      target: { metadata: { labels: { app: 'x', tier: 'web' }, name: 'p' } },
      patch: { metadata: { labels: { tier: null, env: 'prod' } } },
      want: { metadata: { labels: { app: 'x', env: 'prod' }, name: 'p' } },
    },
    { name: 'arrays replace', target: { l: [1, 2, 3] }, patch: { l: [4] }, want: { l: [4] } },
    { name: 'array of maps replaces too', target: { c: [{ name: 'a' }, { name: 'b' }] }, patch: { c: [{ name: 'b', x: 1 }] }, want: { c: [{ name: 'b', x: 1 }] } },
    { name: 'object replaces scalar', target: { a: 1 }, patch: { a: { b: 1 } }, want: { a: { b: 1 } } },
    { name: 'nulls inside a new object are dropped', target: {}, patch: { a: { b: null, c: 1 } }, want: { a: { c: 1 } } },
    { name: 'non-object patch replaces the target', target: { a: 1 }, patch: [1, 2], want: [1, 2] },
    { name: 'scalar patch replaces the target', target: { a: 1 }, patch: 'x', want: 'x' },
    { name: 'object patch on a non-object target', target: [1], patch: { a: 1 }, want: { a: 1 } },
    { name: 'empty patch is identity', target: { a: { b: [1] } }, patch: {}, want: { a: { b: [1] } } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(applyMergePatch(c.target, c.patch)).toEqual(c.want);
    });
  }
});

describe('createMergePatch', () => {
  const cases: { name: string; original: unknown; modified: unknown; want: unknown }[] = [
    { name: 'no change is an empty patch', original: { a: 1, b: { c: [1] } }, modified: { a: 1, b: { c: [1] } }, want: {} },
    { name: 'changed and added keys', original: { a: 1 }, modified: { a: 2, b: 3 }, want: { a: 2, b: 3 } },
    { name: 'removed key becomes null', original: { a: 1, b: 2 }, modified: { b: 2 }, want: { a: null } },
    { name: 'nested change only', original: { m: { x: 1, y: 2 } }, modified: { m: { x: 1, y: 3 } }, want: { m: { y: 3 } } },
    { name: 'changed array is sent whole', original: { l: [1, 2] }, modified: { l: [1, 3] }, want: { l: [1, 3] } },
    { name: 'non-object modified is the patch', original: { a: 1 }, modified: [1], want: [1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const patch = createMergePatch(c.original, c.modified);
      expect(patch).toEqual(c.want);
      expect(applyMergePatch(c.original, patch)).toEqual(c.modified);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { metadata: { name: 'p', labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'i:1' }] } };
  const cases: { name: string; ops: unknown[]; want: unknown }[] = [
    { name: 'add a label', ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'web' }], want: { ...doc, metadata: { name: 'p', labels: { app: 'x', tier: 'web' } } } },
    { name: 'remove a label', ops: [{ op: 'remove', path: '/metadata/labels/app' }], want: { ...doc, metadata: { name: 'p', labels: {} } } },
    {
      name: 'replace an image',
      ops: [{ op: 'replace', path: '/spec/containers/0/image', value: 'i:2' }],
      want: { ...doc, spec: { containers: [{ name: 'a', image: 'i:2' }] } },
    },
    {
      name: 'append to a list with -',
      ops: [{ op: 'add', path: '/spec/containers/-', value: { name: 'b', image: 'j' } }],
      want: { ...doc, spec: { containers: [{ name: 'a', image: 'i:1' }, { name: 'b', image: 'j' }] } },
    },
    {
      name: 'move',
      ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }],
      want: { ...doc, metadata: { name: 'p', labels: { name: 'x' } } },
    },
    {
      name: 'copy',
      ops: [{ op: 'copy', from: '/metadata/name', path: '/metadata/labels/name' }],
      want: { ...doc, metadata: { name: 'p', labels: { app: 'x', name: 'p' } } },
    },
    {
      name: 'passing test then replace',
      ops: [
        { op: 'test', path: '/metadata/labels/app', value: 'x' },
        { op: 'replace', path: '/metadata/labels/app', value: 'y' },
      ],
      want: { ...doc, metadata: { name: 'p', labels: { app: 'y' } } },
    },
    { name: 'empty op list is identity', ops: [], want: doc },
    { name: 'replace the root', ops: [{ op: 'replace', path: '', value: { a: 1 } }], want: { a: 1 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(applyJsonPatch(doc, c.ops)).toEqual(c.want);
    });
  }

  const failures: { name: string; ops: unknown; code: number; reason: string; contains: string[] }[] = [
    { name: 'body not an array', ops: { op: 'add', path: '/a', value: 1 }, code: 400, reason: 'BadRequest', contains: ['array'] },
    { name: 'null body', ops: null, code: 400, reason: 'BadRequest', contains: ['array'] },
    { name: 'element not an object', ops: ['add'], code: 400, reason: 'BadRequest', contains: ['operation 0'] },
    {
      name: 'failing test',
      ops: [{ op: 'add', path: '/x', value: 1 }, { op: 'test', path: '/metadata/name', value: 'q' }],
      code: 422,
      reason: 'Invalid',
      contains: ['operation 1', '"/metadata/name"', 'test'],
    },
    { name: 'remove missing path', ops: [{ op: 'remove', path: '/metadata/nope' }], code: 422, reason: 'Invalid', contains: ['operation 0', '"/metadata/nope"'] },
    { name: 'replace missing path', ops: [{ op: 'replace', path: '/spec/nope', value: 1 }], code: 422, reason: 'Invalid', contains: ['"/spec/nope"'] },
    { name: 'add under missing parent', ops: [{ op: 'add', path: '/a/b/c', value: 1 }], code: 422, reason: 'Invalid', contains: ['"/a/b/c"'] },
    { name: 'add past the end of a list', ops: [{ op: 'add', path: '/spec/containers/5', value: {} }], code: 422, reason: 'Invalid', contains: ['"/spec/containers/5"'] },
    { name: 'move from missing path', ops: [{ op: 'move', from: '/nope', path: '/x' }], code: 422, reason: 'Invalid', contains: ['"/x"', '"/nope"'] },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/x' }], code: 422, reason: 'Invalid', contains: ['operation 0', 'frobnicate'] },
    { name: 'internal _get op is not accepted', ops: [{ op: '_get', path: '/metadata' }], code: 422, reason: 'Invalid', contains: ['_get'] },
    { name: 'missing value', ops: [{ op: 'add', path: '/x' }], code: 422, reason: 'Invalid', contains: ['"/x"'] },
    { name: 'path without leading slash', ops: [{ op: 'add', path: 'x', value: 1 }], code: 422, reason: 'Invalid', contains: ['"x"'] },
  ];
  for (const f of failures) {
    it(`error: ${f.name} -> ${f.code}`, () => {
      const before = snapshot(doc);
      const err = apiError(() => applyJsonPatch(doc, f.ops));
      expect(err.code).toBe(f.code);
      expect(err.reason).toBe(f.reason);
      for (const s of f.contains) expect(err.message).toContain(s);
      expect(doc).toEqual(before);
    });
  }
});

// ---------------------------------------------------------------------------------------------

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    labels: { app: 'web', tier: 'front' },
    finalizers: ['a.example/f', 'b.example/f'],
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1', controller: true },
      { apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u2' },
    ],
  },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'app:1',
        args: ['--a', '--b'],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 8080, name: 'http' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
      { name: 'sidecar', image: 'side:1' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'k1', operator: 'Exists' }],
  },
  status: {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
  },
});

type Pod = ReturnType<typeof pod>;

interface SmpCase {
  name: string;
  kind?: string;
  target?: unknown;
  patch: unknown;
  check: (got: any, base: Pod) => void;
}

describe('applyStrategicMergePatch', () => {
  const cases: SmpCase[] = [
    {
      name: 'maps merge and null deletes',
      patch: { metadata: { labels: { tier: null, env: 'prod' } } },
      check: (got) => expect(got.metadata.labels).toEqual({ app: 'web', env: 'prod' }),
    },
    {
      name: 'kubectl set image: changes one container, keeps the other',
      patch: { spec: { containers: [{ name: 'sidecar', image: 'side:2' }] } },
      check: (got, base) => {
        expect(got.spec.containers).toEqual([base.spec.containers[0], { name: 'sidecar', image: 'side:2' }]);
      },
    },
    {
      name: 'adds a container by name (new elements go first, like kube-apiserver)',
      patch: { spec: { containers: [{ name: 'debug', image: 'busybox' }] } },
      check: (got, base) => {
        expect(got.spec.containers.map((c: { name: string }) => c.name)).toEqual(['debug', 'app', 'sidecar']);
        expect(got.spec.containers[1]).toEqual(base.spec.containers[0]);
      },
    },
    {
      name: 'deletes a container with $patch: delete',
      patch: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } },
      check: (got, base) => expect(got.spec.containers).toEqual([base.spec.containers[0]]),
    },
    {
      name: '$patch: delete of a missing element is a no-op',
      patch: { spec: { containers: [{ name: 'ghost', $patch: 'delete' }] } },
      check: (got, base) => expect(got.spec.containers).toEqual(base.spec.containers),
    },
    {
      name: 'env merges by name',
      patch: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
      check: (got) =>
        expect(got.spec.containers[0].env).toEqual([
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ]),
    },
    {
      name: 'env entry deleted by name',
      patch: { spec: { containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] } },
      check: (got) => expect(got.spec.containers[0].env).toEqual([{ name: 'B', value: '2' }]),
    },
    {
      name: 'container ports merge by containerPort, volumeMounts by mountPath',
      patch: {
        spec: {
          containers: [
            { name: 'app', ports: [{ containerPort: 8080, protocol: 'TCP' }], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] },
          ],
        },
      },
      check: (got) => {
        expect(got.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
        expect(got.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
      },
    },
    {
      name: 'status conditions merge by type',
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      check: (got) =>
        expect(got.status.conditions).toEqual([
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ]),
    },
    {
      name: 'ownerReferences merge by uid',
      patch: { metadata: { ownerReferences: [{ uid: 'u2', blockOwnerDeletion: true }] } },
      check: (got, base) =>
        expect(got.metadata.ownerReferences).toEqual([base.metadata.ownerReferences[0], { ...base.metadata.ownerReferences[1], blockOwnerDeletion: true }]),
    },
    {
      name: 'finalizers are a set: union without duplicates',
      patch: { metadata: { finalizers: ['b.example/f', 'c.example/f'] } },
      check: (got) => expect(got.metadata.finalizers).toEqual(['a.example/f', 'b.example/f', 'c.example/f']),
    },
    {
      name: '$deleteFromPrimitiveList/finalizers removes values',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/f'] } },
      check: (got) => expect(got.metadata.finalizers).toEqual(['b.example/f']),
    },
    {
      name: '$setElementOrder reorders containers without changing them',
      patch: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } },
      check: (got, base) => expect(got.spec.containers).toEqual([base.spec.containers[1], base.spec.containers[0]]),
    },
    {
      name: '$setElementOrder places a new container (kubectl apply style)',
      patch: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'debug' }, { name: 'sidecar' }],
          containers: [{ name: 'debug', image: 'busybox' }],
        },
      },
      check: (got) => expect(got.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'debug', 'sidecar']),
    },
    {
      name: '$setElementOrder on env keeps server-only entries in place',
      patch: {
        spec: {
          containers: [{ name: 'app', '$setElementOrder/env': [{ name: 'B' }, { name: 'Z' }], env: [{ name: 'Z', value: 'z' }] }],
        },
      },
      check: (got) => expect(got.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['A', 'B', 'Z']),
    },
    {
      name: '$setElementOrder for a scalar set',
      patch: { metadata: { '$setElementOrder/finalizers': ['b.example/f', 'a.example/f'] } },
      check: (got) => expect(got.metadata.finalizers).toEqual(['b.example/f', 'a.example/f']),
    },
    {
      name: '$retainKeys on a volume drops the old volume source',
      patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } },
      check: (got) => expect(got.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cm' } }]),
    },
    {
      name: '$retainKeys on a Deployment strategy (kubectl apply Recreate)',
      kind: 'Deployment',
      target: { kind: 'Deployment', spec: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      check: (got) => expect(got.spec).toEqual({ replicas: 1, strategy: { type: 'Recreate' } }),
    },
    {
      name: 'args has no merge key: the patch list replaces it',
      patch: { spec: { containers: [{ name: 'app', args: ['--c'] }] } },
      check: (got) => expect(got.spec.containers[0].args).toEqual(['--c']),
    },
    {
      name: 'tolerations have no merge key in k8s.io/api: replaced',
      patch: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } },
      check: (got) => expect(got.spec.tolerations).toEqual([{ key: 'k2', operator: 'Exists' }]),
    },
    {
      name: '$patch: replace inside a map',
      patch: { metadata: { labels: { $patch: 'replace', only: 'me' } } },
      check: (got) => expect(got.metadata.labels).toEqual({ only: 'me' }),
    },
    {
      name: '$patch: delete inside a map empties it',
      patch: { metadata: { labels: { $patch: 'delete' } } },
      check: (got) => expect(got.metadata.labels).toEqual({}),
    },
    {
      name: '$patch: replace as a list element replaces the list',
      patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } },
      check: (got) => expect(got.spec.containers).toEqual([{ name: 'solo', image: 's' }]),
    },
    {
      name: 'new fields keep no directives or nulls',
      patch: {
        spec: {
          initContainers: [{ name: 'init', image: 'i', env: [{ name: 'X', value: 'x' }, { name: 'Y', $patch: 'delete' }], resources: null }],
          nodeSelector: { $patch: 'replace', disk: 'ssd', gone: null },
        },
      },
      check: (got) => {
        expect(got.spec.initContainers).toEqual([{ name: 'init', image: 'i', env: [{ name: 'X', value: 'x' }] }]);
        expect(got.spec.nodeSelector).toEqual({ disk: 'ssd' });
      },
    },
    {
      name: 'a list can be deleted with null',
      patch: { spec: { tolerations: null, '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }] } },
      check: (got, base) => {
        expect(got.spec.tolerations).toBeUndefined();
        expect(got.spec.containers).toEqual(base.spec.containers);
      },
    },
    {
      name: 'Service spec.ports merge by port',
      kind: 'Service',
      target: { kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } },
      patch: { spec: { ports: [{ port: 443, targetPort: 9443 }] } },
      check: (got) => expect(got.spec.ports).toEqual([{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 9443 }]),
    },
    {
      name: 'Deployment pod template containers merge by name',
      kind: 'Deployment',
      target: { kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } } },
      patch: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } } },
      check: (got) => expect(got.spec.template.spec.containers).toEqual([{ name: 'a', image: 'a:2' }, { name: 'b', image: 'b:1' }]),
    },
    {
      name: 'hostAliases by ip, topologySpreadConstraints by topologyKey, imagePullSecrets by name',
      target: {
        spec: {
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
          topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1 }],
          imagePullSecrets: [{ name: 'reg' }],
        },
      },
      patch: {
        spec: {
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
          topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }],
          imagePullSecrets: [{ name: 'reg2' }],
        },
      },
      check: (got) => {
        expect(got.spec.hostAliases).toEqual([{ ip: '10.0.0.1', hostnames: ['b'] }]);
        expect(got.spec.topologySpreadConstraints).toEqual([{ topologyKey: 'zone', maxSkew: 2 }]);
        expect(got.spec.imagePullSecrets).toEqual([{ name: 'reg2' }, { name: 'reg' }]);
      },
    },
    {
      name: 'type change replaces the value',
      patch: { status: { phase: { odd: true } } },
      check: (got) => expect(got.status.phase).toEqual({ odd: true }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const base = pod();
      const target = deepFreeze(c.target ?? base);
      const patch = deepFreeze(snapshot(c.patch));
      const got = applyStrategicMergePatch(target, patch, c.kind ?? 'Pod');
      c.check(got, pod());
      expect(JSON.stringify(got)).not.toContain('$');
    });
  }

  const failures: { name: string; patch: unknown; code: number; contains: string }[] = [
    { name: 'patch is not an object', patch: [{ a: 1 }], code: 400, contains: 'JSON object' },
    { name: 'list element without its merge key', patch: { spec: { containers: [{ image: 'x' }] } }, code: 400, contains: 'merge key: name' },
    { name: '$patch: delete element without merge key', patch: { spec: { containers: [{ $patch: 'delete' }] } }, code: 400, contains: 'merge key: name' },
    { name: 'unknown $patch directive', patch: { metadata: { labels: { $patch: 'explode' } } }, code: 400, contains: 'unknown patch type' },
    { name: '$retainKeys not listing a patched key', patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], configMap: {} }] } }, code: 400, contains: 'retainKeys' },
    { name: '$retainKeys not a list', patch: { metadata: { $retainKeys: 'name' } }, code: 400, contains: 'retainKeys' },
    { name: '$setElementOrder not a list', patch: { spec: { '$setElementOrder/containers': { name: 'a' } } }, code: 400, contains: 'setElementOrder' },
    { name: '$deleteFromPrimitiveList not a list', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, code: 400, contains: 'primitive list' },
    { name: 'list of lists in a merging list', patch: { metadata: { finalizers: [['a']] } }, code: 422, contains: 'lists of lists' },
  ];
  for (const f of failures) {
    it(`error: ${f.name} -> ${f.code}`, () => {
      const target = deepFreeze(pod());
      const err = apiError(() => applyStrategicMergePatch(target, f.patch, 'Pod'));
      expect(err.code).toBe(f.code);
      expect(err.message).toContain(f.contains);
    });
  }

  it('keeps the merge-key table explicit', () => {
    const byField = new Map(STRATEGIC_MERGE_LIST_RULES.filter((r) => !r.kinds).map((r) => [r.field, r.mergeKey]));
    expect(byField.get('containers')).toBe('name');
    expect(byField.get('ports')).toBe('containerPort');
    expect(byField.get('conditions')).toBe('type');
    expect(byField.has('finalizers') && byField.get('finalizers') === undefined).toBe(true);
    expect(byField.has('tolerations')).toBe(false);
    expect(STRATEGIC_MERGE_LIST_RULES.find((r) => r.field === 'ports' && r.kinds?.includes('Service'))?.mergeKey).toBe('port');
  });
});

// ---------------------------------------------------------------------------------------------

describe('applyPatch', () => {
  const target = { kind: 'Pod', metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  it('dispatches each flavour', () => {
    expect(applyPatch('merge', target, { metadata: { labels: { b: '2' } } }, { kind: 'Pod', isCustomResource: false })).toMatchObject({
      metadata: { labels: { a: '1', b: '2' } },
    });
    expect(applyPatch('json', target, [{ op: 'remove', path: '/metadata/labels/a' }], { kind: 'Pod', isCustomResource: false })).toMatchObject({
      metadata: { labels: {} },
    });
    expect(
      applyPatch('strategic', target, { spec: { containers: [{ name: 'd', image: 'y' }] } }, { kind: 'Pod', isCustomResource: false }),
    ).toMatchObject({ spec: { containers: [{ name: 'd' }, { name: 'c' }] } });
  });
  it('merge patch replaces lists even for built-ins', () => {
    const got = applyPatch('merge', target, { spec: { containers: [{ name: 'd' }] } }, { kind: 'Pod', isCustomResource: false }) as typeof target;
    expect(got.spec.containers).toEqual([{ name: 'd' }]);
  });
  it('custom resources accept merge and json patch', () => {
    const cr = { apiVersion: 'ray.io/v1', kind: 'RayCluster', spec: { workerGroupSpecs: [{ groupName: 'g', replicas: 1 }] } };
    const opts = { kind: 'RayCluster', isCustomResource: true };
    expect(applyPatch('merge', cr, { spec: { suspend: true } }, opts)).toMatchObject({ spec: { suspend: true } });
    expect(applyPatch('json', cr, [{ op: 'replace', path: '/spec/workerGroupSpecs/0/replicas', value: 3 }], opts)).toMatchObject({
      spec: { workerGroupSpecs: [{ replicas: 3 }] },
    });
  });
  it('strategic merge patch on a custom resource is 415', () => {
    const err = apiError(() => applyPatch('strategic', { kind: 'RayCluster' }, { spec: {} }, { kind: 'RayCluster', isCustomResource: true }));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toBe('strategic merge patch is not supported for RayCluster');
  });
  it('merge patch body must be an object', () => {
    const err = apiError(() => applyPatch('merge', target, [1], { kind: 'Pod', isCustomResource: false }));
    expect(err.code).toBe(400);
  });
  it('unknown patch type is 415', () => {
    const err = apiError(() => applyPatch('bogus' as PatchType, target, {}, { kind: 'Pod', isCustomResource: false }));
    expect(err.code).toBe(415);
  });
});

describe('contentTypeToPatchType', () => {
  const cases: [string, ReturnType<typeof contentTypeToPatchType>][] = [
    ['application/merge-patch+json', 'merge'],
    ['application/json-patch+json', 'json'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/strategic-merge-patch+json; charset=utf-8', 'strategic'],
    ['Application/Merge-Patch+JSON ;charset=UTF-8', 'merge'],
    ['application/apply-patch+yaml; charset=utf-8', 'apply'],
    ['application/json', undefined],
    ['', undefined],
  ];
  for (const [ct, want] of cases) {
    it(`${JSON.stringify(ct)} -> ${want}`, () => expect(contentTypeToPatchType(ct)).toBe(want));
  }
});

// ---------------------------------------------------------------------------------------------

describe('non-mutation', () => {
  it('no flavour mutates its inputs or returns shared objects', () => {
    const target = deepFreeze(pod());
    const before = snapshot(target);
    const patches: [PatchType, unknown][] = [
      ['merge', { metadata: { labels: { x: 'y', app: null } }, spec: { containers: [{ name: 'z' }] } }],
      ['json', [{ op: 'add', path: '/metadata/labels/x', value: { deep: ['v'] } }, { op: 'remove', path: '/spec/containers/1' }]],
      [
        'strategic',
        {
          metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/f'], labels: { x: 'y' } },
          spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] },
        },
      ],
    ];
    for (const [type, body] of patches) {
      const frozenBody = deepFreeze(snapshot(body));
      const bodyBefore = snapshot(frozenBody);
      const got = applyPatch(type, target, frozenBody, { kind: 'Pod', isCustomResource: false }) as Record<string, any>;
      expect(target).toEqual(before);
      expect(frozenBody).toEqual(bodyBefore);
      // The result is independent: mutating it deeply must not touch (frozen) inputs.
      got.metadata.labels.mutated = 'yes';
      got.spec.containers[0].image = 'mutated';
      got.metadata.ownerReferences[0].name = 'mutated';
      expect(target).toEqual(before);
    }
  });
});

// ---------------------------------------------------------------------------------------------

const noNullJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 6 }),
    fc.integer(),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const noNullObject = fc.dictionary(fc.string({ maxLength: 6 }), noNullJson, { maxKeys: 6 });

const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

describe('properties', () => {
  it('applyMergePatch(a, createMergePatch(a, b)) equals b for null-free objects b', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), noNullObject), noNullObject, (a, b) => {
        const patch = createMergePatch(a, b);
        expect(applyMergePatch(a, patch)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('createMergePatch of equal objects is empty', () => {
    fc.assert(
      fc.property(noNullObject, (a) => {
        expect(createMergePatch(a, snapshot(a))).toEqual({});
      }),
    );
  });

  it('a failing JSON patch test op never changes the target', () => {
    const sentinel = { 'raysim-sentinel': [true] };
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 5 }),
        fc.nat(),
        fc.boolean(),
        (target, pick, withPrefixOps) => {
          const keys = Object.keys(target);
          const key = keys[pick % keys.length]!;
          const before = structuredClone(target); // not a JSON round trip: that would turn -0 into 0
          const ops = [
            ...(withPrefixOps ? [{ op: 'add', path: '/raysim-added', value: 1 }, { op: 'remove', path: `/${escapePointer(key)}` }, { op: 'add', path: `/${escapePointer(key)}`, value: 2 }] : []),
            { op: 'test', path: `/${escapePointer(key)}`, value: sentinel },
          ];
          const err = apiError(() => applyJsonPatch(target, ops));
          expect(err.code).toBe(422);
          expect(err.message).toContain(`operation ${ops.length - 1}`);
          expect(target).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('strategic merge patch equals merge patch on documents without merge-keyed lists or directives', () => {
    const ruleFields = new Set(STRATEGIC_MERGE_LIST_RULES.map((r) => r.field));
    const key = fc.stringMatching(/^[a-z]{1,4}$/).filter((k) => !ruleFields.has(k));
    const doc: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string({ maxLength: 4 }),
        fc.integer(),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const obj = fc.dictionary(key, doc, { maxKeys: 5 });
    fc.assert(
      fc.property(obj, obj, (a, b) => {
        const patch = createMergePatch(a, b);
        expect(applyStrategicMergePatch(a, patch, 'ConfigMap')).toEqual(applyMergePatch(a, patch));
      }),
      { numRuns: 300 },
    );
  });
});
