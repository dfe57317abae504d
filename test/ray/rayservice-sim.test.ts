// A zero-downtime RayService upgrade on the SimManager, in virtual time: the RayService controller
// with three stand-ins written here — a RayCluster controller that creates a head and workers and
// reports HeadPodReady / state ready, a kubelet that makes pods Running and Ready a few virtual
// seconds after they appear, and fake Ray dashboards whose Serve applications turn RUNNING a few
// seconds after a config is submitted. The serve service must have a ready endpoint at every
// instant from its creation to the end, checked after every simulation event and after every
// single write to the API (replayed in resourceVersion order).

import { describe, expect, it } from 'vitest';
import type { Pod, RayCluster, RayClusterStatus, RayService, Service } from '../../controller/api/types.js';
import {
  APPLICATION_NAME,
  COMPONENT_NAME,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  KUBERNETES_CREATED_BY_LABEL_KEY,
  POD,
  RAY_CLUSTER,
  RAY_CLUSTER_LABEL_KEY,
  RAY_ID_LABEL_KEY,
  RAY_NODE_GROUP_LABEL_KEY,
  RAY_NODE_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_SERVICE,
  SERVICE,
} from '../../controller/api/constants.js';
import type { KubeObject, WatchEvent } from '../../controller/runtime/kube-object.js';
import type { Reconciler, ReconcileContext, Request, Result } from '../../controller/runtime/reconciler.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import { SimManager } from '../../controller/runtime/sim-manager.js';
import type { DashboardClientFactory, RayDashboardClient } from '../../controller/ray/dashboard-client.js';
import { FakeDashboard } from '../../controller/ray/dashboard-fake.js';
import { isRunningAndReady, isTerminating, isServeEndpoint, rayServiceReconciler } from '../../controller/ray/rayservice/index.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { makePod, makeRayService } from '../fixtures/ray-builders.js';
import { simApiServer } from '../fixtures/api-env.js';

const NS = 'default';
const SERVE_SVC = 'svc-serve-svc';

// ---------------------------------------------------------------------------------------------
// Stand-ins
// ---------------------------------------------------------------------------------------------

/** A minimal RayCluster controller: one head, `replicas` workers per group, HeadPodReady and state ready. */
function stubRayClusterReconciler(): Reconciler {
  return {
    name: 'raycluster-stub',
    for: RAY_CLUSTER,
    owns: [POD],
    async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
      const c = ctx.cache.get<RayCluster>(RAY_CLUSTER, req.name, req.namespace);
      if (!c || c.metadata.deletionTimestamp) return {};
      const name = c.metadata.name!;
      const pods = ctx.cache.list<Pod>(POD, { namespace: req.namespace, ownerUid: c.metadata.uid });
      const owner = { apiVersion: 'ray.io/v1', kind: 'RayCluster', name, uid: c.metadata.uid!, controller: true, blockOwnerDeletion: true };
      const create = (type: 'head' | 'worker', group: string, template: RayCluster['spec']['headGroupSpec']['template']) =>
        ctx.client.create<Pod>({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: type === 'head' ? `${name}-head-` : `${name}-${group}-worker-`,
            namespace: req.namespace,
            labels: {
              [RAY_CLUSTER_LABEL_KEY]: name,
              [RAY_NODE_TYPE_LABEL_KEY]: type,
              [RAY_NODE_GROUP_LABEL_KEY]: group,
              [RAY_ID_LABEL_KEY]: `${name}-${type}`,
              [RAY_NODE_LABEL_KEY]: 'yes',
              [KUBERNETES_APPLICATION_NAME_LABEL_KEY]: APPLICATION_NAME,
              [KUBERNETES_CREATED_BY_LABEL_KEY]: COMPONENT_NAME,
            },
            ownerReferences: [owner],
          },
          spec: structuredClone(template.spec),
        });
      const heads = pods.filter((p) => p.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'head');
      if (heads.length === 0) await create('head', 'headgroup', c.spec.headGroupSpec.template);
      let desired = 0;
      let ready = 0;
      for (const g of c.spec.workerGroupSpecs ?? []) {
        const mine = pods.filter((p) => p.metadata.labels?.[RAY_NODE_GROUP_LABEL_KEY] === g.groupName);
        for (let i = mine.length; i < (g.replicas ?? 0); i++) await create('worker', g.groupName, g.template);
        desired += g.replicas ?? 0;
        ready += mine.filter(isRunningAndReady).length;
      }
      const headReady = heads.length === 1 && isRunningAndReady(heads[0]!);
      const status: RayClusterStatus = {
        readyWorkerReplicas: ready,
        desiredWorkerReplicas: desired,
        conditions: [
          {
            type: 'HeadPodReady',
            status: headReady ? 'True' : 'False',
            reason: headReady ? 'HeadPodRunningAndReady' : 'HeadPodNotFound',
            message: '',
            lastTransitionTime: c.status?.conditions?.[0]?.status === (headReady ? 'True' : 'False') ? c.status.conditions[0].lastTransitionTime : rfc3339(ctx.clock.now()),
          },
        ],
      };
      if (headReady && ready === desired) status.state = 'ready';
      if (JSON.stringify(status) !== JSON.stringify(c.status ?? {})) await ctx.client.updateStatus({ ...c, status });
      return {};
    },
  };
}

/** Pods become Running and Ready a few virtual seconds after they appear (drawn per pod from the range of its node type). */
function fakeKubelet(startSeconds: { head: [number, number]; worker: [number, number] }): Reconciler {
  const due = new Map<string, number>();
  return {
    name: 'kubelet-stub',
    for: POD,
    async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
      const pod = ctx.cache.get<Pod>(POD, req.name, req.namespace);
      if (!pod || isTerminating(pod) || isRunningAndReady(pod)) return {};
      const uid = pod.metadata.uid!;
      let at = due.get(uid);
      const [lo, hi] = pod.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'head' ? startSeconds.head : startSeconds.worker;
      if (at === undefined) due.set(uid, (at = ctx.clock.now() + ctx.rng.int(lo, hi) * 1000));
      const now = ctx.clock.now();
      if (now < at) return { requeueAfterMs: at - now };
      const status = makePod('x').at(rfc3339(now)).ready().obj().status;
      await ctx.client.patch(POD, pod.metadata.name!, pod.metadata.namespace, { status }, 'merge', { subresource: 'status' });
      return {};
    },
  };
}

/** A FakeDashboard whose Serve applications turn RUNNING `deployMs` after a config is submitted. */
class SimServeDashboard extends FakeDashboard {
  constructor(
    private readonly sim: Simulation,
    private readonly deployMs: number,
  ) {
    super({ now: () => sim.now() });
  }

  override async updateServeApplications(config: Record<string, unknown>): Promise<void> {
    await super.updateServeApplications(config);
    const names = ((config.applications ?? []) as { name?: string }[]).map((a) => a.name || 'default');
    this.sim.after(this.deployMs, () => names.forEach((n) => this.setServeStatus(n, 'RUNNING')), { label: 'serve deployed' });
  }
}

function simDashboards(sim: Simulation, deployMs: number): DashboardClientFactory & { byCluster: Map<string, SimServeDashboard> } {
  const byCluster = new Map<string, SimServeDashboard>();
  const factory = (cluster: KubeObject, url: string): RayDashboardClient => {
    const k = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    let d = byCluster.get(k);
    if (!d) byCluster.set(k, (d = new SimServeDashboard(sim, deployMs)));
    d.url = url;
    return d;
  };
  return Object.assign(factory, { byCluster });
}

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

interface Violation {
  t: number;
  where: 'step' | 'write';
  selector: string;
}

interface RunResult {
  trace: string;
  violations: Violation[];
  /** Serve service selector changes: [elapsed ms, cluster]. */
  switches: [number, string][];
  clusters: { first: string; second: string };
  deletedAt?: number;
  readyAt: number;
  upgradeAt: number;
  writesChecked: number;
  stepsChecked: number;
  programmingErrors: number;
  readyThroughout: boolean;
}

interface Scenario {
  /** Serve applications turn RUNNING this long after a config is submitted. */
  deployMs: number;
  excludeHeadPodFromServeSvc?: boolean;
  headStartSeconds: [number, number];
  workerStartSeconds: [number, number];
}

const HEAD_SERVES: Scenario = { deployMs: 5000, headStartSeconds: [2, 6], workerStartSeconds: [2, 6] };
/** Only workers serve, and Serve reports RUNNING before any worker is ready: the switch must wait for them. */
const SLOW_WORKERS: Scenario = { deployMs: 1000, excludeHeadPodFromServeSvc: true, headStartSeconds: [2, 3], workerStartSeconds: [6, 12] };

async function runUpgrade(seed: string, sc: Scenario = HEAD_SERVES): Promise<RunResult> {
  const { sim, rng, store, client } = simApiServer(seed);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { seed, scenario: 'rayservice-zero-downtime' }, { elapsed: () => sim.elapsed() });
  const recorder = new MemoryEventRecorder(sim);
  const mgr = new SimManager(sim, client, { rng: rng.fork('manager'), traceWriter: trace, recorder: () => recorder });
  mgr.add(rayServiceReconciler({ dashboards: simDashboards(sim, sc.deployMs) }));
  mgr.add(stubRayClusterReconciler());
  mgr.add(fakeKubelet({ head: sc.headStartSeconds, worker: sc.workerStartSeconds }));

  // Every write to pods and services, for the replay check.
  const writes: WatchEvent[] = [];
  const record = { event: (e: WatchEvent) => writes.push(e), closed: () => undefined };
  await client.watch(POD, { namespace: NS, resourceVersion: '0' }, record);
  await client.watch(SERVICE, { namespace: NS, resourceVersion: '0' }, record);

  const svcType = store.typeFor(SERVICE);
  const podType = store.typeFor(POD);
  const violations: Violation[] = [];
  const switches: [number, string][] = [];
  let stepsChecked = 0;
  // Zero downtime: once the serve service has had a ready endpoint, it never has none again.
  let serving = false;
  const checkStep = () => {
    const s = store.peek(svcType, NS, SERVE_SVC) as Service | undefined;
    if (!s) {
      if (serving) violations.push({ t: sim.elapsed(), where: 'step', selector: '(service gone)' });
      return;
    }
    const sel = s.spec!.selector!;
    const cluster = sel[RAY_CLUSTER_LABEL_KEY]!;
    if (switches.at(-1)?.[1] !== cluster) {
      switches.push([sim.elapsed(), cluster]);
      trace.emit({ type: 'check.serve-switch', actor: 'test', ref: { kind: 'Service', namespace: NS, name: SERVE_SVC }, data: { cluster } });
    }
    const pods = store.list(podType, { namespace: NS, labelSelector: Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') }).items as Pod[];
    const endpoints = pods.filter((p) => isServeEndpoint(p, sel)).length;
    if (endpoints > 0) serving = true;
    if (!serving) return;
    stepsChecked++;
    if (endpoints === 0) violations.push({ t: sim.elapsed(), where: 'step', selector: JSON.stringify(sel) });
  };
  const svcStatus = () => store.peek(store.typeFor(RAY_SERVICE), NS, 'svc') as RayService | undefined;
  const isReady = () => svcStatus()?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  let readyThroughout = true;
  const stepUntil = async (done: () => boolean, capMs: number) => {
    const end = sim.now() + capMs;
    while (!done()) {
      if (sim.now() > end || !(await sim.step())) throw new Error(`not done by ${sim.elapsed()} ms`);
      checkStep();
      if (serving && !isReady()) readyThroughout = false;
    }
  };

  await client.create(makeRayService('svc').servePort().workers('cpu', 2).excludeHeadPodFromServeSvc(sc.excludeHeadPodFromServeSvc === true).obj());
  await mgr.start();
  await stepUntil(() => isReady() && !!svcStatus()?.status?.activeServiceStatus?.rayClusterName, 120_000);
  const readyAt = sim.elapsed();
  const first = svcStatus()!.status!.activeServiceStatus!.rayClusterName!;

  // Serve steadily for a while, then change the cluster spec.
  await stepUntil(() => sim.elapsed() >= readyAt + 10_000, 20_000);
  const upgradeAt = sim.elapsed();
  const cur = structuredClone(svcStatus()!);
  cur.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0]!.image = 'rayproject/ray:2.53.0';
  for (const g of cur.spec.rayClusterConfig.workerGroupSpecs!) g.template.spec.containers[0]!.image = 'rayproject/ray:2.53.0';
  await client.update(cur);
  trace.emit({ type: 'check.upgrade', actor: 'test', ref: { kind: 'RayService', namespace: NS, name: 'svc' } });

  await stepUntil(() => (svcStatus()?.status?.pendingServiceStatus?.rayClusterName ?? '') !== '', 10_000);
  const second = svcStatus()!.status!.pendingServiceStatus!.rayClusterName!;
  const clusterType = store.typeFor(RAY_CLUSTER);
  await stepUntil(() => store.peek(clusterType, NS, first) === undefined, 200_000);
  const deletedAt = sim.elapsed();
  trace.emit({ type: 'check.deleted', actor: 'test', ref: { kind: 'RayCluster', namespace: NS, name: first } });
  await stepUntil(() => sim.elapsed() >= deletedAt + 10_000, 20_000);
  await mgr.stop();

  // Replay every pod and service write in resourceVersion order: after each one, the serve
  // service (once it exists) selects at least one ready endpoint.
  writes.sort((a, b) => Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion));
  const mirror = new Map<string, KubeObject>();
  let svc: Service | undefined;
  let writesChecked = 0;
  let servingAtWrite = false;
  for (const e of writes) {
    const k = `${e.object.kind}/${e.object.metadata.name}`;
    if (e.type === 'DELETED') mirror.delete(k);
    else mirror.set(k, e.object);
    if (e.object.kind === 'Service' && e.object.metadata.name === SERVE_SVC) svc = e.type === 'DELETED' ? undefined : (e.object as Service);
    const sel = svc?.spec?.selector;
    const n = sel ? [...mirror.values()].filter((o) => o.kind === 'Pod' && isServeEndpoint(o as Pod, sel)).length : 0;
    if (n > 0) servingAtWrite = true;
    if (!servingAtWrite) continue;
    writesChecked++;
    if (n === 0) violations.push({ t: -1, where: 'write', selector: `${JSON.stringify(sel)} at rv ${e.object.metadata.resourceVersion}` });
  }

  return {
    trace: sink.text(),
    violations,
    switches,
    clusters: { first, second },
    deletedAt,
    readyAt,
    upgradeAt,
    writesChecked,
    stepsChecked,
    programmingErrors: mgr.programmingErrors.length,
    readyThroughout,
  };
}

describe('RayService zero-downtime upgrade in simulation', () => {
  it.each([
    ['the head and the workers serve', HEAD_SERVES],
    ['only workers serve, and they are ready after Serve reports RUNNING', SLOW_WORKERS],
  ])('%s: a ready serve endpoint at every instant; one switch, after the new cluster serves; the old cluster goes 60 s later', async (_, sc) => {
    const r = await runUpgrade('zero-downtime-1', sc);
    expect(r.programmingErrors).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.stepsChecked).toBeGreaterThan(100);
    expect(r.writesChecked).toBeGreaterThan(5);
    expect(r.clusters.first).not.toBe(r.clusters.second);
    expect(r.switches.map(([, c]) => c)).toEqual([r.clusters.first, r.clusters.second]);
    const switchedAt = r.switches[1]![0];
    // Pods take seconds to start and Serve seconds to deploy: the switch cannot come sooner.
    expect(switchedAt).toBeGreaterThan(r.upgradeAt + Math.min(sc.deployMs + sc.headStartSeconds[0] * 1000, sc.workerStartSeconds[0] * 1000));
    expect(r.deletedAt! - switchedAt).toBeGreaterThanOrEqual(60_000);
    expect(r.deletedAt! - switchedAt).toBeLessThanOrEqual(62_000);
    expect(r.readyThroughout).toBe(true);
    const types = new Set(r.trace.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type));
    expect([...types].sort()).toEqual(['check.deleted', 'check.serve-switch', 'check.upgrade', 'reconcile', 'trace.header']);
  });

  it('the same seed gives the same trace; another seed another', async () => {
    const a = await runUpgrade('zero-downtime-2', SLOW_WORKERS);
    const b = await runUpgrade('zero-downtime-2', SLOW_WORKERS);
    const c = await runUpgrade('zero-downtime-3', SLOW_WORKERS);
    expect(a.violations).toEqual([]);
    expect(c.violations).toEqual([]);
    expect(b.trace).toBe(a.trace);
    expect(c.trace).not.toBe(a.trace);
  });
});
