// What `raysim run` prints and writes: a progress bar in simulated time on a TTY, the summary
// table, run figures, expectation results, and DIR/trace.jsonl, metrics.json, metrics.csv and
// timeseries.csv (utilisation over time, for plotting).

import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { metricsCsv, metricsJson, metricsTable, timeseriesCsv } from './metrics/report.js';
import type { RunOptions, RunResult } from './run.js';

export function progressReporter(enabled: boolean): { onProgress: RunOptions['onProgress']; stop(): void } {
  if (!enabled) return { onProgress: undefined, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: 'simulating [{bar}] {percentage}% | {sim} of {total} simulated | {events} events', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (p) => {
      if (!started) {
        bar.start(p.totalMs, 0, { sim: human(0), total: human(p.totalMs), events: 0 });
        started = true;
      }
      bar.update(p.simMs, { sim: human(p.simMs), total: human(p.totalMs), events: p.events.toLocaleString('en-US') });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function human(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(0)}s`;
  if (s < 7200) return `${(s / 60).toFixed(0)}m`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}

/** How a run's expectations were judged: checked, or not, with why. */
export type ExpectationsVerdict = { checked: true } | { checked: false; why: string };

export function summary(name: string, r: RunResult, verdict: ExpectationsVerdict = { checked: true }): string {
  const lines = [
    `scenario ${name}: ${human(r.simMs)} simulated in ${(r.wallMs / 1000).toFixed(1)} s wall (${Math.round(r.simMs / Math.max(1, r.wallMs)).toLocaleString('en-US')}x), ${r.eventsRun.toLocaleString('en-US')} events (${Math.round((r.eventsRun / Math.max(1, r.wallMs)) * 1000).toLocaleString('en-US')}/s), ${r.traceRecords.toLocaleString('en-US')} trace records`,
    metricsTable(r.metrics),
  ];
  if (!verdict.checked) lines.push(`expectations: not checked (${verdict.why})`);
  else if (r.violations.length) lines.push(`expectations violated:\n${r.violations.map((v) => `  ${v.message}`).join('\n')}`);
  else lines.push('expectations: all met');
  if (r.programmingErrors.length) lines.push(`controller bugs (non-API exceptions):\n${r.programmingErrors.map((e) => `  ${e}`).join('\n')}`);
  return lines.join('\n');
}

/** DIR/metrics.json, DIR/metrics.csv and DIR/timeseries.csv (the trace is written during the run). */
export function writeOutputs(dir: string, r: RunResult): void {
  fs.writeFileSync(path.join(dir, 'metrics.json'), metricsJson(r.metrics));
  fs.writeFileSync(path.join(dir, 'metrics.csv'), metricsCsv(r.metrics));
  fs.writeFileSync(path.join(dir, 'timeseries.csv'), timeseriesCsv(r.samples));
}

/** `raysim run --profile`: events per kind (the 20 that took most time) and the process's peak memory. */
export function profileTable(r: RunResult): string {
  const counts = r.eventsByLabel ?? [];
  const totalMs = counts.reduce((s, [, , ms]) => s + ms, 0);
  const t = new Table({ head: ['event kind', 'events', '% of events', 'wall s', '% of time', 'µs/event'], colAligns: ['left', 'right', 'right', 'right', 'right', 'right'], style: { head: [], border: [] } });
  const row = (label: string, n: number, ms: number) =>
    t.push([label, n.toLocaleString('en-US'), ((100 * n) / Math.max(1, r.eventsRun)).toFixed(1), (ms / 1000).toFixed(2), ((100 * ms) / Math.max(1e-9, totalMs)).toFixed(1), n ? ((1000 * ms) / n).toFixed(1) : '']);
  for (const [label, n, ms] of counts.slice(0, 20)) row(label, n, ms);
  if (counts.length > 20) {
    const rest = counts.slice(20);
    row(`(${rest.length} more kinds)`, rest.reduce((s, [, n]) => s + n, 0), rest.reduce((s, [, , ms]) => s + ms, 0));
  }
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  return `${t.toString()}\nevents took ${(totalMs / 1000).toFixed(1)} s of ${(r.wallMs / 1000).toFixed(1)} s wall (the rest: setup, progress, trace and GC between events); ${r.pollsSkipped.toLocaleString('en-US')} idle polls skipped; peak RSS ${peakMiB.toFixed(0)} MiB`;
}
