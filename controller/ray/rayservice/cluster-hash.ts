// Which RayService spec changes need a new RayCluster: KubeRay hashes the cluster spec with the
// fields that must not trigger one muted (replicas, min/max replicas, workersToDelete — the
// autoscaler changes them —, tolerations and scheduling gates — Kueue injects them —, the
// cluster upgradeStrategy, suspend) and stores the hash in the cluster's
// ray.io/hash-without-replicas-and-workers-to-delete annotation, next to
// ray.io/num-worker-groups. A spec whose hash matches is the same cluster; one whose first
// `num-worker-groups` groups hash the same only appended worker groups (updated in place).
//
// KubeRay hashes Go's JSON of its structs (field order of the Go types); this hashes a canonical
// JSON (sorted keys, no undefined), so the values differ from KubeRay's: a cluster KubeRay made is
// seen as changed once (one extra upgrade when moving an existing RayService to raysim).

import { createHash } from 'node:crypto';
import type { PodTemplateSpec, RayCluster, RayClusterSpec, RayService } from '../../api/types.js';
import { HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY, NUM_WORKER_GROUPS_KEY } from '../../api/constants.js';

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

const BASE32_HEX = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

/** Go's base32.HexEncoding (RFC 4648 "base32hex", upper case, padded). */
export function base32Hex(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_HEX[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_HEX[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** KubeRay's GenerateJsonHash over canonical JSON: SHA-1, base32hex. */
export function jsonHash(v: unknown): string {
  return base32Hex(createHash('sha1').update(canonicalJson(v)).digest());
}

function muteTemplate(t: PodTemplateSpec | undefined): void {
  if (!t?.spec) return;
  delete t.spec.tolerations;
  delete t.spec.schedulingGates;
}

/** utils.GenerateHashWithoutReplicasAndWorkersToDelete. */
export function hashWithoutReplicasAndWorkersToDelete(spec: RayClusterSpec): string {
  const s = structuredClone(spec);
  muteTemplate(s.headGroupSpec?.template);
  for (const g of s.workerGroupSpecs ?? []) {
    delete g.replicas;
    delete g.minReplicas;
    delete g.maxReplicas;
    if (g.scaleStrategy) {
      delete g.scaleStrategy.workersToDelete;
      // `{}` and absent hash the same (Go always writes the struct).
      if (Object.keys(g.scaleStrategy).length === 0) delete g.scaleStrategy;
    }
    muteTemplate(g.template);
  }
  // Go's omitempty: an empty list is not written (a partial comparison with 0 groups relies on it).
  if (s.workerGroupSpecs?.length === 0) delete s.workerGroupSpecs;
  delete s.upgradeStrategy;
  return jsonHash(s);
}

/** rayClusterSpecForHashing: a copy of the RayService's cluster spec without suspend (propagated only at creation). */
export function rayClusterSpecForHashing(svc: RayService): RayClusterSpec {
  const spec = structuredClone(svc.spec.rayClusterConfig);
  delete spec.suspend;
  return spec;
}

/** The hash annotation a cluster for this RayService carries. */
export function rayServiceClusterHash(svc: RayService): string {
  return hashWithoutReplicasAndWorkersToDelete(rayClusterSpecForHashing(svc));
}

/**
 * isClusterSpecHashEqual: whether the cluster was made from this RayService's cluster spec.
 * `partial`: compare only the first ray.io/num-worker-groups worker groups of the RayService, so
 * worker groups appended at the end still count as equal. With fewer groups in the RayService than
 * in the cluster it is not equal; without a readable annotation it is (KubeRay's choice: such a
 * cluster is updated in place rather than replaced).
 */
export function isClusterSpecHashEqual(svc: RayService, cluster: RayCluster, partial: boolean): boolean {
  const clusterHash = cluster.metadata.annotations?.[HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY] ?? '';
  const goal = rayClusterSpecForHashing(svc);
  if (!partial) return clusterHash === hashWithoutReplicasAndWorkersToDelete(goal);
  const n = Number(cluster.metadata.annotations?.[NUM_WORKER_GROUPS_KEY]);
  const groups = goal.workerGroupSpecs ?? [];
  if (!Number.isInteger(n) || n < 0 || cluster.metadata.annotations?.[NUM_WORKER_GROUPS_KEY] === '') return true;
  if (groups.length < n) return clusterHash === '';
  goal.workerGroupSpecs = groups.slice(0, n);
  return clusterHash === hashWithoutReplicasAndWorkersToDelete(goal);
}
