// The batch/v1 Job controller (what runs KubeRay's submitter Job when no kube-controller-manager does).
export { JobController, jobController, EXPECTATIONS_TIMEOUT_MS, type JobControllerOptions } from './job-controller.js';
export {
  planJobSync,
  jobFinished,
  jobBackoffMs,
  setJobCondition,
  DEFAULT_JOB_BACKOFF_MS,
  MAX_JOB_BACKOFF_MS,
  type JobStatus,
  type JobPlan,
  type JobSyncInput,
  type BackoffOptions,
  type JobEventReason,
} from './job-decision.js';
export {
  buildJobPod,
  jobPodLabels,
  jobOwnerReference,
  podFinishedAt,
  isActive,
  isFailed,
  isSucceeded,
  isTerminating,
  isReady,
  hasTrackingFinalizer,
  JOB_TRACKING_FINALIZER,
  JOB_LABEL,
} from './job-pods.js';
