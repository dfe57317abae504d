// ray.io/v1 RayService: spec, status, enums and condition vocabulary, as in KubeRay v1.7.0
// (ray-operator/apis/ray/v1/rayservice_types.go) and controller/deploy/crds/ray.io_rayservices.yaml.

import type { KubeObject, ObjectMeta } from '../runtime/kube-object.js';
import type { Condition, EmbeddedService } from './core-types.js';
import type { ManagedBy, RayClusterSpec, RayClusterStatus } from './raycluster-types.js';

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

export const RayServiceUpgradeType = {
  /** Prepare a new cluster, switch traffic when it serves, delete the old one (default). */
  NewCluster: 'NewCluster',
  /** Gateway-API traffic shifting in steps (needs autoscaling and clusterUpgradeOptions). */
  NewClusterWithIncrementalUpgrade: 'NewClusterWithIncrementalUpgrade',
  /** Never create a new cluster. */
  None: 'None',
} as const;
export type RayServiceUpgradeType = (typeof RayServiceUpgradeType)[keyof typeof RayServiceUpgradeType];

export const ALL_RAY_SERVICE_UPGRADE_TYPES: readonly RayServiceUpgradeType[] = ['NewClusterWithIncrementalUpgrade', 'NewCluster', 'None'];

/** Deprecated status.serviceStatus: "Running" when Ready, else "". */
export const ServiceStatus = { Running: 'Running', NotRunning: '' } as const;
export type ServiceStatus = (typeof ServiceStatus)[keyof typeof ServiceStatus];

/** Ray Serve application statuses. */
export const ApplicationStatus = {
  NotStarted: 'NOT_STARTED',
  Deploying: 'DEPLOYING',
  Running: 'RUNNING',
  DeployFailed: 'DEPLOY_FAILED',
  Deleting: 'DELETING',
  Unhealthy: 'UNHEALTHY',
} as const;
export type ApplicationStatus = (typeof ApplicationStatus)[keyof typeof ApplicationStatus];

/** Ray Serve deployment statuses. */
export const ServeDeploymentStatusValue = { Updating: 'UPDATING', Healthy: 'HEALTHY', Unhealthy: 'UNHEALTHY' } as const;
export type ServeDeploymentStatusValue = (typeof ServeDeploymentStatusValue)[keyof typeof ServeDeploymentStatusValue];

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

export const RayServiceConditionType = {
  /** KubeRay's RayServiceReady: requests can be served (serve endpoints > 0). */
  Ready: 'Ready',
  UpgradeInProgress: 'UpgradeInProgress',
  RollbackInProgress: 'RollbackInProgress',
  /** KubeRay's RayServiceSuspending. */
  Suspending: 'Suspending',
  /** KubeRay's RayServiceSuspended. */
  Suspended: 'Suspended',
} as const;
export type RayServiceConditionType = (typeof RayServiceConditionType)[keyof typeof RayServiceConditionType];

export const RayServiceConditionReason = {
  Initializing: 'Initializing',
  InitializingTimeout: 'InitializingTimeout',
  ZeroServeEndpoints: 'ZeroServeEndpoints',
  NonZeroServeEndpoints: 'NonZeroServeEndpoints',
  BothActivePendingClustersExist: 'BothActivePendingClustersExist',
  NoPendingCluster: 'NoPendingCluster',
  NoActiveCluster: 'NoActiveCluster',
  ValidationFailed: 'ValidationFailed',
  DesiredClusterSpecChanged: 'DesiredClusterSpecChanged',
  SuspendRequested: 'SuspendRequested',
  SuspendInProgress: 'SuspendInProgress',
  SuspendComplete: 'SuspendComplete',
  RayServiceResumed: 'RayServiceResumed',
} as const;
export type RayServiceConditionReason = (typeof RayServiceConditionReason)[keyof typeof RayServiceConditionReason];

// ---------------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------------

/** Options of NewClusterWithIncrementalUpgrade. */
export interface ClusterUpgradeOptions {
  /** Default 100. */
  maxSurgePercent?: number;
  /** Required by the CRD. */
  stepSizePercent?: number;
  /** Required by the CRD. */
  intervalSeconds?: number;
  /** Required by the CRD. */
  gatewayClassName?: string;
}

export interface RayServiceUpgradeStrategy {
  /** NewCluster when unset. No CRD enum: the controller rejects other values. */
  type?: RayServiceUpgradeType;
  clusterUpgradeOptions?: ClusterUpgradeOptions;
}

export interface RayServiceSpec {
  /** Ray Serve config (applications, deployments) as a YAML string. */
  serveConfigV2?: string;
  rayClusterConfig: RayClusterSpec;
  upgradeStrategy?: RayServiceUpgradeStrategy;
  /** Delay before an old cluster is deleted; 60 when unset, minimum 0. */
  rayClusterDeletionDelaySeconds?: number;
  excludeHeadPodFromServeSvc?: boolean;
  serveService?: EmbeddedService;
  suspend?: boolean;
  managedBy?: ManagedBy;
  /** Deprecated, unused. */
  serviceUnhealthySecondThreshold?: number;
  /** Deprecated, unused. */
  deploymentUnhealthySecondThreshold?: number;
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

export interface ServeDeploymentStatus {
  status?: ServeDeploymentStatusValue | (string & {});
  message?: string;
}

export interface AppStatus {
  status?: ApplicationStatus | (string & {});
  message?: string;
  serveDeploymentStatuses?: Record<string, ServeDeploymentStatus>;
}

/** Status of one of the RayService's clusters (active or pending). */
export interface RayServiceStatus {
  rayClusterName?: string;
  applicationStatuses?: Record<string, AppStatus>;
  rayClusterStatus?: RayClusterStatus;
  targetCapacity?: number;
  trafficRoutedPercent?: number;
  lastTrafficMigratedTime?: string;
}

export interface RayServiceStatuses {
  serviceStatus?: ServiceStatus;
  activeServiceStatus?: RayServiceStatus;
  pendingServiceStatus?: RayServiceStatus;
  numServeEndpoints?: number;
  conditions?: Condition[];
  lastUpdateTime?: string;
  observedGeneration?: number;
}

export interface RayService extends KubeObject {
  apiVersion: 'ray.io/v1';
  kind: 'RayService';
  metadata: ObjectMeta;
  spec: RayServiceSpec;
  status?: RayServiceStatuses;
}
