// What the store needs to know about a kind of object: its names (for REST paths, discovery and
// kubectl), its scope, its subresources, how to validate and default it, and which fields it
// indexes. Built-in kinds are listed in builtin-types.ts; CustomResourceDefinitions become
// ResourceTypes at run time (crd.ts).

import type { StatusCause } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';

export type NameRule = 'subdomain' | 'label' | 'dns1035';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** Context handed to built-in defaulting/admission: what a real API server's admission chain sees. */
export interface AdmissionContext {
  now(): number;
  /** Look up another object (e.g. a PriorityClass) without copying; undefined when absent. */
  peek(group: string, plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Every object of a kind, without copying (cluster-scoped lookups such as PriorityClasses). */
  list(group: string, plural: string): KubeObject[];
  /** The ExtendedResourceToleration admission plugin is on: pods asking for an extended
   * resource (nvidia.com/gpu) get a toleration for the taint of the same name. */
  extendedResourceToleration: boolean;
  /** Deterministic allocator, e.g. for Service cluster IPs. */
  allocateClusterIP(): string;
}

export interface ResourceType {
  group: string;
  version: string;
  /** All versions served (CRDs may serve several; conversion is None: only apiVersion changes). */
  servedVersions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** 'status', 'binding', ... — each a REST subresource path segment. */
  subresources: string[];
  nameRule: NameRule;
  /** Field-selector labels accepted on list/watch besides metadata.name and metadata.namespace. */
  fieldLabels: string[];
  /** Field-selector labels answered from an index rather than a scan. */
  indexedFields: string[];
  /** Built-in validation beyond metadata (custom resources use their schema instead). */
  validate?: (obj: KubeObject) => StatusCause[];
  /** Defaulting and admission on create (returns a new object or mutates the given copy). */
  admitCreate?: (obj: KubeObject, ctx: AdmissionContext) => void;
  /** Set for custom resources. */
  crd?: CustomResourceInfo;
}

export interface CustomResourceInfo {
  crdName: string;
  crdUid: string;
  /** openAPIV3Schema per served version. */
  schemas: Record<string, unknown | undefined>;
  printerColumns: Record<string, PrinterColumn[]>;
}

export function apiVersionOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export function hasStatus(rt: ResourceType): boolean {
  return rt.subresources.includes('status');
}

/** "pods" or "rayjobs.ray.io": the group-qualified resource name used in errors and as a registry key. */
export function groupResource(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}
