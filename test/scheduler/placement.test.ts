// Placement over a ClusterSnapshot: each filter plugin with kube-scheduler's reasons, both
// scoring strategies with kube-scheduler's integer arithmetic, the exact "0/N nodes are available"
// messages, deterministic ties, the policy registry, and that deciding changes nothing.

import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../controller/api/core-types.js';
import {
  ClusterSnapshot,
  DEFAULT_FILTERS,
  decide,
  diagnose,
  fitErrorMessage,
  isPlacement,
  leastAllocated,
  mostAllocated,
  nodeAffinity,
  nodeReady,
  nodeResourcesFit,
  nodeUnschedulable,
  NO_NODES_AVAILABLE,
  PLACEMENT_POLICIES,
  placementPolicy,
  PlacementPolicyRegistry,
  podInfo,
  runFilters,
  taintToleration,
  type FilterPlugin,
  type NodeInfo,
} from '../../policies/placement/index.js';
import { GPU_TOLERATION, h100Node, makeNode, makePod, pad } from './fixtures.js';

function snapshotOf(nodes: Node[], bound: { pod: Pod; node: string }[] = []): ClusterSnapshot {
  const s = new ClusterSnapshot();
  for (const n of nodes) s.upsertNode(n);
  for (const b of bound) s.addPod(podInfo(b.pod).key, b.node, podInfo(b.pod));
  return s;
}

function nodeInfo(node: Node, bound: Pod[] = []): NodeInfo {
  const s = snapshotOf([node], bound.map((pod) => ({ pod, node: node.metadata.name! })));
  return s.node(node.metadata.name!)!;
}

function h100Fleet(n: number, prefix = 'h100-'): Node[] {
  return Array.from({ length: n }, (_, i) => h100Node(`${prefix}${pad(i)}`));
}

/** A pod that fills a node's GPUs, to bind in setups. */
function filler(i: number, gpus = 8): Pod {
  return makePod(`filler-${i}`).gpu(gpus).cpuMem('1', '1Gi').obj();
}

describe('filter plugins', () => {
  interface Case {
    name: string;
    plugin: FilterPlugin;
    node: Node;
    pod: Pod;
    bound?: Pod[];
    want: readonly string[] | undefined;
  }
  const cases: Case[] = [
    { name: 'NodeUnschedulable: schedulable node passes', plugin: nodeUnschedulable, node: makeNode('n').cpu().obj(), pod: makePod('p').obj(), want: undefined },
    { name: 'NodeUnschedulable: cordoned node rejects', plugin: nodeUnschedulable, node: makeNode('n').cpu().unschedulable().obj(), pod: makePod('p').obj(), want: ['node(s) were unschedulable'] },
    {
      name: 'NodeUnschedulable: tolerated by the unschedulable taint toleration',
      plugin: nodeUnschedulable,
      node: makeNode('n').cpu().unschedulable().obj(),
      pod: makePod('p').tolerate({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).obj(),
      want: undefined,
    },
    { name: 'TaintToleration: GPU taint without toleration', plugin: taintToleration, node: h100Node('g'), pod: makePod('p').obj(), want: ['node(s) had untolerated taint {nvidia.com/gpu: }'] },
    { name: 'TaintToleration: GPU taint tolerated (Exists)', plugin: taintToleration, node: h100Node('g'), pod: makePod('p').tolerate(GPU_TOLERATION).obj(), want: undefined },
    {
      name: 'TaintToleration: Equal needs the same value',
      plugin: taintToleration,
      node: makeNode('n').cpu().taint('team', 'NoSchedule', 'a').obj(),
      pod: makePod('p').tolerate({ key: 'team', operator: 'Equal', value: 'b' }).obj(),
      want: ['node(s) had untolerated taint {team: a}'],
    },
    {
      name: 'TaintToleration: Equal with the same value, any effect',
      plugin: taintToleration,
      node: makeNode('n').cpu().taint('team', 'NoExecute', 'a').obj(),
      pod: makePod('p').tolerate({ key: 'team', value: 'a' }).obj(),
      want: undefined,
    },
    {
      name: 'TaintToleration: a toleration for another effect does not tolerate',
      plugin: taintToleration,
      node: h100Node('g'),
      pod: makePod('p').tolerate({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }).obj(),
      want: ['node(s) had untolerated taint {nvidia.com/gpu: }'],
    },
    { name: 'TaintToleration: PreferNoSchedule does not filter', plugin: taintToleration, node: makeNode('n').cpu().taint('soft', 'PreferNoSchedule').obj(), pod: makePod('p').obj(), want: undefined },
    { name: 'TaintToleration: empty key with Exists tolerates everything', plugin: taintToleration, node: h100Node('g'), pod: makePod('p').tolerate({ operator: 'Exists' }).obj(), want: undefined },
    {
      name: 'TaintToleration: the first untolerated taint is reported',
      plugin: taintToleration,
      node: makeNode('n').cpu().taint('a', 'NoSchedule', 'x').taint('b', 'NoExecute').obj(),
      pod: makePod('p').tolerate({ key: 'a', operator: 'Exists' }).obj(),
      want: ['node(s) had untolerated taint {b: }'],
    },
    { name: 'NodeReady: Ready=True passes', plugin: nodeReady, node: makeNode('n').cpu().obj(), pod: makePod('p').obj(), want: undefined },
    { name: 'NodeReady: no Ready condition counts as ready', plugin: nodeReady, node: makeNode('n').cpu().noConditions().obj(), pod: makePod('p').obj(), want: undefined },
    { name: 'NodeReady: Ready=False is the not-ready taint', plugin: nodeReady, node: makeNode('n').cpu().ready('False').obj(), pod: makePod('p').obj(), want: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'] },
    { name: 'NodeReady: Ready=Unknown is the unreachable taint', plugin: nodeReady, node: makeNode('n').cpu().ready('Unknown').obj(), pod: makePod('p').obj(), want: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
    {
      name: 'NodeReady: a not-ready NoSchedule toleration lets the pod on',
      plugin: nodeReady,
      node: makeNode('n').cpu().ready('False').obj(),
      pod: makePod('p').tolerate({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }).obj(),
      want: undefined,
    },
    {
      name: 'NodeReady: the default NoExecute toleration does not',
      plugin: nodeReady,
      node: makeNode('n').cpu().ready('False').obj(),
      pod: makePod('p').tolerate({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }).obj(),
      want: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'],
    },
    { name: 'NodeAffinity: nodeSelector matches', plugin: nodeAffinity, node: makeNode('n').cpu().label('zone', 'a').obj(), pod: makePod('p').nodeSelector({ zone: 'a' }).obj(), want: undefined },
    { name: "NodeAffinity: nodeSelector doesn't match", plugin: nodeAffinity, node: makeNode('n').cpu().label('zone', 'a').obj(), pod: makePod('p').nodeSelector({ zone: 'b' }).obj(), want: ["node(s) didn't match Pod's node affinity/selector"] },
    { name: 'NodeAffinity: nodeSelector on a missing label', plugin: nodeAffinity, node: makeNode('n').cpu().obj(), pod: makePod('p').nodeSelector({ zone: 'a' }).obj(), want: ["node(s) didn't match Pod's node affinity/selector"] },
    {
      name: 'NodeAffinity: required terms are ORed, expressions ANDed',
      plugin: nodeAffinity,
      node: makeNode('n').cpu().label('zone', 'b').label('gen', '5').obj(),
      pod: makePod('p')
        .requireAffinity(
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }, { key: 'gen', operator: 'Gt', values: ['4'] }] },
        )
        .obj(),
      want: undefined,
    },
    {
      name: 'NodeAffinity: NotIn, DoesNotExist, Lt',
      plugin: nodeAffinity,
      node: makeNode('n').cpu().label('zone', 'b').label('gen', '5').obj(),
      pod: makePod('p')
        .requireAffinity({
          matchExpressions: [
            { key: 'zone', operator: 'NotIn', values: ['a'] },
            { key: 'spot', operator: 'DoesNotExist' },
            { key: 'gen', operator: 'Lt', values: ['6'] },
          ],
        })
        .obj(),
      want: undefined,
    },
    {
      name: 'NodeAffinity: Gt on a non-integer label fails',
      plugin: nodeAffinity,
      node: makeNode('n').cpu().label('gen', 'five').obj(),
      pod: makePod('p').requireAffinity({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }).obj(),
      want: ["node(s) didn't match Pod's node affinity/selector"],
    },
    {
      name: 'NodeAffinity: matchFields metadata.name',
      plugin: nodeAffinity,
      node: makeNode('n-1').cpu().obj(),
      pod: makePod('p').requireAffinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n-1'] }] }).obj(),
      want: undefined,
    },
    { name: 'NodeAffinity: an empty term matches nothing', plugin: nodeAffinity, node: makeNode('n').cpu().obj(), pod: makePod('p').requireAffinity({}).obj(), want: ["node(s) didn't match Pod's node affinity/selector"] },
    {
      name: 'NodeAffinity: selector and affinity must both hold',
      plugin: nodeAffinity,
      node: makeNode('n').cpu().label('zone', 'a').obj(),
      pod: makePod('p').nodeSelector({ zone: 'a' }).requireAffinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }).obj(),
      want: ["node(s) didn't match Pod's node affinity/selector"],
    },
    { name: 'NodeResourcesFit: 8 GPUs fit an empty H100 node', plugin: nodeResourcesFit, node: h100Node('g'), pod: makePod('p').gpu(8).obj(), want: undefined },
    { name: 'NodeResourcesFit: 9 GPUs do not', plugin: nodeResourcesFit, node: h100Node('g'), pod: makePod('p').gpu(9).obj(), want: ['Insufficient nvidia.com/gpu'] },
    { name: 'NodeResourcesFit: GPUs already taken count', plugin: nodeResourcesFit, node: h100Node('g'), bound: [makePod('a').gpu(5).obj()], pod: makePod('p').gpu(4).obj(), want: ['Insufficient nvidia.com/gpu'] },
    { name: 'NodeResourcesFit: exactly the rest fits', plugin: nodeResourcesFit, node: h100Node('g'), bound: [makePod('a').gpu(5).obj()], pod: makePod('p').gpu(3).obj(), want: undefined },
    { name: 'NodeResourcesFit: a CPU node has no GPUs', plugin: nodeResourcesFit, node: makeNode('c').cpu().obj(), pod: makePod('p').gpu(1).obj(), want: ['Insufficient nvidia.com/gpu'] },
    { name: 'NodeResourcesFit: cpu', plugin: nodeResourcesFit, node: h100Node('g'), pod: makePod('p').cpuMem('191451m', '1Gi').obj(), want: ['Insufficient cpu'] },
    { name: 'NodeResourcesFit: memory', plugin: nodeResourcesFit, node: h100Node('g'), pod: makePod('p').cpuMem('1', '1938411Mi').obj(), want: ['Insufficient memory'] },
    {
      name: 'NodeResourcesFit: every insufficient resource is a reason',
      plugin: nodeResourcesFit,
      node: h100Node('g'),
      pod: makePod('p').cpuMem('200', '2000000Mi').gpu(9).requests({ 'vpc.amazonaws.com/efa': '1' }).obj(),
      want: ['Insufficient cpu', 'Insufficient memory', 'Insufficient nvidia.com/gpu', 'Insufficient vpc.amazonaws.com/efa'],
    },
    {
      name: 'NodeResourcesFit: Too many pods',
      plugin: nodeResourcesFit,
      node: makeNode('tiny').allocatable({ cpu: '4', memory: '8Gi', pods: '1' }).obj(),
      bound: [makePod('a').obj()],
      pod: makePod('p').obj(),
      want: ['Too many pods'],
    },
    {
      name: 'NodeResourcesFit: a pod asking for nothing ignores overcommitted cpu',
      plugin: nodeResourcesFit,
      node: makeNode('n').allocatable({ cpu: '1', memory: '1Gi', pods: '10' }).obj(),
      bound: [makePod('a').cpuMem('2', '100Mi').obj()],
      pod: makePod('p').obj(),
      want: undefined,
    },
  ];
  it.each(cases)('$name', ({ plugin, node, pod, bound, want }) => {
    expect(plugin.filter(podInfo(pod), nodeInfo(node, bound))).toEqual(want);
  });

  it('runs in kube-scheduler order and reports only the first failing plugin per node', () => {
    expect(DEFAULT_FILTERS.map((f) => f.name)).toEqual(['NodeUnschedulable', 'TaintToleration', 'NodeReady', 'NodeAffinity', 'NodeResourcesFit']);
    const node = makeNode('n').h100().unschedulable().ready('False').obj();
    expect(runFilters(podInfo(makePod('p').gpu(9, false).obj()), nodeInfo(node))).toEqual({ plugin: 'NodeUnschedulable', reasons: ['node(s) were unschedulable'] });
    const tainted = makeNode('n').h100().ready('False').obj();
    expect(runFilters(podInfo(makePod('p').gpu(9, false).obj()), nodeInfo(tainted))?.plugin).toBe('TaintToleration');
    expect(runFilters(podInfo(makePod('p').gpu(9).obj()), nodeInfo(tainted))?.plugin).toBe('NodeReady');
    expect(runFilters(podInfo(makePod('p').gpu(9).obj()), nodeInfo(h100Node('n')))).toEqual({ plugin: 'NodeResourcesFit', reasons: ['Insufficient nvidia.com/gpu'] });
  });
});

describe('pod requests', () => {
  it('defaults requests from limits, sums containers and takes the init-container peak', () => {
    const pod = makePod('p')
      .limits({ cpu: '2', 'nvidia.com/gpu': '4' })
      .requests({ memory: '1Gi' })
      .container('second', { cpu: '500m', memory: '512Mi' })
      .container('init', { cpu: '4', memory: '1Gi' }, { init: true })
      .obj();
    const info = podInfo(pod);
    expect(info.cpu).toBe(4000); // init peak 4 > containers 2.5
    expect(info.memory).toBe(1.5 * 2 ** 30 * 1000);
    expect(info.gpu).toBe(4000);
    expect(info.key).toBe('default/p');
  });

  it('adds restartable (sidecar) init containers to the containers and to later init containers', () => {
    const pod = makePod('p')
      .requests({ cpu: '1' })
      .container('sidecar', { cpu: '1' }, { sidecar: true })
      .container('init', { cpu: '2' }, { init: true })
      .obj();
    // containers 1 + sidecar 1 = 2; the init container after the sidecar needs 2 + 1 = 3.
    expect(podInfo(pod).cpu).toBe(3000);
  });

  it('scores with 100m / 200Mi for containers that state no cpu / memory', () => {
    const info = podInfo(makePod('p').gpu(1).obj());
    expect([info.cpu, info.memory, info.nonZeroCpu, info.nonZeroMemory]).toEqual([0, 0, 100, 200 * 2 ** 20 * 1000]);
    const explicit = podInfo(makePod('q').cpuMem('0', '0').obj());
    expect([explicit.nonZeroCpu, explicit.nonZeroMemory]).toEqual([0, 0]);
  });

  it('caches per object and keys what scheduling reads', () => {
    const pod = makePod('p').gpu(2).obj();
    expect(podInfo(pod)).toBe(podInfo(pod));
    expect(podInfo(structuredClone(pod)).schedulingKey).toBe(podInfo(pod).schedulingKey);
    expect(podInfo(makePod('p').gpu(2).nodeSelector({ a: 'b' }).obj()).schedulingKey).not.toBe(podInfo(pod).schedulingKey);
  });
});

describe('scores', () => {
  // An empty H100 node and a pod asking 16 cpu, 128Gi, 4 GPUs. By hand, as kube-scheduler computes:
  //   cpu    least (191450-16000)*100/191450 = 91   most 16000*100/191450 = 8
  //   memory least (1938410-131072)*100/1938410 = 93 (MiB ratio)   most 131072*100/1938410 = 6
  //   gpu    least (8-4)*100/8 = 50   most 4*100/8 = 50
  const pod = podInfo(makePod('p').cpuMem('16', '128Gi').gpu(4).obj());
  const node = nodeInfo(h100Node('g'));
  const withGpu = { resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }, { name: 'nvidia.com/gpu', weight: 2 }] };
  const cases = [
    { name: 'least-allocated over cpu, memory', policy: leastAllocated(), want: 92 },
    { name: 'most-allocated over cpu, memory', policy: mostAllocated(), want: 7 },
    { name: 'least-allocated with nvidia.com/gpu weight 2', policy: leastAllocated(withGpu), want: Math.floor((91 + 93 + 50 * 2) / 4) },
    { name: 'most-allocated with nvidia.com/gpu weight 2', policy: mostAllocated(withGpu), want: Math.floor((8 + 6 + 50 * 2) / 4) },
    { name: 'cpu only, weight 3', policy: mostAllocated({ resources: [{ name: 'cpu', weight: 3 }] }), want: 8 },
  ];
  it.each(cases)('$name', ({ policy, want }) => {
    expect(policy.score(pod, node)).toBe(want);
  });

  it('leaves GPUs out for a pod that asks none, and a resource the node lacks', () => {
    const cpuPod = podInfo(makePod('c').cpuMem('16', '128Gi').obj());
    expect(mostAllocated(withGpu).score(cpuPod, node)).toBe(mostAllocated().score(cpuPod, node));
    const cpuNode = nodeInfo(makeNode('c').cpu().obj());
    expect(leastAllocated({ resources: [{ name: 'nvidia.com/gpu', weight: 1 }] }).score(pod, cpuNode)).toBe(0);
  });

  it('counts the non-zero requests of pods already on the node', () => {
    const busy = nodeInfo(h100Node('g'), [makePod('a').cpuMem('95725m', '969205Mi').obj()]);
    // cpu (95725+16000)*100/191450 = 58, memory (969205+131072)*100/1938410 = 56.
    expect(mostAllocated().score(pod, busy)).toBe(57);
    expect(leastAllocated().score(pod, busy)).toBe(Math.floor((41 + 43) / 2));
  });

  it('rejects bad resource lists', () => {
    expect(() => leastAllocated({ resources: [] })).toThrow(/resources must not be empty/);
    expect(() => leastAllocated({ resources: [{ name: 'cpu', weight: 0 }] })).toThrow(/weight must be an integer in \[1, 100\]/);
    expect(() => mostAllocated({ resources: [{ name: 'cpu', weight: 1 }, { name: 'cpu', weight: 2 }] })).toThrow(/listed twice/);
  });
});

describe('decide', () => {
  it('picks the emptiest node with least-allocated and the fullest with most-allocated', () => {
    const nodes = h100Fleet(4);
    const bound = [
      { pod: makePod('a').gpu(4).cpuMem('64', '512Gi').obj(), node: 'h100-01' },
      { pod: makePod('b').gpu(2).cpuMem('32', '256Gi').obj(), node: 'h100-02' },
    ];
    const s = snapshotOf(nodes, bound);
    const p = makePod('p').gpu(2).cpuMem('8', '64Gi').obj();
    expect(decide(p, s, leastAllocated())).toMatchObject({ node: 'h100-00', feasibleNodes: 4 });
    expect(decide(p, s, mostAllocated())).toMatchObject({ node: 'h100-01', feasibleNodes: 4 });
  });

  it('skips nodes without enough free GPUs (they never reach scoring)', () => {
    const s = snapshotOf(h100Fleet(3), [
      { pod: filler(0, 6), node: 'h100-00' },
      { pod: filler(1, 6), node: 'h100-01' },
    ]);
    expect(decide(makePod('p').gpu(4).obj(), s, mostAllocated())).toEqual({ node: 'h100-02', score: expect.any(Number), feasibleNodes: 1 });
  });

  it('breaks ties by node name, whatever the order nodes were added in', () => {
    const names = ['node-9', 'node-10', 'node-2', 'alpha', 'node-1'];
    const orders = [names, [...names].reverse(), [names[2]!, names[0]!, names[4]!, names[1]!, names[3]!]];
    for (const order of orders) {
      const s = snapshotOf(order.map((n) => makeNode(n).cpu().obj()));
      expect(decide(makePod('p').cpuMem('1', '1Gi').obj(), s, leastAllocated())).toMatchObject({ node: 'alpha' });
      expect(decide(makePod('p').cpuMem('1', '1Gi').nodeSelector({ 'kubernetes.io/hostname': 'node-9' }).obj(), s, mostAllocated())).toMatchObject({ node: 'node-9' });
      const noAlpha = snapshotOf(order.filter((n) => n !== 'alpha').map((n) => makeNode(n).cpu().obj()));
      // Byte order, as Go compares strings: "node-1" < "node-10" < "node-2" < "node-9".
      expect(decide(makePod('p').obj(), noAlpha, mostAllocated())).toMatchObject({ node: 'node-1' });
    }
  });

  it('keeps ties right as nodes move between groups of identical nodes', () => {
    const s = snapshotOf(['a', 'b', 'c'].map((n) => makeNode(n).cpu().obj()));
    expect(s.groupCount).toBe(1);
    const x = podInfo(makePod('x').cpuMem('4', '8Gi').obj());
    const tiny = makePod('tiny').cpuMem('1', '1Gi').obj();
    s.addPod(x.key, 'a', x);
    expect(s.groupCount).toBe(2);
    expect(decide(tiny, s, leastAllocated())).toMatchObject({ node: 'b', feasibleNodes: 3 });
    expect(decide(tiny, s, mostAllocated())).toMatchObject({ node: 'a' });
    // a comes back to the group of idle nodes, whose lowest name it now is.
    s.removePod(x.key);
    expect(s.groupCount).toBe(1);
    expect(decide(tiny, s, leastAllocated())).toMatchObject({ node: 'a' });
    s.addPod(x.key, 'c', x);
    s.removeNode('a');
    expect(decide(tiny, s, leastAllocated())).toMatchObject({ node: 'b', feasibleNodes: 2 });
    s.upsertNode(makeNode('a').cpu().obj());
    expect(decide(tiny, s, leastAllocated())).toMatchObject({ node: 'a', feasibleNodes: 3 });
    expect(s.indexConsistent()).toBe(true);
  });

  it('decides per node when the pod selects by label, and per group otherwise', () => {
    const s = snapshotOf(['a', 'b', 'c'].map((n) => makeNode(n).cpu().label('rack', n === 'c' ? 'r2' : 'r1').obj()));
    expect(s.groupCount).toBe(1);
    expect(decide(makePod('p').nodeSelector({ rack: 'r2' }).obj(), s, leastAllocated())).toMatchObject({ node: 'c', feasibleNodes: 1 });
    expect(decide(makePod('p').obj(), s, leastAllocated())).toMatchObject({ node: 'a', feasibleNodes: 3 });
    const byRack = { name: 'rack-r2', description: 'prefers rack r2', perNode: true, score: (_: unknown, n: NodeInfo) => (n.labels.rack === 'r2' ? 100 : 0) };
    expect(decide(makePod('p').obj(), s, byRack)).toMatchObject({ node: 'c', score: 100 });
  });

  it('gives the same decisions for the same inputs, placed one after another', () => {
    const run = () => {
      const s = snapshotOf(h100Fleet(8));
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const info = podInfo(makePod(`p-${i}`).gpu([1, 2, 4, 8][i % 4]!).cpuMem(`${(i % 5) + 1}`, `${(i % 7) + 1}Gi`).obj());
        const d = decide(info, s, i % 2 ? mostAllocated() : leastAllocated());
        out.push(isPlacement(d) ? d.node : d.unschedulable);
        if (isPlacement(d)) s.addPod(info.key, d.node, info);
      }
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a.filter((x) => x.startsWith('0/'))).not.toHaveLength(0);
  });

  it('does not change the snapshot', () => {
    const s = snapshotOf(h100Fleet(4), [{ pod: filler(0, 3), node: 'h100-02' }]);
    const before = JSON.stringify([...s.sums()]);
    for (const p of [makePod('a').gpu(2).obj(), makePod('b').gpu(9).obj(), makePod('c').obj()]) {
      decide(p, s, leastAllocated());
      decide(p, s, mostAllocated());
    }
    expect(JSON.stringify([...s.sums()])).toBe(before);
    expect(s.podCount).toBe(1);
    expect(s.indexConsistent()).toBe(true);
  });
});

describe('unschedulable messages', () => {
  const cases: { name: string; nodes: () => Node[]; bound?: () => { pod: Pod; node: string }[]; pod: () => Pod; want: string }[] = [
    {
      name: '9 GPUs on 16 H100 nodes',
      nodes: () => h100Fleet(16),
      pod: () => makePod('p').gpu(9).obj(),
      want: '0/16 nodes are available: 16 Insufficient nvidia.com/gpu.',
    },
    {
      name: '9 GPUs on 1,024 H100 nodes',
      nodes: () => Array.from({ length: 1024 }, (_, i) => h100Node(`h100-${pad(i, 4)}`)),
      pod: () => makePod('p').gpu(9).obj(),
      want: '0/1024 nodes are available: 1024 Insufficient nvidia.com/gpu.',
    },
    {
      name: 'no toleration for the GPU taint',
      nodes: () => h100Fleet(16),
      pod: () => makePod('p').cpuMem('1', '1Gi').obj(),
      want: '0/16 nodes are available: 16 node(s) had untolerated taint {nvidia.com/gpu: }.',
    },
    {
      // Go's sort.Strings on "count reason": "14 Insufficient ..." sorts before "2 node(s) ...".
      name: 'two reasons, counts sorted as strings',
      nodes: () => [...h100Fleet(14), makeNode('x-0').h100().taint('dedicated', 'NoSchedule', 'infra').obj(), makeNode('x-1').h100().taint('dedicated', 'NoSchedule', 'infra').obj()],
      bound: () => Array.from({ length: 14 }, (_, i) => ({ pod: filler(i), node: `h100-${pad(i)}` })),
      pod: () => makePod('p').gpu(1).obj(),
      want: '0/16 nodes are available: 14 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint {dedicated: infra}.',
    },
    {
      name: 'GPU taint on some nodes, no GPUs on the others',
      nodes: () => [...h100Fleet(2), ...Array.from({ length: 14 }, (_, i) => makeNode(`cpu-${pad(i)}`).cpu().obj())],
      pod: () => makePod('p').gpu(1, false).obj(),
      want: '0/16 nodes are available: 14 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint {nvidia.com/gpu: }.',
    },
    {
      name: 'one node with two insufficient resources counts under both',
      nodes: () => [h100Node('a'), makeNode('b').cpu().obj()],
      bound: () => [{ pod: filler(0), node: 'a' }],
      pod: () => makePod('p').gpu(1).cpuMem('100', '1Gi').obj(),
      want: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient nvidia.com/gpu.',
    },
    {
      name: 'cordoned, not ready, unreachable, selector and taint together',
      nodes: () => [
        makeNode('a').cpu().unschedulable().obj(),
        makeNode('b').cpu().ready('False').obj(),
        makeNode('c').cpu().ready('Unknown').obj(),
        makeNode('d').cpu().obj(),
        makeNode('e').cpu().label('zone', 'z1').obj(),
        h100Node('f'),
      ],
      pod: () => makePod('p').nodeSelector({ zone: 'z1' }).cpuMem('200', '1Gi').obj(),
      want:
        "0/6 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, " +
        '1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) had untolerated taint {nvidia.com/gpu: }, 1 node(s) were unschedulable.',
    },
    {
      name: 'Too many pods',
      nodes: () => [makeNode('tiny').allocatable({ cpu: '4', memory: '8Gi', pods: '1' }).obj()],
      bound: () => [{ pod: makePod('a').obj(), node: 'tiny' }],
      pod: () => makePod('p').obj(),
      want: '0/1 nodes are available: 1 Too many pods.',
    },
  ];
  it.each(cases)('$name', ({ nodes, bound, pod, want }) => {
    const s = snapshotOf(nodes(), bound?.() ?? []);
    const d = decide(pod(), s, mostAllocated());
    expect(isPlacement(d)).toBe(false);
    expect(d).toMatchObject({ unschedulable: want });
    expect(diagnose(pod(), s).unschedulable).toBe(want);
  });

  it('with no nodes at all: kube-scheduler ErrNoNodesAvailable', () => {
    expect(decide(makePod('p').obj(), new ClusterSnapshot(), leastAllocated())).toEqual({ unschedulable: NO_NODES_AVAILABLE, reasons: {}, rejectedBy: [] });
    expect(NO_NODES_AVAILABLE).toBe('no nodes available to schedule pods');
  });

  it('names the plugins that rejected, for queueing hints', () => {
    const s = snapshotOf([h100Node('a'), makeNode('b').cpu().unschedulable().obj()]);
    expect(decide(makePod('p').gpu(9).obj(), s, leastAllocated())).toMatchObject({
      reasons: { 'Insufficient nvidia.com/gpu': 1, 'node(s) were unschedulable': 1 },
      rejectedBy: ['NodeUnschedulable', 'NodeResourcesFit'],
    });
  });

  it('formats like FitError.Error()', () => {
    expect(fitErrorMessage(3, { 'Insufficient cpu': 1, 'node(s) had untolerated taint {node-role.kubernetes.io/master: }': 2 })).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/master: }.',
    );
    expect(fitErrorMessage(100, { b: 9, a: 10, c: 81 })).toBe('0/100 nodes are available: 10 a, 81 c, 9 b.');
  });
});

describe('placement policy registry', () => {
  it('lists the built-in policies in order', () => {
    expect(PLACEMENT_POLICIES.map((p) => p.name)).toEqual(['least-allocated', 'most-allocated']);
    expect(new PlacementPolicyRegistry().names).toEqual(['least-allocated', 'most-allocated']);
    expect(placementPolicy('most-allocated').name).toBe('most-allocated');
    expect(placementPolicy('least-allocated', { resources: [{ name: 'nvidia.com/gpu', weight: 5 }] }).description).toMatch(/nvidia.com\/gpu:5/);
  });

  it('throws on an unknown name, listing the known ones', () => {
    expect(() => placementPolicy('binpack')).toThrow('unknown placement policy "binpack" (known: least-allocated, most-allocated)');
  });

  it('throws on a duplicate name, listing the registered ones', () => {
    expect(() => new PlacementPolicyRegistry([...PLACEMENT_POLICIES, { name: 'least-allocated', description: 'again', create: leastAllocated }])).toThrow(
      'placement policy registry: duplicate policy "least-allocated" (registered: least-allocated, most-allocated)',
    );
  });

  it('takes new policies as entries in a list', () => {
    const firstFit = { name: 'first-fit', description: 'every node scores 0: ties pick the first name', create: () => ({ name: 'first-fit', description: '', score: () => 0 }) };
    const reg = new PlacementPolicyRegistry([...PLACEMENT_POLICIES, firstFit]);
    const s = snapshotOf([makeNode('b').cpu().obj(), makeNode('a').cpu().obj()]);
    expect(decide(makePod('p').obj(), s, reg.create('first-fit'))).toMatchObject({ node: 'a' });
  });
});
