// The RayJob deployment state machine: one function per status.jobDeploymentStatus, as in
// KubeRay's RayJobReconciler.Reconcile (v1.7.0). Each works on a RayJobStep: the RayJob as read
// (never changed) and a working copy whose status it edits. It either ends with UPDATE_STATUS
// (the reconciler then counts retries, writes the status once if it changed, and looks again in
// 3 s) or with returnNow(result): return at once, status untouched. Decisions are the pure predicates
// of predicates.ts; the writes (RayCluster, submitter Job, dashboard calls) happen here.
//
//   New ──> Initializing ──> Running ──> Complete | Failed ──(attempts left)──> Retrying ──> New
//              │    └──> Waiting ──┘         │                                   (new names)
//              └──(suspend)──> Suspending <──┘──> Suspended ──(suspend=false)──> New
//   ValidationFailed: set whenever validation fails (and stays: KubeRay does not resume it).

import { BATCH_JOB, POD, RAY_CLUSTER, RAY_CLUSTER_LABEL_KEY, RAY_JOB, RAY_JOB_STOP_JOB_FINALIZER, RAY_NODE_TYPE_LABEL_KEY, EventReason } from '../../api/constants.js';
import { submissionMode } from '../../api/defaults.js';
import type { DeletionPolicyType, Job, JobFailedReason, Pod, RayCluster, RayJob, RayJobStatus } from '../../api/types.js';
import { isJobTerminal } from '../../api/rayjob-types.js';
import { isApiError } from '../../runtime/api-error.js';
import type { ReconcileContext, Result } from '../../runtime/reconciler.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import { generatedClusterName, generatedJobId } from '../common/names.js';
import { isDuplicateSubmission, type RayDashboardClient, type RayJobInfo } from '../dashboard-client.js';
import { buildRayClusterForRayJob, dashboardAddress, dashboardHttpUrl } from './cluster.js';
import type { ResolvedRayJobOptions } from './options.js';
import {
  activeDeadlineExceeded,
  deploymentStatusOf,
  goDateTime,
  goTime,
  hasSubmitter,
  jobStatusCheckTimedOut,
  legacyDeletionPolicy,
  parseTime,
  planDeletionRules,
  preRunningDeadlineExceeded,
  shouldSuspend,
  sidecarSubmitterFailed,
  sidecarSubmitterFinishedAt,
  submitterFailedCondition,
  submitterFinishedAt,
  submitterFinishedTimedOut,
  transitionGracePeriodExceeded,
  ttlExpiresAt,
  usesClusterSelector,
  verdictForJobStatus,
} from './predicates.js';
import { buildSubmitterJob, buildSubmitterTemplate, rayJobRequest, SubmitterConfigError } from './submitter.js';
import { METADATA_ONLY } from '../../runtime/kube-client.js';

// ---------------------------------------------------------------------------------------------
// Steps and outcomes
// ---------------------------------------------------------------------------------------------

export interface RayJobStep {
  readonly ctx: ReconcileContext;
  readonly opts: ResolvedRayJobOptions;
  /** The RayJob as the cache had it (shared and read-only). */
  readonly original: RayJob;
  /** The working copy; state functions edit its status (New also its metadata). */
  readonly job: RayJob;
  /** ctx.clock.now() when the reconcile began: one instant for every check. */
  readonly now: number;
}

export type StepOutcome = { readonly kind: 'update' } | { readonly kind: 'return'; readonly result: Result };

/** Fall through to the retry count, the status write and the 3 s requeue. */
export const UPDATE_STATUS: StepOutcome = Object.freeze({ kind: 'update' });

/** Return this result now, without writing the status. */
export function returnNow(result: Result = {}): StepOutcome {
  return { kind: 'return', result };
}

export function newRayJobStep(ctx: ReconcileContext, opts: ResolvedRayJobOptions, original: RayJob): RayJobStep {
  // Only metadata and status are changed by a reconcile; the spec (with its whole cluster spec)
  // is shared with the cached object, which is read-only (frozen in tests, so a write would throw).
  // Their fields are replaced, never changed in place, so shallow copies of metadata and status do.
  const job = { ...original, metadata: { ...original.metadata }, status: { ...original.status } } as RayJob;
  return { ctx, opts, original, job, now: ctx.clock.now() };
}

function requeue(step: RayJobStep): StepOutcome {
  return returnNow({ requeueAfterMs: step.opts.requeueMs });
}

const st = (step: RayJobStep): RayJobStatus => step.job.status!;
const nsName = (step: RayJobStep, name: string | undefined) => `${step.job.metadata.namespace ?? ''}/${name ?? ''}`;
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Sets a string field, deleting it when empty (Go's omitempty). */
function setText<K extends 'message' | 'reason' | 'dashboardURL' | 'jobId' | 'rayClusterName'>(s: RayJobStatus, k: K, v: RayJobStatus[K] | '' | undefined): void {
  if (v === undefined || v === '') delete s[k];
  else s[k] = v;
}

/** Failed with a reason and message (the retry check runs afterwards). */
export function markFailed(s: RayJobStatus, reason: JobFailedReason, message: string): void {
  s.jobDeploymentStatus = 'Failed';
  s.reason = reason;
  setText(s, 'message', message);
}

// ---------------------------------------------------------------------------------------------
// The switch
// ---------------------------------------------------------------------------------------------

/** One reconcile of a valid, live RayJob: dispatch on status.jobDeploymentStatus. */
export async function reconcileState(step: RayJobStep): Promise<StepOutcome> {
  const status = deploymentStatusOf(step.job);
  switch (status) {
    case '':
      return reconcileNew(step);
    case 'Initializing':
      return reconcileInitializing(step);
    case 'Waiting':
      return reconcileWaiting(step);
    case 'Running':
      return reconcileRunning(step);
    case 'Suspending':
      return reconcileSuspending(step);
    case 'Retrying':
      return reconcileRetrying(step);
    case 'Suspended':
      return reconcileSuspended(step);
    case 'Complete':
    case 'Failed':
      return reconcileFinished(step);
    case 'ValidationFailed':
      return reconcileValidationFailed(step);
    default: {
      const unknown: never = status;
      step.ctx.log.info('unknown JobDeploymentStatus', { jobDeploymentStatus: unknown });
      return requeue(step);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// New
// ---------------------------------------------------------------------------------------------

/**
 * initRayJobStatusIfNeed: a jobId (spec.jobId, else `<name>-<5 random>`; none yet in
 * InteractiveMode), a cluster name (the clusterSelector's, else `<name>-<5 random>`), startTime,
 * and Initializing. Names already present are kept.
 */
export function initRayJobStatus(job: RayJob, now: number, rng: ReconcileContext['rng']): void {
  const s = (job.status ??= {});
  const name = job.metadata.name ?? '';
  if (submissionMode(job.spec) !== 'InteractiveMode' && !s.jobId) s.jobId = job.spec.jobId || generatedJobId(name, rng);
  if (!s.rayClusterName) s.rayClusterName = job.spec.clusterSelector?.[RAY_CLUSTER_LABEL_KEY] || generatedClusterName(name, rng);
  s.jobStatus ??= '';
  s.jobDeploymentStatus = 'Initializing';
  s.startTime = rfc3339(now);
}

/** New: add the ray.io/rayjob-finalizer (its own write), then initialise the status -> Initializing. */
export async function reconcileNew(step: RayJobStep): Promise<StepOutcome> {
  const { job, original, ctx } = step;
  const finalizers = original.metadata.finalizers ?? [];
  if (!finalizers.includes(RAY_JOB_STOP_JOB_FINALIZER)) {
    const updated = await ctx.client.update<RayJob>({ ...original, metadata: { ...original.metadata, finalizers: [...finalizers, RAY_JOB_STOP_JOB_FINALIZER] } });
    job.metadata = updated.metadata;
    ctx.log.info('added finalizer', { finalizer: RAY_JOB_STOP_JOB_FINALIZER });
  }
  initRayJobStatus(job, step.now, ctx.rng);
  return UPDATE_STATUS;
}

// ---------------------------------------------------------------------------------------------
// Initializing
// ---------------------------------------------------------------------------------------------

/** Suspending, if asked to suspend while Initializing or Running. */
function suspendIfNeeded(step: RayJobStep): boolean {
  if (!shouldSuspend(step.job)) return false;
  st(step).jobDeploymentStatus = 'Suspending';
  return true;
}

function failOnActiveDeadline(step: RayJobStep): boolean {
  if (!activeDeadlineExceeded(step.job, step.now)) return false;
  const s = st(step);
  markFailed(
    s,
    'DeadlineExceeded',
    `The RayJob has passed the activeDeadlineSeconds. StartTime: ${goTime(parseTime(s.startTime) ?? 0)}. ActiveDeadlineSeconds: ${step.job.spec.activeDeadlineSeconds}`,
  );
  return true;
}

function failOnPreRunningDeadline(step: RayJobStep): boolean {
  if (!preRunningDeadlineExceeded(step.job, step.now)) return false;
  const s = st(step);
  markFailed(
    s,
    'PreRunningDeadlineExceeded',
    `The RayJob has passed the preRunningDeadlineSeconds. StartTime: ${goTime(parseTime(s.startTime) ?? 0)}. PreRunningDeadlineSeconds: ${step.job.spec.preRunningDeadlineSeconds}`,
  );
  return true;
}

/**
 * Initializing: suspend -> Suspending; deadlines -> Failed; the batch scheduler's gang (Volcano:
 * the RayJob's PodGroup); create (or find the selected)
 * RayCluster; wait for state ready (mirroring its status); record the dashboard address;
 * InteractiveMode -> Waiting; K8sJobMode creates the submitter Job; -> Running. HTTPMode submits
 * from Running, when the dashboard does not know the job yet.
 */
export async function reconcileInitializing(step: RayJobStep): Promise<StepOutcome> {
  if (suspendIfNeeded(step) || failOnActiveDeadline(step) || failOnPreRunningDeadline(step)) return UPDATE_STATUS;
  if (!(await prepareGang(step))) return requeue(step);
  const s = st(step);
  const cluster = await getOrCreateCluster(step);
  if (!cluster) return requeue(step);
  if (!s.dashboardURL) {
    if (cluster.status?.state !== 'ready') {
      step.ctx.log.debug('waiting for the RayCluster to be ready', { rayCluster: cluster.metadata.name, state: cluster.status?.state ?? '' });
      s.rayClusterStatus = cluster.status ?? {}; // shared with the read-only cache, replaced not changed
      return UPDATE_STATUS;
    }
    s.dashboardURL = dashboardAddress(cluster, step.opts.clusterDomain);
  }
  const mode = submissionMode(step.job.spec);
  if (mode === 'InteractiveMode') {
    s.jobDeploymentStatus = 'Waiting';
    return UPDATE_STATUS;
  }
  if (mode === 'K8sJobMode' && !(await createSubmitterIfNeeded(step, cluster))) return requeue(step);
  s.jobDeploymentStatus = 'Running';
  return UPDATE_STATUS;
}

// ---------------------------------------------------------------------------------------------
// Waiting (InteractiveMode)
// ---------------------------------------------------------------------------------------------

/** Waiting: the user submits; once spec.jobId names the job -> Running (preRunningDeadline still applies). */
export async function reconcileWaiting(step: RayJobStep): Promise<StepOutcome> {
  if (failOnPreRunningDeadline(step)) return UPDATE_STATUS;
  const id = step.job.spec.jobId;
  if (!id) return requeue(step);
  const s = st(step);
  s.jobId = id;
  s.jobDeploymentStatus = 'Running';
  return UPDATE_STATUS;
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

interface SubmitterObservation {
  /** The submitter failed (status already marked Failed). */
  failed: boolean;
  /** When the submitter finished, if it has. */
  finishedAt?: number;
}

/**
 * checkSubmitterAndUpdateStatusIfNeeded. K8sJobMode: a Failed=True condition on the submitter Job
 * fails the RayJob (AppFailed if the Ray job had already FAILED, else SubmissionFailed).
 * SidecarMode: a missing head pod fails it (AppFailed), a non-zero exit of the submitter
 * container too. undefined: the submitter Job is not there (look again later).
 */
async function observeSubmitter(step: RayJobStep, cluster: RayCluster): Promise<SubmitterObservation | undefined> {
  const s = st(step);
  const { job, ctx } = step;
  if (submissionMode(job.spec) === 'SidecarMode') {
    const pods = await ctx.client.list<Pod>(POD, {
      namespace: cluster.metadata.namespace,
      labelSelector: `${RAY_CLUSTER_LABEL_KEY}=${cluster.metadata.name},${RAY_NODE_TYPE_LABEL_KEY}=head`,
    });
    const head = pods.items[0];
    if (!head) {
      markFailed(s, 'AppFailed', 'Ray head pod not found.');
      return { failed: true };
    }
    const obs: SubmitterObservation = { failed: false };
    const finished = sidecarSubmitterFinishedAt(head);
    if (finished !== undefined) obs.finishedAt = finished;
    const bad = sidecarSubmitterFailed(head);
    if (bad) {
      obs.failed = true;
      if (s.jobStatus === 'FAILED') {
        s.jobDeploymentStatus = 'Failed';
        s.reason = 'AppFailed';
      } else markFailed(s, 'SubmissionFailed', `Ray head pod container ray-job-submitter terminated with exit code ${bad.exitCode}: ${bad.reason ?? ''}`);
    }
    return obs;
  }
  const k8sJob = ctx.cache.get<Job>(BATCH_JOB, job.metadata.name ?? '', job.metadata.namespace);
  if (!k8sJob) {
    ctx.log.info('the submitter Job is not in the cache yet', { job: job.metadata.name });
    return undefined;
  }
  const obs: SubmitterObservation = { failed: false };
  const finished = submitterFinishedAt(k8sJob);
  if (finished !== undefined) obs.finishedAt = finished;
  const cond = submitterFailedCondition(k8sJob);
  if (cond) {
    obs.failed = true;
    if (s.jobStatus === 'FAILED') {
      s.jobDeploymentStatus = 'Failed';
      s.reason = 'AppFailed';
    } else markFailed(s, 'SubmissionFailed', `Job submission has failed. Reason: ${cond.reason ?? ''}. Message: ${cond.message ?? ''}`);
  }
  return obs;
}

/** recordJobStatusCheckFailure: the first failed check starts the clock; true when that changed the status. */
export function recordJobStatusCheckFailure(s: RayJobStatus, now: number): boolean {
  if (s.jobStatusCheckFailureStartTime) return false;
  s.jobStatusCheckFailureStartTime = rfc3339(now);
  return true;
}

/** clearJobStatusCheckFailureTimer; true when there was one. */
export function clearJobStatusCheckFailure(s: RayJobStatus): boolean {
  if (!s.jobStatusCheckFailureStartTime) return false;
  delete s.jobStatusCheckFailureStartTime;
  return true;
}

/** What a successful poll means for the status: the Ray job's status and message, times, the cluster's status, and the verdict. */
export function applyJobInfo(job: RayJob, info: RayJobInfo, cluster: RayCluster, submitterFinished: boolean): void {
  const s = (job.status ??= {});
  const verdict = verdictForJobStatus(job, info.status, submitterFinished);
  s.rayClusterStatus = cluster.status ?? {}; // shared with the read-only cache, replaced not changed
  s.jobStatus = info.status;
  s.jobDeploymentStatus = verdict.jobDeploymentStatus;
  setText(s, 'reason', verdict.reason);
  setText(s, 'message', info.message ?? '');
  const times = { ...s.rayJobInfo };
  if (info.start_time) times.startTime = rfc3339(info.start_time);
  if (info.end_time) times.endTime = rfc3339(info.end_time);
  s.rayJobInfo = times;
}

/** HTTPMode, job unknown to the dashboard: submit it (a reused submission id means it is there). */
async function submitViaDashboard(step: RayJobStep, dashboard: RayDashboardClient): Promise<boolean> {
  const s = st(step);
  try {
    await dashboard.submitJob(rayJobRequest(step.job));
    step.ctx.log.info('submitted the Ray job through the dashboard', { jobId: s.jobId });
  } catch (err) {
    if (!isDuplicateSubmission(err)) {
      step.ctx.log.warn('failed to submit the Ray job', { jobId: s.jobId, error: errText(err) });
      return recordJobStatusCheckFailure(s, step.now);
    }
  }
  return clearJobStatusCheckFailure(s);
}

/**
 * Running: suspend -> Suspending; activeDeadlineSeconds -> Failed (DeadlineExceeded); terminal Ray
 * job but no terminal RayJob for the grace period -> Complete/Failed; dashboard checks failing for
 * 300 s -> Failed (JobStatusCheckTimeoutExceeded); a failed submitter -> Failed (SubmissionFailed);
 * a submitter done for 30 s with the Ray job not terminal -> Failed; then poll the dashboard:
 * FAILED -> Failed (AppFailed), SUCCEEDED/STOPPED -> Complete (after the submitter finished), else
 * mirror jobStatus and message. HTTPMode submits here when the dashboard does not know the job.
 */
export async function reconcileRunning(step: RayJobStep): Promise<StepOutcome> {
  const { job, now, opts, ctx } = step;
  const s = st(step);
  if (suspendIfNeeded(step) || failOnActiveDeadline(step)) return UPDATE_STATUS;
  if (transitionGracePeriodExceeded(job, now, opts.transitionGracePeriodSeconds)) {
    s.jobDeploymentStatus = s.jobStatus === 'FAILED' ? 'Failed' : 'Complete';
    s.reason = 'JobDeploymentStatusTransitionGracePeriodExceeded';
    s.message = 'JobDeploymentStatus does not transition to Complete or Failed within the grace period after JobStatus reaches a terminal state.';
    return UPDATE_STATUS;
  }
  if (jobStatusCheckTimedOut(job, now, opts.jobStatusCheckTimeoutSeconds)) {
    const since = parseTime(s.jobStatusCheckFailureStartTime)!;
    markFailed(
      s,
      'JobStatusCheckTimeoutExceeded',
      `Job status checks have been failing since ${goDateTime(since)}; exceeded timeout of ${Math.trunc(opts.jobStatusCheckTimeoutSeconds)}s`,
    );
    return UPDATE_STATUS;
  }
  const cluster = await getOrCreateCluster(step);
  if (!cluster) return requeue(step);

  let finishedAt: number | undefined;
  if (hasSubmitter(job)) {
    const sub = await observeSubmitter(step, cluster);
    if (!sub) return requeue(step);
    finishedAt = sub.finishedAt;
    if (submitterFinishedTimedOut(finishedAt, now, opts.submitterFinishedTimeoutMs)) {
      s.jobStatus = 'FAILED';
      s.jobDeploymentStatus = 'Failed';
      s.reason = 'JobDeploymentStatusTransitionGracePeriodExceeded';
      s.message = `The RayJob submitter finished at ${goDateTime(finishedAt!)} but the ray job did not reach terminal state within ${opts.submitterFinishedTimeoutMs / 1000}s`;
      return UPDATE_STATUS;
    }
    if (sub.failed) return UPDATE_STATUS;
  }

  const dashboard = dashboardFor(step, cluster);
  let info: RayJobInfo | undefined;
  try {
    info = await dashboard.getJobInfo(s.jobId ?? '');
  } catch (err) {
    ctx.log.warn('failed to get the Ray job info', { jobId: s.jobId, error: errText(err) });
    return recordJobStatusCheckFailure(s, now) ? UPDATE_STATUS : requeue(step);
  }
  if (info === undefined) {
    if (submissionMode(job.spec) === 'HTTPMode') return (await submitViaDashboard(step, dashboard)) ? UPDATE_STATUS : requeue(step);
    if (finishedAt !== undefined) {
      markFailed(s, 'AppFailed', 'Submitter completed but Ray job not found in RayCluster.');
      return UPDATE_STATUS;
    }
    return requeue(step);
  }
  clearJobStatusCheckFailure(s);
  applyJobInfo(job, info, cluster, finishedAt !== undefined);
  return UPDATE_STATUS;
}

// ---------------------------------------------------------------------------------------------
// Suspending, Retrying, Suspended
// ---------------------------------------------------------------------------------------------

/**
 * Suspending and Retrying: delete the RayCluster (never a selected one) and the submitter Job,
 * and wait until both are gone; then forget the attempt (cluster name, dashboard, job id and
 * status, message, reason, job times, check-failure time), after the batch scheduler released
 * the gang. KubeRay does not stop the Ray job first: the cluster goes away with it.
 */
export async function releaseAttempt(step: RayJobStep): Promise<boolean> {
  const clusterGone = await deleteClusterResources(step);
  const submitterGone = await deleteSubmitterJob(step);
  if (!clusterGone || !submitterGone) {
    step.ctx.log.info('waiting for the RayCluster and submitter to be deleted', { clusterGone, submitterGone });
    return false;
  }
  if (!(await cleanupBatchScheduler(step))) return false;
  const s = st(step);
  delete s.rayClusterStatus;
  for (const k of ['rayClusterName', 'dashboardURL', 'jobId', 'message', 'reason'] as const) delete s[k];
  delete s.rayJobInfo;
  delete s.jobStatusCheckFailureStartTime;
  s.jobStatus = '';
  return true;
}

/** Suspending -> Suspended once the cluster and the submitter are gone (whatever suspend says now: suspending is atomic). */
export async function reconcileSuspending(step: RayJobStep): Promise<StepOutcome> {
  if (!(await releaseAttempt(step))) return requeue(step);
  st(step).jobDeploymentStatus = 'Suspended';
  return UPDATE_STATUS;
}

/** Retrying -> New once the cluster and the submitter are gone; New then picks a new jobId and cluster name. */
export async function reconcileRetrying(step: RayJobStep): Promise<StepOutcome> {
  if (!(await releaseAttempt(step))) return requeue(step);
  st(step).jobDeploymentStatus = '';
  return UPDATE_STATUS;
}

/** Suspended: resumed (suspend=false) -> New, which starts over with fresh names; otherwise nothing to do. */
export async function reconcileSuspended(step: RayJobStep): Promise<StepOutcome> {
  if (step.job.spec.suspend === true) return returnNow({});
  const s = st(step);
  s.jobStatus = '';
  s.jobDeploymentStatus = '';
  return UPDATE_STATUS;
}

/** ValidationFailed with a spec that now validates: KubeRay has no transition out (its switch's default case). */
export async function reconcileValidationFailed(step: RayJobStep): Promise<StepOutcome> {
  step.ctx.log.info('RayJob is ValidationFailed; KubeRay does not resume it');
  return requeue(step);
}

// ---------------------------------------------------------------------------------------------
// Complete, Failed
// ---------------------------------------------------------------------------------------------

/**
 * Complete/Failed (then the batch scheduler releases what is left of the gang): nothing for a
 * clusterSelector RayJob; else deletionStrategy.deletionRules, or
 * the legacy onSuccess/onFailure policies (feature gate RayJobDeletionPolicy), or
 * shutdownAfterJobFinishes (delete the RayCluster, or the RayJob with
 * deleteRayJobAfterJobFinishes, ttlSecondsAfterFinished after endTime). Waits are requeued for
 * the exact moment the next action is due (KubeRay adds 2 s of slack).
 */
export async function reconcileFinished(step: RayJobStep): Promise<StepOutcome> {
  const outcome = await afterJobFinished(step);
  // KubeRay defers this to the end of every reconcile of a finished RayJob; failures are only reported.
  await cleanupBatchScheduler(step);
  return outcome;
}

async function afterJobFinished(step: RayJobStep): Promise<StepOutcome> {
  const { job, opts } = step;
  if (usesClusterSelector(job)) return returnNow({});
  const ds = job.spec.deletionStrategy;
  const rules = opts.featureGates.RayJobDeletionPolicy && ds ? ds.deletionRules : undefined;
  const legacy = opts.featureGates.RayJobDeletionPolicy && ds && !ds.deletionRules;
  if (!rules && !legacy && !job.spec.shutdownAfterJobFinishes) return returnNow({});
  await ensureEndTime(step);
  if (rules) return handleDeletionRules(step);
  if (legacy) return handleLegacyDeletionPolicy(step);
  return handleShutdownAfterJobFinishes(step);
}

/** A finished RayJob always has endTime (written with the transition); repair one that lost it. */
async function ensureEndTime(step: RayJobStep): Promise<void> {
  const s = st(step);
  if (parseTime(s.endTime) !== undefined) return;
  s.endTime = rfc3339(step.now);
  const updated = await step.ctx.client.updateStatus<RayJob>(step.job);
  step.job.metadata = updated.metadata;
}

function after(step: RayJobStep, at: number): StepOutcome {
  return returnNow({ requeueAfterMs: Math.max(0, at - step.now) });
}

/** handleDeletionRules: at most one action per reconcile, the most destructive overdue one; requeue for the next due rule. */
export async function handleDeletionRules(step: RayJobStep): Promise<StepOutcome> {
  const cluster = step.ctx.cache.get<RayCluster>(RAY_CLUSTER, st(step).rayClusterName ?? '', step.job.metadata.namespace);
  const plan = planDeletionRules(step.job, cluster, step.now);
  if (plan.execute) {
    step.ctx.log.info('executing deletion rule', { policy: plan.execute.policy, condition: plan.execute.condition });
    await executeDeletionPolicy(step, plan.execute.policy);
  }
  return plan.nextAt !== undefined ? after(step, plan.nextAt) : returnNow({});
}

/** handleLegacyDeletionPolicy: onSuccess/onFailure after ttlSecondsAfterFinished. */
export async function handleLegacyDeletionPolicy(step: RayJobStep): Promise<StepOutcome> {
  const policy = legacyDeletionPolicy(step.job);
  if (!policy || policy === 'DeleteNone') return returnNow({});
  const at = ttlExpiresAt(step.job, step.now);
  if (at > step.now) return after(step, at);
  await executeDeletionPolicy(step, policy);
  return returnNow({});
}

/** handleShutdownAfterJobFinishes: delete the RayCluster (keep the submitter for its logs) after the TTL. */
export async function handleShutdownAfterJobFinishes(step: RayJobStep): Promise<StepOutcome> {
  const at = ttlExpiresAt(step.job, step.now);
  if (at > step.now) return after(step, at);
  if (step.opts.deleteRayJobAfterJobFinishes) await deleteSelf(step);
  else await deleteClusterResources(step);
  return returnNow({});
}

/** executeDeletionPolicy. */
export async function executeDeletionPolicy(step: RayJobStep, policy: DeletionPolicyType): Promise<void> {
  switch (policy) {
    case 'DeleteCluster':
      await deleteClusterResources(step);
      return;
    case 'DeleteWorkers':
      await suspendWorkerGroups(step);
      return;
    case 'DeleteSelf':
      await deleteSelf(step);
      return;
    case 'DeleteNone':
      return;
    default:
      step.ctx.log.error('unknown deletion policy', { policy });
  }
}

// ---------------------------------------------------------------------------------------------
// Deletion (deletionTimestamp set)
// ---------------------------------------------------------------------------------------------

/**
 * The RayJob is being deleted: if the Ray job may still run (jobStatus not terminal, New
 * included), stop it through the dashboard, best effort; then remove the finalizer whatever
 * happened. The RayCluster and the submitter go with the RayJob (owner references).
 */
export async function reconcileDeletion(step: RayJobStep): Promise<Result> {
  const { job, original, ctx } = step;
  const s = st(step);
  if (!isJobTerminal(s.jobStatus)) await stopRayJobBestEffort(step);
  const finalizers = original.metadata.finalizers ?? [];
  if (!finalizers.includes(RAY_JOB_STOP_JOB_FINALIZER)) return {};
  try {
    await ctx.client.update<RayJob>({ ...original, metadata: { ...original.metadata, finalizers: finalizers.filter((f) => f !== RAY_JOB_STOP_JOB_FINALIZER) } });
    ctx.log.info('removed finalizer', { finalizer: RAY_JOB_STOP_JOB_FINALIZER, job: job.metadata.name });
  } catch (err) {
    if (isApiError(err, 'NotFound')) return {};
    throw err;
  }
  return {};
}

async function stopRayJobBestEffort(step: RayJobStep): Promise<void> {
  const s = st(step);
  if (!s.jobId || !s.dashboardURL) {
    step.ctx.log.info('no Ray job to stop', { jobId: s.jobId ?? '', dashboardURL: s.dashboardURL ?? '' });
    return;
  }
  const ns = step.job.metadata.namespace;
  const cluster: RayCluster = step.ctx.cache.get<RayCluster>(RAY_CLUSTER, s.rayClusterName ?? '', ns) ?? {
    apiVersion: 'ray.io/v1',
    kind: 'RayCluster',
    metadata: { name: s.rayClusterName ?? '', namespace: ns },
    spec: { headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [] } } } },
  };
  try {
    await dashboardFor(step, cluster).stopJob(s.jobId);
    step.ctx.log.info('stopped the Ray job', { jobId: s.jobId });
  } catch (err) {
    step.ctx.log.warn('failed to stop the Ray job; removing the finalizer anyway', { jobId: s.jobId, error: errText(err) });
  }
}

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

/** DoBatchSchedulingOnSubmission for the RayJob; false (after a warning) when the scheduler refuses it. */
async function prepareGang(step: RayJobStep): Promise<boolean> {
  try {
    await step.opts.scheduler.doBatchSchedulingOnSubmission(step.ctx, step.job);
    return true;
  } catch (err) {
    if (isApiError(err)) throw err;
    step.ctx.log.warn('batch scheduling failed', { scheduler: step.opts.scheduler.name, error: errText(err) });
    return false;
  }
}

/** cleanupBatchSchedulerResources: BatchSchedulerCleanedUp when something changed; false on failure (Warning event). */
export async function cleanupBatchScheduler(step: RayJobStep): Promise<boolean> {
  const { job, ctx, opts } = step;
  const who = nsName(step, job.metadata.name);
  try {
    if (await opts.scheduler.cleanupOnCompletion(ctx, job)) {
      ctx.recorder.event(job, 'Normal', EventReason.BatchSchedulerCleanedUp, `Cleaned up batch scheduler resources for RayJob ${who}`);
    }
    return true;
  } catch (err) {
    ctx.recorder.event(job, 'Warning', EventReason.FailedToCleanupBatchScheduler, `Failed to cleanup batch scheduler resources for RayJob ${who}: ${errText(err)}`);
    return false;
  }
}

function dashboardFor(step: RayJobStep, cluster: RayCluster): RayDashboardClient {
  return step.opts.dashboards(cluster, dashboardHttpUrl(st(step).dashboardURL ?? ''));
}

/**
 * getOrCreateRayClusterInstance: the cluster named in status.rayClusterName from the cache; if it
 * is missing, create it from rayClusterSpec (CreatedRayCluster), or, in clusterSelector mode,
 * warn (RayClusterNotFound) and return undefined: the user must create it.
 */
export async function getOrCreateCluster(step: RayJobStep): Promise<RayCluster | undefined> {
  const { job, ctx, opts } = step;
  const name = st(step).rayClusterName ?? '';
  const ns = job.metadata.namespace;
  if (!name) return undefined;
  const cached = ctx.cache.get<RayCluster>(RAY_CLUSTER, name, ns);
  if (cached) return cached;
  if (usesClusterSelector(job)) {
    ctx.recorder.event(job, 'Warning', EventReason.RayClusterNotFound, `RayCluster ${nsName(step, name)} set in the clusterSelector is not found. It must be created manually`);
    return undefined;
  }
  const desired = buildRayClusterForRayJob(job, name, {
    scheduler: opts.scheduler,
    sidecarSubmitterRestart: opts.featureGates.SidecarSubmitterRestart,
  });
  try {
    const created = await ctx.client.create(desired);
    ctx.recorder.event(job, 'Normal', EventReason.CreatedRayCluster, `Created RayCluster ${nsName(step, name)}`);
    return created;
  } catch (err) {
    // The cache had not seen our own earlier create yet.
    if (isApiError(err, 'AlreadyExists')) return ctx.client.get<RayCluster>(RAY_CLUSTER, name, ns);
    ctx.recorder.event(job, 'Warning', EventReason.FailedToCreateRayCluster, `Failed to create RayCluster ${nsName(step, name)}: ${errText(err)}`);
    throw err;
  }
}

/** createK8sJobIfNeed: the submitter Job named after the RayJob; false if it cannot be built from the spec. */
export async function createSubmitterIfNeeded(step: RayJobStep, cluster: RayCluster): Promise<boolean> {
  const { job, ctx, opts } = step;
  const name = job.metadata.name ?? '';
  if (ctx.cache.get<Job>(BATCH_JOB, name, job.metadata.namespace)) return true;
  let desired: Job;
  try {
    const template = buildSubmitterTemplate(job, cluster.spec, { scheduler: opts.scheduler });
    desired = buildSubmitterJob(job, template);
  } catch (err) {
    if (!(err instanceof SubmitterConfigError)) throw err;
    ctx.recorder.event(job, 'Warning', EventReason.FailedToCreateRayJobSubmitter, `Failed to create new Kubernetes Job ${nsName(step, name)}: ${err.message}`);
    return false;
  }
  try {
    await ctx.client.create(desired, METADATA_ONLY);
  } catch (err) {
    if (isApiError(err, 'AlreadyExists')) return true;
    ctx.recorder.event(job, 'Warning', EventReason.FailedToCreateRayJobSubmitter, `Failed to create new Kubernetes Job ${nsName(step, name)}: ${errText(err)}`);
    throw err;
  }
  ctx.recorder.event(job, 'Normal', EventReason.CreatedRayJobSubmitter, `Created Kubernetes Job ${nsName(step, name)}`);
  return true;
}

/** deleteClusterResources: true once the RayCluster is gone (a selected cluster is never deleted). */
export async function deleteClusterResources(step: RayJobStep): Promise<boolean> {
  const { job, ctx } = step;
  if (usesClusterSelector(job)) return true;
  const name = st(step).rayClusterName ?? '';
  const cluster = name ? ctx.cache.get<RayCluster>(RAY_CLUSTER, name, job.metadata.namespace) : undefined;
  if (!cluster) return true;
  if (cluster.metadata.deletionTimestamp) return false;
  try {
    await ctx.client.delete(RAY_CLUSTER, name, job.metadata.namespace);
  } catch (err) {
    if (isApiError(err, 'NotFound')) return true;
    ctx.recorder.event(job, 'Warning', EventReason.FailedToDeleteRayCluster, `Failed to delete cluster ${nsName(step, name)}: ${errText(err)}`);
    throw err;
  }
  ctx.recorder.event(job, 'Normal', EventReason.DeletedRayCluster, `Deleted cluster ${nsName(step, name)}`);
  return false;
}

/** deleteSubmitterJob: true once the submitter Job is gone (HTTPMode and SidecarMode have none). */
export async function deleteSubmitterJob(step: RayJobStep): Promise<boolean> {
  const { job, ctx } = step;
  const mode = submissionMode(job.spec);
  if (mode === 'HTTPMode' || mode === 'SidecarMode') return true;
  const name = job.metadata.name ?? '';
  const sub = ctx.cache.get<Job>(BATCH_JOB, name, job.metadata.namespace);
  if (!sub) return true;
  if (sub.metadata.deletionTimestamp) return false;
  try {
    await ctx.client.delete(BATCH_JOB, name, job.metadata.namespace, { propagationPolicy: 'Background' });
  } catch (err) {
    if (isApiError(err, 'NotFound')) return true;
    ctx.recorder.event(job, 'Warning', EventReason.FailedToDeleteRayJobSubmitter, `Failed to delete submitter K8s Job ${nsName(step, name)}: ${errText(err)}`);
    throw err;
  }
  ctx.recorder.event(job, 'Normal', EventReason.DeletedRayJobSubmitter, `Deleted submitter K8s Job ${nsName(step, name)}`);
  return false;
}

/** suspendWorkerGroups (DeleteWorkers): suspend=true on every worker group, by JSON patch; the RayCluster controller removes the workers. */
export async function suspendWorkerGroups(step: RayJobStep): Promise<void> {
  const { job, ctx } = step;
  const name = st(step).rayClusterName ?? '';
  const cluster = ctx.cache.get<RayCluster>(RAY_CLUSTER, name, job.metadata.namespace);
  if (!cluster) return;
  const ops = (cluster.spec.workerGroupSpecs ?? []).flatMap((g, i) => [
    { op: 'test', path: `/spec/workerGroupSpecs/${i}/groupName`, value: g.groupName },
    { op: 'add', path: `/spec/workerGroupSpecs/${i}/suspend`, value: true },
  ]);
  if (ops.length > 0) {
    try {
      await ctx.client.patch(RAY_CLUSTER, name, job.metadata.namespace, ops, 'json');
    } catch (err) {
      ctx.recorder.event(job, 'Warning', EventReason.FailedToUpdateRayCluster, `Failed to suspend worker groups in cluster ${nsName(step, name)}: ${errText(err)}`);
      throw err;
    }
  }
  ctx.recorder.event(job, 'Normal', EventReason.UpdatedRayCluster, `Set the \`suspend\` field to true for all worker groups in cluster ${nsName(step, name)}`);
}

/** DeleteSelf (and shutdownAfterJobFinishes with deleteRayJobAfterJobFinishes): delete the RayJob; its finalizer runs next. */
async function deleteSelf(step: RayJobStep): Promise<void> {
  try {
    await step.ctx.client.delete(RAY_JOB, step.job.metadata.name ?? '', step.job.metadata.namespace);
    step.ctx.log.info('deleted the RayJob');
  } catch (err) {
    if (!isApiError(err, 'NotFound')) throw err;
  }
}
