// Loads the ray.io/v1 CRD schemas from controller/deploy/crds/ for the api tests.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { JSONSchemaProps } from '../../sim/kube/schema.js';

export type RayKind = 'RayCluster' | 'RayJob' | 'RayService' | 'RayCronJob';

const FILES: Record<RayKind, string> = {
  RayCluster: 'ray.io_rayclusters.yaml',
  RayJob: 'ray.io_rayjobs.yaml',
  RayService: 'ray.io_rayservices.yaml',
  RayCronJob: 'ray.io_raycronjobs.yaml',
};

const CRD_DIR = fileURLToPath(new URL('../../controller/deploy/crds/', import.meta.url));
const cache = new Map<RayKind, JSONSchemaProps>();

/** The openAPIV3Schema of the kind's served version. */
export function crdSchema(kind: RayKind): JSONSchemaProps {
  let s = cache.get(kind);
  if (!s) {
    const crd = parse(readFileSync(CRD_DIR + FILES[kind], 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] } };
    s = crd.spec.versions[0]!.schema.openAPIV3Schema;
    cache.set(kind, s);
  }
  return s;
}

/** Resolve a dotted path; `[]` steps into array items, `{}` into additionalProperties. */
export function schemaAt(root: JSONSchemaProps, path: string): JSONSchemaProps | undefined {
  let node: JSONSchemaProps | undefined = root;
  for (const step of path.split('.')) {
    if (!node) return undefined;
    const m = /^([^[{]*)((?:\[\]|\{\})*)$/.exec(step)!;
    if (m[1]) node = node.properties?.[m[1]];
    for (const suffix of m[2]!.match(/\[\]|\{\}/g) ?? []) {
      if (!node) return undefined;
      node = suffix === '[]' ? (node.items as JSONSchemaProps | undefined) : typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    }
  }
  return node;
}
