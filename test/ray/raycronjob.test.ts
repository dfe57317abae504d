// RayCronJob controller: the pure schedule decision, then the controller on the SimManager in
// virtual time (the in-memory API server with the ray.io CRDs), and one direct reconcile for the
// stale-cache duplicate KubeRay guards against.

import { describe, expect, it } from 'vitest';
import type { RayCronJob, RayJob } from '../../controller/api/types.js';
import { RAY_CRON_JOB, RAY_JOB } from '../../controller/api/constants.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import type { Result } from '../../controller/runtime/reconciler.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import {
  buildRayJobForSchedule,
  decideSchedule,
  rayCronJobReconciler,
  rayJobNameForSchedule,
  reconcileRayCronJob,
  type MissedSchedulePolicy,
} from '../../controller/ray/raycronjob/index.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { makeRayCronJob, makeRayJob } from '../fixtures/ray-builders.js';
import { apiEnv, simApiServer } from '../fixtures/api-env.js';

const NS = 'default';
const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);

function cronJob(schedule = '*/5 * * * *', created = '2026-01-01T00:00:00Z'): RayCronJob {
  const o = makeRayCronJob('cj', schedule).template(makeRayJob('t').entrypoint('python nightly.py')).uid('uid-cj').obj();
  o.metadata.creationTimestamp = created;
  return o;
}

describe('RayCronJob: schedule decisions (pure)', () => {
  it.each<[string, Partial<RayCronJob['status']> | undefined, string, MissedSchedulePolicy, { runAt?: string; nextAt?: string; skipped: number }]>([
    ['not due yet after creation', undefined, '2026-01-01T00:04:59Z', 'each', { nextAt: '2026-01-01T00:05:00Z', skipped: 0 }],
    ['due exactly at the tick', undefined, '2026-01-01T00:05:00Z', 'each', { runAt: '2026-01-01T00:05:00Z', nextAt: '2026-01-01T00:10:00Z', skipped: 0 }],
    ['due after the tick', undefined, '2026-01-01T00:05:30Z', 'each', { runAt: '2026-01-01T00:05:00Z', nextAt: '2026-01-01T00:10:00Z', skipped: 0 }],
    ['from lastScheduleTime', { lastScheduleTime: '2026-01-01T00:05:00Z' }, '2026-01-01T00:07:00Z', 'each', { nextAt: '2026-01-01T00:10:00Z', skipped: 0 }],
    ['missed, each: the oldest first', { lastScheduleTime: '2026-01-01T00:05:00Z' }, '2026-01-01T00:22:00Z', 'each', { runAt: '2026-01-01T00:10:00Z', nextAt: '2026-01-01T00:15:00Z', skipped: 0 }],
    ['missed, latest: only the newest', { lastScheduleTime: '2026-01-01T00:05:00Z' }, '2026-01-01T00:22:00Z', 'latest', { runAt: '2026-01-01T00:20:00Z', nextAt: '2026-01-01T00:25:00Z', skipped: 2 }],
  ])('%s', (_, status, now, policy, want) => {
    const cj = cronJob();
    if (status) cj.status = status;
    const d = decideSchedule(cj, t(now), policy);
    expect({ runAt: d.runAt === undefined ? undefined : rfc3339(d.runAt), nextAt: d.nextAt === undefined ? undefined : rfc3339(d.nextAt), skipped: d.skipped }).toEqual(want);
  });

  it.each([
    ['UTC by default', undefined, '2026-01-01T09:00:00Z'],
    ['Asia/Tokyo (UTC+9)', 'Asia/Tokyo', '2026-01-02T00:00:00Z'],
    ['America/New_York (UTC-5 in January)', 'America/New_York', '2026-01-01T14:00:00Z'],
  ])('time zone: "0 9 * * *" in %s', (_, tz, first) => {
    const cj = cronJob('0 9 * * *');
    if (tz) cj.spec.timeZone = tz;
    expect(rfc3339(decideSchedule(cj, t('2026-01-01T00:00:00Z')).nextAt!)).toBe(first);
  });

  it('a schedule that never fires again: nothing to do, no requeue', () => {
    expect(decideSchedule(cronJob('0 0 30 2 *'), t('2026-06-01T00:00:00Z'))).toEqual({ skipped: 0 });
  });

  it('the RayJob: `<name>-<unix minutes>`, cronjob label, scheduled-timestamp annotation, owner, a copy of the template', () => {
    const cj = cronJob();
    const at = t('2026-01-01T00:05:00Z');
    expect(rayJobNameForSchedule('cj', at)).toBe(`cj-${at / MIN}`);
    expect(rayJobNameForSchedule('cj', at + 59_999)).toBe(`cj-${at / MIN}`);
    const job = buildRayJobForSchedule(cj, at);
    expect(job.metadata).toEqual({
      name: `cj-${at / MIN}`,
      namespace: NS,
      labels: { 'ray.io/cronjob-name': 'cj' },
      annotations: { 'ray.io/cronjob-scheduled-timestamp': '2026-01-01T00:05:00Z' },
      ownerReferences: [{ apiVersion: 'ray.io/v1', kind: 'RayCronJob', name: 'cj', uid: 'uid-cj', controller: true, blockOwnerDeletion: true }],
    });
    expect(job.spec).toEqual(cj.spec.jobTemplate);
    expect(job.spec).not.toBe(cj.spec.jobTemplate);
  });
});

interface SimRun {
  sim: Simulation;
  client: MemoryKubeClient;
  mgr: SimManager;
  recorder: MemoryEventRecorder;
  /** [virtual ms since start, result] of every reconcile. */
  results: [number, Result][];
  jobs(): Promise<RayJob[]>;
  /** Jobs as "name@creationTimestamp". */
  jobTimes(): Promise<string[]>;
  cronJob(): Promise<RayCronJob>;
  runFor(ms: number): Promise<void>;
}

async function simRun(cj: RayCronJob, opts: { start?: string; policy?: MissedSchedulePolicy } = {}): Promise<SimRun> {
  const { sim, rng, client } = simApiServer('raycronjob-test', { startTime: t(opts.start ?? '2026-01-01T00:00:00Z') });
  const recorder = new MemoryEventRecorder(sim);
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), recorder: () => recorder });
  const inner = rayCronJobReconciler({ missedSchedules: opts.policy });
  const results: [number, Result][] = [];
  mgr.add({
    ...inner,
    async reconcile(req, ctx) {
      const r = await inner.reconcile(req, ctx);
      results.push([sim.elapsed(), r]);
      return r;
    },
  });
  delete cj.metadata.creationTimestamp;
  delete cj.metadata.uid;
  await client.create(cj);
  await mgr.start();
  const jobs = async () => (await client.list<RayJob>(RAY_JOB, { namespace: NS })).items;
  return {
    sim,
    client,
    mgr,
    recorder,
    results,
    jobs,
    jobTimes: async () => (await jobs()).map((j) => `${j.metadata.name}@${j.metadata.creationTimestamp}`),
    cronJob: () => client.get<RayCronJob>(RAY_CRON_JOB, 'cj', NS),
    runFor: async (ms) => {
      await sim.run({ until: sim.now() + ms });
    },
  };
}

const name = (iso: string) => `cj-${t(iso) / MIN}`;

describe('RayCronJob controller in virtual time', () => {
  it('every 5 minutes: a RayJob at each scheduled time, named, labelled, owned; lastScheduleTime follows', async () => {
    const r = await simRun(cronJob(), { start: '2026-01-01T00:01:30Z' });
    await r.runFor(16 * MIN);
    expect(await r.jobTimes()).toEqual([
      `${name('2026-01-01T00:05:00Z')}@2026-01-01T00:05:00Z`,
      `${name('2026-01-01T00:10:00Z')}@2026-01-01T00:10:00Z`,
      `${name('2026-01-01T00:15:00Z')}@2026-01-01T00:15:00Z`,
    ]);
    const cj = await r.cronJob();
    expect(cj.status?.lastScheduleTime).toBe('2026-01-01T00:15:00Z');
    for (const j of await r.jobs()) {
      expect(j.metadata.labels).toEqual({ 'ray.io/cronjob-name': 'cj' });
      expect(j.metadata.annotations!['ray.io/cronjob-scheduled-timestamp']).toBe(j.metadata.creationTimestamp);
      expect(j.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayCronJob', name: 'cj', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(j.spec.entrypoint).toBe('python nightly.py');
    }
    expect(r.mgr.programmingErrors).toEqual([]);
  });

  it('requeues exactly at the next scheduled time', async () => {
    const r = await simRun(cronJob(), { start: '2026-01-01T00:01:30Z' });
    await r.runFor(11 * MIN);
    // Created at 00:01:30: wait 3.5 min; at 00:05 create and wait 5 min (the status write's
    // reconcile asks for the same 5 min); likewise at 00:10.
    expect(r.results).toEqual([
      [0, { requeueAfterMs: 210_000 }],
      [210_000, { requeueAfterMs: 300_000 }],
      [210_000, { requeueAfterMs: 300_000 }],
      [510_000, { requeueAfterMs: 300_000 }],
      [510_000, { requeueAfterMs: 300_000 }],
    ]);
  });

  it('suspend: no RayJobs while suspended (an event says so); resuming catches up every missed time, as KubeRay', async () => {
    const r = await simRun(makeRayCronJob('cj').suspend().obj());
    await r.runFor(21 * MIN);
    expect(await r.jobs()).toEqual([]);
    expect(r.recorder.reasons()).toEqual(['SuspendedRayCronJob']);
    expect(r.results).toEqual([[0, {}]]);
    const cj = await r.cronJob();
    cj.spec.suspend = false;
    await r.client.update(cj);
    await r.runFor(0);
    expect(await r.jobTimes()).toEqual(['00:05', '00:10', '00:15', '00:20'].map((hm) => `${name(`2026-01-01T${hm}:00Z`)}@2026-01-01T00:21:00Z`));
    expect((await r.cronJob()).status?.lastScheduleTime).toBe('2026-01-01T00:20:00Z');
  });

  it('suspending a running cron job stops scheduling; RayJobs already made stay', async () => {
    const r = await simRun(cronJob());
    await r.runFor(6 * MIN);
    expect(await r.jobs()).toHaveLength(1);
    const cj = await r.cronJob();
    cj.spec.suspend = true;
    await r.client.update(cj);
    await r.runFor(20 * MIN);
    expect(await r.jobs()).toHaveLength(1);
  });

  it.each<[MissedSchedulePolicy, string[]]>([
    ['each', ['00:10', '00:15', '00:20', '00:25']],
    ['latest', ['00:25']],
  ])('missed schedules while the controller was down (%s)', async (policy, made) => {
    const r = await simRun(cronJob(), { policy });
    await r.runFor(6 * MIN);
    expect(await r.jobs()).toHaveLength(1);
    r.mgr.restart({ downtimeMs: 21 * MIN });
    await r.runFor(21 * MIN + 1000);
    const times = (await r.jobTimes()).slice(1);
    expect(times).toEqual(made.map((hm) => `${name(`2026-01-01T${hm}:00Z`)}@2026-01-01T00:27:00Z`));
    expect((await r.cronJob()).status?.lastScheduleTime).toBe('2026-01-01T00:25:00Z');
    await r.runFor(4 * MIN);
    expect((await r.jobTimes()).at(-1)).toBe(`${name('2026-01-01T00:30:00Z')}@2026-01-01T00:30:00Z`);
  });

  it('time zone: "0 9 * * *" in America/New_York fires at 09:00 local across the DST change', async () => {
    const cj = cronJob('0 9 * * *');
    cj.spec.timeZone = 'America/New_York';
    const r = await simRun(cj, { start: '2026-03-06T12:00:00Z' });
    await r.runFor((3 * 24 + 2) * 60 * MIN);
    expect((await r.jobs()).map((j) => j.metadata.annotations!['ray.io/cronjob-scheduled-timestamp'])).toEqual([
      '2026-03-06T14:00:00Z',
      '2026-03-07T14:00:00Z',
      '2026-03-08T13:00:00Z',
      '2026-03-09T13:00:00Z',
    ]);
  });

  it('an invalid schedule or time zone: a Warning event, no RayJob, no requeue', async () => {
    for (const [schedule, tz, msg] of [
      ['61 * * * *', undefined, 'invalid cron schedule'],
      ['*/5 * * * *', 'Mars/Olympus', 'invalid time zone'],
    ] as const) {
      const cj = cronJob(schedule);
      if (tz) cj.spec.timeZone = tz;
      const r = await simRun(cj);
      await r.runFor(30 * MIN);
      expect(await r.jobs()).toEqual([]);
      expect(r.recorder.events).toHaveLength(1);
      expect(r.recorder.events[0]).toMatchObject({ type: 'Warning', reason: 'InvalidRayCronJobSpec' });
      expect(r.recorder.events[0]!.message).toContain(msg);
      expect(r.results).toEqual([[0, {}]]);
    }
  });

  it('a stale lastScheduleTime does not fire a tick twice (the deterministic name collides)', async () => {
    const env = apiEnv('raycronjob-stale');
    await env.advance(t('2026-01-01T00:05:30Z') - env.sim.now());
    const created = await env.client.create(cronJob());
    const stale = await env.client.updateStatus({ ...created, status: { lastScheduleTime: '2026-01-01T00:00:00Z' } });
    expect(await reconcileRayCronJob({ namespace: NS, name: 'cj' }, env.ctx)).toEqual({ requeueAfterMs: 270_000 });
    // The status write is "lost" (a cache that has not seen it yet): reset it, reconcile again.
    const now = await env.client.get<RayCronJob>(RAY_CRON_JOB, 'cj', NS);
    await env.client.updateStatus({ ...now, status: stale.status });
    expect(await reconcileRayCronJob({ namespace: NS, name: 'cj' }, env.ctx)).toEqual({ requeueAfterMs: 270_000 });
    expect((await env.client.list(RAY_JOB, { namespace: NS })).items.map((j) => j.metadata.name)).toEqual([name('2026-01-01T00:05:00Z')]);
    expect((await env.client.get<RayCronJob>(RAY_CRON_JOB, 'cj', NS)).status?.lastScheduleTime).toBe('2026-01-01T00:05:00Z');
  });
});
