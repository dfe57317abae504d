// Two ways to stand up an object store: inside a Simulation (virtual time; deferred work becomes
// urgent events on the heap, so runs are reproducible) or on the wall clock (`raysim apiserver`).

import type { Rng } from '../core/clock.js';
import type { Simulation } from '../core/simulation.js';
import { createRng } from '../core/rng.js';
import { defaultCrdDir, loadCrdDirs } from './manifests.js';
import { MemoryKubeClient } from './memory-client.js';
import { ObjectStore, type StoreOptions } from './store.js';

export interface StoreSetup {
  /** Load the ray.io CRDs from controller/deploy/crds (default true). */
  defaultCrds?: boolean;
  /** More directories of CRD (or any) manifests to load at start. */
  crdDirs?: string[];
  watchWindow?: number;
  freezeObjects?: boolean;
  /** Admission plugin ExtendedResourceToleration (GPU pods tolerate nvidia.com/gpu taints). */
  extendedResourceToleration?: boolean;
}

export function createSimStore(sim: Simulation, rng: Rng, setup: StoreSetup = {}): ObjectStore {
  return withCrds(
    new ObjectStore({
      clock: sim,
      rng,
      defer: (fn) => void sim.after(0, fn, { label: 'apiserver', priority: 'urgent' }),
      watchWindow: setup.watchWindow,
      freezeObjects: setup.freezeObjects,
      extendedResourceToleration: setup.extendedResourceToleration,
    }),
    setup,
  );
}

/**
 * The in-memory KubeClient of a simulation: injected API latency is waited out in virtual time by
 * the calling process. Work not started by the simulation loop (a continuation a watch handler
 * left running) cannot sleep without stalling the loop's bookkeeping, so it goes undelayed.
 */
export function createSimClient(sim: Simulation, store: ObjectStore): MemoryKubeClient {
  return new MemoryKubeClient(store, { delay: (ms) => (sim.canSleep() ? sim.sleep(ms, 'api latency') : Promise.resolve()) });
}

// The wall clock lives with the other real-world timing in controller/runtime/wall-timers.ts.
export { wallClock } from '../../controller/runtime/wall-timers.js';
import { wallClock } from '../../controller/runtime/wall-timers.js';

export function createWallClockStore(seed: string | number, setup: StoreSetup = {}, extra: Partial<StoreOptions> = {}): ObjectStore {
  return withCrds(
    new ObjectStore({ clock: wallClock, rng: createRng(seed), watchWindow: setup.watchWindow, freezeObjects: setup.freezeObjects, ...extra }),
    setup,
  );
}

function withCrds(store: ObjectStore, setup: StoreSetup): ObjectStore {
  const dirs = [...(setup.defaultCrds === false ? [] : [defaultCrdDir()]), ...(setup.crdDirs ?? [])];
  loadCrdDirs(store, dirs);
  return store;
}
