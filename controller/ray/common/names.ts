// The names KubeRay gives the objects it creates. Users and tools (kubectl, dashboards, scripts)
// find objects by these names, so they must match KubeRay's exactly. Random suffixes come from
// the injected Rng, never Math.random, so simulated runs are reproducible.

import type { Rng } from '../../../sim/core/clock.js';

/** Kubernetes' alphabet for generated suffixes (no vowels, no confusable characters). */
export const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(rng: Rng, n = 5): string {
  return rng.string(n, SUFFIX_ALPHABET);
}

/** KubeRay's MaxRayClusterNameLength: leaves room for the suffixes of pods and services. */
export const MAX_RAYCLUSTER_NAME_LENGTH = 53;

/** `<cluster>-head-svc`; KubeRay shortens long cluster names so the service name stays a DNS label. */
export function headServiceName(cluster: string): string {
  const suffix = '-head-svc';
  const max = 63 - suffix.length;
  return `${cluster.length > max ? cluster.slice(0, max) : cluster}${suffix}`;
}

/** `<cluster>-headless`: the headless service multi-host worker groups use. */
export function headlessServiceName(cluster: string): string {
  return `${cluster.slice(0, 63 - '-headless'.length)}-headless`;
}

/** `<rayservice>-serve-svc`. */
export function serveServiceName(rayService: string): string {
  return `${rayService.slice(0, 63 - '-serve-svc'.length)}-serve-svc`;
}

/** generateName prefix of a head pod: `<cluster>-head-`. */
export function headPodPrefix(cluster: string): string {
  return `${cluster}-head-`;
}

/** generateName prefix of a worker pod: `<cluster>-<group>-worker-`. */
export function workerPodPrefix(cluster: string, group: string): string {
  return `${cluster}-${group}-worker-`;
}

/** The RayCluster a RayJob or RayService creates: `<owner>-<5 random>`, shortened to fit. */
export function generatedClusterName(owner: string, rng: Rng): string {
  const base = owner.length > MAX_RAYCLUSTER_NAME_LENGTH - 6 ? owner.slice(0, MAX_RAYCLUSTER_NAME_LENGTH - 6) : owner;
  return `${base}-${randomSuffix(rng)}`;
}

/** A RayJob's jobId when the user sets none: `<rayjob>-<5 random>`. */
export function generatedJobId(rayJob: string, rng: Rng): string {
  return `${rayJob}-${randomSuffix(rng)}`;
}

/** The dashboard address KubeRay uses from inside the cluster. */
export function dashboardUrl(cluster: string, namespace: string, port = 8265): string {
  return `http://${headServiceName(cluster)}.${namespace}.svc.cluster.local:${port}`;
}

/** Volcano PodGroup of a RayCluster: `ray-<cluster>-pg`. */
export function podGroupName(cluster: string): string {
  return `ray-${cluster}-pg`;
}
