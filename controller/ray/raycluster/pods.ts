// The pod steps of the RayCluster reconcile (KubeRay's reconcilePods), in order:
//   reconcileSuspend        suspend: delete every pod, then stop (conditions move in status.ts)
//   reconcileRecreate       upgradeStrategy Recreate: a changed spec hash deletes every pod
//   reconcileBatchScheduler the batch scheduler prepares the gang (Volcano PodGroup)
//   reconcileHeadPod        delete a terminated head and stop; create a missing one; >1 is an error
//   reconcileWorkerGroups   per group: unhealthy pods, workersToDelete, then scale to desired
// Each decides with a pure planner (planHeadPod, planWorkerGroup, planMultiHostWorkerGroup) over
// what the cache shows, then applies the plan. Groups are skipped while their own earlier
// creates/deletes are not yet visible in the cache (scale expectations).

import type { Pod } from '../../api/core-types.js';
import type { RayCluster, WorkerGroupSpec } from '../../api/raycluster-types.js';
import {
  DISABLE_PROVISIONED_HEAD_RESTART_ANNOTATION_KEY,
  EventReason,
  KUBERAY_VERSION,
  KUBERAY_VERSION_KEY,
  POD,
  RAY_CLUSTER,
  RAY_NODE_HEAD_GROUP_LABEL_VALUE,
  RAY_WORKER_REPLICA_INDEX_KEY,
  RAY_WORKER_REPLICA_NAME_KEY,
  UPGRADE_STRATEGY_RECREATE_HASH_KEY,
} from '../../api/constants.js';
import { DEFAULT_NUM_OF_HOSTS, isAutoscalingEnabled } from '../../api/defaults.js';
import type { FeatureGates } from '../../api/features.js';
import { workerGroupDesiredPods } from '../../api/replicas.js';
import type { Rng } from '../../../sim/core/clock.js';
import { isApiError } from '../../runtime/api-error.js';
import { clusterPodsSelector, groupPodsSelector, headPodsSelector } from '../common/association.js';
import { workerReplicaName } from '../common/names.js';
import { buildHeadPod, buildWorkerPod, shouldDeletePod, type WorkerReplica } from '../common/pod.js';
import { isConditionTrue } from '../common/conditions.js';
import { hashWithoutReplicasAndWorkersToDelete } from '../common/hash.js';
import { HEAD_GROUP } from './expectations.js';
import { RayClusterStepError, replicaFailure, type RayClusterEnv } from './options.js';
import { METADATA_ONLY } from '../../runtime/kube-client.js';
import type { KubeObject } from '../../runtime/kube-object.js';

/** What a pod step tells the sequence: go on, or end reconcilePods here without error. */
export type PodStepOutcome = 'continue' | 'done';

function nsName(cluster: RayCluster): string {
  return `${cluster.metadata.namespace}/${cluster.metadata.name}`;
}

/** FindRayClusterSuspendStatus: which of RayClusterSuspending / RayClusterSuspended is True, if any. */
export function suspendStatus(cluster: RayCluster): 'RayClusterSuspending' | 'RayClusterSuspended' | '' {
  for (const c of cluster.status?.conditions ?? []) {
    if ((c.type === 'RayClusterSuspending' || c.type === 'RayClusterSuspended') && c.status === 'True') return c.type;
  }
  return '';
}

/** Deletes every pod of the selector that is not already terminating (deleteAllPods). Returns how many. */
async function deleteAllPods(env: RayClusterEnv, pods: Pod[]): Promise<number> {
  let n = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    try {
      await env.ctx.client.delete(POD, p.metadata.name!, p.metadata.namespace);
      n++;
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Suspend
// ---------------------------------------------------------------------------------------------

/**
 * With the RayClusterStatusConditions gate (default): while RayClusterSuspending is True, delete
 * every pod and stop; while Suspended, or when spec.suspend was just set (status.ts turns on
 * Suspending first), stop. Without the gate, spec.suspend deletes every pod directly.
 */
export async function reconcileSuspend(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome> {
  const gate = env.options.gates.RayClusterStatusConditions;
  const status = suspendStatus(cluster);
  const suspend = cluster.spec.suspend === true;
  if (status === 'RayClusterSuspending' || (!gate && suspend)) {
    const pods = env.ctx.cache.list<Pod>(POD, clusterPodsSelector(cluster));
    let deleted: number;
    try {
      deleted = await deleteAllPods(env, pods);
    } catch (e) {
      env.ctx.recorder.event(cluster, 'Warning', EventReason.FailedToDeletePodCollection, `Failed deleting Pods due to suspension for RayCluster ${nsName(cluster)}, ${(e as Error).message}`);
      throw replicaFailure('FailedDeleteAllPods', e);
    }
    if (deleted > 0) env.ctx.recorder.event(cluster, 'Normal', EventReason.DeletedPod, `Deleted Pods for RayCluster ${nsName(cluster)} due to suspension`);
    return 'done';
  }
  if (gate && (status === 'RayClusterSuspended' || suspend)) return 'done';
  return 'continue';
}

// ---------------------------------------------------------------------------------------------
// Upgrade strategy Recreate
// ---------------------------------------------------------------------------------------------

export type RecreateDecision = { action: 'none' } | { action: 'recreate' } | { action: 'refresh-head-annotations'; head: Pod; hash: string };

/** shouldRecreatePodsForUpgrade, pure: compare the head pod's stored hash with the spec's. */
export function planRecreate(cluster: RayCluster, heads: Pod[]): RecreateDecision {
  if (cluster.spec.upgradeStrategy?.type !== 'Recreate') return { action: 'none' };
  const head = heads[0];
  if (!head) return { action: 'none' };
  const hash = hashWithoutReplicasAndWorkersToDelete(cluster.spec);
  const version = head.metadata.annotations?.[KUBERAY_VERSION_KEY];
  // Pods of another operator version carry another hash: adopt them rather than recreate.
  if (version && version !== KUBERAY_VERSION) return { action: 'refresh-head-annotations', head, hash };
  const actual = head.metadata.annotations?.[UPGRADE_STRATEGY_RECREATE_HASH_KEY];
  return actual && actual !== hash ? { action: 'recreate' } : { action: 'none' };
}

export async function reconcileRecreate(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome> {
  const { ctx } = env;
  const decision = planRecreate(cluster, ctx.cache.list<Pod>(POD, headPodsSelector(cluster)));
  if (decision.action === 'refresh-head-annotations') {
    const h = decision.head;
    try {
      await ctx.client.patch(POD, h.metadata.name!, h.metadata.namespace, { metadata: { annotations: { [UPGRADE_STRATEGY_RECREATE_HASH_KEY]: decision.hash, [KUBERAY_VERSION_KEY]: KUBERAY_VERSION } } }, 'merge');
    } catch (e) {
      ctx.log.error('failed to update head pod annotations after a KubeRay version change', { pod: h.metadata.name, error: e });
    }
    return 'continue';
  }
  if (decision.action === 'none') return 'continue';
  ctx.log.info('RayCluster spec changed with Recreate upgradeStrategy, deleting all pods');
  try {
    await deleteAllPods(env, ctx.cache.list<Pod>(POD, clusterPodsSelector(cluster)));
  } catch (e) {
    ctx.recorder.event(cluster, 'Warning', EventReason.FailedToDeletePodCollection, `Failed deleting Pods due to spec change with Recreate upgradeStrategy for RayCluster ${nsName(cluster)}, ${(e as Error).message}`);
    throw replicaFailure('FailedDeleteAllPods', e);
  }
  env.expectations.delete(cluster.metadata.namespace ?? '', cluster.metadata.name!);
  ctx.recorder.event(cluster, 'Normal', EventReason.DeletedPod, `Deleted all Pods for RayCluster ${nsName(cluster)} due to spec change with Recreate upgradeStrategy`);
  return 'done';
}

// ---------------------------------------------------------------------------------------------
// Batch scheduler
// ---------------------------------------------------------------------------------------------

export async function reconcileBatchScheduler(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome> {
  await env.options.scheduler.doBatchSchedulingOnSubmission(env.ctx, cluster);
  return 'continue';
}

// ---------------------------------------------------------------------------------------------
// Head
// ---------------------------------------------------------------------------------------------

export type HeadPlan =
  | { action: 'none' }
  | { action: 'delete'; pod: Pod; reason: string }
  | { action: 'create' }
  /** Provisioned and ray.io/disable-provisioned-head-restart: leave the cluster headless, skip the workers too. */
  | { action: 'skip-restart' }
  | { action: 'error'; message: string };

/** The head pod decision over the head pods the cache shows. */
export function planHeadPod(cluster: RayCluster, heads: Pod[]): HeadPlan {
  if (heads.length === 1) {
    const d = shouldDeletePod(heads[0]!, 'head');
    return d.delete ? { action: 'delete', pod: heads[0]!, reason: d.reason } : { action: 'none' };
  }
  if (heads.length === 0) {
    if (isConditionTrue(cluster.status?.conditions, 'RayClusterProvisioned') && cluster.metadata.annotations?.[DISABLE_PROVISIONED_HEAD_RESTART_ANNOTATION_KEY] === 'true') {
      return { action: 'skip-restart' };
    }
    return { action: 'create' };
  }
  const names = heads.map((p) => p.metadata.name!);
  return { action: 'error', message: `${heads.length} head pods found [${names.join(' ')}]. Please delete extra head pods` };
}

function podPhaseDetails(p: Pod): string {
  return `Pod status: ${p.status?.phase ?? ''}; Pod restart policy: ${p.spec.restartPolicy ?? ''}`;
}

export async function reconcileHeadPod(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome> {
  const { ctx, expectations, options } = env;
  const ns = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name!;
  if (!expectations.isSatisfied(ctx.cache, ns, name, HEAD_GROUP, ctx.clock.now())) {
    ctx.log.debug('head expectations not satisfied, reconcile the head later');
    return 'continue';
  }
  const plan = planHeadPod(cluster, ctx.cache.list<Pod>(POD, headPodsSelector(cluster)));
  switch (plan.action) {
    case 'none':
      return 'continue';
    case 'skip-restart':
      ctx.log.info('found 0 head pods; skipped head recreation due to ray.io/disable-provisioned-head-restart');
      return 'done';
    case 'error':
      throw new RayClusterStepError(plan.message);
    case 'delete': {
      const p = plan.pod;
      const id = `${p.metadata.namespace}/${p.metadata.name}`;
      try {
        await ctx.client.delete(POD, p.metadata.name!, p.metadata.namespace);
      } catch (e) {
        if (!isApiError(e, 'NotFound')) {
          ctx.recorder.event(cluster, 'Warning', EventReason.FailedToDeleteHeadPod, `Failed deleting head Pod ${id}; ${podPhaseDetails(p)}, ${(e as Error).message}`);
          throw replicaFailure('FailedDeleteHeadPod', e);
        }
      }
      expectations.expect(ns, name, HEAD_GROUP, p.metadata.name!, 'delete', ctx.clock.now());
      ctx.recorder.event(cluster, 'Normal', EventReason.DeletedHeadPod, `Deleted head Pod ${id}; ${podPhaseDetails(p)}`);
      // A new head is created in a later reconcile, once this one is gone.
      throw new RayClusterStepError(plan.reason);
    }
    case 'create': {
      let pod = buildHeadPod(cluster, options.pod);
      const annotations = (pod.metadata.annotations ??= {});
      annotations[UPGRADE_STRATEGY_RECREATE_HASH_KEY] = hashWithoutReplicasAndWorkersToDelete(cluster.spec);
      annotations[KUBERAY_VERSION_KEY] = KUBERAY_VERSION;
      pod = options.scheduler.addMetadataToPod(cluster, RAY_NODE_HEAD_GROUP_LABEL_VALUE, pod);
      let created: KubeObject;
      try {
        created = await ctx.client.create(pod, METADATA_ONLY);
      } catch (e) {
        ctx.recorder.event(cluster, 'Warning', EventReason.FailedToCreateHeadPod, `Failed to create head Pod ${pod.metadata.namespace}/${pod.metadata.generateName}, ${(e as Error).message}`);
        throw replicaFailure('FailedCreateHeadPod', e);
      }
      expectations.expect(ns, name, HEAD_GROUP, created.metadata.name!, 'create', ctx.clock.now());
      ctx.log.info('created head pod', { pod: created.metadata.name });
      ctx.recorder.event(cluster, 'Normal', EventReason.CreatedHeadPod, `Created head Pod ${created.metadata.namespace}/${created.metadata.name}`);
      return 'continue';
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Worker groups: planning
// ---------------------------------------------------------------------------------------------

export type DeletionCause = 'unhealthy' | 'workersToDelete' | 'scaleDown' | 'suspended' | 'incompleteReplica';

export interface PodDeletion {
  name: string;
  cause: DeletionCause;
  /** Why, for logs and the event (unhealthy pods). */
  reason?: string;
}

export interface WorkerGroupPlan {
  group: string;
  deletions: PodDeletion[];
  /** One entry per pod to create. */
  creations: WorkerReplica[];
  /** Names from scaleStrategy.workersToDelete that were acted on (cleared from the spec afterwards). */
  workersToDelete: string[];
  /** End the reconcile after applying, with this message (upstream returns an error to requeue). */
  stop?: string;
  /** Whole-group deletion of a suspended group (one event, no expectations). */
  suspended?: boolean;
  /** Scale-down skipped: autoscaling on, the autoscaler alone picks victims. */
  scaleDownBlocked?: number;
}

export interface WorkerPlanContext {
  autoscaling: boolean;
  /** ENABLE_RANDOM_POD_DELETE with autoscaling. */
  randomPodDelete: boolean;
  gates: FeatureGates;
  /** Names new multi-host replicas (`<group>-<5 random>`). */
  rng: Rng;
}

function emptyPlan(group: string): WorkerGroupPlan {
  return { group, deletions: [], creations: [], workersToDelete: [] };
}

function replicaIndexOf(p: Pod): number | undefined {
  const v = p.metadata.labels?.[RAY_WORKER_REPLICA_INDEX_KEY];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** Lowest indices not in `used`, `count` of them. */
function freeIndices(used: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) if (!used.has(i)) out.push(i);
  return out;
}

function canScaleDown(c: WorkerPlanContext): boolean {
  return !c.autoscaling || c.randomPodDelete;
}

/**
 * One worker group (single-host, or multi-host without the RayMultiHostIndexing gate), over the
 * group's pods as the cache shows them (terminating ones included, as upstream lists them):
 * 1. unhealthy pods (terminal phase, or a dead Ray container that cannot restart) are deleted and
 *    nothing else happens this round;
 * 2. pods named in scaleStrategy.workersToDelete are deleted;
 * 3. diff = desired - remaining: create |diff| pods, or (autoscaling off) delete the first |diff|
 *    in cache order. Upstream calls this "random" deletion: its cache order is arbitrary; raysim's
 *    cache lists by name, and generated names end in random characters.
 */
export function planWorkerGroup(group: WorkerGroupSpec, pods: Pod[], c: WorkerPlanContext): WorkerGroupPlan {
  const plan = emptyPlan(group.groupName);
  if (group.suspend === true) {
    plan.suspended = true;
    for (const p of pods) if (!p.metadata.deletionTimestamp) plan.deletions.push({ name: p.metadata.name!, cause: 'suspended' });
    return plan;
  }
  if (c.gates.RayMultiHostIndexing && (group.numOfHosts ?? DEFAULT_NUM_OF_HOSTS) > 1) return planMultiHostWorkerGroup(group, pods, c);

  for (const p of pods) {
    const d = shouldDeletePod(p, 'worker');
    if (d.delete) plan.deletions.push({ name: p.metadata.name!, cause: 'unhealthy', reason: d.reason });
  }
  if (plan.deletions.length > 0) {
    plan.stop = `delete ${plan.deletions.length} unhealthy worker Pods`;
    return plan;
  }
  const deleted = new Set<string>();
  for (const name of group.scaleStrategy?.workersToDelete ?? []) {
    plan.deletions.push({ name, cause: 'workersToDelete' });
    plan.workersToDelete.push(name);
    deleted.add(name);
  }
  const running = pods.filter((p) => !deleted.has(p.metadata.name!));
  const diff = workerGroupDesiredPods(group) - running.length;
  if (diff > 0) {
    if (c.gates.RayMultiHostIndexing) {
      const used = new Set(running.map(replicaIndexOf).filter((i): i is number => i !== undefined));
      for (const index of freeIndices(used, diff)) plan.creations.push({ index });
    } else {
      for (let i = 0; i < diff; i++) plan.creations.push({ index: 0 });
    }
  } else if (diff < 0) {
    if (canScaleDown(c)) for (const p of running.slice(0, -diff)) plan.deletions.push({ name: p.metadata.name!, cause: 'scaleDown' });
    else plan.scaleDownBlocked = -diff;
  }
  return plan;
}

/**
 * reconcileMultiHostWorkerGroup: replicas of numOfHosts pods live and die together.
 * 1. a replica missing pods (deleted by someone else) loses the rest, and the round ends;
 * 2. a replica with an unhealthy pod is deleted whole;
 * 3. workersToDelete deletes the named pods' whole replicas, and the round ends;
 * 4. replicas are created (each `<group>-<5 random>`, a free index, host indices 0..n-1) or, with
 *    autoscaling off, whole replicas are deleted, first by name.
 */
export function planMultiHostWorkerGroup(group: WorkerGroupSpec, pods: Pod[], c: WorkerPlanContext): WorkerGroupPlan {
  const plan = emptyPlan(group.groupName);
  const hosts = group.numOfHosts ?? DEFAULT_NUM_OF_HOSTS;
  const replicas = new Map<string, Pod[]>();
  for (const p of pods) {
    const r = p.metadata.labels?.[RAY_WORKER_REPLICA_NAME_KEY];
    if (r === undefined) continue;
    const list = replicas.get(r) ?? [];
    list.push(p);
    replicas.set(r, list);
  }
  const names = [...replicas.keys()].sort();

  const incomplete = names.find((r) => replicas.get(r)!.length < hosts);
  if (incomplete !== undefined) {
    for (const p of replicas.get(incomplete)!) plan.deletions.push({ name: p.metadata.name!, cause: 'incompleteReplica', reason: 'cleanup of incomplete multi-host group' });
    plan.stop = `cleaned up incomplete replica group ${incomplete}, requeueing`;
    return plan;
  }

  const deleted = new Set<string>();
  const deleteReplica = (r: string, cause: DeletionCause, reason: string): void => {
    for (const p of replicas.get(r) ?? []) {
      if (deleted.has(p.metadata.name!)) continue;
      deleted.add(p.metadata.name!);
      plan.deletions.push({ name: p.metadata.name!, cause, reason });
    }
  };
  for (const p of pods) {
    if (deleted.has(p.metadata.name!)) continue;
    const d = shouldDeletePod(p, 'worker');
    const r = p.metadata.labels?.[RAY_WORKER_REPLICA_NAME_KEY];
    if (d.delete && r !== undefined) deleteReplica(r, 'unhealthy', d.reason);
  }

  const toDelete = group.scaleStrategy?.workersToDelete ?? [];
  if (toDelete.length > 0) {
    plan.workersToDelete = [...toDelete];
    const before = plan.deletions.length;
    for (const name of toDelete) {
      const r = pods.find((p) => p.metadata.name === name)?.metadata.labels?.[RAY_WORKER_REPLICA_NAME_KEY];
      if (r !== undefined) deleteReplica(r, 'workersToDelete', 'autoscaler scale-down request');
    }
    const n = plan.deletions.length - before;
    if (n > 0) {
      plan.stop = `deleted ${n} worker Pods based on ScaleStrategy, requeueing`;
      return plan;
    }
  }

  const valid = names.filter((r) => replicas.get(r)!.every((p) => !deleted.has(p.metadata.name!)));
  const expectedReplicas = Math.floor(workerGroupDesiredPods(group) / hosts);
  const toCreate = expectedReplicas - valid.length;
  if (toCreate > 0) {
    const used = new Set(valid.map((r) => replicaIndexOf(replicas.get(r)![0]!)).filter((i): i is number => i !== undefined));
    for (const index of freeIndices(used, toCreate)) {
      const name = workerReplicaName(group.groupName, c.rng);
      for (let h = 0; h < hosts; h++) plan.creations.push({ index, name, hostIndex: h });
    }
  } else if (toCreate < 0) {
    if (canScaleDown(c)) for (const r of valid.slice(0, -toCreate)) deleteReplica(r, 'scaleDown', 'scaling down');
    else plan.scaleDownBlocked = -toCreate * hosts;
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Worker groups: applying
// ---------------------------------------------------------------------------------------------

function deletionMessage(id: string, d: PodDeletion, group: string): string {
  switch (d.cause) {
    case 'unhealthy':
      return `Deleted worker Pod ${id}; ${d.reason ?? ''}`;
    case 'incompleteReplica':
    case 'scaleDown':
      return d.reason ? `Deleted worker Pod ${id} for group ${group}: ${d.reason}` : `Deleted Pod ${id}`;
    default:
      return `Deleted pod ${id}`;
  }
}

/** Applies a group's plan: deletions, then creations (stopping at the first failure). */
export async function applyWorkerGroupPlan(cluster: RayCluster, group: WorkerGroupSpec, plan: WorkerGroupPlan, env: RayClusterEnv): Promise<void> {
  const { ctx, expectations, options } = env;
  const ns = cluster.metadata.namespace ?? '';
  const cname = cluster.metadata.name!;
  for (const d of plan.deletions) {
    const id = `${ns}/${d.name}`;
    try {
      await ctx.client.delete(POD, d.name, ns);
    } catch (e) {
      if (isApiError(e, 'NotFound')) {
        ctx.log.debug('worker pod already deleted', { pod: d.name });
        continue;
      }
      const reason = plan.suspended ? EventReason.FailedToDeleteWorkerPodCollection : EventReason.FailedToDeleteWorkerPod;
      ctx.recorder.event(cluster, 'Warning', reason, `Failed deleting worker Pod ${id}, ${(e as Error).message}`);
      throw replicaFailure('FailedDeleteWorkerPod', e);
    }
    if (!plan.suspended) {
      expectations.expect(ns, cname, plan.group, d.name, 'delete', ctx.clock.now());
      ctx.recorder.event(cluster, 'Normal', EventReason.DeletedWorkerPod, deletionMessage(id, d, plan.group));
    }
  }
  if (plan.suspended && plan.deletions.length > 0) {
    ctx.recorder.event(cluster, 'Normal', EventReason.DeletedWorkerPod, `Deleted all pods for suspended worker group ${plan.group} in RayCluster ${nsName(cluster)}`);
  }
  for (const replica of plan.creations) {
    let pod = buildWorkerPod(cluster, group, replica, options.pod);
    pod = options.scheduler.addMetadataToPod(cluster, group.groupName, pod);
    let created: KubeObject;
    try {
      created = await ctx.client.create(pod, METADATA_ONLY);
    } catch (e) {
      ctx.recorder.event(cluster, 'Warning', EventReason.FailedToCreateWorkerPod, `Failed to create worker Pod for the cluster ${nsName(cluster)}, ${(e as Error).message}`);
      throw replicaFailure('FailedCreateWorkerPod', e);
    }
    expectations.expect(ns, cname, plan.group, created.metadata.name!, 'create', ctx.clock.now());
    ctx.recorder.event(cluster, 'Normal', EventReason.CreatedWorkerPod, `Created worker Pod ${ns}/${created.metadata.name}`);
  }
}

/**
 * Clears the names acted on from scaleStrategy.workersToDelete with a JSON patch that first tests
 * the group and the list are unchanged, so names an autoscaler added meanwhile survive (the patch
 * then fails and the next reconcile handles them). Keeps the working copy's resourceVersion fresh.
 */
export async function clearWorkersToDelete(cluster: RayCluster, index: number, names: string[], env: RayClusterEnv): Promise<void> {
  const base = `/spec/workerGroupSpecs/${index}`;
  const patch = [
    { op: 'test', path: `${base}/groupName`, value: cluster.spec.workerGroupSpecs![index]!.groupName },
    { op: 'test', path: `${base}/scaleStrategy/workersToDelete`, value: names },
    { op: 'replace', path: `${base}/scaleStrategy/workersToDelete`, value: [] },
  ];
  try {
    const updated = await env.ctx.client.patch<RayCluster>(RAY_CLUSTER, cluster.metadata.name!, cluster.metadata.namespace, patch, 'json');
    cluster.metadata.resourceVersion = updated.metadata.resourceVersion;
    cluster.metadata.generation = updated.metadata.generation;
    cluster.spec.workerGroupSpecs![index]!.scaleStrategy = { ...cluster.spec.workerGroupSpecs![index]!.scaleStrategy, workersToDelete: [] };
  } catch (e) {
    if (!isApiError(e, 'Invalid') && !isApiError(e, 'Conflict') && !isApiError(e, 'NotFound')) throw e;
    env.ctx.log.info('workersToDelete changed meanwhile; not cleared', { group: cluster.spec.workerGroupSpecs![index]!.groupName });
  }
}

/** Every worker group in spec order; a group whose expectations are unmet waits for a later reconcile. */
export async function reconcileWorkerGroups(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome> {
  const { ctx, expectations, options } = env;
  const ns = cluster.metadata.namespace ?? '';
  const planCtx: WorkerPlanContext = {
    autoscaling: isAutoscalingEnabled(cluster.spec),
    randomPodDelete: options.randomPodDelete,
    gates: options.gates,
    rng: ctx.rng,
  };
  const groups = cluster.spec.workerGroupSpecs ?? [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (!expectations.isSatisfied(ctx.cache, ns, cluster.metadata.name!, group.groupName, ctx.clock.now())) {
      ctx.log.debug('worker group expectations not satisfied, reconcile the group later', { group: group.groupName });
      continue;
    }
    const pods = ctx.cache.list<Pod>(POD, groupPodsSelector(cluster, group.groupName));
    const plan = planWorkerGroup(group, pods, planCtx);
    if (plan.scaleDownBlocked) ctx.log.debug('random pod deletion is disabled; the autoscaler decides which pods to delete', { group: group.groupName, surplus: plan.scaleDownBlocked });
    await applyWorkerGroupPlan(cluster, group, plan, env);
    if (options.clearWorkersToDelete && plan.workersToDelete.length > 0) await clearWorkersToDelete(cluster, i, plan.workersToDelete, env);
    if (plan.stop) throw new RayClusterStepError(plan.stop);
  }
  return 'continue';
}

// ---------------------------------------------------------------------------------------------
// The sequence
// ---------------------------------------------------------------------------------------------

export interface PodStep {
  name: string;
  run(cluster: RayCluster, env: RayClusterEnv): Promise<PodStepOutcome>;
}

/** reconcilePods' sub-steps, in order. */
export const POD_STEPS: readonly PodStep[] = [
  { name: 'suspend', run: reconcileSuspend },
  { name: 'recreate', run: reconcileRecreate },
  { name: 'batchScheduler', run: reconcileBatchScheduler },
  { name: 'headPod', run: reconcileHeadPod },
  { name: 'workerGroups', run: reconcileWorkerGroups },
];

export async function reconcilePods(cluster: RayCluster, env: RayClusterEnv): Promise<void> {
  for (const step of POD_STEPS) if ((await step.run(cluster, env)) === 'done') return;
}
