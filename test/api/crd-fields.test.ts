// Keeps controller/api's TypeScript types and controller/deploy/crds/ in step. The field lists in
// controller/api/fields.ts are tied to the interfaces by the compiler; here they are compared with
// the CRD schemas, object by object, in both directions, and the enums with the CRD enums.

import { describe, expect, it } from 'vitest';
import { CRD_FIELDS, type FieldTree } from '../../controller/api/fields.js';
import {
  AuthMode,
  AutoscalerVersion,
  DeletionPolicyType,
  GcsFaultToleranceBackend,
  GcsStorageDeletionPolicy,
  IngressPathType,
  NetworkPolicyMode,
  RayClusterUpgradeType,
  UpscalingMode,
} from '../../controller/api/types.js';
import type { JSONSchemaProps } from '../../sim/kube/schema.js';
import { crdSchema, schemaAt, type RayKind } from './crd-schemas.js';

const KINDS: RayKind[] = ['RayCluster', 'RayJob', 'RayService', 'RayCronJob'];

/** The schema whose properties describe the value: through array items and map values. */
function objectSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  let n = s;
  for (let i = 0; i < 4 && n; i++) {
    if (n.properties) return n;
    if (n.type === 'array') n = n.items as JSONSchemaProps | undefined;
    else if (n.type === 'object' && typeof n.additionalProperties === 'object') n = n.additionalProperties;
    else return undefined;
  }
  return undefined;
}

interface Mismatch {
  path: string;
  problem: string;
}

function compare(tree: FieldTree, schema: JSONSchemaProps, path: string, out: Mismatch[]): void {
  const props = Object.keys(schema.properties ?? {}).sort();
  const fields = [...tree.fields].sort();
  for (const f of fields) if (!props.includes(f)) out.push({ path, problem: `type field "${f}" is not in the CRD` });
  for (const p of props) if (!fields.includes(p)) out.push({ path, problem: `CRD property "${p}" is not in the type` });
  for (const p of props) {
    const child = objectSchema(schema.properties![p]);
    const sub = tree.children[p];
    if (child && !sub) out.push({ path: `${path}.${p}`, problem: 'CRD declares an object with properties, fields.ts has no tree for it' });
    if (!child && sub) out.push({ path: `${path}.${p}`, problem: 'fields.ts has a tree, the CRD declares no properties there' });
    if (child && sub) compare(sub, child, `${path}.${p}`, out);
  }
  for (const c of Object.keys(tree.children)) if (!tree.fields.includes(c)) out.push({ path, problem: `tree child "${c}" is not a listed field` });
}

describe('TypeScript types match the CRD schemas', () => {
  it.each(KINDS)('%s: every field, at every depth, in both directions', (kind) => {
    const out: Mismatch[] = [];
    compare(CRD_FIELDS[kind], crdSchema(kind), kind, out);
    expect(out).toEqual([]);
  });

  it.each(KINDS)('%s: top-level spec and status fields', (kind) => {
    const root = crdSchema(kind);
    for (const part of ['spec', 'status'] as const) {
      const typed = CRD_FIELDS[kind].children[part]!.fields;
      const inCrd = Object.keys(root.properties![part]!.properties ?? {});
      expect([...typed].sort(), `${kind}.${part}`).toEqual([...inCrd].sort());
    }
  });

  it('notices a difference (the comparison is not vacuous)', () => {
    const out: Mismatch[] = [];
    const tree: FieldTree = { fields: [...CRD_FIELDS.RayCronJob.fields], children: { ...CRD_FIELDS.RayCronJob.children, status: { fields: ['lastScheduleTime', 'bogus'], children: {} } } };
    compare(tree, crdSchema('RayCronJob'), 'RayCronJob', out);
    expect(out).toEqual([{ path: 'RayCronJob.status', problem: 'type field "bogus" is not in the CRD' }]);
  });
});

describe('TypeScript enums match the CRD enums', () => {
  const cases: [path: string, values: readonly string[]][] = [
    ['spec.autoscalerOptions.upscalingMode', Object.values(UpscalingMode)],
    ['spec.autoscalerOptions.version', Object.values(AutoscalerVersion)],
    ['spec.upgradeStrategy.type', Object.values(RayClusterUpgradeType)],
    ['spec.authOptions.mode', Object.values(AuthMode)],
    ['spec.gcsFaultToleranceOptions.backend', Object.values(GcsFaultToleranceBackend)],
    ['spec.gcsFaultToleranceOptions.storage.deletionPolicy', Object.values(GcsStorageDeletionPolicy)],
    ['spec.networkPolicy.mode', Object.values(NetworkPolicyMode)],
    ['spec.headGroupSpec.ingressOptions.pathType', Object.values(IngressPathType)],
    ['status.conditions[].status', ['True', 'False', 'Unknown']],
  ];
  it.each(cases)('RayCluster %s', (path, values) => {
    expect([...(schemaAt(crdSchema('RayCluster'), path)!.enum as string[])].sort()).toEqual([...values].sort());
  });

  it('RayJob deletion policies and conditions', () => {
    const rj = crdSchema('RayJob');
    const policies = Object.values(DeletionPolicyType).sort();
    for (const p of ['spec.deletionStrategy.deletionRules[].policy', 'spec.deletionStrategy.onSuccess.policy', 'spec.deletionStrategy.onFailure.policy']) {
      expect([...(schemaAt(rj, p)!.enum as string[])].sort(), p).toEqual(policies);
    }
    expect(schemaAt(rj, 'spec.deletionStrategy.deletionRules[].condition.jobStatus')!.enum).toEqual(['SUCCEEDED', 'FAILED']);
    expect(schemaAt(rj, 'spec.deletionStrategy.deletionRules[].condition.jobDeploymentStatus')!.enum).toEqual(['Failed']);
  });

  it('CRD defaults are the documented ones', () => {
    const rc = crdSchema('RayCluster');
    expect(schemaAt(rc, 'spec.workerGroupSpecs[].replicas')!.default).toBe(0);
    expect(schemaAt(rc, 'spec.workerGroupSpecs[].minReplicas')!.default).toBe(0);
    expect(schemaAt(rc, 'spec.workerGroupSpecs[].maxReplicas')!.default).toBe(2147483647);
    expect(schemaAt(rc, 'spec.workerGroupSpecs[].numOfHosts')!.default).toBe(1);
    const rj = crdSchema('RayJob');
    expect(schemaAt(rj, 'spec.submissionMode')!.default).toBe('K8sJobMode');
    expect(schemaAt(rj, 'spec.backoffLimit')!.default).toBe(0);
    expect(schemaAt(crdSchema('RayService'), 'spec.rayClusterDeletionDelaySeconds')!.default).toBeUndefined();
  });
});
