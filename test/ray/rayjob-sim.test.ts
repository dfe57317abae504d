// The RayJob controller on the SimManager, inside a Simulation with the in-memory API server: the
// llama-finetune example goes New -> Initializing -> Running -> Complete and its RayCluster is
// deleted (shutdownAfterJobFinishes). Two stand-ins play the parts not written yet: a RayCluster
// reconciler that declares a cluster ready a few virtual seconds after it appears, and a
// "submitter" reconciler that does what the submitter pod's `ray job submit` + `ray job logs
// --follow` do against the cluster's FakeDashboard, scripted PENDING -> RUNNING -> SUCCEEDED.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Job, RayCluster, RayJob } from '../../controller/api/types.js';
import { BATCH_JOB, RAY_CLUSTER, RAY_DASHBOARD_ADDRESS, RAY_JOB, RAY_JOB_SUBMISSION_ID } from '../../controller/api/constants.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { EventRecorder, EventType, Reconciler } from '../../controller/runtime/reconciler.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { fakeDashboardFactory, type FakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import { TERMINAL_JOB_STATUSES } from '../../controller/ray/dashboard-client.js';
import { createRayJobReconciler } from '../../controller/ray/rayjob/index.js';
import { stubSubmitterReconciler } from '../fixtures/submitter-stub.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { MemorySink, TraceWriter, type TraceRecord } from '../../sim/core/trace.js';
import { simApiServer } from '../fixtures/api-env.js';

const NS = 'default';
const LLAMA = new URL('../../scenarios/examples/llama-finetune.rayjob.yaml', import.meta.url);
/** The stand-in RayCluster controller calls a cluster ready this long after it was created. */
const CLUSTER_READY_AFTER_MS = 5_000;
/** The stand-in submitter pod starts this long after its Job was created. */
const SUBMITTER_START_MS = 2_000;
/** What the Ray job reports on successive status polls. */
const SCRIPT = ['PENDING', 'PENDING', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'] as const;

function llamaFinetune(): RayJob {
  const obj = parseYaml(readFileSync(LLAMA, 'utf8')) as RayJob;
  obj.metadata.namespace = NS;
  return obj;
}

/** Until the real RayCluster controller is swapped in: status.state = ready some seconds after creation. */
function stubRayClusterReconciler(): Reconciler {
  return {
    name: 'raycluster-stub',
    for: RAY_CLUSTER,
    async reconcile(req, ctx) {
      const c = ctx.cache.get<RayCluster>(RAY_CLUSTER, req.name, req.namespace);
      if (!c || c.metadata.deletionTimestamp || c.status?.state === 'ready') return {};
      const readyAt = Date.parse(c.metadata.creationTimestamp!) + CLUSTER_READY_AFTER_MS;
      const now = ctx.clock.now();
      if (now < readyAt) return { requeueAfterMs: readyAt - now };
      await ctx.client.patch(RAY_CLUSTER, req.name, req.namespace, { status: { state: 'ready' } }, 'merge', { subresource: 'status' });
      return {};
    },
  };
}

/** Events go into the trace. */
function traceRecorder(trace: TraceWriter, actor: string): EventRecorder {
  return {
    event(obj: KubeObject, type: EventType, reason: string, message: string) {
      trace.emit({ type: 'k8s.event', actor, ref: { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }, reason, data: { type, message } });
    },
  };
}

interface Run {
  records: TraceRecord[];
  lines: string[];
  final: { job: RayJob; clusters: RayCluster[]; submitters: Job[] };
  programmingErrors: number;
}

async function run(seed: string, forMs = 120_000): Promise<Run> {
  const { sim, rng, client } = simApiServer(seed);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { scenario: 'llama-finetune', seed }, { elapsed: () => sim.elapsed() });
  const dashboards = fakeDashboardFactory({ now: () => sim.now() });
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), traceWriter: trace, recorder: (name) => traceRecorder(trace, name), onProgrammingError: 'throw' });
  mgr.add(createRayJobReconciler({ dashboards }));
  mgr.add(stubRayClusterReconciler());
  mgr.add(stubSubmitterReconciler(dashboards, SCRIPT));

  // Object changes as the watch stream reports them.
  for (const id of [RAY_JOB, RAY_CLUSTER, BATCH_JOB]) {
    await client.watch(id, { namespace: NS }, {
      event: (e) => {
        const o = e.object;
        const data: Record<string, unknown> = { event: e.type };
        if (o.kind === 'RayJob') {
          const s = (o as RayJob).status;
          Object.assign(data, { jobDeploymentStatus: s?.jobDeploymentStatus ?? '', jobStatus: s?.jobStatus ?? '', cluster: s?.rayClusterName ?? '' });
        }
        if (o.kind === 'RayCluster') Object.assign(data, { state: (o as RayCluster).status?.state ?? '', deleting: !!o.metadata.deletionTimestamp });
        if (o.kind === 'Job') Object.assign(data, { complete: (o as Job).status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false });
        trace.emit({ type: 'object', actor: 'apiserver', ref: { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name ?? '' }, data });
      },
      closed: () => {},
    });
  }

  await client.create(llamaFinetune());
  await mgr.start();
  await sim.run({ until: sim.now() + forMs });
  await mgr.stop();
  const final = {
    job: await client.get<RayJob>(RAY_JOB, 'llama-finetune', NS),
    clusters: (await client.list<RayCluster>(RAY_CLUSTER, { namespace: NS })).items,
    submitters: (await client.list<Job>(BATCH_JOB, { namespace: NS })).items,
  };
  return { records: sink.records(), lines: sink.lines, final, programmingErrors: mgr.programmingErrors.length };
}

/** Consecutive duplicates dropped. */
function changes<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

const rayJobRecords = (r: Run) => r.records.filter((x) => x.type === 'object' && typeof x.ref === 'object' && x.ref.kind === 'RayJob');

describe('RayJob on the SimManager: llama-finetune', () => {
  it('goes New -> Initializing -> Running -> Complete, and its RayCluster is deleted', async () => {
    const r = await run('llama-1');
    expect(r.programmingErrors).toBe(0);
    const jobs = rayJobRecords(r);
    expect(changes(jobs.map((x) => (x.data!.jobDeploymentStatus as string) || 'New'))).toEqual(['New', 'Initializing', 'Running', 'Complete']);
    expect(changes(jobs.map((x) => x.data!.jobStatus as string))).toEqual(['', 'PENDING', 'RUNNING', 'SUCCEEDED']);

    const { job, clusters, submitters } = r.final;
    expect(job.status).toMatchObject({ jobDeploymentStatus: 'Complete', jobStatus: 'SUCCEEDED', succeeded: 1, failed: 0 });
    expect(job.metadata.finalizers).toEqual(['ray.io/rayjob-finalizer']);
    const cluster = job.status!.rayClusterName!;
    expect(cluster).toMatch(/^llama-finetune-[a-z0-9]{5}$/);
    // shutdownAfterJobFinishes with ttlSecondsAfterFinished 0: the cluster is gone, the submitter Job stays (its logs).
    expect(clusters).toEqual([]);
    expect(submitters.map((s) => s.metadata.name)).toEqual(['llama-finetune']);
    expect(r.records.some((x) => x.type === 'object' && typeof x.ref === 'object' && x.ref.kind === 'RayCluster' && x.ref.name === cluster && x.data!.event === 'DELETED')).toBe(true);
    expect(r.records.filter((x) => x.type === 'k8s.event').map((x) => x.reason)).toEqual(['CreatedRayCluster', 'CreatedRayJobSubmitter', 'DeletedRayCluster']);

    // Timing: the cluster is ready 5 s after creation, the RayJob runs from then on, and the
    // cluster goes when the RayJob completes.
    const firstAt = (status: string) => jobs.find((x) => x.data!.jobDeploymentStatus === status)!.t;
    expect(firstAt('Initializing')).toBe(0);
    expect(firstAt('Running')).toBe(CLUSTER_READY_AFTER_MS);
    const completeAt = firstAt('Complete');
    expect(Date.parse(job.status!.endTime!) - Date.parse(job.status!.startTime!)).toBe(completeAt - (completeAt % 1000));
    const deletedAt = r.records.find((x) => x.type === 'k8s.event' && x.reason === 'DeletedRayCluster')!.t;
    expect(deletedAt).toBe(completeAt);
    // The Ray job was polled every 3 s and followed its script to the end.
    expect(completeAt).toBeGreaterThan(CLUSTER_READY_AFTER_MS + SUBMITTER_START_MS);
    expect(completeAt).toBeLessThan(60_000);
  });

  it('the same seed gives the identical trace; another seed another one', async () => {
    const a = await run('llama-seed');
    const b = await run('llama-seed');
    expect(a.lines.length).toBeGreaterThan(20);
    expect(b.lines).toEqual(a.lines);
    const c = await run('llama-other');
    expect(c.lines).not.toEqual(a.lines);
    expect(c.final.job.status!.rayClusterName).not.toBe(a.final.job.status!.rayClusterName);
  });
});
