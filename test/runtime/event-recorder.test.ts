// Event recorders: core/v1 Events written through the KubeClient with client-go's aggregation of
// repeats (count, firstTimestamp, lastTimestamp) in a bounded cache, fire-and-forget; and the
// in-memory recorder for tests.

import { describe, expect, it } from 'vitest';
import { EVENT, KubeEventRecorder, MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { createLogger } from '../../controller/runtime/logger.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { cm, NS, simEnv } from './sim-env.js';

type Obj = Record<string, any>;

async function setup(maxCacheEntries?: number) {
  const env = simEnv();
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
  const rec = new KubeEventRecorder(env.client, { component: 'test-controller', host: 'node-1', clock: env.sim, logger, maxCacheEntries });
  const target = await env.client.create(cm('target'));
  const events = async (): Promise<Obj[]> => (await env.client.list(EVENT, { namespace: NS })).items as Obj[];
  const advance = (ms: number) => env.sim.run({ until: env.sim.now() + ms });
  return { env, rec, target, events, advance, lines };
}

describe('KubeEventRecorder', () => {
  it('writes a core/v1 Event about the object', async () => {
    const { env, rec, target, events } = await setup();
    rec.event(target, 'Normal', 'Created', 'made it');
    await rec.flush();
    const [e, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'target', namespace: NS, uid: target.metadata.uid, resourceVersion: target.metadata.resourceVersion },
      reason: 'Created',
      message: 'made it',
      type: 'Normal',
      source: { component: 'test-controller', host: 'node-1' },
      reportingComponent: 'test-controller',
      count: 1,
      firstTimestamp: rfc3339(env.sim.now()),
      lastTimestamp: rfc3339(env.sim.now()),
    });
    expect(e!.metadata.name).toMatch(/^target\./);
  });

  it('aggregates repeats of the same (object, type, reason, message) into one Event with a count', async () => {
    const { env, rec, target, events, advance } = await setup();
    const t0 = rfc3339(env.sim.now());
    rec.event(target, 'Warning', 'Failed', 'no capacity');
    // Repeats recorded before the create has landed are counted too.
    rec.event(target, 'Warning', 'Failed', 'no capacity');
    await rec.flush();
    await advance(3000);
    rec.event(target, 'Warning', 'Failed', 'no capacity');
    await rec.flush();
    await advance(2000);
    const t2 = rfc3339(env.sim.now());
    rec.event(target, 'Warning', 'Failed', 'no capacity');
    // Different message, reason or type: separate Events.
    rec.event(target, 'Warning', 'Failed', 'quota exceeded');
    rec.event(target, 'Normal', 'Failed', 'no capacity');
    await rec.flush();
    const list = await events();
    expect(list.map((e) => [e.type, e.reason, e.message, e.count])).toEqual(
      expect.arrayContaining([
        ['Warning', 'Failed', 'no capacity', 4],
        ['Warning', 'Failed', 'quota exceeded', 1],
        ['Normal', 'Failed', 'no capacity', 1],
      ]),
    );
    expect(list).toHaveLength(3);
    const agg = list.find((e) => e.count === 4)!;
    expect(agg.firstTimestamp).toBe(t0);
    expect(agg.lastTimestamp).toBe(t2);
    expect(rec.cacheSize).toBe(3);
  });

  it('aggregates by every field whole: fields that would run together stay apart; an object without apiVersion or kind is no error', async () => {
    const { rec, target, events, lines } = await setup();
    rec.event(target, 'Normal', 'a', 'bc');
    rec.event(target, 'Normal', 'ab', 'c');
    rec.event({ metadata: { name: 'bare', namespace: NS } } as KubeObject, 'Normal', 'a', 'bc');
    await rec.flush();
    expect((await events()).map((e) => [e.involvedObject.name, e.reason, e.message, e.count]).sort()).toEqual([
      ['bare', 'a', 'bc', 1],
      ['target', 'a', 'bc', 1],
      ['target', 'ab', 'c', 1],
    ]);
    expect(lines.filter((l) => l.includes('recording an event failed'))).toEqual([]);
  });

  it('forgets the least recently used aggregate beyond its bound', async () => {
    const { rec, target, events } = await setup(2);
    rec.event(target, 'Normal', 'R', 'one');
    rec.event(target, 'Normal', 'R', 'two');
    rec.event(target, 'Normal', 'R', 'one'); // "one" is now the most recent
    rec.event(target, 'Normal', 'R', 'three'); // evicts "two"
    rec.event(target, 'Normal', 'R', 'two'); // a new Event, evicting "one"
    rec.event(target, 'Normal', 'R', 'three');
    await rec.flush();
    expect(rec.cacheSize).toBe(2);
    const list = (await events()).map((e) => `${e.message}:${e.count}`).sort();
    expect(list).toEqual(['one:2', 'three:2', 'two:1', 'two:1']);
  });

  it('recreates an aggregated Event that was deleted meanwhile', async () => {
    const { env, rec, target, events } = await setup();
    rec.event(target, 'Normal', 'R', 'm');
    await rec.flush();
    const [first] = await events();
    await env.client.delete(EVENT, first!.metadata.name, NS);
    rec.event(target, 'Normal', 'R', 'm');
    await rec.flush();
    const list = await events();
    expect(list).toHaveLength(1);
    expect(list[0]!.count).toBe(2);
    expect(list[0]!.metadata.name).not.toBe(first!.metadata.name);
  });

  it('never throws into the caller: failed writes are logged', async () => {
    const { rec, lines } = await setup();
    const nowhere: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'no-such-namespace', uid: 'u' } };
    expect(() => rec.event(nowhere, 'Normal', 'R', 'm')).not.toThrow();
    expect(() => rec.event(null as unknown as KubeObject, 'Normal', 'R', 'm')).not.toThrow();
    await rec.flush();
    const logged = lines.map((l) => JSON.parse(l) as Obj);
    // The bad argument fails at once; the write about an object in a missing namespace fails later.
    expect(logged.map((l) => l.msg)).toEqual(['recording an event failed', 'writing an event failed']);
    expect(logged[1]!.error.code).toBe(404);
  });

  it('files events about cluster-scoped objects in "default" and truncates long messages', async () => {
    const { env, rec, events } = await setup();
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-uid' } };
    rec.event(node, 'Normal', 'R', 'x'.repeat(5000));
    await rec.flush();
    const [e] = await events();
    expect(e!.involvedObject).toEqual({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' });
    expect(e!.message).toHaveLength(1024);
    expect(e!.message.endsWith('...')).toBe(true);
    expect(env.store.stats().objects).toBeGreaterThan(0);
  });
});

describe('MemoryEventRecorder', () => {
  it('keeps every call in order with the clock time', () => {
    let now = 1000;
    const rec = new MemoryEventRecorder({ now: () => now });
    const o = cm('a');
    rec.event(o, 'Normal', 'Created', 'one');
    now = 2000;
    rec.event(o, 'Warning', 'Failed', 'two');
    expect(rec.reasons()).toEqual(['Created', 'Failed']);
    expect(rec.events[1]).toEqual({ object: { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'default' }, type: 'Warning', reason: 'Failed', message: 'two', time: 2000 });
    rec.clear();
    expect(rec.events).toEqual([]);
  });
});
