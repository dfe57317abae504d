// Defaulting for the ray.io/v1 kinds. Pure: every function returns a new object and never touches
// its input.
//
// Two levels:
// - CRD defaults (`{crdOnly: true}`): exactly what the API server fills in from the CRD schemas'
//   `default:` keywords (worker group replicas 0 / minReplicas 0 / maxReplicas MaxInt32 /
//   numOfHosts 1 / priority 0, RayJob submissionMode K8sJobMode / backoffLimit 0 /
//   ttlSecondsAfterFinished 0, deletion rule ttlSeconds 0, clusterUpgradeOptions.maxSurgePercent
//   100, networkPolicy.mode DenyAll, RayJob status succeeded/failed 0). Objects that went through
//   the API server (real or simulated) already carry them; objects built in code or read from a
//   scenario file may not.
// - Effective defaults (the default): the CRD defaults plus what KubeRay's controllers assume when a
//   field is unset (RayService upgradeStrategy.type NewCluster and rayClusterDeletionDelaySeconds 60,
//   empty rayStartParams, autoscaler upscalingMode Default and idleTimeoutSeconds 60 when autoscaling
//   is on). Use this to reason about an object; never write it back (KubeRay keeps these implicit).
// Accessors at the end give single effective values without copying the object.

import type { RayCluster, RayClusterSpec, WorkerGroupSpec, AutoscalerOptions, UpscalingMode } from './raycluster-types.js';
import type { RayJob, RayJobSpec, JobSubmissionMode } from './rayjob-types.js';
import type { RayService, RayServiceSpec, RayServiceUpgradeType } from './rayservice-types.js';
import type { RayCronJob, RayCronJobSpec } from './raycronjob-types.js';
import { deepClone } from '../runtime/deep-copy.js';

export const MAX_INT32 = 2147483647;

export const DEFAULT_WORKER_REPLICAS = 0;
export const DEFAULT_MIN_REPLICAS = 0;
export const DEFAULT_MAX_REPLICAS = MAX_INT32;
export const DEFAULT_NUM_OF_HOSTS = 1;
export const DEFAULT_WORKER_PRIORITY = 0;
export const DEFAULT_NETWORK_POLICY_MODE = 'DenyAll';

export const DEFAULT_SUBMISSION_MODE: JobSubmissionMode = 'K8sJobMode';
export const DEFAULT_BACKOFF_LIMIT = 0;
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 0;
export const DEFAULT_DELETION_RULE_TTL_SECONDS = 0;
/** backoffLimit of the submitter batch/v1 Job when spec.submitterConfig.backoffLimit is unset. */
export const DEFAULT_SUBMITTER_BACKOFF_LIMIT = 2;

export const DEFAULT_RAY_SERVICE_UPGRADE_TYPE: RayServiceUpgradeType = 'NewCluster';
export const DEFAULT_RAY_CLUSTER_DELETION_DELAY_SECONDS = 60;
export const DEFAULT_MAX_SURGE_PERCENT = 100;

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
export const DEFAULT_UPSCALING_MODE: UpscalingMode = 'Default';
/** Time zone of a RayCronJob without spec.timeZone: KubeRay uses the operator's; raysim's is UTC. */
export const DEFAULT_CRON_TIME_ZONE = 'UTC';

export interface DefaultingOptions {
  /** Only the CRD schema defaults (what the API server applies). */
  crdOnly?: boolean;
}

const clone = <T>(v: T): T => deepClone(v);
/** A present, non-array object (inputs are unchecked JSON: any field may be missing or mistyped). */
function isObj<T>(v: T | null | undefined): v is T {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// RayCluster
// ---------------------------------------------------------------------------------------------

export function defaultWorkerGroupSpec(group: WorkerGroupSpec, opts: DefaultingOptions = {}): WorkerGroupSpec {
  return fillWorkerGroup(clone(group), opts);
}

function fillWorkerGroup(g: WorkerGroupSpec, opts: DefaultingOptions): WorkerGroupSpec {
  if (!isObj(g)) return g;
  g.replicas ??= DEFAULT_WORKER_REPLICAS;
  g.minReplicas ??= DEFAULT_MIN_REPLICAS;
  g.maxReplicas ??= DEFAULT_MAX_REPLICAS;
  g.numOfHosts ??= DEFAULT_NUM_OF_HOSTS;
  g.priority ??= DEFAULT_WORKER_PRIORITY;
  if (!opts.crdOnly) g.rayStartParams ??= {};
  return g;
}

export function defaultRayClusterSpec(spec: RayClusterSpec, opts: DefaultingOptions = {}): RayClusterSpec {
  return fillClusterSpec(clone(spec), opts);
}

function fillClusterSpec(s: RayClusterSpec, opts: DefaultingOptions): RayClusterSpec {
  if (!isObj(s)) return s;
  if (Array.isArray(s.workerGroupSpecs)) s.workerGroupSpecs.forEach((g) => fillWorkerGroup(g, opts));
  if (isObj(s.networkPolicy)) s.networkPolicy.mode ??= DEFAULT_NETWORK_POLICY_MODE;
  if (!opts.crdOnly) {
    if (isObj(s.headGroupSpec)) s.headGroupSpec.rayStartParams ??= {};
    if (s.enableInTreeAutoscaling) {
      const a: AutoscalerOptions = (s.autoscalerOptions ??= {});
      a.upscalingMode ??= DEFAULT_UPSCALING_MODE;
      a.idleTimeoutSeconds ??= DEFAULT_IDLE_TIMEOUT_SECONDS;
    }
  }
  return s;
}

export function defaultRayCluster(obj: RayCluster, opts: DefaultingOptions = {}): RayCluster {
  const out = clone(obj);
  if (isObj(out.spec)) fillClusterSpec(out.spec, opts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// RayJob
// ---------------------------------------------------------------------------------------------

export function defaultRayJobSpec(spec: RayJobSpec, opts: DefaultingOptions = {}): RayJobSpec {
  return fillJobSpec(clone(spec), opts);
}

function fillJobSpec(s: RayJobSpec, opts: DefaultingOptions): RayJobSpec {
  if (!isObj(s)) return s;
  s.submissionMode ??= DEFAULT_SUBMISSION_MODE;
  s.backoffLimit ??= DEFAULT_BACKOFF_LIMIT;
  s.ttlSecondsAfterFinished ??= DEFAULT_TTL_SECONDS_AFTER_FINISHED;
  if (isObj(s.rayClusterSpec)) fillClusterSpec(s.rayClusterSpec, opts);
  const rules = s.deletionStrategy?.deletionRules;
  if (Array.isArray(rules)) {
    for (const r of rules) if (isObj(r) && isObj(r.condition)) r.condition.ttlSeconds ??= DEFAULT_DELETION_RULE_TTL_SECONDS;
  }
  return s;
}

export function defaultRayJob(obj: RayJob, opts: DefaultingOptions = {}): RayJob {
  const out = clone(obj);
  if (isObj(out.spec)) fillJobSpec(out.spec, opts);
  if (isObj(out.status)) {
    out.status.succeeded ??= 0;
    out.status.failed ??= 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RayService
// ---------------------------------------------------------------------------------------------

export function defaultRayServiceSpec(spec: RayServiceSpec, opts: DefaultingOptions = {}): RayServiceSpec {
  return fillServiceSpec(clone(spec), opts);
}

function fillServiceSpec(s: RayServiceSpec, opts: DefaultingOptions): RayServiceSpec {
  if (!isObj(s)) return s;
  if (isObj(s.rayClusterConfig)) fillClusterSpec(s.rayClusterConfig, opts);
  if (isObj(s.upgradeStrategy?.clusterUpgradeOptions)) s.upgradeStrategy.clusterUpgradeOptions.maxSurgePercent ??= DEFAULT_MAX_SURGE_PERCENT;
  if (!opts.crdOnly) {
    s.upgradeStrategy ??= {};
    s.upgradeStrategy.type ??= DEFAULT_RAY_SERVICE_UPGRADE_TYPE;
    s.rayClusterDeletionDelaySeconds ??= DEFAULT_RAY_CLUSTER_DELETION_DELAY_SECONDS;
  }
  return s;
}

export function defaultRayService(obj: RayService, opts: DefaultingOptions = {}): RayService {
  const out = clone(obj);
  if (isObj(out.spec)) fillServiceSpec(out.spec, opts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// RayCronJob
// ---------------------------------------------------------------------------------------------

export function defaultRayCronJobSpec(spec: RayCronJobSpec, opts: DefaultingOptions = {}): RayCronJobSpec {
  const s = clone(spec);
  if (isObj(s) && isObj(s.jobTemplate)) fillJobSpec(s.jobTemplate, opts);
  return s;
}

export function defaultRayCronJob(obj: RayCronJob, opts: DefaultingOptions = {}): RayCronJob {
  const out = clone(obj);
  if (isObj(out.spec) && isObj(out.spec.jobTemplate)) fillJobSpec(out.spec.jobTemplate, opts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Effective values (accessors; nothing is copied)
// ---------------------------------------------------------------------------------------------

/** utils.IsAutoscalingEnabled. */
export function isAutoscalingEnabled(spec: RayClusterSpec | undefined): boolean {
  return spec?.enableInTreeAutoscaling === true;
}

/** utils.IsAutoscalingV2Enabled: autoscalerOptions.version is v2 (the env-var form is not counted). */
export function isAutoscalingV2Enabled(spec: RayClusterSpec | undefined): boolean {
  return spec?.autoscalerOptions?.version === 'v2';
}

export function upscalingMode(spec: RayClusterSpec): UpscalingMode {
  return spec.autoscalerOptions?.upscalingMode ?? DEFAULT_UPSCALING_MODE;
}

/** A group's idle timeout: its own, else autoscalerOptions', else 60 s. */
export function idleTimeoutSeconds(spec: RayClusterSpec, group?: WorkerGroupSpec): number {
  return group?.idleTimeoutSeconds ?? spec.autoscalerOptions?.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
}

/**
 * spec.submissionMode; K8sJobMode when unset (the CRD default). Any other value is returned as
 * stored: KubeRay submits nothing for an unknown mode (or ""), and strict validation rejects it.
 */
export function submissionMode(spec: RayJobSpec): JobSubmissionMode {
  return spec.submissionMode ?? DEFAULT_SUBMISSION_MODE;
}

export function backoffLimit(spec: RayJobSpec): number {
  return spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
}

export function submitterBackoffLimit(spec: RayJobSpec): number {
  return spec.submitterConfig?.backoffLimit ?? DEFAULT_SUBMITTER_BACKOFF_LIMIT;
}

export function rayServiceUpgradeType(spec: RayServiceSpec): RayServiceUpgradeType {
  return spec.upgradeStrategy?.type ?? DEFAULT_RAY_SERVICE_UPGRADE_TYPE;
}

export function rayClusterDeletionDelaySeconds(spec: RayServiceSpec): number {
  return spec.rayClusterDeletionDelaySeconds ?? DEFAULT_RAY_CLUSTER_DELETION_DELAY_SECONDS;
}

export function cronTimeZone(spec: RayCronJobSpec): string {
  return spec.timeZone ?? DEFAULT_CRON_TIME_ZONE;
}
