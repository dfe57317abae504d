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
  /**
   * 'PartialObjectMetadata': answer with the written object's metadata only, as the API server
   * does for `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`. For writers
   * that need no more than the new name or resourceVersion back (status writes, Events, pods
   * made from a template): the in-memory client then copies metadata instead of the whole object.
   */
  as?: 'PartialObjectMetadata';
}

/** Write options asking for metadata only. */
export const METADATA_ONLY = { as: 'PartialObjectMetadata' } as const satisfies ClientWriteOptions;

/** A write's answer with `as: 'PartialObjectMetadata'`. */
export interface PartialObjectMetadata extends KubeObject {
  apiVersion: 'meta.k8s.io/v1';
  kind: 'PartialObjectMetadata';
}

/** What a write returns: the object, or its metadata when the options ask for that. */
export type WriteResult<T, O> = O extends { as: 'PartialObjectMetadata' } ? PartialObjectMetadata : T;

/**
 * PUT /status asking for metadata only, answered as `obj` with the status sent and the server's new
 * metadata. For kinds whose /status stores what it is sent (built-ins here: pods, Jobs), that is
 * the object as written, without copying it back from the server.
 */
export async function updateStatusAsSent<T extends KubeObject>(client: KubeClient, obj: T, status: T['status']): Promise<T> {
  const written = await client.updateStatus<T, typeof METADATA_ONLY>({ ...obj, status }, METADATA_ONLY);
  return { ...obj, metadata: written.metadata, status };
}

/** The metadata-only form of an object (what the API server sends for as=PartialObjectMetadata). */
export function partialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: obj.metadata };
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
  create<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>>;
  /** PUT of the main resource: status is ignored when the kind has a status subresource. */
  update<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>>;
  /** PUT of /status: everything but status is ignored. */
  updateStatus<T extends KubeObject, O extends ClientWriteOptions = ClientWriteOptions>(obj: T, opts?: O): Promise<WriteResult<T, O>>;
  patch<T extends KubeObject = KubeObject, O extends ClientPatchOptions = ClientPatchOptions>(
    id: ResourceId,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts?: O,
  ): Promise<WriteResult<T, O>>;
  /** Returns the object as the server last saw it (still present when finalizers hold it). */
  delete(id: ResourceId, name: string, namespace?: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
  /** pods/binding: assigns a pending pod to a node. */
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void>;
  /** Without opts.namespace a namespaced kind is watched across all namespaces (list likewise). */
  watch<T extends KubeObject = KubeObject>(id: ResourceId, opts: ClientWatchOptions, handler: WatchHandler<T>): Promise<Watch>;
}
