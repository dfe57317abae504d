// ray.io/v1 RayCluster: spec, status, enums and condition vocabulary, as in KubeRay v1.7.0
// (ray-operator/apis/ray/v1/raycluster_types.go) and controller/deploy/crds/ray.io_rayclusters.yaml.
// Field names are exactly the CRD's; test/api/crd-fields.test.ts keeps the two in step.

import type { KubeObject, ObjectMeta } from '../runtime/kube-object.js';
import type { Condition, EmbeddedService, EnvVar, EnvFromSource, EnvVarSource, PodTemplateSpec, PullPolicy, Quantity, ResourceRequirements, SecurityContext, ServiceType, VolumeMount } from './core-types.js';

// ---------------------------------------------------------------------------------------------
// Enums (string-literal unions, each with a const object of its values)
// ---------------------------------------------------------------------------------------------

export const UpscalingMode = { Default: 'Default', Aggressive: 'Aggressive', Conservative: 'Conservative' } as const;
export type UpscalingMode = (typeof UpscalingMode)[keyof typeof UpscalingMode];

export const AutoscalerVersion = { V1: 'v1', V2: 'v2' } as const;
export type AutoscalerVersion = (typeof AutoscalerVersion)[keyof typeof AutoscalerVersion];

export const RayClusterUpgradeType = { Recreate: 'Recreate', None: 'None' } as const;
export type RayClusterUpgradeType = (typeof RayClusterUpgradeType)[keyof typeof RayClusterUpgradeType];

export const AuthMode = { Disabled: 'disabled', Token: 'token' } as const;
export type AuthMode = (typeof AuthMode)[keyof typeof AuthMode];

export const GcsFaultToleranceBackend = { Redis: 'redis', RocksDB: 'rocksdb' } as const;
export type GcsFaultToleranceBackend = (typeof GcsFaultToleranceBackend)[keyof typeof GcsFaultToleranceBackend];

export const GcsStorageDeletionPolicy = { DeleteWithCluster: 'DeleteWithCluster', Retain: 'Retain' } as const;
export type GcsStorageDeletionPolicy = (typeof GcsStorageDeletionPolicy)[keyof typeof GcsStorageDeletionPolicy];

export const NetworkPolicyMode = { DenyAll: 'DenyAll', DenyAllIngress: 'DenyAllIngress', DenyAllEgress: 'DenyAllEgress' } as const;
export type NetworkPolicyMode = (typeof NetworkPolicyMode)[keyof typeof NetworkPolicyMode];

export const IngressPathType = { Exact: 'Exact', Prefix: 'Prefix', ImplementationSpecific: 'ImplementationSpecific' } as const;
export type IngressPathType = (typeof IngressPathType)[keyof typeof IngressPathType];

/** Values of spec.managedBy (the CRD's CEL rule allows exactly these). */
export const ManagedBy = { KubeRay: 'ray.io/kuberay-operator', MultiKueue: 'kueue.x-k8s.io/multikueue' } as const;
export type ManagedBy = (typeof ManagedBy)[keyof typeof ManagedBy];

/** status.state. `failed` is deprecated and no longer set by KubeRay. */
export const ClusterState = { Ready: 'ready', Failed: 'failed', Suspended: 'suspended' } as const;
export type ClusterState = (typeof ClusterState)[keyof typeof ClusterState];

/** Value of the ray.io/node-type label. */
export const RayNodeType = { Head: 'head', Worker: 'worker', RedisCleanup: 'redis-cleanup' } as const;
export type RayNodeType = (typeof RayNodeType)[keyof typeof RayNodeType];

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

export const RayClusterConditionType = {
  RayClusterProvisioned: 'RayClusterProvisioned',
  HeadPodReady: 'HeadPodReady',
  /** KubeRay's RayClusterReplicaFailure. */
  ReplicaFailure: 'ReplicaFailure',
  RayClusterSuspending: 'RayClusterSuspending',
  RayClusterSuspended: 'RayClusterSuspended',
} as const;
export type RayClusterConditionType = (typeof RayClusterConditionType)[keyof typeof RayClusterConditionType];

/** Condition reasons KubeRay sets on RayCluster conditions. Suspending/Suspended use their type as reason. */
export const RayClusterConditionReason = {
  AllPodRunningAndReadyFirstTime: 'AllPodRunningAndReadyFirstTime',
  RayClusterPodsProvisioning: 'RayClusterPodsProvisioning',
  HeadPodNotFound: 'HeadPodNotFound',
  HeadPodRunningAndReady: 'HeadPodRunningAndReady',
  Unknown: 'Unknown',
  RayClusterSuspending: 'RayClusterSuspending',
  RayClusterSuspended: 'RayClusterSuspended',
  // ReplicaFailure reasons (utils.ErrFailed*):
  FailedDeleteAllPods: 'FailedDeleteAllPods',
  FailedDeleteHeadPod: 'FailedDeleteHeadPod',
  FailedCreateHeadPod: 'FailedCreateHeadPod',
  FailedDeleteWorkerPod: 'FailedDeleteWorkerPod',
  FailedCreateWorkerPod: 'FailedCreateWorkerPod',
} as const;
export type RayClusterConditionReason = (typeof RayClusterConditionReason)[keyof typeof RayClusterConditionReason];

// ---------------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------------

export interface IngressOptions {
  host?: string;
  path?: string;
  pathType?: IngressPathType;
  /** networkingv1.IngressTLS list, kept verbatim. */
  tls?: Record<string, unknown>[];
}

export interface HeadGroupSpec {
  template: PodTemplateSpec;
  rayStartParams?: Record<string, string>;
  serviceType?: ServiceType;
  headService?: EmbeddedService;
  enableIngress?: boolean;
  ingressOptions?: IngressOptions;
  /** Ray resources of the group; override rayStartParams num-cpus/num-gpus/memory/resources. */
  resources?: Record<string, string>;
  /** Ray node labels. */
  labels?: Record<string, string>;
}

export interface ScaleStrategy {
  workersToDelete?: string[];
}

export interface WorkerGroupSpec {
  groupName: string;
  /** Default 0 (CRD). */
  replicas?: number;
  /** Required by the CRD schema, default 0. */
  minReplicas?: number;
  /** Required by the CRD schema, default 2147483647. */
  maxReplicas?: number;
  /** Pods per replica; default 1. */
  numOfHosts?: number;
  idleTimeoutSeconds?: number;
  /** Autoscaler v2 scale-up preference; default 0. */
  priority?: number;
  scaleStrategy?: ScaleStrategy;
  suspend?: boolean;
  template: PodTemplateSpec;
  rayStartParams?: Record<string, string>;
  resources?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface AutoscalerOptions {
  upscalingMode?: UpscalingMode;
  /** 60 when unset (read by the Ray autoscaler; no CRD default). */
  idleTimeoutSeconds?: number;
  resources?: ResourceRequirements;
  image?: string;
  imagePullPolicy?: PullPolicy;
  securityContext?: SecurityContext;
  version?: AutoscalerVersion;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  volumeMounts?: VolumeMount[];
  command?: string[];
  args?: string[];
}

export interface RayClusterUpgradeStrategy {
  type?: RayClusterUpgradeType;
}

export interface RedisCredential {
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface GcsEmbeddedStorage {
  claimName?: string;
  size?: Quantity;
  storageClassName?: string;
  accessModes?: string[];
  subPath?: string;
  deletionPolicy?: GcsStorageDeletionPolicy;
}

export interface GcsFaultToleranceOptions {
  backend?: GcsFaultToleranceBackend;
  redisUsername?: RedisCredential;
  redisPassword?: RedisCredential;
  redisAddress?: string;
  externalStorageNamespace?: string;
  storage?: GcsEmbeddedStorage;
}

export interface AuthOptions {
  mode?: AuthMode;
  enableK8sTokenAuth?: boolean;
  secretName?: string;
}

export interface CollectorOptions {
  image?: string;
  imagePullPolicy?: PullPolicy;
  resources?: ResourceRequirements;
  env?: EnvVar[];
}

export interface HistoryServerOptions {
  collectorOptions?: CollectorOptions;
}

export interface NetworkPolicyRules {
  /** networkingv1.NetworkPolicyIngressRule list, kept verbatim. */
  ingressRules?: Record<string, unknown>[];
  /** networkingv1.NetworkPolicyEgressRule list, kept verbatim. */
  egressRules?: Record<string, unknown>[];
}

export interface WorkerGroupNetworkPolicyRules extends NetworkPolicyRules {
  groupName: string;
}

export interface NetworkPolicyConfig {
  /** Default DenyAll. */
  mode?: NetworkPolicyMode;
  head?: NetworkPolicyRules;
  worker?: NetworkPolicyRules;
  workerGroups?: WorkerGroupNetworkPolicyRules[];
}

export interface TLSOptions {
  enabled?: boolean;
}

export interface RayClusterSpec {
  rayVersion?: string;
  headGroupSpec: HeadGroupSpec;
  workerGroupSpecs?: WorkerGroupSpec[];
  suspend?: boolean;
  enableInTreeAutoscaling?: boolean;
  autoscalerOptions?: AutoscalerOptions;
  upgradeStrategy?: RayClusterUpgradeStrategy;
  managedBy?: ManagedBy;
  headServiceAnnotations?: Record<string, string>;
  gcsFaultToleranceOptions?: GcsFaultToleranceOptions;
  authOptions?: AuthOptions;
  historyServerOptions?: HistoryServerOptions;
  networkPolicy?: NetworkPolicyConfig;
  tlsOptions?: TLSOptions;
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

export interface HeadInfo {
  podIP?: string;
  podName?: string;
  serviceIP?: string;
  serviceName?: string;
}

export interface RayClusterStatus {
  state?: ClusterState;
  reason?: string;
  /** Worker pods Running and Ready. */
  readyWorkerReplicas?: number;
  /** Worker pods Running. */
  availableWorkerReplicas?: number;
  /** Sum over groups of desired replicas * numOfHosts. */
  desiredWorkerReplicas?: number;
  minWorkerReplicas?: number;
  maxWorkerReplicas?: number;
  desiredCPU?: Quantity;
  desiredMemory?: Quantity;
  desiredGPU?: Quantity;
  desiredTPU?: Quantity;
  lastUpdateTime?: string | null;
  /** state -> when it was entered (RFC 3339). */
  stateTransitionTimes?: Record<string, string>;
  /** Port name -> port of the head service. */
  endpoints?: Record<string, string>;
  head?: HeadInfo;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface RayCluster extends KubeObject {
  apiVersion: 'ray.io/v1';
  kind: 'RayCluster';
  metadata: ObjectMeta;
  spec: RayClusterSpec;
  status?: RayClusterStatus;
}
