// Minimal shapes of the Kubernetes core objects the operator reads and writes: Pod (and the
// PodTemplateSpec embedded in every Ray CR), Service, batch/v1 Job, core/v1 Event,
// coordination.k8s.io/v1 Lease and Node, plus metav1.Condition. Only the fields raysim uses are
// listed; real objects may carry more (a user's pod template is stored verbatim by the API server),
// and code that copies them keeps what it does not know.

import type { KubeObject, ObjectMeta } from '../runtime/kube-object.js';

// ---------------------------------------------------------------------------------------------
// Shared small types
// ---------------------------------------------------------------------------------------------

/** resource.Quantity as JSON: "500m", "32Gi", 8. */
export type Quantity = string | number;
/** corev1.ResourceList: resource name ("cpu", "memory", "nvidia.com/gpu") -> quantity. */
export type ResourceList = Record<string, Quantity>;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition, the shape of every ray.io status condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** corev1.ObjectReference (Event.involvedObject). */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** An object embedded in a spec (pod templates, headService, serveService): no apiVersion/kind needed. */
export interface EmbeddedObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Containers and pods
// ---------------------------------------------------------------------------------------------

export interface ResourceClaim {
  name: string;
  request?: string;
}

export interface ResourceRequirements {
  claims?: ResourceClaim[];
  limits?: ResourceList;
  requests?: ResourceList;
}

export interface EnvVarSource {
  fieldRef?: { apiVersion?: string; fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: Quantity };
  configMapKeyRef?: { name?: string; key: string; optional?: boolean };
  secretKeyRef?: { name?: string; key: string; optional?: boolean };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
  hostIP?: string;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

/** corev1.Volume: a name plus one volume source (emptyDir, configMap, secret, ...), kept loose. */
export interface Volume {
  name: string;
  [source: string]: unknown;
}

export interface Probe {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** corev1.SecurityContext / PodSecurityContext, kept loose. */
export type SecurityContext = Record<string, unknown>;

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: PullPolicy;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Record<string, unknown>;
  securityContext?: SecurityContext;
  /** Only "Always", for sidecar init containers. */
  restartPolicy?: string;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: TaintEffect;
  tolerationSeconds?: number;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  /** Pod (anti-)affinity: not modelled by raysim's scheduler; kept verbatim. */
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: RestartPolicy;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  schedulerName?: string;
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
  schedulingGates?: { name: string }[];
  serviceAccountName?: string;
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  hostNetwork?: boolean;
  imagePullSecrets?: { name: string }[];
  securityContext?: SecurityContext;
  enableServiceLinks?: boolean;
}

/**
 * corev1.PodTemplateSpec. The Ray CRDs keep templates verbatim (x-kubernetes-preserve-unknown-fields),
 * so `spec` can be missing in what the API server stores; the validators reject that before a
 * controller reads it.
 */
export interface PodTemplateSpec {
  metadata?: EmbeddedObjectMeta;
  spec: PodSpec;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export type PodConditionType =
  | 'PodScheduled'
  | 'PodReadyToStartContainers'
  | 'Initialized'
  | 'ContainersReady'
  | 'Ready'
  | 'DisruptionTarget';

export interface PodCondition {
  type: PodConditionType | (string & {});
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  image?: string;
  imageID?: string;
  containerID?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  reason?: string;
  message?: string;
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  nominatedNodeName?: string;
  qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

export interface Pod extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: Protocol;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  publishNotReadyAddresses?: boolean;
  externalName?: string;
  sessionAffinity?: 'None' | 'ClientIP';
}

export interface KubeServiceStatus {
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

export interface Service extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec?: ServiceSpec;
  status?: KubeServiceStatus;
}

/** A corev1.Service embedded in a Ray spec (headGroupSpec.headService, RayService serveService). */
export interface EmbeddedService {
  apiVersion?: string;
  kind?: string;
  metadata?: EmbeddedObjectMeta;
  spec?: ServiceSpec;
}

// ---------------------------------------------------------------------------------------------
// batch/v1 Job (the RayJob submitter)
// ---------------------------------------------------------------------------------------------

export interface BatchJobSpec {
  template: PodTemplateSpec;
  backoffLimit?: number;
  completions?: number;
  parallelism?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  completionMode?: 'NonIndexed' | 'Indexed';
  podFailurePolicy?: Record<string, unknown>;
  selector?: { matchLabels?: Record<string, string> };
  manualSelector?: boolean;
}

export type BatchJobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'FailureTarget' | 'SuccessCriteriaMet';

export interface BatchJobCondition {
  type: BatchJobConditionType | (string & {});
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface BatchJobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: BatchJobCondition[];
}

export interface Job extends KubeObject {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: BatchJobSpec;
  status?: BatchJobStatus;
}

// ---------------------------------------------------------------------------------------------
// core/v1 Event, coordination.k8s.io/v1 Lease, Node
// ---------------------------------------------------------------------------------------------

export type EventType = 'Normal' | 'Warning';

/** core/v1 Event (named KubeEvent so it does not shadow the DOM/Node global `Event`). */
export interface KubeEvent extends KubeObject {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  type?: EventType;
  reason?: string;
  message?: string;
  action?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string | null;
  count?: number;
}

// The Lease spec is the leader elector's (controller/runtime may not import controller/api).
export type { LeaseSpec } from '../runtime/leader-election.js';
import type { LeaseSpec } from '../runtime/leader-election.js';

export interface Lease extends KubeObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}

export type NodeConditionType = 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';

export interface NodeCondition {
  type: NodeConditionType | (string & {});
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeSpec {
  taints?: Taint[];
  unschedulable?: boolean;
  providerID?: string;
  podCIDR?: string;
}

export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  conditions?: NodeCondition[];
  addresses?: { type: string; address: string }[];
  nodeInfo?: Record<string, string>;
}

export interface Node extends KubeObject {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: NodeSpec;
  status?: NodeStatus;
}
