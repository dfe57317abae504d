// The RayJob controller's decisions, as small pure functions of the RayJob (and what was observed
// of its children) and the time. The state functions in states.ts apply them. Each mirrors one
// check of KubeRay's rayjob_controller.go (v1.7.0); the KubeRay name is given where it differs.

import { submissionMode, backoffLimit } from '../../api/defaults.js';
import type { Job, Pod, RayCluster, RayClusterStatus, RayJob, RayJobStatus } from '../../api/types.js';
import {
  isJobTerminal,
  type DeletionPolicyType,
  type DeletionRule,
  type JobDeploymentStatus,
  type JobFailedReason,
  type JobStatus,
} from '../../api/rayjob-types.js';
import { SUBMITTER_CONTAINER_NAME } from '../../api/constants.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import { deepEqual } from '../../runtime/deep-copy.js';

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/** Epoch ms of an RFC 3339 timestamp; undefined when absent or unparsable. */
export function parseTime(iso: string | undefined | null): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Go's time.DateTime layout, "2006-01-02 15:04:05", in UTC (sub-seconds dropped). */
export function goDateTime(ms: number): string {
  return rfc3339(ms).replace('T', ' ').replace('Z', '');
}

/** How Go prints a metav1.Time with %v: "2006-01-02 15:04:05 +0000 UTC". */
export function goTime(ms: number): string {
  return `${goDateTime(ms)} +0000 UTC`;
}

// ---------------------------------------------------------------------------------------------
// The RayJob
// ---------------------------------------------------------------------------------------------

/** status, or an empty one. */
export function statusOf(job: RayJob): RayJobStatus {
  return job.status ?? {};
}

export function deploymentStatusOf(job: RayJob): JobDeploymentStatus {
  return (job.status?.jobDeploymentStatus ?? '') as JobDeploymentStatus;
}

/** The RayJob runs on a cluster it did not create (spec.clusterSelector). */
export function usesClusterSelector(job: RayJob): boolean {
  return Object.keys(job.spec?.clusterSelector ?? {}).length > 0;
}

/** utils.HasSubmitter: a submitter (Job or head-pod sidecar) runs `ray job submit`. */
export function hasSubmitter(job: RayJob): boolean {
  const m = submissionMode(job.spec);
  return m === 'K8sJobMode' || m === 'SidecarMode';
}

/** spec.managedBy names another controller (MultiKueue): KubeRay leaves the RayJob alone. */
export function isManagedExternally(job: RayJob): boolean {
  const m = job.spec?.managedBy;
  return m !== undefined && m !== null && m !== 'ray.io/kuberay-operator';
}

/** updateStatusToSuspendingIfNeeded: spec.suspend while Initializing or Running. */
export function shouldSuspend(job: RayJob): boolean {
  const d = deploymentStatusOf(job);
  return job.spec?.suspend === true && (d === 'Initializing' || d === 'Running');
}

function deadlinePassed(job: RayJob, seconds: number | undefined, now: number): boolean {
  if (seconds === undefined || seconds === null) return false;
  const start = parseTime(job.status?.startTime);
  // KubeRay dereferences StartTime unconditionally; it is always set once the RayJob left New.
  if (start === undefined) return false;
  return now >= start + seconds * 1000;
}

/**
 * The earliest time at which one of the Running/Initializing/Waiting time checks above could
 * start to hold (every check is `now >= t`): active and pre-running deadlines, the job status
 * check timeout, the transition grace period and the submitter-finished timeout. undefined: none
 * applies. A poll before then that changed nothing will change nothing by time alone.
 */
export function nextTimeCheck(job: RayJob, o: { jobStatusCheckTimeoutSeconds: number; transitionGracePeriodSeconds: number; submitterFinishedTimeoutMs: number }, submitterFinished: number | undefined): number | undefined {
  const s = statusOf(job);
  const start = parseTime(s.startTime);
  const candidates: number[] = [];
  if (start !== undefined) {
    for (const secs of [job.spec?.activeDeadlineSeconds, job.spec?.preRunningDeadlineSeconds]) if (secs !== undefined && secs !== null) candidates.push(start + secs * 1000);
  }
  const failingSince = parseTime(s.jobStatusCheckFailureStartTime);
  if (failingSince !== undefined) candidates.push(failingSince + o.jobStatusCheckTimeoutSeconds * 1000);
  const end = parseTime(s.rayJobInfo?.endTime);
  if (end !== undefined && isJobTerminal(s.jobStatus)) candidates.push(end + o.transitionGracePeriodSeconds * 1000);
  if (submitterFinished !== undefined) candidates.push(submitterFinished + o.submitterFinishedTimeoutMs);
  return candidates.length ? Math.min(...candidates) : undefined;
}

/** checkActiveDeadline...: activeDeadlineSeconds since status.startTime have passed. */
export function activeDeadlineExceeded(job: RayJob, now: number): boolean {
  return deadlinePassed(job, job.spec?.activeDeadlineSeconds, now);
}

/** checkPreRunningDeadline...: preRunningDeadlineSeconds since status.startTime have passed (checked before Running). */
export function preRunningDeadlineExceeded(job: RayJob, now: number): boolean {
  return deadlinePassed(job, job.spec?.preRunningDeadlineSeconds, now);
}

/** checkJobStatusCheckTimeout...: dashboard checks have failed for timeoutSeconds since the first failure. */
export function jobStatusCheckTimedOut(job: RayJob, now: number, timeoutSeconds: number): boolean {
  const since = parseTime(job.status?.jobStatusCheckFailureStartTime);
  return since !== undefined && now >= since + timeoutSeconds * 1000;
}

/**
 * checkTransitionGracePeriod...: the Ray job is terminal but the RayJob is still Running (a
 * submitter that never finishes) and graceSeconds have passed since the job's end time.
 */
export function transitionGracePeriodExceeded(job: RayJob, now: number, graceSeconds: number): boolean {
  const s = statusOf(job);
  if (!isJobTerminal(s.jobStatus) || s.jobDeploymentStatus !== 'Running') return false;
  const end = parseTime(s.rayJobInfo?.endTime);
  return end !== undefined && now >= end + graceSeconds * 1000;
}

/** checkSubmitterFinishedTimeout...: the submitter finished timeoutMs ago and the Ray job is still not terminal. */
export function submitterFinishedTimedOut(finishedAt: number | undefined, now: number, timeoutMs: number): boolean {
  return finishedAt !== undefined && now >= finishedAt + timeoutMs;
}

// ---------------------------------------------------------------------------------------------
// The submitter
// ---------------------------------------------------------------------------------------------

/** checkK8sJobStatus: the submitter Job's Failed=True condition, if any. */
export function submitterFailedCondition(job: Job | undefined): { reason?: string; message?: string } | undefined {
  return job?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
}

/** getJobFinishedCondition: when the submitter Job reached Complete=True or Failed=True. */
export function submitterFinishedAt(job: Job | undefined): number | undefined {
  const c = job?.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return parseTime(c?.lastTransitionTime);
}

function sidecarStatus(pod: Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === SUBMITTER_CONTAINER_NAME);
}

/** checkSidecarContainerStatus: the head pod's submitter container ended with a non-zero exit code. */
export function sidecarSubmitterFailed(pod: Pod): { exitCode: number; reason?: string } | undefined {
  const t = sidecarStatus(pod)?.state?.terminated;
  return t && t.exitCode !== 0 ? { exitCode: t.exitCode, reason: t.reason } : undefined;
}

/** getSubmitterContainerFinishedTime. */
export function sidecarSubmitterFinishedAt(pod: Pod): number | undefined {
  const t = sidecarStatus(pod)?.state?.terminated;
  return t ? (parseTime(t.finishedAt) ?? 0) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Outcome of a dashboard poll
// ---------------------------------------------------------------------------------------------

export interface PollVerdict {
  jobDeploymentStatus: JobDeploymentStatus;
  reason?: JobFailedReason;
}

/**
 * Where a Running RayJob goes given the Ray job's status: a terminal status ends it (FAILED ->
 * Failed/AppFailed, SUCCEEDED and STOPPED -> Complete), but with a submitter only once the
 * submitter has finished too (KubeRay #1919: the submitter must be done with the logs).
 */
export function verdictForJobStatus(job: RayJob, jobStatus: JobStatus | string, submitterFinished: boolean): PollVerdict {
  const terminal = isJobTerminal(jobStatus) && (!hasSubmitter(job) || submitterFinished);
  if (!terminal) return { jobDeploymentStatus: 'Running' };
  return jobStatus === 'FAILED' ? { jobDeploymentStatus: 'Failed', reason: 'AppFailed' } : { jobDeploymentStatus: 'Complete' };
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

/** Failures after which KubeRay does not retry however many attempts are left. */
export const NON_RETRYABLE_REASONS: readonly JobFailedReason[] = ['DeadlineExceeded', 'JobStatusCheckTimeoutExceeded'];

/** Whether a Failed RayJob whose status.failed already counts this failure gets another attempt. */
export function retryEligible(job: RayJob): boolean {
  const s = statusOf(job);
  if (s.jobDeploymentStatus !== 'Failed') return false;
  if ((s.failed ?? 0) >= backoffLimit(job.spec) + 1) return false;
  return !NON_RETRYABLE_REASONS.includes(s.reason as JobFailedReason);
}

/**
 * checkBackoffLimitAndUpdateStatusIfNeeded, on the working copy: counts this reconcile's outcome
 * (failed++ when it ends Failed, succeeded++ when Complete with SUCCEEDED; every attempt counts,
 * the first included) and turns Failed into Retrying while attempts remain.
 */
export function applyBackoffLimit(job: RayJob): void {
  const s = (job.status ??= {});
  let failed = s.failed ?? 0;
  let succeeded = s.succeeded ?? 0;
  if (s.jobDeploymentStatus === 'Failed') failed++;
  if (s.jobStatus === 'SUCCEEDED' && s.jobDeploymentStatus === 'Complete') succeeded++;
  s.failed = failed;
  s.succeeded = succeeded;
  if (retryEligible(job)) s.jobDeploymentStatus = 'Retrying';
}

// ---------------------------------------------------------------------------------------------
// Status writes
// ---------------------------------------------------------------------------------------------

/** JSON equality with object keys in any order; undefined members count as absent (the shared deepEqual). */
export const sameJson = deepEqual;

/** utils.InconsistentRayClusterStatus: changes other than lastUpdateTime/observedGeneration/desired resources. */
export function rayClusterStatusChanged(a: RayClusterStatus | undefined, b: RayClusterStatus | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  if ((x.state ?? '') !== (y.state ?? '') || (x.reason ?? '') !== (y.reason ?? '')) return true;
  for (const k of ['readyWorkerReplicas', 'availableWorkerReplicas', 'desiredWorkerReplicas', 'minWorkerReplicas', 'maxWorkerReplicas'] as const) {
    if ((x[k] ?? 0) !== (y[k] ?? 0)) return true;
  }
  return !sameJson(x.endpoints, y.endpoints) || !sameJson(x.head, y.head) || !sameJson(x.conditions, y.conditions);
}

/**
 * updateRayJobStatus' test: the status is written only when a field the state machine depends on
 * changed (jobStatus, jobDeploymentStatus, the RayCluster's status, the status-check failure
 * time). Other fields (message, counts, dashboardURL...) ride along with such a change.
 */
export function statusNeedsWrite(before: RayJobStatus | undefined, after: RayJobStatus | undefined): boolean {
  const a = before ?? {};
  const b = after ?? {};
  return (
    (a.jobStatus ?? '') !== (b.jobStatus ?? '') ||
    (a.jobDeploymentStatus ?? '') !== (b.jobDeploymentStatus ?? '') ||
    rayClusterStatusChanged(a.rayClusterStatus, b.rayClusterStatus) ||
    parseTime(a.jobStatusCheckFailureStartTime) !== parseTime(b.jobStatusCheckFailureStartTime)
  );
}

// ---------------------------------------------------------------------------------------------
// After the job: deletion rules, legacy policies, shutdownAfterJobFinishes
// ---------------------------------------------------------------------------------------------

/** isDeletionRuleMatched: the rule's condition names the current jobStatus (or jobDeploymentStatus). */
export function isDeletionRuleMatched(rule: DeletionRule, job: RayJob): boolean {
  const c = rule.condition ?? {};
  if (c.jobStatus !== undefined) return c.jobStatus === (job.status?.jobStatus ?? '');
  return c.jobDeploymentStatus === (job.status?.jobDeploymentStatus ?? '');
}

const IMPACT: Record<string, number> = { DeleteSelf: 4, DeleteCluster: 3, DeleteWorkers: 2, DeleteNone: 1 };

/** selectMostImpactfulRule: DeleteSelf > DeleteCluster > DeleteWorkers > DeleteNone; the first on ties. */
export function selectMostImpactfulRule(rules: readonly DeletionRule[]): DeletionRule | undefined {
  let best: DeletionRule | undefined;
  for (const r of rules) if (best === undefined || (IMPACT[r.policy] ?? 0) > (IMPACT[best.policy] ?? 0)) best = r;
  return best;
}

/**
 * isDeletionActionCompleted, over the cached RayCluster: a deleted (or deleting) cluster has
 * neither cluster nor workers; DeleteWorkers is done when every worker group is suspended;
 * DeleteSelf is never done while the RayJob exists; DeleteNone always is.
 */
export function deletionActionCompleted(policy: DeletionPolicyType | string, cluster: RayCluster | undefined): boolean {
  switch (policy) {
    case 'DeleteNone':
      return true;
    case 'DeleteSelf':
      return false;
    case 'DeleteCluster':
      return cluster === undefined || !!cluster.metadata.deletionTimestamp;
    case 'DeleteWorkers':
      if (cluster === undefined || cluster.metadata.deletionTimestamp) return true;
      return (cluster.spec?.workerGroupSpecs ?? []).every((g) => g.suspend === true);
    default:
      return false;
  }
}

export interface DeletionPlan {
  /** The rule to carry out now (at most one per reconcile). */
  execute?: DeletionRule;
  /** Epoch ms of the earliest matching rule still waiting for its TTL. */
  nextAt?: number;
}

/**
 * handleDeletionRules' decision: among the rules matching the final status, those whose TTL has
 * passed since endTime and whose action is not yet done are overdue; the most destructive overdue
 * one is executed; the earliest pending one sets the next look.
 */
export function planDeletionRules(job: RayJob, cluster: RayCluster | undefined, now: number): DeletionPlan {
  const end = parseTime(job.status?.endTime) ?? now;
  const overdue: DeletionRule[] = [];
  let nextAt: number | undefined;
  for (const rule of job.spec?.deletionStrategy?.deletionRules ?? []) {
    if (!isDeletionRuleMatched(rule, job)) continue;
    const at = end + (rule.condition?.ttlSeconds ?? 0) * 1000;
    if (now < at) {
      if (nextAt === undefined || at < nextAt) nextAt = at;
      continue;
    }
    if (deletionActionCompleted(rule.policy, cluster)) continue;
    overdue.push(rule);
  }
  const plan: DeletionPlan = {};
  const execute = selectMostImpactfulRule(overdue);
  if (execute) plan.execute = execute;
  if (nextAt !== undefined) plan.nextAt = nextAt;
  return plan;
}

/** handleLegacyDeletionPolicy: onSuccess for SUCCEEDED, onFailure for FAILED, nothing otherwise. */
export function legacyDeletionPolicy(job: RayJob): DeletionPolicyType | undefined {
  const ds = job.spec?.deletionStrategy;
  switch (job.status?.jobStatus) {
    case 'SUCCEEDED':
      return ds?.onSuccess?.policy;
    case 'FAILED':
      return ds?.onFailure?.policy;
    default:
      return undefined;
  }
}

/** When ttlSecondsAfterFinished has passed since endTime (legacy policies and shutdownAfterJobFinishes). */
export function ttlExpiresAt(job: RayJob, now: number): number {
  const end = parseTime(job.status?.endTime) ?? now;
  return end + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000;
}
