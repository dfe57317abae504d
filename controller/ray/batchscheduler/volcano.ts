// KubeRay's Volcano integration (batchscheduler/volcano/volcano_scheduler.go): one PodGroup
// `ray-<name>-pg` (scheduling.volcano.sh/v1beta1) per RayCluster, or per RayJob for the cluster a
// RayJob creates, whose minMember is the head plus every desired worker pod (with in-tree
// autoscaling: plus minReplicas * numOfHosts per group) and whose minResources is the sum of
// those pods' requests (limits where a request is missing); RayJobs add their submitter pod's.
// The queue comes from the owner's label volcano.sh/queue-name, the priority class from its label
// ray.io/priority-class-name (raysim falls back to the head template's priorityClassName). Every
// Ray pod gets schedulerName "volcano", the annotations scheduling.k8s.io/group-name (the
// PodGroup) and volcano.sh/task-spec (its group), and the owner's queue and priority labels.
//
// Decide purely (podGroupParams, buildPodGroup, podGroupNeedsUpdate, decoratePod), apply
// separately (syncPodGroup).

import type { ResourceList } from '../../api/core-types.js';
import type { RayClusterSpec } from '../../api/raycluster-types.js';
import type { RayJob } from '../../api/rayjob-types.js';
import {
  RAY_CLUSTER,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
  RAY_PRIORITY_CLASS_NAME,
  VOLCANO_SCHEDULER_NAME,
  volcanoPodGroupName,
} from '../../api/constants.js';
import { isAutoscalingEnabled, submissionMode } from '../../api/defaults.js';
import { parseQuantity } from '../../api/quantity.js';
import { desiredWorkerReplicas, minWorkerReplicas } from '../../api/replicas.js';
import type { RayCluster } from '../../api/raycluster-types.js';
import { isApiError } from '../../runtime/api-error.js';
import type { ResourceId } from '../../runtime/kube-client.js';
import { desiredResources, minResources, podResources, sumResources, toResourceList, type ResourceAmounts } from '../common/resources.js';
import { controllerRef } from '../common/service.js';
import type { BatchScheduler, BatchSchedulerContext, GangOwner, PodLike } from './batch-scheduler.js';
import {
  KUBE_GROUP_NAME_ANNOTATION_KEY,
  POD_GROUP,
  VOLCANO_NETWORK_TOPOLOGY_HIGHEST_TIER_LABEL_KEY,
  VOLCANO_NETWORK_TOPOLOGY_MODE_LABEL_KEY,
  VOLCANO_QUEUE_LABEL_KEY,
  VOLCANO_TASK_SPEC_ANNOTATION_KEY,
  type PodGroup,
} from './volcano-types.js';
import { deepClone } from '../../runtime/deep-copy.js';


/** The default submitter container's resources (KubeRay's GetDefaultSubmitterContainer). */
const DEFAULT_SUBMITTER_RESOURCES = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '200Mi' } };

function isRayJob(o: GangOwner): o is RayJob {
  return o.kind === 'RayJob';
}

/** A RayCluster created by a RayJob belongs to the RayJob's gang. */
function createdByRayJob(o: GangOwner): boolean {
  return o.metadata.labels?.[RAY_ORIGINATED_FROM_CRD_LABEL_KEY] === 'RayJob';
}

/** `ray-<owner>-pg`; for a RayJob's cluster, the RayJob's name (getAppPodGroupName). */
export function podGroupNameFor(owner: GangOwner): string {
  let name = owner.metadata.name!;
  const job = owner.metadata.labels?.[RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY];
  if (createdByRayJob(owner) && job) name = job;
  return volcanoPodGroupName(name);
}

export interface PodGroupParams {
  minMember: number;
  minResources: ResourceAmounts;
}

/**
 * calculatePodGroupParams: without in-tree autoscaling, 1 + desired worker pods and their
 * resources; with it, 1 + sum(minReplicas * numOfHosts) and those pods' resources.
 */
export function podGroupParams(spec: RayClusterSpec): PodGroupParams {
  if (!isAutoscalingEnabled(spec)) return { minMember: desiredWorkerReplicas(spec) + 1, minResources: desiredResources(spec) };
  return { minMember: minWorkerReplicas(spec) + 1, minResources: minResources(spec) };
}

/** The submitter pod a RayJob adds to its gang: K8sJobMode's Job pod, SidecarMode's container, else nothing. */
export function submitterResources(job: RayJob): ResourceAmounts {
  const mode = submissionMode(job.spec);
  if (mode === 'K8sJobMode') {
    const tpl = job.spec.submitterPodTemplate;
    return tpl ? podResources(tpl.spec) : podResources({ containers: [{ name: 'ray-job-submitter', resources: DEFAULT_SUBMITTER_RESOURCES }] });
  }
  if (mode === 'SidecarMode') return podResources({ containers: [{ name: 'ray-job-submitter', resources: DEFAULT_SUBMITTER_RESOURCES }] });
  return {};
}

/** The PodGroup KubeRay creates (createPodGroup). The head template's priorityClassName is raysim's fallback. */
export function buildPodGroup(owner: GangOwner, params: PodGroupParams, clusterSpec?: RayClusterSpec): PodGroup {
  const labels = owner.metadata.labels ?? {};
  const pg: PodGroup = {
    apiVersion: 'scheduling.volcano.sh/v1beta1',
    kind: 'PodGroup',
    metadata: {
      name: podGroupNameFor(owner),
      namespace: owner.metadata.namespace,
      ownerReferences: [controllerRef(owner)],
      annotations: { ...(owner.metadata.annotations ?? {}) },
    },
    spec: { minMember: params.minMember, minResources: toResourceList(params.minResources) },
    status: { phase: 'Pending' },
  };
  const mode = labels[VOLCANO_NETWORK_TOPOLOGY_MODE_LABEL_KEY];
  if (mode !== undefined) {
    pg.spec.networkTopology = { mode: mode as 'hard' | 'soft' };
    const tier = labels[VOLCANO_NETWORK_TOPOLOGY_HIGHEST_TIER_LABEL_KEY];
    if (tier !== undefined) {
      const n = Number(tier);
      if (!Number.isInteger(n)) throw new Error(`failed to convert ${VOLCANO_NETWORK_TOPOLOGY_HIGHEST_TIER_LABEL_KEY} label "${tier}" to int for podgroup ${pg.metadata.name} in namespace ${owner.metadata.namespace}`);
      pg.spec.networkTopology.highestTierAllowed = n;
    }
  }
  const queue = labels[VOLCANO_QUEUE_LABEL_KEY];
  if (queue !== undefined) pg.spec.queue = queue;
  const priority = labels[RAY_PRIORITY_CLASS_NAME] ?? clusterSpec?.headGroupSpec?.template?.spec?.priorityClassName;
  if (priority) pg.spec.priorityClassName = priority;
  return pg;
}

/** quotav1.Equals: the same resource names with equal quantities. */
export function resourceListsEqual(a: ResourceList | undefined, b: ResourceList): boolean {
  if (a === undefined) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && parseQuantity(a[k]) === parseQuantity(b[k]));
}

/** The PodGroup must be resized when minMember or minResources differ. */
export function podGroupNeedsUpdate(existing: PodGroup, params: PodGroupParams): boolean {
  return existing.spec?.minMember !== params.minMember || !resourceListsEqual(existing.spec?.minResources, toResourceList(params.minResources));
}

/**
 * syncPodGroup: create the PodGroup, or resize it when its size or resources changed. Returns
 * whether it wrote. An existing PodGroup keeps its queue and priority (upstream updates size only).
 */
export async function syncPodGroup(ctx: BatchSchedulerContext, owner: GangOwner, params: PodGroupParams, clusterSpec?: RayClusterSpec): Promise<boolean> {
  const name = podGroupNameFor(owner);
  const ns = owner.metadata.namespace;
  let existing: PodGroup | undefined;
  try {
    existing = await ctx.client.get<PodGroup>(POD_GROUP, name, ns);
  } catch (e) {
    if (!isApiError(e, 'NotFound')) throw e;
  }
  if (!existing) {
    try {
      await ctx.client.create(buildPodGroup(owner, params, clusterSpec));
      ctx.log.info('created PodGroup', { podGroup: name, minMember: params.minMember });
      return true;
    } catch (e) {
      if (isApiError(e, 'AlreadyExists')) return false;
      throw e;
    }
  }
  if (!podGroupNeedsUpdate(existing, params)) return false;
  const next: PodGroup = { ...existing, spec: { ...existing.spec, minMember: params.minMember, minResources: toResourceList(params.minResources) } };
  await ctx.client.update(next);
  ctx.log.info('updated PodGroup', { podGroup: name, minMember: params.minMember });
  return true;
}

export class VolcanoBatchScheduler implements BatchScheduler {
  readonly name = VOLCANO_SCHEDULER_NAME;
  readonly ownedKinds: readonly ResourceId[] = [POD_GROUP];

  async doBatchSchedulingOnSubmission(ctx: BatchSchedulerContext, owner: GangOwner): Promise<void> {
    if (isRayJob(owner)) {
      const spec = owner.spec.rayClusterSpec;
      if (!spec) throw new Error(`gang scheduling does not support RayJob ${owner.metadata.namespace}/${owner.metadata.name} referencing an existing RayCluster`);
      const p = podGroupParams(spec);
      await syncPodGroup(ctx, owner, { minMember: p.minMember, minResources: sumResources(p.minResources, submitterResources(owner)) }, spec);
      return;
    }
    // The RayJob that created this cluster owns the gang.
    if (createdByRayJob(owner)) return;
    await syncPodGroup(ctx, owner, podGroupParams(owner.spec), owner.spec);
  }

  addMetadataToPod<T extends PodLike>(parent: GangOwner, groupName: string, child: T): T {
    return decoratePod(parent, groupName, child);
  }

  /**
   * For a finished RayJob with its own cluster: shrink the PodGroup to what is still alive (the
   * cluster's gang if it still exists and is not being deleted, else nothing), so Volcano stops
   * reserving for it.
   */
  async cleanupOnCompletion(ctx: BatchSchedulerContext, owner: GangOwner): Promise<boolean> {
    if (!isRayJob(owner)) return false;
    if (owner.spec.clusterSelector && Object.keys(owner.spec.clusterSelector).length > 0) return false;
    const clusterName = owner.status?.rayClusterName;
    if (!clusterName) return false;
    let params: PodGroupParams = { minMember: 0, minResources: {} };
    try {
      const cluster = await ctx.client.get<RayCluster>(RAY_CLUSTER, clusterName, owner.metadata.namespace);
      if (!cluster.metadata.deletionTimestamp) params = podGroupParams(cluster.spec);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
      ctx.log.info('RayCluster not found, updating PodGroup with empty resources', { rayCluster: clusterName });
    }
    return syncPodGroup(ctx, owner, params);
  }
}

/** AddMetadataToChildResource: queue and priority labels, group annotations, schedulerName. Pure. */
export function decoratePod<T extends PodLike>(parent: GangOwner, groupName: string, child: T): T {
  const out = deepClone(child);
  const meta = (out.metadata ??= {});
  const labels = { ...(meta.labels ?? {}) };
  for (const key of [VOLCANO_QUEUE_LABEL_KEY, RAY_PRIORITY_CLASS_NAME]) {
    const v = parent.metadata.labels?.[key];
    if (v) labels[key] = v;
  }
  meta.labels = labels;
  meta.annotations = { ...(meta.annotations ?? {}), [KUBE_GROUP_NAME_ANNOTATION_KEY]: podGroupNameFor(parent), [VOLCANO_TASK_SPEC_ANNOTATION_KEY]: groupName };
  if (out.spec) out.spec.schedulerName = VOLCANO_SCHEDULER_NAME;
  return out;
}
