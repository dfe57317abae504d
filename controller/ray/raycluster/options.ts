// What the RayCluster controller is configured with (KubeRay's RayClusterReconcilerOptions and the
// operator flags/env vars that shape it), what each reconcile step is handed, and the error a step
// stops the reconcile with.

import type { RayClusterConditionReason } from '../../api/raycluster-types.js';
import { DEFAULT_FEATURE_GATES, type FeatureGates } from '../../api/features.js';
import { RAYCLUSTER_DEFAULT_REQUEUE_SECONDS } from '../../api/constants.js';
import type { ReconcileContext } from '../../runtime/reconciler.js';
import type { BatchScheduler } from '../batchscheduler/batch-scheduler.js';
import { createBatchScheduler } from '../batchscheduler/registry.js';
import type { PodBuildOptions } from '../common/pod.js';
import { EXPECTATIONS_TIMEOUT_MS, type ScaleExpectations } from './expectations.js';

/** KubeRay's DefaultRequeueDuration: after a change or an error. */
export const CHANGE_REQUEUE_MS = 2_000;
/** RAYCLUSTER_DEFAULT_REQUEUE_SECONDS: when nothing changed. */
export const IDLE_REQUEUE_MS = RAYCLUSTER_DEFAULT_REQUEUE_SECONDS * 1000;

export interface RayClusterReconcilerOptions {
  /** Controller name (default "raycluster"). */
  name?: string;
  /** --batch-scheduler: "default" (unset), "volcano", or a scheduler object. */
  batchScheduler?: string | BatchScheduler;
  /** KubeRay feature gates; upstream defaults when unset. */
  featureGates?: FeatureGates;
  /** Pod building switches (probes, init container, default envs/labels, sidecars). */
  pod?: PodBuildOptions;
  /** ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE: give the head service a cluster IP instead of making it headless. */
  headServiceClusterIP?: boolean;
  /**
   * ENABLE_RANDOM_POD_DELETE: with in-tree autoscaling, still delete surplus pods when replicas
   * drops (without autoscaling surplus pods are always deleted).
   */
  randomPodDelete?: boolean;
  /**
   * After deleting the pods named in scaleStrategy.workersToDelete, clear the list in the spec
   * (default true). KubeRay v1.7 clears only its in-memory copy and leaves the list to the Ray
   * autoscaler; set false for exactly that.
   */
  clearWorkersToDelete?: boolean;
  /** raysim's stricter validation (controller/api/validation.ts `strict`); default off (KubeRay's checks). */
  strictValidation?: boolean;
  /** Requeue when nothing changed (default 300 s). */
  idleRequeueMs?: number;
  /** A create expectation lapses after this long (default 30 s). */
  expectationsTimeoutMs?: number;
}

export interface ResolvedOptions {
  name: string;
  gates: FeatureGates;
  scheduler: BatchScheduler;
  pod: PodBuildOptions;
  headServiceClusterIP: boolean;
  randomPodDelete: boolean;
  clearWorkersToDelete: boolean;
  strictValidation: boolean;
  idleRequeueMs: number;
  expectationsTimeoutMs: number;
}

export function resolveOptions(o: RayClusterReconcilerOptions = {}): ResolvedOptions {
  const gates = o.featureGates ?? DEFAULT_FEATURE_GATES;
  const scheduler = typeof o.batchScheduler === 'object' ? o.batchScheduler : createBatchScheduler(o.batchScheduler);
  return {
    name: o.name ?? 'raycluster',
    gates,
    scheduler,
    pod: { ...(o.pod ?? {}), featureGates: o.pod?.featureGates ?? gates },
    headServiceClusterIP: o.headServiceClusterIP ?? false,
    randomPodDelete: o.randomPodDelete ?? false,
    clearWorkersToDelete: o.clearWorkersToDelete ?? true,
    strictValidation: o.strictValidation ?? false,
    idleRequeueMs: o.idleRequeueMs ?? IDLE_REQUEUE_MS,
    expectationsTimeoutMs: o.expectationsTimeoutMs ?? EXPECTATIONS_TIMEOUT_MS,
  };
}

/** Everything a reconcile step is handed. */
export interface RayClusterEnv {
  ctx: ReconcileContext;
  options: ResolvedOptions;
  expectations: ScaleExpectations;
}

/** The RayClusterReplicaFailure reasons (KubeRay's utils.ErrFailed*). */
export type ReplicaFailureReason = Extract<
  RayClusterConditionReason,
  'FailedDeleteAllPods' | 'FailedDeleteHeadPod' | 'FailedCreateHeadPod' | 'FailedDeleteWorkerPod' | 'FailedCreateWorkerPod'
>;

/**
 * A step could not finish: the remaining steps are skipped, the status still gets computed (with
 * ReplicaFailure when `replicaFailure` is set) and the cluster is requeued after 2 s.
 */
export class RayClusterStepError extends Error {
  constructor(
    message: string,
    readonly replicaFailure?: ReplicaFailureReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RayClusterStepError';
  }
}

/** Wraps an API failure of a pod write so the status can say which kind of write failed. */
export function replicaFailure(reason: ReplicaFailureReason, err: unknown): RayClusterStepError {
  const msg = err instanceof Error ? err.message : String(err);
  return new RayClusterStepError(`${reason}\n${msg}`, reason, { cause: err });
}
