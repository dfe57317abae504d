import { describe, expect, it } from 'vitest';
import {
  EXPECTABLE_METRICS,
  METRIC_NAMES,
  checkExpectations,
  formatCauses,
  computeMetrics,
  formatDuration,
  formatMetric,
  formatNumber,
  isExpectableMetric,
  metricsCsv,
  metricsJson,
  metricsTable,
  timeseriesCsv,
  type Expectation,
  type Metrics,
} from '../../sim/metrics/index.js';
import { trace } from './trace-builder.js';

// A fixed Metrics value, with the failure causes deliberately out of order.
function sample(): Metrics {
  return {
    duration_s: 30 * 86_400,
    jobs_submitted: 12_345,
    jobs_completed: 12_000,
    jobs_failed: 45,
    jobs_unfinished: 300,
    jobs_retried: 17,
    jct_mean_s: 4000,
    jct_p50_s: 42.5,
    jct_p95_s: 1800,
    jct_p99_s: 200_000,
    queue_delay_mean_s: 0,
    queue_delay_p50_s: null,
    queue_delay_p95_s: 59.99,
    queue_delay_p99_s: 3599,
    makespan_s: 2_591_000,
    gpu_hours_available: 1_234_567.891,
    gpu_hours_used: 1_000_000,
    gpu_hours_useful: 900_000.05,
    gpu_hours_lost: 0.04,
    gpu_allocation_pct: 81.00004,
    goodput_pct: 90.05,
    fragmentation: 0.12345,
    fairness: 0.98765,
    serve_downtime_s: 12.5,
    node_failures: 3,
    node_failures_by_cause: { network: 1, 'faulty-gpu': 2 },
    cost_usd: 8_491_234.5,
  };
}

const ANSI = /\u001b\[/;

describe('metricsTable', () => {
  it('prints every metric in human units, without ANSI codes, the same every time', () => {
    const text = metricsTable(sample());
    expect(text).not.toMatch(ANSI);
    expect(text).toBe(metricsTable(sample()));
    expect(text).toBe(
      [
        '┌────────────────────────┬─────────────────────────┐',
        '│ metric                 │                   value │',
        '├────────────────────────┼─────────────────────────┤',
        '│ duration_s             │                 30.00 d │',
        '│ jobs_submitted         │                  12,345 │',
        '│ jobs_completed         │                  12,000 │',
        '│ jobs_failed            │                      45 │',
        '│ jobs_unfinished        │                     300 │',
        '│ jobs_retried           │                      17 │',
        '│ jct_mean_s             │                  1.11 h │',
        '│ jct_p50_s              │                  42.5 s │',
        '│ jct_p95_s              │                30.0 min │',
        '│ jct_p99_s              │                  2.31 d │',
        '│ queue_delay_mean_s     │                   0.0 s │',
        '│ queue_delay_p50_s      │                     n/a │',
        '│ queue_delay_p95_s      │                  60.0 s │',
        '│ queue_delay_p99_s      │                60.0 min │',
        '│ makespan_s             │                 29.99 d │',
        '│ gpu_hours_available    │       1,234,567.9 GPU-h │',
        '│ gpu_hours_used         │       1,000,000.0 GPU-h │',
        '│ gpu_hours_useful       │         900,000.1 GPU-h │',
        '│ gpu_hours_lost         │               0.0 GPU-h │',
        '│ gpu_allocation_pct     │                   81.0% │',
        '│ goodput_pct            │                   90.0% │',
        '│ fragmentation          │                   12.3% │',
        '│ fairness               │                   0.988 │',
        '│ serve_downtime_s       │                  12.5 s │',
        '│ node_failures          │                       3 │',
        '│ node_failures_by_cause │ faulty-gpu 2, network 1 │',
        '│ cost_usd               │           $8,491,234.50 │',
        '└────────────────────────┴─────────────────────────┘',
      ].join('\n'),
    );
  });
});

describe('formatting helpers', () => {
  const numbers: [number, number, string][] = [
    [0, 0, '0'],
    [999, 0, '999'],
    [1000, 0, '1,000'],
    [1234567.891, 2, '1,234,567.89'],
    [-1234.5, 1, '-1,234.5'],
    [-0.04, 1, '0.0'],
    [12.25, 1, '12.3'],
  ];
  for (const [x, d, want] of numbers) it(`formatNumber(${x}, ${d}) = ${want}`, () => expect(formatNumber(x, d)).toBe(want));

  const durations: [number, string][] = [
    [0, '0.0 s'],
    [59.94, '59.9 s'],
    [60, '1.0 min'],
    [3599, '60.0 min'],
    [3600, '1.00 h'],
    [47 * 3600, '47.00 h'],
    [2 * 86_400, '2.00 d'],
    [30 * 86_400, '30.00 d'],
  ];
  for (const [s, want] of durations) it(`formatDuration(${s}) = ${want}`, () => expect(formatDuration(s)).toBe(want));

  it('formatMetric by unit', () => {
    expect(formatMetric('cost_usd', 1234.5)).toBe('$1,234.50');
    expect(formatMetric('gpu_allocation_pct', 68.75)).toBe('68.8%');
    expect(formatMetric('fragmentation', 0.2)).toBe('20.0%');
    expect(formatMetric('fairness', 1)).toBe('1.000');
    expect(formatMetric('gpu_hours_used', 22)).toBe('22.0 GPU-h');
    expect(formatMetric('jct_p50_s', null)).toBe('n/a');
    expect(formatMetric('node_failures_by_cause', {})).toBe('none');
    expect(formatMetric('node_failures_by_cause', { b: 1, a: 1, c: 5 })).toBe('c 5, a 1, b 1');
  });
});

describe('metricsJson', () => {
  it('has keys in METRIC_NAMES order, causes sorted, raw numbers, and parses back', () => {
    const m = sample();
    const text = metricsJson(m);
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as Metrics;
    expect(Object.keys(parsed)).toEqual([...METRIC_NAMES]);
    expect(Object.keys(parsed.node_failures_by_cause)).toEqual(['faulty-gpu', 'network']);
    expect(parsed).toEqual(m);
    expect(text).toContain('"gpu_allocation_pct": 81.00004,');
    expect(text).toContain('"queue_delay_p50_s": null,');
  });

  it('does not depend on the key order of its input', () => {
    const m = sample();
    const shuffled = Object.fromEntries(Object.entries(m).reverse()) as unknown as Metrics;
    expect(metricsJson(shuffled)).toBe(metricsJson(m));
  });
});

describe('metricsCsv', () => {
  it('one header row of metric names and one row of raw values', () => {
    const lines = metricsCsv(sample()).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toBe(METRIC_NAMES.join(','));
    const cells = lines[1]!.split(',');
    expect(cells).toHaveLength(METRIC_NAMES.length);
    const cell = (name: string) => cells[METRIC_NAMES.indexOf(name as never)];
    expect(cell('jobs_submitted')).toBe('12345');
    expect(cell('queue_delay_p50_s')).toBe('');
    expect(cell('node_failures_by_cause')).toBe('faulty-gpu=2;network=1');
    expect(cell('cost_usd')).toBe('8491234.5');
    expect(metricsCsv(sample())).not.toMatch(ANSI);
  });
});

describe('timeseriesCsv', () => {
  it('one row per sample record, t in seconds, other records skipped', () => {
    const tr = trace()
      .nodeReady('n1')
      .at(0)
      .sample({ gpusTotal: 8, gpusAllocated: 0, gpusBusy: 0, nodesReady: 1, podsPending: 1, podsRunning: 0 })
      .at(1500)
      .bind('p', 'n1', 8)
      .sample({ gpusTotal: 8, gpusAllocated: 8, gpusBusy: 6, nodesReady: 1, podsPending: 0, podsRunning: 1 })
      .at(60_000)
      .record('sample', 'metrics', undefined, { gpusTotal: 16 });
    expect(timeseriesCsv(tr.records())).toBe(
      [
        't_s,gpus_total,gpus_allocated,gpus_busy,nodes_ready,pods_pending,pods_running',
        '0,8,0,0,1,1,0',
        '1.5,8,8,6,1,0,1',
        '60,16,,,,,',
        '',
      ].join('\n'),
    );
    expect(timeseriesCsv(trace().records())).toBe('t_s,gpus_total,gpus_allocated,gpus_busy,nodes_ready,pods_pending,pods_running\n');
  });
});

describe('checkExpectations', () => {
  const m = sample();

  it('passes expectations that hold, for every operator', () => {
    const ok: Expectation[] = [
      { metric: 'jobs_failed', op: '<', value: 46 },
      { metric: 'jobs_failed', op: '<=', value: 45 },
      { metric: 'goodput_pct', op: '>', value: 90 },
      { metric: 'goodput_pct', op: '>=', value: 90.05 },
      { metric: 'jobs_submitted', op: '==', value: 12_345 },
      { metric: 'gpu_allocation_pct', op: '==', value: 81, tolerance: 0.001 },
      { metric: 'node_failures', op: '!=', value: 0 },
      { metric: 'node_failures_by_cause.faulty-gpu', op: '==', value: 2 },
      { metric: 'node_failures_by_cause.ssd', op: '==', value: 0 },
    ];
    expect(checkExpectations(m, ok)).toEqual([]);
  });

  it('reports each failing expectation with a readable message', () => {
    const bad: Expectation[] = [
      { metric: 'jct_p95_s', op: '<=', value: 1200 },
      { metric: 'goodput_pct', op: '>=', value: 95 },
      { metric: 'gpu_allocation_pct', op: '==', value: 81 },
      { metric: 'queue_delay_p50_s', op: '<', value: 60 },
      { metric: 'node_failures_by_cause.network', op: '<', value: 1 },
      { metric: 'cost_usd', op: '<', value: 1_000_000 },
    ];
    const v = checkExpectations(m, bad);
    expect(v.map((x) => x.message)).toEqual([
      'expected jct_p95_s <= 1200 (20.0 min), got 1800 (30.0 min)',
      'expected goodput_pct >= 95 (95.0%), got 90.05 (90.0%)',
      'expected gpu_allocation_pct == 81 (81.0%), got 81.00004 (81.0%)',
      'expected queue_delay_p50_s < 60 (1.0 min), but queue_delay_p50_s is n/a (nothing to measure in this run)',
      'expected node_failures_by_cause.network < 1, got 1',
      'expected cost_usd < 1000000 ($1,000,000.00), got 8491234.5 ($8,491,234.50)',
    ]);
    expect(v.map((x) => x.actual)).toEqual([1800, 90.05, 81.00004, null, 1, 8_491_234.5]);
    expect(v[0]!.expectation).toBe(bad[0]);
  });

  it('reports unknown metrics and operators and bad values, all at once', () => {
    const v = checkExpectations(m, [
      { metric: 'jct_p90_s', op: '<', value: 1 },
      { metric: 'node_failures_by_cause', op: '<', value: 1 },
      { metric: 'jobs_failed', op: '=<' as never, value: 1 },
      { metric: 'jobs_failed', op: '<', value: Number.NaN },
    ]);
    expect(v).toHaveLength(4);
    expect(v[0]!.message).toMatch(/^unknown metric "jct_p90_s"; known: duration_s, .*jct_p95_s.*, node_failures_by_cause\.<cause>$/);
    expect(v[1]!.message).toMatch(/^unknown metric "node_failures_by_cause"/);
    expect(v[2]!.message).toBe('jobs_failed: unknown operator "=<"; known: < <= > >= == !=');
    expect(v[3]!.message).toBe('jobs_failed: expected value must be a finite number, got null');
  });

  it('isExpectableMetric', () => {
    expect(isExpectableMetric('jct_p99_s')).toBe(true);
    expect(isExpectableMetric('node_failures_by_cause.nic')).toBe(true);
    expect(isExpectableMetric('node_failures_by_cause.')).toBe(false);
    expect(isExpectableMetric('node_failures_by_cause')).toBe(false);
    expect(isExpectableMetric('latency')).toBe(false);
    // EXPECTABLE_METRICS (what scenario files may name as is) is every metric but the per-cause record.
    expect(EXPECTABLE_METRICS.every(isExpectableMetric)).toBe(true);
    expect([...EXPECTABLE_METRICS, 'node_failures_by_cause']).toEqual(expect.arrayContaining([...METRIC_NAMES]));
    expect(EXPECTABLE_METRICS).toHaveLength(METRIC_NAMES.length - 1);
  });

  it('works end to end on computed metrics', () => {
    const tr = trace().nodeReady('n1').submit('j', { gpus: 8 }).bind('j-0', 'n1', 8).scheduled('j', 1, 8).started('j', 1, 8).atSec(3600).finished('j').podDeleted('j-0');
    const metrics = computeMetrics(tr.records());
    expect(checkExpectations(metrics, [{ metric: 'jct_p50_s', op: '==', value: 3600 }, { metric: 'goodput_pct', op: '==', value: 100 }, { metric: 'cost_usd', op: '==', value: 36 }])).toEqual([]);
  });
});

describe('formatCauses wrapping', () => {
  it('puts three causes on a line so the summary table stays narrow', () => {
    expect(formatCauses({ 'faulty-gpu': 37, 'gpu-hbm3': 17, 'software-bug': 16, network: 8 })).toBe('faulty-gpu 37, gpu-hbm3 17, software-bug 16,\nnetwork 8');
    expect(formatCauses({})).toBe('none');
  });
});
