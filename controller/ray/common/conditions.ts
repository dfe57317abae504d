// metav1.Condition helpers with apimachinery's meta.SetStatusCondition semantics: one condition
// per type; lastTransitionTime moves only when the status changes; reason, message and
// observedGeneration always follow. Two forms: in place on a status being built (setCondition,
// removeCondition, as the RayService controller uses them), and pure, returning a new list and
// leaving the old one and its conditions untouched (withCondition, withoutCondition, as the
// RayCluster controller uses them on conditions it read from the cache).

import type { Condition, ConditionStatus } from '../../api/core-types.js';

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  /** Default "". */
  message?: string;
  observedGeneration?: number;
}

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

export function isConditionTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === 'True';
}

/**
 * meta.SetStatusCondition, in place: sets the condition of `u.type` in `conds` (or adds it, at the
 * end); `nowIso` stamps a new or changed status. Returns whether anything changed.
 */
export function setCondition(conds: Condition[], u: ConditionUpdate, nowIso: string): boolean {
  const message = u.message ?? '';
  const existing = findCondition(conds, u.type);
  if (!existing) {
    const added: Condition = { type: u.type, status: u.status, lastTransitionTime: nowIso, reason: u.reason, message };
    if (u.observedGeneration !== undefined) added.observedGeneration = u.observedGeneration;
    conds.push(added);
    return true;
  }
  let changed = false;
  if (existing.status !== u.status) {
    existing.status = u.status;
    existing.lastTransitionTime = nowIso;
    changed = true;
  }
  if (existing.reason !== u.reason) {
    existing.reason = u.reason;
    changed = true;
  }
  if (existing.message !== message) {
    existing.message = message;
    changed = true;
  }
  if (existing.observedGeneration !== u.observedGeneration) {
    if (u.observedGeneration === undefined) delete existing.observedGeneration;
    else existing.observedGeneration = u.observedGeneration;
    changed = true;
  }
  return changed;
}

/** setCondition on a copy: a new list; `conds` and its conditions are not changed. */
export function withCondition(conds: readonly Condition[] | undefined, u: ConditionUpdate, nowIso: string): Condition[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === u.type);
  if (i >= 0) list[i] = { ...list[i]! };
  setCondition(list, u, nowIso);
  return list;
}

/** meta.RemoveStatusCondition, in place. Returns whether there was one. */
export function removeCondition(conds: Condition[], type: string): boolean {
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) return false;
  conds.splice(i, 1);
  return true;
}

/** removeCondition on a copy: a new list without the condition of `type`. */
export function withoutCondition(conds: readonly Condition[] | undefined, type: string): Condition[] {
  return (conds ?? []).filter((c) => c.type !== type);
}
