// One placement decision, pure over a snapshot: filter the nodes, score the feasible ones with the
// policy, take the best (ties to the lowest node name, so runs repeat; kube-scheduler breaks ties
// at random). Every node is considered (percentageOfNodesToScore = 100), but cheaply:
//   - a pod that asks for g GPUs only visits the snapshot's buckets of nodes with at least g free
//     GPUs (the others fail NodeResourcesFit anyway);
//   - when neither the pod (no nodeSelector, no required node affinity) nor the filters and the
//     policy read labels or names, one representative per NodeGroup is filtered and scored for
//     all the group's members, and a tie goes to the lowest name among the tied groups' members.
// When no node fits, every node is accounted for to explain why, in kube-scheduler's FitError
// words: "0/16 nodes are available: 16 Insufficient nvidia.com/gpu." (each node counted under the
// reasons of the first plugin that rejected it, the "N reason" strings sorted as Go's
// sort.Strings sorts them, joined with ", ", ending with ".").

import type { Pod } from '../../controller/api/core-types.js';
import type { ClusterSnapshot, NodeGroup, NodeInfo } from './cluster-snapshot.js';
import { DEFAULT_FILTERS, passesFilters, runFilters, type FilterPlugin, type FilterPluginName } from './filters.js';
import { podInfo, type PodInfo } from './pod-info.js';
import type { PlacementPolicy } from './placement-policy.js';

/** kube-scheduler's ErrNoNodesAvailable, for a cluster with no nodes at all. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface Placement {
  node: string;
  score: number;
  /** Nodes that passed every filter (of those visited). */
  feasibleNodes: number;
}

export interface Unschedulable {
  /** kube-scheduler's message, for the PodScheduled condition and the FailedScheduling event. */
  unschedulable: string;
  /** Nodes per reason. */
  reasons: Record<string, number>;
  /** The plugins that rejected at least one node (for queueing hints), in filter order. */
  rejectedBy: FilterPluginName[];
}

export type Decision = Placement | Unschedulable;

export function isPlacement(d: Decision): d is Placement {
  return (d as Placement).node !== undefined;
}

export interface DecideOptions {
  filters?: readonly FilterPlugin[];
}

/** Where `pod` should go, or why it cannot go anywhere. Reads the snapshot; changes nothing. */
export function decide(pod: Pod | PodInfo, snapshot: ClusterSnapshot, policy: PlacementPolicy, opts: DecideOptions = {}): Decision {
  const info = isPodInfo(pod) ? pod : podInfo(pod);
  const filters = opts.filters ?? DEFAULT_FILTERS;
  if (snapshot.nodeCount === 0) return { unschedulable: NO_NODES_AVAILABLE, reasons: {}, rejectedBy: [] };
  const gpus = Math.ceil(info.gpu / 1000);
  let best: NodeInfo | undefined;
  let bestScore = -1;
  let feasible = 0;
  if (decidesByGroup(info, filters, policy)) {
    const tied: NodeGroup[] = [];
    snapshot.forEachCandidateGroup(gpus, (group) => {
      const node = group.representative;
      if (!passesFilters(info, node, filters)) return;
      feasible += group.size;
      const s = policy.score(info, node);
      if (s > bestScore) {
        bestScore = s;
        tied.length = 0;
        tied.push(group);
      } else if (s === bestScore) tied.push(group);
    });
    for (const g of tied) {
      const n = g.lowestRank();
      if (!best || n.rank < best.rank) best = n;
    }
  } else {
    snapshot.forEachCandidate(gpus, (node) => {
      if (!passesFilters(info, node, filters)) return;
      feasible++;
      const s = policy.score(info, node);
      if (s > bestScore || (s === bestScore && node.rank < best!.rank)) {
        best = node;
        bestScore = s;
      }
    });
  }
  if (best) return { node: best.name, score: bestScore, feasibleNodes: feasible };
  return diagnose(info, snapshot, filters);
}

/** Whether one node per NodeGroup stands for all: nothing in this decision reads labels or names. */
export function decidesByGroup(pod: PodInfo, filters: readonly FilterPlugin[] = DEFAULT_FILTERS, policy?: PlacementPolicy): boolean {
  return filters === DEFAULT_FILTERS && pod.nodeSelector === undefined && pod.requiredNodeAffinity === undefined && !policy?.perNode;
}

/** Filters every node and counts the reasons of the first plugin that rejects each. */
export function diagnose(pod: Pod | PodInfo, snapshot: ClusterSnapshot, filters: readonly FilterPlugin[] = DEFAULT_FILTERS): Unschedulable {
  const info = isPodInfo(pod) ? pod : podInfo(pod);
  const reasons: Record<string, number> = {};
  const plugins = new Set<FilterPluginName>();
  const n = snapshot.nodeCount;
  if (n === 0) return { unschedulable: NO_NODES_AVAILABLE, reasons, rejectedBy: [] };
  const count = (node: NodeInfo, times: number): void => {
    const r = runFilters(info, node, filters);
    if (!r) return;
    plugins.add(r.plugin);
    for (const reason of r.reasons) reasons[reason] = (reasons[reason] ?? 0) + times;
  };
  if (decidesByGroup(info, filters)) snapshot.forEachGroup((g) => count(g.representative, g.size));
  else for (const node of snapshot.nodes()) count(node, 1);
  return { unschedulable: fitErrorMessage(n, reasons), reasons, rejectedBy: filters.map((f) => f.name).filter((p) => plugins.has(p)) };
}

/** kube-scheduler's FitError.Error(): "0/N nodes are available: <count reason>, ... ." */
export function fitErrorMessage(numAllNodes: number, reasons: Readonly<Record<string, number>>): string {
  const parts = Object.keys(reasons).map((r) => `${reasons[r]} ${r}`);
  // Go's sort.Strings: byte order (the strings are ASCII, so UTF-16 order is the same).
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

function isPodInfo(p: Pod | PodInfo): p is PodInfo {
  return typeof (p as PodInfo).schedulingKey === 'string';
}
