// The RayJob reconciler (KubeRay's RayJobReconciler.Reconcile, v1.7.0), in ordered steps:
//
//   1. read the RayJob from the cache; skip it if gone or managed by another controller;
//   2. being deleted: stop the Ray job (best effort) and remove the finalizer;
//   3. validate: on failure ValidationFailed (reason ValidationFailed), a Warning event, no requeue;
//   4. one state function for status.jobDeploymentStatus (states.ts), on a copy of the RayJob;
//   5. count the attempt and turn Failed into Retrying while backoffLimit allows;
//   6. write the status once, only if a field the state machine depends on changed (endTime is
//      stamped when it becomes Complete or Failed);
//   7. look again in 3 s.
//
// It owns RayClusters and batch/v1 Jobs: their changes requeue the RayJob. Time comes only from
// ctx.clock and random names only from ctx.rng.

import { BATCH_JOB, EventReason, RAY_CLUSTER, RAY_JOB } from '../../api/constants.js';
import type { Job, RayJob } from '../../api/types.js';
import { dashboardSource } from '../dashboard-client.js';
import { isJobDeploymentTerminal } from '../../api/rayjob-types.js';
import { problemsMessage, validateRayJob, type FieldProblem } from '../../api/validation.js';
import type { PollHint, Reconciler, ReconcileContext, Request, Result } from '../../runtime/reconciler.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import { resolveRayJobOptions, type RayJobOptions, type ResolvedRayJobOptions } from './options.js';
import { applyBackoffLimit, hasSubmitter, isManagedExternally, nextTimeCheck, statusNeedsWrite, submitterFinishedAt } from './predicates.js';
import { newRayJobStep, reconcileDeletion, reconcileState, type RayJobStep } from './states.js';
import { METADATA_ONLY } from '../../runtime/kube-client.js';

export const RAYJOB_CONTROLLER_NAME = 'rayjob';

/** A RayJob reconciler for a manager: `manager.add(createRayJobReconciler({ dashboards }))`. */
export function createRayJobReconciler(options: RayJobOptions): Reconciler {
  const opts = resolveRayJobOptions(options);
  return {
    name: RAYJOB_CONTROLLER_NAME,
    for: RAY_JOB,
    owns: [RAY_CLUSTER, BATCH_JOB],
    reconcile: (req, ctx) => reconcileRayJob(req, ctx, opts),
  };
}

/** One reconcile of one RayJob. */
export async function reconcileRayJob(req: Request, ctx: ReconcileContext, opts: ResolvedRayJobOptions): Promise<Result> {
  const cached = ctx.cache.get<RayJob>(RAY_JOB, req.name, req.namespace);
  if (!cached) return {};
  if (isManagedExternally(cached)) {
    ctx.log.debug('skipping a RayJob managed by another controller', { managedBy: cached.spec?.managedBy });
    return {};
  }
  const step = newRayJobStep(ctx, opts, cached);
  if (cached.metadata.deletionTimestamp) return reconcileDeletion(step);

  const problems = validateRayJob(cached, { featureGates: opts.featureGates, strict: opts.strictValidation });
  if (problems.length > 0) return failValidation(step, problems);

  const outcome = await reconcileState(step);
  if (outcome.kind === 'return') return withPollHint(step, outcome.result);
  applyBackoffLimit(step.job);
  await writeStatusIfChanged(step);
  return withPollHint(step, { requeueAfterMs: opts.requeueMs });
}

/**
 * Marks the 3 s requeue of a RayJob waiting on its cluster or its Ray job as a poll (Result.poll):
 * from Initializing, Waiting and Running the next look finds something new only when the RayJob,
 * its RayCluster or its submitter Job change (all watched), the cluster's dashboard answers
 * differently, or a deadline arrives. Not for a clusterSelector (the selected cluster is not
 * owned, so its changes are not watched). The manager decides whether to use it: against a real
 * cluster every poll runs, as in KubeRay.
 */
function withPollHint(step: RayJobStep, result: Result): Result {
  if (result.requeueAfterMs !== step.opts.requeueMs) return result;
  const { job } = step;
  const s = job.status;
  const d = s?.jobDeploymentStatus;
  if ((d !== 'Initializing' && d !== 'Waiting' && d !== 'Running') || !s?.rayClusterName || job.spec.clusterSelector) return result;
  const sub = hasSubmitter(job) ? step.ctx.cache.get<Job>(BATCH_JOB, job.metadata.name ?? '', job.metadata.namespace) : undefined;
  const until = nextTimeCheck(job, step.opts, submitterFinishedAt(sub));
  const poll: PollHint = { source: dashboardSource(job.metadata.namespace, s.rayClusterName) };
  if (until !== undefined) poll.until = until;
  return { ...result, poll };
}

/** The event reason KubeRay gives the first failing validation: metadata, then spec, then status. */
export function validationEventReason(problems: readonly FieldProblem[]): string {
  const fields = problems.map((p) => p.field);
  if (fields.some((f) => f.startsWith('metadata'))) return EventReason.InvalidRayJobMetadata;
  if (fields.some((f) => f.startsWith('spec'))) return EventReason.InvalidRayJobSpec;
  return EventReason.InvalidRayJobStatus;
}

/** ValidationFailed, reason ValidationFailed, the problems as message, a Warning event; no requeue. */
export async function failValidation(step: RayJobStep, problems: readonly FieldProblem[]): Promise<Result> {
  const { job, ctx } = step;
  const message = problemsMessage(problems);
  ctx.recorder.event(job, 'Warning', validationEventReason(problems), `${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}: ${message}`);
  const s = job.status!;
  s.jobDeploymentStatus = 'ValidationFailed';
  s.reason = 'ValidationFailed';
  s.message = message;
  await writeStatusIfChanged(step);
  return {};
}

/** updateRayJobStatus: one status write when statusNeedsWrite says so; endTime stamped on Complete/Failed. */
export async function writeStatusIfChanged(step: RayJobStep): Promise<boolean> {
  const before = step.original.status;
  const after = step.job.status!;
  if (!statusNeedsWrite(before, after)) return false;
  if (isJobDeploymentTerminal(after.jobDeploymentStatus)) after.endTime = rfc3339(step.now);
  const from = before?.jobDeploymentStatus ?? '';
  const to = after.jobDeploymentStatus ?? '';
  // Nothing but the write is needed back, so only metadata is asked for (see ClientWriteOptions.as).
  await step.ctx.client.updateStatus(step.job, METADATA_ONLY);
  // Logged once the write went through: against a real API server a reconcile working from a
  // cache that has not yet seen the previous reconcile's write computes the same transition
  // again and is refused with 409 Conflict; logging before the write reported it twice.
  if (from !== to) {
    step.ctx.log.info('RayJob transition', { from: from || 'New', to: to || 'New', jobStatus: after.jobStatus ?? '', reason: after.reason ?? '' });
  }
  return true;
}
