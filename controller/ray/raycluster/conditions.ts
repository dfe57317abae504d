// metav1.Condition helpers with apimachinery's meta.SetStatusCondition semantics: one condition
// per type; lastTransitionTime moves only when the status changes. Pure: they return new lists.

import type { Condition, ConditionStatus } from '../../api/core-types.js';

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conds ?? []).find((c) => c.type === type);
}

export function isConditionTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === 'True';
}

/** Sets (or adds, at the end) the condition of `u.type`; `nowIso` stamps a status change. */
export function setCondition(conds: readonly Condition[] | undefined, u: ConditionUpdate, nowIso: string): Condition[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === u.type);
  const next: Condition = {
    type: u.type,
    status: u.status,
    lastTransitionTime: nowIso,
    reason: u.reason,
    message: u.message ?? '',
  };
  if (u.observedGeneration !== undefined) next.observedGeneration = u.observedGeneration;
  if (i < 0) {
    list.push(next);
    return list;
  }
  const old = list[i]!;
  if (old.status === u.status) next.lastTransitionTime = old.lastTransitionTime;
  list[i] = next;
  return list;
}

export function removeCondition(conds: readonly Condition[] | undefined, type: string): Condition[] {
  return (conds ?? []).filter((c) => c.type !== type);
}
