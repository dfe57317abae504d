// CustomResourceDefinitions are objects like any other; when one is stored, its kind is served.
// This module checks a CRD object and turns it into a ResourceType; the store registers it.

import type { StatusCause } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { PrinterColumn, ResourceType } from './resource-type.js';
import { validateStructuralSchema } from './schema.js';

type Obj = Record<string, any>;

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export function validateCrd(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (crd.spec ?? {}) as Obj;
  const req = (field: string, ok: boolean) => {
    if (!ok) causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  };
  req('spec.group', typeof spec.group === 'string' && spec.group !== '');
  // As kube-apiserver: a CRD's group is a domain, which also keeps CRDs out of the core group.
  if (typeof spec.group === 'string' && spec.group !== '' && !spec.group.includes('.'))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.group', message: `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot` });
  req('spec.names.plural', typeof spec.names?.plural === 'string' && spec.names.plural !== '');
  req('spec.names.kind', typeof spec.names?.kind === 'string' && spec.names.kind !== '');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"` });
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`)
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group` });
  const versions = spec.versions;
  if (!Array.isArray(versions) || versions.length === 0) {
    causes.push({ reason: 'FieldValueRequired', field: 'spec.versions', message: 'Required value: must have exactly one version marked as storage version' });
  } else {
    const storage = versions.filter((v: Obj) => v?.storage === true).length;
    if (storage !== 1)
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: `Invalid value: ${JSON.stringify(versions.map((v: Obj) => v?.name))}: must have exactly one version marked as storage version` });
    versions.forEach((v: Obj, i: number) => {
      req(`spec.versions[${i}].name`, typeof v?.name === 'string' && v.name !== '');
      const schema = v?.schema?.openAPIV3Schema;
      if (schema === undefined) {
        causes.push({ reason: 'FieldValueRequired', field: `spec.versions[${i}].schema.openAPIV3Schema`, message: 'Required value: schemas are required' });
      } else {
        for (const problem of validateStructuralSchema(schema, `spec.versions[${i}].schema.openAPIV3Schema`))
          causes.push({ reason: 'FieldValueInvalid', message: problem });
      }
    });
  }
  return causes;
}

/** The ResourceType a valid CRD serves. */
export function resourceTypeFromCrd(crd: KubeObject): ResourceType {
  const spec = crd.spec as Obj;
  const names = spec.names as Obj;
  const versions = spec.versions as Obj[];
  const storage = versions.find((v) => v.storage)!;
  const served = versions.filter((v) => v.served !== false);
  const schemas: Record<string, unknown> = {};
  const printerColumns: Record<string, PrinterColumn[]> = {};
  for (const v of served) {
    schemas[v.name] = v.schema?.openAPIV3Schema;
    printerColumns[v.name] = (v.additionalPrinterColumns ?? []) as PrinterColumn[];
  }
  const subresources: string[] = [];
  const sub = (storage.subresources ?? {}) as Obj;
  if (sub.status) subresources.push('status');
  if (sub.scale) subresources.push('scale');
  return {
    group: spec.group,
    version: storage.name,
    servedVersions: served.map((v) => v.name),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    subresources,
    nameRule: 'subdomain',
    fieldLabels: ((storage.selectableFields ?? []) as Obj[]).map((f) => String(f.jsonPath).replace(/^\./, '')),
    indexedFields: [],
    crd: { crdName: crd.metadata.name!, crdUid: crd.metadata.uid!, schemas, printerColumns },
  };
}

/** The status a real API server gives an established CRD. */
export function establishedStatus(crd: KubeObject, now: string): Obj {
  const spec = crd.spec as Obj;
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    acceptedNames: { ...spec.names, singular: spec.names.singular ?? spec.names.kind.toLowerCase(), listKind: spec.names.listKind ?? `${spec.names.kind}List` },
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: [(spec.versions as Obj[]).find((v) => v.storage)!.name],
  };
}

/**
 * Why a CRD's names cannot be accepted, as the naming controller reports it: its plural or its
 * kind is already served in the group by another resource (another CRD or a built-in kind).
 */
export function crdNameConflict(
  byPlural: ResourceType | undefined,
  byKind: ResourceType | undefined,
  crdName: string,
): { reason: 'PluralConflict' | 'KindConflict'; message: string } | undefined {
  const other = (rt: ResourceType | undefined) => !!rt && (!rt.crd || rt.crd.crdName !== crdName);
  if (other(byPlural)) return { reason: 'PluralConflict', message: `"${byPlural!.plural}" is already in use` };
  if (other(byKind)) return { reason: 'KindConflict', message: `"${byKind!.kind}" is already in use` };
  return undefined;
}

/**
 * The status of a CRD whose names conflict with a served resource: NamesAccepted and Established
 * are False and nothing is served, so the CRD is stored (as by a real API server) but unusable
 * until the conflict is resolved.
 */
export function namesNotAcceptedStatus(crd: KubeObject, now: string, conflict: { reason: string; message: string }): Obj {
  const spec = crd.spec as Obj;
  return {
    acceptedNames: { plural: '', kind: '' },
    conditions: [
      { type: 'NamesAccepted', status: 'False', lastTransitionTime: now, reason: conflict.reason, message: conflict.message },
      { type: 'Established', status: 'False', lastTransitionTime: now, reason: 'NotAccepted', message: 'not all names are accepted' },
    ],
    storedVersions: [(spec.versions as Obj[]).find((v) => v.storage)!.name],
  };
}
