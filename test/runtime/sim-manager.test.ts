// SimManager: a tiny ConfigMap reconciler that keeps one owned child ConfigMap in step with its
// parent, run on the in-memory API server inside a Simulation. Times are virtual ms since start.

import { describe, expect, it } from 'vitest';
import { ApiError, errors } from '../../controller/runtime/api-error.js';
import { ReconcileError } from '../../controller/runtime/controller.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { Reconciler, ReconcileContext, Request, Result } from '../../controller/runtime/reconciler.js';
import { SimManager, type SimManagerOptions } from '../../controller/runtime/sim-manager.js';
import { SimulationError } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { CM, cm, names, NS, simEnv, type SimEnv, dataOf } from './sim-env.js';

interface Behaviour {
  /** Throw this for the first `failures` reconciles of a parent. */
  fail?: () => unknown;
  failures?: number;
  /** requeueAfterMs to return (a function gets the context, e.g. to draw from ctx.rng). */
  requeue?: number | ((ctx: ReconcileContext) => number);
}

/** Parents are ConfigMaps labelled role=parent; each gets one child ConfigMap "<parent>-child"
 * carrying the parent's data.value. Children are ConfigMaps too, so `for` and `owns` share one informer. */
function parentChild(calls: string[], env: SimEnv, b: Behaviour = {}): Reconciler {
  const failed = new Map<string, number>();
  return {
    name: 'cm-parent',
    for: CM,
    owns: [CM],
    async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
      const parent = ctx.cache.get(CM, req.name, req.namespace);
      if (!parent || parent.metadata.labels?.role !== 'parent') return {};
      calls.push(`${env.sim.elapsed()} ${req.name}`);
      const n = failed.get(req.name) ?? 0;
      if (b.fail && n < (b.failures ?? Infinity)) {
        failed.set(req.name, n + 1);
        throw b.fail();
      }
      const want = String(dataOf(parent)?.value ?? '');
      const children = ctx.cache.list(CM, { namespace: req.namespace, ownerUid: parent.metadata.uid });
      if (children.length === 0) {
        await ctx.client.create(cm(`${req.name}-child`, { owner: parent, labels: { role: 'child' }, data: { value: want } }));
        ctx.recorder.event(parent, 'Normal', 'CreatedChild', `created ${req.name}-child`);
      } else if (dataOf(children[0])?.value !== want) {
        await ctx.client.update({ ...children[0]!, data: { value: want } });
      }
      const r = typeof b.requeue === 'function' ? b.requeue(ctx) : b.requeue;
      return r ? { requeueAfterMs: r } : {};
    },
  };
}

function parent(name: string, data: Record<string, string> = {}): KubeObject {
  return cm(name, { labels: { role: 'parent' }, data: { value: name, ...data } });
}

async function setup(b: Behaviour = {}, opts: Partial<SimManagerOptions> & { seed?: string } = {}) {
  const env = simEnv({ seed: opts.seed });
  const calls: string[] = [];
  const recorder = new MemoryEventRecorder(env.sim);
  const mgr = new SimManager(env.sim, env.client, { rng: env.rng.fork('manager'), recorder: () => recorder, ...opts });
  mgr.add(parentChild(calls, env, b));
  const children = async () => (await env.client.list(CM, { namespace: NS, labelSelector: 'role=child' })).items;
  const runFor = (ms: number) => env.sim.run({ until: env.sim.now() + ms });
  return { env, mgr, calls, recorder, children, runFor };
}

describe('SimManager', () => {
  it('reconciles existing and new objects, creating each child once', async () => {
    const { env, mgr, calls, recorder, children, runFor } = await setup();
    await env.client.create(parent('a'));
    await mgr.start();
    await env.sim.run();
    // Once for the parent, once more when its own child appeared (owns).
    expect(calls).toEqual(['0 a', '0 a']);
    expect(names(await children())).toEqual(['a-child']);
    expect(recorder.reasons()).toEqual(['CreatedChild']);
    await runFor(250);
    await env.client.create(parent('b'));
    await env.sim.run();
    expect(calls.slice(2)).toEqual(['250 b', '250 b']);
    expect(names(await children())).toEqual(['a-child', 'b-child']);
    expect((await children())[0]!.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: mgr.cache.get(CM, 'a', NS)!.metadata.uid, controller: true },
    ]);
    expect(mgr.programmingErrors).toEqual([]);
    expect(mgr.controller('cm-parent')!.queue.length).toBe(0);
  });

  it('is re-triggered by a change to an owned object and repairs it', async () => {
    const { env, mgr, calls, children, runFor } = await setup();
    await env.client.create(parent('a'));
    await mgr.start();
    await env.sim.run();
    await runFor(1000);
    calls.length = 0;
    await env.client.patch(CM, 'a-child', NS, { data: { value: 'tampered' } }, 'merge');
    await env.sim.run();
    expect(calls[0]).toBe('1000 a');
    expect((await children())[0]!.data).toEqual({ value: 'a' });
  });

  it('deduplicates: many changes of one object at one instant make one reconcile', async () => {
    const { env, mgr, calls } = await setup();
    await env.client.create(parent('a'));
    await mgr.start();
    await env.sim.run();
    calls.length = 0;
    for (let i = 0; i < 5; i++) await env.client.patch(CM, 'a', NS, { data: { other: String(i) } }, 'merge');
    await env.sim.run();
    expect(calls).toEqual(['0 a']);
  });

  it('requeueAfterMs brings the object back at the right virtual time', async () => {
    const { env, mgr, calls, runFor } = await setup({ requeue: 5000 });
    await env.client.create(parent('a'));
    await mgr.start();
    await runFor(12_000);
    // The second reconcile at 0 asks for the same 5000 ms: one requeue, not two.
    expect(calls).toEqual(['0 a', '0 a', '5000 a', '10000 a']);
  });

  it('an ApiError backs the key off 5, 10, 20, 40 ms of virtual time, then success resets it', async () => {
    const { env, mgr, calls } = await setup({ fail: () => errors.conflict('configmaps', '', 'a', 'test'), failures: 4 });
    await env.client.create(parent('a'));
    await mgr.start();
    await env.sim.run();
    expect(calls.slice(0, 5)).toEqual(['0 a', '5 a', '15 a', '35 a', '75 a']);
    expect(mgr.programmingErrors).toEqual([]);
    const q = mgr.controller('cm-parent')!.queue;
    expect(q.numRequeues('default/a')).toBe(0);
  });

  it('a programming error is logged, recorded and backed off, and the run goes on', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../controller/runtime/logger.js');
    const { env, mgr, calls, children } = await setup(
      { fail: () => new TypeError('x is undefined'), failures: 2 },
      { logger: createLogger({ sink: (l) => lines.push(l) }) },
    );
    await env.client.create(parent('a'));
    await mgr.start();
    await env.sim.run();
    expect(calls.slice(0, 3)).toEqual(['0 a', '5 a', '15 a']);
    expect(names(await children())).toEqual(['a-child']);
    expect(mgr.programmingErrors).toHaveLength(2);
    const e = mgr.programmingErrors[0]!;
    expect(e).toBeInstanceOf(ReconcileError);
    expect(e.controller).toBe('cm-parent');
    expect(e.request).toEqual({ namespace: 'default', name: 'a' });
    expect(e.message).toBe('controller "cm-parent" failed reconciling default/a: x is undefined');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'error');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ msg: 'reconcile threw', controller: 'cm-parent', namespace: 'default', name: 'a', retryInMs: 5 });
  });

  it("in 'throw' mode a programming error stops the run, naming the controller and the object", async () => {
    const { env, mgr } = await setup({ fail: () => new RangeError('bad index') }, { onProgrammingError: 'throw' });
    await env.client.create(parent('a'));
    await mgr.start();
    const err = await env.sim.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as SimulationError).cause).toBeInstanceOf(ReconcileError);
    expect((err as Error).message).toMatch(/controller "cm-parent" failed reconciling default\/a: bad index/);
  });

  it('restart() drops caches and queues and rebuilds from the API without duplicating children', async () => {
    const { env, mgr, calls, children, runFor } = await setup({ requeue: 10_000 });
    for (const n of ['a', 'b', 'c']) await env.client.create(parent(n));
    await mgr.start();
    await runFor(100);
    expect(names(await children())).toEqual(['a-child', 'b-child', 'c-child']);
    calls.length = 0;
    mgr.restart({ downtimeMs: 1000 });
    expect(mgr.cache.kinds()).toEqual([]);
    // While the controller is down, a parent appears and a child is deleted.
    await env.client.create(parent('d'));
    await env.client.delete(CM, 'b-child', NS);
    await runFor(500);
    expect(calls).toEqual([]);
    await runFor(1000);
    expect(calls.filter((c) => c.startsWith('1100 ')).sort()).toEqual(['1100 a', '1100 b', '1100 b', '1100 c', '1100 d', '1100 d']);
    expect(names(await children())).toEqual(['a-child', 'b-child', 'c-child', 'd-child']);
    // The requeues from before the crash died with it: each parent is requeued once, 10 s after the restart.
    calls.length = 0;
    await runFor(20_000);
    expect(calls).toEqual(['11100 a', '11100 b', '11100 c', '11100 d', '21100 a', '21100 b', '21100 c', '21100 d']);
    // One informer, one watch: the old generation's watch is gone.
    expect(env.store.stats().watchers).toBe(1);
    expect(mgr.restartCount).toBe(1);
  });

  it('rejects duplicate names (listing the registered ones) and reads of unwatched kinds', async () => {
    const { env, mgr } = await setup();
    expect(() => mgr.add({ name: 'cm-parent', for: CM, reconcile: async () => ({}) })).toThrow(
      'manager: duplicate reconciler "cm-parent" (registered: cm-parent)',
    );
    await mgr.start();
    await env.sim.run();
    expect(() => mgr.cache.list({ apiVersion: 'v1', kind: 'Pod' })).toThrow(/no informer for v1\/Pod/);
    expect(() => mgr.add({ name: 'late', for: CM, reconcile: async () => ({}) })).toThrow(/before start/);
  });

  it('watches map other kinds to requests, and runs up to maxConcurrentReconciles per reconciler', async () => {
    const env = simEnv();
    const SECRET = { apiVersion: 'v1', kind: 'Secret' };
    const seen: string[] = [];
    const mgr = new SimManager(env.sim, env.client, { rng: env.rng, recorder: () => new MemoryEventRecorder() });
    mgr.add({
      name: 'by-secret',
      for: CM,
      watches: [{ id: SECRET, map: (o) => [{ namespace: o.metadata.namespace, name: String(o.metadata.labels?.target) }] }],
      maxConcurrentReconciles: 3,
      async reconcile(req) {
        seen.push(`${env.sim.elapsed()} ${req.name}`);
        return {};
      },
    });
    await mgr.start();
    await env.sim.run();
    await env.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS, labels: { target: 'x' } } });
    await env.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: NS, labels: { target: 'y' } } });
    await env.sim.run();
    expect(seen).toEqual(['0 x', '0 y']);
    expect(mgr.cache.get(SECRET, 's', NS)).toBeDefined();
  });

  it('two runs with the same seed write identical traces; another seed differs', async () => {
    const run = async (seed: string) => {
      const env = simEnv({ seed });
      const sink = new MemorySink();
      const trace = new TraceWriter(sink, { seed }, { elapsed: () => env.sim.elapsed() });
      const calls: string[] = [];
      let failures = 0;
      const mgr = new SimManager(env.sim, env.client, { rng: env.rng.fork('manager'), traceWriter: trace });
      mgr.add(
        parentChild(calls, env, {
          // Fail the first few reconciles overall, and requeue after a random delay.
          fail: () => errors.tooManyRequests('slow down'),
          failures: 0,
          requeue: (ctx) => ctx.rng.int(100, 2000),
        }),
      );
      mgr.add({
        name: 'flaky',
        for: CM,
        async reconcile(req, ctx) {
          if (ctx.rng.next() < 0.3 && failures++ < 20) throw new ApiError(500, 'InternalError', `flaky ${req.name}`);
          return {};
        },
      });
      for (const n of ['a', 'b', 'c']) await env.client.create(parent(n));
      await mgr.start();
      await env.sim.run({ until: env.sim.now() + 3000 });
      mgr.restart({ downtimeMs: 500 });
      await env.client.create(parent('d'));
      await env.sim.run({ until: env.sim.now() + 5000 });
      await mgr.stop();
      return sink.text();
    };
    const one = await run('seed-1');
    const two = await run('seed-1');
    const other = await run('seed-2');
    expect(two).toBe(one);
    expect(other).not.toBe(one.replace('seed-1', 'seed-2'));
    const records = one.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(records.filter((r) => r.type === 'reconcile').length).toBeGreaterThan(20);
    expect(records.filter((r) => r.type === 'manager.restart')).toHaveLength(1);
    expect(records.find((r) => r.type === 'reconcile' && r.actor === 'cm-parent')).toMatchObject({
      t: 0,
      actor: 'cm-parent',
      ref: { kind: 'ConfigMap', namespace: 'default', name: 'a' },
      data: { result: { requeueAfterMs: expect.any(Number) } },
    });
    expect(records.find((r) => r.type === 'reconcile' && r.data.error)).toMatchObject({ actor: 'flaky', data: { result: null, error: expect.stringMatching(/^InternalError: flaky /), retryInMs: 5 } });
  });
});
