// WorkQueue: client-go's dedup and processing rules, per-key exponential backoff, and delayed
// adds on virtual time.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/core/simulation.js';
import { WorkQueue } from '../../controller/runtime/work-queue.js';

function setup(opts: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
  const sim = new Simulation();
  let ready = 0;
  const q = new WorkQueue({ timers: sim, ...opts, onReady: () => void ready++ });
  const drain = (): string[] => {
    const out: string[] = [];
    for (let k = q.get(); k !== undefined; k = q.get()) {
      out.push(k);
      q.done(k);
    }
    return out;
  };
  return { sim, q, drain, ready: () => ready };
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and never holds a key twice', () => {
    const { q, drain, ready } = setup();
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    expect(q.length).toBe(3);
    expect(ready()).toBe(3);
    expect(drain()).toEqual(['a', 'b', 'c']);
    expect(q.get()).toBeUndefined();
  });

  it('a key added while it is processed is handed out again after done, once', () => {
    const { q } = setup();
    q.add('a');
    q.add('b');
    expect(q.get()).toBe('a');
    q.add('a');
    q.add('a');
    // Not handed to a second worker while the first holds it.
    expect(q.length).toBe(1);
    expect(q.get()).toBe('b');
    expect(q.get()).toBeUndefined();
    expect(q.processingCount).toBe(2);
    q.done('a');
    expect(q.length).toBe(1);
    expect(q.get()).toBe('a');
    q.done('a');
    q.done('b');
    expect(q.get()).toBeUndefined();
    expect(q.processingCount).toBe(0);
  });

  it('a key processed without a new add is not handed out again', () => {
    const { q } = setup();
    q.add('a');
    q.done(q.get()!);
    expect(q.length).toBe(0);
    expect(q.get()).toBeUndefined();
  });

  it('backs a failing key off 5, 10, 20 ... ms, capped at 1000 s, and forget resets it', () => {
    const { q } = setup();
    const delays = Array.from({ length: 20 }, () => q.addRateLimited('a'));
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    // 5 * 2^17 = 655,360 ms; 5 * 2^18 exceeds the 1000 s cap.
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
    expect(q.numRequeues('a')).toBe(20);
    // Keys back off independently.
    expect(q.addRateLimited('b')).toBe(5);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(q.addRateLimited('a')).toBe(5);
    // Far beyond the double range the cap still holds.
    for (let i = 0; i < 1200; i++) q.addRateLimited('c');
    expect(q.addRateLimited('c')).toBe(1_000_000);
  });

  it('honours custom base and cap', () => {
    const { q } = setup({ baseDelayMs: 100, maxDelayMs: 300 });
    expect([1, 2, 3, 4].map(() => q.addRateLimited('k'))).toEqual([100, 200, 300, 300]);
    expect(() => new WorkQueue({ timers: new Simulation(), baseDelayMs: 0 })).toThrow(/baseDelayMs/);
  });

  it('rate-limited keys become ready at 5, 15, 35 ms of virtual time', async () => {
    const { sim, q } = setup();
    const readyAt: number[] = [];
    q.onReady = () => {
      readyAt.push(sim.elapsed());
      const k = q.get()!;
      q.done(k);
      if (readyAt.length < 3) q.addRateLimited(k);
    };
    q.addRateLimited('a');
    await sim.run();
    expect(readyAt).toEqual([5, 15, 35]);
  });

  it('addAfter fires in due-time order, FIFO at equal times, and the earliest delay of a key wins', async () => {
    const { sim, q } = setup();
    const seen: [number, string][] = [];
    q.onReady = () => {
      const k = q.get()!;
      seen.push([sim.elapsed(), k]);
      q.done(k);
    };
    q.addAfter('c', 30);
    q.addAfter('a', 10);
    q.addAfter('b', 10);
    q.addAfter('d', 50);
    q.addAfter('d', 20); // earlier: replaces the 50 ms delay
    q.addAfter('a', 40); // later: the 10 ms delay stands
    expect(q.delayedCount).toBe(4);
    await sim.run();
    expect(seen).toEqual([
      [10, 'a'],
      [10, 'b'],
      [20, 'd'],
      [30, 'c'],
    ]);
    expect(sim.pending()).toBe(0);
  });

  it('addAfter of a key that is already queued does not duplicate it', async () => {
    const { sim, q } = setup();
    q.add('a');
    q.addAfter('a', 5);
    await sim.run();
    expect(q.length).toBe(1);
    expect(q.get()).toBe('a');
    expect(q.get()).toBeUndefined();
  });

  it('addAfter with a zero delay adds at once', () => {
    const { q } = setup();
    q.addAfter('a', 0);
    expect(q.length).toBe(1);
  });

  it('shutDown drops queued keys, cancels delays and ignores later adds', async () => {
    const { sim, q } = setup();
    q.add('a');
    q.add('b');
    const k = q.get()!;
    q.addAfter('c', 10);
    q.shutDown();
    expect(q.isShuttingDown).toBe(true);
    expect(q.length).toBe(0);
    expect(sim.pending()).toBe(0);
    q.add('d');
    q.addRateLimited('e');
    expect(q.get()).toBeUndefined();
    // The worker holding a key may still finish it.
    q.done(k);
    expect(q.processingCount).toBe(0);
    await sim.run();
    expect(q.length).toBe(0);
  });

  it('stays correct across many keys (the FIFO compacts without losing order)', () => {
    const { q } = setup();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    for (const k of keys) q.add(k);
    const out: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const k = q.get()!;
      out.push(k);
      q.done(k);
    }
    for (const k of keys.slice(0, 100)) q.add(k);
    for (let k = q.get(); k !== undefined; k = q.get()) {
      out.push(k);
      q.done(k);
    }
    expect(out).toEqual([...keys, ...keys.slice(0, 100)]);
  });
});
