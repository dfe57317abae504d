// What one sync of the Job controller decides, computed purely from the Job, its pods and the
// time (kube-controller-manager's syncJob for NonIndexed Jobs without a podFailurePolicy). The
// reconciler applies the plan: status with newly finished pods as uncounted, finalizers off those
// pods, the final status, then pod creations and deletions.
//
// Counting follows finalizer-based tracking (Kubernetes 1.26+): a finished pod that still carries
// the job-tracking finalizer is first recorded in status.uncountedTerminatedPods, then its
// finalizer is removed, then it moves into succeeded/failed. So a pod is counted exactly once
// even if the controller restarts between the steps or the pod is deleted meanwhile.
//
// Terminal conditions follow 1.31+: SuccessCriteriaMet / FailureTarget as soon as the outcome is
// known, Complete / Failed once no pod of the Job is still running or terminating.

import type { BatchJobCondition, BatchJobStatus, Job, Pod } from '../api/core-types.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { hasTrackingFinalizer, isActive, isFailed, isReady, isSucceeded, isTerminating, podFinishedAt } from './job-pods.js';
import { deepClone } from '../runtime/deep-copy.js';

/** Job status with the fields finalizer tracking and pod replacement add. */
export interface JobStatus extends BatchJobStatus {
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  terminating?: number;
}

export interface BackoffOptions {
  /** Delay before the pod that replaces the first failure (default 10 s); doubles per failure. */
  baseMs?: number;
  /** Cap (default 6 min, as kube-controller-manager). */
  maxMs?: number;
}

export const DEFAULT_JOB_BACKOFF_MS = 10_000;
export const MAX_JOB_BACKOFF_MS = 360_000;

export interface JobSyncInput {
  job: Job;
  /** The Job's pods (controller ownerReference to it), in any order. */
  pods: Pod[];
  now: number;
  /** When the controller counted the latest failure, if it remembers (else read from the pods). */
  lastFailureAt?: number;
  /** False while pods this controller created or deleted have not shown up in the cache yet. */
  expectationsSatisfied?: boolean;
  backoff?: BackoffOptions;
}

export type JobEventReason = 'SuccessfulCreate' | 'SuccessfulDelete' | 'Completed' | 'BackoffLimitExceeded' | 'DeadlineExceeded' | 'Suspended' | 'Resumed';

export interface JobPlan {
  /** Status naming newly finished pods as uncounted; written before finalizers are removed. */
  interim?: JobStatus;
  /** Pods whose job-tracking finalizer goes (their outcome is recorded). */
  removeFinalizers: Pod[];
  /** The status to write once the finalizers are gone. */
  status: JobStatus;
  /** How many pods to create. */
  create: number;
  /** Active pods to delete (the Job finished, was suspended, or runs too many). */
  delete: Pod[];
  /** Failures newly counted in this sync. */
  newFailures: number;
  /** When the latest of them failed (the controller remembers it for the back-off). */
  lastFailureAt?: number;
  /** Look again after this long (back-off, activeDeadlineSeconds, TTL). */
  requeueAfterMs?: number;
  /** Delete the Job itself (ttlSecondsAfterFinished has passed). */
  deleteJob?: boolean;
  /** Why, in the Job controller's words (Events). */
  events: { type: 'Normal' | 'Warning'; reason: JobEventReason; message: string }[];
}

const conditionTrue = (s: JobStatus, type: string): BatchJobCondition | undefined => s.conditions?.find((c) => c.type === type && c.status === 'True');

/** The Job reached Complete or Failed. */
export function jobFinished(job: Job): boolean {
  const s = job.status ?? {};
  return !!(conditionTrue(s, 'Complete') || conditionTrue(s, 'Failed'));
}

/** Sets a condition on `s` (lastTransitionTime moves only on a status change); true if it changed. */
export function setJobCondition(s: JobStatus, type: string, status: 'True' | 'False', reason: string, message: string, at: string): boolean {
  const conds = [...(s.conditions ?? [])];
  const i = conds.findIndex((c) => c.type === type);
  const prev = i >= 0 ? conds[i] : undefined;
  if (prev && prev.status === status && prev.reason === reason && prev.message === message) return false;
  const c: BatchJobCondition = { type, status, reason, message, lastProbeTime: at, lastTransitionTime: prev && prev.status === status ? (prev.lastTransitionTime ?? at) : at };
  if (i >= 0) conds[i] = c;
  else conds.push(c);
  s.conditions = conds;
  return true;
}

/** The back-off before replacing the n-th failure: base * 2^(n-1), capped. */
export function jobBackoffMs(failures: number, o: BackoffOptions = {}): number {
  if (failures <= 0) return 0;
  return Math.min((o.baseMs ?? DEFAULT_JOB_BACKOFF_MS) * 2 ** (failures - 1), o.maxMs ?? MAX_JOB_BACKOFF_MS);
}

function byAge(a: Pod, b: Pod): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export function planJobSync(input: JobSyncInput): JobPlan {
  const { job, now } = input;
  const at = rfc3339(now);
  const pods = [...input.pods].sort(byAge);
  const status: JobStatus = deepClone((job.status ?? {}) as JobStatus);
  const plan: JobPlan = { removeFinalizers: [], status, create: 0, delete: [], newFailures: 0, events: [] };
  const suspended = job.spec.suspend === true;

  // ---- count finished pods (finalizer tracking)
  const uncountedS = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedF = new Set(status.uncountedTerminatedPods?.failed ?? []);
  let added = false;
  for (const p of pods) {
    if (!hasTrackingFinalizer(p)) continue;
    const uid = p.metadata.uid ?? '';
    if (uncountedS.has(uid) || uncountedF.has(uid)) {
      plan.removeFinalizers.push(p);
      continue;
    }
    if (isSucceeded(p)) {
      uncountedS.add(uid);
      added = true;
      plan.removeFinalizers.push(p);
    } else if (isFailed(p)) {
      // Pods deleted because the Job is suspended are not failures: their finalizer just goes.
      if (suspended && p.status?.phase !== 'Failed') {
        plan.removeFinalizers.push(p);
        continue;
      }
      uncountedF.add(uid);
      added = true;
      plan.newFailures++;
      // When it failed, by its status (second precision), never later than now.
      const t = Math.min(podFinishedAt(p) ?? now, now);
      if (plan.lastFailureAt === undefined || t > plan.lastFailureAt) plan.lastFailureAt = t;
      plan.removeFinalizers.push(p);
    }
  }
  if (added) {
    plan.interim = deepClone(status);
    plan.interim.uncountedTerminatedPods = { succeeded: [...uncountedS].sort(), failed: [...uncountedF].sort() };
  }
  const succeeded = (status.succeeded ?? 0) + uncountedS.size;
  const failed = (status.failed ?? 0) + uncountedF.size;
  if (succeeded) status.succeeded = succeeded;
  else delete status.succeeded;
  if (failed) status.failed = failed;
  else delete status.failed;
  status.uncountedTerminatedPods = {};

  let active = pods.filter(isActive);
  const terminating = pods.filter(isTerminating).length;
  const completions = job.spec.completions ?? 1;
  const parallelism = job.spec.parallelism ?? 1;
  const backoffLimit = job.spec.backoffLimit ?? 6;
  const managing = input.expectationsSatisfied !== false;
  const requeue = (ms: number) => {
    if (ms > 0 && (plan.requeueAfterMs === undefined || ms < plan.requeueAfterMs)) plan.requeueAfterMs = ms;
  };

  if (jobFinished(job)) {
    // A finished Job keeps counting its pods but starts none; leftovers are stopped.
    if (managing) plan.delete = active;
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) {
      const c = conditionTrue(status, 'Complete') ?? conditionTrue(status, 'Failed');
      const finishedAt = Date.parse(status.completionTime ?? c?.lastTransitionTime ?? '') || now;
      const due = finishedAt + ttl * 1000;
      if (now >= due) plan.deleteJob = true;
      else requeue(due - now);
    }
    return withCounts(plan, status, active.length - plan.delete.length, terminating + plan.delete.length, active);
  }

  if (!suspended && !status.startTime) status.startTime = at;

  // ---- the outcome, once known, is kept in the interim conditions
  let outcome: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
  const target = conditionTrue(status, 'SuccessCriteriaMet') ?? conditionTrue(status, 'FailureTarget');
  if (target) {
    outcome = { type: target.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed', reason: target.reason ?? '', message: target.message ?? '' };
  } else if (succeeded >= completions) {
    outcome = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
  } else if (failed > backoffLimit) {
    outcome = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  } else if (!suspended && job.spec.activeDeadlineSeconds !== undefined && status.startTime) {
    const deadline = Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000;
    if (now >= deadline) outcome = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    else requeue(deadline - now);
  }

  if (outcome) {
    const interimType = outcome.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
    if (setJobCondition(status, interimType, 'True', outcome.reason, outcome.message, at)) {
      if (outcome.type === 'Complete') plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      else plan.events.push({ type: 'Warning', reason: outcome.reason as JobEventReason, message: outcome.message });
    }
    if (managing) plan.delete = active;
    // The terminal condition waits for every pod to be gone from the running (1.31+).
    if (active.length + terminating === 0) {
      setJobCondition(status, outcome.type, 'True', outcome.reason, outcome.message, at);
      if (outcome.type === 'Complete') status.completionTime = at;
      const ttl = job.spec.ttlSecondsAfterFinished;
      if (ttl !== undefined) {
        if (ttl <= 0) plan.deleteJob = true;
        else requeue(ttl * 1000);
      }
    }
    return withCounts(plan, status, active.length - plan.delete.length, terminating + plan.delete.length, active);
  }

  if (suspended) {
    if (managing) plan.delete = active;
    if (setJobCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', at)) {
      plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
    // The active deadline restarts on resume.
    delete status.startTime;
    return withCounts(plan, status, active.length - plan.delete.length, terminating + plan.delete.length, active);
  }

  if (conditionTrue(status, 'Suspended')) {
    setJobCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', at);
    plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    status.startTime = at;
    if (job.spec.activeDeadlineSeconds !== undefined) requeue(job.spec.activeDeadlineSeconds * 1000);
  }

  // ---- keep min(parallelism, completions left) pods running
  const want = Math.max(0, Math.min(parallelism, completions - succeeded));
  if (managing) {
    if (active.length > want) {
      plan.delete = active.slice(want).reverse();
      active = active.slice(0, want);
    } else if (active.length < want) {
      const lastFailure = plan.lastFailureAt ?? input.lastFailureAt ?? latestFailure(pods) ?? now;
      const wait = failed > 0 ? lastFailure + jobBackoffMs(failed, input.backoff) - now : 0;
      if (wait > 0) requeue(wait);
      else plan.create = want - active.length;
    }
  }
  return withCounts(plan, status, active.length + plan.create, terminating + plan.delete.length, active);
}

function latestFailure(pods: Pod[]): number | undefined {
  let best: number | undefined;
  for (const p of pods) {
    if (!isFailed(p)) continue;
    const t = podFinishedAt(p);
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best;
}

/** Fills the pod counts (omitted when zero, as the API serialises them; ready and terminating always). */
function withCounts(plan: JobPlan, status: JobStatus, active: number, terminating: number, activePods: Pod[]): JobPlan {
  if (active > 0) status.active = active;
  else delete status.active;
  const deleting = new Set(plan.delete);
  status.ready = activePods.filter((p) => !deleting.has(p) && isReady(p)).length;
  status.terminating = terminating;
  return plan;
}
