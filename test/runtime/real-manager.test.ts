// RealManager against raysim's API server over HTTP (HttpKubeClient): reconciling on the wall
// clock, leader election between two managers on one Lease with short durations, takeover after
// a graceful stop and after a crash, and graceful shutdown. Every wait is bounded.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import type { Reconciler } from '../../controller/runtime/reconciler.js';
import { RealManager, type RealManagerOptions } from '../../controller/runtime/real-manager.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import { sleep, waitFor } from './kube-client-conformance.js';
import { CM, cm, NS, dataOf, simEnv } from './sim-env.js';

const LEASE_TIMINGS = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 };

let server: ApiServer;
let client: HttpKubeClient;
const managers: RealManager[] = [];

beforeEach(async () => {
  const store = createWallClockStore('real-manager', { defaultCrds: false, freezeObjects: true });
  server = new ApiServer({ store, clock: wallClock, port: 0 });
  client = HttpKubeClient.forServer(await server.listen());
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await server.close();
});

interface Seen {
  /** "name=value" per reconcile ("name=<gone>" when the object is not in the cache). */
  calls: string[];
}

/** Copies each ConfigMap's data.value into a child "<name>-copy" it owns. */
function copier(seen: Seen, opts: { delayMs?: number } = {}): Reconciler {
  return {
    name: 'copier',
    for: CM,
    owns: [CM],
    maxConcurrentReconciles: 2,
    async reconcile(req, ctx) {
      const o = ctx.cache.get(CM, req.name, req.namespace);
      if (o?.metadata.labels?.role === 'copy') return {};
      seen.calls.push(`${req.name}=${o ? String(dataOf(o)?.value) : '<gone>'}`);
      if (opts.delayMs) await sleep(opts.delayMs);
      if (!o) return {};
      const copies = ctx.cache.list(CM, { namespace: req.namespace, ownerUid: o.metadata.uid });
      const data = { value: String(dataOf(o)?.value) };
      if (copies.length === 0) {
        await ctx.client.create(cm(`${req.name}-copy`, { owner: o, labels: { role: 'copy' }, data }));
      } else if (dataOf(copies[0])?.value !== data.value) {
        await ctx.client.update({ ...copies[0]!, data });
      }
      return {};
    },
  };
}

function manager(seen: Seen, opts: RealManagerOptions & { delayMs?: number } = {}): RealManager {
  const m = new RealManager(client, { recorder: () => new MemoryEventRecorder(), ...opts });
  m.add(copier(seen, { delayMs: opts.delayMs }));
  managers.push(m);
  return m;
}

function elected(identity: string, extra: object = {}): RealManagerOptions {
  return { leaderElection: { namespace: NS, name: 'raysim-test-lock', identity, ...LEASE_TIMINGS, ...extra } };
}

const copyValue = async (name: string) => {
  try {
    return String((await client.get<KubeObject>(CM, `${name}-copy`, NS)).data?.['value' as never]);
  } catch {
    return undefined;
  }
};

describe('RealManager', () => {
  it('reconciles existing objects and sees creates, updates and deletes', async () => {
    await client.create(cm('pre', { data: { value: '0' } }));
    const seen: Seen = { calls: [] };
    const m = manager(seen);
    await m.start();
    expect(m.isLeader()).toBe(true);
    await waitFor('copy of pre', async () => (await copyValue('pre')) === '0', 5000);
    await client.create(cm('a', { data: { value: '1' } }));
    await waitFor('copy of a', async () => (await copyValue('a')) === '1', 5000);
    await client.patch(CM, 'a', NS, { data: { value: '2' } }, 'merge');
    await waitFor('updated copy of a', async () => (await copyValue('a')) === '2', 5000);
    await client.delete(CM, 'pre', NS);
    await waitFor('reconcile of deleted pre', () => seen.calls.includes('pre=<gone>'), 5000);
    expect(seen.calls).toContain('a=2');
    expect(m.programmingErrors).toEqual([]);
  });

  it('resyncs every resyncMs without any change', async () => {
    await client.create(cm('r', { data: { value: 'x' } }));
    const seen: Seen = { calls: [] };
    const m = manager(seen, { resyncMs: 150 });
    await m.start();
    await waitFor('three reconciles of r', () => seen.calls.filter((c) => c === 'r=x').length >= 3, 5000);
  });

  it('with leader election only the leader reconciles; after it stops the other takes over within the lease duration', async () => {
    const seenA: Seen = { calls: [] };
    const seenB: Seen = { calls: [] };
    const a = manager(seenA, elected('a'));
    const b = manager(seenB, elected('b'));
    await Promise.all([a.start(), b.start()]);
    const leader = await waitFor('a leader', () => (a.isLeader() ? 'a' : b.isLeader() ? 'b' : undefined), 3000);
    const [lead, follow, seenLead, seenFollow] = leader === 'a' ? [a, b, seenA, seenB] : [b, a, seenB, seenA];
    expect(follow.isLeader()).toBe(false);
    await client.create(cm('x', { data: { value: '1' } }));
    await waitFor('copy of x', async () => (await copyValue('x')) === '1', 5000);
    // Several renewals later the follower still has not reconciled anything.
    await sleep(400);
    expect(seenLead.calls).toContain('x=1');
    expect(seenFollow.calls).toEqual([]);
    const stoppedAt = Date.now();
    await lead.stop();
    await waitFor('takeover', () => follow.isLeader(), 600);
    expect(Date.now() - stoppedAt).toBeLessThan(600);
    await client.create(cm('y', { data: { value: '2' } }));
    await waitFor('copy of y', async () => (await copyValue('y')) === '2', 5000);
    expect(seenFollow.calls).toContain('y=2');
  });

  it('a leader that crashes without releasing is replaced once the lease expires', async () => {
    const seenA: Seen = { calls: [] };
    const seenB: Seen = { calls: [] };
    const a = manager(seenA, elected('a', { releaseOnStop: false }));
    await a.start();
    await waitFor('a leads', () => a.isLeader(), 3000);
    const b = manager(seenB, elected('b'));
    await b.start();
    await sleep(300);
    expect(b.isLeader()).toBe(false);
    const crashedAt = Date.now();
    await a.stop();
    await waitFor('takeover after expiry', () => b.isLeader(), 3000);
    const took = Date.now() - crashedAt;
    // Not before the lease (600 ms since b last saw it renewed) has run out; soon after it.
    expect(took).toBeGreaterThanOrEqual(400);
    expect(took).toBeLessThan(600 + 100 + 500);
  });

  it('stop() waits for reconciles in flight, then takes no more work', async () => {
    const seen: Seen = { calls: [] };
    const m = manager(seen, { delayMs: 300 });
    await m.start();
    await client.create(cm('slow', { data: { value: '1' } }));
    await waitFor('reconcile started', () => seen.calls.length > 0, 5000);
    const t0 = Date.now();
    await m.stop();
    // The reconcile (300 ms) finished and wrote its copy before stop returned.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(await copyValue('slow')).toBe('1');
    const n = seen.calls.length;
    await client.create(cm('late', { data: { value: '1' } }));
    await sleep(200);
    expect(seen.calls.length).toBe(n);
  });

  it('stop() gives up on a reconcile that outlives shutdownTimeoutMs', async () => {
    const seen: Seen = { calls: [] };
    const m = manager(seen, { delayMs: 3000, shutdownTimeoutMs: 200 });
    await m.start();
    await client.create(cm('stuck', { data: { value: '1' } }));
    await waitFor('reconcile started', () => seen.calls.length > 0, 5000);
    const t0 = Date.now();
    await m.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1500);
  });

  it('runs up to maxConcurrentReconciles reconciles at once, never two of one key', async () => {
    let running = 0;
    let peak = 0;
    const active = new Set<string>();
    let overlap = false;
    const done: string[] = [];
    const m = new RealManager(client, { recorder: () => new MemoryEventRecorder() });
    managers.push(m);
    m.add({
      name: 'slow',
      for: CM,
      maxConcurrentReconciles: 3,
      async reconcile(req) {
        if (active.has(req.name)) overlap = true;
        active.add(req.name);
        peak = Math.max(peak, ++running);
        await sleep(100);
        running--;
        active.delete(req.name);
        done.push(req.name);
        return {};
      },
    });
    await m.start();
    for (let i = 0; i < 6; i++) await client.create(cm(`c${i}`));
    // Changes to an object being reconciled queue it again rather than running it twice at once.
    await client.patch(CM, 'c0', NS, { data: { value: 'again' } }, 'merge');
    await waitFor('all reconciled', () => ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].every((n) => done.includes(n)), 5000);
    expect(peak).toBe(3);
    expect(overlap).toBe(false);
  });

  it('runs on a Simulation\'s clock and timers too: only the leader reconciles, takeover at lease expiry', async () => {
    const env = simEnv();
    const seenA: Seen = { calls: [] };
    const seenB: Seen = { calls: [] };
    const make = (id: string, seen: Seen) => {
      const m = new RealManager(env.client, {
        clock: env.sim,
        timers: env.sim,
        rng: env.rng.fork(id),
        recorder: () => new MemoryEventRecorder(),
        leaderElection: { namespace: NS, name: 'sim-lock', identity: id, releaseOnStop: false },
      });
      m.add(copier(seen));
      return m;
    };
    const a = make('a', seenA);
    const b = make('b', seenB);
    await env.client.create(cm('p', { data: { value: '1' } }));
    await a.start();
    await b.start();
    await env.sim.run({ until: env.sim.startTime + 4000 });
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    // Once for p, once more when its copy appeared (owns).
    expect(seenA.calls).toEqual(['p=1', 'p=1']);
    expect(seenB.calls).toEqual([]);
    // a crashes just after its renewal at 4 s: b takes over at its first attempt after 19 s.
    await a.stop();
    await env.sim.run({ until: env.sim.startTime + 19_999 });
    expect(b.isLeader()).toBe(false);
    await env.sim.run({ until: env.sim.startTime + 20_000 });
    expect(b.isLeader()).toBe(true);
    // b's queue held p from its informer's list: it reconciles it on taking over.
    await env.sim.run({ until: env.sim.now() + 1 });
    expect(seenB.calls).toEqual(['p=1']);
    await b.stop();
  });

  it('installSignalHandlers stops the manager on a signal', async () => {
    const seen: Seen = { calls: [] };
    const m = manager(seen);
    await m.start();
    // SIGUSR2 so that nothing else in the test worker reacts to the emitted signal.
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    const remove = m.installSignalHandlers({ exit: false, signals: ['SIGUSR2'] });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      await waitFor('stopped', () => !m.isLeader(), 3000);
      await m.stop();
    } finally {
      remove();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});
