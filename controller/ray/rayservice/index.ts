// The RayService controller and its pure parts (upgrade decisions, services, Serve, status).
export {
  rayServiceReconciler,
  rayServiceEnv,
  reconcileRayService,
  cleanUpServeConfigCache,
  cleanUpRayClusters,
  handleSuspend,
  reconcileRayClusters,
  reconcileServe,
  reconcileServeLabels,
  pickServingCluster,
  reconcileServices,
  calculateStatus,
  isHeadReady,
  isManagedExternally,
  RayServiceMemory,
  RAYSERVICE_DEFAULT_REQUEUE_MS,
  type RayServiceReconciler,
  type RayServiceReconcilerOptions,
  type RayServiceEnv,
  type CleanupResult,
  type ClusterPair,
  type ServicePair,
  type StatusInputs,
} from './rayservice-controller.js';
export {
  buildRayClusterForRayService,
  modifyRayCluster,
  shouldUpdateCluster,
  shouldPrepareNewCluster,
  isZeroDowntimeUpgradeEnabled,
  rayServiceAssociationLabels,
  rayServiceOwnerReference,
  type PrepareOptions,
} from './clusters.js';
export {
  hashWithoutReplicasAndWorkersToDelete,
  isClusterSpecHashEqual,
  rayClusterSpecForHashing,
  rayServiceClusterHash,
  canonicalJson,
  base32Hex,
  jsonHash,
} from './cluster-hash.js';
export {
  buildHeadServiceForRayService,
  buildServeServiceForRayService,
  headPodSelector,
  headServicePorts,
  serveSelector,
  serveServiceNameFor,
  isServingPort,
  dashboardPort,
  checkLabel,
  ServiceBuildError,
  NO_SERVE_PORT_MESSAGE,
  DEFAULT_SERVICE_APP_PROTOCOL,
} from './services.js';
export { parseServeConfig, checkIfNeedSubmitServeApplications, serveStatusFromDetails, type ServeStatus, type SubmitDecision } from './serve.js';
export { isRunningAndReady, isTerminating, isServeEndpoint, countEndpoints, desiredServeLabel, matchesLabels, type ServeLabelInput } from './serve-endpoints.js';
export {
  calculateConditions,
  inconsistentRayServiceStatuses,
  initializingTimeoutMs,
  isInitializingTimeout,
  markFailedOnInitializingTimeout,
  setServiceCondition,
} from './status.js';
export { setCondition, findCondition, isConditionTrue, removeCondition, type ConditionUpdate } from './conditions.js';
