// Node pools: the Node objects a scenario's fleet starts with (the h100-8x shape exactly as
// Karpenter lists p5.48xlarge), names, zones, blocks, taints, and adding/removing nodes later.

import { describe, expect, it } from 'vitest';
import type { Node } from '../../controller/api/core-types.js';
import { NODE } from '../../controller/api/constants.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { NodePoolError, type NodePoolSpec } from '../../sim/cluster/node-pool.js';
import { buildNode, indexWidth, NodePools, nodeName } from '../../sim/cluster/node-pools.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { fixed } from './cluster-env.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup(pools: NodePoolSpec[], extra: { region?: string } = {}) {
  const sim = new Simulation();
  const rng = createRng('pools');
  const store = createSimStore(sim, rng.fork('apiserver'), { defaultCrds: false, freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, {}, { elapsed: () => sim.elapsed() });
  const np = new NodePools({ client, clock: sim, pools, trace, timers: sim, rng: rng.fork('nodepools'), ...extra });
  const nodes = async () => (await client.list<Node>(NODE)).items;
  return { sim, client, sink, np, nodes };
}

describe('buildNode: the h100-8x shape', () => {
  const node = buildNode({ pool: { name: 'gpu', count: 4, shape: 'h100-8x' }, index: 1, ordinal: 2, now: T0 });

  it('has p5.48xlarge allocatable as Karpenter lists it', () => {
    expect(node.status!.allocatable).toEqual({
      cpu: '191450m',
      'ephemeral-storage': '184Gi',
      memory: '1938410Mi',
      'nvidia.com/gpu': '8',
      pods: '100',
    });
  });

  it('has capacity: 192 vCPU, 2 TiB, 8 GPUs', () => {
    expect(node.status!.capacity).toEqual({ cpu: '192', 'ephemeral-storage': '200Gi', memory: '2097152Mi', 'nvidia.com/gpu': '8', pods: '100' });
  });

  it('is named <pool>-<index> zero-padded and carries the well-known labels', () => {
    expect(node.metadata.name).toBe('gpu-001');
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': 'gpu-001',
      'node.kubernetes.io/instance-type': 'p5.48xlarge',
      'topology.kubernetes.io/zone': 'us-east-1a',
      'topology.kubernetes.io/region': 'us-east-1',
      'raysim.io/block': '0',
      'raysim.io/pool': 'gpu',
      'karpenter.sh/nodepool': 'gpu',
      'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
      'nvidia.com/gpu.count': '8',
    });
  });

  it('is tainted nvidia.com/gpu:NoSchedule', () => {
    expect(node.spec!.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
  });

  it('is Ready with nodeInfo and addresses', () => {
    const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(node.status!.conditions!.filter((c) => c.status === 'False').map((c) => c.type)).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure']);
    expect(node.status!.nodeInfo).toMatchObject({ kubeletVersion: 'v1.31.4', architecture: 'amd64', operatingSystem: 'linux' });
    expect(node.status!.addresses).toEqual([
      { type: 'InternalIP', address: '10.16.0.2' },
      { type: 'Hostname', address: 'gpu-001' },
    ]);
    expect(node.spec!.podCIDR).toBe('10.128.2.0/24');
  });
});

describe('buildNode: pools', () => {
  it.each([
    { name: 'zones round-robin', pool: { name: 'g', count: 5, shape: 'h100-8x', zones: ['z-a', 'z-b'] }, key: 'topology.kubernetes.io/zone', want: ['z-a', 'z-b', 'z-a', 'z-b', 'z-a'] },
    { name: 'blocks of nodesPerBlock', pool: { name: 'g', count: 5, shape: 'h100-8x', nodesPerBlock: 2 }, key: 'raysim.io/block', want: ['0', '0', '1', '1', '2'] },
    { name: 'default 32 per block', pool: { name: 'g', count: 40, shape: 'h100-8x' }, key: 'raysim.io/block', want: [...Array(32).fill('0'), ...Array(8).fill('1')] },
  ] as { name: string; pool: NodePoolSpec; key: string; want: string[] }[])('$name', ({ pool, key, want }) => {
    const got = want.map((_, i) => buildNode({ pool, index: i, ordinal: i + 1, now: T0 }).metadata.labels![key]);
    expect(got).toEqual(want);
  });

  it('CPU shapes have no GPU resource, label or taint', () => {
    const n = buildNode({ pool: { name: 'cpu', count: 1, shape: 'cpu-96' }, index: 0, ordinal: 1, now: T0 });
    expect(n.status!.allocatable).not.toHaveProperty('nvidia.com/gpu');
    expect(n.metadata.labels).not.toHaveProperty('nvidia.com/gpu.product');
    expect(n.spec!.taints).toBeUndefined();
    expect(n.metadata.labels!['node.kubernetes.io/instance-type']).toBe('m7i.24xlarge');
  });

  it('taints and labels from the pool override the defaults', () => {
    const n = buildNode({ pool: { name: 'g', count: 1, shape: 'h100-8x', taints: [], labels: { team: 'a', 'raysim.io/block': 'x' } }, index: 0, ordinal: 1, now: T0 });
    expect(n.spec!.taints).toBeUndefined();
    expect(n.metadata.labels).toMatchObject({ team: 'a', 'raysim.io/block': 'x' });
  });

  it('custom shapes: capacity defaults to allocatable; GPU product overridable', () => {
    const n = buildNode({
      pool: { name: 'a100', count: 1, shape: { cpu: '90', memory: '1000Gi', gpus: 8, pods: 110, instanceType: 'p4d.24xlarge', pricePerHour: 32, gpuProduct: 'NVIDIA-A100-SXM4-40GB' } },
      index: 0,
      ordinal: 1,
      now: T0,
    });
    expect(n.status!.capacity).toMatchObject({ cpu: '90', memory: '1000Gi', 'nvidia.com/gpu': '8' });
    expect(n.metadata.labels!['nvidia.com/gpu.product']).toBe('NVIDIA-A100-SXM4-40GB');
  });

  it('index width grows with the pool', () => {
    expect([indexWidth(0), indexWidth(1), indexWidth(1000), indexWidth(1001), indexWidth(20000)]).toEqual([3, 3, 3, 4, 5]);
    expect(nodeName('gpu', 7, 4)).toBe('gpu-0007');
  });

  it('unknown presets and bad pools are reported at once', () => {
    expect(() => setup([{ name: 'x', count: 1, shape: 'h200-8x' }])).toThrow(NodePoolError);
    expect(() => setup([{ name: 'x', count: 1, shape: 'h200-8x' }])).toThrow(/unknown shape "h200-8x" \(known: h100-8x, cpu-96\)/);
    expect(() =>
      setup([
        { name: 'x', count: -1, shape: 'h100-8x' },
        { name: 'x', count: 1, shape: 'h100-8x' },
        { name: 'y', count: 1, shape: 'h100-8x', nodesPerBlock: 0 },
      ]),
    ).toThrow(/count must be an integer >= 0.*defined twice.*nodesPerBlock must be/);
  });
});

describe('NodePools', () => {
  it('creates every pool at the start and records node.ready with NodeData', async () => {
    const { np, nodes, sink } = setup([
      { name: 'gpu', count: 3, shape: 'h100-8x', zones: ['us-east-1a', 'us-east-1b'] },
      { name: 'cpu', count: 1, shape: 'cpu-96' },
    ]);
    await np.start();
    expect((await nodes()).map((n) => n.metadata.name).sort()).toEqual(['cpu-000', 'gpu-000', 'gpu-001', 'gpu-002']);
    const ready = sink.records().filter((r) => r.type === 'node.ready');
    expect(ready.map((r) => (r.ref as { name: string }).name)).toEqual(['gpu-000', 'gpu-001', 'gpu-002', 'cpu-000']);
    expect(ready[1]).toMatchObject({
      t: 0,
      actor: 'nodepool',
      data: { pool: 'gpu', instanceType: 'p5.48xlarge', gpus: 8, cpuMilli: 191450, memoryBytes: 1938410 * 2 ** 20, pricePerHour: 55.04, zone: 'us-east-1b' },
    });
    // Addresses are unique across pools.
    const ips = (await nodes()).map((n) => n.status!.addresses![0]!.address);
    expect(new Set(ips).size).toBe(4);
  });

  it('start is idempotent against nodes that already exist', async () => {
    const { np, sim, client, nodes } = setup([{ name: 'gpu', count: 2, shape: 'h100-8x' }]);
    await client.create(buildNode({ pool: { name: 'gpu', count: 2, shape: 'h100-8x' }, index: 0, ordinal: 9, now: sim.now() }));
    await np.start();
    expect((await nodes()).length).toBe(2);
  });

  it('addNode continues the indices; removeNode deletes and records node.down', async () => {
    const { np, nodes, sink, sim } = setup([{ name: 'gpu', count: 2, shape: 'h100-8x' }]);
    await np.start();
    await sim.run({ until: sim.startTime + 5_000 });
    const added = await np.addNode('gpu');
    expect(added.metadata.name).toBe('gpu-002');
    expect(await np.removeNode('gpu-000')).toBe(true);
    expect(await np.removeNode('gpu-000')).toBe(false);
    expect((await nodes()).map((n) => n.metadata.name).sort()).toEqual(['gpu-001', 'gpu-002']);
    const down = sink.records().filter((r) => r.type === 'node.down');
    expect(down).toEqual([expect.objectContaining({ t: 5000, ref: expect.objectContaining({ kind: 'Node', name: 'gpu-000' }), data: { cause: 'scale-down' } })]);
    await expect(np.addNode('nope')).rejects.toThrow(/no such pool \(known: gpu\)/);
  });

  it('launchNode creates the node after the drawn provisioning delay', async () => {
    const { np, nodes, sim, sink } = setup([{ name: 'gpu', count: 0, shape: 'h100-8x', provisioningDelay: fixed(420_000) }]);
    await np.start();
    const p = np.launchNode('gpu');
    expect(p).toMatchObject({ name: 'gpu-000', delayMs: 420_000 });
    expect(np.provisioning.map((x) => x.name)).toEqual(['gpu-000']);
    await sim.run({ until: sim.startTime + 419_999 });
    expect(await nodes()).toEqual([]);
    await sim.run({ until: sim.startTime + 420_000 });
    expect((await nodes()).map((n) => n.metadata.name)).toEqual(['gpu-000']);
    expect(sink.records().find((r) => r.type === 'node.ready')!.t).toBe(420_000);
    expect(np.provisioning).toEqual([]);
    // A cancelled launch never creates its node.
    const q = np.launchNode('gpu');
    expect(np.cancelLaunch(q.name)).toBe(true);
    await sim.run({ until: sim.startTime + 2_000_000 });
    expect((await nodes()).length).toBe(1);
  });
});
