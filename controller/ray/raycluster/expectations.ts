// Scale expectations (KubeRay's expectations/scale_expectations.go). The informer cache lags the
// API server: right after the controller creates or deletes a pod, the cache may still show the
// old set, and acting on it again would create a second pod or count a deleted one. So every
// create/delete is remembered per (namespace, cluster, group), and a group is left alone until
// the cache shows each of them: a created pod present (or 30 s passed, in case something else
// deleted it meanwhile), a deleted pod gone. The head is the group "".

import type { Pod } from '../../api/core-types.js';
import { POD } from '../../api/constants.js';
import type { CacheReader } from '../../runtime/reconciler.js';

export const HEAD_GROUP = '';
/** A create expectation counts as met after this long even if the pod never shows (ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 30_000;

export type ScaleAction = 'create' | 'delete';

export interface ExpectedPod {
  namespace: string;
  cluster: string;
  group: string;
  name: string;
  action: ScaleAction;
  /** Clock time (ms) of the create/delete. */
  at: number;
}

const groupKey = (namespace: string, cluster: string, group: string): string => `${namespace}/${cluster}/${group}`;

export class ScaleExpectations {
  /** group key -> pod key (namespace/name) -> expectation. One entry per pod: a later action replaces it. */
  private readonly groups = new Map<string, Map<string, ExpectedPod>>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  expect(namespace: string, cluster: string, group: string, name: string, action: ScaleAction, now: number): void {
    const key = groupKey(namespace, cluster, group);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new Map()));
    g.set(`${namespace}/${name}`, { namespace, cluster, group, name, action, at: now });
  }

  /** Whether one expectation is visible in the cache. */
  isMet(e: ExpectedPod, cache: CacheReader, now: number): boolean {
    const pod = cache.get<Pod>(POD, e.name, e.namespace);
    if (e.action === 'create') return pod !== undefined || now >= e.at + this.timeoutMs;
    return pod === undefined;
  }

  /** True when every expectation of the group is met; met ones are forgotten as they are checked. */
  isSatisfied(cache: CacheReader, namespace: string, cluster: string, group: string, now: number): boolean {
    const key = groupKey(namespace, cluster, group);
    const g = this.groups.get(key);
    if (!g) return true;
    for (const [podKey, e] of [...g]) {
      if (!this.isMet(e, cache, now)) return false;
      g.delete(podKey);
    }
    this.groups.delete(key);
    return true;
  }

  /** Forgets everything about a cluster (it was deleted, or all its pods are being recreated). */
  delete(namespace: string, cluster: string): void {
    const prefix = `${namespace}/${cluster}/`;
    for (const key of [...this.groups.keys()]) if (key.startsWith(prefix)) this.groups.delete(key);
  }

  /** Outstanding expectations of a group (tests, debugging). */
  pending(namespace: string, cluster: string, group: string): ExpectedPod[] {
    return [...(this.groups.get(groupKey(namespace, cluster, group))?.values() ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.size;
    return n;
  }
}
