// Volcano's scheduling.volcano.sh/v1beta1 PodGroup and Queue, the fields raysim uses (volcano.sh/apis
// pkg/apis/scheduling/v1beta1/types.go). CRDs: controller/deploy/crds/volcano/.

import type { ResourceList } from '../../api/core-types.js';
import { VOLCANO_GROUP_NAME_ANNOTATION_KEY, VOLCANO_QUEUE_NAME_LABEL_KEY } from '../../api/constants.js';
import type { ResourceId } from '../../runtime/kube-client.js';
import type { KubeObject, ObjectMeta } from '../../runtime/kube-object.js';

export const VOLCANO_SCHEDULING_API_VERSION = 'scheduling.volcano.sh/v1beta1';
export const POD_GROUP: ResourceId = { apiVersion: VOLCANO_SCHEDULING_API_VERSION, kind: 'PodGroup' };
export const VOLCANO_QUEUE: ResourceId = { apiVersion: VOLCANO_SCHEDULING_API_VERSION, kind: 'Queue' };

/** Pod annotation naming the pod's PodGroup (v1beta1.KubeGroupNameAnnotationKey: scheduling.k8s.io/group-name). */
export const KUBE_GROUP_NAME_ANNOTATION_KEY = VOLCANO_GROUP_NAME_ANNOTATION_KEY;
/** Pod annotation naming the pod's task within its group (batch v1alpha1.TaskSpecKey). */
export const VOLCANO_TASK_SPEC_ANNOTATION_KEY = 'volcano.sh/task-spec';
export const VOLCANO_QUEUE_LABEL_KEY = VOLCANO_QUEUE_NAME_LABEL_KEY;
export const VOLCANO_NETWORK_TOPOLOGY_MODE_LABEL_KEY = 'volcano.sh/network-topology-mode';
export const VOLCANO_NETWORK_TOPOLOGY_HIGHEST_TIER_LABEL_KEY = 'volcano.sh/network-topology-highest-tier-allowed';
/** Volcano's queue for PodGroups that name none. */
export const DEFAULT_VOLCANO_QUEUE = 'default';

export type PodGroupPhase = 'Pending' | 'Running' | 'Unknown' | 'Inqueue' | 'Completed';

export interface NetworkTopologySpec {
  mode?: 'hard' | 'soft';
  highestTierAllowed?: number;
}

export interface PodGroupSpec {
  minMember?: number;
  minTaskMember?: Record<string, number>;
  /** Defaults to "default" (CRD). */
  queue?: string;
  priorityClassName?: string;
  minResources?: ResourceList;
  networkTopology?: NetworkTopologySpec;
  preemptable?: boolean;
}

export interface PodGroupCondition {
  type?: string;
  status?: string;
  transitionID?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface PodGroupStatus {
  phase?: PodGroupPhase;
  conditions?: PodGroupCondition[];
  running?: number;
  succeeded?: number;
  failed?: number;
}

export interface PodGroup extends KubeObject {
  apiVersion: 'scheduling.volcano.sh/v1beta1';
  kind: 'PodGroup';
  metadata: ObjectMeta;
  spec: PodGroupSpec;
  status?: PodGroupStatus;
}

export type QueueState = 'Open' | 'Closed' | 'Closing' | 'Unknown';

export interface QueueSpec {
  weight?: number;
  capability?: ResourceList;
  deserved?: ResourceList;
  guarantee?: { resource?: ResourceList };
  reclaimable?: boolean;
  parent?: string;
  priority?: number;
  type?: string;
}

export interface QueueStatus {
  state?: QueueState;
  pending?: number;
  running?: number;
  inqueue?: number;
  completed?: number;
  unknown?: number;
  allocated?: ResourceList;
}

/** Cluster-scoped. */
export interface VolcanoQueue extends KubeObject {
  apiVersion: 'scheduling.volcano.sh/v1beta1';
  kind: 'Queue';
  metadata: ObjectMeta;
  spec: QueueSpec;
  status?: QueueStatus;
}
