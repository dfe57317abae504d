// The one interface every controller talks to the cluster through. Two implementations run the
// same conformance suite: the in-memory client (direct calls on the simulation's object store)
// and the client-node client (any Kubernetes API server: raysim's own, kind, or a real cluster).

import type { ApiError } from './api-error.js';
import type { DeleteOptions, KubeList, KubeObject, PatchType, WatchEvent } from './kube-object.js';

/** Which kind of object: the apiVersion and kind an object of it carries. */
export interface ResourceId {
  apiVersion: string;
  kind: string;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ClientListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ClientWriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface ClientPatchOptions extends ClientWriteOptions {
  subresource?: 'status';
}

export interface ClientWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; "" or "0" first replays every current object as ADDED. */
  resourceVersion?: string;
  allowBookmarks?: boolean;
}

export interface WatchHandler<T extends KubeObject = KubeObject> {
  /** Objects delivered by the in-memory client are shared and read-only: copy before changing. */
  event(e: WatchEvent<T>): void;
  /**
   * The stream ended; err.code 410 means the client must list again before watching. A watch
   * that cannot start at all (too old or bad resourceVersion, server unreachable, HTTP error)
   * also ends here, never before watch() has resolved. Not called after Watch.stop().
   */
  closed(err?: ApiError): void;
}

export interface Watch {
  stop(): void;
}

export interface KubeClient {
  get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(id: ResourceId, opts?: ClientListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>;
  /** PUT of the main resource: status is ignored when the kind has a status subresource. */
  update<T extends KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>;
  /** PUT of /status: everything but status is ignored. */
  updateStatus<T extends KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    id: ResourceId,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts?: ClientPatchOptions,
  ): Promise<T>;
  /** Returns the object as the server last saw it (still present when finalizers hold it). */
  delete(id: ResourceId, name: string, namespace?: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
  /** pods/binding: assigns a pending pod to a node. */
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void>;
  /** Without opts.namespace a namespaced kind is watched across all namespaces (list likewise). */
  watch<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientWatchOptions, handler: WatchHandler<T>): Promise<Watch>;
}
