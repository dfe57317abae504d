// The RayCluster controller on the simulation manager: the in-memory API server inside a
// Simulation, informer caches fed by watches, a small fake kubelet. The llama-finetune cluster
// (1 head + 4 GPU workers) comes up ready, its pods and services go with it when it is deleted
// (garbage collection through the owner references), and a run is reproducible from its seed.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../controller/api/core-types.js';
import type { RayCluster, RayClusterSpec } from '../../controller/api/raycluster-types.js';
import { POD, RAY_CLUSTER, SERVICE } from '../../controller/api/constants.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { createRayClusterReconciler } from '../../controller/ray/raycluster/reconciler.js';
import type { RayClusterReconcilerOptions } from '../../controller/ray/raycluster/options.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { packageRoot, readManifests } from '../../sim/kube/manifests.js';
import { FakeKubelet } from '../fixtures/fake-kubelet.js';
import { simApiServer } from '../fixtures/api-env.js';

const NS = 'default';

/** The RayCluster spec of the bundled llama-finetune RayJob, as a RayCluster of that name. */
function llamaCluster(): RayCluster {
  const [m] = readManifests(path.join(packageRoot(), 'scenarios', 'examples', 'llama-finetune.rayjob.yaml'));
  const spec = (m!.object as unknown as { spec: { rayClusterSpec: RayClusterSpec } }).spec.rayClusterSpec;
  return { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'llama-finetune', namespace: NS }, spec: structuredClone(spec) };
}

async function world(seed: string, opts: RayClusterReconcilerOptions = {}) {
  const { sim, rng, store, client } = simApiServer(seed);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { seed }, { elapsed: () => sim.elapsed() });
  const recorder = new MemoryEventRecorder(sim);
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), traceWriter: trace, recorder: () => recorder, onProgrammingError: 'throw' });
  mgr.add(createRayClusterReconciler(opts));
  const kubelet = new FakeKubelet(sim, client, { trace, startDelayMs: 3000, terminateDelayMs: 1000 });
  await kubelet.start();
  await mgr.start();
  const runFor = (ms: number) => sim.run({ until: sim.now() + ms });
  const pods = async () => (await client.list<Pod>(POD, { namespace: NS })).items;
  const services = async () => (await client.list<Service>(SERVICE, { namespace: NS })).items;
  const cluster = () => client.get<RayCluster>(RAY_CLUSTER, 'llama-finetune', NS);
  return { sim, store, client, sink, trace, recorder, mgr, kubelet, runFor, pods, services, cluster };
}

describe('RayCluster on the simulation manager', () => {
  it('llama-finetune reaches state ready with 1 head + 4 workers', async () => {
    const w = await world('llama');
    await w.client.create(llamaCluster());
    await w.runFor(30_000);
    const c = await w.cluster();
    expect(c.status).toMatchObject({
      state: 'ready',
      readyWorkerReplicas: 4,
      availableWorkerReplicas: 4,
      desiredWorkerReplicas: 4,
      desiredGPU: '17',
      desiredCPU: '72',
      desiredMemory: '544Gi',
      head: { serviceName: 'llama-finetune-head-svc' },
    });
    // Ready as soon as the kubelet started the pods (3 s after creation), not at the next 300 s resync.
    expect(Date.parse(c.status!.stateTransitionTimes!.ready!) - Date.parse('2026-01-01T00:00:00Z')).toBeLessThanOrEqual(5_000);
    const pods = await w.pods();
    expect(pods.filter((p) => p.metadata.labels!['ray.io/node-type'] === 'head')).toHaveLength(1);
    expect(pods.filter((p) => p.metadata.labels!['ray.io/node-type'] === 'worker').map((p) => p.metadata.labels!['ray.io/group'])).toEqual(['gpu-workers', 'gpu-workers', 'gpu-workers', 'gpu-workers']);
    expect(pods.every((p) => p.status?.phase === 'Running')).toBe(true);
    expect((await w.services()).map((s) => s.metadata.name)).toEqual(['llama-finetune-head-svc']);
    expect(c.status!.conditions!.filter((x) => x.status === 'True').map((x) => x.type)).toEqual(['HeadPodReady', 'RayClusterProvisioned']);
    // Exactly one create per pod: the expectations held while the cache caught up.
    expect(w.recorder.reasons().filter((r) => r.startsWith('Created')).sort()).toEqual(['CreatedHeadPod', 'CreatedService', 'CreatedWorkerPod', 'CreatedWorkerPod', 'CreatedWorkerPod', 'CreatedWorkerPod']);
    expect(w.mgr.programmingErrors).toEqual([]);
    // Steady: the only requeues left are the 300 s resyncs.
    const before = w.sink.text().split('\n').length;
    await w.runFor(600_000);
    const later = w.sink.text().trim().split('\n').slice(before - 1).map((l) => JSON.parse(l) as { type: string; data?: { result?: { requeueAfterMs?: number } } });
    expect(later.filter((r) => r.type === 'reconcile').map((r) => r.data!.result!.requeueAfterMs)).toEqual([300_000, 300_000]);
  });

  it('scales with spec.replicas and replaces a failed worker', async () => {
    const w = await world('scale');
    await w.client.create(llamaCluster());
    await w.runFor(30_000);
    const c = await w.cluster();
    c.spec.workerGroupSpecs![0]!.replicas = 2;
    await w.client.update(c);
    await w.runFor(30_000);
    let workers = (await w.pods()).filter((p) => p.metadata.labels!['ray.io/node-type'] === 'worker');
    expect(workers).toHaveLength(2);
    const victim = workers[0]!;
    await w.client.patch(POD, victim.metadata.name!, NS, { status: { phase: 'Failed' } }, 'merge', { subresource: 'status' });
    await w.runFor(30_000);
    workers = (await w.pods()).filter((p) => p.metadata.labels!['ray.io/node-type'] === 'worker');
    expect(workers).toHaveLength(2);
    expect(workers.map((p) => p.metadata.name)).not.toContain(victim.metadata.name);
    expect((await w.cluster()).status).toMatchObject({ state: 'ready', readyWorkerReplicas: 2, desiredWorkerReplicas: 2 });
  });

  it('deleting the RayCluster removes its pods and services through garbage collection', async () => {
    const w = await world('gc');
    await w.client.create(llamaCluster());
    await w.runFor(30_000);
    expect(await w.pods()).toHaveLength(5);
    await w.client.delete(RAY_CLUSTER, 'llama-finetune', NS);
    await w.runFor(1);
    // Graceful: the pods are terminating, the kubelet finishes them a second later.
    expect((await w.pods()).every((p) => p.metadata.deletionTimestamp)).toBe(true);
    await w.runFor(10_000);
    expect(await w.pods()).toEqual([]);
    expect(await w.services()).toEqual([]);
    expect(w.mgr.programmingErrors).toEqual([]);
  });

  it('the same seed gives the same trace; another seed names pods differently', async () => {
    const run = async (seed: string) => {
      const w = await world(seed);
      await w.client.create(llamaCluster());
      await w.runFor(20_000);
      const c = await w.cluster();
      c.spec.workerGroupSpecs![0]!.replicas = 6;
      await w.client.update(c);
      await w.runFor(20_000);
      await w.client.delete(RAY_CLUSTER, 'llama-finetune', NS);
      await w.runFor(20_000);
      await w.mgr.stop();
      w.kubelet.stop();
      return w.sink.text();
    };
    const a = await run('det-1');
    const b = await run('det-1');
    const other = await run('det-2');
    expect(b).toBe(a);
    const body = (t: string) => t.split('\n').slice(1).join('\n');
    expect(body(other)).not.toBe(body(a));
    const records = a.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(records.filter((r) => r.type === 'pod.running')).toHaveLength(7);
    expect(records.filter((r) => r.type === 'pod.terminated')).toHaveLength(7);
  });
});
