// Filter plugins: may this pod go on this node? Each is named after the kube-scheduler plugin it
// models and answers with undefined (pass) or the reasons, worded exactly as kube-scheduler words
// them, because the reasons end up counted in "0/16 nodes are available: ..." messages that
// people grep for. They run in kube-scheduler's default-profile order, and a node is rejected by
// the first plugin that fails (only that plugin's reasons are counted for it).
//
// NodeReady has no kube-scheduler counterpart: there the node lifecycle controller taints a node
// whose Ready condition is False (node.kubernetes.io/not-ready) or Unknown
// (node.kubernetes.io/unreachable) and TaintToleration rejects it. A simulated cluster may have no
// lifecycle controller, so NodeReady applies the same NoSchedule taint from the condition itself,
// with the same message; a node that carries the taint already is rejected by TaintToleration first.

import type { NodeSelectorRequirement, NodeSelectorTerm, Taint, TaintEffect, Toleration } from '../../controller/api/core-types.js';
import type { NodeInfo } from './cluster-snapshot.js';
import { ONE_POD } from './cluster-snapshot.js';
import { GPU_RESOURCE, type PodInfo } from './pod-info.js';

export type FilterPluginName = 'NodeUnschedulable' | 'TaintToleration' | 'NodeReady' | 'NodeAffinity' | 'NodeResourcesFit';

export type FilterResult = readonly string[] | undefined;

export interface FilterPlugin {
  readonly name: FilterPluginName;
  /** undefined when the node passes, else the reasons in kube-scheduler's words. */
  filter(pod: PodInfo, node: NodeInfo): FilterResult;
}

export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** kube-scheduler's reasons, verbatim. */
export const REASON = {
  unschedulable: 'node(s) were unschedulable',
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  tooManyPods: 'Too many pods',
} as const;

export function untoleratedTaintReason(t: Pick<Taint, 'key' | 'value'>): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

// ---------------------------------------------------------------------------------------------
// Taints and tolerations (k8s.io/api core/v1 Toleration.ToleratesTaint)

export function toleratesTaint(t: Toleration, taint: { key: string; value?: string; effect: TaintEffect }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function toleratesAny(tolerations: readonly Toleration[], taint: { key: string; value?: string; effect: TaintEffect }): boolean {
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i]!, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint none of the tolerations tolerates (FindMatchingUntoleratedTaint). */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i]!;
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!toleratesAny(tolerations, taint)) return taint;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Node selectors and affinity (k8s.io/component-helpers scheduling/corev1/nodeaffinity)

function matchesRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = parseIntStrict(value);
      const want = parseIntStrict(values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** One term: every expression and field requirement holds. An empty term matches no node. */
export function matchesTerm(term: NodeSelectorTerm, node: Pick<NodeInfo, 'name' | 'labels'>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchesRequirement(r, Object.prototype.hasOwnProperty.call(node.labels, r.key) ? node.labels[r.key] : undefined)) return false;
  for (const r of fields) {
    // Only metadata.name is a supported field (In/NotIn).
    if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return false;
    if (!matchesRequirement(r, node.name)) return false;
  }
  return true;
}

/** nodeSelector (every pair) and required node affinity (any term). */
export function matchesNodeSelectorAndAffinity(pod: PodInfo, node: Pick<NodeInfo, 'name' | 'labels'>): boolean {
  const sel = pod.nodeSelector;
  if (sel) for (const k in sel) if (!Object.prototype.hasOwnProperty.call(node.labels, k) || node.labels[k] !== sel[k]) return false;
  const terms = pod.requiredNodeAffinity;
  if (terms) {
    let any = false;
    for (const t of terms) {
      if (matchesTerm(t, node)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The plugins

const UNSCHEDULABLE_REASONS: readonly string[] = Object.freeze([REASON.unschedulable]);
const AFFINITY_REASONS: readonly string[] = Object.freeze([REASON.nodeAffinity]);
const NOT_READY_REASONS: readonly string[] = Object.freeze([untoleratedTaintReason({ key: TAINT_NODE_NOT_READY })]);
const UNREACHABLE_REASONS: readonly string[] = Object.freeze([untoleratedTaintReason({ key: TAINT_NODE_UNREACHABLE })]);
const taintReasons = new Map<string, readonly string[]>();
const GPU_INSUFFICIENT = insufficientReason(GPU_RESOURCE);

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, node) {
    if (!node.unschedulable) return undefined;
    return toleratesAny(pod.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' }) ? undefined : UNSCHEDULABLE_REASONS;
  },
};

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, node) {
    if (node.taints.length === 0) return undefined;
    const t = firstUntoleratedTaint(node.taints, pod.tolerations);
    if (!t) return undefined;
    const reason = untoleratedTaintReason(t);
    let r = taintReasons.get(reason);
    if (!r) {
      r = Object.freeze([reason]);
      if (taintReasons.size < 1024) taintReasons.set(reason, r);
    }
    return r;
  },
};

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(pod, node) {
    if (node.ready === 'True') return undefined;
    const key = node.ready === 'False' ? TAINT_NODE_NOT_READY : TAINT_NODE_UNREACHABLE;
    if (toleratesAny(pod.tolerations, { key, effect: 'NoSchedule' })) return undefined;
    return node.ready === 'False' ? NOT_READY_REASONS : UNREACHABLE_REASONS;
  },
};

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, node) {
    if (!pod.nodeSelector && !pod.requiredNodeAffinity) return undefined;
    return matchesNodeSelectorAndAffinity(pod, node) ? undefined : AFFINITY_REASONS;
  },
};

/**
 * Every requested resource must fit: requests of the pods already there plus this pod's must not
 * exceed allocatable. Resources the pod does not request are not checked (an overcommitted node
 * still takes a pod that asks for none of the overcommitted resource), the pod count always is.
 * Reasons in order: pods, cpu, memory, nvidia.com/gpu, then the other resources.
 */
export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, node) {
    let reasons: string[] | undefined;
    if (node.reqPods + ONE_POD > node.allocPods) (reasons ??= []).push(REASON.tooManyPods);
    if (pod.cpu > 0 && pod.cpu > node.allocCpu - node.reqCpu) (reasons ??= []).push('Insufficient cpu');
    if (pod.memory > 0 && pod.memory > node.allocMemory - node.reqMemory) (reasons ??= []).push('Insufficient memory');
    if (pod.gpu > 0 && pod.gpu > node.allocGpu - node.reqGpu) (reasons ??= []).push(GPU_INSUFFICIENT);
    const ext = pod.extended;
    for (let i = 0; i < ext.length; i++) {
      const e = ext[i]!;
      if (e.milli > (node.allocExt.get(e.name) ?? 0) - (node.reqExt.get(e.name) ?? 0)) (reasons ??= []).push(insufficientReason(e.name));
    }
    return reasons;
  },
};

/** kube-scheduler's default-profile order (NodeName, NodePorts and the volume plugins have no model here). */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = Object.freeze([nodeUnschedulable, taintToleration, nodeReady, nodeAffinity, nodeResourcesFit]);

/** The first plugin that rejects the node, with its reasons; undefined when every plugin passes. */
export function runFilters(pod: PodInfo, node: NodeInfo, filters: readonly FilterPlugin[] = DEFAULT_FILTERS): { plugin: FilterPluginName; reasons: readonly string[] } | undefined {
  for (let i = 0; i < filters.length; i++) {
    const p = filters[i]!;
    const reasons = p.filter(pod, node);
    if (reasons) return { plugin: p.name, reasons };
  }
  return undefined;
}

/** Whether every plugin passes (the hot path: no allocation). */
export function passesFilters(pod: PodInfo, node: NodeInfo, filters: readonly FilterPlugin[] = DEFAULT_FILTERS): boolean {
  for (let i = 0; i < filters.length; i++) if (filters[i]!.filter(pod, node)) return false;
  return true;
}
