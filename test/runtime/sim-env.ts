// Test fixtures for the controller runtime: an in-memory API server inside a Simulation (watch
// delivery as urgent events), and small ConfigMap builders.

import type { ResourceId } from '../../controller/runtime/kube-client.js';
import type { KubeObject, OwnerReference } from '../../controller/runtime/kube-object.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import type { ObjectStore } from '../../sim/kube/store.js';
import type { Rng } from '../../sim/core/clock.js';

export const CM: ResourceId = { apiVersion: 'v1', kind: 'ConfigMap' };
export const NS = 'default';

export interface SimEnv {
  sim: Simulation;
  rng: Rng;
  store: ObjectStore;
  client: MemoryKubeClient;
}

export function simEnv(opts: { seed?: string; watchWindow?: number } = {}): SimEnv {
  const sim = new Simulation();
  const rng = createRng(opts.seed ?? 'runtime-test');
  const store = createSimStore(sim, rng.fork('apiserver'), { defaultCrds: false, watchWindow: opts.watchWindow, freezeObjects: true });
  return { sim, rng, store, client: new MemoryKubeClient(store) };
}

export interface CmOptions {
  namespace?: string;
  labels?: Record<string, string>;
  data?: Record<string, string>;
  owner?: KubeObject;
  owners?: OwnerReference[];
}

export function cm(name: string, o: CmOptions = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: o.namespace ?? NS };
  if (o.labels) metadata.labels = o.labels;
  const owners = [...(o.owners ?? [])];
  if (o.owner) owners.push(ownerRef(o.owner));
  if (owners.length) metadata.ownerReferences = owners;
  const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  if (o.data) obj.data = o.data;
  return obj;
}

export function ownerRef(owner: KubeObject, controller = true): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller };
}

export function names(objs: KubeObject[]): string[] {
  return objs.map((o) => o.metadata.name!);
}

/** A ConfigMap's data (objects are untyped beyond metadata). */
export function dataOf(o: KubeObject | undefined): Record<string, string> | undefined {
  return o?.data as Record<string, string> | undefined;
}
