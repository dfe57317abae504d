// Presenting metrics: a plain-text table for people (human units, no ANSI codes), JSON and CSV
// for tools (raw numbers, stable column/key order), a CSV of the trace's sample records for
// plotting, and the check of scenario expectations against the metrics.

import Table from 'cli-table3';
import type { TraceRecord } from '../core/trace.js';
import { TRACE } from '../core/trace-events.js';
import { METRIC_NAMES, type MetricName, type Metrics, type ScalarMetricName } from './compute.js';

/** How a metric's value reads to a person. */
export type MetricUnit = 'count' | 'seconds' | 'pct' | 'fraction' | 'index' | 'gpu_hours' | 'usd' | 'causes';

export const METRIC_UNITS: Readonly<Record<MetricName, MetricUnit>> = {
  duration_s: 'seconds',
  jobs_submitted: 'count',
  jobs_completed: 'count',
  jobs_failed: 'count',
  jobs_unfinished: 'count',
  jobs_retried: 'count',
  jct_mean_s: 'seconds',
  jct_p50_s: 'seconds',
  jct_p95_s: 'seconds',
  jct_p99_s: 'seconds',
  queue_delay_mean_s: 'seconds',
  queue_delay_p50_s: 'seconds',
  queue_delay_p95_s: 'seconds',
  queue_delay_p99_s: 'seconds',
  makespan_s: 'seconds',
  gpu_hours_available: 'gpu_hours',
  gpu_hours_used: 'gpu_hours',
  gpu_hours_useful: 'gpu_hours',
  gpu_hours_lost: 'gpu_hours',
  gpu_allocation_pct: 'pct',
  goodput_pct: 'pct',
  fragmentation: 'fraction',
  fairness: 'index',
  serve_downtime_s: 'seconds',
  node_failures: 'count',
  node_failures_by_cause: 'causes',
  cost_usd: 'usd',
};

const NA = 'n/a';

/** `1234567.891, 2` -> "1,234,567.89": fixed decimals, thousands separators, locale-independent. */
export function formatNumber(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return String(x);
  const fixed = Math.abs(x).toFixed(decimals);
  const dot = fixed.indexOf('.');
  const int = dot === -1 ? fixed : fixed.slice(0, dot);
  const frac = dot === -1 ? '' : fixed.slice(dot);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // No "-0.0": a negative that rounds to zero prints as zero.
  const negative = x < 0 && /[1-9]/.test(fixed);
  return (negative ? '-' : '') + grouped + frac;
}

/** A duration in seconds, in the largest unit that keeps it readable: s, min, h, d. */
export function formatDuration(s: number): string {
  const a = Math.abs(s);
  if (a < 60) return `${formatNumber(s, 1)} s`;
  if (a < 3600) return `${formatNumber(s / 60, 1)} min`;
  if (a < 2 * 86_400) return `${formatNumber(s / 3600, 2)} h`;
  return `${formatNumber(s / 86_400, 2)} d`;
}

/** Failure causes, most frequent first (ties by name): "faulty-gpu 3, network 1"; "none" if empty. */
export function formatCauses(byCause: Readonly<Record<string, number>>): string {
  const entries = Object.entries(byCause).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (entries.length === 0) return 'none';
  // Three causes a line keeps the summary table narrow (a 30-day fleet has over a dozen causes).
  const parts = entries.map(([c, n]) => `${c} ${formatNumber(n, 0)}`);
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 3) lines.push(parts.slice(i, i + 3).join(', '));
  return lines.join(',\n');
}

/** One metric's value in human units ("1.17 h", "68.8%", "$1,234.56"); null is "n/a". */
export function formatMetric(name: MetricName, value: number | null | Readonly<Record<string, number>>): string {
  if (value === null) return NA;
  if (typeof value === 'object') return formatCauses(value);
  switch (METRIC_UNITS[name]) {
    case 'count':
      return formatNumber(value, 0);
    case 'seconds':
      return formatDuration(value);
    case 'pct':
      return `${formatNumber(value, 1)}%`;
    case 'fraction':
      return `${formatNumber(value * 100, 1)}%`;
    case 'index':
      return formatNumber(value, 3);
    case 'gpu_hours':
      return `${formatNumber(value, 1)} GPU-h`;
    case 'usd':
      return `${value < 0 ? '-' : ''}$${formatNumber(Math.abs(value), 2)}`;
    case 'causes':
      return String(value);
  }
}

/** A two-column plain-text table (metric key, value in human units); no colour codes. */
export function metricsTable(m: Metrics): string {
  const table = new Table({
    head: ['metric', 'value'],
    colAligns: ['left', 'right'],
    // No colours (plain text in logs and files); no rule between rows.
    style: { head: [], border: [], compact: true },
  });
  for (const name of METRIC_NAMES) table.push([name, formatMetric(name, m[name])]);
  return table.toString();
}

/** The metrics as an object with keys in METRIC_NAMES order and failure causes sorted by name. */
export function orderedMetrics(m: Metrics): Metrics {
  const out: Record<string, unknown> = {};
  for (const name of METRIC_NAMES) {
    if (name === 'node_failures_by_cause') {
      const causes: Record<string, number> = {};
      for (const c of Object.keys(m.node_failures_by_cause).sort()) causes[c] = m.node_failures_by_cause[c]!;
      out[name] = causes;
    } else {
      out[name] = m[name];
    }
  }
  return out as unknown as Metrics;
}

/** Pretty JSON with a stable key order and raw (unrounded) numbers; ends with a newline. */
export function metricsJson(m: Metrics): string {
  return JSON.stringify(orderedMetrics(m), null, 2) + '\n';
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvRow(cells: readonly string[]): string {
  return cells.map(csvCell).join(',');
}

/**
 * One header row (METRIC_NAMES) and one data row; raw numbers, null as an empty cell, and
 * node_failures_by_cause as "cause=n;cause=n" sorted by cause so the columns never vary.
 */
export function metricsCsv(m: Metrics): string {
  const values = METRIC_NAMES.map((name) => {
    if (name === 'node_failures_by_cause') {
      return Object.keys(m.node_failures_by_cause)
        .sort()
        .map((c) => `${c}=${m.node_failures_by_cause[c]}`)
        .join(';');
    }
    const v = m[name];
    return v === null ? '' : String(v);
  });
  return csvRow(METRIC_NAMES) + '\n' + csvRow(values) + '\n';
}

/** Columns of `timeseriesCsv`, and the `sample` data key each comes from. */
export const TIMESERIES_COLUMNS: readonly (readonly [column: string, dataKey: string])[] = [
  ['gpus_total', 'gpusTotal'],
  ['gpus_allocated', 'gpusAllocated'],
  ['gpus_busy', 'gpusBusy'],
  ['nodes_ready', 'nodesReady'],
  ['pods_pending', 'podsPending'],
  ['pods_running', 'podsRunning'],
];

/** The trace's `sample` records as CSV for plotting: t_s then TIMESERIES_COLUMNS; missing values empty. Streams its input once. */
export function timeseriesCsv(records: Iterable<TraceRecord>): string {
  const lines = [csvRow(['t_s', ...TIMESERIES_COLUMNS.map(([c]) => c)])];
  for (const r of records) {
    if (r.type !== TRACE.sample) continue;
    const cells = [String(r.t / 1000)];
    for (const [, key] of TIMESERIES_COLUMNS) {
      const v = r.data?.[key];
      cells.push(typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
    }
    lines.push(csvRow(cells));
  }
  return lines.join('\n') + '\n';
}

// ---- expectations

export type ExpectationOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export const EXPECTATION_OPS: readonly ExpectationOp[] = ['<', '<=', '>', '>=', '==', '!='];

export interface Expectation {
  /** A metric name, or "node_failures_by_cause.<cause>" (a missing cause counts 0). */
  metric: string;
  op: ExpectationOp;
  value: number;
  /** For == and !=: the absolute difference still counted as equal; default 1e-9 * max(1, |value|). */
  tolerance?: number;
}

export interface ExpectationViolation {
  expectation: Expectation;
  /** The metric's value; null when it is n/a or the metric is unknown. */
  actual: number | null;
  message: string;
}

/** An expectation names one failure cause's count as this prefix + the cause ("node_failures_by_cause.nic"). */
export const CAUSE_METRIC_PREFIX = 'node_failures_by_cause.';

/** The metrics an expectation may name as they are: every metric but node_failures_by_cause (a
 * record, named per cause with CAUSE_METRIC_PREFIX), in METRIC_NAMES order. */
export const EXPECTABLE_METRICS: readonly ScalarMetricName[] = METRIC_NAMES.filter((n): n is ScalarMetricName => n !== 'node_failures_by_cause');

/** Whether `metric` can be named in an expectation (so scenario validators can check early). */
export function isExpectableMetric(metric: string): boolean {
  if (metric.startsWith(CAUSE_METRIC_PREFIX)) return metric.length > CAUSE_METRIC_PREFIX.length;
  return (EXPECTABLE_METRICS as readonly string[]).includes(metric);
}

function compare(actual: number, op: ExpectationOp, expected: number, tolerance: number | undefined): boolean {
  const tol = tolerance ?? 1e-9 * Math.max(1, Math.abs(expected));
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '==':
      return Math.abs(actual - expected) <= tol;
    case '!=':
      return Math.abs(actual - expected) > tol;
  }
}

/** A value (to 10 significant digits) with its human form when that adds something: "4800 (1.33 h)". */
function describe(name: MetricName, v: number): string {
  const raw = String(Number(v.toPrecision(10)));
  const human = formatMetric(name, v);
  return human === raw ? raw : `${raw} (${human})`;
}

/**
 * Checks every expectation and returns the ones that fail, in order, each with a readable
 * message. A metric that is n/a (e.g. a JCT percentile with no completed jobs) fails every
 * comparison; an unknown metric or operator is reported as a violation, not thrown, so a
 * scenario's problems are all listed at once.
 */
export function checkExpectations(m: Metrics, expectations: readonly Expectation[]): ExpectationViolation[] {
  const violations: ExpectationViolation[] = [];
  for (const e of expectations) {
    const { metric, op, value } = e;
    const fail = (actual: number | null, message: string) => violations.push({ expectation: e, actual, message });
    if (typeof metric !== 'string' || !isExpectableMetric(metric)) {
      fail(null, `unknown metric ${JSON.stringify(metric)}; known: ${EXPECTABLE_METRICS.join(', ')}, ${CAUSE_METRIC_PREFIX}<cause>`);
      continue;
    }
    if (!(EXPECTATION_OPS as readonly string[]).includes(op)) {
      fail(null, `${metric}: unknown operator ${JSON.stringify(op)}; known: ${EXPECTATION_OPS.join(' ')}`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(null, `${metric}: expected value must be a finite number, got ${JSON.stringify(value)}`);
      continue;
    }
    let name: MetricName;
    let actual: number | null;
    if (metric.startsWith(CAUSE_METRIC_PREFIX)) {
      name = 'node_failures';
      actual = m.node_failures_by_cause[metric.slice(CAUSE_METRIC_PREFIX.length)] ?? 0;
    } else {
      name = metric as MetricName;
      actual = m[name] as number | null;
    }
    const want = `${metric} ${op} ${describe(name, value)}`;
    if (actual === null) {
      fail(null, `expected ${want}, but ${metric} is n/a (nothing to measure in this run)`);
    } else if (!compare(actual, op, value, e.tolerance)) {
      fail(actual, `expected ${want}, got ${describe(name, actual)}`);
    }
  }
  return violations;
}
