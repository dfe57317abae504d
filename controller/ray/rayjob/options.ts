// What the RayJob controller is configured with, and the KubeRay constants it runs on. KubeRay
// reads several of these from environment variables of the operator process; raysim passes them
// in so that two operators in one process (or one test) can differ.

import { DEFAULT_RAYJOB_DEPLOYMENT_STATUS_TRANSITION_GRACE_PERIOD_SECONDS, DEFAULT_RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS } from '../../api/constants.js';
import { DEFAULT_FEATURE_GATES, type FeatureGates } from '../../api/features.js';
import type { BatchScheduler } from '../batchscheduler/batch-scheduler.js';
import { createBatchScheduler } from '../batchscheduler/registry.js';
import type { DashboardClientFactory } from '../dashboard-client.js';

/** KubeRay's RayJobDefaultRequeueDuration: every non-terminal RayJob is looked at again after 3 s. */
export const RAYJOB_DEFAULT_REQUEUE_MS = 3_000;
/** KubeRay's DefaultSubmitterFinishedTimeout: the submitter finished but the Ray job is not terminal. */
export const DEFAULT_SUBMITTER_FINISHED_TIMEOUT_MS = 30_000;
/** The cluster DNS domain KubeRay assumes when CLUSTER_DOMAIN is unset. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface RayJobOptions {
  /** Dashboard client per RayCluster (the Ray Jobs API on :8265). */
  dashboards: DashboardClientFactory;
  /** KubeRay's --batch-scheduler: "default" (unset), "volcano", or a scheduler object. */
  batchScheduler?: string | BatchScheduler;
  /** KubeRay feature gates (validation, RayJobDeletionPolicy, SidecarSubmitterRestart); upstream defaults. */
  featureGates?: FeatureGates;
  /** Also apply raysim's strict validation (see controller/api/validation.ts). Default false: KubeRay's rules only. */
  strictValidation?: boolean;
  /** RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS (300). */
  jobStatusCheckTimeoutSeconds?: number;
  /** RAYJOB_DEPLOYMENT_STATUS_TRANSITION_GRACE_PERIOD_SECONDS (300). */
  transitionGracePeriodSeconds?: number;
  /** DELETE_RAYJOB_CR_AFTER_JOB_FINISHES: shutdownAfterJobFinishes deletes the RayJob instead of its RayCluster. */
  deleteRayJobAfterJobFinishes?: boolean;
  /** CLUSTER_DOMAIN, for status.dashboardURL (cluster.local). */
  clusterDomain?: string;
}

export interface ResolvedRayJobOptions {
  readonly dashboards: DashboardClientFactory;
  readonly scheduler: BatchScheduler;
  readonly featureGates: FeatureGates;
  readonly strictValidation: boolean;
  readonly jobStatusCheckTimeoutSeconds: number;
  readonly transitionGracePeriodSeconds: number;
  readonly submitterFinishedTimeoutMs: number;
  readonly deleteRayJobAfterJobFinishes: boolean;
  readonly clusterDomain: string;
  readonly requeueMs: number;
}

/** Fills in the defaults; an unknown batch scheduler throws (naming the known ones). */
export function resolveRayJobOptions(o: RayJobOptions): ResolvedRayJobOptions {
  if (typeof o?.dashboards !== 'function') throw new TypeError('rayjob controller: options.dashboards must be a DashboardClientFactory');
  // KubeRay ignores a non-positive or unparsable timeout and uses the default.
  const positive = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d);
  return {
    dashboards: o.dashboards,
    scheduler: typeof o.batchScheduler === 'object' ? o.batchScheduler : createBatchScheduler(o.batchScheduler),
    featureGates: o.featureGates ?? DEFAULT_FEATURE_GATES,
    strictValidation: o.strictValidation ?? false,
    jobStatusCheckTimeoutSeconds: positive(o.jobStatusCheckTimeoutSeconds, DEFAULT_RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS),
    transitionGracePeriodSeconds: o.transitionGracePeriodSeconds ?? DEFAULT_RAYJOB_DEPLOYMENT_STATUS_TRANSITION_GRACE_PERIOD_SECONDS,
    submitterFinishedTimeoutMs: DEFAULT_SUBMITTER_FINISHED_TIMEOUT_MS,
    deleteRayJobAfterJobFinishes: o.deleteRayJobAfterJobFinishes ?? false,
    clusterDomain: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    requeueMs: RAYJOB_DEFAULT_REQUEUE_MS,
  };
}
