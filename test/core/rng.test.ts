import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng, exponential, lognormal, normal, pick, weighted, type Rng } from '../../sim/core/index.js';

const draws = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.next());
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};

describe('createRng', () => {
  it('is deterministic for a seed, and 42 and "42" are the same seed', () => {
    expect(draws(createRng('42'), 20)).toEqual(draws(createRng('42'), 20));
    expect(draws(createRng(42), 20)).toEqual(draws(createRng('42'), 20));
    const a = createRng('s');
    const b = createRng('s');
    expect([a.int(0, 100), a.string(8, 'abc'), a.uuid()]).toEqual([b.int(0, 100), b.string(8, 'abc'), b.uuid()]);
  });

  it('gives different streams for different seeds', () => {
    expect(draws(createRng('42'), 5)).not.toEqual(draws(createRng('43'), 5));
    expect(draws(createRng(1), 5)).not.toEqual(draws(createRng(2), 5));
  });

  it('next is in [0, 1)', () => {
    const xs = draws(createRng('range'), 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('a fork does not depend on draws from its parent or siblings', () => {
    const fresh = createRng('42').fork('kubelet');
    const busyParent = createRng('42');
    draws(busyParent, 1000);
    busyParent.fork('scheduler').next();
    const late = busyParent.fork('kubelet');
    expect(draws(late, 10)).toEqual(draws(fresh, 10));
  });

  it('a fork is named by its full path', () => {
    const nested = createRng('42').fork('kubelet').fork('node-3');
    expect(draws(nested, 5)).toEqual(draws(createRng('42/kubelet/node-3'), 5));
    expect(draws(createRng('42').fork('kubelet').fork('node-4'), 5)).not.toEqual(draws(createRng('42/kubelet/node-3'), 5));
  });

  it('a fork differs from its parent and from siblings', () => {
    const root = createRng('42');
    const a = draws(root.fork('a'), 5);
    expect(a).not.toEqual(draws(createRng('42'), 5));
    expect(a).not.toEqual(draws(createRng('42').fork('b'), 5));
  });

  it('int covers [lo, hi] inclusive and nothing else', () => {
    const rng = createRng('int');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = rng.int(-2, 3);
      expect(Number.isInteger(x)).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(rng.int(7, 7)).toBe(7);
    const big = rng.int(0, 2 ** 40);
    expect(big).toBeGreaterThanOrEqual(0);
    expect(big).toBeLessThanOrEqual(2 ** 40);
  });

  it('int stays in range for arbitrary bounds (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: -1e9, max: 1e9 }), fc.nat({ max: 1e9 }), (seed, lo, w) => {
        const x = createRng(seed).int(lo, lo + w);
        return Number.isInteger(x) && x >= lo && x <= lo + w;
      }),
    );
  });

  it('string draws from the alphabet', () => {
    const s = createRng('str').string(200, 'abc0');
    expect(s).toMatch(/^[abc0]{200}$/);
    expect(createRng('str').string(0, 'x')).toBe('');
  });

  it('uuid is v4-shaped lowercase hex and unique within a stream', () => {
    const rng = createRng('uuid');
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const u = rng.uuid();
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(u);
    }
    expect(seen.size).toBe(1000);
  });

  it.each([
    ['int with lo > hi', () => createRng(1).int(3, 2)],
    ['int with a fraction', () => createRng(1).int(0, 2.5)],
    ['string with empty alphabet', () => createRng(1).string(3, '')],
    ['string with negative length', () => createRng(1).string(-1, 'a')],
    ['fork with empty label', () => createRng(1).fork('')],
    ['NaN seed', () => createRng(NaN)],
    ['exponential with rate 0', () => exponential(createRng(1), 0)],
    ['normal with negative sd', () => normal(createRng(1), 0, -1)],
    ['pick from empty', () => pick(createRng(1), [])],
    ['weighted with negative weight', () => weighted(createRng(1), [{ weight: -1, value: 'a' }])],
    ['weighted with all-zero weights', () => weighted(createRng(1), [{ weight: 0, value: 'a' }])],
  ])('misuse throws: %s', (_name, f) => {
    expect(f).toThrow(RangeError);
  });
});

describe('distributions', () => {
  const N = 20_000;

  it('uniform: mean 1/2, variance 1/12', () => {
    const xs = draws(createRng('dist'), N);
    expect(mean(xs)).toBeCloseTo(0.5, 2);
    expect(variance(xs)).toBeCloseTo(1 / 12, 2);
  });

  it('exponential: mean 1/rate, never negative', () => {
    const rng = createRng('dist').fork('exp');
    const xs = Array.from({ length: N }, () => exponential(rng, 4));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(mean(xs) - 0.25)).toBeLessThan(0.25 * 0.03);
  });

  it('normal: mean and sd', () => {
    const rng = createRng('dist').fork('normal');
    const xs = Array.from({ length: N }, () => normal(rng, 10, 2));
    expect(Math.abs(mean(xs) - 10)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance(xs)) - 2)).toBeLessThan(0.05);
  });

  it('lognormal: median exp(mu), mean exp(mu + sigma^2 / 2)', () => {
    const rng = createRng('dist').fork('lognormal');
    const xs = Array.from({ length: N }, () => lognormal(rng, 1, 0.5));
    const sorted = [...xs].sort((a, b) => a - b);
    expect(Math.abs(sorted[N / 2]! - Math.E) / Math.E).toBeLessThan(0.03);
    const expected = Math.exp(1 + 0.125);
    expect(Math.abs(mean(xs) - expected) / expected).toBeLessThan(0.03);
  });

  it('pick is roughly uniform over the array', () => {
    const rng = createRng('dist').fork('pick');
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const x = pick(rng, ['a', 'b', 'c', 'd']);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    for (const k of ['a', 'b', 'c', 'd']) expect(Math.abs(counts.get(k)! / N - 0.25)).toBeLessThan(0.02);
  });

  it('weighted follows the weights and never picks a zero weight', () => {
    const rng = createRng('dist').fork('weighted');
    const items = [
      { weight: 1, value: 'a' },
      { weight: 0, value: 'never' },
      { weight: 3, value: 'b' },
    ];
    const counts = { a: 0, never: 0, b: 0 };
    for (let i = 0; i < N; i++) counts[weighted(rng, items) as keyof typeof counts]++;
    expect(counts.never).toBe(0);
    expect(Math.abs(counts.b / N - 0.75)).toBeLessThan(0.02);
  });
});
