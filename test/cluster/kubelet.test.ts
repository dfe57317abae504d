// The simulated kubelet on the virtual clock: stage timing (image pulls, the per-node image cache,
// container start), container exits and restarts, graceful termination, node failure and repair,
// GPU errors, and pods left behind by a deleted node. Pull 60 s, start 3 s, stop 2 s (FIXED_TIMINGS).

import { describe, expect, it } from 'vitest';
import type { Pod } from '../../controller/api/core-types.js';
import { POD } from '../../controller/api/constants.js';
import { clusterEnv, fixed, makePod, NS, timeOf } from './cluster-env.js';

const cond = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

describe('kubelet: starting pods', () => {
  it('pulls, starts and reports Running at the drawn time; a second pod with the image skips the pull', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('a', { node: 'gpu-000' }));
    await env.runTo(1_000);
    // Accepted at once: startTime, IPs, containers creating.
    const pending = (await env.pod('a'))!;
    expect(pending.spec.nodeName).toBe('gpu-000');
    expect(pending.status).toMatchObject({ phase: 'Pending', hostIP: '10.16.0.1', podIP: '10.128.1.2', startTime: '2026-01-01T00:00:00Z' });
    expect(pending.status!.containerStatuses![0]).toMatchObject({ name: 'ray-head', ready: false, state: { waiting: { reason: 'ContainerCreating' } } });
    expect(cond(pending, 'PodScheduled')).toBe('True');
    expect(cond(pending, 'Ready')).toBe('False');
    expect(env.kubelet.hasImage('gpu-000', 'rayproject/ray:2.34.0-py311-gpu')).toBe(false);

    await env.runTo(62_999);
    expect((await env.pod('a'))!.status!.phase).toBe('Pending');
    await env.runTo(63_000);
    const running = (await env.pod('a'))!;
    expect(running.status).toMatchObject({ phase: 'Running', podIP: '10.128.1.2', startTime: '2026-01-01T00:00:00Z' });
    expect(running.status!.containerStatuses![0]).toMatchObject({ ready: true, started: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:01:03Z' } } });
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(cond(running, t)).toBe('True');
    expect(timeOf(env, 'pod.running', 'a')).toBe(63_000);
    expect(env.records('pod.running')[0]).toMatchObject({ actor: 'kubelet', ref: { kind: 'Pod', namespace: NS, name: 'a' }, data: { node: 'gpu-000' } });
    expect(env.kubelet.hasImage('gpu-000', 'rayproject/ray:2.34.0-py311-gpu')).toBe(true);

    // Same image, same node: no pull, Running after the 3 s start.
    await env.runTo(100_000);
    await env.client.create(makePod('b', { node: 'gpu-000' }));
    // Same image on another node: pulled there.
    await env.client.create(makePod('c', { node: 'gpu-001' }));
    await env.runTo(200_000);
    expect(timeOf(env, 'pod.running', 'b')).toBe(103_000);
    expect(timeOf(env, 'pod.running', 'c')).toBe(163_000);
    // IPs come from each node's pod CIDR, in order.
    expect((await env.pod('b'))!.status!.podIP).toBe('10.128.1.3');
    expect((await env.pod('c'))!.status!.podIP).toBe('10.128.2.2');
  });

  it('a pod arriving while its image is being pulled waits for that pull; other images queue behind it', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('a', { node: 'gpu-000' }));
    await env.runTo(10_000);
    await env.client.create(makePod('b', { node: 'gpu-000' }));
    await env.client.create(makePod('c', { node: 'gpu-000', image: 'busybox:1.36' }));
    await env.runTo(300_000);
    expect(timeOf(env, 'pod.running', 'a')).toBe(63_000);
    expect(timeOf(env, 'pod.running', 'b')).toBe(63_000);
    // Serial pulls: busybox starts when the ray image is done (60 s), takes 60 s, then 3 s start.
    expect(timeOf(env, 'pod.running', 'c')).toBe(123_000);
  });

  it('pods bound to nodes it does not manage are left alone', async () => {
    const env = await clusterEnv({ noBinder: true });
    await env.client.create(makePod('x'));
    await env.client.bind(NS, 'x', 'not-a-node');
    await env.runTo(300_000);
    expect((await env.pod('x'))!.status!.phase).toBe('Pending');
    expect(env.records('pod.running')).toEqual([]);
  });

  it('a readiness probe that fails at start is retried from initialDelaySeconds every periodSeconds; one that passes makes the pod Ready at once', async () => {
    let upAt = 80_000;
    const env = await clusterEnv({ prober: { ready: (pod) => pod.metadata.name !== 'slow' || env.sim.elapsed() >= upAt } });
    const probed = (name: string) => {
      const p = makePod(name, { node: 'gpu-000' });
      p.spec.containers[0]!.readinessProbe = { initialDelaySeconds: 10, periodSeconds: 5, exec: { command: ['true'] } };
      return p;
    };
    await env.client.create(probed('slow'));
    await env.client.create(probed('fast'));
    await env.runTo(63_000);
    // Both Running at 63 s; the one whose probe passes is Ready at once, the other is not.
    expect(cond(await env.pod('fast'), 'Ready')).toBe('True');
    const slow = (await env.pod('slow'))!;
    expect(slow.status!.phase).toBe('Running');
    expect(slow.status!.containerStatuses![0]!.ready).toBe(false);
    expect(cond(slow, 'Ready')).toBe('False');
    // Probes at 73 s, 78 s, 83 s: up at 80 s, so Ready from the 83 s round.
    await env.runTo(82_999);
    expect(cond(await env.pod('slow'), 'Ready')).toBe('False');
    await env.runTo(83_000);
    expect(cond(await env.pod('slow'), 'Ready')).toBe('True');
    expect((await env.pod('slow'))!.status!.containerStatuses![0]!.ready).toBe(true);
    upAt = Infinity;
    // Probing stopped once ready: nothing is written later.
    const rv = (await env.pod('slow'))!.metadata.resourceVersion;
    await env.runTo(200_000);
    expect((await env.pod('slow'))!.metadata.resourceVersion).toBe(rv);
  });

  it('onPodRunning hears about each started pod', async () => {
    const started: string[] = [];
    const env = await clusterEnv({ onPodRunning: (p) => started.push(`${env.sim.elapsed()} ${p.metadata.name}`) });
    await env.client.create(makePod('a'));
    await env.runTo(100_000);
    expect(started).toEqual(['63000 a']);
  });
});

describe('kubelet: containers exit', () => {
  async function runningPod(opts: Parameters<typeof makePod>[1] = {}) {
    const env = await clusterEnv();
    await env.client.create(makePod('p', { node: 'gpu-000', ...opts }));
    await env.runTo(63_000);
    expect((await env.pod('p'))!.status!.phase).toBe('Running');
    return env;
  }

  it.each([
    { policy: 'Never', code: 0, phase: 'Succeeded', reason: 'Completed' },
    { policy: 'Never', code: 1, phase: 'Failed', reason: 'Error' },
    { policy: 'OnFailure', code: 0, phase: 'Succeeded', reason: 'Completed' },
  ] as const)('restartPolicy $policy, exit $code -> $phase', async ({ policy, code, phase, reason }) => {
    const env = await runningPod({ restartPolicy: policy });
    await env.runTo(100_000);
    const p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, code);
    expect(p.status!.phase).toBe(phase);
    expect(p.status!.containerStatuses![0]).toMatchObject({ ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason, finishedAt: '2026-01-01T00:01:40Z' } } });
    expect(cond(p, 'Ready')).toBe('False');
    expect(env.records('pod.finished')).toEqual([expect.objectContaining({ t: 100_000, data: { phase, exitCode: code, reason } })]);
    // Nothing restarts it, and the kubelet does not record it twice.
    await env.runTo(1_000_000);
    expect((await env.pod('p'))!.status!.phase).toBe(phase);
    expect(env.records('pod.finished').length).toBe(1);
    await expect(env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 0)).rejects.toThrow(/not running/);
  });

  it('restartPolicy Always restarts with CrashLoopBackOff: immediately, then after 10 s, 20 s', async () => {
    const env = await runningPod({ restartPolicy: 'Always' });
    const restartsAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 137, 'OOMKilled');
      expect(p.status!.phase).toBe('Running');
      expect(p.status!.containerStatuses![0]).toMatchObject({ ready: false, restartCount: i + 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } });
      const exitAt = env.sim.elapsed();
      for (let t = exitAt; ; t += 1_000) {
        await env.runTo(t);
        if ((await env.pod('p'))!.status!.containerStatuses![0]!.state?.running) break;
      }
      restartsAt.push(env.sim.elapsed() - exitAt);
      expect(cond(await env.pod('p'), 'Ready')).toBe('True');
    }
    // Back-off 0, 10 s, 20 s, each plus the 3 s container start.
    expect(restartsAt).toEqual([3_000, 13_000, 23_000]);
    expect(env.records('pod.finished')).toEqual([]);
  });

  it('OnFailure restarts a failed container but not a succeeded one', async () => {
    const env = await runningPod({ restartPolicy: 'OnFailure' });
    let p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 2);
    expect(p.status!.containerStatuses![0]!.restartCount).toBe(1);
    await env.runTo(70_000);
    p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 0);
    expect(p.status!.phase).toBe('Succeeded');
  });

  it('a pod with a sidecar stays Running until every container has exited', async () => {
    const env = await runningPod({ restartPolicy: 'Never', containers: 2 });
    let p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 0);
    expect(p.status!.phase).toBe('Running');
    expect(cond(p, 'Ready')).toBe('False');
    p = await env.kubelet.terminateContainer({ namespace: NS, name: 'p' }, 1, undefined, { container: 'sidecar-1' });
    expect(p.status!.phase).toBe('Failed');
    expect(env.records('pod.finished')).toEqual([expect.objectContaining({ data: { phase: 'Failed', exitCode: 1, reason: 'Error' } })]);
  });

  it('activeDeadlineSeconds fails the pod', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('d', { activeDeadlineSeconds: 120 }));
    await env.runTo(119_999);
    expect((await env.pod('d'))!.status!.phase).toBe('Running');
    await env.runTo(120_000);
    const p = (await env.pod('d'))!;
    expect(p.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(timeOf(env, 'pod.finished', 'd')).toBe(120_000);
  });
});

describe('kubelet: graceful termination', () => {
  it.each([
    { name: 'the stop delay when it is shorter than the grace period', grace: 30, stop: 2_000, gone: 102_000 },
    { name: 'the grace period when the containers take longer', grace: 1, stop: 5_000, gone: 101_000 },
    { name: 'at once with grace 0 requested by the deleter', grace: 30, stop: 5_000, gone: 100_000, deleteGrace: 0 },
  ])('a deleted pod is finished after $name', async ({ grace, stop, gone, deleteGrace }) => {
    const env = await clusterEnv({ timings: { stop: fixed(stop) } });
    await env.client.create(makePod('p', { grace }));
    await env.runTo(100_000);
    await env.client.delete(POD, 'p', NS, deleteGrace === undefined ? {} : { gracePeriodSeconds: deleteGrace });
    if (gone > 100_000) {
      await env.runTo(gone - 1);
      expect((await env.pod('p'))?.metadata.deletionTimestamp).toBeDefined();
    }
    await env.runTo(gone);
    expect(await env.pod('p')).toBeUndefined();
    if (deleteGrace === undefined) expect(timeOf(env, 'pod.deleted', 'p')).toBe(gone);
    expect(env.records('pod.deleted')).toEqual([expect.objectContaining({ actor: 'kubelet', data: { node: 'gpu-000' } })]);
  });

  it('a second delete with a shorter grace period brings the kill forward', async () => {
    const env = await clusterEnv({ timings: { stop: fixed(20_000) } });
    await env.client.create(makePod('p', { grace: 30 }));
    await env.runTo(100_000);
    await env.client.delete(POD, 'p', NS);
    await env.runTo(105_000);
    await env.client.delete(POD, 'p', NS, { gracePeriodSeconds: 1 });
    await env.runTo(105_999);
    expect(await env.pod('p')).toBeDefined();
    await env.runTo(106_000);
    expect(await env.pod('p')).toBeUndefined();
  });

  it('a pod deleted while pulling is finished too, and its IP is reused', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('p', { node: 'gpu-000' }));
    await env.runTo(10_000);
    await env.client.delete(POD, 'p', NS);
    await env.runTo(12_000);
    expect(await env.pod('p')).toBeUndefined();
    await env.client.create(makePod('q', { node: 'gpu-000' }));
    await env.runTo(13_000);
    // .2 went to p; the allocator moves on before reusing.
    expect((await env.pod('q'))!.status!.podIP).toBe('10.128.1.3');
    expect(env.records('pod.running')).toEqual([]);
  });
});

describe('kubelet: node faults', () => {
  it('failNode marks the node NotReady and unreachable, fails its pods; repairNode restores it', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('a', { node: 'gpu-000' }));
    await env.client.create(makePod('b', { node: 'gpu-000' }));
    await env.client.create(makePod('other', { node: 'gpu-001' }));
    await env.runTo(100_000);
    await env.kubelet.failNode('gpu-000', 'faulty-gpu');
    const node = await env.node('gpu-000');
    expect(node.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-01T00:01:40Z' });
    expect(node.spec!.taints!.map((t) => `${t.key}:${t.effect}`)).toEqual(['nvidia.com/gpu:NoSchedule', 'node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    for (const name of ['a', 'b']) {
      const p = (await env.pod(name))!;
      expect(p.status).toMatchObject({ phase: 'Failed', reason: 'NodeLost', message: `Node gpu-000 which was running pod ${name} is unresponsive` });
      expect(cond(p, 'Ready')).toBe('False');
    }
    expect((await env.pod('other'))!.status!.phase).toBe('Running');
    expect(env.records('node.down', 'pod.finished').map((r) => [r.t, r.type, (r.ref as { name: string }).name, r.data])).toEqual([
      [100_000, 'node.down', 'gpu-000', { cause: 'faulty-gpu', gpusLost: 8 }],
      [100_000, 'pod.finished', 'a', { phase: 'Failed', reason: 'NodeLost' }],
      [100_000, 'pod.finished', 'b', { phase: 'Failed', reason: 'NodeLost' }],
    ]);
    expect(env.kubelet.isNodeDown('gpu-000')).toBe(true);

    // A pod bound to the dead node waits; the node coming back starts it.
    await env.client.create(makePod('late', { node: 'gpu-000' }));
    await env.runTo(400_000);
    expect((await env.pod('late'))!.status!.phase).toBe('Pending');
    await env.kubelet.repairNode('gpu-000');
    const repaired = await env.node('gpu-000');
    expect(repaired.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(repaired.spec!.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
    expect(env.records('node.repaired')).toEqual([expect.objectContaining({ t: 400_000, data: { after_ms: 300_000 } })]);
    await env.runTo(500_000);
    // The image survived on the node's disk: only the start delay.
    expect(timeOf(env, 'pod.running', 'late')).toBe(403_000);
    // Failed pods stay failed.
    expect((await env.pod('a'))!.status!.phase).toBe('Failed');
  });

  it('failNode force-deletes pods that were already terminating', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('a', { node: 'gpu-000' }));
    await env.runTo(100_000);
    await env.client.delete(POD, 'a', NS);
    await env.kubelet.failNode('gpu-000', 'power-supply');
    await env.runTo(100_000);
    expect(await env.pod('a')).toBeUndefined();
    expect(env.records('pod.finished', 'pod.deleted').map((r) => r.type)).toEqual(['pod.finished', 'pod.deleted']);
  });

  it('setAllocatableGpus changes allocatable, not capacity, and records node.gpus', async () => {
    const env = await clusterEnv();
    await env.runTo(50_000);
    await env.kubelet.setAllocatableGpus('gpu-001', 7, 'gpu-hbm3');
    const n = await env.node('gpu-001');
    expect(n.status!.allocatable!['nvidia.com/gpu']).toBe('7');
    expect(n.status!.capacity!['nvidia.com/gpu']).toBe('8');
    expect(env.records('node.gpus')).toEqual([expect.objectContaining({ t: 50_000, ref: expect.objectContaining({ name: 'gpu-001' }), data: { gpus: 7, cause: 'gpu-hbm3' } })]);
    await expect(env.kubelet.setAllocatableGpus('gpu-001', -1)).rejects.toThrow(RangeError);
  });

  it('pods of a deleted node are failed and removed (PodGC)', async () => {
    const env = await clusterEnv();
    await env.client.create(makePod('a', { node: 'gpu-000' }));
    await env.runTo(100_000);
    await env.pools.removeNode('gpu-000');
    await env.runTo(100_000);
    expect(await env.pod('a')).toBeUndefined();
    expect(env.records('node.down', 'pod.finished', 'pod.deleted').map((r) => [r.type, r.data])).toEqual([
      ['node.down', { cause: 'scale-down' }],
      ['pod.finished', { phase: 'Failed', reason: 'NodeLost' }],
      ['pod.deleted', { node: 'gpu-000' }],
    ]);
  });
});
