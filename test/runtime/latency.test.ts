// Injected API latency in a simulation is virtual time: a controller waiting on a slow API call
// sleeps, the clock advances, other work runs meanwhile, and nothing deadlocks.

import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { createSimClient, createSimStore } from '../../sim/kube/create-store.js';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

describe('API latency faults in simulation', () => {
  it('makes writes take virtual time while other events keep running', async () => {
    const sim = new Simulation({ startTime: 0 });
    const store = createSimStore(sim, createRng('lat'), { defaultCrds: false });
    store.faults.configure({ latencyMs: { create: 200 } });
    const client = createSimClient(sim, store);
    const done: number[] = [];
    const ticks: number[] = [];
    sim.at(0, async () => {
      for (let i = 0; i < 3; i++) {
        await client.create({ ...CM, metadata: { name: `cm-${i}`, namespace: 'default' } });
        done.push(sim.now());
      }
    });
    for (const t of [100, 300, 500]) sim.at(t, () => void ticks.push(sim.now()));
    await sim.run();
    expect(done).toEqual([200, 400, 600]);
    expect(ticks).toEqual([100, 300, 500]);
    expect(store.list(store.type('', 'configmaps'), { namespace: 'default' }).items.map((o) => o.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2']);
  });
});
