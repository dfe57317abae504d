// The scheduler on SimManager against the in-memory API server, on the virtual clock, with 16
// h100-8x nodes (cpu 191450m, memory 1938410Mi, nvidia.com/gpu 8, pods 100, tainted
// nvidia.com/gpu:NoSchedule): binding through pods/binding, PodScheduled=False with
// kube-scheduler's message, retries when resources free up or nodes arrive, backoff and the
// 5-minute flush, packing versus spreading, priority order, a manager crash, and determinism.

import { describe, expect, it } from 'vitest';
import { NODE, POD } from '../../controller/api/constants.js';
import type { Pod } from '../../controller/api/core-types.js';
import { createScheduler, type SchedulerOptions, type SchedulingDecision } from '../../controller/scheduler/index.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { h100Node, makeNode, makePod, pad } from './fixtures.js';

const NS = 'default';

async function cluster(opts: SchedulerOptions & { seed?: string; nodes?: number } = {}) {
  const sim = new Simulation();
  const rng = createRng(opts.seed ?? 'scheduler-test');
  const store = createSimStore(sim, rng.fork('apiserver'), { defaultCrds: false, freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const recorder = new MemoryEventRecorder(sim);
  const decisions: SchedulingDecision[] = [];
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), recorder: () => recorder, onProgrammingError: 'throw' });
  const scheduler = createScheduler({ ...opts, onDecision: (d) => decisions.push(d) });
  mgr.add(scheduler);
  for (let i = 0; i < (opts.nodes ?? 16); i++) await client.create(h100Node(`h100-${pad(i)}`));
  await mgr.start();
  const t0 = sim.now();
  const runFor = (ms: number) => sim.run({ until: sim.now() + ms });
  const get = (name: string) => client.get<Pod>(POD, name, NS);
  const nodeOf = async (name: string) => (await get(name)).spec.nodeName;
  const scheduled = (cond: Pod) => cond.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const bindings = async () => {
    const out: Record<string, string> = {};
    for (const p of (await client.list<Pod>(POD, { namespace: NS })).items) out[p.metadata.name!] = p.spec.nodeName ?? '';
    return out;
  };
  const create = async (...pods: Pod[]) => {
    for (const p of pods) await client.create(p);
  };
  await runFor(0);
  return { sim, store, client, recorder, decisions, mgr, scheduler, t0, runFor, get, nodeOf, scheduled, bindings, create };
}

type Env = Awaited<ReturnType<typeof cluster>>;

function gpuPod(name: string, gpus: number): Pod {
  return makePod(name).gpu(gpus).cpuMem('16', '128Gi').obj();
}

/** Fills every node with one 8-GPU pod. */
async function fill(env: Env, n = 16): Promise<void> {
  await env.create(...Array.from({ length: n }, (_, i) => gpuPod(`full-${pad(i)}`, 8)));
  await env.runFor(0);
}

describe('scheduler on SimManager', () => {
  it('binds pods that tolerate the GPU taint, through pods/binding, with Scheduled events', async () => {
    const env = await cluster();
    await env.create(gpuPod('a', 8), gpuPod('b', 4), gpuPod('c', 4));
    await env.runFor(0);
    const a = await env.get('a');
    expect(a.spec.nodeName).toMatch(/^h100-\d\d$/);
    expect(env.scheduled(a)).toMatchObject({ type: 'PodScheduled', status: 'True' });
    // Least-allocated spreads b and c over two more empty nodes; none shares a's node.
    const nodes = [a.spec.nodeName, await env.nodeOf('b'), await env.nodeOf('c')];
    expect(new Set(nodes).size).toBe(3);
    expect(nodes).toEqual(['h100-00', 'h100-01', 'h100-02']);
    expect(env.recorder.events.filter((e) => e.reason === 'Scheduled').map((e) => e.message)).toEqual([
      'Successfully assigned default/a to h100-00',
      'Successfully assigned default/b to h100-01',
      'Successfully assigned default/c to h100-02',
    ]);
    expect(env.decisions[0]).toMatchObject({ type: 'bound', pod: { kind: 'Pod', namespace: NS, name: 'a' }, node: 'h100-00', gpus: 8, cpuMilli: 16000, memoryBytes: 128 * 2 ** 30, attempts: 1 });
    expect(env.mgr.programmingErrors).toEqual([]);
  });

  it('marks a 9-GPU pod Unschedulable with kube-scheduler\'s message, once, and keeps retrying', async () => {
    const env = await cluster();
    await env.create(gpuPod('big', 9));
    await env.runFor(0);
    const pod = await env.get('big');
    expect(pod.spec.nodeName).toBeUndefined();
    const msg = '0/16 nodes are available: 16 Insufficient nvidia.com/gpu.';
    expect(env.scheduled(pod)).toEqual({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg, lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(env.recorder.events.map((e) => [e.type, e.reason, e.message])).toEqual([['Warning', 'FailedScheduling', msg]]);
    // Nothing changes: the next try is the 5-minute flush; the condition is not rewritten.
    await env.runFor(4 * 60_000);
    expect(env.recorder.events).toHaveLength(1);
    await env.runFor(11 * 60_000);
    const failures = env.recorder.events.filter((e) => e.reason === 'FailedScheduling');
    expect(failures.map((e) => e.time! - env.t0)).toEqual([0, 300_000, 600_000, 900_000]);
    const after = await env.get('big');
    expect(after.metadata.resourceVersion).toBe(pod.metadata.resourceVersion);
    expect(env.decisions.filter((d) => d.type === 'unschedulable').map((d) => (d as { attempts: number }).attempts)).toEqual([1, 2, 3, 4]);
  });

  it("reports the GPU taint for a pod that doesn't tolerate it", async () => {
    const env = await cluster();
    await env.create(makePod('cpu-only').cpuMem('1', '1Gi').obj());
    await env.runFor(0);
    expect(env.scheduled(await env.get('cpu-only'))?.message).toBe('0/16 nodes are available: 16 node(s) had untolerated taint {nvidia.com/gpu: }.');
    // A CPU node arrives at once: the pod fits there, and goes when its 1 s backoff ends.
    await env.client.create(makeNode('cpu-00').cpu().obj());
    await env.runFor(999);
    expect(await env.nodeOf('cpu-only')).toBeUndefined();
    await env.runFor(1);
    expect(await env.nodeOf('cpu-only')).toBe('cpu-00');
  });

  it('freeing a node lets a pending pod schedule; the condition message follows the cluster', async () => {
    const env = await cluster();
    await fill(env);
    await env.create(gpuPod('waiting', 8));
    await env.runFor(0);
    expect(env.scheduled(await env.get('waiting'))?.message).toBe('0/16 nodes are available: 16 Insufficient nvidia.com/gpu.');
    await env.runFor(30_000);
    const victim = 'full-05';
    const node = await env.nodeOf(victim);
    await env.client.delete(POD, victim, NS, { gracePeriodSeconds: 0 });
    await env.runFor(0);
    expect(await env.nodeOf('waiting')).toBe(node);
    const bound = env.decisions.find((d) => d.type === 'bound' && d.pod.name === 'waiting');
    expect(bound).toMatchObject({ at: env.t0 + 30_000, attempts: 2 });
    // A finished pod frees its node too, and a second waiter gets it.
    await env.create(gpuPod('second', 8));
    await env.runFor(10_000);
    await env.client.patch(POD, 'full-07', NS, { status: { phase: 'Succeeded' } }, 'merge', { subresource: 'status' });
    await env.runFor(0);
    expect(await env.nodeOf('second')).toBe(await env.nodeOf('full-07'));
  });

  it('a pod freed up during its backoff waits for the backoff to end', async () => {
    const env = await cluster();
    await fill(env);
    await env.create(gpuPod('waiting', 8));
    await env.runFor(200);
    await env.client.delete(POD, 'full-00', NS, { gracePeriodSeconds: 0 });
    await env.runFor(0);
    expect(await env.nodeOf('waiting')).toBeUndefined();
    await env.runFor(799);
    expect(await env.nodeOf('waiting')).toBeUndefined();
    await env.runFor(1);
    expect(await env.nodeOf('waiting')).toBe('h100-00');
  });

  it('a node added or uncordoned lets a pending pod schedule; a removed node frees nothing and takes nothing', async () => {
    const env = await cluster({ nodes: 2 });
    await fill(env, 2);
    await env.create(gpuPod('next', 4));
    await env.runFor(5_000);
    expect(env.scheduled(await env.get('next'))?.message).toBe('0/2 nodes are available: 2 Insufficient nvidia.com/gpu.');
    // A cordoned node cannot take the pod, so it is not a reason to try again (the message stays).
    const attempts = env.decisions.length;
    await env.client.create(makeNode('h100-new').h100().unschedulable().obj());
    await env.runFor(5_000);
    expect(env.decisions.length).toBe(attempts);
    expect(env.scheduled(await env.get('next'))?.message).toBe('0/2 nodes are available: 2 Insufficient nvidia.com/gpu.');
    await env.client.patch(NODE, 'h100-new', undefined, { spec: { unschedulable: false } }, 'merge');
    await env.runFor(0);
    expect(await env.nodeOf('next')).toBe('h100-new');
    // The node goes away: its pods no longer count anywhere, and the node is not a candidate.
    await env.client.delete(NODE, 'h100-new');
    await env.create(gpuPod('after', 4));
    await env.runFor(0);
    expect(env.scheduled(await env.get('after'))?.message).toBe('0/2 nodes are available: 2 Insufficient nvidia.com/gpu.');
    expect(env.scheduler.snapshot.nodeCount).toBe(2);
  });

  it('most-allocated packs and least-allocated spreads', async () => {
    const place = async (policy: string) => {
      const env = await cluster({ policy });
      await env.create(...Array.from({ length: 16 }, (_, i) => gpuPod(`w-${pad(i)}`, 1)));
      await env.runFor(0);
      const perNode = new Map<string, number>();
      for (const n of Object.values(await env.bindings())) perNode.set(n, (perNode.get(n) ?? 0) + 1);
      return perNode;
    };
    const packed = await place('most-allocated');
    expect([...packed]).toEqual([
      ['h100-00', 8],
      ['h100-01', 8],
    ]);
    const spread = await place('least-allocated');
    expect(spread.size).toBe(16);
    expect([...spread.values()].every((n) => n === 1)).toBe(true);
  });

  it('orders pending pods by priority, then creation', async () => {
    const env = await cluster({ nodes: 1 });
    await env.client.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
    await fill(env, 1);
    await env.create(gpuPod('low-1', 8));
    await env.runFor(1_000);
    await env.create(gpuPod('low-2', 8), makePod('high').gpu(8).cpuMem('16', '128Gi').priorityClass('high').obj());
    await env.runFor(20_000);
    expect((await env.get('high')).spec.priority).toBe(1000);
    await env.client.delete(POD, 'full-00', NS, { gracePeriodSeconds: 0 });
    await env.runFor(20_000);
    expect(await env.bindings()).toMatchObject({ high: 'h100-00', 'low-1': '', 'low-2': '' });
    await env.client.delete(POD, 'high', NS, { gracePeriodSeconds: 0 });
    await env.runFor(20_000);
    expect(await env.bindings()).toMatchObject({ 'low-1': 'h100-00', 'low-2': '' });
  });

  it('leaves pods of other schedulers alone but counts them once bound; ignores gated and terminating pods', async () => {
    const env = await cluster({ nodes: 1 });
    await env.create(makePod('volcano').gpu(4).scheduler('volcano').obj());
    await env.runFor(0);
    expect(await env.nodeOf('volcano')).toBeUndefined();
    await env.client.bind(NS, 'volcano', 'h100-00');
    await env.create(gpuPod('mine', 8), { ...gpuPod('gated', 1), spec: { ...gpuPod('gated', 1).spec, schedulingGates: [{ name: 'kueue' }] } });
    await env.runFor(0);
    expect(env.scheduled(await env.get('mine'))?.message).toBe('0/1 nodes are available: 1 Insufficient nvidia.com/gpu.');
    expect(await env.nodeOf('gated')).toBeUndefined();
    expect(env.scheduled(await env.get('gated'))).toBeUndefined();
    expect(env.scheduler.snapshot.node('h100-00')?.reqGpu).toBe(4000);
  });

  it('survives a manager crash: the snapshot is rebuilt and pods deleted meanwhile are freed', async () => {
    const env = await cluster({ nodes: 2 });
    await fill(env, 2);
    await env.create(gpuPod('waiting', 8));
    await env.runFor(2_000);
    env.mgr.restart({ downtimeMs: 1_000 });
    await env.client.delete(POD, 'full-01', NS, { gracePeriodSeconds: 0 });
    await env.runFor(999);
    expect(await env.nodeOf('waiting')).toBeUndefined();
    await env.runFor(1);
    expect(await env.nodeOf('waiting')).toBe('h100-01');
    expect(env.scheduler.snapshot.sums()).toEqual(env.scheduler.snapshot.recomputeSums());
    expect(env.scheduler.snapshot.podCount).toBe(2);
    expect(env.mgr.programmingErrors).toEqual([]);
  });

  it('the same seed gives the same bindings, events and decisions', async () => {
    const run = async (seed: string, policy: string) => {
      const env = await cluster({ seed, policy });
      const rng = createRng(`${seed}/workload`);
      let n = 0;
      for (let wave = 0; wave < 6; wave++) {
        const pods = Array.from({ length: rng.int(3, 8) }, () => gpuPod(`p-${pad(n++, 3)}`, [1, 2, 4, 8][rng.int(0, 3)]!));
        await env.create(...pods);
        await env.runFor(rng.int(500, 5_000));
        const live = Object.entries(await env.bindings()).filter(([, node]) => node !== '');
        if (live.length > 0) await env.client.delete(POD, live[rng.int(0, live.length - 1)]![0], NS, { gracePeriodSeconds: 0 });
      }
      await env.runFor(60_000);
      for (const [, s] of env.scheduler.snapshot.sums()) expect(s.gpu).toBeLessThanOrEqual(8000);
      return { bindings: await env.bindings(), events: env.recorder.events, decisions: env.decisions };
    };
    const a = await run('7', 'most-allocated');
    const b = await run('7', 'most-allocated');
    expect(b).toEqual(a);
    expect(Object.values(a.bindings).filter((x) => x !== '').length).toBeGreaterThan(10);
    const c = await run('7', 'least-allocated');
    expect(c.bindings).not.toEqual(a.bindings);
  });
});
