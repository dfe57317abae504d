import * as fs from 'node:fs';

/** Bump when a reader of the old format would misread the new one. */
export const TRACE_VERSION = 1;

export const TRACE_HEADER_TYPE = 'trace.header';

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export type TraceRef = ObjectRef | string;

export interface TraceRecord {
  /** Virtual ms since simulation start. */
  t: number;
  /** 0 for the header, then 1, 2, ... per writer. */
  seq: number;
  type: string;
  actor: string;
  ref?: TraceRef;
  reason?: string;
  data?: Record<string, unknown>;
}

/** What callers hand to `emit`: the writer assigns `seq`, and `t` may come from the writer's clock. */
export interface TraceEvent {
  t?: number;
  type: string;
  actor: string;
  ref?: TraceRef;
  reason?: string;
  data?: Record<string, unknown>;
}

/** Receives serialised records, one line each, without the trailing newline. */
export interface TraceSink {
  write(line: string): void;
  close(): void | Promise<void>;
}

export class MemorySink implements TraceSink {
  readonly lines: string[] = [];
  closed = false;

  write(line: string): void {
    if (this.closed) throw new Error('MemorySink: write after close');
    this.lines.push(line);
  }

  close(): void {
    this.closed = true;
  }

  /** The trace as it would appear in a file. */
  text(): string {
    return this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
  }

  records(): TraceRecord[] {
    return this.lines.map((l) => JSON.parse(l) as TraceRecord);
  }
}

// Synchronous writes in large chunks: the simulation loop never yields to I/O between events,
// and the file's bytes do not depend on when an async stream happened to drain.
const FILE_CHUNK_CHARS = 64 * 1024;

export class FileSink implements TraceSink {
  private fd: number | undefined;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
  }

  write(line: string): void {
    if (this.fd === undefined) throw new Error(`FileSink(${this.path}): write after close`);
    this.buffer.push(line, '\n');
    this.buffered += line.length + 1;
    if (this.buffered >= FILE_CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.buffered === 0) return;
    const bytes = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.buffered = 0;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

export interface TraceWriterOptions {
  /** Supplies `t` for events emitted without one, normally `() => sim.elapsed()`. */
  elapsed?: () => number;
  /** Sees every record as it is written (e.g. a metrics accumulator), without re-parsing lines. */
  onRecord?: (r: TraceRecord) => void;
}

/** A sink that keeps nothing: runs that only want metrics (the onRecord listener) and no file. */
export class NullSink implements TraceSink {
  write(): void {}
  close(): void {}
}

export class TraceWriter {
  private seq = 0;
  private lastT = 0;
  private readonly elapsed: (() => number) | undefined;
  private readonly onRecord: ((r: TraceRecord) => void) | undefined;

  /** Writes the header immediately, so it is always the first line. `meta` (scenario, seed, ...)
   * goes into the header's data next to `version`. */
  constructor(
    private readonly sink: TraceSink,
    meta: Record<string, unknown> = {},
    opts: TraceWriterOptions = {},
  ) {
    if (Object.prototype.hasOwnProperty.call(meta, 'version')) {
      throw new Error('TraceWriter: meta must not contain "version"; it is reserved for TRACE_VERSION');
    }
    this.elapsed = opts.elapsed;
    this.onRecord = opts.onRecord;
    sink.write(serializeRecord({ t: 0, seq: 0, type: TRACE_HEADER_TYPE, actor: 'raysim', data: { version: TRACE_VERSION, ...meta } }));
  }

  /** Number of records written, header included. */
  get count(): number {
    return this.seq + 1;
  }

  /** Writes one record and returns the seq it was given. */
  emit(event: TraceEvent): number {
    let t = event.t;
    if (t === undefined) {
      if (this.elapsed === undefined) throw new Error(`TraceWriter.emit(${event.type}): no t given and the writer has no clock`);
      t = this.elapsed();
    }
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new RangeError(`TraceWriter.emit(${event.type}): t must be a finite number, got ${t}`);
    // The format promises time order; a record from the past means a component misread the clock.
    if (t < this.lastT) throw new RangeError(`TraceWriter.emit(${event.type}): t=${t} is before the previous record's t=${this.lastT}`);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('TraceWriter.emit: type must be a non-empty string');
    if (typeof event.actor !== 'string' || event.actor.length === 0) throw new TypeError(`TraceWriter.emit(${event.type}): actor must be a non-empty string`);
    const seq = ++this.seq;
    this.lastT = t;
    const record: TraceRecord = { t, seq, type: event.type, actor: event.actor, ref: event.ref, reason: event.reason, data: event.data };
    this.sink.write(serializeRecord(record));
    this.onRecord?.(record);
    return seq;
  }

  close(): void | Promise<void> {
    return this.sink.close();
  }
}

/**
 * One JSON line with keys in the fixed order t, seq, type, actor, ref, reason, data (undefined
 * ones omitted), so traces compare byte for byte. Keys inside `data` keep their insertion order,
 * which deterministic code reproduces.
 */
export function serializeRecord(r: TraceRecord): string {
  let s = `{"t":${JSON.stringify(r.t)},"seq":${r.seq},"type":${JSON.stringify(r.type)},"actor":${JSON.stringify(r.actor)}`;
  if (r.ref !== undefined) s += `,"ref":${serializeRef(r.ref)}`;
  if (r.reason !== undefined) s += `,"reason":${JSON.stringify(r.reason)}`;
  if (r.data !== undefined) s += `,"data":${JSON.stringify(r.data)}`;
  return s + '}';
}

function serializeRef(ref: TraceRef): string {
  if (typeof ref === 'string') return JSON.stringify(ref);
  let s = `{"kind":${JSON.stringify(ref.kind)}`;
  if (ref.namespace !== undefined) s += `,"namespace":${JSON.stringify(ref.namespace)}`;
  s += `,"name":${JSON.stringify(ref.name)}`;
  if (ref.uid !== undefined) s += `,"uid":${JSON.stringify(ref.uid)}`;
  return s + '}';
}

/** A trace that cannot be read; `line` is 1-based. */
export class TraceParseError extends Error {
  override readonly name = 'TraceParseError';
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`trace line ${line}: ${problem}`);
  }
}

/** Parses and validates a whole trace (header first, seq increasing, t nondecreasing). */
export function parseTrace(text: string): TraceRecord[] {
  const lines = text.split('\n');
  // A well-formed file ends with a newline, which leaves one empty element.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new TraceParseError(1, 'empty trace: missing the trace.header record');
  const out: TraceRecord[] = [];
  let prev: TraceRecord | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new TraceParseError(lineNo, `invalid JSON (${(err as Error).message})`);
    }
    const rec = validateRecord(v, lineNo);
    if (i === 0) {
      if (rec.type !== TRACE_HEADER_TYPE) throw new TraceParseError(lineNo, `expected a "${TRACE_HEADER_TYPE}" record first, got "${rec.type}"`);
      const version = rec.data?.['version'];
      if (version !== TRACE_VERSION) {
        throw new TraceParseError(lineNo, `unsupported trace version ${JSON.stringify(version)} (this reader understands ${TRACE_VERSION})`);
      }
    } else if (prev !== undefined) {
      if (rec.seq <= prev.seq) throw new TraceParseError(lineNo, `seq ${rec.seq} does not increase (previous ${prev.seq})`);
      if (rec.t < prev.t) throw new TraceParseError(lineNo, `t ${rec.t} is before the previous record's t ${prev.t}`);
    }
    out.push(rec);
    prev = rec;
  }
  return out;
}

function validateRecord(v: unknown, line: number): TraceRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TraceParseError(line, 'expected a JSON object');
  const r = v as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r['t'] !== 'number') problems.push('"t" must be a number');
  if (!Number.isInteger(r['seq']) || (r['seq'] as number) < 0) problems.push('"seq" must be a non-negative integer');
  if (typeof r['type'] !== 'string') problems.push('"type" must be a string');
  if (typeof r['actor'] !== 'string') problems.push('"actor" must be a string');
  const ref = r['ref'];
  if (ref !== undefined && typeof ref !== 'string') {
    const o = ref as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o['kind'] !== 'string' || typeof o['name'] !== 'string') {
      problems.push('"ref" must be a string or an object with string "kind" and "name"');
    }
  }
  if (r['reason'] !== undefined && typeof r['reason'] !== 'string') problems.push('"reason" must be a string');
  const data = r['data'];
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) problems.push('"data" must be an object');
  if (problems.length > 0) throw new TraceParseError(line, problems.join('; '));
  return r as unknown as TraceRecord;
}
