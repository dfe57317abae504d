// ClusterSnapshot properties: after any sequence of placements (decide, then bind), pod deletions,
// node additions, updates and removals, the incrementally kept per-node sums equal a
// recomputation from the bound pods, the node groups and free-GPU buckets agree with the sums, no
// node that the scheduler placed pods on is ever over-allocated for any resource, and decide()
// (buckets, groups) gives exactly what a plain scan of every node gives.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Node, ResourceList } from '../../controller/api/core-types.js';
import {
  ClusterSnapshot,
  decide,
  fitErrorMessage,
  isPlacement,
  leastAllocated,
  mostAllocated,
  podInfo,
  runFilters,
  type Decision,
  type NodeInfo,
  type PlacementPolicy,
  type PodInfo,
} from '../../policies/placement/index.js';
import { makeNode, makePod } from './fixtures.js';

const SHAPES: ResourceList[] = [
  { cpu: '191450m', memory: '1938410Mi', 'nvidia.com/gpu': '8', pods: '100' },
  { cpu: '95690m', memory: '373552Mi', pods: '110' },
  { cpu: '8', memory: '16Gi', 'nvidia.com/gpu': '2', pods: '4', 'vpc.amazonaws.com/efa': '2' },
];

/** Node i always has the same shape, so a node that comes back never shrinks under its pods. */
function nodeObj(i: number, variant: number): Node {
  const b = makeNode(`n-${i}`).allocatable(SHAPES[i % SHAPES.length]!);
  if (variant % 3 === 1) b.taint('nvidia.com/gpu');
  if (variant % 4 === 2) b.unschedulable();
  if (variant % 5 === 3) b.ready('False');
  if (variant % 2 === 1) b.label('zone', 'b');
  return b.obj();
}

type Op =
  | { op: 'addNode'; i: number; variant: number }
  | { op: 'removeNode'; i: number }
  | { op: 'place'; gpus: number; cpu: number; memGi: number; efa: number; tolerate: boolean; zone: boolean; pack: boolean; sidecarCpu: number }
  | { op: 'deletePod'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Mostly plain nodes of a few shapes, so that groups of identical nodes form and change.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('addNode' as const), i: fc.nat(11), variant: fc.oneof(fc.constant(0), fc.nat(20)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeNode' as const), i: fc.nat(11) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('place' as const),
      gpus: fc.constantFrom(0, 0, 1, 2, 4, 8),
      cpu: fc.nat(40),
      memGi: fc.nat(300),
      efa: fc.constantFrom(0, 0, 0, 1),
      tolerate: fc.boolean(),
      zone: fc.boolean(),
      pack: fc.boolean(),
      sidecarCpu: fc.constantFrom(0, 0, 2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('deletePod' as const), pick: fc.nat(1000) }) },
);

/** The reference: filter and score every node, best score then lowest name; else count reasons per node. */
function scanEveryNode(pod: PodInfo, s: ClusterSnapshot, policy: PlacementPolicy): Decision {
  let best: { node: string; score: number } | undefined;
  let feasible = 0;
  const reasons: Record<string, number> = {};
  for (const n of s.nodes()) {
    const r = runFilters(pod, n);
    if (r) {
      for (const x of r.reasons) reasons[x] = (reasons[x] ?? 0) + 1;
      continue;
    }
    feasible++;
    const score = policy.score(pod, n);
    if (!best || score > best.score || (score === best.score && n.name < best.node)) best = { node: n.name, score };
  }
  if (best) return { ...best, feasibleNodes: feasible };
  return { unschedulable: s.nodeCount === 0 ? 'no nodes available to schedule pods' : fitErrorMessage(s.nodeCount, reasons), reasons, rejectedBy: [] };
}

function overAllocated(n: NodeInfo): string[] {
  const bad: string[] = [];
  if (n.reqCpu > n.allocCpu) bad.push('cpu');
  if (n.reqMemory > n.allocMemory) bad.push('memory');
  if (n.reqGpu > n.allocGpu) bad.push('nvidia.com/gpu');
  if (n.reqPods > n.allocPods) bad.push('pods');
  for (const [r, v] of n.reqExt) if (v > (n.allocExt.get(r) ?? 0)) bad.push(r);
  return bad;
}

describe('ClusterSnapshot', () => {
  it('keeps per-node sums equal to a recomputation, groups and buckets consistent, decisions equal to a full scan, and never over-allocates', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const s = new ClusterSnapshot();
        const bound: string[] = [];
        let seq = 0;
        for (const o of ops) {
          switch (o.op) {
            case 'addNode':
              s.upsertNode(nodeObj(o.i, o.variant));
              break;
            case 'removeNode':
              s.removeNode(`n-${o.i}`);
              break;
            case 'place': {
              const b = makePod(`p-${seq++}`).cpuMem(`${o.cpu}`, `${o.memGi}Gi`);
              if (o.gpus) b.gpu(o.gpus, o.tolerate);
              if (o.efa) b.requests({ 'vpc.amazonaws.com/efa': String(o.efa) });
              if (o.zone) b.nodeSelector({ zone: 'b' });
              if (o.sidecarCpu) b.container('proxy', { cpu: String(o.sidecarCpu) }, { sidecar: true });
              const info = podInfo(b.obj());
              const policy = o.pack ? mostAllocated() : leastAllocated();
              const d = decide(info, s, policy);
              const want = scanEveryNode(info, s, policy);
              if (isPlacement(want)) expect(d).toEqual(want);
              else expect(d).toMatchObject({ unschedulable: want.unschedulable, reasons: want.reasons });
              if (isPlacement(d)) {
                s.addPod(info.key, d.node, info);
                bound.push(info.key);
              } else {
                expect(d.unschedulable).toMatch(/^(0\/\d+ nodes are available: .+\.|no nodes available to schedule pods)$/);
              }
              break;
            }
            case 'deletePod': {
              if (bound.length === 0) break;
              const [key] = bound.splice(o.pick % bound.length, 1);
              expect(s.removePod(key!)).toBeDefined();
              break;
            }
          }
          expect(s.sums()).toEqual(s.recomputeSums());
          expect(s.indexConsistent()).toBe(true);
          expect(s.groupCount).toBeLessThanOrEqual(s.nodeCount);
          for (const n of s.nodes()) expect(overAllocated(n), n.name).toEqual([]);
        }
        // Deleting every pod brings every sum back to zero and drops the ghost nodes.
        for (const k of bound) s.removePod(k);
        expect(s.podCount).toBe(0);
        for (const [, sums] of s.sums()) expect(sums).toEqual({ cpu: 0, memory: 0, gpu: 0, pods: 0, nzCpu: 0, nzMemory: 0, ext: {} });
        expect([...s.sums().keys()].sort()).toEqual(s.nodes().map((n) => n.name));
      }),
      { numRuns: 300 },
    );
  });

  it('a removed node stops counting but keeps its pods, which count again when it returns', () => {
    const s = new ClusterSnapshot();
    s.upsertNode(nodeObj(0, 0));
    const info = podInfo(makePod('a').gpu(8).obj());
    s.addPod(info.key, 'n-0', info);
    expect(s.node('n-0')?.reqGpu).toBe(8000);
    s.removeNode('n-0');
    expect(s.nodeCount).toBe(0);
    expect(s.node('n-0')).toBeUndefined();
    expect(s.podNode(info.key)).toBe('n-0');
    s.upsertNode(nodeObj(0, 0));
    expect(s.node('n-0')?.reqGpu).toBe(8000);
    expect(decide(makePod('b').gpu(1).obj(), s, leastAllocated())).toMatchObject({ unschedulable: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' });
    s.removePod(info.key);
    expect(decide(makePod('b').gpu(1).obj(), s, leastAllocated())).toMatchObject({ node: 'n-0' });
  });

  it('tells relevant node updates from heartbeats', () => {
    const s = new ClusterSnapshot();
    const n = nodeObj(0, 0);
    expect(s.upsertNode(n)).toBe(true);
    const heartbeat = structuredClone(n);
    heartbeat.status!.conditions![0]!.lastHeartbeatTime = '2026-01-01T00:00:10Z';
    heartbeat.metadata.resourceVersion = '99';
    expect(s.upsertNode(heartbeat)).toBe(false);
    expect(s.upsertNode(nodeObj(0, 2))).toBe(true);
    expect(() => s.addPod('x', 'n-0', podInfo(makePod('x').obj()))).not.toThrow();
    expect(() => s.addPod('x', 'n-0', podInfo(makePod('x').obj()))).toThrow(/already on node n-0/);
  });
});
