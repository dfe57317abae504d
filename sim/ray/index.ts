// The public surface of sim/ray, the simulated Ray runtime; other layers import from here.
export {
  RayRuntime,
  RAY_ACTOR,
  DEFAULT_HEAD_START,
  DEFAULT_SERVE_APP_START,
  DEFAULT_WORK,
  DEFAULT_FAIL_AT,
  type RayRuntimeOptions,
} from './ray-runtime.js';
export { SimRayCluster, lastCheckpoint, type SimRayNode, type SimJobView, type SimJobPhase, type ClusterContext } from './sim-ray-cluster.js';
export { SimDashboardClient, type ClusterLookup } from './sim-dashboard.js';
export {
  SubmitterRunner,
  JOB_NAME_LABEL,
  kubeletExits,
  type ContainerExits,
  type SubmitterRunnerOptions,
  type SubmitterRunState,
  type SubmitterRunView,
} from './submitter-runner.js';
export { parseSubmitCommand, parseDashboardAddress, shellWords, type SubmitCommand } from './submit-command.js';
export {
  WORK_MS_ANNOTATION,
  FAIL_ANNOTATION,
  FAIL_AFTER_MS_ANNOTATION,
  CHECKPOINT_INTERVAL_MS_ANNOTATION,
  readWorkloadHints,
  type WorkloadHints,
} from './annotations.js';
export {
  rayNodeIdentity,
  podResources,
  rayProcessAlive,
  rayProcessIncarnation,
  podStopReason,
  POD_DELETED_CAUSE,
  POD_STOPPED_CAUSE,
  type RayNodeIdentity,
  type RayNodeType,
  type NodeResources,
} from './ray-node.js';
export { JOB_MESSAGES, JOB_ERROR_TYPES, logLine } from './job-messages.js';
