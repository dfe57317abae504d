// The in-memory KubeClient: direct calls on the object store with no HTTP in between. Reads and
// writes copy objects (callers own what they get back); watch events share the store's immutable
// objects, as an informer cache shares its objects in client-go. Injected latency faults are
// waited out through the `delay` the composition root supplies (virtual time in simulation).

import { ApiError } from '../../controller/runtime/api-error.js';
import type {
  ClientListOptions,
  ClientPatchOptions,
  ClientWatchOptions,
  ClientWriteOptions,
  KubeClient,
  ResourceId,
  Watch,
  WatchHandler,
  WriteResult,
} from '../../controller/runtime/kube-client.js';
import { partialObjectMetadata } from '../../controller/runtime/kube-client.js';
import type { DeleteOptions, KubeList, KubeObject, PatchType } from '../../controller/runtime/kube-object.js';
import { deepClone } from './clone.js';
import type { Verb } from './faults.js';
import type { ObjectStore } from './store.js';

export interface MemoryClientOptions {
  /** Waits out injected latency; without it latency faults are ignored. */
  delay?: (ms: number) => Promise<void>;
  /**
   * This client's requests never see injected faults. For the simulated infrastructure's own
   * bookkeeping (kubelet hooks, the Ray runtime, node pools), so API chaos hits the controllers
   * under test and not the stage they run on.
   */
  exemptFromFaults?: boolean;
}

export class MemoryKubeClient implements KubeClient {
  constructor(
    readonly store: ObjectStore,
    private readonly opts: MemoryClientOptions = {},
  ) {}

  private async call<R>(verb: Verb, fn: () => R): Promise<R> {
    const faults = this.store.faults;
    if (this.opts.exemptFromFaults) {
      // Store calls are synchronous, so suspending around one cannot leak to other callers.
      faults.suspended++;
      try {
        return fn();
      } finally {
        faults.suspended--;
      }
    }
    const delay = this.opts.delay;
    if (delay && faults.active) {
      const ms = faults.latency(verb);
      if (ms > 0) await delay(ms);
    }
    return fn();
  }

  async get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): Promise<T> {
    return this.call('get', () => deepClone(this.store.get(this.store.typeFor(id), namespace, name)) as T);
  }

  async list<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientListOptions = {}): Promise<KubeList<T>> {
    return this.call('list', () => {
      const list = this.store.list(this.store.typeFor(id), opts);
      return { ...list, metadata: { ...list.metadata }, items: list.items.map((o) => deepClone(o)) } as KubeList<T>;
    });
  }

  async create<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    return this.call('create', () => answer<T, O>(this.store.create(this.store.typeFor(obj), obj, opts ?? {}), opts));
  }

  async update<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    return this.call('update', () => answer<T, O>(this.store.update(this.store.typeFor(obj), obj, opts ?? {}), opts));
  }

  async updateStatus<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>> {
    return this.call('update', () => answer<T, O>(this.store.update(this.store.typeFor(obj), obj, opts ?? {}, 'status'), opts));
  }

  async patch<T extends KubeObject = KubeObject, O extends ClientPatchOptions = ClientPatchOptions>(
    id: ResourceId,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts?: O,
  ): Promise<WriteResult<T, O>> {
    return this.call('patch', () => answer<T, O>(this.store.patch(this.store.typeFor(id), namespace, name, type, patch, opts ?? {}, opts?.subresource), opts));
  }

  async delete(id: ResourceId, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    return this.call('delete', () => deepClone(this.store.delete(this.store.typeFor(id), namespace, name, opts)));
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    await this.call('create', () =>
      this.store.bind(namespace, podName, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      }),
    );
  }

  watch<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientWatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    let startFailure: { error: ApiError | undefined } | undefined;
    const started = this.call('watch', (): Watch => {
      const rt = this.store.typeFor(id);
      try {
        const h = this.store.watch(rt, { ...opts, exemptFromFaults: this.opts.exemptFromFaults }, {
          event: (e) => {
            handler.event(e as never);
          },
          closed: (err?: ApiError) => handler.closed(err),
        });
        return { stop: () => h.stop() };
      } catch (e) {
        // As over HTTP, where the server answers a watch with 200 and then an ERROR event: a watch
        // that cannot start (410 for a resourceVersion older than the window, 400 for a bad one,
        // an injected fault) is reported through closed(err), not by rejecting.
        if (!(e instanceof ApiError)) throw e;
        const failed = { error: e as ApiError | undefined, stop: () => void (failed.error = undefined) };
        startFailure = failed;
        return { stop: failed.stop };
      }
    });
    // Report the failure once the caller holds the Watch: this reaction is registered on `started`
    // before the caller's own await, and queues closed() behind the caller's resumption.
    started.then(
      () =>
        queueMicrotask(() => {
          const err = startFailure?.error;
          if (err) handler.closed(err);
        }),
      () => undefined,
    );
    return started;
  }
}

/** A write's answer: a copy of the stored object, or of its metadata only when asked (the copy
 * that metadata-only writers save is most of a write's cost for large objects such as RayJobs). */
function answer<T, O extends ClientWriteOptions>(stored: KubeObject, opts: O | undefined): WriteResult<T, O> {
  if (opts?.as === 'PartialObjectMetadata') return partialObjectMetadata({ ...stored, metadata: deepClone(stored.metadata) }) as WriteResult<T, O>;
  return deepClone(stored) as WriteResult<T, O>;
}
