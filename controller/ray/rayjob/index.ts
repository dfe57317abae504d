// The RayJob controller. The composition root needs createRayJobReconciler; the state functions,
// predicates and builders are exported from their own files for tests and tools.
export { createRayJobReconciler, reconcileRayJob, RAYJOB_CONTROLLER_NAME } from './rayjob-controller.js';
export {
  resolveRayJobOptions,
  RAYJOB_DEFAULT_REQUEUE_MS,
  DEFAULT_SUBMITTER_FINISHED_TIMEOUT_MS,
  DEFAULT_CLUSTER_DOMAIN,
  type RayJobOptions,
  type ResolvedRayJobOptions,
} from './options.js';
export { buildRayClusterForRayJob, dashboardAddress } from './cluster.js';
export { buildJobSubmitCommand, buildSubmitterJob, buildSubmitterTemplate, rayJobRequest } from './submitter.js';
