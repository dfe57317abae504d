// The explicit registry of served kinds: built-ins at construction, custom resources as their
// CRDs are established. Lookups by group+plural (REST paths) and by apiVersion+kind (objects).

import { ApiError, errors } from '../../controller/runtime/api-error.js';
import { splitApiVersion } from '../../controller/runtime/kube-object.js';
import { groupResource, type ResourceType } from './resource-type.js';

export class ResourceRegistry {
  private readonly byResource = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(types: ResourceType[] = []) {
    for (const t of types) this.add(t);
  }

  add(rt: ResourceType): void {
    const key = groupResource(rt);
    if (this.byResource.has(key)) throw new Error(`resource ${key} is already registered`);
    this.byResource.set(key, rt);
    this.byKind.set(`${rt.group}/${rt.kind}`, rt);
  }

  /** Replaces a custom resource's definition in place (CRD update), keeping its stored objects. */
  replace(rt: ResourceType): void {
    const key = groupResource(rt);
    const old = this.byResource.get(key);
    if (old) this.byKind.delete(`${old.group}/${old.kind}`);
    this.byResource.set(key, rt);
    this.byKind.set(`${rt.group}/${rt.kind}`, rt);
  }

  remove(group: string, plural: string): ResourceType | undefined {
    const key = group ? `${plural}.${group}` : plural;
    const rt = this.byResource.get(key);
    if (!rt) return undefined;
    this.byResource.delete(key);
    this.byKind.delete(`${rt.group}/${rt.kind}`);
    return rt;
  }

  find(group: string, plural: string): ResourceType | undefined {
    return this.byResource.get(group ? `${plural}.${group}` : plural);
  }

  /** By REST path: the version must be one the kind serves. */
  resolve(group: string, version: string, plural: string): ResourceType {
    const rt = this.find(group, plural);
    if (!rt || !rt.servedVersions.includes(version))
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${group ? `${group}/` : ''}${version}, ${plural})`);
    return rt;
  }

  /** By an object's apiVersion and kind. */
  forObject(apiVersion: string | undefined, kind: string | undefined): ResourceType {
    if (!apiVersion || !kind) throw errors.badRequest(`Object 'Kind' or 'apiVersion' is missing in the request body`);
    const { group, version } = splitApiVersion(apiVersion);
    const rt = this.byKind.get(`${group}/${kind}`);
    if (!rt || !rt.servedVersions.includes(version)) throw new ApiError(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return rt;
  }

  findKind(group: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${group}/${kind}`);
  }

  all(): ResourceType[] {
    return [...this.byResource.values()];
  }

  /** Groups with the versions they serve, in registration order (core group first, as "/api"). */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const rt of this.byResource.values()) {
      const vs = out.get(rt.group) ?? [];
      for (const v of rt.servedVersions) if (!vs.includes(v)) vs.push(v);
      out.set(rt.group, vs);
    }
    return out;
  }
}
