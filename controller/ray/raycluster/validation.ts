// The checks KubeRay makes before reconciling a RayCluster, in its order: metadata, spec, the
// autoscaler-v1 restartPolicy warning, upgrade strategy, status. A failure is a Warning event and
// no requeue (the user must fix the object; its next change triggers a reconcile), except an
// invalid status, which is requeued after 2 s. Pure: returns what to report.

import type { RayCluster } from '../../api/raycluster-types.js';
import { EventReason } from '../../api/constants.js';
import { isAutoscalingEnabled } from '../../api/defaults.js';
import type { FeatureGates } from '../../api/features.js';
import {
  problemsMessage,
  validateRayClusterMetadata,
  validateRayClusterSpec,
  validateRayClusterStatus,
  validateRayClusterUpgradeOptions,
} from '../../api/validation.js';
import type { EventType } from '../../runtime/reconciler.js';

export interface ValidationFinding {
  type: EventType;
  reason: EventReason;
  message: string;
  /** Stop this reconcile (a warning lets it go on). */
  stop: boolean;
  /** Requeue after 2 s (invalid status) instead of waiting for the next change. */
  requeue: boolean;
}

export interface ValidationCheckOptions {
  featureGates?: FeatureGates;
  strict?: boolean;
}

/** Findings in KubeRay's order; the first `stop` one ends the list. Empty means go on. */
export function checkRayCluster(cluster: RayCluster, opts: ValidationCheckOptions = {}): ValidationFinding[] {
  const out: ValidationFinding[] = [];
  const id = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
  const fail = (reason: EventReason, message: string, requeue = false): ValidationFinding[] => {
    out.push({ type: 'Warning', reason, message, stop: true, requeue });
    return out;
  };

  const meta = validateRayClusterMetadata(cluster.metadata);
  if (meta.length) return fail(EventReason.InvalidRayClusterMetadata, `The RayCluster metadata is invalid ${id}: ${problemsMessage(meta)}`);

  const spec = validateRayClusterSpec(cluster.spec, { annotations: cluster.metadata.annotations ?? {}, featureGates: opts.featureGates, strict: opts.strict });
  if (spec.length) return fail(EventReason.InvalidRayClusterSpec, `The RayCluster spec is invalid ${id}: ${problemsMessage(spec)}`);

  if (isAutoscalingEnabled(cluster.spec) && cluster.spec.autoscalerOptions?.version === 'v1') {
    const groups = (cluster.spec.workerGroupSpecs ?? []).filter((g) => g.template?.spec?.restartPolicy && g.template.spec.restartPolicy !== 'Never').map((g) => g.groupName);
    if (groups.length) {
      out.push({
        type: 'Warning',
        reason: EventReason.InvalidRayClusterSpec,
        message: `RayCluster spec warning ${id}: restartPolicy for worker groups [${groups.join(', ')}] should be Never or unset when using autoscaler V1`,
        stop: false,
        requeue: false,
      });
    }
  }

  const upgrade = validateRayClusterUpgradeOptions(cluster);
  if (upgrade.length) return fail(EventReason.InvalidRayClusterSpec, `The RayCluster UpgradeStrategy is invalid ${id}: ${problemsMessage(upgrade)}`);

  const status = validateRayClusterStatus(cluster);
  if (status.length) return fail(EventReason.InvalidRayClusterStatus, `The RayCluster status is invalid ${id}, ${problemsMessage(status)}`, true);
  return out;
}
