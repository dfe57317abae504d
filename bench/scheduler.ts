// Scheduler throughput on a 1,024-node H100 fleet (AWS p5.48xlarge shape), 10,000 pods.
// Not a test: prints decisions per second. Build and run:
//
//   npm run build --silent && node dist/bench/scheduler.js [--pods N] [--nodes N]
//
// Two rows per policy:
//   placement  decide() + ClusterSnapshot.addPod/removePod alone (the pure policy layer); pods ask
//              for 1, 2, 4 or 8 GPUs, and completions free random pods whenever the fleet is over
//              95% of its GPUs, so most decisions succeed and some fail with a full diagnosis;
//   controller the Scheduler reconciler on SimManager with the in-memory API server: pods are
//              created in waves, bound through pods/binding, and some finish between waves;
//              decisions/s counts binds and failed attempts against virtual-run wall time
//              (store writes, watch deliveries and events included).

import { performance } from 'node:perf_hooks';
import type { Node, Pod } from '../controller/api/core-types.js';
import { POD } from '../controller/api/constants.js';
import { createScheduler } from '../controller/scheduler/index.js';
import { MemoryEventRecorder } from '../controller/runtime/event-recorder.js';
import { SimManager } from '../controller/runtime/sim-manager.js';
import { ClusterSnapshot, decide, isPlacement, placementPolicy, podInfo, type PodInfo } from '../policies/placement/index.js';
import { createRng } from '../sim/core/rng.js';
import { Simulation } from '../sim/core/simulation.js';
import { createSimStore } from '../sim/kube/create-store.js';
import { MemoryKubeClient } from '../sim/kube/memory-client.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const NODES = arg('--nodes', 1024);
const PODS = arg('--pods', 10_000);

function node(i: number): Node {
  const name = `h100-${String(i).padStart(4, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'node.kubernetes.io/instance-type': 'p5.48xlarge' } },
    spec: { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] },
    status: {
      allocatable: { cpu: '191450m', memory: '1938410Mi', 'nvidia.com/gpu': '8', pods: '100' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(i: number, gpus: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `worker-${i}`, namespace: 'default', labels: { 'ray.io/cluster': `c-${i >> 4}`, 'ray.io/node-type': 'worker' } },
    spec: {
      containers: [{ name: 'ray-worker', image: 'rayproject/ray:2.34.0-gpu', resources: { limits: { cpu: `${gpus * 20}`, memory: `${gpus * 200}Gi`, 'nvidia.com/gpu': String(gpus) } } }],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
}

const SIZES = [1, 2, 4, 8];

function benchPlacement(policyName: string): { rate: number; failed: number; decisions: number; ms: number } {
  const rng = createRng('bench-scheduler');
  const snapshot = new ClusterSnapshot();
  for (let i = 0; i < NODES; i++) snapshot.upsertNode(node(i));
  const policy = placementPolicy(policyName);
  const infos: PodInfo[] = Array.from({ length: PODS }, (_, i) => podInfo(pod(i, SIZES[rng.int(0, 3)]!)));
  const bound: PodInfo[] = [];
  const total = NODES * 8;
  let used = 0;
  let failed = 0;
  const t = performance.now();
  for (const info of infos) {
    while (used > 0.95 * total) {
      const j = rng.int(0, bound.length - 1);
      const gone = bound[j]!;
      bound[j] = bound[bound.length - 1]!;
      bound.pop();
      snapshot.removePod(gone.key);
      used -= gone.gpu / 1000;
    }
    const d = decide(info, snapshot, policy);
    if (isPlacement(d)) {
      snapshot.addPod(info.key, d.node, info);
      bound.push(info);
      used += info.gpu / 1000;
    } else failed++;
  }
  const ms = performance.now() - t;
  return { rate: (PODS / ms) * 1000, failed, decisions: PODS, ms };
}

async function benchController(policyName: string): Promise<{ rate: number; bound: number; failed: number; ms: number; virtualMs: number }> {
  const sim = new Simulation();
  const rng = createRng('bench-scheduler-controller');
  const store = createSimStore(sim, rng.fork('apiserver'), { defaultCrds: false, freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), recorder: () => new MemoryEventRecorder(), onProgrammingError: 'throw' });
  const scheduler = createScheduler({ policy: policyName });
  mgr.add(scheduler);
  for (let i = 0; i < NODES; i++) await client.create(node(i));
  await mgr.start();
  await sim.run({ until: sim.now() });
  const wave = 500;
  const live: string[] = [];
  const t = performance.now();
  const start = sim.now();
  for (let i = 0; i < PODS; i += wave) {
    for (let j = i; j < Math.min(PODS, i + wave); j++) {
      await client.create(pod(j, SIZES[rng.int(0, 3)]!));
      live.push(`worker-${j}`);
    }
    await sim.run({ until: sim.now() + 2_000 });
    // A quarter of the live pods finish.
    for (let k = Math.floor(live.length / 4); k > 0; k--) {
      const j = rng.int(0, live.length - 1);
      const name = live[j]!;
      live[j] = live[live.length - 1]!;
      live.pop();
      await client.delete(POD, name, 'default', { gracePeriodSeconds: 0 });
    }
    await sim.run({ until: sim.now() + 2_000 });
  }
  await sim.run({ until: sim.now() + 60_000 });
  const ms = performance.now() - t;
  await mgr.stop();
  const { scheduled, unschedulable } = scheduler.stats;
  return { rate: ((scheduled + unschedulable) / ms) * 1000, bound: scheduled, failed: unschedulable, ms, virtualMs: sim.now() - start };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  process.stdout.write(`scheduler benchmark: ${NODES} h100-8x nodes, ${PODS} pods\n`);
  for (const policy of ['least-allocated', 'most-allocated']) {
    benchPlacement(policy); // warm-up
    const p = benchPlacement(policy);
    process.stdout.write(`  placement  ${policy.padEnd(16)} ${fmt(p.rate).padStart(9)} decisions/s  (${p.decisions} decisions, ${p.failed} unschedulable, ${p.ms.toFixed(0)} ms)\n`);
  }
  for (const policy of ['least-allocated', 'most-allocated']) {
    const c = await benchController(policy);
    process.stdout.write(
      `  controller ${policy.padEnd(16)} ${fmt(c.rate).padStart(9)} decisions/s  (${c.bound} bound, ${c.failed} failed attempts, ${c.ms.toFixed(0)} ms wall for ${(c.virtualMs / 1000).toFixed(0)} s virtual)\n`,
    );
  }
}

await main();
