// The real Ray operator on the simulation manager with the simulated Ray runtime behind its
// dashboard clients (instead of the scripted FakeDashboard and the submitter stub): the batch Job
// controller runs KubeRay's submitter Job, the fake kubelet runs pods, and the SubmitterRunner
// plays `ray job submit` in the submitter pod and ends its container when the Ray job ends.
// llama-finetune goes New -> Initializing -> Running -> Complete in K8sJobMode; an HTTPMode job
// survives a worker failure by restarting from its checkpoint; the same seed gives the same trace.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Job, Pod, RayCluster, RayJob } from '../../controller/api/types.js';
import { BATCH_JOB, POD, RAY_CLUSTER, RAY_JOB } from '../../controller/api/constants.js';
import { jobController } from '../../controller/batchjob/index.js';
import { rayReconcilers } from '../../controller/ray/index.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter, type TraceRecord } from '../../sim/core/trace.js';
import { TRACE } from '../../sim/core/trace-events.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { CHECKPOINT_INTERVAL_MS_ANNOTATION, RayRuntime, SubmitterRunner, WORK_MS_ANNOTATION, type ContainerExits } from '../../sim/ray/index.js';
import { failPod, FakeKubelet } from '../fixtures/fake-kubelet.js';

const LLAMA = new URL('../../scenarios/examples/llama-finetune.rayjob.yaml', import.meta.url);
const NS = 'default';

/**
 * The fake kubelet has no terminateContainer: end the pod's containers with `exitCode` the way a
 * kubelet does under restartPolicy Never (terminated; Succeeded if 0, else Failed).
 */
function patchingExits(client: KubeClient, sim: Simulation): ContainerExits {
  return {
    async terminate(pod: Pod, exitCode: number, reason: string) {
      const at = rfc3339(sim.now());
      const status = {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: [{ type: 'Ready', status: 'False', reason: exitCode === 0 ? 'PodCompleted' : 'PodFailed', lastTransitionTime: at }],
        containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, ready: false, restartCount: 0, started: false, state: { terminated: { exitCode, reason, finishedAt: at } } })),
      };
      await client.patch<Pod>(POD, pod.metadata.name!, pod.metadata.namespace, { status }, 'merge', { subresource: 'status' });
    },
  };
}

interface RunOptions {
  seed: string;
  job: RayJob;
  untilMs: number;
  /** At this time, fail the first running worker pod (its Ray container exits 1). */
  failWorkerAtMs?: number;
}

async function run(o: RunOptions) {
  const sim = new Simulation();
  const rng = createRng(o.seed);
  const store = createSimStore(sim, rng.fork('apiserver'), { freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { scenario: 'sim-ray', seed: o.seed }, { elapsed: () => sim.elapsed() });
  const ray = new RayRuntime(sim, client, rng.fork('ray'), { trace });
  const mgr = new SimManager(sim, client, { rng: rng.fork('operator'), traceWriter: trace, onProgrammingError: 'throw' });
  for (const r of rayReconcilers({ dashboards: ray.dashboards })) mgr.add(r);
  mgr.add(jobController());
  const kubelet = new FakeKubelet(sim, client, { trace });
  const runner = new SubmitterRunner(sim, client, ray, patchingExits(client, sim));

  const statuses: string[] = [];
  await client.watch<RayJob>(RAY_JOB, {}, {
    event: (e) => {
      const s = e.object.status?.jobDeploymentStatus ?? '';
      if (statuses.at(-1) !== s) statuses.push(s);
    },
    closed: () => undefined,
  });
  await ray.start();
  await runner.start();
  await mgr.start();
  await kubelet.start();
  await client.create(o.job);
  if (o.failWorkerAtMs !== undefined) {
    sim.after(
      o.failWorkerAtMs,
      async () => {
        const pods = (await client.list<Pod>(POD, { labelSelector: 'ray.io/node-type=worker' })).items.filter((p) => p.status?.phase === 'Running');
        await failPod(client, pods[0]!, sim.now());
      },
      { label: 'fail a worker' },
    );
  }
  await sim.run({ until: sim.now() + o.untilMs });
  const final = {
    job: await client.get<RayJob>(RAY_JOB, o.job.metadata.name!, NS),
    clusters: (await client.list<RayCluster>(RAY_CLUSTER)).items,
    submitters: (await client.list<Job>(BATCH_JOB)).items,
  };
  const runs = runner.runs();
  runner.stop();
  ray.stop();
  kubelet.stop();
  await mgr.stop();
  const records = sink.records();
  return { final, statuses, runs, trace: sink.text(), records, rayRecords: records.filter((r: TraceRecord) => r.actor === 'ray'), programmingErrors: mgr.programmingErrors, errors: ray.errors };
}

function llama(annotations: Record<string, string> = {}): RayJob {
  const job = parseYaml(readFileSync(LLAMA, 'utf8')) as RayJob;
  return { ...job, metadata: { ...job.metadata, namespace: NS, annotations } };
}

describe('the Ray operator with the simulated Ray runtime', () => {
  it('runs llama-finetune to Complete through the K8sJobMode submitter Job, then deletes its cluster', async () => {
    const r = await run({ seed: '7', job: llama({ [WORK_MS_ANNOTATION]: '60000' }), untilMs: 180_000 });
    expect(r.programmingErrors).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.statuses).toEqual(['', 'Initializing', 'Running', 'Complete']);
    expect(r.final.job.status).toMatchObject({ jobDeploymentStatus: 'Complete', jobStatus: 'SUCCEEDED' });
    expect(r.final.clusters).toEqual([]);
    // One submitter pod ran, submitted once and exited 0.
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]).toMatchObject({ state: 'exited', exitCode: 0, submitted: 1, submissionId: r.final.job.status!.jobId });
    // The Ray job ran 60 s of work on the 17 GPUs of the gang (head 1 + 4 x 4).
    const types = r.rayRecords.map((x) => x.type);
    expect(types).toEqual([TRACE.jobScheduled, TRACE.jobStarted]);
    const [scheduled, started] = r.rayRecords;
    expect(scheduled).toMatchObject({ ref: { kind: 'RayJob', name: 'llama-finetune' }, data: { pods: 5, gpus: 17 } });
    expect(started).toMatchObject({ data: { attempt: 1, gpus: 17, work_ms: 60_000 } });
    const rayInfo = r.final.job.status!.rayJobInfo!;
    expect(Date.parse(rayInfo.endTime!) - Date.parse(rayInfo.startTime!)).toBeGreaterThanOrEqual(60_000);
  });

  it('an HTTPMode job with checkpoints survives a failed worker: KubeRay replaces the pod and the job resumes', async () => {
    const job = llama({ [WORK_MS_ANNOTATION]: '40000', [CHECKPOINT_INTERVAL_MS_ANNOTATION]: '10000' });
    job.spec.submissionMode = 'HTTPMode';
    const r = await run({ seed: '8', job, untilMs: 240_000, failWorkerAtMs: 40_000 });
    expect(r.programmingErrors).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.final.job.status).toMatchObject({ jobDeploymentStatus: 'Complete', jobStatus: 'SUCCEEDED' });
    expect(r.runs).toEqual([]);
    const interrupted = r.rayRecords.filter((x) => x.type === TRACE.jobInterrupted);
    expect(interrupted).toHaveLength(1);
    // Started at 15 s (GCS up 10 s after the head ran at 3 s, then the operator's submission); the
    // worker fails at 40 s after 25 s of work: 5 s since the checkpoint at 20 s are lost.
    expect(interrupted[0]).toMatchObject({ t: 40_000, data: { attempt: 1, lost_ms: 5_000, gpus: 17, restartFromCheckpoint: true, cause: 'Error' } });
    // KubeRay deletes the failed pod and creates another; the fake kubelet runs it 3 s later and
    // the job resumes from 20 s, so it ends at 63 s.
    const started = r.rayRecords.filter((x) => x.type === TRACE.jobStarted);
    expect(started.map((s) => [s.t, s.data!.attempt, s.data!.progress_ms])).toEqual([
      [15_000, 1, 0],
      [43_000, 2, 20_000],
    ]);
    expect(r.final.job.status!.rayJobInfo).toEqual({ startTime: '2026-01-01T00:00:15Z', endTime: '2026-01-01T00:01:03Z' });
  });

  it('gives a byte-identical trace for the same seed', async () => {
    const a = await run({ seed: '11', job: llama({ [WORK_MS_ANNOTATION]: '20000' }), untilMs: 90_000 });
    const b = await run({ seed: '11', job: llama({ [WORK_MS_ANNOTATION]: '20000' }), untilMs: 90_000 });
    expect(a.final.job.status?.jobDeploymentStatus).toBe('Complete');
    expect(a.trace).toBe(b.trace);
  });
});
