// RayService status rules (KubeRay's calculateConditions, InconsistentRayServiceStatuses,
// initializing timeout). Pure: they change the status object handed to them, nothing else.

import type { AppStatus, Condition, RayService, RayServiceStatus, RayServiceStatuses } from '../../api/types.js';
import { RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION } from '../../api/constants.js';
import { parseGoDuration } from '../../api/cron.js';
import { findCondition, isConditionTrue, setCondition, type ConditionUpdate } from '../common/conditions.js';

export type RayServiceConditionTypeName = 'Ready' | 'UpgradeInProgress' | 'RollbackInProgress' | 'Suspending' | 'Suspended';

/** setCondition with the RayService's status.observedGeneration, as KubeRay's helper does. */
export function setServiceCondition(svc: RayService, type: RayServiceConditionTypeName, status: Condition['status'], reason: string, message: string, nowIso: string): void {
  const st = (svc.status ??= {});
  const conds = (st.conditions ??= []);
  const c: ConditionUpdate = { type, status, reason, message };
  if (st.observedGeneration !== undefined) c.observedGeneration = st.observedGeneration;
  setCondition(conds, c, nowIso);
}

/** The ray.io/initializing-timeout annotation in ms (Go duration or whole seconds), if set and valid. */
export function initializingTimeoutMs(svc: RayService): number | undefined {
  const v = svc.metadata.annotations?.[RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION];
  if (v === undefined || v === '') return undefined;
  try {
    const ns = parseGoDuration(v);
    return ns > 0 ? ns / 1e6 : undefined;
  } catch {
    if (/^[+-]?\d+$/.test(v) && Number(v) > 0) return Number(v) * 1000;
    return undefined;
  }
}

/** Ready=False with reason InitializingTimeout: a terminal failure until the RayService is recreated. */
export function isInitializingTimeout(svc: RayService): boolean {
  const c = findCondition(svc.status?.conditions, 'Ready');
  return c?.status === 'False' && c.reason === 'InitializingTimeout';
}

/**
 * markFailedOnInitializingTimeout: Ready has been False with reason Initializing for longer than
 * the annotation allows: clear both cluster names (their clusters become dangling and are
 * deleted) and set Ready=False/InitializingTimeout. Returns the event message when it fired.
 */
export function markFailedOnInitializingTimeout(svc: RayService, nowMs: number, nowIso: string): string | undefined {
  const timeout = initializingTimeoutMs(svc);
  if (timeout === undefined) return undefined;
  const ready = findCondition(svc.status?.conditions, 'Ready');
  if (!ready || ready.status !== 'False' || ready.reason !== 'Initializing') return undefined;
  const spent = nowMs - Date.parse(ready.lastTransitionTime);
  if (!(spent >= timeout)) return undefined;
  const st = svc.status!;
  st.activeServiceStatus = { ...st.activeServiceStatus, rayClusterName: '' };
  st.pendingServiceStatus = { ...st.pendingServiceStatus, rayClusterName: '' };
  const msg = `RayService failed to become ready within the configured timeout of ${timeout / 1000}s. Time spent initializing: ${spent / 1000}s`;
  setServiceCondition(svc, 'Ready', 'False', 'InitializingTimeout', msg, nowIso);
  return `RayService initializing timeout exceeded after ${spent / 1000}s (configured timeout: ${timeout / 1000}s)`;
}

/**
 * calculateConditions: Ready follows the number of serve endpoints; UpgradeInProgress is True
 * while both an active and a pending cluster exist. Returns the initializing-timeout event
 * message when the timeout fired.
 */
export function calculateConditions(svc: RayService, nowMs: number, nowIso: string): string | undefined {
  const st = (svc.status ??= {});
  const conds = (st.conditions ??= []);
  if (conds.length === 0) {
    setServiceCondition(svc, 'Ready', 'False', 'Initializing', 'RayService is initializing', nowIso);
    setServiceCondition(svc, 'UpgradeInProgress', 'False', 'Initializing', 'RayService is initializing', nowIso);
  }
  let timeoutEvent: string | undefined;
  if ((st.numServeEndpoints ?? 0) > 0) {
    setServiceCondition(svc, 'Ready', 'True', 'NonZeroServeEndpoints', 'Number of serve endpoints is greater than 0', nowIso);
  } else if (isConditionTrue(conds, 'Ready')) {
    setServiceCondition(svc, 'Ready', 'False', 'ZeroServeEndpoints', 'Number of serve endpoints dropped to 0', nowIso);
  } else {
    timeoutEvent = markFailedOnInitializingTimeout(svc, nowMs, nowIso);
  }
  const active = st.activeServiceStatus?.rayClusterName ?? '';
  const pending = st.pendingServiceStatus?.rayClusterName ?? '';
  if (active !== '' && pending !== '') {
    setServiceCondition(svc, 'UpgradeInProgress', 'True', 'BothActivePendingClustersExist', 'Both active and pending Ray clusters exist', nowIso);
  } else if (active !== '') {
    setServiceCondition(svc, 'UpgradeInProgress', 'False', 'NoPendingCluster', 'Active Ray cluster exists and no pending Ray cluster', nowIso);
  } else {
    const c = findCondition(st.conditions, 'UpgradeInProgress');
    if (!c || (c.reason !== 'Initializing' && c.reason !== 'InitializingTimeout')) {
      setServiceCondition(
        svc,
        'UpgradeInProgress',
        'Unknown',
        'NoActiveCluster',
        'No active Ray cluster exists, and the RayService is not initializing. Please open a GitHub issue in the KubeRay repository.',
        nowIso,
      );
    }
  }
  return timeoutEvent;
}

function appsDiffer(a: Record<string, AppStatus> | undefined, b: Record<string, AppStatus> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  if (Object.keys(x).length !== Object.keys(y).length) return true;
  for (const [name, nb] of Object.entries(y)) {
    const na = x[name];
    if (!na) return true;
    if ((na.status ?? '') !== (nb.status ?? '') || (na.message ?? '') !== (nb.message ?? '')) return true;
    const da = na.serveDeploymentStatuses ?? {};
    const db = nb.serveDeploymentStatuses ?? {};
    if (Object.keys(da).length !== Object.keys(db).length) return true;
    for (const [dn, d] of Object.entries(db)) {
      const o = da[dn];
      if (!o || (o.status ?? '') !== (d.status ?? '') || (o.message ?? '') !== (d.message ?? '')) return true;
    }
  }
  return false;
}

function clusterStatusDiffers(a: RayServiceStatus | undefined, b: RayServiceStatus | undefined): boolean {
  if ((a?.rayClusterName ?? '') !== (b?.rayClusterName ?? '')) return true;
  if (appsDiffer(a?.applicationStatuses, b?.applicationStatuses)) return true;
  return (
    a?.targetCapacity !== b?.targetCapacity || a?.trafficRoutedPercent !== b?.trafficRoutedPercent || a?.lastTrafficMigratedTime !== b?.lastTrafficMigratedTime
  );
}

function conditionsDiffer(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return true;
  return x.some((c, i) => {
    const d = y[i]!;
    return (
      c.type !== d.type ||
      c.status !== d.status ||
      c.reason !== d.reason ||
      c.message !== d.message ||
      c.lastTransitionTime !== d.lastTransitionTime ||
      c.observedGeneration !== d.observedGeneration
    );
  });
}

/**
 * InconsistentRayServiceStatuses: whether the status is worth writing. lastUpdateTime,
 * observedGeneration (outside conditions) and the copied rayClusterStatus do not count.
 */
export function inconsistentRayServiceStatuses(a: RayServiceStatuses | undefined, b: RayServiceStatuses | undefined): boolean {
  if ((a?.serviceStatus ?? '') !== (b?.serviceStatus ?? '')) return true;
  if ((a?.numServeEndpoints ?? 0) !== (b?.numServeEndpoints ?? 0)) return true;
  if (conditionsDiffer(a?.conditions, b?.conditions)) return true;
  return clusterStatusDiffers(a?.activeServiceStatus, b?.activeServiceStatus) || clusterStatusDiffers(a?.pendingServiceStatus, b?.pendingServiceStatus);
}
