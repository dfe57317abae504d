// Informer on the in-memory API server inside a Simulation: the initial list, add/update/delete
// handlers, the owner, namespace and label indexes, and recovery from dropped watches and 410
// Expired (relist with synthesised deletes, no duplicates).

import { describe, expect, it } from 'vitest';
import { Informer } from '../../controller/runtime/informer.js';
import { InformerCache } from '../../controller/runtime/cache.js';
import type { ClientWatchOptions, KubeClient, ResourceId, Watch, WatchHandler } from '../../controller/runtime/kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { CM, cm, names, NS, simEnv, type SimEnv } from './sim-env.js';

interface Recorded {
  log: string[];
  informer: Informer;
}

function informer(env: SimEnv, opts: { namespace?: string } = {}): Recorded {
  const inf = new Informer(env.client, CM, { timers: env.sim, timerPriority: 'urgent', ...opts });
  const log: string[] = [];
  const id = (o: KubeObject) => `${o.metadata.name}@${o.metadata.uid!.slice(0, 4)}`;
  inf.addHandlers({
    add: (o) => log.push(`add ${id(o)}`),
    update: (old, o) => log.push(`update ${id(o)} rv ${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
    delete: (o) => log.push(`delete ${id(o)}`),
    synced: () => log.push('synced'),
  });
  env.sim.after(0, () => inf.start(), { priority: 'urgent', label: 'informer start' });
  return { log, informer: inf };
}

const strip = (log: string[]) => log.map((l) => l.replace(/@\w+/, '').replace(/ rv .*/, ''));

describe('Informer', () => {
  it('lists existing objects as adds in key order, then reports synced', async () => {
    const env = simEnv();
    for (const n of ['c', 'a', 'b']) await env.client.create(cm(n));
    const { log, informer: inf } = informer(env);
    expect(inf.hasSynced()).toBe(false);
    await env.sim.run();
    expect(strip(log)).toEqual(['add a', 'add b', 'add c', 'synced']);
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get('b', NS)?.metadata.name).toBe('b');
    expect(inf.get('b')).toBeUndefined();
    expect(names(inf.list())).toEqual(['a', 'b', 'c']);
    expect(inf.stats).toMatchObject({ lists: 1, relists: 0, watches: 1 });
  });

  it('reports each add, update and delete once, with the old and new versions', async () => {
    const env = simEnv();
    const { log, informer: inf } = informer(env);
    await env.sim.run();
    const a = await env.client.create(cm('a', { data: { v: '1' } }));
    await env.client.patch(CM, 'a', NS, { data: { v: '2' } }, 'merge');
    // A write that changes nothing makes no event.
    await env.client.patch(CM, 'a', NS, { data: { v: '2' } }, 'merge');
    await env.client.create(cm('b'));
    await env.client.delete(CM, 'a', NS);
    await env.sim.run();
    expect(strip(log)).toEqual(['synced', 'add a', 'update a', 'add b', 'delete a']);
    const rv = Number(a.metadata.resourceVersion);
    expect(log[2]).toBe(`update a@${a.metadata.uid!.slice(0, 4)} rv ${rv}->${rv + 1}`);
    expect(names(inf.list())).toEqual(['b']);
    expect(inf.getByUid(a.metadata.uid!)).toBeUndefined();
    expect(inf.resourceVersion).toBe(env.store.resourceVersion);
  });

  it('answers owner, namespace and label lookups from its indexes', async () => {
    const env = simEnv();
    await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const p1 = await env.client.create(cm('p1'));
    const p2 = await env.client.create(cm('p2'));
    await env.client.create(cm('c1', { owner: p1, labels: { 'ray.io/cluster': 'x', tier: 'head' } }));
    await env.client.create(cm('c2', { owner: p1, labels: { 'ray.io/cluster': 'x', tier: 'worker' } }));
    await env.client.create(cm('c3', { owner: p2, labels: { 'ray.io/cluster': 'y', tier: 'worker' } }));
    await env.client.create(cm('c4', { namespace: 'other', labels: { 'ray.io/cluster': 'x', tier: 'worker' } }));
    const { informer: inf } = informer(env);
    await env.sim.run();
    const cache = new InformerCache();
    cache.set(inf);
    expect(names(cache.list(CM, { ownerUid: p1.metadata.uid }))).toEqual(['c1', 'c2']);
    expect(names(cache.list(CM, { ownerUid: 'nobody' }))).toEqual([]);
    expect(names(cache.list(CM, { labels: { 'ray.io/cluster': 'x' } }))).toEqual(['c1', 'c2', 'c4']);
    expect(names(cache.list(CM, { namespace: NS, labels: { 'ray.io/cluster': 'x' } }))).toEqual(['c1', 'c2']);
    expect(names(cache.list(CM, { labels: { tier: 'worker' } }))).toEqual(['c2', 'c3', 'c4']);
    expect(names(cache.list(CM, { labels: { tier: 'worker', 'ray.io/cluster': 'x' }, ownerUid: p1.metadata.uid }))).toEqual(['c2']);
    expect(names(cache.list(CM, { namespace: 'other' }))).toEqual(['c4']);
    expect(cache.get(CM, 'c4', 'other')?.metadata.namespace).toBe('other');
    // Indexes follow changes: relabel, re-own and delete.
    await env.client.patch(CM, 'c2', NS, { metadata: { labels: { tier: 'head' }, ownerReferences: [] } }, 'merge');
    await env.client.delete(CM, 'c1', NS);
    await env.sim.run();
    expect(names(cache.list(CM, { labels: { tier: 'worker' } }))).toEqual(['c3', 'c4']);
    expect(names(cache.list(CM, { labels: { tier: 'head' } }))).toEqual(['c2']);
    expect(names(cache.list(CM, { ownerUid: p1.metadata.uid }))).toEqual([]);
    expect(names(cache.list(CM, { labels: { 'ray.io/cluster': 'x' }, namespace: NS }))).toEqual(['c2']);
    expect(() => cache.list({ apiVersion: 'v1', kind: 'Pod' })).toThrow(/no informer for v1\/Pod \(cached kinds: v1\/ConfigMap\)/);
  });

  it('a watch only for one namespace sees only that namespace', async () => {
    const env = simEnv();
    await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await env.client.create(cm('a'));
    await env.client.create(cm('b', { namespace: 'other' }));
    const { log } = informer(env, { namespace: 'other' });
    await env.sim.run();
    await env.client.create(cm('c'));
    await env.client.create(cm('d', { namespace: 'other' }));
    await env.sim.run();
    expect(strip(log)).toEqual(['add b', 'synced', 'add d']);
  });

  it('resumes a dropped watch from the last version seen, without listing again', async () => {
    const env = simEnv();
    const { log, informer: inf } = informer(env);
    await env.sim.run();
    env.store.faults.configure({ dropWatchRate: 1 });
    await env.client.create(cm('a'));
    // The delivery drops the watch (the event is lost) and the immediate rewatch is dropped too.
    await env.sim.run({ until: env.sim.now() + 1 });
    expect(strip(log)).toEqual(['synced']);
    env.store.faults.configure({});
    await env.sim.run({ until: env.sim.now() + 60_000 });
    expect(strip(log)).toEqual(['synced', 'add a']);
    expect(inf.stats.relists).toBe(0);
    expect(inf.stats.watchCloses).toBe(2);
    // The backoff was reset by the delivered event: the next drop is again retried at once.
    expect(inf.stats.watches).toBe(3);
  });

  it('backs off watches that keep ending at once, but resumes at once a watch that was up a while', async () => {
    const env = simEnv();
    // A client whose open watches the test can end cleanly, as a server ends idle watches.
    const open: { h: WatchHandler; w: Watch }[] = [];
    const client: KubeClient = Object.assign(Object.create(env.client) as KubeClient, {
      watch: async (id: ResourceId, opts: ClientWatchOptions, h: WatchHandler) => {
        const w = await env.client.watch(id, opts, h);
        open.push({ h, w });
        return w;
      },
    });
    const endAll = () => {
      for (const { h, w } of open.splice(0)) {
        w.stop();
        h.closed();
      }
    };
    const inf = new Informer(client, CM, { timers: env.sim, clock: env.sim, backoffResetMs: 60_000 });
    await inf.start();
    const rewatchDelay = async (): Promise<number> => {
      const before = inf.stats.watches;
      endAll();
      const t0 = env.sim.now();
      while (inf.stats.watches === before) await env.sim.step();
      return env.sim.now() - t0;
    };
    const quick: number[] = [];
    for (let i = 0; i < 4; i++) quick.push(await rewatchDelay());
    expect(quick).toEqual([0, 800, 1600, 3200]);
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      await env.sim.run({ until: env.sim.now() + 300_000 });
      idle.push(await rewatchDelay());
    }
    expect(idle).toEqual([0, 0, 0]);
    expect(inf.stats.relists).toBe(0);
    inf.stop();
  });

  it('after 410 Expired lists again, synthesising deletes and reporting each change once', async () => {
    const env = simEnv({ watchWindow: 3 });
    for (const n of ['a', 'b', 'c']) await env.client.create(cm(n));
    const { log, informer: inf } = informer(env);
    await env.sim.run();
    const oldA = inf.get('a', NS)!;
    log.length = 0;
    // Drop the watch, then make more changes than the server retains, so the rewatch gets 410.
    env.store.faults.configure({ dropWatchRate: 1 });
    await env.client.create(cm('d'));
    await env.client.patch(CM, 'b', NS, { data: { v: '2' } }, 'merge');
    await env.client.delete(CM, 'a', NS);
    const newA = await env.client.create(cm('a', { data: { new: 'yes' } }));
    await env.client.delete(CM, 'c', NS);
    await env.client.create(cm('e'));
    await env.sim.run();
    env.store.faults.configure({});
    expect(strip(log)).toEqual(['delete a', 'add a', 'update b', 'add d', 'add e', 'delete c']);
    // The synthesised deletes carry the last state the cache held; the re-created object is new.
    expect(log[0]).toBe(`delete a@${oldA.metadata.uid!.slice(0, 4)}`);
    expect(log[1]).toBe(`add a@${newA.metadata.uid!.slice(0, 4)}`);
    expect(inf.stats).toMatchObject({ lists: 2, relists: 1 });
    expect(names(inf.list())).toEqual(['a', 'b', 'd', 'e']);
    expect(inf.get('a', NS)?.data).toEqual({ new: 'yes' });
    // And it keeps watching.
    await env.client.create(cm('f'));
    await env.sim.run();
    expect(strip(log).slice(6)).toEqual(['add f']);
    expect(inf.resourceVersion).toBe(env.store.resourceVersion);
  });

  it('stop ends the watch and cancels retries', async () => {
    const env = simEnv();
    const { log, informer: inf } = informer(env);
    await env.sim.run();
    inf.stop();
    await env.client.create(cm('a'));
    await env.sim.run();
    expect(strip(log)).toEqual(['synced']);
    expect(env.store.stats().watchers).toBe(0);
    expect(env.sim.pending()).toBe(0);
    await expect(inf.start()).rejects.toThrow(/already started/);
  });

  it('handlers added late see the cached objects as adds; a throwing handler does not stop the others', async () => {
    const env = simEnv();
    await env.client.create(cm('a'));
    const errors: unknown[] = [];
    const inf = new Informer(env.client, CM, { timers: env.sim, onHandlerError: (e) => errors.push(e) });
    inf.addHandlers({
      add: () => {
        throw new Error('boom');
      },
    });
    const seen: string[] = [];
    inf.addHandlers({ add: (o) => seen.push(o.metadata.name!) });
    await inf.start();
    await env.sim.run();
    const late: string[] = [];
    inf.addHandlers({ add: (o) => late.push(o.metadata.name!), synced: () => late.push('synced') });
    expect(seen).toEqual(['a']);
    expect(late).toEqual(['a', 'synced']);
    expect(errors).toHaveLength(1);
    inf.stop();
  });
});
