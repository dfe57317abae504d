import { describe, expect, it } from 'vitest';
import { closest, didYouMean, levenshtein } from '../../scenarios/did-you-mean.js';
import { formatDuration, parseDuration } from '../../scenarios/duration.js';

describe('durations', () => {
  it.each([
    [90, 90_000],
    [0.5, 500],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
  ] as const)('%s -> %d ms', (v, ms) => expect(parseDuration(v)).toBe(ms));

  it.each([['5 minutes'], ['5'], ['-1s'], ['1h 30m'], ['m'], [''], [-1], [Infinity], [true], [null]] as const)('rejects %s', (v) => {
    expect(parseDuration(v)).toBeUndefined();
  });

  it('formats the shortest exact form', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(2_592_000_000)).toBe('30d');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('did you mean', () => {
  it('edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests close words and prefixes, nothing for unrelated ones', () => {
    expect(closest('durration', ['name', 'duration', 'seed'])).toBe('duration');
    expect(closest('Duration', ['name', 'duration'])).toBe('duration');
    expect(closest('goodput', ['goodput_pct', 'jct_p95_s'])).toBe('goodput_pct');
    expect(closest('frobnicate', ['batchScheduler', 'admission'])).toBeUndefined();
    expect(didYouMean('lognorm', ['lognormal', 'uniform'])).toBe("; did you mean 'lognormal'?");
    expect(didYouMean('zzz', ['lognormal'])).toBe('');
  });
});
