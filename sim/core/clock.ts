// Time and randomness are passed in: nothing in controller/ or policies/ reads the wall clock or
// Math.random. These are the two interfaces every component receives.

/** Milliseconds since the Unix epoch, as the component's world sees it (virtual in simulation). */
export interface Clock {
  now(): number;
}

/** A seeded random stream. `fork(label)` gives an independent stream so that a new draw in one
 * component never shifts another component's numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** n characters drawn from alphabet. */
  string(n: number, alphabet: string): string;
  /** An RFC 4122 version-4-shaped UUID drawn from this stream. */
  uuid(): string;
  fork(label: string): Rng;
}

/** Kubernetes' RFC 3339 timestamp with second precision: "2026-01-01T00:00:00Z". */
export function rfc3339(ms: number): string {
  // Every write stamps a time and most land in the same second: format each second once.
  const s = Math.floor(ms / 1000);
  if (s !== lastSecond) {
    lastSecond = s;
    lastText = new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}
let lastSecond = NaN;
let lastText = '';
