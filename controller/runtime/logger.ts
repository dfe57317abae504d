// Structured logging for controllers: one record per call, with fields inherited through
// `child`, written as JSON lines (for machines) or a readable text line (for people) to a sink
// function. Timestamps come from an injected Clock, so simulation logs carry virtual time and
// repeat byte for byte.

import type { Clock } from '../../sim/core/clock.js';
import type { Logger, LogLevel } from './reconciler.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export type LogFormat = 'json' | 'text';

export interface LoggerOptions {
  /** Records below this level are dropped (default 'info'). */
  level?: LogLevel;
  format?: LogFormat;
  /** Receives each record as one line without the newline (default: standard error). */
  sink?: (line: string) => void;
  /** Stamps each record; without it records carry no time. */
  clock?: Clock;
  /** Fields on every record. */
  fields?: Record<string, unknown>;
}

/** "debug" | "info" | ... from a flag or environment variable; anything else throws and lists the levels. */
export function parseLogLevel(text: string): LogLevel {
  const l = text.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(l)) return l as LogLevel;
  throw new Error(`unknown log level "${text}" (known: ${LOG_LEVELS.join(', ')})`);
}

function stderrSink(line: string): void {
  process.stderr.write(line + '\n');
}

export class StructuredLogger implements Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  private readonly sink: (line: string) => void;
  private readonly clock: Clock | undefined;
  private readonly fields: Record<string, unknown>;
  private readonly min: number;

  constructor(opts: LoggerOptions = {}) {
    this.level = opts.level ?? 'info';
    if (RANK[this.level] === undefined) throw new Error(`unknown log level "${this.level}" (known: ${LOG_LEVELS.join(', ')})`);
    this.format = opts.format ?? 'json';
    this.sink = opts.sink ?? stderrSink;
    this.clock = opts.clock;
    this.fields = opts.fields ?? {};
    this.min = RANK[this.level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!(RANK[level] >= this.min)) return;
    const all = fields ? { ...this.fields, ...fields } : this.fields;
    const ts = this.clock ? new Date(this.clock.now()).toISOString() : undefined;
    this.sink(this.format === 'json' ? jsonLine(ts, level, msg, all) : textLine(ts, level, msg, all));
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  child(fields: Record<string, unknown>): Logger {
    return new StructuredLogger({ level: this.level, format: this.format, sink: this.sink, clock: this.clock, fields: { ...this.fields, ...fields } });
  }
}

export function createLogger(opts: LoggerOptions = {}): StructuredLogger {
  return new StructuredLogger(opts);
}

class SilentLogger implements Logger {
  log(): void {}
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
  child(): Logger {
    return this;
  }
}

/** Drops everything: the default where no logger is given. */
export const silentLogger: Logger = new SilentLogger();

// Errors stringify to {} by default; keep what a reader needs.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const k of ['code', 'reason'] as const) {
      const v = (value as unknown as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function stringify(v: unknown): string {
  try {
    return JSON.stringify(v, replacer) ?? 'undefined';
  } catch {
    // Circular structures: a log call must never throw into its caller.
    return JSON.stringify(String(v));
  }
}

function jsonLine(ts: string | undefined, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  let s = '{';
  if (ts !== undefined) s += `"ts":${JSON.stringify(ts)},`;
  s += `"level":"${level}","msg":${JSON.stringify(msg)}`;
  for (const k in fields) {
    if (k === 'ts' || k === 'level' || k === 'msg') continue;
    const v = fields[k];
    if (v === undefined) continue;
    s += `,${JSON.stringify(k)}:${stringify(v)}`;
  }
  return s + '}';
}

function textLine(ts: string | undefined, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  let s = ts !== undefined ? `${ts} ` : '';
  s += `${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    let t: string;
    if (typeof v === 'string') t = /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
    else if (v instanceof Error) t = JSON.stringify(v.message);
    else t = stringify(v);
    s += ` ${k}=${t}`;
  }
  return s;
}
