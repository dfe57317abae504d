// Checks a Kubernetes manifest from a scenario the way the run would meet it, but before the run:
// a ray.io/v1 object goes through what the API server does with it (the CRD schema: pruning of
// unknown fields, which `kubectl apply`'s strict field validation refuses, types, defaults) and
// then KubeRay's own validation (controller/api/validation.ts, raysim's strict level). Other
// kinds that scenarios commonly carry (namespaces, priority classes, Kueue and Volcano queues)
// are accepted with a name. Every problem comes back with its field path inside the object.

import path from 'node:path';
import type { RayCluster, RayCronJob, RayJob, RayService } from '../controller/api/types.js';
import { type FieldProblem, validateRayCluster, validateRayCronJob, validateRayJob, validateRayService } from '../controller/api/validation.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { defaultCrdDir, readManifests } from '../sim/kube/manifests.js';
import { type JSONSchemaProps, processCustomResource } from '../sim/kube/schema.js';
import { closest } from './did-you-mean.js';

export const RAY_MANIFEST_KINDS = ['RayJob', 'RayCluster', 'RayService', 'RayCronJob'] as const;
export type RayManifestKind = (typeof RAY_MANIFEST_KINDS)[number];

/** Non-Ray kinds a scenario may create (apiVersion -> kinds). */
export const OTHER_MANIFEST_KINDS: Readonly<Record<string, readonly string[]>> = {
  v1: ['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'kueue.x-k8s.io/v1beta1': ['ResourceFlavor', 'ClusterQueue', 'LocalQueue', 'WorkloadPriorityClass', 'Cohort'],
  'scheduling.volcano.sh/v1beta1': ['Queue'],
};

const CRD_FILES: Record<RayManifestKind, string> = {
  RayJob: 'ray.io_rayjobs.yaml',
  RayCluster: 'ray.io_rayclusters.yaml',
  RayService: 'ray.io_rayservices.yaml',
  RayCronJob: 'ray.io_raycronjobs.yaml',
};

const schemaCache = new Map<RayManifestKind, JSONSchemaProps>();

/** The ray.io/v1 openAPIV3Schema of a kind, from controller/deploy/crds (read once). */
export function rayCrdSchema(kind: RayManifestKind): JSONSchemaProps {
  let s = schemaCache.get(kind);
  if (!s) {
    const [crd] = readManifests(path.join(defaultCrdDir(), CRD_FILES[kind]));
    const versions = ((crd!.object.spec as { versions: { name: string; schema: { openAPIV3Schema: JSONSchemaProps } }[] }).versions);
    s = versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema;
    schemaCache.set(kind, s);
  }
  return s;
}

/** A problem at a field of the object; `atKey` when it concerns the key itself (an unknown field). */
export interface ManifestProblem extends FieldProblem {
  atKey?: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every problem of one manifest object; [] when it would be accepted and reconciled. */
export function checkManifestObject(obj: unknown): ManifestProblem[] {
  if (!isObj(obj)) return [{ field: '', message: 'a manifest must be an object' }];
  const problems: ManifestProblem[] = [];
  const apiVersion = obj.apiVersion;
  const kind = obj.kind;
  if (typeof apiVersion !== 'string' || apiVersion === '') problems.push({ field: 'apiVersion', message: 'apiVersion is missing' });
  if (typeof kind !== 'string' || kind === '') problems.push({ field: 'kind', message: 'kind is missing' });
  if (problems.length) return problems;
  const k = kind as string;
  const av = apiVersion as string;

  if (av.startsWith('ray.io/') || (RAY_MANIFEST_KINDS as readonly string[]).includes(k)) {
    if (av !== 'ray.io/v1') problems.push({ field: 'apiVersion', message: `apiVersion must be ray.io/v1 for Ray kinds, got '${av}'` });
    if (!(RAY_MANIFEST_KINDS as readonly string[]).includes(k)) {
      const s = closest(k, RAY_MANIFEST_KINDS);
      problems.push({ field: 'kind', message: `'${k}' is not a ray.io/v1 kind${s ? `; did you mean '${s}'?` : ` (expected one of ${RAY_MANIFEST_KINDS.join(', ')})`}` });
    }
    if (problems.length) return problems;
    return checkRayObject(obj as KubeObject, k as RayManifestKind);
  }

  const kinds = OTHER_MANIFEST_KINDS[av];
  if (!kinds || !kinds.includes(k)) {
    const all = [...RAY_MANIFEST_KINDS.map((r) => `ray.io/v1 ${r}`), ...Object.entries(OTHER_MANIFEST_KINDS).flatMap(([v, ks]) => ks.map((x) => `${v} ${x}`))];
    problems.push({ field: 'kind', message: `raysim scenarios cannot create ${av} ${k}; supported: ${all.join(', ')}` });
    return problems;
  }
  const meta = obj.metadata;
  if (!isObj(meta) || typeof meta.name !== 'string' || meta.name === '') problems.push({ field: 'metadata.name', message: 'metadata.name is required' });
  return problems;
}

function checkRayObject(obj: KubeObject, kind: RayManifestKind): ManifestProblem[] {
  const schema = rayCrdSchema(kind);
  const processed = processCustomResource(obj, schema, 'Strict');
  const problems: ManifestProblem[] = [];
  for (const e of processed.strictErrors) {
    const field = /^unknown field "(.*)"$/.exec(e)?.[1] ?? e;
    const name = splitFieldPath(field).at(-1);
    problems.push({ field, message: `unknown field '${String(name)}'${suggestField(schema, field)}`, atKey: true });
  }
  for (const c of processed.causes) {
    const field = c.field ?? '';
    problems.push({ field, message: field ? c.message.replace(`${field} in body `, '') : c.message });
  }
  // KubeRay's validation assumes well-typed input; on a type error the API server never gets that far.
  if (processed.causes.length) return problems;
  const defaulted = processed.object as KubeObject;
  const opts = { strict: true };
  switch (kind) {
    case 'RayJob':
      problems.push(...validateRayJob(defaulted as RayJob, opts));
      break;
    case 'RayCluster':
      problems.push(...validateRayCluster(defaulted as RayCluster, opts));
      break;
    case 'RayService':
      problems.push(...validateRayService(defaulted as RayService, opts));
      break;
    case 'RayCronJob':
      problems.push(...validateRayCronJob(defaulted as RayCronJob, opts));
      break;
  }
  return problems;
}

/** Splits "spec.a[0].b", "metadata.annotations[ray.io/x]" into keys and indexes. */
export function splitFieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/\.?([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  }
  return out;
}

/** "; did you mean 'x'?" for an unknown field, from its siblings in the CRD schema. */
function suggestField(schema: JSONSchemaProps, field: string): string {
  const segs = splitFieldPath(field);
  const last = segs.pop();
  let s: JSONSchemaProps | undefined = schema;
  for (const seg of segs) {
    if (!s) break;
    if (typeof seg === 'number') s = Array.isArray(s.items) ? s.items[0] : s.items;
    else s = s.properties?.[seg] ?? (isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined);
  }
  const keys = s?.properties ? Object.keys(s.properties) : [];
  const c = typeof last === 'string' ? closest(last, keys) : undefined;
  return c ? `; did you mean '${c}'?` : '';
}
