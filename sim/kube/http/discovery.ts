// Discovery documents (/api, /apis, /apis/GROUP, /api/v1, /apis/GROUP/VERSION) and /version,
// derived from the store's registry, so a CRD applied a moment ago is discoverable by kubectl
// and client-node at once.

import type { ResourceRegistry } from '../registry.js';
import type { ResourceType } from '../resource-type.js';

const MAIN_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS: Record<string, string[]> = { status: ['get', 'patch', 'update'], scale: ['get', 'patch', 'update'], binding: ['create'], finalize: ['update'] };
const SUB_KIND: Record<string, string> = { binding: 'Binding', scale: 'Scale' };

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-raysim',
  gitCommit: 'raysim',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'n/a (raysim is TypeScript)',
  compiler: 'raysim',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(name: string, versions: string[], preferred: string): object {
  return {
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

function preferredVersion(registry: ResourceRegistry, group: string, versions: string[]): string {
  // The storage version of the group's kinds is the one to prefer; fall back to the first served.
  const storage = registry.all().find((rt) => rt.group === group)?.version;
  return storage && versions.includes(storage) ? storage : versions[0];
}

export function apiGroupList(registry: ResourceRegistry): object {
  const groups: object[] = [];
  for (const [g, versions] of registry.groups()) if (g !== '') groups.push(groupDoc(g, versions, preferredVersion(registry, g, versions)));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, versions, preferredVersion(registry, group, versions)) };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.all().filter((rt) => rt.group === group && rt.servedVersions.includes(version));
  if (!types.length) return undefined;
  const resources: object[] = [];
  for (const rt of types) {
    resources.push(resourceDoc(rt));
    for (const sub of rt.subresources) {
      resources.push({
        name: `${rt.plural}/${sub}`,
        singularName: '',
        namespaced: rt.namespaced,
        ...(SUB_KIND[sub] ? { group: sub === 'scale' ? 'autoscaling' : '', version: 'v1' } : {}),
        kind: SUB_KIND[sub] ?? rt.kind,
        verbs: SUB_VERBS[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function resourceDoc(rt: ResourceType): object {
  const doc: Record<string, unknown> = {
    name: rt.plural,
    singularName: rt.singular,
    namespaced: rt.namespaced,
    kind: rt.kind,
    verbs: MAIN_VERBS,
  };
  if (rt.shortNames.length) doc.shortNames = rt.shortNames;
  if (rt.categories.length) doc.categories = rt.categories;
  return doc;
}
