// The hash upgradeStrategy Recreate compares (KubeRay's GenerateHashWithoutReplicasAndWorkersToDelete):
// the RayCluster spec without what autoscalers and queueing systems change on a running cluster
// (replicas, min/maxReplicas, workersToDelete, tolerations and schedulingGates injected by Kueue)
// and without upgradeStrategy itself, as SHA-1 in base32hex. It is stored on the head pod
// (ray.io/upgrade-strategy-recreate-hash); when the spec's hash differs, every pod is recreated.
// Serialisation is canonical JSON (sorted keys, empty scaleStrategy dropped), so the value is
// raysim's own, not byte-equal to Go's.

import { createHash } from 'node:crypto';
import type { RayClusterSpec } from '../../api/raycluster-types.js';

const BASE32HEX = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

/** RFC 4648 base32 with the extended-hex alphabet (Go's base32.HexEncoding), with padding. */
export function base32hex(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** JSON with object keys sorted at every level; undefined and null members dropped. */
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

/** The spec with the muted fields removed (a copy). */
export function specWithoutScaleFields(spec: RayClusterSpec): RayClusterSpec {
  const s = structuredClone(spec);
  const mute = (tpl: { spec?: { tolerations?: unknown; schedulingGates?: unknown } } | undefined): void => {
    if (!tpl?.spec) return;
    delete tpl.spec.tolerations;
    delete tpl.spec.schedulingGates;
  };
  mute(s.headGroupSpec?.template);
  for (const g of s.workerGroupSpecs ?? []) {
    delete g.replicas;
    delete g.minReplicas;
    delete g.maxReplicas;
    if (g.scaleStrategy) {
      delete g.scaleStrategy.workersToDelete;
      if (Object.keys(g.scaleStrategy).length === 0) delete g.scaleStrategy;
    }
    mute(g.template);
  }
  delete s.upgradeStrategy;
  return s;
}

export function clusterSpecHash(spec: RayClusterSpec): string {
  const digest = createHash('sha1').update(canonicalJson(specWithoutScaleFields(spec))).digest();
  return base32hex(digest);
}
