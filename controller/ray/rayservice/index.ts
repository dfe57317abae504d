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
export { isClusterSpecHashEqual, rayClusterSpecForHashing, rayServiceClusterHash } from './cluster-hash.js';
export { hashWithoutReplicasAndWorkersToDelete, canonicalJson, base32Hex, jsonHash } from '../common/hash.js';
export { buildHeadServiceForRayService, buildServeServiceForRayService, serveSelector, serveServiceNameFor } from './services.js';
export { headServicePorts, headDashboardPort, isServingPort, ServePortError, NO_SERVE_PORT_MESSAGE, DEFAULT_SERVICE_APP_PROTOCOL } from '../common/service.js';
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
export { setCondition, findCondition, isConditionTrue, removeCondition, type ConditionUpdate } from '../common/conditions.js';
