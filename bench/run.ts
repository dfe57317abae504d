// `npm run bench`: prints a table of the figures the foundation promises, measured on this
// machine. Not a test: nothing here asserts; the note on each row says what it is compared with.
// `--quick` shrinks every row so CI can prove the benchmark still runs in a few seconds.
// `--json FILE` also writes the rows as JSON for plotting. `--no-scenarios` skips the scenario
// runs (the 30-day fleet and the 5,000-node scale run, each a few minutes at most).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { HttpKubeClient } from '../controller/runtime/http-kube-client.js';
import { createRng } from '../sim/core/rng.js';
import { wallClock } from '../sim/kube/create-store.js';
import { ApiServer } from '../sim/kube/http/server.js';
import { ObjectStore } from '../sim/kube/store.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean | undefined;
  note: string;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const rows: Row[] = [];

function row(name: string, value: number, unit: string, target: string, met: boolean | undefined, note = ''): void {
  rows.push({ name, value, unit, target, met, note });
  process.stderr.write(`  ${name}: ${fmt(value)} ${unit}\n`);
}

function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** A pod shaped like a KubeRay GPU worker, so sizes and costs are realistic. */
function pod(i: number, cluster: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${cluster}-gpu-worker-${i}`,
      namespace: 'default',
      labels: { 'ray.io/cluster': cluster, 'ray.io/node-type': 'worker', 'ray.io/group': 'gpu', 'ray.io/is-ray-node': 'yes', 'app.kubernetes.io/created-by': 'kuberay-operator' },
    },
    spec: {
      containers: [
        {
          name: 'ray-worker',
          image: 'rayproject/ray:2.34.0-py311-gpu',
          resources: { limits: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '4' }, requests: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '4' } },
          env: [{ name: 'RAY_CLUSTER_NAME', value: cluster }],
        },
      ],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
}

function newStore(window = 10_000): ObjectStore {
  return new ObjectStore({ clock: wallClock, rng: createRng('bench'), watchWindow: window });
}

async function storeWrites(n: number): Promise<void> {
  const store = newStore();
  const pods = store.type('', 'pods');
  const objs = Array.from({ length: n }, (_, i) => pod(i, `c${i % 1000}`));
  // Queries on ray.io/cluster and ray.io/node-type build those label indexes first, so every
  // write below pays for keeping them current, as in a run with controllers selecting on them.
  store.list(pods, { labelSelector: 'ray.io/cluster=c0,ray.io/node-type=worker' });
  store.list(pods, { labelSelector: 'ray.io/node-type=worker,ray.io/cluster=c0' });
  let t = performance.now();
  for (let i = 0; i < n; i++) store.create(pods, objs[i]);
  const createRate = n / ((performance.now() - t) / 1000);
  row('in-memory create', createRate, 'writes/s', '>= 100,000', createRate >= 100_000, `${n.toLocaleString('en-US')} GPU-worker pods, 2 label indexes live`);
  const current = store.list(pods).items;
  t = performance.now();
  for (const o of current) store.update(pods, { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, step: '1' } } });
  const updateRate = n / ((performance.now() - t) / 1000);
  row('in-memory update (label change)', updateRate, 'writes/s', '>= 100,000', updateRate >= 100_000, 'optimistic concurrency checked on each');
  const live = store.list(pods).items;
  t = performance.now();
  for (const o of live) store.update(pods, { ...o, status: { ...(o.status as object), phase: 'Running' } }, {}, 'status');
  const statusRate = n / ((performance.now() - t) / 1000);
  row('in-memory status update (phase)', statusRate, 'writes/s', '>= 100,000', statusRate >= 100_000, 'the kubelet/controller write pattern');
  t = performance.now();
  for (const o of live) store.delete(pods, 'default', o.metadata.name!);
  const deleteRate = n / ((performance.now() - t) / 1000);
  row('in-memory delete', deleteRate, 'writes/s', '>= 100,000', deleteRate >= 100_000, 'unbound pods: removed at once');
}

async function watchFanout(n: number, watchers: number): Promise<void> {
  // Deliveries are measured on their own: the writes go into the watch log first (window big
  // enough to hold them), then one deferred flush fans them out to every watcher.
  let flush: (() => void) | undefined;
  const store = new ObjectStore({ clock: wallClock, rng: createRng('bench'), watchWindow: n + 10, defer: (fn) => void (flush = fn) });
  const pods = store.type('', 'pods');
  let delivered = 0;
  let lastRv = '';
  for (let w = 0; w < watchers; w++)
    store.watch(pods, { resourceVersion: store.resourceVersion }, { event: (e) => void (delivered++, (lastRv = e.object.metadata.resourceVersion!)), closed: () => undefined });
  flush?.();
  const objs = Array.from({ length: n }, (_, i) => pod(i, `c${i % 1000}`));
  for (let i = 0; i < n; i++) store.create(pods, objs[i]);
  const t = performance.now();
  flush?.();
  const s = (performance.now() - t) / 1000;
  const rate = delivered / s;
  row(`watch deliveries, ${watchers} watchers`, rate, 'events/s', '>= 1,000,000', rate >= 1_000_000, `${delivered.toLocaleString('en-US')} deliveries, last rv ${lastRv}`);
  // And a selective watcher population: 10 watchers each on one cluster's pods by label.
  const store2 = new ObjectStore({ clock: wallClock, rng: createRng('bench'), watchWindow: n + 10, defer: (fn) => void (flush = fn) });
  let d2 = 0;
  for (let w = 0; w < watchers; w++) store2.watch(pods, { resourceVersion: store2.resourceVersion, labelSelector: `ray.io/cluster=c${w}` }, { event: () => void d2++, closed: () => undefined });
  flush?.();
  for (let i = 0; i < n; i++) store2.create(pods, objs[i]);
  const t2 = performance.now();
  flush?.();
  const s2 = (performance.now() - t2) / 1000;
  row(`watch filtering, ${watchers} label-selector watchers`, (n * watchers) / s2, 'events/s', 'reported', undefined, `${(n * watchers).toLocaleString('en-US')} events checked, ${d2} delivered`);
}

async function selectorList(n: number): Promise<void> {
  const store = newStore(1000);
  const pods = store.type('', 'pods');
  // 10 pods per cluster label: the selector matches 10 of n.
  for (let i = 0; i < n; i++) store.create(pods, pod(i, `c${Math.floor(i / 10)}`));
  const q = 2000;
  const t = performance.now();
  let matched = 0;
  for (let i = 0; i < q; i++) matched += store.list(pods, { labelSelector: `ray.io/cluster=c${(i * 7919) % (n / 10)},ray.io/node-type=worker` }).items.length;
  const ms = (performance.now() - t) / q;
  row(`label-selector list, 10 of ${n.toLocaleString('en-US')}`, ms, 'ms/list', '< 1 ms', ms < 1, `${matched / q} matched per list, from the label index`);
  const t2 = performance.now();
  const fq = 200;
  for (let i = 0; i < fq; i++) store.list(pods, { fieldSelector: 'status.phase=Running' });
  row('field-selector list (status.phase, none match)', (performance.now() - t2) / fq, 'ms/list', 'indexed', undefined, 'from the field index');
}

async function memory(n: number): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  const store = newStore();
  const pods = store.type('', 'pods');
  for (let i = 0; i < n; i++) store.create(pods, pod(i, `c${i % 1000}`));
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  const rssMb = after.rss / 2 ** 20;
  row(`RSS with ${n.toLocaleString('en-US')} pods stored`, rssMb, 'MB', n >= 100_000 ? '< 500 MB' : '-', n >= 100_000 ? rssMb < 500 : undefined, `heap +${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(0)} MB; store holds ${store.count(pods)}`);
}

async function overHttp(n: number, concurrency: number): Promise<void> {
  const store = newStore();
  const server = new ApiServer({ store, clock: wallClock });
  const url = await server.listen();
  try {
    const client = HttpKubeClient.forServer(url);
    await client.list({ apiVersion: 'v1', kind: 'Pod' }); // discovery, connection warm-up
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await client.create(pod(next++, 'http'));
      }),
    );
    const rate = n / ((performance.now() - t) / 1000);
    row(`HTTP create, raysim KubeClient (${concurrency} in flight)`, rate, 'writes/s', '>= 2,000', rate >= 2000, 'client-node KubeConfig + node-fetch');

    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'b', server: url, skipTLSVerify: true }],
      users: [{ name: 'b' }],
      contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
      currentContext: 'b',
    });
    const core = kc.makeApiClient(CoreV1Api);
    let k = 0;
    const t2 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (k < n) await core.createNamespacedPod({ namespace: 'default', body: pod(k++, 'corev1') as never });
      }),
    );
    const rate2 = n / ((performance.now() - t2) / 1000);
    row(`HTTP create, client-node CoreV1Api (${concurrency} in flight)`, rate2, 'writes/s', '>= 2,000', rate2 >= 2000, 'typed API, model (de)serialisation');

    // Watch latency: one write at a time, time until the watch event arrives.
    const lat: number[] = [];
    let pending: ((t: number) => void) | undefined;
    const w = new Watch(kc);
    const ctl = await w.watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: store.resourceVersion, labelSelector: 'bench=latency' },
      () => pending?.(performance.now()),
      () => undefined,
    );
    const samples = quick ? 50 : 500;
    for (let i = 0; i < samples; i++) {
      const got = new Promise<number>((r) => (pending = r));
      const t0 = performance.now();
      await client.create({ ...pod(i, 'lat'), metadata: { name: `lat-${i}`, namespace: 'default', labels: { bench: 'latency' } } });
      lat.push((await got) - t0);
    }
    ctl.abort();
    lat.sort((a, b) => a - b);
    row('HTTP watch latency p50 (write -> event)', lat[Math.floor(lat.length / 2)], 'ms', 'reported', undefined, `${samples} samples, client-node Watch`);
    row('HTTP watch latency p99', lat[Math.floor(lat.length * 0.99)], 'ms', 'reported', undefined, '');
  } finally {
    await server.close();
  }
}

interface ScenarioRun {
  wallMs: number;
  simMs: number;
  events: number;
  peakRssMiB: number;
  pollsSkipped: number;
  alive: { nodes: number; pods: number; podsRunning: number };
  violations: string[];
  programmingErrors: number;
}

/** Runs a scenario in a child process (so its peak RSS is its own) and returns its figures. */
function runChild(file: string, until?: string): ScenarioRun {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // The flags `raysim` itself runs with (its shebang): a 64 MB young generation lets most of a
  // simulation's short-lived objects (request copies, watch events) die before a scavenge.
  const args = ['--expose-gc', '--max-semi-space-size=64', path.join(here, 'scenario-run.js'), file, ...(until ? ['--until', until] : [])];
  process.stderr.write(`  running ${path.basename(file)}${until ? ` for ${until}` : ''} ...\n`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 20 * 60_000 });
  if (r.status !== 0) throw new Error(`${file}: the run failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ScenarioRun;
}

function scenarioRows(label: string, r: ScenarioRun, targets?: { wallS: number; rssMiB: number }): void {
  const wallS = r.wallMs / 1000;
  row(`${label}: wall time`, wallS, 's', targets ? `<= ${targets.wallS} s` : 'reported', targets ? wallS <= targets.wallS : undefined, `${(r.simMs / 86_400_000).toFixed(2)} simulated days`);
  row(`${label}: peak RSS`, r.peakRssMiB, 'MiB', targets ? `<= ${targets.rssMiB} MiB` : 'reported', targets ? r.peakRssMiB <= targets.rssMiB : undefined, '');
  row(`${label}: simulated s per wall s`, r.simMs / r.wallMs, 'x', 'reported', undefined, '');
  row(`${label}: events per wall s`, (r.events / r.wallMs) * 1000, 'events/s', 'reported', undefined, `${r.events.toLocaleString('en-US')} events; ${r.pollsSkipped.toLocaleString('en-US')} idle polls skipped`);
  row(`${label}: pods alive at the end`, r.alive.pods, 'pods', 'reported', undefined, `${r.alive.podsRunning.toLocaleString('en-US')} running on ${r.alive.nodes.toLocaleString('en-US')} nodes`);
  if (r.programmingErrors || r.violations.length) process.stderr.write(`  ${label}: ${r.programmingErrors} controller bugs, expectations: ${r.violations.join('; ') || 'met'}\n`);
}

/** The scenario figures of issue 4: the 30-day fleet and the 5,000-node scale run (quick: 6 fleet hours only). */
function scenarios(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const fleet = path.join(root, 'scenarios', 'h100-fleet-30d.yaml');
  if (quick) {
    scenarioRows('h100-fleet-30d, first 6 h', runChild(fleet, '6h'));
    return;
  }
  scenarioRows('h100-fleet-30d (1,040 nodes, 30 d)', runChild(fleet), { wallS: 60, rssMiB: 2048 });
  scenarioRows('scale: 5,000 nodes, 100k pods (1 h)', runChild(path.join(root, 'bench', 'scenarios', 'scale-5000-nodes.yaml')));
}

async function main(): Promise<void> {
  const n = quick ? 5_000 : 100_000;
  process.stderr.write(`raysim bench${quick ? ' (quick)' : ''}: node ${process.version}\n`);
  await memory(n);
  await storeWrites(n);
  await watchFanout(n, 10);
  await selectorList(n);
  await overHttp(quick ? 500 : 5_000, 16);
  if (!args.includes('--no-scenarios')) scenarios();

  const table = new Table({ head: ['benchmark', 'value', 'unit', 'target', 'met', 'note'], style: { head: [], border: [] } });
  for (const r of rows) table.push([r.name, fmt(r.value), r.unit, r.target, r.met === undefined ? '' : r.met ? 'yes' : 'NO', r.note]);
  console.log(table.toString());
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ quick, node: process.version, rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(3);
  },
);
