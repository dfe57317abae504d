// All four Ray controllers together on the simulation manager, against the in-memory API server,
// on the virtual clock: the real RayCluster controller creates pods, a fake kubelet runs them, the
// RayJob controller submits through the submitter Job (played by a stand-in against a scripted
// dashboard), and the llama-finetune RayJob goes from New to Complete with its cluster deleted.
// Also: an operator crash mid-run (SimManager.restart) rebuilds from the API without duplicating
// anything, and the same seed gives the same trace.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Pod, RayCluster, RayJob, Service } from '../../controller/api/types.js';
import { BATCH_JOB, POD, RAY_CLUSTER, RAY_JOB, SERVICE } from '../../controller/api/constants.js';
import { fakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import { rayReconcilers } from '../../controller/ray/index.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { FakeKubelet } from '../fixtures/fake-kubelet.js';
import { stubSubmitterReconciler } from '../fixtures/submitter-stub.js';

const LLAMA = new URL('../../scenarios/examples/llama-finetune.rayjob.yaml', import.meta.url);

interface Observed {
  deploymentStatuses: string[];
  maxHeadPods: number;
  maxWorkerPods: number;
  clusterNames: Set<string>;
}

async function run(seed: string, opts: { restartAtMs?: number; untilMs?: number } = {}) {
  const sim = new Simulation();
  const rng = createRng(seed);
  const store = createSimStore(sim, rng.fork('apiserver'), { freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { scenario: 'llama-finetune', seed }, { elapsed: () => sim.elapsed() });
  const dashboards = fakeDashboardFactory({ now: () => sim.now() });
  const mgr = new SimManager(sim, client, { rng: rng.fork('operator'), traceWriter: trace, onProgrammingError: 'throw' });
  for (const r of rayReconcilers({ dashboards })) mgr.add(r);
  mgr.add(stubSubmitterReconciler(dashboards));
  const kubelet = new FakeKubelet(sim, client, { trace });

  const seen: Observed = { deploymentStatuses: [], maxHeadPods: 0, maxWorkerPods: 0, clusterNames: new Set() };
  await client.watch<RayJob>(RAY_JOB, {}, {
    event: (e) => {
      const s = e.object.status?.jobDeploymentStatus ?? '';
      if (seen.deploymentStatuses.at(-1) !== s) seen.deploymentStatuses.push(s);
    },
    closed: () => undefined,
  });
  await client.watch<Pod>(POD, {}, {
    event: () => {
      // Invariant at every change: never more than one head and the desired workers alive.
      const live = store.list(store.type('', 'pods')).items.filter((p) => !p.metadata.deletionTimestamp);
      const heads = live.filter((p) => p.metadata.labels?.['ray.io/node-type'] === 'head').length;
      const workers = live.filter((p) => p.metadata.labels?.['ray.io/node-type'] === 'worker').length;
      seen.maxHeadPods = Math.max(seen.maxHeadPods, heads);
      seen.maxWorkerPods = Math.max(seen.maxWorkerPods, workers);
      for (const p of live) seen.clusterNames.add(p.metadata.labels!['ray.io/cluster']);
    },
    closed: () => undefined,
  });

  await mgr.start();
  await kubelet.start();
  const job = parseYaml(readFileSync(LLAMA, 'utf8')) as RayJob;
  await client.create({ ...job, metadata: { ...job.metadata, namespace: 'default' } });
  if (opts.restartAtMs !== undefined) sim.after(opts.restartAtMs, () => mgr.restart(), { label: 'operator crash' });
  await sim.run({ until: sim.now() + (opts.untilMs ?? 180_000) });

  const final = {
    job: await client.get<RayJob>(RAY_JOB, 'llama-finetune', 'default'),
    clusters: (await client.list<RayCluster>(RAY_CLUSTER)).items,
    pods: (await client.list<Pod>(POD)).items,
    services: (await client.list<Service>(SERVICE)).items,
    submitters: (await client.list(BATCH_JOB)).items,
  };
  kubelet.stop();
  await mgr.stop();
  return { final, seen, trace: sink.text(), programmingErrors: mgr.programmingErrors };
}

describe('the Ray operator on the simulation manager', () => {
  it('runs the llama-finetune RayJob to Complete with the real RayCluster controller and deletes its cluster', async () => {
    const { final, seen, programmingErrors } = await run('7');
    expect(programmingErrors).toEqual([]);
    expect(final.job.status?.jobDeploymentStatus).toBe('Complete');
    expect(final.job.status?.jobStatus).toBe('SUCCEEDED');
    expect(final.job.status?.endTime).toBeDefined();
    expect(seen.deploymentStatuses).toEqual(['', 'Initializing', 'Running', 'Complete']);
    // One cluster, 1 head + 4 workers at most, all gone after shutdownAfterJobFinishes.
    expect(seen.clusterNames.size).toBe(1);
    expect(seen.maxHeadPods).toBe(1);
    expect(seen.maxWorkerPods).toBe(4);
    expect(final.clusters).toEqual([]);
    expect(final.pods).toEqual([]);
    expect(final.services).toEqual([]);
  });

  it('survives an operator crash while the job runs: state is rebuilt from the API, nothing is duplicated', async () => {
    const { final, seen, programmingErrors } = await run('7', { restartAtMs: 9_000 });
    expect(programmingErrors).toEqual([]);
    expect(final.job.status?.jobDeploymentStatus).toBe('Complete');
    expect(seen.clusterNames.size).toBe(1);
    expect(seen.maxHeadPods).toBe(1);
    expect(seen.maxWorkerPods).toBe(4);
    expect(final.clusters).toEqual([]);
  });

  it('gives a byte-identical trace for the same seed and a different one for another seed', async () => {
    const a = await run('11', { untilMs: 60_000 });
    const b = await run('11', { untilMs: 60_000 });
    const c = await run('12', { untilMs: 60_000 });
    expect(a.trace).toBe(b.trace);
    expect(a.trace).not.toBe(c.trace);
    expect(a.trace.split('\n').length).toBeGreaterThan(20);
  });
});
