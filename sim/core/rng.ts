import seedrandom from 'seedrandom';
import type { Rng } from './clock.js';

// Generator choice: Alea rather than seedrandom's default ARC4. Every component forks its own
// stream (one per kubelet, per node, per job...), so seeding cost matters: ARC4 runs a 256-byte
// key schedule and discards 256 bytes per seed, while Alea seeds with three hash passes. Alea is
// also several times faster per draw and passes BigCrush; cryptographic strength is not a goal.
// Alea yields 32 bits per draw, which is ample for delays and choices; `int` switches to 53-bit
// draws for ranges too wide for 32 bits.

const HEX = '0123456789abcdef';

class SeededRng implements Rng {
  private readonly prng: seedrandom.PRNG;

  /** `path` is the root seed followed by every fork label, joined by '/'. */
  constructor(readonly path: string) {
    this.prng = seedrandom.alea(path);
  }

  next(): number {
    return this.prng();
  }

  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
      throw new RangeError(`Rng.int: need integers lo <= hi, got [${lo}, ${hi}]`);
    }
    const span = hi - lo + 1;
    const u = span <= 0x100000000 ? this.prng() : this.prng.double();
    return lo + Math.floor(u * span);
  }

  string(n: number, alphabet: string): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Rng.string: length must be a non-negative integer, got ${n}`);
    if (alphabet.length === 0) throw new RangeError('Rng.string: alphabet is empty');
    const k = alphabet.length;
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.prng() * k)];
    return s;
  }

  uuid(): string {
    let s = '';
    // 4 draws x 32 bits = the 16 bytes of a UUID; version and variant bits are then forced.
    for (let w = 0; w < 4; w++) {
      let word = this.prng.int32() >>> 0;
      for (let b = 0; b < 4; b++) {
        const byteIndex = w * 4 + b;
        let byte = (word >>> 24) & 0xff;
        word = (word << 8) >>> 0;
        if (byteIndex === 6) byte = (byte & 0x0f) | 0x40;
        else if (byteIndex === 8) byte = (byte & 0x3f) | 0x80;
        if (byteIndex === 4 || byteIndex === 6 || byteIndex === 8 || byteIndex === 10) s += '-';
        s += HEX[byte >> 4]! + HEX[byte & 0x0f]!;
      }
    }
    return s;
  }

  // Seeding from the path, not from the parent's state, is what makes a fork independent of how
  // many draws the parent (or a sibling fork) has made. A label containing '/' is equivalent to
  // nested forks: fork('a/b') is fork('a').fork('b').
  fork(label: string): Rng {
    if (typeof label !== 'string' || label.length === 0) throw new RangeError('Rng.fork: label must be a non-empty string');
    return new SeededRng(`${this.path}/${label}`);
  }
}

/** A seeded stream. The same seed (string or number; 42 and "42" are the same seed) gives the same draws. */
export function createRng(seed: string | number): Rng {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be finite, got ${seed}`);
  } else if (typeof seed !== 'string') {
    throw new TypeError(`createRng: seed must be a string or number, got ${typeof seed}`);
  }
  return new SeededRng(String(seed));
}

/** Exponentially distributed with the given rate (mean 1/rate), e.g. inter-arrival times. */
export function exponential(rng: Rng, rate: number): number {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`exponential: rate must be a finite number > 0, got ${rate}`);
  // 1 - u lies in (0, 1], so the log is finite.
  return -Math.log(1 - rng.next()) / rate;
}

/** Normally distributed (Box–Muller). Always consumes exactly two draws; the second variate is
 * discarded so the number of draws never depends on hidden cached state. */
export function normal(rng: Rng, mean: number, sd: number): number {
  if (!Number.isFinite(mean) || !(sd >= 0) || !Number.isFinite(sd)) {
    throw new RangeError(`normal: need finite mean and finite sd >= 0, got mean=${mean} sd=${sd}`);
  }
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** exp(N(mu, sigma)); mu and sigma are of the underlying normal, not of the result. */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(normal(rng, mu, sigma));
}

/** A uniformly chosen element. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick: array is empty');
  return items[rng.int(0, items.length - 1)]!;
}

export interface Weighted<T> {
  weight: number;
  value: T;
}

/** A value chosen with probability proportional to its weight. Zero weights are never chosen. */
export function weighted<T>(rng: Rng, items: readonly Weighted<T>[]): T {
  let total = 0;
  for (const it of items) {
    if (!(it.weight >= 0) || !Number.isFinite(it.weight)) {
      throw new RangeError(`weighted: weights must be finite and >= 0, got ${it.weight}`);
    }
    total += it.weight;
  }
  if (!(total > 0)) throw new RangeError('weighted: total weight must be > 0');
  let x = rng.next() * total;
  let last: T | undefined;
  for (const it of items) {
    if (it.weight === 0) continue;
    if (x < it.weight) return it.value;
    x -= it.weight;
    last = it.value;
  }
  // Floating-point rounding can leave x just past the last bucket; it belongs to that bucket
  // (total > 0 guarantees one exists).
  return last as T;
}
