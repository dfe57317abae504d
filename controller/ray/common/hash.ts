// KubeRay's GenerateHashWithoutReplicasAndWorkersToDelete, for both places KubeRay uses it:
//   - the RayCluster controller's upgradeStrategy Recreate: the hash is stored on the head pod
//     (ray.io/upgrade-strategy-recreate-hash); when the spec's hash differs, every pod is recreated;
//   - the RayService controller: the hash of its cluster spec is stored on the RayCluster
//     (ray.io/hash-without-replicas-and-workers-to-delete); a spec whose hash differs needs a new
//     cluster (controller/ray/rayservice/cluster-hash.ts).
// The RayCluster spec is hashed without what autoscalers and queueing systems change on a running
// cluster (replicas, min/maxReplicas, workersToDelete — the autoscaler changes them —,
// tolerations and schedulingGates — Kueue injects them —) and without upgradeStrategy itself, as
// SHA-1 in base32hex.
//
// KubeRay hashes Go's JSON of its structs (field order of the Go types); this hashes a canonical
// JSON (sorted keys, null and undefined members left out, as Go's omitempty drops nil fields), so
// the values are raysim's own, not byte-equal to Go's: a cluster KubeRay made is seen as changed
// once (one extra upgrade or recreate when moving an existing cluster to raysim).

import { createHash } from 'node:crypto';
import type { PodTemplateSpec, RayClusterSpec } from '../../api/types.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** JSON with object keys sorted at every level; undefined and null members left out. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined && o[k] !== null)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** canonicalJson(a) === canonicalJson(b), without building the strings. */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn;
  if (typeof a !== 'object' || typeof b !== 'object') return typeof a === typeof b && JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!canonicalEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let na = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined || v === null) continue;
    na++;
    if (!canonicalEqual(v, bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined && bo[k] !== null) nb++;
  return na === nb;
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

/** The spec with the muted fields removed (a copy). */
export function specWithoutScaleFields(spec: RayClusterSpec): RayClusterSpec {
  const s = deepClone(spec);
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
  // Go's omitempty: an empty list is not written (the RayService's partial comparison with 0
  // groups relies on it).
  if (s.workerGroupSpecs?.length === 0) delete s.workerGroupSpecs;
  delete s.upgradeStrategy;
  return s;
}

/** utils.GenerateHashWithoutReplicasAndWorkersToDelete. */
export function hashWithoutReplicasAndWorkersToDelete(spec: RayClusterSpec): string {
  return jsonHash(specWithoutScaleFields(spec));
}
