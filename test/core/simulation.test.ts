import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_START_TIME,
  EventHeap,
  PRIORITY_ORDER,
  Simulation,
  SimulationError,
  type HeapEntry,
  type Priority,
  type Timers,
} from '../../sim/core/index.js';

const T0 = DEFAULT_START_TIME;

describe('Simulation', () => {
  it('starts at 2026-01-01T00:00:00Z by default, or at the given time', () => {
    expect(new Simulation().now()).toBe(Date.UTC(2026, 0, 1));
    const sim = new Simulation({ startTime: 1000 });
    expect(sim.now()).toBe(1000);
    expect(sim.elapsed()).toBe(0);
  });

  it('runs events in time order and advances the clock to each', async () => {
    const sim = new Simulation();
    const seen: [string, number][] = [];
    sim.after(30, () => void seen.push(['c', sim.elapsed()]));
    sim.after(10, () => void seen.push(['a', sim.elapsed()]));
    sim.at(T0 + 20, () => void seen.push(['b', sim.elapsed()]));
    const r = await sim.run();
    expect(seen).toEqual([['a', 10], ['b', 20], ['c', 30]]);
    expect(r).toEqual({ eventsRun: 3, stoppedBy: 'empty', now: T0 + 30 });
    expect(sim.eventsRun).toBe(3);
  });

  it('runs urgent before normal before low at equal time, whatever the insertion order', async () => {
    const sim = new Simulation();
    const seen: Priority[] = [];
    for (const p of ['low', 'normal', 'urgent', 'low', 'urgent'] as Priority[]) {
      sim.after(5, () => void seen.push(p), { priority: p });
    }
    await sim.run();
    expect(seen).toEqual(['urgent', 'urgent', 'normal', 'low', 'low']);
    expect(PRIORITY_ORDER.urgent).toBeLessThan(PRIORITY_ORDER.normal);
  });

  it('runs ties at equal time and priority FIFO', async () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) sim.after(7, () => void seen.push(i));
    await sim.run();
    expect(seen).toEqual([...Array(100).keys()]);
  });

  it('an event scheduled for now by a running event runs after those already due', async () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.after(1, () => {
      seen.push('a');
      sim.after(0, () => void seen.push('a-child'));
    });
    sim.after(1, () => void seen.push('b'));
    await sim.run();
    expect(seen).toEqual(['a', 'b', 'a-child']);
  });

  it('cancel before firing prevents the event and reports true; after firing reports false', async () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const a = sim.after(10, () => void seen.push('a'), { label: 'a' });
    const b = sim.after(20, () => void seen.push('b'), { label: 'b' });
    expect(a).toMatchObject({ time: T0 + 10, label: 'a' });
    expect(a.id).not.toBe(b.id);
    expect(sim.pending()).toBe(2);
    expect(sim.cancel(a)).toBe(true);
    expect(sim.cancel(a)).toBe(false);
    expect(sim.pending()).toBe(1);
    await sim.run();
    expect(seen).toEqual(['b']);
    expect(sim.cancel(b)).toBe(false);
  });

  it('a handle from another simulation or a forged handle cancels nothing', () => {
    const s1 = new Simulation();
    const s2 = new Simulation();
    const h = s1.after(1, () => {});
    s2.after(1, () => {});
    expect(s2.cancel(h)).toBe(false);
    expect(s2.cancel({ id: h.id, time: h.time, label: h.label })).toBe(false);
    expect(s2.pending()).toBe(1);
    expect(s1.pending()).toBe(1);
  });

  it('an event can cancel a later event at the same time', async () => {
    const sim = new Simulation();
    const seen: string[] = [];
    let b: ReturnType<Simulation['after']> | undefined;
    sim.after(5, () => {
      seen.push('a');
      expect(sim.cancel(b!)).toBe(true);
    });
    b = sim.after(5, () => void seen.push('b'));
    sim.after(5, () => void seen.push('c'));
    await sim.run();
    expect(seen).toEqual(['a', 'c']);
  });

  it('settle runs only events due now, including ones they schedule for now', async () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.after(0, () => {
      seen.push('now-1');
      sim.after(0, () => void seen.push('now-2'));
      sim.after(1, () => void seen.push('later'));
    });
    sim.after(5, () => void seen.push('later-2'));
    expect(await sim.settle()).toBe(2);
    expect(seen).toEqual(['now-1', 'now-2']);
    expect(sim.now()).toBe(T0);
    expect(sim.pending()).toBe(2);
    expect(await sim.settle()).toBe(0);
  });

  it('step runs one event and reports false when empty', async () => {
    const sim = new Simulation();
    const seen: number[] = [];
    sim.after(3, () => void seen.push(1));
    sim.after(4, () => void seen.push(2));
    expect(await sim.step()).toBe(true);
    expect(seen).toEqual([1]);
    expect(sim.elapsed()).toBe(3);
    expect(await sim.step()).toBe(true);
    expect(await sim.step()).toBe(false);
    expect(sim.elapsed()).toBe(4);
  });

  it('run with until runs events at until, stops before later ones, and leaves the clock at until', async () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (const d of [10, 50, 100, 101]) sim.after(d, () => void seen.push(d));
    const r = await sim.run({ until: T0 + 75 });
    expect(r).toEqual({ eventsRun: 2, stoppedBy: 'until', now: T0 + 75 });
    expect(sim.now()).toBe(T0 + 75);
    const r2 = await sim.run({ until: T0 + 100 });
    expect(r2).toEqual({ eventsRun: 1, stoppedBy: 'until', now: T0 + 100 });
    expect(seen).toEqual([10, 50, 100]);
    // Nothing left before until: the clock still moves to until, and 'empty' says nothing remains.
    const r3 = await sim.run({ until: T0 + 500 });
    expect(r3).toEqual({ eventsRun: 1, stoppedBy: 'empty', now: T0 + 500 });
  });

  it('run stops after maxEvents without moving the clock past the last event run', async () => {
    const sim = new Simulation();
    for (let i = 1; i <= 5; i++) sim.after(i * 10, () => {});
    const r = await sim.run({ maxEvents: 2, until: T0 + 1000 });
    expect(r).toEqual({ eventsRun: 2, stoppedBy: 'maxEvents', now: T0 + 20 });
    expect(sim.pending()).toBe(3);
    expect(await sim.run({ maxEvents: 0 })).toEqual({ eventsRun: 0, stoppedBy: 'maxEvents', now: T0 + 20 });
    expect((await sim.run()).eventsRun).toBe(3);
  });

  it('awaits a returned promise before running the next event', async () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.after(1, async () => {
      seen.push('a:start');
      await Promise.resolve();
      await new Promise((r) => setTimeout(r, 5));
      seen.push('a:end');
    });
    sim.after(1, () => void seen.push('b'));
    sim.after(2, async () => {
      seen.push('c:start');
      await null;
      seen.push('c:end');
    });
    await sim.run();
    expect(seen).toEqual(['a:start', 'a:end', 'b', 'c:start', 'c:end']);
  });

  it('a thrown error stops the run and names the label and virtual time', async () => {
    const sim = new Simulation();
    const boom = new Error('boom');
    let ranAfter = false;
    sim.after(1500, () => {
      throw boom;
    }, { label: 'reconcile RayJob default/j1' });
    sim.after(2000, () => void (ranAfter = true));
    const err = await sim.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    const se = err as SimulationError;
    expect(se.message).toContain('reconcile RayJob default/j1');
    expect(se.message).toContain('t=1500ms');
    expect(se.message).toContain('2026-01-01T00:00:01.500Z');
    expect(se.message).toContain('boom');
    expect(se.cause).toBe(boom);
    expect(se.label).toBe('reconcile RayJob default/j1');
    expect(se.time).toBe(T0 + 1500);
    expect(ranAfter).toBe(false);
    expect(sim.now()).toBe(T0 + 1500);
    // The simulation is not wedged: the caller may choose to continue.
    await sim.run();
    expect(ranAfter).toBe(true);
  });

  it('a rejected promise is reported the same way, and the label defaults to the function name', async () => {
    const sim = new Simulation();
    sim.after(2, async function kubeletTick() {
      await Promise.resolve();
      throw new Error('node gone');
    });
    await expect(sim.run()).rejects.toThrow(/"kubeletTick" failed at t=2ms.*node gone/);
    const sim2 = new Simulation();
    sim2.after(0, () => Promise.reject(new Error('x')), { label: 'watch' });
    await expect(sim2.step()).rejects.toBeInstanceOf(SimulationError);
  });

  it.each([
    ['negative delay', (s: Simulation) => s.after(-1, () => {})],
    ['NaN delay', (s: Simulation) => s.after(NaN, () => {})],
    ['infinite delay', (s: Simulation) => s.after(Infinity, () => {})],
    ['at in the past', (s: Simulation) => s.at(s.now() - 1, () => {})],
    ['at NaN', (s: Simulation) => s.at(NaN, () => {})],
    ['unknown priority', (s: Simulation) => s.after(1, () => {}, { priority: 'high' as Priority })],
    ['non-function callback', (s: Simulation) => s.after(1, 42 as unknown as () => void)],
    ['startTime NaN', () => new Simulation({ startTime: NaN })],
  ])('misuse throws immediately: %s', (_name, f) => {
    const sim = new Simulation();
    expect(() => f(sim)).toThrow();
    expect(sim.pending()).toBe(0);
  });

  it('run rejects until in the past and bad maxEvents', async () => {
    const sim = new Simulation();
    sim.after(10, () => {});
    await sim.run({ maxEvents: 1 });
    await expect(sim.run({ until: T0 })).rejects.toThrow(RangeError);
    await expect(sim.run({ maxEvents: -1 })).rejects.toThrow(RangeError);
    await expect(sim.run({ maxEvents: 1.5 })).rejects.toThrow(RangeError);
  });

  it('refuses re-entrant runs from inside a callback', async () => {
    const sim = new Simulation();
    sim.after(1, async () => {
      await sim.run();
    }, { label: 'reentrant' });
    await expect(sim.run()).rejects.toThrow(/reentrant.*already running/);
  });

  it('is usable through the Timers interface', async () => {
    const timers: Timers = new Simulation();
    let fired = false;
    const h = timers.after(5, () => void (fired = true));
    expect(h.label).toBe('anonymous');
    await (timers as Simulation).run();
    expect(fired).toBe(true);
  });

  it('handles many events quickly', async () => {
    const sim = new Simulation();
    let n = 0;
    const tick = (): void => {
      n++;
      if (n < 200_000) sim.after(n % 7, tick);
    };
    for (let i = 0; i < 100; i++) sim.after(i, tick);
    const r = await sim.run();
    expect(r.stoppedBy).toBe('empty');
    expect(n).toBe(200_099);
  });
});

// Schedules, cancels and nested schedules, as a program for the property test below.
type Op =
  | { kind: 'add'; delay: number; priority: Priority; children: { delay: number; priority: Priority }[] }
  | { kind: 'cancel'; index: number };

const priorityArb = fc.constantFrom<Priority>('urgent', 'normal', 'low');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      delay: fc.integer({ min: 0, max: 20 }),
      priority: priorityArb,
      children: fc.array(fc.record({ delay: fc.integer({ min: 0, max: 5 }), priority: priorityArb }), { maxLength: 3 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat() }), weight: 1 },
);

describe('event ordering (property)', () => {
  it('events come out in nondecreasing (time, priority, seq) order, and cancelled ones never run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const sim = new Simulation();
        // maxId: the newest event id in existence when this one fired (before its children).
        const fired: { time: number; priority: number; id: number; maxId: number }[] = [];
        const handles: ReturnType<Simulation['after']>[] = [];
        const cancelled = new Set<number>();
        let scheduled = 0;
        let newestId = -1;
        const schedule = (delay: number, priority: Priority, after: () => void): ReturnType<Simulation['after']> => {
          scheduled++;
          const h = sim.after(delay, () => {
            fired.push({ time: sim.now(), priority: PRIORITY_ORDER[priority], id: h.id, maxId: newestId });
            after();
          }, { priority });
          newestId = Math.max(newestId, h.id);
          return h;
        };
        for (const op of ops) {
          if (op.kind === 'add') {
            handles.push(schedule(op.delay, op.priority, () => {
              for (const c of op.children) schedule(c.delay, c.priority, () => {});
            }));
          } else if (handles.length > 0) {
            const h = handles[op.index % handles.length]!;
            if (sim.cancel(h)) cancelled.add(h.id);
          }
        }
        await sim.run();
        expect(fired.length).toBe(scheduled - cancelled.size);
        for (const f of fired) expect(cancelled.has(f.id)).toBe(false);
        for (let i = 1; i < fired.length; i++) {
          const a = fired[i - 1]!;
          const b = fired[i]!;
          expect(b.time).toBeGreaterThanOrEqual(a.time);
          const ordered = a.time < b.time || (a.priority < b.priority || (a.priority === b.priority && a.id < b.id));
          // The only way to step back in (priority, seq) at one instant is an event that did not
          // exist yet when the previous one was popped, i.e. one it scheduled for "now".
          const createdSince = b.id > a.maxId;
          expect(ordered || createdSince).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

interface Item extends HeapEntry {
  name: number;
}
const item = (time: number, priority: number, name: number): Item => ({ time, priority, name, seq: 0, heapIndex: -1 });

describe('EventHeap', () => {
  it('pops in (time, priority, seq) order with arbitrary removals (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 2 }), fc.boolean())),
        (specs) => {
          const heap = new EventHeap<Item>();
          const items = specs.map(([t, p], i) => item(t, p, i));
          for (const it of items) heap.push(it);
          const removed = new Set<number>();
          specs.forEach(([, , rm], i) => {
            if (rm) {
              expect(heap.remove(items[i]!)).toBe(true);
              expect(heap.remove(items[i]!)).toBe(false);
              removed.add(i);
            }
          });
          expect(heap.size).toBe(items.length - removed.size);
          const expected = items
            .filter((_, i) => !removed.has(i))
            .sort((a, b) => a.time - b.time || a.priority - b.priority || a.seq - b.seq)
            .map((x) => x.name);
          const got: number[] = [];
          for (let x = heap.pop(); x !== undefined; x = heap.pop()) got.push(x.name);
          expect(got).toEqual(expected);
        },
      ),
    );
  });

  it('peek does not remove; pop on empty is undefined; has tracks membership', () => {
    const heap = new EventHeap<Item>();
    expect(heap.pop()).toBeUndefined();
    const a = item(1, 0, 1);
    heap.push(a);
    expect(heap.peek()).toBe(a);
    expect(heap.size).toBe(1);
    expect(heap.has(a)).toBe(true);
    expect(() => heap.push(a)).toThrow();
    expect(heap.pop()).toBe(a);
    expect(heap.has(a)).toBe(false);
    expect(heap.remove(a)).toBe(false);
  });
});
