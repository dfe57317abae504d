// The batch/v1 Job controller, enough for KubeRay's submitter Job (NonIndexed, no
// podFailurePolicy): it keeps min(parallelism, completions left) pods running from spec.template,
// counts their outcomes with finalizer tracking, replaces failed pods after an exponential
// back-off until backoffLimit, honours suspend and activeDeadlineSeconds, and marks the Job
// Complete or Failed. The decision is pure (job-decision.ts); this file applies it.
//
// Deleting a Job is the garbage collector's business (ownerReferences); the controller only lets
// go of the pods by removing its finalizer, so their deletion can finish.

import { BATCH_JOB, POD } from '../api/constants.js';
import type { Job, Pod } from '../api/core-types.js';
import { deepEqual } from '../runtime/deep-copy.js';
import { isApiError } from '../runtime/api-error.js';
import { METADATA_ONLY, updateStatusAsSent } from '../runtime/kube-client.js';
import type { KubeObject } from '../runtime/kube-object.js';
import type { ReconcileContext, Reconciler, Request, Result } from '../runtime/reconciler.js';
import { planJobSync, type BackoffOptions, type JobPlan, type JobStatus } from './job-decision.js';
import { buildJobPod, hasTrackingFinalizer, JOB_LABEL, JOB_TRACKING_FINALIZER } from './job-pods.js';

/** After this long, creations and deletions the cache never showed are given up on (as ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

export interface JobControllerOptions {
  /** Controller name (default "job"). */
  name?: string;
  backoff?: BackoffOptions;
}

/** Pods this controller created or deleted that its cache has not shown yet (client-go's expectations). */
interface Expectations {
  creates: Set<string>;
  deletes: Set<string>;
  since: number;
}

export class JobController implements Reconciler {
  readonly name: string;
  readonly for = BATCH_JOB;
  readonly owns = [POD];
  /** Job uid -> when the latest failure was counted. */
  private readonly lastFailure = new Map<string, number>();
  private readonly expectations = new Map<string, Expectations>();

  constructor(private readonly opts: JobControllerOptions = {}) {
    this.name = opts.name ?? 'job';
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const namespace = req.namespace ?? 'default';
    const job = ctx.cache.get<Job>(BATCH_JOB, req.name, namespace);
    if (!job || job.metadata.deletionTimestamp) {
      await this.release(req.name, namespace, job, ctx);
      return {};
    }
    const uid = job.metadata.uid ?? '';
    const now = ctx.clock.now();
    const pods = ctx.cache.list<Pod>(POD, { namespace, ownerUid: uid }).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller === true));
    const plan = planJobSync({
      job,
      pods,
      now,
      lastFailureAt: this.lastFailure.get(uid),
      expectationsSatisfied: this.satisfied(uid, pods, now),
      backoff: this.opts.backoff,
    });
    await this.apply(job, plan, ctx);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /** Steps in order: uncounted pods recorded, finalizers off, pods deleted and created, final status, TTL. */
  private async apply(job: Job, plan: JobPlan, ctx: ReconcileContext): Promise<void> {
    const uid = job.metadata.uid ?? '';
    const now = ctx.clock.now();
    let current = job;
    if (plan.interim && !sameStatus(current.status, plan.interim)) current = await updateStatusAsSent(ctx.client, current, plan.interim);
    for (const p of plan.removeFinalizers) await removeFinalizer(p, ctx);
    if (plan.lastFailureAt !== undefined) this.lastFailure.set(uid, plan.lastFailureAt);

    if (plan.delete.length || plan.create) {
      const exp: Expectations = { creates: new Set(), deletes: new Set(), since: now };
      this.expectations.set(uid, exp);
      for (const p of plan.delete) {
        exp.deletes.add(p.metadata.uid ?? '');
        try {
          await ctx.client.delete(POD, p.metadata.name ?? '', p.metadata.namespace);
          ctx.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          exp.deletes.delete(p.metadata.uid ?? '');
          if (!isApiError(e, 'NotFound')) throw e;
        }
      }
      for (let i = 0; i < plan.create; i++) {
        let pod: KubeObject;
        try {
          pod = await ctx.client.create(buildJobPod(job), METADATA_ONLY);
        } catch (e) {
          ctx.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        exp.creates.add(pod.metadata.name ?? '');
        ctx.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      }
    }

    if (!sameStatus(current.status, plan.status)) current = await updateStatusAsSent(ctx.client, current, plan.status);
    for (const e of plan.events) ctx.recorder.event(job, e.type, e.reason, e.message);
    if (plan.deleteJob) {
      try {
        await ctx.client.delete(BATCH_JOB, job.metadata.name ?? '', job.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid } });
      } catch (e) {
        if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
      }
    }
  }

  /** Whether the cache shows every pod this controller last created and deleted for the Job. */
  private satisfied(uid: string, pods: Pod[], now: number): boolean {
    const exp = this.expectations.get(uid);
    if (!exp) return true;
    const names = new Set(pods.map((p) => p.metadata.name));
    const created = [...exp.creates].every((n) => names.has(n));
    const deleted = [...exp.deletes].every((u) => {
      const p = pods.find((x) => x.metadata.uid === u);
      return !p || !!p.metadata.deletionTimestamp;
    });
    if ((created && deleted) || now - exp.since >= EXPECTATIONS_TIMEOUT_MS) {
      this.expectations.delete(uid);
      return true;
    }
    return false;
  }

  /** The Job is gone or going: its pods keep no finalizer of ours, so their deletion can finish. */
  private async release(name: string, namespace: string, job: Job | undefined, ctx: ReconcileContext): Promise<void> {
    const pods = ctx.cache.list<Pod>(POD, { namespace, labels: { [JOB_LABEL.jobName]: name } });
    for (const p of pods) {
      if (!hasTrackingFinalizer(p)) continue;
      const owner = p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'Job');
      if (!owner || owner.name !== name) continue;
      if (job && owner.uid !== job.metadata.uid) continue;
      await removeFinalizer(p, ctx);
    }
    if (!job) {
      // Forget what was remembered about Jobs of this name that no longer exist.
      for (const p of pods) {
        const u = p.metadata.labels?.[JOB_LABEL.controllerUid];
        if (u) {
          this.lastFailure.delete(u);
          this.expectations.delete(u);
        }
      }
    }
  }
}

/** The Job controller for a manager's registry. */
export function jobController(opts: JobControllerOptions = {}): JobController {
  return new JobController(opts);
}

async function removeFinalizer(p: Pod, ctx: ReconcileContext): Promise<void> {
  try {
    await ctx.client.patch(POD, p.metadata.name ?? '', p.metadata.namespace, { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, 'strategic');
  } catch (e) {
    if (!isApiError(e, 'NotFound')) throw e;
  }
}

function sameStatus(a: KubeObject['status'] | JobStatus | undefined, b: JobStatus): boolean {
  return deepEqual(a ?? {}, b);
}
