import { describe, expect, it } from 'vitest';
import { formatQuantity, parseQuantity, QuantityError, toMilli } from '../../controller/api/quantity.js';

describe('parseQuantity', () => {
  const cases: [string, string | number, number][] = [
    ['plain integer', '16', 16],
    ['number', 8, 8],
    ['milli cpu', '191450m', 191.45],
    ['binary memory', '128Gi', 128 * 2 ** 30],
    ['fractional binary', '1.5Gi', 1.5 * 2 ** 30],
    ['decimal suffix', '2k', 2000],
    ['exponent', '1e3', 1000],
    ['node memory', '1938410Mi', 1938410 * 2 ** 20],
    ['leading dot', '.5', 0.5],
    ['empty', '', 0],
  ];
  for (const [name, input, want] of cases) it(name, () => expect(parseQuantity(input)).toBeCloseTo(want, 6));

  it('rejects what Kubernetes rejects', () => {
    for (const bad of ['abc', '1.2.3', '5Gb', '--1', 'Gi']) expect(() => parseQuantity(bad), bad).toThrow(QuantityError);
  });
});

describe('toMilli and formatQuantity', () => {
  it('gives exact integer milli-units', () => {
    expect(toMilli('191450m')).toBe(191450);
    expect(toMilli('16')).toBe(16000);
    expect(toMilli('0.0001')).toBe(1); // sub-milli rounds up
    expect(toMilli(undefined)).toBe(0);
  });
  it('formats like kubectl', () => {
    expect(formatQuantity(16)).toBe('16');
    expect(formatQuantity(0.5)).toBe('500m');
    expect(formatQuantity(128 * 2 ** 30, 'binary')).toBe('128Gi');
    expect(formatQuantity(1536 * 2 ** 20, 'binary')).toBe('1536Mi');
  });
});
