// KubeRay's well-known names: labels, annotations, finalizers, ports, limits, event reasons, and the
// labels of the batch schedulers and queueing systems raysim models. Names and values follow
// KubeRay v1.7.0 ray-operator/controllers/ray/utils/constant.go (constant names are KubeRay's, in
// SCREAMING_CASE), Volcano, Kueue and Karpenter.

import type { ResourceId } from '../runtime/kube-client.js';

// ---------------------------------------------------------------------------------------------
// API groups, kinds, resource ids
// ---------------------------------------------------------------------------------------------

export const RAY_GROUP = 'ray.io';
export const RAY_API_VERSION = 'ray.io/v1';

export const RAY_CLUSTER: ResourceId = { apiVersion: RAY_API_VERSION, kind: 'RayCluster' };
export const RAY_JOB: ResourceId = { apiVersion: RAY_API_VERSION, kind: 'RayJob' };
export const RAY_SERVICE: ResourceId = { apiVersion: RAY_API_VERSION, kind: 'RayService' };
export const RAY_CRON_JOB: ResourceId = { apiVersion: RAY_API_VERSION, kind: 'RayCronJob' };
export const POD: ResourceId = { apiVersion: 'v1', kind: 'Pod' };
export const SERVICE: ResourceId = { apiVersion: 'v1', kind: 'Service' };
export const EVENT: ResourceId = { apiVersion: 'v1', kind: 'Event' };
export const NODE: ResourceId = { apiVersion: 'v1', kind: 'Node' };
export const BATCH_JOB: ResourceId = { apiVersion: 'batch/v1', kind: 'Job' };
export const LEASE: ResourceId = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

/** Values of ray.io/originated-from-crd (KubeRay's CRDType). */
export const CRDType = { RayCluster: 'RayCluster', RayJob: 'RayJob', RayService: 'RayService' } as const;
export type CRDType = (typeof CRDType)[keyof typeof CRDType];

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/** Name of the RayCluster a pod/service belongs to; also the RayJob clusterSelector key. */
export const RAY_CLUSTER_LABEL_KEY = 'ray.io/cluster';
/** head | worker (RayNodeType). */
export const RAY_NODE_TYPE_LABEL_KEY = 'ray.io/node-type';
/** Worker group name; "headgroup" on the head. */
export const RAY_NODE_GROUP_LABEL_KEY = 'ray.io/group';
/** "yes" on every Ray pod. */
export const RAY_NODE_LABEL_KEY = 'ray.io/is-ray-node';
export const RAY_NODE_LABEL_VALUE = 'yes';
export const RAY_ID_LABEL_KEY = 'ray.io/identifier';
/** "true"/"false" on Ray pods: whether the serve service selects it. */
export const RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY = 'ray.io/serve';
export const RAY_CLUSTER_HEADLESS_SERVICE_LABEL_KEY = 'ray.io/headless-worker-svc';
/** Name of the RayJob/RayService that created a RayCluster (and its submitter Job, services). */
export const RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY = 'ray.io/originated-from-cr-name';
/** CRDType of that creator. */
export const RAY_ORIGINATED_FROM_CRD_LABEL_KEY = 'ray.io/originated-from-crd';
export const RAY_CRON_JOB_NAME_LABEL_KEY = 'ray.io/cronjob-name';
export const RAY_JOB_SUBMISSION_MODE_LABEL_KEY = 'ray.io/job-submission-mode';
export const RAY_WORKER_REPLICA_NAME_KEY = 'ray.io/worker-group-replica-name';
export const RAY_WORKER_REPLICA_INDEX_KEY = 'ray.io/worker-group-replica-index';
export const RAY_HOST_INDEX_KEY = 'ray.io/replica-host-index';
export const RAY_PRIORITY_CLASS_NAME = 'ray.io/priority-class-name';
export const RAY_GANG_SCHEDULING_ENABLED = 'ray.io/gang-scheduling-enabled';
/** ray.io/group value of the head pod and of the submitter. */
export const RAY_NODE_HEAD_GROUP_LABEL_VALUE = 'headgroup';
export const RAY_NODE_SUBMITTER_GROUP_LABEL_VALUE = 'submittergroup';

export const KUBERNETES_APPLICATION_NAME_LABEL_KEY = 'app.kubernetes.io/name';
export const KUBERNETES_CREATED_BY_LABEL_KEY = 'app.kubernetes.io/created-by';
/** app.kubernetes.io/name value. */
export const APPLICATION_NAME = 'kuberay';
/** app.kubernetes.io/created-by value. */
export const COMPONENT_NAME = 'kuberay-operator';

// ---------------------------------------------------------------------------------------------
// Annotations
// ---------------------------------------------------------------------------------------------

export const HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY = 'ray.io/hash-without-replicas-and-workers-to-delete';
export const UPGRADE_STRATEGY_RECREATE_HASH_KEY = 'ray.io/upgrade-strategy-recreate-hash';
export const NUM_WORKER_GROUPS_KEY = 'ray.io/num-worker-groups';
export const KUBERAY_VERSION_KEY = 'ray.io/kuberay-version';
export const RAY_CRON_JOB_TIMESTAMP_ANNOTATION_KEY = 'ray.io/cronjob-scheduled-timestamp';
export const DISABLE_PROVISIONED_HEAD_RESTART_ANNOTATION_KEY = 'ray.io/disable-provisioned-head-restart';
export const RAY_FT_ENABLED_ANNOTATION_KEY = 'ray.io/ft-enabled';
export const RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY = 'ray.io/external-storage-namespace';
export const RAY_CLUSTER_GCS_FT_DELETION_TIMEOUT_ANNOTATION = 'ray.io/gcs-ft-deletion-timeout';
export const RAY_OVERWRITE_CONTAINER_CMD_ANNOTATION_KEY = 'ray.io/overwrite-container-cmd';
/** RayService: Go duration or integer seconds. */
export const RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION = 'ray.io/initializing-timeout';
export const ENABLE_SERVE_SERVICE_KEY = 'ray.io/enable-serve-service';
export const ENABLE_SERVE_SERVICE_TRUE = 'true';

/** RayJob clusterSelector key naming the cluster to run on. */
export const RAY_JOB_CLUSTER_SELECTOR_KEY = RAY_CLUSTER_LABEL_KEY;

// ---------------------------------------------------------------------------------------------
// Finalizers, controller names
// ---------------------------------------------------------------------------------------------

export const RAY_JOB_STOP_JOB_FINALIZER = 'ray.io/rayjob-finalizer';
export const RAY_SERVICE_FINALIZER = 'ray.io/rayservice-finalizer';
export const GCS_FAULT_TOLERANCE_REDIS_CLEANUP_FINALIZER = 'ray.io/gcs-ft-redis-cleanup-finalizer';

/** spec.managedBy value of the operator itself (unset means the same). */
export const KUBERAY_CONTROLLER = 'ray.io/kuberay-operator';
export const MULTIKUEUE_CONTROLLER = 'kueue.x-k8s.io/multikueue';
export const KUBERAY_VERSION = 'v1.7.0';

// ---------------------------------------------------------------------------------------------
// Ports and port names
// ---------------------------------------------------------------------------------------------

export const DEFAULT_CLIENT_PORT = 10001;
export const DEFAULT_GCS_SERVER_PORT = 6379;
export const DEFAULT_DASHBOARD_PORT = 8265;
export const DEFAULT_METRICS_PORT = 8080;
export const DEFAULT_DASHBOARD_AGENT_LISTEN_PORT = 52365;
export const DEFAULT_SERVING_PORT = 8000;

export const CLIENT_PORT_NAME = 'client';
export const GCS_SERVER_PORT_NAME = 'gcs-server';
export const DASHBOARD_PORT_NAME = 'dashboard';
export const METRICS_PORT_NAME = 'metrics';
export const SERVING_PORT_NAME = 'serve';

// ---------------------------------------------------------------------------------------------
// Names, limits, containers, environment
// ---------------------------------------------------------------------------------------------

/** 63 - len("-serve-svc"). */
export const MAX_RAY_CLUSTER_NAME_LENGTH = 53;
/** A RayService/RayJob name gets a 6-character suffix ("-xxxxx") for its clusters. */
export const MAX_RAY_SERVICE_NAME_LENGTH = MAX_RAY_CLUSTER_NAME_LENGTH - 6;
export const MAX_RAY_JOB_NAME_LENGTH = MAX_RAY_CLUSTER_NAME_LENGTH - 6;
/** A RayCronJob's RayJobs are named "<name>-<unix minutes>" (up to 11 more characters). */
export const MAX_RAY_CRON_JOB_NAME_LENGTH = MAX_RAY_JOB_NAME_LENGTH - 11;

/** The Ray container is the first container of head and worker pods. */
export const RAY_CONTAINER_INDEX = 0;
export const SUBMITTER_CONTAINER_NAME = 'ray-job-submitter';
export const COLLECTOR_CONTAINER_NAME = 'ray-history-collector';
export const DEFAULT_SERVE_APP_NAME = 'default';
export const HEADLESS_SERVICE_SUFFIX = 'headless';

/** KubeRay requeues a RayCluster after this long when nothing changed. */
export const RAYCLUSTER_DEFAULT_REQUEUE_SECONDS = 300;
export const DEFAULT_RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS = 300;
export const DEFAULT_RAYJOB_DEPLOYMENT_STATUS_TRANSITION_GRACE_PERIOD_SECONDS = 300;

// Environment variables KubeRay sets or inspects.
export const RAY_CLUSTER_NAME_ENV = 'RAY_CLUSTER_NAME';
export const RAY_CLUSTER_NAMESPACE_ENV = 'RAY_CLUSTER_NAMESPACE';
export const RAY_IP = 'RAY_IP';
export const FQ_RAY_IP = 'FQ_RAY_IP';
export const RAY_PORT = 'RAY_PORT';
export const RAY_ADDRESS = 'RAY_ADDRESS';
export const RAY_REDIS_ADDRESS = 'RAY_REDIS_ADDRESS';
export const REDIS_PASSWORD = 'REDIS_PASSWORD';
export const REDIS_USERNAME = 'REDIS_USERNAME';
export const RAY_GCS_STORAGE = 'RAY_gcs_storage';
export const RAY_GCS_STORAGE_PATH = 'RAY_gcs_storage_path';
export const RAY_ENABLE_AUTOSCALER_V2 = 'RAY_enable_autoscaler_v2';
export const KUBERAY_GEN_RAY_START_CMD = 'KUBERAY_GEN_RAY_START_CMD';
export const KUBERAY_GEN_AUTOSCALER_START_CMD = 'KUBERAY_GEN_AUTOSCALER_START_CMD';
export const RAY_DASHBOARD_ADDRESS = 'RAY_DASHBOARD_ADDRESS';
export const RAY_JOB_SUBMISSION_ID = 'RAY_JOB_SUBMISSION_ID';
export const RAY_USE_TLS = 'RAY_USE_TLS';
export const RAY_TLS_SERVER_CERT = 'RAY_TLS_SERVER_CERT';
export const RAY_TLS_SERVER_KEY = 'RAY_TLS_SERVER_KEY';
export const RAY_TLS_CA_CERT = 'RAY_TLS_CA_CERT';
export const RAY_TLS_VOLUME_NAME = 'ray-tls';
export const RAY_TLS_CERT_MOUNT_PATH = '/etc/ray/tls';
export const GCS_STORAGE_VOLUME_NAME = 'gcs-storage';
export const GCS_STORAGE_MOUNT_PATH = '/data/gcs';

// ---------------------------------------------------------------------------------------------
// Event reasons (KubeRay's K8sEventType), the subset raysim's operator emits
// ---------------------------------------------------------------------------------------------

export const EventReason = {
  // RayCluster
  InvalidRayClusterStatus: 'InvalidRayClusterStatus',
  InvalidRayClusterSpec: 'InvalidRayClusterSpec',
  InvalidRayClusterMetadata: 'InvalidRayClusterMetadata',
  CreatedHeadPod: 'CreatedHeadPod',
  FailedToCreateHeadPod: 'FailedToCreateHeadPod',
  DeletedHeadPod: 'DeletedHeadPod',
  FailedToDeleteHeadPod: 'FailedToDeleteHeadPod',
  CreatedWorkerPod: 'CreatedWorkerPod',
  FailedToCreateWorkerPod: 'FailedToCreateWorkerPod',
  DeletedWorkerPod: 'DeletedWorkerPod',
  FailedToDeleteWorkerPod: 'FailedToDeleteWorkerPod',
  FailedToDeleteWorkerPodCollection: 'FailedToDeleteWorkerPodCollection',
  // RayJob
  InvalidRayJobSpec: 'InvalidRayJobSpec',
  InvalidRayJobMetadata: 'InvalidRayJobMetadata',
  InvalidRayJobStatus: 'InvalidRayJobStatus',
  CreatedRayJobSubmitter: 'CreatedRayJobSubmitter',
  DeletedRayJobSubmitter: 'DeletedRayJobSubmitter',
  FailedToCreateRayJobSubmitter: 'FailedToCreateRayJobSubmitter',
  FailedToDeleteRayJobSubmitter: 'FailedToDeleteRayJobSubmitter',
  CreatedRayCluster: 'CreatedRayCluster',
  UpdatedRayCluster: 'UpdatedRayCluster',
  DeletedRayCluster: 'DeletedRayCluster',
  FailedToCreateRayCluster: 'FailedToCreateRayCluster',
  FailedToDeleteRayCluster: 'FailedToDeleteRayCluster',
  FailedToUpdateRayCluster: 'FailedToUpdateRayCluster',
  RayClusterNotFound: 'RayClusterNotFound',
  // Batch scheduler
  BatchSchedulerCleanedUp: 'BatchSchedulerCleanedUp',
  FailedToCleanupBatchScheduler: 'FailedToCleanupBatchScheduler',
  // RayCronJob
  InvalidRayCronJobSpec: 'InvalidRayCronJobSpec',
  SuspendedRayCronJob: 'SuspendedRayCronJob',
  // RayService
  InvalidRayServiceSpec: 'InvalidRayServiceSpec',
  InvalidRayServiceMetadata: 'InvalidRayServiceMetadata',
  RayServiceInitializingTimeout: 'RayServiceInitializingTimeout',
  RollbackImpossible: 'RollbackImpossible',
  UpdatedHeadPodServeLabel: 'UpdatedHeadPodServeLabel',
  UpdatedServeApplications: 'UpdatedServeApplications',
  UpdatedServeTargetCapacity: 'UpdatedServeTargetCapacity',
  FailedToUpdateHeadPodServeLabel: 'FailedToUpdateHeadPodServeLabel',
  FailedToUpdateServeApplications: 'FailedToUpdateServeApplications',
  FailedToUpdateTargetCapacity: 'FailedToUpdateTargetCapacity',
  FailedToDeleteService: 'FailedToDeleteService',
  DeletedService: 'DeletedService',
  // Pods, services
  DeletedPod: 'DeletedPod',
  FailedToDeletePod: 'FailedToDeletePod',
  FailedToDeletePodCollection: 'FailedToDeletePodCollection',
  CreatedService: 'CreatedService',
  UpdatedService: 'UpdatedService',
  FailedToCreateService: 'FailedToCreateService',
  FailedToUpdateService: 'FailedToUpdateService',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

// ---------------------------------------------------------------------------------------------
// Schedulers, queues, node provisioning
// ---------------------------------------------------------------------------------------------

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const TPU_RESOURCE = 'google.com/tpu';

/** Volcano: queue of a RayCluster/RayJob (label), PodGroup of a pod (annotation). */
export const VOLCANO_QUEUE_NAME_LABEL_KEY = 'volcano.sh/queue-name';
export const VOLCANO_GROUP_NAME_ANNOTATION_KEY = 'scheduling.k8s.io/group-name';
export const VOLCANO_SCHEDULER_NAME = 'volcano';

/** Kueue: LocalQueue a job opts into; WorkloadPriorityClass. */
export const KUEUE_QUEUE_NAME_LABEL_KEY = 'kueue.x-k8s.io/queue-name';
export const KUEUE_PRIORITY_CLASS_LABEL_KEY = 'kueue.x-k8s.io/priority-class';

/** Karpenter: never voluntarily disrupt this pod or node. */
export const KARPENTER_DO_NOT_DISRUPT_ANNOTATION_KEY = 'karpenter.sh/do-not-disrupt';

// ---------------------------------------------------------------------------------------------
// Derived names
// ---------------------------------------------------------------------------------------------

/** `<cluster>-head-svc` (KubeRay's GenerateHeadServiceName for a RayCluster or RayService). */
export function headServiceName(name: string): string {
  return `${name}-head-svc`;
}

/** `<rayservice>-serve-svc`. */
export function serveServiceName(name: string): string {
  return `${name}-serve-svc`;
}

/** `<cluster>-headless`: the headless service of multi-host worker groups. */
export function headlessServiceName(cluster: string): string {
  return `${cluster}-${HEADLESS_SERVICE_SUFFIX}`;
}

/** Volcano PodGroup of a RayCluster or RayJob: `ray-<name>-pg`. */
export function volcanoPodGroupName(ownerName: string): string {
  return `ray-${ownerName}-pg`;
}
