import { describe, expect, it } from 'vitest';
import {
  METRIC_NAMES,
  MetricsAccumulator,
  computeMetrics,
  jainIndex,
  nodeName,
  percentileNearestRank,
  refKey,
  type Metrics,
} from '../../sim/metrics/index.js';
import { trace } from './trace-builder.js';

/** Compares every metric: exact for counts and maps, to ~12 significant digits for the rest. */
function expectMetrics(actual: Metrics, expected: Metrics): void {
  expect(Object.keys(actual).sort()).toEqual([...METRIC_NAMES].sort());
  for (const name of METRIC_NAMES) {
    const a = actual[name];
    const e = expected[name];
    if (typeof e === 'number' && typeof a === 'number') {
      expect(a, name).toBeCloseTo(e, 9);
    } else {
      expect(a, name).toEqual(e);
    }
  }
}

const HOUR_MS = 3_600_000;

describe('computeMetrics: three jobs on two 8-GPU nodes', () => {
  // n1, n2: 8 GPUs, $36/h each, Ready for the whole 2 h run.
  //   j1 (queue a) 1 pod x 8 GPUs on n1: submit 0, bound 0, scheduled+started 600, done 4200
  //   j2 (queue b) 1 pod x 4 GPUs on n2: submit 0, bound 0, scheduled+started 1200, done 3000
  //   j3 (queue b) 2 pods x 4 GPUs on n2: submit 1800, bound 1800 and 3000, scheduled+started 3600, done 6600
  const tr = trace({ scenario: 'three-jobs' })
    .nodeReady('n1')
    .nodeReady('n2')
    .submit('j1', { gpus: 8, pods: 1, queue: 'a' })
    .bind('j1-0', 'n1', 8)
    .submit('j2', { gpus: 4, pods: 1, queue: 'b' })
    .bind('j2-0', 'n2', 4)
    .atSec(60)
    .podRunning('j1-0', 'n1')
    .podRunning('j2-0', 'n2')
    .atSec(600)
    .scheduled('j1', 1, 8)
    .started('j1', 1, 8)
    .atSec(1200)
    .scheduled('j2', 1, 4)
    .started('j2', 1, 4)
    .atSec(1800)
    .submit('j3', { gpus: 8, pods: 2, queue: 'b' })
    .bind('j3-0', 'n2', 4)
    .unschedulable('j3-1', '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.')
    .atSec(3000)
    .finished('j2')
    .podFinished('j2-0')
    .podDeleted('j2-0', 'n2')
    .bind('j3-1', 'n2', 4)
    .atSec(3600)
    .scheduled('j3', 2, 8)
    .started('j3', 1, 8)
    .atSec(4200)
    .finished('j1')
    .podFinished('j1-0')
    .atSec(4300)
    .podDeleted('j1-0', 'n1')
    .atSec(6600)
    .finished('j3')
    .podDeleted('j3-0')
    .podDeleted('j3-1');

  it('gives the hand-computed value of every metric', () => {
    const m = computeMetrics(tr.records(), { durationMs: 2 * HOUR_MS });
    // GPU-seconds: allocated n1 8*4200 = 33600; n2 4*3000 + 4*4800 + 4*3600 = 45600; total 79200.
    // Capacity 16 * 7200 = 115200. Useful: 8*3600 + 4*1800 + 8*3000 = 60000.
    // Free 36000, of which on the half-used n2 during 0..1800: 4*1800 = 7200.
    // Queue GPU-seconds: a 28800, b 7200 + 24000 = 31200.
    expectMetrics(m, {
      duration_s: 7200,
      jobs_submitted: 3,
      jobs_completed: 3,
      jobs_failed: 0,
      jobs_unfinished: 0,
      jobs_retried: 0,
      jct_mean_s: 4000, // (4200 + 3000 + 4800) / 3
      jct_p50_s: 4200, // rank ceil(1.5) = 2 of [3000, 4200, 4800]
      jct_p95_s: 4800,
      jct_p99_s: 4800,
      queue_delay_mean_s: 1200, // (600 + 1200 + 1800) / 3
      queue_delay_p50_s: 1200,
      queue_delay_p95_s: 1800,
      queue_delay_p99_s: 1800,
      makespan_s: 6600,
      gpu_hours_available: 32,
      gpu_hours_used: 22,
      gpu_hours_useful: 60000 / 3600,
      gpu_hours_lost: 0,
      gpu_allocation_pct: 68.75,
      goodput_pct: (100 * 60000) / 79200,
      fragmentation: 0.2,
      fairness: (60000 * 60000) / (2 * (28800 * 28800 + 31200 * 31200)),
      serve_downtime_s: null,
      node_failures: 0,
      node_failures_by_cause: {},
      cost_usd: 144, // 2 nodes * 2 h * $36
    });
  });

  it('ends the window at the last record without durationMs', () => {
    const m = computeMetrics(tr.records());
    expect(m.duration_s).toBe(6600);
    expect(m.gpu_hours_available).toBe((16 * 6600) / 3600);
    expect(m.cost_usd).toBeCloseTo(2 * 6600 * 0.01, 9);
    expect(m.gpu_hours_used).toBe(22);
  });

  it('is the same through the streaming accumulator, a generator and parseTrace', async () => {
    const { parseTrace } = await import('../../sim/core/trace.js');
    const whole = computeMetrics(tr.records(), { durationMs: 2 * HOUR_MS });
    const acc = new MetricsAccumulator();
    for (const r of tr.records()) acc.add(r);
    expect(acc.result({ durationMs: 2 * HOUR_MS })).toEqual(whole);
    function* gen() {
      yield* tr.records();
    }
    expect(computeMetrics(gen(), { durationMs: 2 * HOUR_MS })).toEqual(whole);
    expect(computeMetrics(parseTrace(tr.text()), { durationMs: 2 * HOUR_MS })).toEqual(whole);
  });
});

describe('computeMetrics: a node failure interrupts a 16-GPU gang, which restarts from its checkpoint', () => {
  // n1, n2 (8 GPUs, $36/h), 3 h run. j1: 2 pods x 8 GPUs, submit 0, bound 0, started 300.
  // n2 fails at 3900 (faulty GPU), losing 20 min of work since the checkpoint; the gang's pods go;
  // n2 is repaired at 5700, the gang is re-bound at 5700, attempt 2 runs 6000..9600.
  const tr = trace()
    .nodeReady('n1')
    .nodeReady('n2')
    .submit('j1', { gpus: 16, pods: 2 })
    .bind('j1-0', 'n1', 8)
    .bind('j1-1', 'n2', 8)
    .atSec(300)
    .scheduled('j1', 2, 16)
    .started('j1', 1, 16)
    .atSec(3900)
    .nodeDown('n2', 'faulty-gpu', 8)
    .interrupted('j1', { attempt: 1, lostMs: 1_200_000, gpus: 16, cause: 'faulty-gpu' })
    .podFinished('j1-1', 'Failed')
    .podDeleted('j1-1')
    .atSec(3960)
    .podDeleted('j1-0')
    .atSec(5700)
    .nodeRepaired('n2', 1_800_000)
    .bind('j1-0b', 'n1', 8)
    .bind('j1-1b', 'n2', 8)
    .atSec(5800)
    .scheduled('j1', 2, 16) // a second job.scheduled does not change the queueing delay
    .atSec(6000)
    .started('j1', 2, 16)
    .atSec(9600)
    .finished('j1', 'Complete', 2)
    .podDeleted('j1-0b')
    .podDeleted('j1-1b');

  it('gives the hand-computed value of every metric', () => {
    const m = computeMetrics(tr.records(), { durationMs: 3 * HOUR_MS });
    // Capacity: n1 8*10800 = 86400; n2 8*(3900 + 5100) = 72000; total 158400 GPU-s.
    // Allocated: n1 8*3960 + 8*3900 = 62880; n2 8*3900 + 8*3900 = 62400; total 125280 GPU-s.
    // Useful: attempt 1 16*3600 - lost 16*1200 = 38400; attempt 2 16*3600 = 57600; 96000 GPU-s.
    expectMetrics(m, {
      duration_s: 10800,
      jobs_submitted: 1,
      jobs_completed: 1,
      jobs_failed: 0,
      jobs_unfinished: 0,
      jobs_retried: 1,
      jct_mean_s: 9600,
      jct_p50_s: 9600,
      jct_p95_s: 9600,
      jct_p99_s: 9600,
      queue_delay_mean_s: 300,
      queue_delay_p50_s: 300,
      queue_delay_p95_s: 300,
      queue_delay_p99_s: 300,
      makespan_s: 9600,
      gpu_hours_available: 44,
      gpu_hours_used: 34.8,
      gpu_hours_useful: 96000 / 3600,
      gpu_hours_lost: (16 * 1200) / 3600,
      gpu_allocation_pct: (100 * 125280) / 158400,
      goodput_pct: (100 * 96000) / 125280,
      fragmentation: 0, // every idle GPU sat on an empty node
      fairness: null, // no queues
      serve_downtime_s: null,
      node_failures: 1,
      node_failures_by_cause: { 'faulty-gpu': 1 },
      cost_usd: 108 + 90, // n1 3 h; n2 9000 s at $0.01/s
    });
  });
});

describe('computeMetrics: a GPU error lowers a node under its pods, then the GPU is repaired', () => {
  // n1 (8 GPUs) runs pods p (4) and q (4); at 1000 s a GPU error leaves 6 GPUs; q goes at 2000;
  // the device plugin reports 8 again at 2500. n2 (8 GPUs) stays empty. 3000 s run, $36/h each.
  const tr = trace()
    .nodeReady('n1')
    .nodeReady('n2')
    .bind('p', 'n1', 4)
    .bind('q', 'n1', 4)
    .atSec(1000)
    .nodeGpus('n1', 6, 'gpu-hbm3')
    .atSec(2000)
    .podDeleted('q')
    .atSec(2500)
    .nodeGpus('n1', 8, 'gpu-hbm3');

  it('clamps allocation to the node and counts the GPU error as a failure', () => {
    const m = computeMetrics(tr.records(), { durationMs: 3_000_000 });
    // Capacity: n1 8*1000 + 6*1500 + 8*500 = 21000; n2 24000; total 45000 GPU-s.
    // Allocated (n1): min(8, 8)*1000 + min(8, 6)*1000 + 4*1000 = 18000 GPU-s.
    // Free 27000; partial (n1 4 of 6 used, then 4 of 8): 2*500 + 4*500 = 3000.
    expectMetrics(m, {
      duration_s: 3000,
      jobs_submitted: 0,
      jobs_completed: 0,
      jobs_failed: 0,
      jobs_unfinished: 0,
      jobs_retried: 0,
      jct_mean_s: null,
      jct_p50_s: null,
      jct_p95_s: null,
      jct_p99_s: null,
      queue_delay_mean_s: null,
      queue_delay_p50_s: null,
      queue_delay_p95_s: null,
      queue_delay_p99_s: null,
      makespan_s: null,
      gpu_hours_available: 45000 / 3600,
      gpu_hours_used: 18000 / 3600,
      gpu_hours_useful: 0,
      gpu_hours_lost: 0,
      gpu_allocation_pct: (100 * 18000) / 45000,
      goodput_pct: 0,
      fragmentation: 3000 / 27000,
      fairness: null,
      serve_downtime_s: null,
      node_failures: 1,
      node_failures_by_cause: { 'gpu-hbm3': 1 },
      cost_usd: 60,
    });
  });

  it('does not count a GPU count increase as a failure', () => {
    const tr = trace().nodeReady('n1', { gpus: 4 }).atSec(10).nodeGpus('n1', 8, 'faulty-gpu').atSec(20);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.node_failures).toBe(0);
    expect(m.gpu_hours_available).toBe((4 * 10 + 8 * 10) / 3600);
  });
});

describe('computeMetrics: edge cases', () => {
  it('a trace with only the header', () => {
    const m = computeMetrics(trace().records());
    expectMetrics(m, {
      duration_s: 0,
      jobs_submitted: 0,
      jobs_completed: 0,
      jobs_failed: 0,
      jobs_unfinished: 0,
      jobs_retried: 0,
      jct_mean_s: null,
      jct_p50_s: null,
      jct_p95_s: null,
      jct_p99_s: null,
      queue_delay_mean_s: null,
      queue_delay_p50_s: null,
      queue_delay_p95_s: null,
      queue_delay_p99_s: null,
      makespan_s: null,
      gpu_hours_available: 0,
      gpu_hours_used: 0,
      gpu_hours_useful: 0,
      gpu_hours_lost: 0,
      gpu_allocation_pct: null,
      goodput_pct: null,
      fragmentation: null,
      fairness: null,
      serve_downtime_s: null,
      node_failures: 0,
      node_failures_by_cause: {},
      cost_usd: 0,
    });
    expect(computeMetrics([]).duration_s).toBe(0);
    expect(computeMetrics(trace().records(), { durationMs: 90_000 }).duration_s).toBe(90);
  });

  it('idle nodes and no jobs: 0% allocated, nothing fragmented, goodput n/a', () => {
    const m = computeMetrics(trace().nodeReady('n1').nodeReady('n2').records(), { durationMs: HOUR_MS });
    expect(m.gpu_allocation_pct).toBe(0);
    expect(m.gpu_hours_available).toBe(16);
    expect(m.fragmentation).toBe(0);
    expect(m.goodput_pct).toBeNull();
    expect(m.cost_usd).toBe(72);
    expect(m.jobs_submitted).toBe(0);
  });

  it('a job that never finishes', () => {
    const tr = trace()
      .nodeReady('n1')
      .submit('j', { gpus: 8, queue: 'a' })
      .bind('j-0', 'n1', 8)
      .atSec(100)
      .scheduled('j', 1, 8)
      .started('j', 1, 8);
    const m = computeMetrics(tr.records(), { durationMs: 1_000_000 });
    expect(m.jobs_submitted).toBe(1);
    expect(m.jobs_unfinished).toBe(1);
    expect(m.jobs_completed).toBe(0);
    expect(m.jct_p50_s).toBeNull();
    expect(m.queue_delay_p50_s).toBe(100);
    expect(m.makespan_s).toBeNull();
    expect(m.gpu_allocation_pct).toBe(100);
    expect(m.gpu_hours_useful).toBe(0);
    expect(m.goodput_pct).toBe(0);
    expect(m.fairness).toBe(1); // one queue
  });

  it('a job that is never scheduled counts no queueing delay', () => {
    const m = computeMetrics(trace().submit('j').atSec(50).records());
    expect(m.queue_delay_mean_s).toBeNull();
    expect(m.jobs_unfinished).toBe(1);
  });

  it('a failed job: no JCT, no useful work, but it ends the makespan', () => {
    const tr = trace()
      .nodeReady('n1')
      .submit('j', { gpus: 8 })
      .bind('j-0', 'n1', 8)
      .scheduled('j', 1, 8)
      .started('j', 1, 8)
      .atSec(100)
      .finished('j', 'Failed', 1)
      .podFinished('j-0', 'Failed');
    const m = computeMetrics(tr.records());
    expect([m.jobs_failed, m.jobs_completed, m.jobs_unfinished]).toEqual([1, 0, 0]);
    expect(m.jct_mean_s).toBeNull();
    expect(m.makespan_s).toBe(100);
    expect(m.goodput_pct).toBe(0);
    expect(m.gpu_hours_used).toBe((8 * 100) / 3600);
  });

  it('counts a retry from job.started records alone, once per job', () => {
    const tr = trace()
      .submit('j')
      .started('j', 1, 8)
      .atSec(10)
      .started('j', 2, 8)
      .atSec(20)
      .started('j', 3, 8)
      .atSec(30)
      .finished('j', 'Complete', 3)
      .submit('k')
      .started('k', 1, 8)
      .atSec(40)
      .finished('k', 'Complete', 1);
    const m = computeMetrics(tr.records());
    expect(m.jobs_retried).toBe(1);
    expect(m.gpu_hours_useful).toBe((8 * 30 + 8 * 10) / 3600);
  });

  it('planned downs are not failures; Ready time is billed per started second', () => {
    const tr = trace()
      .nodeReady('a', { pricePerHour: 3600 })
      .nodeReady('b', { pricePerHour: 3600 })
      .nodeReady('c', { pricePerHour: 3600 })
      .at(1500)
      .nodeDown('a', 'scale-down')
      .at(2000)
      .nodeDown('b', 'maintenance')
      .at(2001)
      .nodeDown('c', 'network');
    const m = computeMetrics(tr.records(), { durationMs: 10_000 });
    expect(m.node_failures).toBe(1);
    expect(m.node_failures_by_cause).toEqual({ network: 1 });
    // $1 per second: a 1.5 s -> 2 s, b 2 s, c 2.001 s -> 3 s.
    expect(m.cost_usd).toBe(7);
  });

  it('a node that goes down holds no GPUs for the pods still bound to it', () => {
    const tr = trace()
      .nodeReady('n1')
      .bind('p', 'n1', 8)
      .atSec(100)
      .nodeDown('n1', 'nic')
      .atSec(200)
      .podDeleted('p');
    const m = computeMetrics(tr.records());
    expect(m.gpu_hours_used).toBe((8 * 100) / 3600);
    expect(m.gpu_hours_available).toBe((8 * 100) / 3600);
    expect(m.gpu_allocation_pct).toBe(100);
  });

  it('node.repaired brings a node back with the GPUs it had; it ignores Ready and unknown nodes', () => {
    const tr = trace()
      .nodeReady('n1')
      .atSec(100)
      .nodeGpus('n1', 6, 'gpu-sram')
      .atSec(200)
      .nodeDown('n1', 'network')
      .atSec(300)
      .nodeRepaired('n1', 100_000)
      .nodeRepaired('n1', 100_000)
      .nodeRepaired('never-seen', 1)
      .atSec(400);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.gpu_hours_available).toBe((8 * 100 + 6 * 100 + 6 * 100) / 3600);
    expect(m.cost_usd).toBe(3); // Ready 300 s at $0.01/s
    expect(m.node_failures_by_cause).toEqual({ 'gpu-sram': 1, network: 1 });
  });

  it('job.started records of a bare RayCluster are not jobs', () => {
    const tr = trace()
      .record('job.started', 'ray', { kind: 'RayCluster', namespace: 'default', name: 'c' }, { attempt: 1, gpus: 8 })
      .atSec(10)
      .record('job.started', 'ray', { kind: 'RayCluster', namespace: 'default', name: 'c' }, { attempt: 2, gpus: 8 })
      .atSec(20);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect([m.jobs_submitted, m.jobs_retried, m.jobs_unfinished]).toEqual([0, 0, 0]);
  });

  it('a node that comes back with node.ready instead of node.repaired', () => {
    const tr = trace()
      .nodeReady('n1')
      .atSec(100)
      .nodeDown('n1', 'cpu')
      .atSec(200)
      .nodeReady('n1', { gpus: 4 })
      .atSec(300);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.gpu_hours_available).toBe((8 * 100 + 4 * 100) / 3600);
    expect(m.cost_usd).toBe(2); // 200 s Ready at $0.01/s
  });

  it('ignores pods bound to unknown nodes until the node is Ready', () => {
    const tr = trace().bind('p', 'ghost', 8).atSec(100).nodeReady('ghost').atSec(200);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.gpu_hours_used).toBe((8 * 100) / 3600);
    expect(m.gpu_hours_available).toBe((8 * 100) / 3600);
  });

  it('a pod released by pod.finished is not released again by pod.deleted', () => {
    const tr = trace()
      .nodeReady('n1')
      .bind('p', 'n1', 4)
      .bind('q', 'n1', 4)
      .atSec(100)
      .podFinished('p')
      .atSec(150)
      .podDeleted('p')
      .atSec(200);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.gpu_hours_used).toBe((8 * 100 + 4 * 100) / 3600);
  });

  it('string refs: node names after the last slash', () => {
    const tr = trace()
      .record('node.ready', 'nodepool', 'node/n1', { gpus: 8, pricePerHour: 36 })
      .record('pod.bound', 'scheduler', 'default/p', { node: 'n1', gpus: 2 })
      .atSec(100);
    const m = computeMetrics(tr.records(), { durationMs: tr.clock() });
    expect(m.gpu_allocation_pct).toBe(25);
    expect(m.fragmentation).toBe(1);
  });

  it('durationMs shorter than the trace does not cut it', () => {
    const m = computeMetrics(trace().nodeReady('n1').atSec(100).submit('j').records(), { durationMs: 1000 });
    expect(m.duration_s).toBe(100);
  });

  it('rejects records out of time order and a bad durationMs', () => {
    const recs = trace().atSec(10).submit('a').records().concat([{ t: 5, seq: 99, type: 'job.submitted', actor: 'ray', ref: 'b' }]);
    expect(() => computeMetrics(recs)).toThrow(/t=5 is before the previous record's t=10000/);
    expect(() => computeMetrics([], { durationMs: -1 })).toThrow(RangeError);
    expect(() => computeMetrics([], { durationMs: Number.NaN })).toThrow(RangeError);
  });

  it('the accumulator refuses use after result()', () => {
    const acc = new MetricsAccumulator();
    acc.result();
    expect(() => acc.result()).toThrow(/twice/);
    expect(() => acc.add({ t: 0, seq: 1, type: 'x', actor: 'y' })).toThrow(/after result/);
  });
});

describe('percentileNearestRank', () => {
  const cases: { name: string; xs: number[]; p: number; want: number | null }[] = [
    { name: 'empty', xs: [], p: 50, want: null },
    { name: 'single', xs: [7], p: 99, want: 7 },
    { name: 'p50 of four is the 2nd', xs: [1, 2, 3, 4], p: 50, want: 2 },
    { name: 'p51 of four is the 3rd', xs: [1, 2, 3, 4], p: 51, want: 3 },
    { name: 'p95 of 1..100', xs: Array.from({ length: 100 }, (_, i) => i + 1), p: 95, want: 95 },
    { name: 'p99 of 1..100', xs: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, want: 99 },
    { name: 'p100 is the max', xs: [1, 5, 9], p: 100, want: 9 },
    { name: 'tiny p is the min', xs: [1, 5, 9], p: 0.001, want: 1 },
  ];
  for (const c of cases) it(c.name, () => expect(percentileNearestRank(c.xs, c.p)).toBe(c.want));
  it('rejects p outside (0, 100]', () => {
    expect(() => percentileNearestRank([1], 0)).toThrow(RangeError);
    expect(() => percentileNearestRank([1], 101)).toThrow(RangeError);
  });
});

describe('jainIndex and refs', () => {
  it('Jain', () => {
    expect(jainIndex([3, 3, 3])).toBe(1);
    expect(jainIndex([1, 0])).toBe(0.5);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([])).toBeNull();
    expect(jainIndex([0, 0])).toBeNull();
  });
  it('refKey and nodeName', () => {
    expect(refKey({ kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u' })).toBe('Pod/ns/p');
    expect(refKey({ kind: 'Node', name: 'n' })).toBe('Node//n');
    expect(refKey('x')).toBe('x');
    expect(refKey(undefined)).toBeUndefined();
    expect(nodeName('node/n1')).toBe('n1');
    expect(nodeName('n1')).toBe('n1');
    expect(nodeName({ kind: 'Node', name: 'n2' })).toBe('n2');
  });
});
