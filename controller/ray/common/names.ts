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

/**
 * KubeRay's PodName: `<prefix>-<nodeType>` (plus "-" for a generateName), the prefix cut to 50
 * characters so that "-worker-" and the 5 generated characters still fit in 63, lower-cased.
 */
export function podName(prefix: string, nodeType: 'head' | 'worker', generate = true): string {
  const name = `${prefix.slice(0, MAX_POD_NAME_PREFIX_LENGTH)}-${nodeType}`.toLowerCase();
  return generate ? `${name}-` : name;
}

/** 63 - len("-worker-") - 5 generated characters. */
export const MAX_POD_NAME_PREFIX_LENGTH = 50;

/** generateName prefix of a head pod: `<cluster>-head-`. */
export function headPodPrefix(cluster: string): string {
  return podName(cluster, 'head');
}

/** generateName prefix of a worker pod: `<cluster>-<group>-worker-`. */
export function workerPodPrefix(cluster: string, group: string): string {
  return podName(`${cluster}-${group}`, 'worker');
}

/**
 * KubeRay's CheckName, for names of objects derived from a cluster name (service accounts, roles):
 * keep the last 50 characters, and never start with a digit or punctuation ("r" replaces it).
 */
export function checkName(s: string): string {
  let out = s.length > MAX_POD_NAME_PREFIX_LENGTH ? s.slice(s.length - MAX_POD_NAME_PREFIX_LENGTH) : s;
  if (out.length > 0 && (/^[0-9]/.test(out) || /^[\p{P}]/u.test(out))) out = `r${out.slice(1)}`;
  return out;
}

/** KubeRay's CheckLabel: a label value of at most 63 characters (the last 63) not starting with punctuation. */
export function checkLabel(s: string): string {
  let out = s.length > 63 ? s.slice(s.length - 63) : s;
  if (out.length > 0 && /^[\p{P}]/u.test(out)) out = `r${out.slice(1)}`;
  return out;
}

/** Value of the ray.io/identifier label: `<cluster>-head` / `<cluster>-worker`. */
export function rayNodeIdentifier(cluster: string, nodeType: 'head' | 'worker'): string {
  return checkLabel(`${cluster}-${nodeType}`);
}

/** The cluster DNS domain KubeRay assumes (CLUSTER_DOMAIN overrides it upstream). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * The head service's fully qualified name, which workers join: `<svc>.<ns>.svc.cluster.local`.
 * `service` is the head service name (headGroupSpec.headService.metadata.name when the user names it).
 */
export function headServiceFqdn(service: string, namespace: string, domain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${service}.${namespace}.svc.${domain}`;
}

/** RAY_IP, the first label of the FQDN (kept by KubeRay for backward compatibility). */
export function rayIpFromFqdn(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}

/** A multi-host replica's name: `<group>-<5 random>` (KubeRay's GenerateRayWorkerReplicaGroupName). */
export function workerReplicaName(group: string, rng: Rng): string {
  return `${group}-${randomSuffix(rng)}`;
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
