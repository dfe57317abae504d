// The RayCronJob controller, after KubeRay v1.7.0's raycronjob_controller.go. Each reconcile:
//
//   1. validate (a Warning event InvalidRayCronJobSpec, no requeue); suspended: an event, nothing else;
//   2. the next schedule time after status.lastScheduleTime (the creation time before the first
//      run), in spec.timeZone (UTC when unset), on the injected clock;
//   3. not due yet: requeue exactly at it;
//   4. due: create RayJob `<name>-<scheduled time in Unix minutes>` from spec.jobTemplate, labelled
//      ray.io/cronjob-name, annotated ray.io/cronjob-scheduled-timestamp, owned by the RayCronJob
//      (an existing RayJob of that name counts as created: the name is deterministic so a stale
//      cache cannot fire a tick twice); set status.lastScheduleTime to that time; requeue at the
//      schedule time after it.
//
// Missed schedules (controller down, or resumed after a suspend): KubeRay catches up every missed
// time, one RayJob per reconcile, each reconcile woken by its own status write ('each', the
// default). 'latest' is Kubernetes CronJob's behaviour instead: only the most recent missed time
// runs, the others are skipped.

import type { RayCronJob, RayJob } from '../../api/types.js';
import { EventReason, RAY_API_VERSION, RAY_CRON_JOB, RAY_CRON_JOB_NAME_LABEL_KEY, RAY_CRON_JOB_TIMESTAMP_ANNOTATION_KEY, RAY_JOB } from '../../api/constants.js';
import { nextAfter, parseCron, type CronSchedule } from '../../api/cron.js';
import { cronTimeZone } from '../../api/defaults.js';
import type { FeatureGates } from '../../api/features.js';
import { problemsMessage, validateRayCronJob } from '../../api/validation.js';
import { isApiError } from '../../runtime/api-error.js';
import type { Reconciler, ReconcileContext, Request, Result } from '../../runtime/reconciler.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import { controllerRef } from '../common/service.js';
import { deepClone } from '../../runtime/deep-copy.js';

export type MissedSchedulePolicy = 'each' | 'latest';

export interface RayCronJobReconcilerOptions {
  /** Missed schedule times: 'each' (KubeRay: catch up every one) or 'latest' (Kubernetes CronJob: only the most recent). */
  missedSchedules?: MissedSchedulePolicy;
  featureGates?: FeatureGates;
  strictValidation?: boolean;
}

/** At most this many missed times are stepped over under 'latest' before giving up on catching up (Kubernetes warns at 100). */
export const MAX_MISSED_SCHEDULES_SCANNED = 100_000;

/** getRayJobName: `<cronjob>-<scheduled time in whole Unix minutes>`. */
export function rayJobNameForSchedule(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 1000 / 60)}`;
}

/** constructRayJob: the RayJob for one scheduled time. */
export function buildRayJobForSchedule(cj: RayCronJob, scheduledMs: number): RayJob {
  return {
    apiVersion: RAY_API_VERSION,
    kind: 'RayJob',
    metadata: {
      name: rayJobNameForSchedule(cj.metadata.name ?? '', scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { [RAY_CRON_JOB_NAME_LABEL_KEY]: cj.metadata.name ?? '' },
      annotations: { [RAY_CRON_JOB_TIMESTAMP_ANNOTATION_KEY]: rfc3339(scheduledMs) },
      ownerReferences: [controllerRef({ apiVersion: cj.apiVersion ?? RAY_API_VERSION, kind: 'RayCronJob', metadata: cj.metadata })],
    },
    spec: deepClone(cj.spec.jobTemplate),
  };
}

export interface ScheduleDecision {
  /** Create the RayJob of this scheduled time (epoch ms) now. */
  runAt?: number;
  /** Missed times left out ('latest'). */
  skipped: number;
  /** The schedule time after `runAt` (or the next one, when nothing is due); undefined: the schedule never fires again. */
  nextAt?: number;
}

/**
 * When the cron job runs next, decided purely from the object and the time: schedule.Next of the
 * last schedule time (or of the creation time), due when it is not after `nowMs`.
 */
export function decideSchedule(cj: RayCronJob, nowMs: number, policy: MissedSchedulePolicy = 'each', schedule?: CronSchedule): ScheduleDecision {
  const s = schedule ?? parseCron(cj.spec.schedule);
  const tz = cronTimeZone(cj.spec);
  const last = cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp;
  const earliest = last ? Date.parse(last) : nowMs;
  const first = nextAfter(s, Number.isFinite(earliest) ? earliest : nowMs, tz);
  if (first === null) return { skipped: 0 };
  if (first > nowMs) return { skipped: 0, nextAt: first };
  let runAt = first;
  let skipped = 0;
  let next = nextAfter(s, runAt, tz);
  if (policy === 'latest') {
    while (next !== null && next <= nowMs && skipped < MAX_MISSED_SCHEDULES_SCANNED) {
      runAt = next;
      skipped++;
      next = nextAfter(s, runAt, tz);
    }
  }
  return next === null ? { runAt, skipped } : { runAt, skipped, nextAt: next };
}

/** The RayCronJob controller: for RayCronJob, owns RayJob. */
export function rayCronJobReconciler(opts: RayCronJobReconcilerOptions = {}): Reconciler {
  return {
    name: 'raycronjob',
    for: RAY_CRON_JOB,
    owns: [RAY_JOB],
    reconcile: (req, ctx) => reconcileRayCronJob(req, ctx, opts),
  };
}

export async function reconcileRayCronJob(req: Request, ctx: ReconcileContext, opts: RayCronJobReconcilerOptions = {}): Promise<Result> {
  const cached = ctx.cache.get<RayCronJob>(RAY_CRON_JOB, req.name, req.namespace);
  if (!cached || cached.metadata.deletionTimestamp) return {};
  const where = `${cached.metadata.namespace ?? ''}/${cached.metadata.name ?? ''}`;

  const problems = validateRayCronJob(cached, { featureGates: opts.featureGates, strict: opts.strictValidation });
  if (problems.length) {
    ctx.recorder.event(cached, 'Warning', EventReason.InvalidRayCronJobSpec, `${where}: ${problemsMessage(problems)}`);
    return {};
  }
  if (cached.spec.suspend) {
    ctx.recorder.event(cached, 'Normal', EventReason.SuspendedRayCronJob, 'RayCronJob suspended, no new RayJobs will be created');
    return {};
  }

  const now = ctx.clock.now();
  const policy = opts.missedSchedules ?? 'each';
  const d = decideSchedule(cached, now, policy);
  const requeueFor = (at: number | undefined): Result => (at !== undefined && at > now ? { requeueAfterMs: at - now } : {});
  if (d.runAt === undefined) return requeueFor(d.nextAt);

  const job = buildRayJobForSchedule(cached, d.runAt);
  try {
    await ctx.client.create(job);
    ctx.log.info('created RayJob', { rayJob: job.metadata.name, scheduledTime: rfc3339(d.runAt), skippedMissed: d.skipped });
  } catch (e) {
    if (!isApiError(e, 'AlreadyExists')) throw e;
    // The deterministic name: this tick was already scheduled by an earlier reconcile.
    ctx.log.info('RayJob for this tick already exists, skipping creation', { rayJob: job.metadata.name });
  }

  const lastScheduleTime = rfc3339(d.runAt);
  if (cached.status?.lastScheduleTime !== lastScheduleTime) {
    const next = deepClone(cached) as RayCronJob;
    next.status = { ...next.status, lastScheduleTime };
    await ctx.client.updateStatus(next);
  }
  // Behind schedule ('each'): the status write above wakes the next reconcile, which runs the next missed time.
  return requeueFor(d.nextAt);
}
