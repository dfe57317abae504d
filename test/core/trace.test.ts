import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FileSink,
  MemorySink,
  TRACE_VERSION,
  TraceParseError,
  TraceWriter,
  parseTrace,
} from '../../sim/core/index.js';

const HEADER = `{"t":0,"seq":0,"type":"trace.header","actor":"raysim","data":{"version":${TRACE_VERSION},"scenario":"s1","seed":"42"}}`;

describe('TraceWriter', () => {
  it('writes the header first, with version and meta', () => {
    const sink = new MemorySink();
    new TraceWriter(sink, { scenario: 's1', seed: '42' });
    expect(sink.lines).toEqual([HEADER]);
    expect(TRACE_VERSION).toBe(1);
  });

  it('assigns seq 1, 2, ... and returns it', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink);
    expect(w.emit({ t: 0, type: 'a', actor: 'x' })).toBe(1);
    expect(w.emit({ t: 5, type: 'b', actor: 'x' })).toBe(2);
    expect(w.count).toBe(3);
    expect(sink.records().map((r) => r.seq)).toEqual([0, 1, 2]);
  });

  it('serialises keys in the fixed order t, seq, type, actor, ref, reason, data, omitting undefined', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink);
    // Keys deliberately given out of order.
    w.emit({
      data: { gpus: 8 },
      reason: 'no node with 8 free GPUs',
      ref: { uid: 'u1', name: 'p', namespace: 'default', kind: 'Pod' },
      actor: 'scheduler',
      type: 'schedule.failed',
      t: 1500,
    });
    w.emit({ t: 1500, type: 'fault', actor: 'injector', ref: 'node/n1', reason: undefined });
    w.emit({ t: 2000, type: 'tick', actor: 'x', ref: { kind: 'Node', name: 'n1' } });
    expect(sink.lines.slice(1)).toEqual([
      '{"t":1500,"seq":1,"type":"schedule.failed","actor":"scheduler","ref":{"kind":"Pod","namespace":"default","name":"p","uid":"u1"},"reason":"no node with 8 free GPUs","data":{"gpus":8}}',
      '{"t":1500,"seq":2,"type":"fault","actor":"injector","ref":"node/n1"}',
      '{"t":2000,"seq":3,"type":"tick","actor":"x","ref":{"kind":"Node","name":"n1"}}',
    ]);
  });

  it('takes t from its clock when the event has none', () => {
    const sink = new MemorySink();
    let now = 0;
    const w = new TraceWriter(sink, {}, { elapsed: () => now });
    now = 250;
    w.emit({ type: 'a', actor: 'x' });
    expect(sink.records()[1]!.t).toBe(250);
    expect(() => new TraceWriter(new MemorySink()).emit({ type: 'a', actor: 'x' })).toThrow(/no t/);
  });

  it.each([
    ['t going backwards', (w: TraceWriter) => (w.emit({ t: 10, type: 'a', actor: 'x' }), w.emit({ t: 9, type: 'a', actor: 'x' }))],
    ['NaN t', (w: TraceWriter) => w.emit({ t: NaN, type: 'a', actor: 'x' })],
    ['negative t', (w: TraceWriter) => w.emit({ t: -1, type: 'a', actor: 'x' })],
    ['empty type', (w: TraceWriter) => w.emit({ t: 0, type: '', actor: 'x' })],
    ['empty actor', (w: TraceWriter) => w.emit({ t: 0, type: 'a', actor: '' })],
  ])('misuse throws: %s', (_name, f) => {
    expect(() => f(new TraceWriter(new MemorySink()))).toThrow();
  });

  it('refuses meta that would override the version', () => {
    expect(() => new TraceWriter(new MemorySink(), { version: 2 })).toThrow(/version/);
  });
});

describe('FileSink', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes the same bytes as MemorySink across many chunks, and close flushes', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-trace-'));
    const file = path.join(dir, 'trace.jsonl');
    const mem = new MemorySink();
    const fsink = new FileSink(file);
    const wm = new TraceWriter(mem, { seed: 1 });
    const wf = new TraceWriter(fsink, { seed: 1 });
    for (let i = 0; i < 5000; i++) {
      const e = { t: i, type: 'pod.phase', actor: 'kubelet', ref: { kind: 'Pod', name: `p-${i}` }, data: { phase: 'Running', note: 'é✓' } };
      wm.emit(e);
      wf.emit(e);
    }
    fsink.close();
    fsink.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(mem.text());
    expect(parseTrace(text)).toHaveLength(5001);
    expect(() => fsink.write('x')).toThrow(/after close/);
  });
});

describe('parseTrace', () => {
  const good = [HEADER, '{"t":1,"seq":1,"type":"a","actor":"x"}', '{"t":1,"seq":2,"type":"b","actor":"y","ref":"r"}'].join('\n') + '\n';

  it('round-trips what the writer produced', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, { scenario: 's' });
    w.emit({ t: 3, type: 'a', actor: 'x', ref: { kind: 'RayJob', namespace: 'ns', name: 'j' }, reason: 'r', data: { n: 1 } });
    expect(parseTrace(sink.text())).toEqual(sink.records());
    expect(parseTrace(good).map((r) => r.type)).toEqual(['trace.header', 'a', 'b']);
    expect(parseTrace(good.replace(/\n/g, '\r\n'))).toHaveLength(3);
  });

  it.each([
    ['invalid JSON', good + '{"t":2,\n', 4, /invalid JSON/],
    ['a blank line in the middle', HEADER + '\n\n{"t":1,"seq":1,"type":"a","actor":"x"}\n', 2, /invalid JSON/],
    ['a non-object', good + '[1,2]\n', 4, /JSON object/],
    ['missing fields', good + '{"t":2,"seq":3}\n', 4, /"type".*"actor"/],
    ['a bad ref', good + '{"t":2,"seq":3,"type":"a","actor":"x","ref":{"name":"n"}}\n', 4, /"ref"/],
    ['seq not increasing', good + '{"t":2,"seq":2,"type":"a","actor":"x"}\n', 4, /seq 2/],
    ['t going backwards', good + '{"t":0,"seq":3,"type":"a","actor":"x"}\n', 4, /before/],
    ['no header', '{"t":1,"seq":1,"type":"a","actor":"x"}\n', 1, /trace\.header/],
    ['a wrong version', HEADER.replace(`"version":${TRACE_VERSION}`, '"version":99') + '\n', 1, /unsupported trace version 99/],
    ['an empty text', '', 1, /empty trace/],
  ])('rejects %s, naming the line', (_name, text, line, message) => {
    let err: unknown;
    try {
      parseTrace(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceParseError);
    expect((err as TraceParseError).line).toBe(line);
    expect((err as Error).message).toContain(`line ${line}:`);
    expect((err as Error).message).toMatch(message);
  });
});
