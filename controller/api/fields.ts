// The field names of every ray.io/v1 type, as data, so a test can compare them with the CRD schemas
// (test/api/crd-fields.test.ts). Each list is checked against its TypeScript interface by the
// compiler: `fieldTree<T>({...})` requires exactly the keys of T, so adding a field to a type without
// listing it here (or listing one the type lacks) does not compile, and the test then catches any
// difference between the lists and controller/deploy/crds/.
//
// A FieldTree describes one object schema: its property names, and for properties that are objects
// (or arrays / maps of objects) with their own declared properties, the tree of that object.

import type { Condition, ResourceRequirements } from './core-types.js';
import type {
  AuthOptions,
  AutoscalerOptions,
  CollectorOptions,
  GcsEmbeddedStorage,
  GcsFaultToleranceOptions,
  HeadGroupSpec,
  HeadInfo,
  HistoryServerOptions,
  IngressOptions,
  NetworkPolicyConfig,
  NetworkPolicyRules,
  RayClusterSpec,
  RayClusterStatus,
  RayClusterUpgradeStrategy,
  RedisCredential,
  ScaleStrategy,
  TLSOptions,
  WorkerGroupNetworkPolicyRules,
  WorkerGroupSpec,
} from './raycluster-types.js';
import type { DeletionCondition, DeletionPolicy, DeletionRule, DeletionStrategy, RayJobSpec, RayJobStatus, RayJobStatusInfo, SubmitterConfig } from './rayjob-types.js';
import type { AppStatus, ClusterUpgradeOptions, RayServiceSpec, RayServiceStatus, RayServiceStatuses, RayServiceUpgradeStrategy, ServeDeploymentStatus } from './rayservice-types.js';
import type { RayCronJobSpec, RayCronJobStatus } from './raycronjob-types.js';

export interface FieldTree {
  readonly fields: readonly string[];
  readonly children: Readonly<Record<string, FieldTree>>;
}

/** A tree for type T: `fields` must name every key of T and nothing else. */
export function fieldTree<T>(fields: Record<keyof T & string, true>, children: Partial<Record<keyof T & string, FieldTree>> = {}): FieldTree {
  return Object.freeze({ fields: Object.freeze(Object.keys(fields)), children: Object.freeze({ ...children }) as Record<string, FieldTree> });
}

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

const CONDITION = fieldTree<Condition>({ type: true, status: true, observedGeneration: true, lastTransitionTime: true, reason: true, message: true });
const RESOURCE_REQUIREMENTS = fieldTree<ResourceRequirements>({ claims: true, limits: true, requests: true });

// ---------------------------------------------------------------------------------------------
// RayCluster
// ---------------------------------------------------------------------------------------------

const HEAD_GROUP_SPEC = fieldTree<HeadGroupSpec>(
  { template: true, rayStartParams: true, serviceType: true, headService: true, enableIngress: true, ingressOptions: true, resources: true, labels: true },
  { ingressOptions: fieldTree<IngressOptions>({ host: true, path: true, pathType: true, tls: true }) },
);

const WORKER_GROUP_SPEC = fieldTree<WorkerGroupSpec>(
  {
    groupName: true,
    replicas: true,
    minReplicas: true,
    maxReplicas: true,
    numOfHosts: true,
    idleTimeoutSeconds: true,
    priority: true,
    scaleStrategy: true,
    suspend: true,
    template: true,
    rayStartParams: true,
    resources: true,
    labels: true,
  },
  { scaleStrategy: fieldTree<ScaleStrategy>({ workersToDelete: true }) },
);

const AUTOSCALER_OPTIONS = fieldTree<AutoscalerOptions>(
  {
    upscalingMode: true,
    idleTimeoutSeconds: true,
    resources: true,
    image: true,
    imagePullPolicy: true,
    securityContext: true,
    version: true,
    env: true,
    envFrom: true,
    volumeMounts: true,
    command: true,
    args: true,
  },
  { resources: RESOURCE_REQUIREMENTS },
);

const REDIS_CREDENTIAL = fieldTree<RedisCredential>({ value: true, valueFrom: true });

const GCS_FAULT_TOLERANCE_OPTIONS = fieldTree<GcsFaultToleranceOptions>(
  { backend: true, redisUsername: true, redisPassword: true, redisAddress: true, externalStorageNamespace: true, storage: true },
  {
    redisUsername: REDIS_CREDENTIAL,
    redisPassword: REDIS_CREDENTIAL,
    storage: fieldTree<GcsEmbeddedStorage>({ claimName: true, size: true, storageClassName: true, accessModes: true, subPath: true, deletionPolicy: true }),
  },
);

const NETWORK_POLICY_RULES = fieldTree<NetworkPolicyRules>({ ingressRules: true, egressRules: true });

const NETWORK_POLICY = fieldTree<NetworkPolicyConfig>(
  { mode: true, head: true, worker: true, workerGroups: true },
  {
    head: NETWORK_POLICY_RULES,
    worker: NETWORK_POLICY_RULES,
    workerGroups: fieldTree<WorkerGroupNetworkPolicyRules>({ groupName: true, ingressRules: true, egressRules: true }),
  },
);

export const RAY_CLUSTER_SPEC_FIELDS = fieldTree<RayClusterSpec>(
  {
    rayVersion: true,
    headGroupSpec: true,
    workerGroupSpecs: true,
    suspend: true,
    enableInTreeAutoscaling: true,
    autoscalerOptions: true,
    upgradeStrategy: true,
    managedBy: true,
    headServiceAnnotations: true,
    gcsFaultToleranceOptions: true,
    authOptions: true,
    historyServerOptions: true,
    networkPolicy: true,
    tlsOptions: true,
  },
  {
    headGroupSpec: HEAD_GROUP_SPEC,
    workerGroupSpecs: WORKER_GROUP_SPEC,
    autoscalerOptions: AUTOSCALER_OPTIONS,
    upgradeStrategy: fieldTree<RayClusterUpgradeStrategy>({ type: true }),
    gcsFaultToleranceOptions: GCS_FAULT_TOLERANCE_OPTIONS,
    authOptions: fieldTree<AuthOptions>({ mode: true, enableK8sTokenAuth: true, secretName: true }),
    historyServerOptions: fieldTree<HistoryServerOptions>(
      { collectorOptions: true },
      { collectorOptions: fieldTree<CollectorOptions>({ image: true, imagePullPolicy: true, resources: true, env: true }, { resources: RESOURCE_REQUIREMENTS }) },
    ),
    networkPolicy: NETWORK_POLICY,
    tlsOptions: fieldTree<TLSOptions>({ enabled: true }),
  },
);

export const RAY_CLUSTER_STATUS_FIELDS = fieldTree<RayClusterStatus>(
  {
    state: true,
    reason: true,
    readyWorkerReplicas: true,
    availableWorkerReplicas: true,
    desiredWorkerReplicas: true,
    minWorkerReplicas: true,
    maxWorkerReplicas: true,
    desiredCPU: true,
    desiredMemory: true,
    desiredGPU: true,
    desiredTPU: true,
    lastUpdateTime: true,
    stateTransitionTimes: true,
    endpoints: true,
    head: true,
    observedGeneration: true,
    conditions: true,
  },
  { head: fieldTree<HeadInfo>({ podIP: true, podName: true, serviceIP: true, serviceName: true }), conditions: CONDITION },
);

// ---------------------------------------------------------------------------------------------
// RayJob
// ---------------------------------------------------------------------------------------------

const DELETION_POLICY = fieldTree<DeletionPolicy>({ policy: true });

const DELETION_STRATEGY = fieldTree<DeletionStrategy>(
  { deletionRules: true, onSuccess: true, onFailure: true },
  {
    deletionRules: fieldTree<DeletionRule>(
      { policy: true, condition: true },
      { condition: fieldTree<DeletionCondition>({ jobStatus: true, jobDeploymentStatus: true, ttlSeconds: true }) },
    ),
    onSuccess: DELETION_POLICY,
    onFailure: DELETION_POLICY,
  },
);

export const RAY_JOB_SPEC_FIELDS = fieldTree<RayJobSpec>(
  {
    entrypoint: true,
    submissionMode: true,
    rayClusterSpec: true,
    clusterSelector: true,
    shutdownAfterJobFinishes: true,
    ttlSecondsAfterFinished: true,
    activeDeadlineSeconds: true,
    preRunningDeadlineSeconds: true,
    backoffLimit: true,
    suspend: true,
    deletionStrategy: true,
    jobId: true,
    runtimeEnvYAML: true,
    metadata: true,
    entrypointNumCpus: true,
    entrypointNumGpus: true,
    entrypointResources: true,
    submitterPodTemplate: true,
    submitterConfig: true,
    managedBy: true,
  },
  {
    rayClusterSpec: RAY_CLUSTER_SPEC_FIELDS,
    deletionStrategy: DELETION_STRATEGY,
    submitterConfig: fieldTree<SubmitterConfig>({ backoffLimit: true }),
  },
);

export const RAY_JOB_STATUS_FIELDS = fieldTree<RayJobStatus>(
  {
    jobId: true,
    rayClusterName: true,
    dashboardURL: true,
    jobStatus: true,
    jobDeploymentStatus: true,
    reason: true,
    message: true,
    startTime: true,
    endTime: true,
    succeeded: true,
    failed: true,
    rayJobInfo: true,
    rayClusterStatus: true,
    jobStatusCheckFailureStartTime: true,
    observedGeneration: true,
  },
  { rayJobInfo: fieldTree<RayJobStatusInfo>({ startTime: true, endTime: true }), rayClusterStatus: RAY_CLUSTER_STATUS_FIELDS },
);

// ---------------------------------------------------------------------------------------------
// RayService
// ---------------------------------------------------------------------------------------------

export const RAY_SERVICE_SPEC_FIELDS = fieldTree<RayServiceSpec>(
  {
    serveConfigV2: true,
    rayClusterConfig: true,
    upgradeStrategy: true,
    rayClusterDeletionDelaySeconds: true,
    excludeHeadPodFromServeSvc: true,
    serveService: true,
    suspend: true,
    managedBy: true,
    serviceUnhealthySecondThreshold: true,
    deploymentUnhealthySecondThreshold: true,
  },
  {
    rayClusterConfig: RAY_CLUSTER_SPEC_FIELDS,
    upgradeStrategy: fieldTree<RayServiceUpgradeStrategy>(
      { type: true, clusterUpgradeOptions: true },
      { clusterUpgradeOptions: fieldTree<ClusterUpgradeOptions>({ maxSurgePercent: true, stepSizePercent: true, intervalSeconds: true, gatewayClassName: true }) },
    ),
  },
);

const RAY_SERVICE_CLUSTER_STATUS = fieldTree<RayServiceStatus>(
  { rayClusterName: true, applicationStatuses: true, rayClusterStatus: true, targetCapacity: true, trafficRoutedPercent: true, lastTrafficMigratedTime: true },
  {
    applicationStatuses: fieldTree<AppStatus>(
      { status: true, message: true, serveDeploymentStatuses: true },
      { serveDeploymentStatuses: fieldTree<ServeDeploymentStatus>({ status: true, message: true }) },
    ),
    rayClusterStatus: RAY_CLUSTER_STATUS_FIELDS,
  },
);

export const RAY_SERVICE_STATUS_FIELDS = fieldTree<RayServiceStatuses>(
  {
    serviceStatus: true,
    activeServiceStatus: true,
    pendingServiceStatus: true,
    numServeEndpoints: true,
    conditions: true,
    lastUpdateTime: true,
    observedGeneration: true,
  },
  { activeServiceStatus: RAY_SERVICE_CLUSTER_STATUS, pendingServiceStatus: RAY_SERVICE_CLUSTER_STATUS, conditions: CONDITION },
);

// ---------------------------------------------------------------------------------------------
// RayCronJob
// ---------------------------------------------------------------------------------------------

export const RAY_CRON_JOB_SPEC_FIELDS = fieldTree<RayCronJobSpec>(
  { jobTemplate: true, schedule: true, timeZone: true, suspend: true },
  { jobTemplate: RAY_JOB_SPEC_FIELDS },
);

export const RAY_CRON_JOB_STATUS_FIELDS = fieldTree<RayCronJobStatus>({ lastScheduleTime: true });

// ---------------------------------------------------------------------------------------------
// Roots
// ---------------------------------------------------------------------------------------------

function root(spec: FieldTree, status: FieldTree): FieldTree {
  return Object.freeze({ fields: Object.freeze(['apiVersion', 'kind', 'metadata', 'spec', 'status']), children: Object.freeze({ spec, status }) });
}

/** Field trees of the four kinds, rooted at the object (apiVersion, kind, metadata, spec, status). */
export const CRD_FIELDS = Object.freeze({
  RayCluster: root(RAY_CLUSTER_SPEC_FIELDS, RAY_CLUSTER_STATUS_FIELDS),
  RayJob: root(RAY_JOB_SPEC_FIELDS, RAY_JOB_STATUS_FIELDS),
  RayService: root(RAY_SERVICE_SPEC_FIELDS, RAY_SERVICE_STATUS_FIELDS),
  RayCronJob: root(RAY_CRON_JOB_SPEC_FIELDS, RAY_CRON_JOB_STATUS_FIELDS),
});
