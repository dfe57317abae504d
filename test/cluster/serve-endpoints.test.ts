// The serve-endpoints observer: one serve.endpoints record per change in a serve Service's ready
// endpoints, nothing for other Services or unselected pods; and serve_downtime_s over them.

import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../controller/api/core-types.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { MemorySink, TraceWriter } from '../../sim/core/trace.js';
import { ServeEndpointsObserver } from '../../sim/cluster/serve-endpoints.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { computeMetrics } from '../../sim/metrics/compute.js';

const NS = 'default';
const POD_ID = { apiVersion: 'v1', kind: 'Pod' };
const SVC_ID = { apiVersion: 'v1', kind: 'Service' };

function setup() {
  const sim = new Simulation();
  const store = createSimStore(sim, createRng('serve').fork('apiserver'), { defaultCrds: false, freezeObjects: true });
  const client = new MemoryKubeClient(store);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, {}, { elapsed: () => sim.elapsed() });
  const observer = new ServeEndpointsObserver(client, { trace, elapsed: () => sim.elapsed() });
  const records = () => sink.records().filter((r) => r.type === 'serve.endpoints').map((r) => [r.t, r.ref && typeof r.ref === 'object' ? r.ref.name : r.ref, r.data]);
  return { sim, client, sink, observer, records };
}

const service = (name: string, cluster: string, serve = true): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: serve ? { 'ray.io/serve': `${name}-serve` } : {} },
  spec: { selector: { 'ray.io/cluster': cluster, 'ray.io/serve': 'true' }, ports: [{ name: 'serve', port: 8000 }] },
});

const pod = (name: string, cluster: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { 'ray.io/cluster': cluster, 'ray.io/serve': 'true' } },
  spec: { nodeName: 'n1', containers: [{ name: 'ray', image: 'rayproject/ray:2.41.0' }] },
});

async function setReady(client: MemoryKubeClient, name: string, ready: boolean): Promise<void> {
  const p = await client.get<Pod>(POD_ID, name, NS);
  await client.updateStatus({
    ...p,
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
}

describe('ServeEndpointsObserver', () => {
  it('records each change of a serve Service ready endpoints; ignores other Services and pods it does not select', async () => {
    const { sim, client, observer, records } = setup();
    await observer.start();
    await client.create(service('llm-serve-svc', 'c1'));
    await client.create(service('plain', 'c1', false));
    await client.create(pod('a', 'c1'));
    await client.create(pod('other', 'c2'));
    await sim.run({ until: sim.now() + 1000 });
    await setReady(client, 'a', true);
    await setReady(client, 'other', true);
    await sim.run({ until: sim.now() + 1000 });
    expect(observer.readyEndpoints(NS, 'llm-serve-svc')).toBe(1);
    expect(observer.readyEndpoints(NS, 'plain')).toBeUndefined();
    // The selector moves to a cluster without ready pods: down; then its pod turns ready: up.
    const svc = await client.get<Service>(SVC_ID, 'llm-serve-svc', NS);
    await client.update({ ...svc, spec: { ...svc.spec, selector: { 'ray.io/cluster': 'c2', 'ray.io/serve': 'false' } } });
    await sim.run({ until: sim.now() + 5000 });
    await client.update({ ...(await client.get<Service>(SVC_ID, 'llm-serve-svc', NS)), spec: { ...svc.spec, selector: { 'ray.io/cluster': 'c2', 'ray.io/serve': 'true' } } });
    await sim.run({ until: sim.now() + 1000 });
    await client.delete(SVC_ID, 'llm-serve-svc', NS);
    await sim.run({ until: sim.now() + 1000 });
    expect(records()).toEqual([
      [0, 'llm-serve-svc', { ready: 0 }],
      [1000, 'llm-serve-svc', { ready: 1 }],
      [2000, 'llm-serve-svc', { ready: 0 }],
      [7000, 'llm-serve-svc', { ready: 1 }],
      [8000, 'llm-serve-svc', { ready: 0, deleted: true }],
    ]);
    // Down from 2 s to 7 s after first serving.
    expect(computeMetrics(sink(records())).serve_downtime_s).toBe(5);
  });
});

/** Minimal trace records for computeMetrics from [t, name, data] triples. */
function sink(rows: unknown[][]) {
  return rows.map(([t, name, data], i) => ({ t: t as number, seq: i + 1, type: 'serve.endpoints', actor: 'endpoints', ref: { kind: 'Service', namespace: NS, name: name as string }, data: data as Record<string, unknown> }));
}

describe('serve_downtime_s', () => {
  const m = (rows: unknown[][], durationMs?: number) => computeMetrics(sink(rows), { durationMs }).serve_downtime_s;

  it('is null until a serve Service has served; down time before that is not downtime', () => {
    expect(m([])).toBeNull();
    expect(m([[0, 's', { ready: 0 }]], 10_000)).toBeNull();
    expect(m([[0, 's', { ready: 0 }], [4000, 's', { ready: 2 }]], 10_000)).toBe(0);
  });

  it('sums the gaps of every serve Service, closing an open gap at deletion or at the end of the run', () => {
    expect(
      m(
        [
          [0, 'a', { ready: 1 }],
          [1000, 'b', { ready: 3 }],
          [2000, 'a', { ready: 0 }],
          [3000, 'b', { ready: 0 }],
          [3500, 'a', { ready: 1 }],
          [6000, 'b', { ready: 0, deleted: true }],
          [8000, 'a', { ready: 0 }],
        ],
        10_000,
      ),
    ).toBe(1.5 + 3 + 2);
  });

  it('a Service deleted and made again under the same name starts afresh', () => {
    expect(m([[0, 'a', { ready: 1 }], [1000, 'a', { ready: 0, deleted: true }], [5000, 'a', { ready: 0 }], [9000, 'a', { ready: 1 }]], 10_000)).toBe(0);
  });
});
