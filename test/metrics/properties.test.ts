import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTrace, type TraceRecord } from '../../sim/core/trace.js';
import { TRACE } from '../../sim/core/trace-events.js';
import { computeMetrics, METRIC_NAMES } from '../../sim/metrics/index.js';
import { jobRef, node, podRef, trace, type TraceBuilder } from './trace-builder.js';

// Arbitrary traces: any interleaving of node, pod and job records over small name pools, in time
// order. Lifecycles need not make sense (a pod bound to a node that is down, a job finished twice):
// the metrics must stay well defined for whatever a trace holds.

const NODES = ['n0', 'n1', 'n2'];
const PODS = ['p0', 'p1', 'p2', 'p3', 'p4'];
const JOBS = ['j0', 'j1', 'j2', 'j3'];
const CAUSES = ['faulty-gpu', 'gpu-hbm3', 'network', 'maintenance', 'scale-down'];

const dt = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 100_000, noNaN: true }));
const gpus = fc.integer({ min: 0, max: 8 });
const nodeName = fc.constantFrom(...NODES);
const pod = fc.constantFrom(...PODS);
const job = fc.constantFrom(...JOBS);

type Step = (b: TraceBuilder) => void;

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ n: nodeName, g: gpus, price: fc.double({ min: 0, max: 200, noNaN: true }) }).map(({ n, g, price }) => (b: TraceBuilder) => {
    b.record(TRACE.nodeReady, 'nodepool', node(n), { pool: 'gpu', instanceType: 'x', gpus: g, cpuMilli: 1, memoryBytes: 1, pricePerHour: price });
  }),
  fc.record({ n: nodeName, cause: fc.constantFrom(...CAUSES) }).map(({ n, cause }) => (b: TraceBuilder) => {
    b.nodeDown(n, cause);
  }),
  nodeName.map((n) => (b: TraceBuilder) => {
    b.nodeRepaired(n, 1000);
  }),
  fc.record({ n: nodeName, g: gpus, cause: fc.constantFrom(...CAUSES) }).map(({ n, g, cause }) => (b: TraceBuilder) => {
    b.nodeGpus(n, g, cause);
  }),
  fc.record({ p: pod, n: nodeName, g: gpus }).map(({ p, n, g }) => (b: TraceBuilder) => {
    b.bind(p, n, g);
  }),
  pod.map((p) => (b: TraceBuilder) => {
    b.podFinished(p);
  }),
  pod.map((p) => (b: TraceBuilder) => {
    b.podDeleted(p);
  }),
  fc.record({ j: job, g: gpus, q: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }) }).map(({ j, g, q }) => (b: TraceBuilder) => {
    b.submit(j, q === undefined ? { gpus: g } : { gpus: g, queue: q });
  }),
  job.map((j) => (b: TraceBuilder) => {
    b.scheduled(j, 1, 8);
  }),
  fc.record({ j: job, a: fc.integer({ min: 1, max: 3 }), g: gpus }).map(({ j, a, g }) => (b: TraceBuilder) => {
    b.started(j, a, g);
  }),
  fc.record({ j: job, lost: fc.integer({ min: 0, max: 100_000 }), g: gpus }).map(({ j, lost, g }) => (b: TraceBuilder) => {
    b.interrupted(j, { attempt: 1, lostMs: lost, gpus: g, cause: 'network' });
  }),
  fc.record({ j: job, ok: fc.boolean(), a: fc.integer({ min: 1, max: 3 }) }).map(({ j, ok, a }) => (b: TraceBuilder) => {
    b.finished(j, ok ? 'Complete' : 'Failed', a);
  }),
  fc.constant((b: TraceBuilder) => {
    b.sample({ gpusTotal: 8, gpusAllocated: 4, gpusBusy: 2, nodesReady: 1, podsPending: 0, podsRunning: 1 });
  }),
);

const traceArb = fc.array(fc.tuple(dt, step), { maxLength: 80 }).map((steps) => {
  const b = trace({ scenario: 'prop' });
  let t = 0;
  for (const [d, s] of steps) {
    t += d;
    b.at(t);
    s(b);
  }
  return b;
});

const durationArb = fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined });

describe('computeMetrics properties', () => {
  it('gives the same metrics for a trace and for the trace serialised and parsed back', () => {
    fc.assert(
      fc.property(traceArb, durationArb, (b, durationMs) => {
        const opts = durationMs === undefined ? {} : { durationMs };
        const direct = computeMetrics(b.records(), opts);
        const parsed = parseTrace(b.text());
        expect(parsed).toHaveLength(b.records().length);
        expect(computeMetrics(parsed, opts)).toEqual(direct);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every metric within its range for any trace', () => {
    fc.assert(
      fc.property(traceArb, durationArb, (b, durationMs) => {
        const m = computeMetrics(b.records(), durationMs === undefined ? {} : { durationMs });
        expect(Object.keys(m)).toEqual([...METRIC_NAMES]);
        if (m.gpu_allocation_pct !== null) {
          expect(m.gpu_allocation_pct).toBeGreaterThanOrEqual(0);
          expect(m.gpu_allocation_pct).toBeLessThanOrEqual(100);
        }
        expect(m.gpu_hours_used).toBeLessThanOrEqual(m.gpu_hours_available);
        if (m.fragmentation !== null) {
          expect(m.fragmentation).toBeGreaterThanOrEqual(0);
          expect(m.fragmentation).toBeLessThanOrEqual(1);
        }
        if (m.fairness !== null) {
          expect(m.fairness).toBeGreaterThan(0);
          expect(m.fairness).toBeLessThanOrEqual(1 + 1e-12);
        }
        for (const name of ['jobs_submitted', 'jobs_completed', 'jobs_failed', 'jobs_unfinished', 'jobs_retried', 'node_failures', 'cost_usd', 'gpu_hours_lost', 'gpu_hours_useful'] as const) {
          expect(m[name], name).toBeGreaterThanOrEqual(0);
        }
        expect(m.jobs_unfinished).toBeLessThanOrEqual(m.jobs_submitted);
        if (m.jct_p50_s !== null) {
          expect(m.jct_p50_s).toBeLessThanOrEqual(m.jct_p95_s!);
          expect(m.jct_p95_s).toBeLessThanOrEqual(m.jct_p99_s!);
          expect(m.jct_p50_s).toBeGreaterThanOrEqual(0);
        }
        if (m.queue_delay_p50_s !== null) {
          expect(m.queue_delay_p50_s).toBeLessThanOrEqual(m.queue_delay_p99_s!);
        }
        const byCause = Object.values(m.node_failures_by_cause).reduce((a, n) => a + n, 0);
        expect(byCause).toBe(m.node_failures);
      }),
      { numRuns: 300 },
    );
  });
});

describe('computeMetrics streaming', () => {
  it('reads a long generated trace without holding it (200 nodes, 50,000 jobs)', () => {
    const NODES_N = 200;
    const JOBS_N = 50_000;
    function* records(): Generator<TraceRecord> {
      let seq = 0;
      yield { t: 0, seq: seq++, type: 'trace.header', actor: 'raysim', data: { version: 1 } };
      for (let i = 0; i < NODES_N; i++) {
        yield { t: 0, seq: seq++, type: TRACE.nodeReady, actor: 'nodepool', ref: node(`n${i}`), data: { gpus: 8, pricePerHour: 36 } };
      }
      // Job i: submitted at 10 s * i, bound at +10 s on node i % 200, runs 100 s, finishes at +110 s.
      for (let i = 0; i < JOBS_N; i++) {
        const t0 = i * 10_000;
        const ref = jobRef(`j${i}`);
        const p = podRef(`j${i}-0`);
        yield { t: t0, seq: seq++, type: TRACE.jobSubmitted, actor: 'ray', ref, data: { gpus: 8, pods: 1 } };
        // Earlier jobs finish in between; emit them in time order by finishing job i - 11 here.
        const done = i - 11;
        if (done >= 0) yield* finish(done, t0);
        yield { t: t0 + 1, seq: seq++, type: TRACE.podBound, actor: 'scheduler', ref: p, data: { node: `n${i % NODES_N}`, gpus: 8 } };
      }
      for (let d = JOBS_N - 11; d < JOBS_N; d++) yield* finish(d, d * 10_000 + 110_000);
      function* finish(k: number, t: number): Generator<TraceRecord> {
        yield { t, seq: seq++, type: TRACE.jobFinished, actor: 'ray', ref: jobRef(`j${k}`), data: { status: 'Complete', attempts: 1 } };
        yield { t, seq: seq++, type: TRACE.podDeleted, actor: 'kubelet', ref: podRef(`j${k}-0`) };
      }
    }
    const m = computeMetrics(records());
    expect(m.jobs_completed).toBe(JOBS_N);
    expect(m.jobs_unfinished).toBe(0);
    expect(m.jct_p50_s).toBe(110);
    expect(m.jct_p99_s).toBe(110);
    expect(m.makespan_s).toBe(((JOBS_N - 1) * 10_000 + 110_000) / 1000);
    // Every job holds 8 GPUs from +1 ms to +110 s.
    expect(m.gpu_hours_used).toBeCloseTo((JOBS_N * 8 * 109.999) / 3600, 6);
  });
});
