// canonicalJson (sorted keys, null/undefined members dropped) and canonicalEqual, which answers
// "same canonical JSON?" without building strings (the RayCluster status comparison uses it).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEqual, canonicalJson } from '../../controller/ray/common/hash.js';

const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, 0, 1, -1, 'a', '', 'b', true, false),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('canonicalEqual', () => {
  it('agrees with comparing canonicalJson strings', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(canonicalEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(canonicalEqual(a, a)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores key order and null or undefined members, not values', () => {
    expect(canonicalEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, d: null, e: undefined })).toBe(true);
    expect(canonicalEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(canonicalEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(canonicalEqual({ a: {} }, { a: [] })).toBe(false);
    expect(canonicalEqual({ a: 1 }, { a: 1, b: 0 })).toBe(false);
  });
});
