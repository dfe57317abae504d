// metav1.Condition helpers with apimachinery's meta.SetStatusCondition semantics: the transition
// time moves only when the status changes; reason, message and observedGeneration always follow.
// (Generic; kept here until controller/ray/common grows a shared copy.)

import type { Condition, ConditionStatus } from '../../api/types.js';

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

export function isConditionTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === 'True';
}

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

/** Sets (or adds) the condition in `conds` in place; `nowIso` stamps a new or changed status. Returns whether anything changed. */
export function setCondition(conds: Condition[], c: ConditionUpdate, nowIso: string): boolean {
  const existing = conds.find((x) => x.type === c.type);
  if (!existing) {
    const added: Condition = { type: c.type, status: c.status, lastTransitionTime: nowIso, reason: c.reason, message: c.message };
    if (c.observedGeneration !== undefined) added.observedGeneration = c.observedGeneration;
    conds.push(added);
    return true;
  }
  let changed = false;
  if (existing.status !== c.status) {
    existing.status = c.status;
    existing.lastTransitionTime = nowIso;
    changed = true;
  }
  if (existing.reason !== c.reason) {
    existing.reason = c.reason;
    changed = true;
  }
  if (existing.message !== c.message) {
    existing.message = c.message;
    changed = true;
  }
  if (c.observedGeneration !== undefined && existing.observedGeneration !== c.observedGeneration) {
    existing.observedGeneration = c.observedGeneration;
    changed = true;
  }
  return changed;
}

/** meta.RemoveStatusCondition, in place. */
export function removeCondition(conds: Condition[], type: string): boolean {
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) return false;
  conds.splice(i, 1);
  return true;
}
