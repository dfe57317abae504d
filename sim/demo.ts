// `raysim demo`: the README's main job until the operator and the simulated cluster land. It runs
// the bundled llama-finetune RayJob through the in-memory API server on the virtual clock, with
// small stand-ins playing operator, scheduler and kubelet, and prints what the watches saw:
// creation, binding, status, a stale update refused with 409, an invalid RayJob refused with 422,
// and the owner's deletion cascading to its dependents.

import path from 'node:path';
import { ApiError } from '../controller/runtime/api-error.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { createRng } from './core/rng.js';
import { Simulation } from './core/simulation.js';
import { MemorySink, TraceWriter } from './core/trace.js';
import { createSimStore } from './kube/create-store.js';
import { packageRoot, readManifests } from './kube/manifests.js';
import { MemoryKubeClient } from './kube/memory-client.js';

type Obj = Record<string, any>;

export interface DemoResult {
  trace: MemorySink;
  lines: string[];
}

const POD = { apiVersion: 'v1', kind: 'Pod' };
const RAYJOB = { apiVersion: 'ray.io/v1', kind: 'RayJob' };
const RAYCLUSTER = { apiVersion: 'ray.io/v1', kind: 'RayCluster' };

export async function runDemo(seed: string | number = 1): Promise<DemoResult> {
  const sim = new Simulation();
  const rng = createRng(seed);
  const store = createSimStore(sim, rng);
  const kube = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { scenario: 'demo', seed }, { elapsed: () => sim.elapsed() });
  const lines: string[] = [];
  const say = (s: string) => lines.push(`${(sim.elapsed() / 1000).toFixed(1).padStart(6)}s  ${s}`);

  for (const id of [POD, RAYJOB, RAYCLUSTER]) {
    await kube.watch(id, { resourceVersion: store.resourceVersion }, {
      event: (e) => {
        const m = e.object.metadata;
        trace.emit({ type: `object.${e.type.toLowerCase()}`, actor: 'apiserver', ref: { kind: e.object.kind, namespace: m.namespace, name: m.name!, uid: m.uid } });
        const phase = (e.object.status as Obj | undefined)?.phase ?? (e.object.status as Obj | undefined)?.jobDeploymentStatus ?? '';
        say(`watch ${e.type.padEnd(8)} ${e.object.kind}/${m.name}${phase ? ` (${phase})` : ''}${m.deletionTimestamp ? ' [terminating]' : ''}`);
      },
      closed: () => undefined,
    });
  }

  const [manifest] = readManifests(path.join(packageRoot(), 'scenarios', 'examples', 'llama-finetune.rayjob.yaml'));
  for (let i = 0; i < 2; i++) {
    await kube.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `h100-${i}`, labels: { 'node.kubernetes.io/instance-type': 'p5.48xlarge' } },
      spec: { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] },
      status: { allocatable: { cpu: '191450m', memory: '1938410Mi', 'nvidia.com/gpu': '8', pods: '100' } },
    });
  }

  sim.at(sim.now(), async () => {
    const job = await kube.create(manifest.object);
    say(`applied RayJob/${job.metadata.name} from ${path.basename(manifest.file)}`);
    // Operator stand-in: a RayCluster owned by the job, and its pods owned by the cluster.
    const spec = job.spec as Obj;
    const cluster = await kube.create({
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: `${job.metadata.name}-${rng.string(5, 'bcdfghjklmnpqrstvwxz2456789')}`, namespace: 'default', ownerReferences: [owner(job)] },
      spec: spec.rayClusterSpec,
    });
    const pods: KubeObject[] = [];
    const podFor = (suffix: string, template: Obj, type: string, group?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${cluster.metadata.name}-${suffix}-`,
        namespace: 'default',
        labels: { 'ray.io/cluster': cluster.metadata.name!, 'ray.io/node-type': type, ...(group ? { 'ray.io/group': group } : {}) },
        ownerReferences: [owner(cluster)],
      },
      spec: template.spec,
    });
    pods.push(await kube.create(podFor('head', spec.rayClusterSpec.headGroupSpec.template, 'head')));
    for (const g of spec.rayClusterSpec.workerGroupSpecs as Obj[])
      for (let i = 0; i < g.replicas; i++) pods.push(await kube.create(podFor(`${g.groupName}-worker`, g.template, 'worker', g.groupName)));

    sim.after(2_000, async () => {
      // Scheduler stand-in: first fit by GPU count.
      const free = new Map([['h100-0', 8], ['h100-1', 8]]);
      for (const p of pods) {
        const gpu = Number((p.spec as Obj).containers[0].resources.requests['nvidia.com/gpu'] ?? 0);
        const node = [...free].find(([, f]) => f >= gpu)?.[0];
        if (!node) {
          say(`scheduler: no node with ${gpu} free GPUs for Pod/${p.metadata.name}`);
          continue;
        }
        free.set(node, free.get(node)! - gpu);
        await kube.bind('default', p.metadata.name!, node);
      }
    }, { label: 'scheduler' });

    sim.after(10_000, async () => {
      // A stale write: the pod list we hold predates the binding, so the update is refused.
      try {
        await kube.update({ ...pods[0], metadata: { ...pods[0].metadata, labels: { stale: 'yes' } } });
      } catch (e) {
        if (e instanceof ApiError) say(`stale update of Pod/${pods[0].metadata.name}: ${e.code} ${e.reason}`);
      }
      try {
        await kube.create({ ...manifest.object, metadata: { name: 'bad-job' }, spec: { ...(manifest.object.spec as Obj), backoffLimit: 'three' } });
      } catch (e) {
        if (e instanceof ApiError) say(`invalid RayJob: ${e.code} ${e.reason}: ${e.message}`);
      }
      await kube.patch(RAYJOB, job.metadata.name!, 'default', { status: { jobStatus: 'SUCCEEDED', jobDeploymentStatus: 'Complete' } }, 'merge', { subresource: 'status' });
    }, { label: 'status' });

    sim.after(20_000, async () => {
      await kube.delete(RAYJOB, job.metadata.name!, 'default', { propagationPolicy: 'Background' });
      say('deleted the RayJob (Background propagation)');
    }, { label: 'delete' });

    sim.after(40_000, async () => {
      // Kubelet stand-in: pods on nodes terminate gracefully; finish them.
      const left = await kube.list(POD, { namespace: 'default' });
      for (const p of left.items) if (p.metadata.deletionTimestamp) await kube.delete(POD, p.metadata.name!, 'default', { gracePeriodSeconds: 0 });
    }, { label: 'kubelet' });
  }, { label: 'apply' });

  await sim.run({ until: sim.now() + 60_000 });
  const remaining = (await kube.list(POD)).items.length + (await kube.list(RAYCLUSTER)).items.length + (await kube.list(RAYJOB)).items.length;
  say(`done: ${trace.count - 1} trace records, ${remaining} Ray objects and pods left, resourceVersion ${store.resourceVersion}`);
  return { trace: sink, lines };
}

function owner(o: KubeObject) {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
