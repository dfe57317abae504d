// Parked polls (controller/runtime/poll-parking.ts): a reconciler that polls external state and
// says so (Result.poll) is run, with parking, exactly when it would see something new — at the
// same virtual instants as when every 3 s poll runs — and not in between.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PollSourceRegistry } from '../../controller/runtime/poll-sources.js';
import type { Reconciler } from '../../controller/runtime/reconciler.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { CM, cm, dataOf, NS, simEnv } from './sim-env.js';

const PERIOD = 3000;

interface Script {
  /** Virtual ms at which the external value changes (value = index + 1). */
  changes: number[];
  /** Virtual ms at which someone relabels the ConfigMap (a watched change). */
  touches: number[];
  /** A deadline (ms after start) after which the reconciler marks the object expired. */
  deadline?: number;
  /** The reconciler writes on these observed values only (others are seen but ignored). */
  everyValue: boolean;
}

interface Outcome {
  /** [virtual ms, what was written] for every write the reconciler made. */
  writes: Array<[number, string]>;
  reconciles: number;
  parked: number;
}

/** Runs one script with or without parking and reports the reconciler's writes. */
async function run(s: Script, park: boolean, horizon = 120_000): Promise<Outcome> {
  const env = simEnv({ seed: 'parking' });
  const { sim, client } = env;
  const t0 = sim.now();
  const sources = new PollSourceRegistry();
  let value = 0;
  const writes: Array<[number, string]> = [];
  let reconciles = 0;
  const r: Reconciler = {
    name: 'poller',
    for: CM,
    reconcile: async (req, ctx) => {
      reconciles++;
      const obj = ctx.cache.get(CM, req.name, req.namespace);
      if (!obj) return {};
      const data = dataOf(obj) ?? {};
      const now = ctx.clock.now();
      const deadline = s.deadline === undefined ? undefined : t0 + s.deadline;
      const next: Record<string, string> = { ...data };
      if ((s.everyValue || value % 2 === 0) && data.seen !== String(value)) next.seen = String(value);
      if (deadline !== undefined && now >= deadline) next.expired = 'true';
      // A watched change is acted on too (a non-idle reconcile between polls).
      const touch = obj.metadata.labels?.touch;
      if (touch !== undefined) next.touched = touch;
      if (next.seen !== data.seen || next.expired !== data.expired || next.touched !== data.touched) {
        writes.push([now - t0, `seen=${next.seen ?? ''} expired=${next.expired ?? ''} touched=${next.touched ?? ''}`]);
        await ctx.client.update({ ...obj, data: next });
      }
      const poll = deadline !== undefined && data.expired !== 'true' ? { source: 'ext', until: deadline } : { source: 'ext' };
      return { requeueAfterMs: PERIOD, poll };
    },
  };
  const mgr = new SimManager(sim, client, { rng: env.rng.fork('op'), pollSources: park ? sources : undefined });
  mgr.add(r);
  await client.create(cm('x', { data: { seen: '0' } }));
  await mgr.start();
  s.changes.forEach((t, i) =>
    sim.at(t0 + t, () => {
      value = i + 1;
      sources.changed('ext');
    }),
  );
  s.touches.forEach((t, i) => sim.at(t0 + t, () => void client.patch(CM, 'x', NS, { metadata: { labels: { touch: String(i) } } }, 'merge')));
  await sim.run({ until: t0 + horizon });
  return { writes, reconciles, parked: mgr.controller('poller')!.parking?.size ?? 0 };
}

describe('poll parking', () => {
  it('sees a change at the next 3 s grid point, as the unparked poll does, and skips the idle polls', async () => {
    const s: Script = { changes: [10_500, 40_000, 40_001], touches: [], everyValue: true };
    const every = await run(s, false);
    const parked = await run(s, true);
    expect(parked.writes).toEqual(every.writes);
    // The grid starts at the first reconcile (t=0): 10.5 s is seen at 12 s, 40 s at 42 s.
    expect(every.writes.map(([t]) => t)).toEqual([12_000, 42_000]);
    expect(every.reconciles).toBeGreaterThan(40); // 120 s / 3 s polls
    expect(parked.reconciles).toBeLessThan(10);
    expect(parked.parked).toBe(1);
  });

  it('a change exactly at a grid point is seen by that poll', async () => {
    const s: Script = { changes: [9_000], touches: [], everyValue: true };
    expect((await run(s, true)).writes).toEqual((await run(s, false)).writes);
    expect((await run(s, true)).writes[0]![0]).toBe(9_000);
  });

  it('a deadline wakes the poll at the first grid point at or after it', async () => {
    const s: Script = { changes: [], touches: [], deadline: 7_500, everyValue: true };
    const every = await run(s, false);
    const parked = await run(s, true);
    expect(parked.writes).toEqual(every.writes);
    expect(parked.writes).toEqual([[9_000, 'seen=0 expired=true touched=']]);
  });

  it('watched changes in between keep the grid: a write after a touch does not move later polls', async () => {
    const s: Script = { changes: [20_000, 31_000], touches: [4_100, 21_700, 31_000], everyValue: false };
    const every = await run(s, false);
    const parked = await run(s, true);
    expect(parked.writes).toEqual(every.writes);
  });

  it('property: with parking, the writes (what and when) are those of running every poll', async () => {
    const time = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 33 }).map((k) => k * PERIOD));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          changes: fc.array(time, { maxLength: 8 }),
          touches: fc.array(time, { maxLength: 6 }),
          deadline: fc.option(time, { nil: undefined }),
          everyValue: fc.boolean(),
        }),
        async (s) => {
          const every = await run(s, false);
          const parked = await run(s, true);
          expect(parked.writes).toEqual(every.writes);
          expect(parked.reconciles).toBeLessThanOrEqual(every.reconciles);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
