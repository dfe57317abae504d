// The CacheReader reconcilers read through: one informer per kind, answered from the informers'
// indexes. A kind no informer watches throws rather than silently returning nothing, because an
// empty answer would look like "no such objects" and a reconciler would act on it.

import type { ResourceId } from './kube-client.js';
import type { KubeObject } from './kube-object.js';
import type { Informer } from './informer.js';
import type { CacheListOptions, CacheReader } from './reconciler.js';

/** "v1/ConfigMap", "ray.io/v1/RayCluster": one informer per key. */
export function resourceKey(id: ResourceId): string {
  return `${id.apiVersion}/${id.kind}`;
}

export class InformerCache implements CacheReader {
  private readonly informers = new Map<string, Informer>();

  /** Serves `informer.id` from this informer (replacing any previous one). */
  set(informer: Informer): void {
    this.informers.set(resourceKey(informer.id), informer);
  }

  informerFor(id: ResourceId): Informer | undefined {
    return this.informers.get(resourceKey(id));
  }

  /** Forgets every informer (a restarted manager builds new ones). */
  clear(): void {
    this.informers.clear();
  }

  kinds(): ResourceId[] {
    return [...this.informers.values()].map((i) => i.id);
  }

  hasSynced(): boolean {
    for (const i of this.informers.values()) if (!i.hasSynced()) return false;
    return true;
  }

  get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): T | undefined {
    return this.require(id).get(name, namespace) as T | undefined;
  }

  list<T extends KubeObject = KubeObject>(id: ResourceId, opts?: CacheListOptions): T[] {
    return this.require(id).list(opts) as T[];
  }

  private require(id: ResourceId): Informer {
    const i = this.informers.get(resourceKey(id));
    if (i) return i;
    const known = [...this.informers.keys()].sort().join(', ') || 'none';
    throw new Error(
      `cache: no informer for ${resourceKey(id)} (cached kinds: ${known}); name it in a reconciler's for/owns/watches or in the manager's cacheKinds`,
    );
  }
}
