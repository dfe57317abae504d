// Test fixtures for the object store: a store on a manual clock whose deferred work (watch
// delivery, garbage collection, namespace and CRD cleanup) only runs when the test drains it,
// small fluent builders for the objects the tests write, and a watch recorder.

import { expect } from 'vitest';
import { ApiError, type StatusReason } from '../../controller/runtime/api-error.js';
import type { KubeObject, OwnerReference, WatchEvent } from '../../controller/runtime/kube-object.js';
import { createRng } from '../../sim/core/rng.js';
import type { ResourceType } from '../../sim/kube/resource-type.js';
import { ObjectStore, type StoreOptions, type WatchHandle, type WatchOptions } from '../../sim/kube/store.js';

type Obj = Record<string, any>;

/** 2026-01-01T00:00:00Z: a whole second, so rfc3339 output is easy to predict. */
export const T0 = Date.UTC(2026, 0, 1);

export interface Harness {
  store: ObjectStore;
  /** Runs queued deferred work, including work it queues, until none is left; returns how many ran. */
  drain(): number;
  /** Deferred work not yet run. */
  readonly pending: number;
  now(): number;
  advance(ms: number): void;
  rt: {
    pods: ResourceType;
    configmaps: ResourceType;
    namespaces: ResourceType;
    nodes: ResourceType;
    services: ResourceType;
    secrets: ResourceType;
    jobs: ResourceType;
    deployments: ResourceType;
    replicasets: ResourceType;
    priorityclasses: ResourceType;
    crds: ResourceType;
  };
}

export function harness(opts: Partial<StoreOptions> & { seed?: string } = {}): Harness {
  let t = T0;
  const queue: (() => void)[] = [];
  const { seed = 't', ...rest } = opts;
  const store = new ObjectStore({ clock: { now: () => t }, rng: createRng(seed), defer: (fn) => void queue.push(fn), freezeObjects: true, ...rest });
  const t0 = (g: string, p: string) => store.type(g, p);
  return {
    store,
    drain() {
      let n = 0;
      while (queue.length) {
        if (++n > 100_000) throw new Error('deferred work does not settle');
        queue.shift()!();
      }
      return n;
    },
    get pending() {
      return queue.length;
    },
    now: () => t,
    advance(ms) {
      t += ms;
    },
    rt: {
      pods: t0('', 'pods'),
      configmaps: t0('', 'configmaps'),
      namespaces: t0('', 'namespaces'),
      nodes: t0('', 'nodes'),
      services: t0('', 'services'),
      secrets: t0('', 'secrets'),
      jobs: t0('batch', 'jobs'),
      deployments: t0('apps', 'deployments'),
      replicasets: t0('apps', 'replicasets'),
      priorityclasses: t0('scheduling.k8s.io', 'priorityclasses'),
      crds: t0('apiextensions.k8s.io', 'customresourcedefinitions'),
    },
  };
}

// ---------------------------------------------------------------- builders

export class Builder<B extends Builder<B>> {
  protected readonly o: Obj;

  constructor(apiVersion: string, kind: string, name?: string) {
    this.o = { apiVersion, kind, metadata: name === undefined ? {} : { name } };
  }

  private self(): B {
    return this as unknown as B;
  }

  name(n: string): B {
    this.o.metadata.name = n;
    return this.self();
  }

  generateName(prefix: string): B {
    delete this.o.metadata.name;
    this.o.metadata.generateName = prefix;
    return this.self();
  }

  ns(namespace: string): B {
    this.o.metadata.namespace = namespace;
    return this.self();
  }

  labels(l: Record<string, string>): B {
    this.o.metadata.labels = { ...(this.o.metadata.labels ?? {}), ...l };
    return this.self();
  }

  annotations(a: Record<string, string>): B {
    this.o.metadata.annotations = { ...(this.o.metadata.annotations ?? {}), ...a };
    return this.self();
  }

  finalizers(...f: string[]): B {
    this.o.metadata.finalizers = f;
    return this.self();
  }

  /** An ownerReference to a stored object (or a bare uid, for dangling references). */
  owner(owner: KubeObject | { uid: string; name?: string }, opts: { controller?: boolean; block?: boolean } = {}): B {
    const ref: OwnerReference =
      'apiVersion' in owner
        ? { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid! }
        : { apiVersion: 'v1', kind: 'ConfigMap', name: owner.name ?? 'gone', uid: owner.uid };
    if (opts.controller) ref.controller = true;
    if (opts.block) ref.blockOwnerDeletion = true;
    this.o.metadata.ownerReferences = [...(this.o.metadata.ownerReferences ?? []), ref];
    return this.self();
  }

  rv(resourceVersion: string): B {
    this.o.metadata.resourceVersion = resourceVersion;
    return this.self();
  }

  /** Sets a dotted path ("spec.replicas") to a value. */
  set(path: string, value: unknown): B {
    const parts = path.split('.');
    let cur = this.o;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]!] = value;
    return this.self();
  }

  obj(): KubeObject {
    return structuredClone(this.o) as KubeObject;
  }
}

class Generic extends Builder<Generic> {}

export class PodBuilder extends Builder<PodBuilder> {
  constructor(name?: string) {
    super('v1', 'Pod', name);
    this.o.spec = { containers: [{ name: 'main', image: 'busybox:1.36' }] };
  }

  node(n: string): PodBuilder {
    this.o.spec.nodeName = n;
    return this;
  }

  image(image: string, container = 0): PodBuilder {
    this.o.spec.containers[container].image = image;
    return this;
  }

  container(name: string, image = 'busybox:1.36', resources?: { requests?: Obj; limits?: Obj }): PodBuilder {
    const c: Obj = { name, image };
    if (resources) c.resources = resources;
    this.o.spec.containers.push(c);
    return this;
  }

  /** Resources of the first container. */
  resources(r: { requests?: Obj; limits?: Obj }): PodBuilder {
    this.o.spec.containers[0].resources = r;
    return this;
  }

  priorityClass(name: string): PodBuilder {
    this.o.spec.priorityClassName = name;
    return this;
  }

  phase(p: string): PodBuilder {
    this.o.status = { ...(this.o.status ?? {}), phase: p };
    return this;
  }
}

export class ConfigMapBuilder extends Builder<ConfigMapBuilder> {
  constructor(name?: string) {
    super('v1', 'ConfigMap', name);
  }

  data(d: Record<string, string>): ConfigMapBuilder {
    this.o.data = { ...(this.o.data ?? {}), ...d };
    return this;
  }
}

export const pod = (name?: string) => new PodBuilder(name);
export const cm = (name?: string) => new ConfigMapBuilder(name);
export const namespace = (name: string) => new Generic('v1', 'Namespace', name);
export const node = (name: string) => new Generic('v1', 'Node', name);
export const secret = (name: string) => new Generic('v1', 'Secret', name);
export const deployment = (name: string) => new Generic('apps/v1', 'Deployment', name).set('spec.replicas', 1);
export const replicaSet = (name: string) => new Generic('apps/v1', 'ReplicaSet', name).set('spec.replicas', 1);
export const priorityClass = (name: string, value: number) => new Generic('scheduling.k8s.io/v1', 'PriorityClass', name).set('value', value);
export const widget = (name: string) => new Generic('example.com/v1', 'Widget', name).set('spec.size', 1);

/** widgets.example.com: a namespaced CRD with a status subresource, defaults and validation. */
export function widgetCrd(mutate: (crd: Obj) => void = () => {}): KubeObject {
  const crd: Obj = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 1 },
                    color: { type: 'string', enum: ['red', 'green', 'blue'], default: 'red' },
                    name: { type: 'string', maxLength: 5 },
                  },
                },
                status: { type: 'object', properties: { ready: { type: 'boolean' }, count: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  };
  mutate(crd);
  return crd as KubeObject;
}

// ---------------------------------------------------------------- assertions

/** Runs fn, expects an ApiError with the code (and reason), and returns it. */
export function apiError(fn: () => unknown, code: number, reason?: StatusReason): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an ApiError').toBeInstanceOf(ApiError);
  const err = caught as ApiError;
  expect({ code: err.code, reason: err.reason, message: err.message }).toMatchObject({ code, ...(reason ? { reason } : {}) });
  return err;
}

/** The field paths of a 422's causes. */
export function fields(err: ApiError): (string | undefined)[] {
  return (err.details?.causes ?? []).map((c) => c.field);
}

// ---------------------------------------------------------------- watch recorder

export interface Recorder {
  events: WatchEvent[];
  /** undefined while open; null when closed without error; the error otherwise. */
  closed: ApiError | null | undefined;
  handle: WatchHandle;
  /** Event types and names, e.g. "ADDED a". */
  summary(): string[];
  /** Make the listener return false (apply backpressure) on its next event. */
  pauseNext(): void;
}

export function record(store: ObjectStore, rt: ResourceType, opts: WatchOptions = {}, pauseEvery = 0): Recorder {
  let pauseNext = false;
  const rec: Recorder = {
    events: [],
    closed: undefined,
    handle: undefined as unknown as WatchHandle,
    summary: () => rec.events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`.trim()),
    pauseNext: () => {
      pauseNext = true;
    },
  };
  rec.handle = store.watch(rt, opts, {
    event(e) {
      rec.events.push(e);
      if (pauseNext || (pauseEvery > 0 && rec.events.length % pauseEvery === 0)) {
        pauseNext = false;
        return false;
      }
      return true;
    },
    closed(err) {
      rec.closed = err ?? null;
    },
  });
  return rec;
}

/** Names of a list's items. */
export function names(list: { items: KubeObject[] }): string[] {
  return list.items.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!));
}
