// The scheduler's view of the cluster, kept incrementally as kube-scheduler's cache is: one entry
// per node with its allocatable resources and the running sums of the requests of the pods bound
// to it, updated by addPod/removePod (a bind, a deletion) and upsertNode/removeNode, never by a
// scan of nodes x pods. Decisions read it; nothing here calls the API.
//
// Speed, for fleets of identical machines:
//   - groups: nodes that every default filter and resource score treat alike (same allocatable,
//     taints, unschedulable, readiness, and the same request sums) form one NodeGroup. Labels and
//     names are not part of the key, so a pod with no node selector or affinity, scored by a
//     policy that reads only resources, is decided by looking at one representative per group:
//     16 idle H100 nodes are one group, and a 1,024-node fleet running a few pod shapes is tens of
//     groups, not 1,024 nodes. A node moves between groups in O(1) when a pod is added or removed.
//   - GPU buckets: groups are kept in buckets by free whole GPUs (allocatable - requested
//     nvidia.com/gpu), so a pod asking for g GPUs visits only the buckets >= g.
// A pod bound to a node the snapshot does not know (yet, or any more) is kept on a "ghost" entry
// that is neither a candidate nor counted among the nodes, so a node that comes back (or arrives
// after its pods) starts with the right sums.

import type { ConditionStatus, Node, Taint } from '../../controller/api/core-types.js';
import { toMilli } from '../../controller/api/quantity.js';
import { CPU_RESOURCE, GPU_RESOURCE, MEMORY_RESOURCE, PODS_RESOURCE, type PodInfo } from './pod-info.js';

/** Milli-units of one pod, for the "pods" resource. */
export const ONE_POD = 1000;

/** A node as the filters and scores see it. Quantities are integer milli-units (memory: milli-bytes). */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** Status of the Ready condition; a node that reports no Ready condition counts as 'True'. */
  readonly ready: ConditionStatus;
  readonly allocCpu: number;
  readonly allocMemory: number;
  readonly allocGpu: number;
  readonly allocPods: number;
  /** Other allocatable resources (ephemeral-storage, hugepages-*, vendor devices). */
  readonly allocExt: ReadonlyMap<string, number>;
  /** Sums of the requests of the pods bound here. */
  readonly reqCpu: number;
  readonly reqMemory: number;
  readonly reqGpu: number;
  /** Bound pods x 1000. */
  readonly reqPods: number;
  readonly reqExt: ReadonlyMap<string, number>;
  /** Sums of the non-zero requests (kube-scheduler's NonZeroRequested), for scoring. */
  readonly nzCpu: number;
  readonly nzMemory: number;
  /** Position of the name in the sorted order of the snapshot's nodes: ties go to the lowest. */
  readonly rank: number;
}

/** Per-node sums, as `sums()` and `recomputeSums()` report them. */
export interface NodeSums {
  cpu: number;
  memory: number;
  gpu: number;
  pods: number;
  nzCpu: number;
  nzMemory: number;
  ext: Record<string, number>;
}

class NodeState implements NodeInfo {
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  ready: ConditionStatus = 'True';
  allocCpu = 0;
  allocMemory = 0;
  allocGpu = 0;
  allocPods = 0;
  allocExt = new Map<string, number>();
  reqCpu = 0;
  reqMemory = 0;
  reqGpu = 0;
  reqPods = 0;
  reqExt = new Map<string, number>();
  nzCpu = 0;
  nzMemory = 0;
  rank = 0;
  /** Has a Node object (schedulable candidate) rather than being a ghost holding pods. */
  present = false;
  /** Fingerprint of what the filters read, to tell relevant node updates from heartbeats. */
  signature = '';
  /** The label-free part of the signature (allocatable, taints, unschedulable, readiness) ... */
  staticSig = '';
  /** ... interned. */
  staticId = -1;
  group: Group | undefined;
  readonly pods = new Set<string>();
  constructor(readonly name: string) {}

  freeGpus(): number {
    const free = this.allocGpu - this.reqGpu;
    return free > 0 ? Math.floor(free / 1000) : 0;
  }

  groupKey(): string {
    let k = `${this.staticId}|${this.reqCpu}|${this.reqMemory}|${this.reqGpu}|${this.reqPods}|${this.nzCpu}|${this.nzMemory}`;
    if (this.reqExt.size > 0) for (const [r, v] of [...this.reqExt].sort()) k += `|${r}=${v}`;
    return k;
  }
}

/** Nodes that the default filters and resource scores cannot tell apart (labels and names aside). */
export interface NodeGroup {
  readonly size: number;
  /** Any member: what the filters and scores see of all of them. */
  readonly representative: NodeInfo;
  /** The member whose name sorts first (where a tie among the members goes). */
  lowestRank(): NodeInfo;
  members(): Iterable<NodeInfo>;
}

class Group implements NodeGroup {
  readonly nodes = new Set<NodeState>();
  bucket = -1;
  bucketPos = -1;
  /** Cached lowest-ranked member; undefined when unknown. */
  min: NodeState | undefined;
  constructor(
    readonly key: string,
    readonly free: number,
  ) {}

  get size(): number {
    return this.nodes.size;
  }

  get representative(): NodeState {
    return this.nodes.values().next().value!;
  }

  lowestRank(): NodeState {
    if (this.min) return this.min;
    let best: NodeState | undefined;
    for (const n of this.nodes) if (!best || n.rank < best.rank) best = n;
    this.min = best;
    return best!;
  }

  members(): Iterable<NodeState> {
    return this.nodes;
  }
}

interface PodEntry {
  node: NodeState;
  pod: PodInfo;
}

export class ClusterSnapshot {
  private readonly states = new Map<string, NodeState>();
  private readonly podEntries = new Map<string, PodEntry>();
  private readonly groups = new Map<string, Group>();
  /** buckets[g]: the groups whose nodes have exactly g free whole GPUs. */
  private buckets: Group[][] = [[]];
  /** Label-free node signatures in use, interned to small ids (refcounted, so they do not pile up). */
  private readonly statics = new Map<string, { id: number; refs: number }>();
  private nextStaticId = 0;
  private present = 0;
  private sorted: NodeState[] = [];
  private ranksValid = true;

  /** Nodes that have a Node object. */
  get nodeCount(): number {
    return this.present;
  }

  /** Groups of interchangeable nodes (see NodeGroup). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Pods bound (or assumed) to any node, ghost nodes included. */
  get podCount(): number {
    return this.podEntries.size;
  }

  node(name: string): NodeInfo | undefined {
    const s = this.states.get(name);
    if (!s?.present) return undefined;
    this.ensureRanks();
    return s;
  }

  /** Every node with a Node object, in name order. */
  nodes(): readonly NodeInfo[] {
    this.ensureRanks();
    return this.sorted;
  }

  /** The group of a present node. */
  groupOf(name: string): NodeGroup | undefined {
    const s = this.states.get(name);
    if (!s?.present) return undefined;
    this.ensureRanks();
    return s.group;
  }

  hasPod(key: string): boolean {
    return this.podEntries.has(key);
  }

  /** The node a pod is bound to, ghost nodes included. */
  podNode(key: string): string | undefined {
    return this.podEntries.get(key)?.node.name;
  }

  /** Keys of the pods bound to a node, ghost nodes included. */
  podsOn(name: string): string[] {
    return [...(this.states.get(name)?.pods ?? [])];
  }

  /**
   * Adds or updates a node from its Node object. Returns true when something the filters read
   * changed (allocatable, labels, taints, unschedulable, readiness) or the node is new; false for
   * an update that changes nothing the scheduler reads (a heartbeat).
   */
  upsertNode(node: Node): boolean {
    const name = node.metadata.name ?? '';
    let s = this.states.get(name);
    if (!s) {
      s = new NodeState(name);
      this.states.set(name, s);
    }
    const alloc = node.status?.allocatable ?? {};
    const labels = node.metadata.labels ?? {};
    const taints = node.spec?.taints ?? [];
    const unschedulable = node.spec?.unschedulable === true;
    const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? 'True';
    // timeAdded does not change what a taint does.
    const staticSig = JSON.stringify([alloc, taints.map((t) => [t.key, t.value ?? '', t.effect]), unschedulable, ready]);
    const signature = `${staticSig}${JSON.stringify(labels)}`;
    const wasPresent = s.present;
    if (wasPresent && signature === s.signature) return false;
    s.signature = signature;
    if (staticSig !== s.staticSig) {
      if (wasPresent) this.releaseStatic(s);
      let st = this.statics.get(staticSig);
      if (!st) {
        st = { id: this.nextStaticId++, refs: 0 };
        this.statics.set(staticSig, st);
      }
      st.refs++;
      s.staticSig = staticSig;
      s.staticId = st.id;
    }
    s.labels = labels;
    s.taints = taints;
    s.unschedulable = unschedulable;
    s.ready = ready;
    s.allocCpu = toMilli(alloc[CPU_RESOURCE]);
    s.allocMemory = toMilli(alloc[MEMORY_RESOURCE]);
    s.allocGpu = toMilli(alloc[GPU_RESOURCE]);
    s.allocPods = toMilli(alloc[PODS_RESOURCE]);
    s.allocExt = new Map();
    for (const r of Object.keys(alloc)) {
      if (r === CPU_RESOURCE || r === MEMORY_RESOURCE || r === GPU_RESOURCE || r === PODS_RESOURCE) continue;
      s.allocExt.set(r, toMilli(alloc[r]));
    }
    if (!wasPresent) {
      s.present = true;
      this.present++;
      this.ranksValid = false;
    }
    this.regroup(s);
    return true;
  }

  /** Removes a node: it is no longer a candidate and no longer counted. Its pods stay on a ghost entry. */
  removeNode(name: string): boolean {
    const s = this.states.get(name);
    if (!s?.present) return false;
    this.ungroup(s);
    this.releaseStatic(s);
    s.present = false;
    s.signature = '';
    this.present--;
    this.ranksValid = false;
    if (s.pods.size === 0) this.states.delete(name);
    return true;
  }

  /** Binds (or assumes) a pod on a node, adding its requests to the node's sums. A key may be bound once. */
  addPod(key: string, nodeName: string, pod: PodInfo): void {
    if (this.podEntries.has(key)) throw new Error(`ClusterSnapshot.addPod: pod ${key} is already on node ${this.podEntries.get(key)!.node.name}`);
    let s = this.states.get(nodeName);
    if (!s) {
      s = new NodeState(nodeName);
      this.states.set(nodeName, s);
    }
    this.podEntries.set(key, { node: s, pod });
    s.pods.add(key);
    this.apply(s, pod, 1);
  }

  /** Removes a pod, freeing its requests on its node. Returns the node's name, or undefined if the pod was not there. */
  removePod(key: string): string | undefined {
    const e = this.podEntries.get(key);
    if (!e) return undefined;
    this.podEntries.delete(key);
    const s = e.node;
    s.pods.delete(key);
    this.apply(s, e.pod, -1);
    if (!s.present && s.pods.size === 0) this.states.delete(s.name);
    return s.name;
  }

  /** Groups of present nodes with at least `gpus` free whole GPUs, bucket by bucket (any order). */
  forEachCandidateGroup(gpus: number, fn: (group: NodeGroup) => void): void {
    this.ensureRanks();
    const b = this.buckets;
    for (let g = Math.max(0, gpus); g < b.length; g++) {
      const bucket = b[g]!;
      for (let i = 0; i < bucket.length; i++) fn(bucket[i]!);
    }
  }

  /** Present nodes with at least `gpus` free whole GPUs (any order: callers break ties by rank). */
  forEachCandidate(gpus: number, fn: (node: NodeInfo) => void): void {
    this.forEachCandidateGroup(gpus, (group) => {
      for (const n of (group as Group).nodes) fn(n);
    });
  }

  /** Every group of present nodes. */
  forEachGroup(fn: (group: NodeGroup) => void): void {
    this.forEachCandidateGroup(0, fn);
  }

  /** The current per-node sums, ghost nodes included. */
  sums(): Map<string, NodeSums> {
    const out = new Map<string, NodeSums>();
    for (const s of this.states.values()) {
      if (s.pods.size === 0 && !s.present) continue;
      out.set(s.name, { cpu: s.reqCpu, memory: s.reqMemory, gpu: s.reqGpu, pods: s.reqPods, nzCpu: s.nzCpu, nzMemory: s.nzMemory, ext: Object.fromEntries([...s.reqExt].filter(([, v]) => v !== 0).sort()) });
    }
    return out;
  }

  /** The per-node sums recomputed from the bound pods alone (tests check `sums()` against this). */
  recomputeSums(): Map<string, NodeSums> {
    const out = new Map<string, NodeSums>();
    for (const s of this.states.values()) {
      if (s.pods.size === 0 && !s.present) continue;
      out.set(s.name, { cpu: 0, memory: 0, gpu: 0, pods: 0, nzCpu: 0, nzMemory: 0, ext: {} });
    }
    for (const { node, pod } of this.podEntries.values()) {
      const t = out.get(node.name)!;
      t.cpu += pod.cpu;
      t.memory += pod.memory;
      t.gpu += pod.gpu;
      t.pods += ONE_POD;
      t.nzCpu += pod.nonZeroCpu;
      t.nzMemory += pod.nonZeroMemory;
      for (const e of pod.extended) t.ext[e.name] = (t.ext[e.name] ?? 0) + e.milli;
    }
    for (const t of out.values()) t.ext = Object.fromEntries(Object.entries(t.ext).sort());
    return out;
  }

  /** Checks the groups and buckets against the nodes (tests): every present node is in the group
   * its key names, every group in the bucket of its free GPUs, and nothing else is anywhere. */
  indexConsistent(): boolean {
    let nodes = 0;
    let groups = 0;
    for (let g = 0; g < this.buckets.length; g++) {
      const bucket = this.buckets[g]!;
      for (let i = 0; i < bucket.length; i++) {
        const grp = bucket[i]!;
        groups++;
        if (grp.bucket !== g || grp.bucketPos !== i || grp.free !== g || grp.size === 0 || this.groups.get(grp.key) !== grp) return false;
        for (const s of grp.nodes) {
          nodes++;
          if (!s.present || s.group !== grp || s.groupKey() !== grp.key || s.freeGpus() !== g) return false;
        }
        if (grp.min && !grp.nodes.has(grp.min)) return false;
      }
    }
    let refs = 0;
    for (const st of this.statics.values()) refs += st.refs;
    return nodes === this.present && groups === this.groups.size && refs === this.present;
  }

  /** Forgets everything. */
  clear(): void {
    this.states.clear();
    this.podEntries.clear();
    this.groups.clear();
    this.statics.clear();
    this.buckets = [[]];
    this.present = 0;
    this.sorted = [];
    this.ranksValid = true;
  }

  // ------------------------------------------------------------------------------ internals

  private apply(s: NodeState, pod: PodInfo, sign: 1 | -1): void {
    s.reqCpu += sign * pod.cpu;
    s.reqMemory += sign * pod.memory;
    s.reqGpu += sign * pod.gpu;
    s.reqPods += sign * ONE_POD;
    s.nzCpu += sign * pod.nonZeroCpu;
    s.nzMemory += sign * pod.nonZeroMemory;
    for (const e of pod.extended) {
      const v = (s.reqExt.get(e.name) ?? 0) + sign * e.milli;
      if (v === 0) s.reqExt.delete(e.name);
      else s.reqExt.set(e.name, v);
    }
    if (s.present) this.regroup(s);
  }

  private releaseStatic(s: NodeState): void {
    const st = this.statics.get(s.staticSig);
    if (st && --st.refs === 0) this.statics.delete(s.staticSig);
    s.staticSig = '';
    s.staticId = -1;
  }

  /** Moves a present node into the group its current state names (creating the group if new). */
  private regroup(s: NodeState): void {
    const key = s.groupKey();
    if (s.group?.key === key) return;
    this.ungroup(s);
    let grp = this.groups.get(key);
    if (!grp) {
      grp = new Group(key, s.freeGpus());
      this.groups.set(key, grp);
      while (this.buckets.length <= grp.free) this.buckets.push([]);
      const bucket = this.buckets[grp.free]!;
      grp.bucket = grp.free;
      grp.bucketPos = bucket.length;
      bucket.push(grp);
    }
    grp.nodes.add(s);
    s.group = grp;
    if (grp.min && s.rank < grp.min.rank) grp.min = s;
  }

  private ungroup(s: NodeState): void {
    const grp = s.group;
    if (!grp) return;
    s.group = undefined;
    grp.nodes.delete(s);
    if (grp.min === s) grp.min = undefined;
    if (grp.nodes.size > 0) return;
    this.groups.delete(grp.key);
    const bucket = this.buckets[grp.bucket]!;
    const last = bucket.pop()!;
    if (last !== grp) {
      bucket[grp.bucketPos] = last;
      last.bucketPos = grp.bucketPos;
    }
    grp.bucket = -1;
    grp.bucketPos = -1;
    // Drop empty buckets at the top so scans stop at the largest free count present.
    while (this.buckets.length > 1 && this.buckets[this.buckets.length - 1]!.length === 0) this.buckets.pop();
  }

  private ensureRanks(): void {
    if (this.ranksValid) return;
    const sorted: NodeState[] = [];
    for (const s of this.states.values()) if (s.present) sorted.push(s);
    sorted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let i = 0; i < sorted.length; i++) sorted[i]!.rank = i;
    for (const grp of this.groups.values()) grp.min = undefined;
    this.sorted = sorted;
    this.ranksValid = true;
  }
}
