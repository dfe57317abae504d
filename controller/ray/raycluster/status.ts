// The RayCluster status, computed on a copy from what the cache shows (KubeRay's calculateStatus)
// and compared with the stored one (statusChanged), so the reconciler writes it once, and only
// when something other than lastUpdateTime moved. Pure.
//
// - state: "ready" once the reconcile went through without error and head + every desired worker
//   exist and are Running with Ready not False; "suspended" when spec.suspend and no pod is left;
//   otherwise the previous state stays (KubeRay never sets anything else).
// - readyWorkerReplicas (Running and Ready), availableWorkerReplicas (Running), desired/min/max
//   worker replicas, desiredCPU/Memory/GPU/TPU over the head and the desired worker pods.
// - conditions (gate RayClusterStatusConditions): HeadPodReady from the head pod's Ready
//   condition; RayClusterProvisioned, which once True stays True until a suspension; ReplicaFailure
//   while a pod create/delete fails; RayClusterSuspending -> RayClusterSuspended.
// - head{podName, podIP, serviceName, serviceIP} (a headless head service reports the pod IP),
//   endpoints (head service port name -> port), observedGeneration, lastUpdateTime,
//   stateTransitionTimes.

import type { Condition, Pod, Service } from '../../api/core-types.js';
import type { ClusterState, HeadInfo, RayCluster, RayClusterStatus } from '../../api/raycluster-types.js';
import { RAY_NODE_TYPE_LABEL_KEY, TPU_RESOURCE } from '../../api/constants.js';
import type { FeatureGates } from '../../api/features.js';
import { desiredWorkerReplicas, maxWorkerReplicas, minWorkerReplicas } from '../../api/replicas.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import { isRunningAndReady } from '../common/pod.js';
import { desiredResources, formatResource, gpuAmount } from '../common/resources.js';
import { isConditionTrue, withCondition, withoutCondition } from '../common/conditions.js';
import { canonicalEqual } from '../common/hash.js';
import { suspendStatus } from './pods.js';
import type { ReplicaFailureReason } from './options.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** How the reconcile steps ended, as the status sees it. */
export interface ReconcileFailure {
  message: string;
  replicaFailure?: ReplicaFailureReason;
}

export interface StatusInput {
  /** The cluster as reconciled (its status is the old one). */
  cluster: RayCluster;
  /** Every pod of the cluster (ray.io/cluster=<name>) in the cache. */
  pods: Pod[];
  /** Services matching the head service labels. */
  headServices: Service[];
  now: number;
  failure?: ReconcileFailure;
  gates: FeatureGates;
}

export type StatusResult = { ok: true; status: RayClusterStatus } | { ok: false; error: string };

const isWorker = (p: Pod) => p.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'worker';
const isHead = (p: Pod) => p.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'head';

/** CheckAllPodsRunning: at least one pod; every pod Running and none with Ready=False. */
export function allPodsRunning(pods: Pod[]): boolean {
  if (pods.length === 0) return false;
  return pods.every((p) => p.status?.phase === 'Running' && !(p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status !== 'True'));
}

/** FindHeadPodReadyCondition: HeadPodReady mirrors the head pod's Ready condition. */
export function headPodReadyCondition(head: Pod): { status: Condition['status']; reason: string; message: string } {
  const ready = (head.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (!ready) return { status: 'False', reason: 'Unknown', message: '' };
  let reason = ready.reason ?? '';
  let message = ready.message ?? '';
  if (ready.status === 'True' && reason === '') reason = 'HeadPodRunningAndReady';
  if (reason === 'ContainersNotReady') {
    // Say why: the first container that is waiting or terminated.
    for (const cs of head.status?.containerStatuses ?? []) {
      const st = cs.state?.waiting ?? cs.state?.terminated;
      if (!st) continue;
      message = `${message ? `${message}; ` : ''}${cs.name}: ${st.message ?? ''}`;
      reason = st.reason ?? '';
      break;
    }
  }
  return { status: ready.status, reason: reason || 'Unknown', message };
}

function headInfo(heads: Pod[], services: Service[]): { info: HeadInfo } | { error: string } {
  const head = heads[0];
  const info: HeadInfo = { podIP: head?.status?.podIP ?? '', podName: head?.metadata.name ?? '' };
  if (services.length < 1) return { error: 'unable to find head service' };
  if (services.length > 1) return { error: 'found multiple head services' };
  const svc = services[0]!;
  const ip = svc.spec?.clusterIP ?? '';
  if (ip === '') return { error: 'head service IP is empty' };
  // A headless head service has no IP of its own: report the head pod's.
  info.serviceIP = ip === 'None' ? (head?.status?.podIP ?? '') : ip;
  info.serviceName = svc.metadata.name!;
  return { info };
}

/** updateEndpoints: port name -> nodePort, else targetPort; kept across reconciles as upstream does. */
function endpoints(old: Record<string, string> | undefined, services: Service[]): Record<string, string> | undefined {
  const svc = services[0];
  if (!svc) return old ? { ...old } : undefined;
  const out: Record<string, string> = { ...(old ?? {}) };
  for (const p of svc.spec?.ports ?? []) {
    if (!p.name) continue;
    if (p.nodePort) out[p.name] = String(p.nodePort);
    else if (typeof p.targetPort === 'number' && p.targetPort !== 0) out[p.name] = String(p.targetPort);
    else if (typeof p.targetPort === 'string' && p.targetPort !== '') out[p.name] = p.targetPort;
  }
  return out;
}

export function computeStatus(input: StatusInput): StatusResult {
  const { cluster, pods, headServices, failure, gates } = input;
  const nowIso = rfc3339(input.now);
  const old = cluster.status ?? {};
  const s: RayClusterStatus = deepClone(old);
  let conds = s.conditions ?? [];

  if (gates.RayClusterStatusConditions) {
    if (failure) {
      if (failure.replicaFailure) conds = withCondition(conds, { type: 'ReplicaFailure', status: 'True', reason: failure.replicaFailure, message: failure.message }, nowIso);
    } else {
      conds = withoutCondition(conds, 'ReplicaFailure');
    }
  }

  s.observedGeneration = cluster.metadata.generation ?? 0;
  const workers = pods.filter(isWorker);
  s.readyWorkerReplicas = workers.filter(isRunningAndReady).length;
  s.availableWorkerReplicas = workers.filter((p) => p.status?.phase === 'Running').length;
  s.desiredWorkerReplicas = desiredWorkerReplicas(cluster.spec);
  s.minWorkerReplicas = minWorkerReplicas(cluster.spec);
  s.maxWorkerReplicas = maxWorkerReplicas(cluster.spec);
  const res = desiredResources(cluster.spec);
  s.desiredCPU = formatResource('cpu', res['cpu'] ?? 0);
  s.desiredMemory = formatResource('memory', res['memory'] ?? 0);
  s.desiredGPU = formatResource('gpu', gpuAmount(res));
  s.desiredTPU = formatResource(TPU_RESOURCE, res[TPU_RESOURCE] ?? 0);

  if (!failure && pods.length === s.desiredWorkerReplicas + 1 && allPodsRunning(pods)) {
    s.state = 'ready';
    s.reason = '';
  }

  const heads = pods.filter(isHead);
  if (heads.length > 1) return { ok: false, error: `found multiple heads (${heads.length})` };

  if (gates.RayClusterStatusConditions) {
    const head = heads[0];
    if (!head) conds = withCondition(conds, { type: 'HeadPodReady', status: 'False', reason: 'HeadPodNotFound', message: 'Head Pod not found' }, nowIso);
    else conds = withCondition(conds, { type: 'HeadPodReady', ...headPodReadyCondition(head) }, nowIso);

    const suspend = suspendStatus({ ...cluster, status: { ...s, conditions: conds } });
    if (!isConditionTrue(conds, 'RayClusterProvisioned') && suspend !== 'RayClusterSuspended') {
      conds = allPodsRunning(pods)
        ? withCondition(conds, { type: 'RayClusterProvisioned', status: 'True', reason: 'AllPodRunningAndReadyFirstTime', message: 'All Ray Pods are ready for the first time' }, nowIso)
        : withCondition(conds, { type: 'RayClusterProvisioned', status: 'False', reason: 'RayClusterPodsProvisioning', message: 'RayCluster Pods are being provisioned for first time' }, nowIso);
    }
    switch (suspend) {
      case 'RayClusterSuspending':
        if (pods.length === 0) {
          conds = withCondition(conds, { type: 'RayClusterProvisioned', status: 'False', reason: 'RayClusterPodsProvisioning', message: 'RayCluster has been suspended' }, nowIso);
          conds = withCondition(conds, { type: 'RayClusterSuspending', status: 'False', reason: 'RayClusterSuspending' }, nowIso);
          conds = withCondition(conds, { type: 'RayClusterSuspended', status: 'True', reason: 'RayClusterSuspended' }, nowIso);
        }
        break;
      case 'RayClusterSuspended':
        if (cluster.spec.suspend !== true) conds = withCondition(conds, { type: 'RayClusterSuspended', status: 'False', reason: 'RayClusterSuspended' }, nowIso);
        break;
      default:
        conds = withCondition(conds, { type: 'RayClusterSuspended', status: 'False', reason: 'RayClusterSuspended' }, nowIso);
        conds = withCondition(conds, { type: 'RayClusterSuspending', status: cluster.spec.suspend === true ? 'True' : 'False', reason: 'RayClusterSuspending' }, nowIso);
    }
  }
  if (conds.length > 0 || s.conditions) s.conditions = conds;

  if (cluster.spec.suspend === true && pods.length === 0) s.state = 'suspended';

  const eps = endpoints(s.endpoints, headServices);
  if (eps) s.endpoints = eps;
  const hi = headInfo(heads, headServices);
  if ('error' in hi) return { ok: false, error: `${hi.error}. cluster name ${cluster.metadata.name}` };
  s.head = hi.info;

  s.lastUpdateTime = nowIso;
  if (old.state !== s.state && s.state !== undefined) s.stateTransitionTimes = { ...(s.stateTransitionTimes ?? {}), [s.state as ClusterState]: nowIso };
  return { ok: true, status: s };
}

/**
 * Whether `next` differs from `prev` in anything but lastUpdateTime. (KubeRay's
 * InconsistentRayClusterStatus compares fewer fields: it ignores the desired resources and
 * observedGeneration, so those go stale until something else changes; raysim writes them.)
 */
export function statusChanged(prev: RayClusterStatus | undefined, next: RayClusterStatus): boolean {
  const strip = (s: RayClusterStatus | undefined) => ({ ...(s ?? {}), lastUpdateTime: undefined });
  return !canonicalEqual(strip(prev), strip(next));
}
