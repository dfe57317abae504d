// KubeRay's feature gates (ray-operator/pkg/features/features.go, v1.7.0) with their defaults.
// Validation consults them the way KubeRay does; the operator is configured with a FeatureGates
// value instead of process-global state.

export type FeatureGate =
  | 'RayClusterStatusConditions'
  | 'RayJobDeletionPolicy'
  | 'RayMultiHostIndexing'
  | 'RayServiceIncrementalUpgrade'
  | 'RayCronJob'
  | 'SidecarSubmitterRestart'
  | 'RayClusterNetworkPolicy'
  | 'GCSFaultToleranceEmbeddedStorage'
  | 'RayClusterMTLS'
  | 'RayClusterHistoryServer'
  | 'KubernetesWAS';

export type FeatureGates = Readonly<Record<FeatureGate, boolean>>;

/** Upstream defaults: Beta gates on, Alpha gates off. */
export const DEFAULT_FEATURE_GATES: FeatureGates = Object.freeze({
  RayClusterStatusConditions: true,
  RayJobDeletionPolicy: true,
  RayMultiHostIndexing: true,
  RayServiceIncrementalUpgrade: true,
  RayCronJob: false,
  SidecarSubmitterRestart: false,
  RayClusterNetworkPolicy: false,
  GCSFaultToleranceEmbeddedStorage: false,
  RayClusterMTLS: false,
  RayClusterHistoryServer: false,
  KubernetesWAS: false,
});

/** The defaults with some gates overridden; unknown names throw, listing the known ones. */
export function featureGates(overrides: Partial<Record<string, boolean>> = {}): FeatureGates {
  const known = Object.keys(DEFAULT_FEATURE_GATES);
  for (const name of Object.keys(overrides)) {
    if (!known.includes(name)) throw new Error(`unknown feature gate "${name}" (known: ${known.join(', ')})`);
  }
  return Object.freeze({ ...DEFAULT_FEATURE_GATES, ...(overrides as Partial<FeatureGates>) });
}
