// The structured logger: level filtering, JSON and text lines, inherited fields, clock stamps.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import { createLogger, parseLogLevel, silentLogger } from '../../controller/runtime/logger.js';
import { DEFAULT_START_TIME } from '../../sim/core/simulation.js';

describe('logger', () => {
  it('writes JSON lines at or above its level, with clock time and inherited fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', sink: (l) => lines.push(l), clock: { now: () => DEFAULT_START_TIME + 1500 }, fields: { app: 'raysim' } });
    log.debug('hidden');
    log.info('hello', { n: 1 });
    const child = log.child({ controller: 'raycluster' });
    child.warn('careful', { namespace: 'default', name: 'c', skipped: undefined });
    child.error('failed', { error: new ApiError(409, 'Conflict', 'stale') });
    expect(lines).toEqual([
      '{"ts":"2026-01-01T00:00:01.500Z","level":"info","msg":"hello","app":"raysim","n":1}',
      '{"ts":"2026-01-01T00:00:01.500Z","level":"warn","msg":"careful","app":"raysim","controller":"raycluster","namespace":"default","name":"c"}',
      '{"ts":"2026-01-01T00:00:01.500Z","level":"error","msg":"failed","app":"raysim","controller":"raycluster","error":{"name":"ApiError","message":"stale","code":409,"reason":"Conflict"}}',
    ]);
    expect(log.enabled('debug')).toBe(false);
  });

  it('writes readable text lines, and never throws on odd fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'text', sink: (l) => lines.push(l) });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    log.debug('reconcile done', { name: 'a b', count: 2, ok: true, bad: circular, big: 10n });
    expect(lines).toEqual(['DEBUG reconcile done name="a b" count=2 ok=true bad="[object Object]" big="10"']);
  });

  it('parses levels, listing the known ones on error; the silent logger drops everything', () => {
    expect(parseLogLevel(' WARN ')).toBe('warn');
    expect(() => parseLogLevel('verbose')).toThrow('unknown log level "verbose" (known: debug, info, warn, error)');
    expect(() => silentLogger.child({ a: 1 }).error('x')).not.toThrow();
  });
});
