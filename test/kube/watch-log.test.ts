// The watch window: fixed, or sized as kube-apiserver's watch cache (grow while the oldest change
// is fresh, shrink once the newest quarter is stale). Sequence numbers are absolute, so a watcher's
// cursor survives every resize.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { WatchLog, type WindowSizing } from '../../sim/kube/watch-log.js';
import { harness } from './fixtures.js';

const obj = (i: number) => ({ metadata: { name: `o${i}`, uid: `u${i}` } }) as KubeObject;
let rv = 0;
const entry = (at: number) => ({ rv: ++rv, type: 'ADDED' as const, object: obj(rv), at });

describe('WatchLog', () => {
  it('a fixed window keeps the last N changes and never resizes', () => {
    const log = new WatchLog(4);
    const rvs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const e = entry(0);
      rvs.push(e.rv);
      log.append(e);
    }
    expect(log.capacity).toBe(4);
    expect([log.start, log.end]).toEqual([6, 10]);
    expect(log.covers(rvs[5]!)).toBe(true);
    expect(log.covers(rvs[4]!)).toBe(false);
  });

  it('grows while the oldest change is fresh, up to max', () => {
    const log = new WatchLog({ min: 4, max: 16, freshMs: 10 });
    for (let i = 0; i < 12; i++) log.append(entry(5));
    expect(log.capacity).toBe(16);
    expect(log.start).toBe(0);
    for (let i = 0; i < 10; i++) log.append(entry(5));
    expect(log.capacity).toBe(16);
    expect([log.start, log.end]).toEqual([6, 22]);
  });

  it('a full window whose newest quarter is stale halves and keeps the newest changes', () => {
    const log = new WatchLog({ min: 4, max: 64, freshMs: 10 });
    const first: number[] = [];
    for (let i = 0; i < 16; i++) {
      const e = entry(0);
      first.push(e.rv);
      log.append(e);
    }
    expect(log.capacity).toBe(16);
    const late = entry(100);
    log.append(late);
    expect(log.capacity).toBe(8);
    // Kept the newest 8 of the first 16, then the append evicted the oldest of those.
    expect([log.start, log.end]).toEqual([9, 17]);
    expect(log.at(16)).toBe(late);
    expect(log.covers(first[8]!)).toBe(true);
    expect(log.covers(first[7]!)).toBe(false);
    // Stays at the lower bound once reached.
    for (let i = 0; i < 40; i++) log.append(entry(1000 + i * 100));
    expect(log.capacity).toBe(4);
  });

  it('property: never evicts a fresh change below max; cursors stay valid; capacity within bounds', () => {
    fc.assert(
      fc.property(
        // min >= 4: below that a quarter of the window rounds to nothing (kube-apiserver's bound is 100).
        fc.record({ min: fc.integer({ min: 4, max: 8 }), extra: fc.integer({ min: 0, max: 5 }), freshMs: fc.integer({ min: 1, max: 50 }) }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 400 }),
        ({ min, extra, freshMs }, gaps) => {
          const sizing: WindowSizing = { min, max: min << extra, freshMs };
          const log = new WatchLog(sizing);
          const all: ReturnType<typeof entry>[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            const e = entry(t);
            all.push(e);
            log.append(e);
            expect(log.capacity).toBeGreaterThanOrEqual(sizing.min);
            expect(log.capacity).toBeLessThanOrEqual(sizing.max);
            expect(log.end).toBe(all.length);
            expect(log.end - log.start).toBeLessThanOrEqual(log.capacity);
            for (let s = log.start; s < log.end; s++) expect(log.at(s)).toBe(all[s]);
            const evicted = all.slice(0, log.start);
            if (log.capacity < sizing.max) for (const x of evicted) expect(t - x.at).toBeGreaterThanOrEqual(freshMs);
            if (log.start > 0) {
              expect(log.covers(all[log.start - 1]!.rv)).toBe(true);
              if (log.start > 1) expect(log.covers(all[log.start - 2]!.rv)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the store window sized as kube-apiserver watch cache (default)', () => {
  it('a watch resumes across a burst of changes within 75 s, and not once quiet changes have filled the window', () => {
    const { store, rt, advance } = harness();
    const first = store.create(rt.configmaps, { metadata: { name: 'a', namespace: 'default' } } as KubeObject);
    // 500 changes in one instant: the window grows to hold them all.
    for (let i = 0; i < 500; i++) store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { i: String(i) } });
    expect(() => store.watch(rt.configmaps, { resourceVersion: first.metadata.resourceVersion }, { event() {}, closed() {} })).not.toThrow();
    // Then quiet changes a minute apart. As in kube-apiserver, the window shrinks only when full,
    // so the burst stays until the quiet changes fill the grown window; then it halves to 100.
    for (let i = 0; i < 1000; i++) {
      advance(60_000);
      store.patch(rt.configmaps, 'default', 'a', 'merge', { data: { j: String(i) } });
    }
    expect(() => store.watch(rt.configmaps, { resourceVersion: first.metadata.resourceVersion }, { event() {}, closed() {} })).toThrow(/too old resource version/);
  });
});
