// KubeRay's batch-scheduler plug-in point (batchscheduler/interface/interface.go): before the
// RayCluster controller creates pods it lets the configured scheduler prepare the gang (Volcano:
// create or resize the PodGroup), and every pod it builds passes through addMetadataToPod
// (schedulerName, group annotations). The RayJob controller calls the same hooks for RayJobs and
// cleanupOnCompletion when a job finishes. The scheduler is chosen once, by name, like KubeRay's
// --batch-scheduler flag (see registry.ts).

import type { EmbeddedObjectMeta, PodSpec } from '../../api/core-types.js';
import type { RayCluster } from '../../api/raycluster-types.js';
import type { RayJob } from '../../api/rayjob-types.js';
import type { ResourceId } from '../../runtime/kube-client.js';
import type { ObjectMeta } from '../../runtime/kube-object.js';
import type { ReconcileContext } from '../../runtime/reconciler.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** What a batch scheduler may touch: the API and a logger (a subset of the ReconcileContext). */
export type BatchSchedulerContext = Pick<ReconcileContext, 'client' | 'log'>;

/** The objects a scheduler works for. */
export type GangOwner = RayCluster | RayJob;

/** A pod or a pod template (the submitter Job's): something with metadata and a pod spec. */
export interface PodLike {
  metadata?: ObjectMeta | EmbeddedObjectMeta;
  spec?: PodSpec;
}

export interface BatchScheduler {
  /** "default", "volcano", ... */
  readonly name: string;
  /** Kinds the scheduler creates for an owner; the RayCluster controller watches them (Owns). */
  readonly ownedKinds: readonly ResourceId[];
  /** Before any pod is created: make the cluster's (or job's) gang exist with the right size. */
  doBatchSchedulingOnSubmission(ctx: BatchSchedulerContext, owner: GangOwner): Promise<void>;
  /**
   * A copy of `child` decorated for this scheduler (schedulerName, group annotations, labels).
   * `groupName` is the worker group, "headgroup" for the head. Pure.
   */
  addMetadataToPod<T extends PodLike>(parent: GangOwner, groupName: string, child: T): T;
  /** After a RayJob finished: release what the gang reserved. True when something changed. */
  cleanupOnCompletion(ctx: BatchSchedulerContext, owner: GangOwner): Promise<boolean>;
}

/** KubeRay's DefaultBatchScheduler: no gang, pods left to the default scheduler. */
export class DefaultBatchScheduler implements BatchScheduler {
  readonly name = 'default';
  readonly ownedKinds: readonly ResourceId[] = [];

  async doBatchSchedulingOnSubmission(): Promise<void> {}

  addMetadataToPod<T extends PodLike>(_parent: GangOwner, _groupName: string, child: T): T {
    return deepClone(child);
  }

  async cleanupOnCompletion(): Promise<boolean> {
    return false;
  }
}
