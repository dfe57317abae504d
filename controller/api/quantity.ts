// Kubernetes resource quantities ("191450m", "16", "128Gi", "1e3", "1.5Gi"). The scheduler and
// status fields add them up on hot paths, so they become plain numbers here: milli-units as
// integers (exact for every quantity a node or pod carries; 2 TiB in milli-bytes is far below
// 2^53). client-node's quantityToScalar mixes number and bigint and throws on "1.5Gi", so we
// parse ourselves, following resource.Quantity's grammar.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

export class QuantityError extends Error {
  constructor(readonly value: unknown) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(value)}`);
    this.name = 'QuantityError';
  }
}

const cache = new Map<string, number>();

/** The quantity in base units (cores, bytes, GPUs) as a float. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null || q === '') return 0;
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new QuantityError(q);
    return q;
  }
  const hit = cache.get(q);
  if (hit !== undefined) return hit;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new QuantityError(q);
  const base = Number(m[1]);
  const value = m[2] !== undefined ? Number(m[1] + m[2]) : base * (m[3] && BINARY[m[3]] !== undefined ? BINARY[m[3]] : DECIMAL[m[3] ?? '']);
  // Quantities repeat endlessly (every pod of a group asks for the same "16"): remember them.
  if (cache.size > 10_000) cache.clear();
  cache.set(q, value);
  return value;
}

/** The quantity in milli-units, rounded up as Kubernetes does for sub-milli values. */
export function toMilli(q: string | number | undefined | null): number {
  const milli = Math.ceil(parseQuantity(q) * 1000 - 1e-9);
  return milli === 0 ? 0 : milli; // never -0
}

/** Formats base units the way `kubectl` and KubeRay's status fields do: "16", "500m", "128Gi". */
export function formatQuantity(value: number, kind: 'decimal' | 'binary' = 'decimal'): string {
  if (value === 0) return '0';
  if (kind === 'binary') {
    for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const unit = BINARY[suffix];
      if (value >= unit && Number.isInteger(value / unit)) return `${value / unit}${suffix}`;
    }
    return String(Math.round(value));
  }
  if (Number.isInteger(value)) return String(value);
  const milli = Math.round(value * 1000);
  return `${milli}m`;
}
