// ray.io/v1 RayJob: spec, status, enums and failure reasons, as in KubeRay v1.7.0
// (ray-operator/apis/ray/v1/rayjob_types.go) and controller/deploy/crds/ray.io_rayjobs.yaml.

import type { KubeObject, ObjectMeta } from '../runtime/kube-object.js';
import type { PodTemplateSpec } from './core-types.js';
import type { ManagedBy, RayClusterSpec, RayClusterStatus } from './raycluster-types.js';

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

/** Ray's job status as KubeRay stores it; "" before the first poll. */
export const JobStatus = {
  New: '',
  Pending: 'PENDING',
  Running: 'RUNNING',
  Stopped: 'STOPPED',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const ALL_JOB_STATUSES: readonly JobStatus[] = ['', 'PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED'];

/** Ray's JobStatus.is_terminal(): STOPPED, SUCCEEDED, FAILED. */
export function isJobTerminal(status: JobStatus | string | undefined): boolean {
  return status === 'STOPPED' || status === 'SUCCEEDED' || status === 'FAILED';
}

/** The RayJob lifecycle. "New" is the empty string, as in KubeRay (JobDeploymentStatusNew = ""). */
export const JobDeploymentStatus = {
  New: '',
  Initializing: 'Initializing',
  Running: 'Running',
  Complete: 'Complete',
  Failed: 'Failed',
  ValidationFailed: 'ValidationFailed',
  Suspending: 'Suspending',
  Suspended: 'Suspended',
  Retrying: 'Retrying',
  Waiting: 'Waiting',
} as const;
export type JobDeploymentStatus = (typeof JobDeploymentStatus)[keyof typeof JobDeploymentStatus];

/** Complete and Failed are terminal (ValidationFailed is not: fixing the spec resumes). */
export function isJobDeploymentTerminal(status: JobDeploymentStatus | string | undefined): boolean {
  return status === 'Complete' || status === 'Failed';
}

/** status.reason when jobDeploymentStatus is Failed (or ValidationFailed). */
export const JobFailedReason = {
  SubmissionFailed: 'SubmissionFailed',
  DeadlineExceeded: 'DeadlineExceeded',
  PreRunningDeadlineExceeded: 'PreRunningDeadlineExceeded',
  AppFailed: 'AppFailed',
  JobDeploymentStatusTransitionGracePeriodExceeded: 'JobDeploymentStatusTransitionGracePeriodExceeded',
  JobStatusCheckTimeoutExceeded: 'JobStatusCheckTimeoutExceeded',
  ValidationFailed: 'ValidationFailed',
} as const;
export type JobFailedReason = (typeof JobFailedReason)[keyof typeof JobFailedReason];

export const JobSubmissionMode = {
  /** A batch/v1 Job runs `ray job submit` (default). */
  K8sJobMode: 'K8sJobMode',
  /** The operator submits through the dashboard HTTP API. */
  HTTPMode: 'HTTPMode',
  /** The user submits; the operator waits for spec.jobId. */
  InteractiveMode: 'InteractiveMode',
  /** A submitter container in the head pod. */
  SidecarMode: 'SidecarMode',
} as const;
export type JobSubmissionMode = (typeof JobSubmissionMode)[keyof typeof JobSubmissionMode];

export const ALL_SUBMISSION_MODES: readonly JobSubmissionMode[] = ['K8sJobMode', 'HTTPMode', 'InteractiveMode', 'SidecarMode'];

export const DeletionPolicyType = {
  DeleteCluster: 'DeleteCluster',
  DeleteWorkers: 'DeleteWorkers',
  DeleteSelf: 'DeleteSelf',
  DeleteNone: 'DeleteNone',
} as const;
export type DeletionPolicyType = (typeof DeletionPolicyType)[keyof typeof DeletionPolicyType];

// ---------------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------------

/** Exactly one of jobStatus / jobDeploymentStatus. */
export interface DeletionCondition {
  /** CRD enum: SUCCEEDED | FAILED. */
  jobStatus?: Extract<JobStatus, 'SUCCEEDED' | 'FAILED'>;
  /** CRD enum: Failed. */
  jobDeploymentStatus?: Extract<JobDeploymentStatus, 'Failed'>;
  /** Seconds after the status is reached; default 0, minimum 0. */
  ttlSeconds?: number;
}

export interface DeletionRule {
  policy: DeletionPolicyType;
  condition: DeletionCondition;
}

/** Deprecated single-stage policy (onSuccess/onFailure). */
export interface DeletionPolicy {
  policy?: DeletionPolicyType;
}

/** deletionRules, or the legacy onSuccess+onFailure pair; never both. */
export interface DeletionStrategy {
  deletionRules?: DeletionRule[];
  onSuccess?: DeletionPolicy;
  onFailure?: DeletionPolicy;
}

export interface SubmitterConfig {
  /** backoffLimit of the submitter Job; 2 when unset. */
  backoffLimit?: number;
}

export interface RayJobSpec {
  entrypoint?: string;
  /** Default K8sJobMode (CRD). The CRD has no enum: any string is stored; validation rejects others. */
  submissionMode?: JobSubmissionMode;
  rayClusterSpec?: RayClusterSpec;
  /** Run on an existing cluster: {"ray.io/cluster": name}. */
  clusterSelector?: Record<string, string>;
  shutdownAfterJobFinishes?: boolean;
  /** Default 0. */
  ttlSecondsAfterFinished?: number;
  activeDeadlineSeconds?: number;
  /** Minimum 1. */
  preRunningDeadlineSeconds?: number;
  /** Default 0. */
  backoffLimit?: number;
  suspend?: boolean;
  deletionStrategy?: DeletionStrategy;
  jobId?: string;
  runtimeEnvYAML?: string;
  metadata?: Record<string, string>;
  entrypointNumCpus?: number;
  entrypointNumGpus?: number;
  /** JSON map of custom resources, as a string. */
  entrypointResources?: string;
  submitterPodTemplate?: PodTemplateSpec;
  submitterConfig?: SubmitterConfig;
  managedBy?: ManagedBy;
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** Start/end times the dashboard reported (RayJobStatusInfo). */
export interface RayJobStatusInfo {
  startTime?: string;
  endTime?: string;
}

export interface RayJobStatus {
  jobId?: string;
  rayClusterName?: string;
  dashboardURL?: string;
  jobStatus?: JobStatus;
  jobDeploymentStatus?: JobDeploymentStatus;
  reason?: JobFailedReason;
  message?: string;
  /** When jobDeploymentStatus left New. */
  startTime?: string;
  /** When it reached Complete or Failed. */
  endTime?: string;
  /** Default 0. */
  succeeded?: number;
  /** Default 0. */
  failed?: number;
  rayJobInfo?: RayJobStatusInfo;
  rayClusterStatus?: RayClusterStatus;
  /** Set while dashboard status checks fail; Failed after 300 s. */
  jobStatusCheckFailureStartTime?: string;
  observedGeneration?: number;
}

export interface RayJob extends KubeObject {
  apiVersion: 'ray.io/v1';
  kind: 'RayJob';
  metadata: ObjectMeta;
  spec: RayJobSpec;
  status?: RayJobStatus;
}
