// A minimal OpenAPI v3 surface: the root index (/openapi/v3) and one document per group-version.
// kubectl needs it to decide whether the server validates fields itself: it looks for a PATCH
// operation tagged with the kind's x-kubernetes-group-version-kind that accepts the
// `fieldValidation` query parameter, and then sends `fieldValidation=Strict` instead of
// validating on the client. Custom resources also carry their openAPIV3Schema so `kubectl
// explain` has something to show. Built-in kinds carry no schema: kubectl then falls back to its
// compiled-in types for strategic merge patches, which is what it does on any server without them.

import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../registry.js';
import type { ResourceType } from '../resource-type.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** A hash of what the registry serves, so kubectl's cache notices new CRDs. */
function registryHash(registry: ResourceRegistry): string {
  const h = createHash('sha256');
  for (const rt of registry.all()) h.update(`${rt.group}/${rt.servedVersions.join(',')}/${rt.plural}/${rt.crd?.crdUid ?? ''};`);
  return h.digest('hex').slice(0, 32).toUpperCase();
}

export function openApiV3Root(registry: ResourceRegistry): object {
  const hash = registryHash(registry);
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const v of versions) paths[gvPath(group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, v)}?hash=${hash}` };
  }
  return { paths };
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function schemaName(rt: ResourceType, version: string): string {
  const g = rt.group ? rt.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${g}.${version}.${rt.kind}`;
}

export function openApiV3GroupVersion(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.all().filter((rt) => rt.group === group && rt.servedVersions.includes(version));
  if (!types.length) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const rt of types) {
    const gvk = [{ group: rt.group, version, kind: rt.kind }];
    const base = `/${gvPath(group, version)}${rt.namespaced ? '/namespaces/{namespace}' : ''}/${rt.plural}`;
    const op = (verb: string) => ({
      operationId: `${verb}${rt.kind}`,
      parameters: verb === 'patch' || verb === 'create' || verb === 'replace' ? QUERY_PARAMS : [],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': verb === 'replace' ? 'put' : verb,
      'x-kubernetes-group-version-kind': gvk[0],
    });
    paths[base] = { get: op('list'), post: op('create') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('replace'), patch: op('patch'), delete: op('delete') };
    const crdSchema = rt.crd?.schemas[version];
    if (crdSchema && typeof crdSchema === 'object') schemas[schemaName(rt, version)] = { ...crdSchema, 'x-kubernetes-group-version-kind': gvk };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'raysim', version: 'v1.32.0-raysim' },
    paths,
    components: { schemas },
  };
}
