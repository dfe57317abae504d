// The scheduling queue on its own: priority then creation then FIFO order, kube-scheduler's
// backoff (1 s doubling to 10 s), moves out of unschedulable (to active or backoff), the 5-minute
// flush, and when to wake up next.

import { describe, expect, it } from 'vitest';
import type { Pod } from '../../controller/api/core-types.js';
import { SchedulingQueue } from '../../controller/scheduler/scheduling-queue.js';
import { podInfo } from '../../policies/placement/pod-info.js';
import { makePod } from './fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function add(q: SchedulingQueue, pod: Pod) {
  return q.add(pod, podInfo(pod));
}

function drain(q: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let p = q.pop(); p; p = q.pop()) out.push(p.info.name);
  return out;
}

describe('SchedulingQueue', () => {
  it('pops by priority, then creation time, then first seen', () => {
    const q = new SchedulingQueue();
    add(q, makePod('late-low').created('2026-01-01T00:00:05Z').obj());
    add(q, makePod('early-low').created('2026-01-01T00:00:01Z').obj());
    add(q, makePod('late-high').priority(100).created('2026-01-01T00:00:09Z').obj());
    add(q, makePod('same-second-b').created('2026-01-01T00:00:01Z').obj());
    add(q, makePod('same-second-a').created('2026-01-01T00:00:01Z').obj());
    add(q, makePod('negative').priority(-5).created('2026-01-01T00:00:00Z').obj());
    expect(drain(q)).toEqual(['late-high', 'early-low', 'same-second-b', 'same-second-a', 'late-low', 'negative']);
  });

  it('backs off 1, 2, 4, 8, 10, 10 s after consecutive failures', () => {
    const q = new SchedulingQueue();
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => q.backoffDuration(n))).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    add(q, makePod('p').obj());
    const waits: number[] = [];
    let now = T0;
    for (let i = 0; i < 6; i++) {
      const p = q.pop()!;
      q.requeueUnschedulable(p, ['NodeResourcesFit'], now);
      // A cluster change right away: the pod must sit out its backoff first.
      expect(q.moveUnschedulable(() => true, now)).toBe(1);
      expect(q.counts()).toMatchObject({ active: 0, backoff: 1 });
      waits.push(q.nextWakeAt()! - now);
      now = q.nextWakeAt()!;
      q.flush(now);
      expect(q.counts()).toMatchObject({ active: 1, backoff: 0 });
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('keeps an unschedulable pod until a move or the 5-minute flush', () => {
    const q = new SchedulingQueue();
    add(q, makePod('p').obj());
    q.requeueUnschedulable(q.pop()!, ['NodeResourcesFit'], T0);
    q.flush(T0 + 60_000);
    expect(q.counts()).toMatchObject({ unschedulable: 1, active: 0 });
    expect(q.nextWakeAt()).toBe(T0 + 300_000);
    q.flush(T0 + 299_999);
    expect(q.counts()).toMatchObject({ unschedulable: 1 });
    q.flush(T0 + 300_000);
    expect(q.counts()).toMatchObject({ unschedulable: 0, active: 1 });
    expect(q.nextWakeAt()).toBeUndefined();
  });

  it('moves only the pods the predicate picks, past their backoff to active', () => {
    const q = new SchedulingQueue();
    for (const n of ['a', 'b', 'c']) add(q, makePod(n).obj());
    for (const p of [q.pop()!, q.pop()!, q.pop()!]) q.requeueUnschedulable(p, [], T0);
    expect(q.moveUnschedulable((p) => p.info.name !== 'b', T0 + 5_000)).toBe(2);
    expect(drain(q)).toEqual(['a', 'c']);
    expect(q.counts()).toMatchObject({ unschedulable: 1, inFlight: 2 });
  });

  it('an update that changes what scheduling reads takes a pod out of unschedulable; a status change does not', () => {
    const q = new SchedulingQueue();
    const pod = makePod('p').gpu(9).obj();
    const qp = add(q, pod);
    q.requeueUnschedulable(q.pop()!, ['NodeResourcesFit'], T0);
    const statusOnly = structuredClone(pod);
    statusOnly.status = { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'x' }] };
    expect(q.update(qp, statusOnly, podInfo(statusOnly), T0 + 5_000)).toBe(false);
    expect(qp.where).toBe('unschedulable');
    const smaller = makePod('p').gpu(8).obj();
    expect(q.update(qp, smaller, podInfo(smaller), T0 + 5_000)).toBe(true);
    expect(qp.where).toBe('active');
    expect(q.pop()?.info.gpu).toBe(8000);
  });

  it('re-sorts a waiting pod whose priority changes, and forgets deleted pods', () => {
    const q = new SchedulingQueue();
    add(q, makePod('a').created('2026-01-01T00:00:00Z').obj());
    const b = add(q, makePod('b').created('2026-01-01T00:00:01Z').obj());
    const high = makePod('b').priority(10).created('2026-01-01T00:00:01Z').obj();
    q.update(b, high, podInfo(high), T0);
    add(q, makePod('c').obj());
    expect(q.delete('default/c')).toBe(true);
    expect(q.delete('default/c')).toBe(false);
    expect(drain(q)).toEqual(['b', 'a']);
  });

  it('validates its options', () => {
    expect(() => new SchedulingQueue({ initialBackoffMs: 0 })).toThrow(RangeError);
    expect(() => new SchedulingQueue({ initialBackoffMs: 5000, maxBackoffMs: 1000 })).toThrow(/initialBackoffMs <= maxBackoffMs/);
  });
});
