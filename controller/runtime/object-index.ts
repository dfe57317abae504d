// The informer's indexed store of one kind: objects by namespace/name key, plus indexes by uid,
// namespace, owner uid and label values, so that the questions reconcilers ask every time ("the
// pods of this RayCluster", "what this object owns") cost the size of the answer, not of the
// cache. Label indexes are built on the first query that uses a label key and kept from then on,
// so any equality lookup becomes indexed without configuring it; ray.io/cluster is indexed from
// the start. Objects are stored as given and never copied or changed.

import type { CacheListOptions } from './reconciler.js';
import { objectKey, type KubeObject } from './kube-object.js';

/** The label KubeRay puts on everything that belongs to a RayCluster. */
export const RAY_CLUSTER_LABEL = 'ray.io/cluster';

type Buckets = Map<string, Set<string>>;

function addTo(buckets: Buckets, value: string, key: string): void {
  let s = buckets.get(value);
  if (!s) buckets.set(value, (s = new Set()));
  s.add(key);
}

function removeFrom(buckets: Buckets, value: string, key: string): void {
  const s = buckets.get(value);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) buckets.delete(value);
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
}

// Plain code-unit order, as the API server lists objects (and cheaper than localeCompare).
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ObjectIndex {
  private readonly objects = new Map<string, KubeObject>();
  private readonly byUid = new Map<string, string>();
  private readonly byNamespace: Buckets = new Map();
  private readonly byOwner: Buckets = new Map();
  /** label key -> label value -> object keys. */
  private readonly byLabel = new Map<string, Buckets>();

  constructor(indexedLabels: readonly string[] = [RAY_CLUSTER_LABEL]) {
    for (const l of indexedLabels) this.byLabel.set(l, new Map());
  }

  get size(): number {
    return this.objects.size;
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  getByUid(uid: string): KubeObject | undefined {
    const k = this.byUid.get(uid);
    return k === undefined ? undefined : this.objects.get(k);
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  /** Stores obj under its key and returns the object it replaced. */
  set(obj: KubeObject): KubeObject | undefined {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    // Most updates (status writes) change nothing an index looks at: keep the entries.
    if (old && sameIndexedFields(old, obj)) return old;
    if (old) this.unindex(key, old);
    this.index(key, obj);
    return old;
  }

  remove(key: string): KubeObject | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    this.unindex(key, old);
    return old;
  }

  clear(): void {
    this.objects.clear();
    this.byUid.clear();
    this.byNamespace.clear();
    this.byOwner.clear();
    for (const b of this.byLabel.values()) b.clear();
  }

  /** Objects matching every given condition, in key order. */
  list(opts: CacheListOptions = {}): KubeObject[] {
    const { namespace, labels, ownerUid } = opts;
    const ns = namespace || undefined;
    // Start from the smallest candidate set any index offers, then filter on the rest. Reconcilers
    // list a handful of objects many times a second, so this path avoids closures and sorting one.
    let keys: Set<string> | undefined;
    let indexed = false;
    if (ownerUid !== undefined) {
      keys = this.byOwner.get(ownerUid);
      indexed = true;
    }
    if (labels) {
      for (const l in labels) {
        const s = this.labelBuckets(l).get(labels[l]!);
        if (!indexed || (s?.size ?? 0) < (keys?.size ?? 0)) keys = s;
        indexed = true;
      }
    }
    if (ns !== undefined) {
      const s = this.byNamespace.get(ns);
      if (!indexed || (s?.size ?? 0) < (keys?.size ?? 0)) keys = s;
      indexed = true;
    }
    if (indexed && !keys) return [];
    const found: string[] = [];
    for (const k of keys ?? this.objects.keys()) {
      const o = this.objects.get(k);
      if (o && matches(o, ns, labels, ownerUid)) found.push(k);
    }
    if (found.length > 1) found.sort(compareKeys);
    const out = new Array<KubeObject>(found.length);
    for (let i = 0; i < found.length; i++) out[i] = this.objects.get(found[i]!)!;
    return out;
  }

  private labelBuckets(label: string): Buckets {
    let b = this.byLabel.get(label);
    if (!b) {
      // First query on this label key: index it from now on.
      b = new Map();
      for (const [k, o] of this.objects) {
        const v = o.metadata.labels?.[label];
        if (v !== undefined) addTo(b, v, k);
      }
      this.byLabel.set(label, b);
    }
    return b;
  }

  private index(key: string, obj: KubeObject): void {
    const m = obj.metadata;
    if (m.uid) this.byUid.set(m.uid, key);
    if (m.namespace) addTo(this.byNamespace, m.namespace, key);
    for (const r of m.ownerReferences ?? []) if (r.uid) addTo(this.byOwner, r.uid, key);
    const labels = m.labels;
    if (labels) {
      for (const [l, b] of this.byLabel) {
        const v = labels[l];
        if (v !== undefined) addTo(b, v, key);
      }
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    const m = obj.metadata;
    if (m.uid && this.byUid.get(m.uid) === key) this.byUid.delete(m.uid);
    if (m.namespace) removeFrom(this.byNamespace, m.namespace, key);
    for (const r of m.ownerReferences ?? []) if (r.uid) removeFrom(this.byOwner, r.uid, key);
    const labels = m.labels;
    if (labels) {
      for (const [l, b] of this.byLabel) {
        const v = labels[l];
        if (v !== undefined) removeFrom(b, v, key);
      }
    }
  }
}

/** uid, namespace, owner uids and labels (every label: indexes are added on first use) are equal. */
function sameIndexedFields(a: KubeObject, b: KubeObject): boolean {
  const am = a.metadata;
  const bm = b.metadata;
  if (am.uid !== bm.uid || am.namespace !== bm.namespace) return false;
  const ao = am.ownerReferences ?? [];
  const bo = bm.ownerReferences ?? [];
  if (ao !== bo) {
    if (ao.length !== bo.length) return false;
    for (let i = 0; i < ao.length; i++) if (ao[i]!.uid !== bo[i]!.uid) return false;
  }
  const al = am.labels;
  const bl = bm.labels;
  if (al === bl) return true;
  if (!al || !bl) return !al && !bl;
  let n = 0;
  for (const k in al) {
    if (al[k] !== bl[k]) return false;
    n++;
  }
  for (const _ in bl) n--;
  return n === 0;
}

function matches(o: KubeObject, ns: string | undefined, labels: Record<string, string> | undefined, ownerUid: string | undefined): boolean {
  const m = o.metadata;
  if (ns !== undefined && m.namespace !== ns) return false;
  if (labels) {
    const have = m.labels;
    for (const l in labels) if (have?.[l] !== labels[l]) return false;
  }
  if (ownerUid !== undefined && !(m.ownerReferences ?? []).some((r) => r.uid === ownerUid)) return false;
  return true;
}
