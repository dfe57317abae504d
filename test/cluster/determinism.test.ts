// Same seed, same trace: a small cluster run with drawn (lognormal, uniform) delays, pods, a Job,
// container exits, a node failure and repair, byte for byte; a different seed draws differently.

import { describe, expect, it } from 'vitest';
import { BATCH_JOB, POD } from '../../controller/api/constants.js';
import { parseTrace } from '../../sim/core/trace.js';
import { lognormalFromMedianP90 } from '../../sim/core/distribution.js';
import { clusterEnv, makeJob, makePod, NS } from './cluster-env.js';

async function scenario(seed: string): Promise<string> {
  const env = await clusterEnv({
    seed,
    jobs: true,
    traceReconciles: true,
    pools: [
      { name: 'gpu', count: 3, shape: 'h100-8x', zones: ['us-east-1a', 'us-east-1b'] },
      { name: 'cpu', count: 1, shape: 'cpu-96' },
    ],
    timings: {
      imagePull: lognormalFromMedianP90(90_000, 240_000),
      containerStart: { kind: 'uniform', min: 2_000, max: 5_000 },
      stop: { kind: 'exponential', mean: 3_000 },
    },
  });
  for (let i = 0; i < 6; i++) {
    await env.client.create(makePod(`w-${i}`, { restartPolicy: i % 2 ? 'Never' : 'Always', image: i % 3 ? 'rayproject/ray:2.34.0-py311-gpu' : 'busybox:1.36' }));
  }
  await env.client.create(makeJob('sub', { backoffLimit: 1 }));
  await env.runTo(400_000);
  const running = (await env.pods()).filter((p) => p.status?.phase === 'Running').sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const p of running.slice(0, 3)) await env.kubelet.terminateContainer(p, p.metadata.name === 'w-1' ? 0 : 1);
  await env.runTo(450_000);
  await env.kubelet.failNode('gpu-001', 'gpu-hbm3');
  await env.kubelet.setAllocatableGpus('gpu-002', 6, 'faulty-gpu');
  await env.runTo(600_000);
  await env.kubelet.repairNode('gpu-001');
  await env.client.delete(POD, 'w-0', NS);
  await env.client.delete(BATCH_JOB, 'sub', NS, { propagationPolicy: 'Background' });
  await env.pools.addNode('gpu');
  await env.runTo(900_000);
  expect(env.manager.programmingErrors).toEqual([]);
  return env.sink.text();
}

describe('determinism', () => {
  it('the same seed gives a byte-identical trace', async () => {
    const a = await scenario('seed-1');
    const b = await scenario('seed-1');
    expect(a).toBe(b);
    const records = parseTrace(a);
    const types = new Set(records.map((r) => r.type));
    for (const t of ['node.ready', 'pod.running', 'pod.finished', 'pod.deleted', 'node.down', 'node.repaired', 'node.gpus', 'reconcile']) expect(types).toContain(t);
  });

  it('another seed draws other delays', async () => {
    const a = await scenario('seed-1');
    const c = await scenario('seed-2');
    const running = (text: string) => parseTrace(text).filter((r) => r.type === 'pod.running').map((r) => r.t);
    expect(running(a)).not.toEqual(running(c));
  });
});
