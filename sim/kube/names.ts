// Kubernetes object-name and ObjectMeta validation, as pure functions returning StatusCauses worded
// exactly like the real API server (k8s.io/apimachinery/pkg/api/validation and .../util/validation/field;
// the string checks of .../util/validation come from controller/api/k8s-names.ts). Also home of the field-error formatting helpers shared with schema.ts:
// a StatusCause's message is field.Error.ErrorBody(), e.g. `Invalid value: "Foo": <detail>`.

import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  memoiseGood,
} from '../../controller/api/k8s-names.js';
import type { StatusCause } from '../../controller/runtime/api-error.js';

// ---------------------------------------------------------------------------------------------
// field.Error rendering
// ---------------------------------------------------------------------------------------------

/** field.ErrorType values; they double as metav1.CauseType (StatusCause.reason). */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const TYPE_STRINGS: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Marker for "no bad value to print" (field.omitValue). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/** Go's strconv.Quote (what `%q` prints) for a JS string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if ((c >= 0x80 && c <= 0x9f) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // lone surrogate: invalid UTF-8 in Go
    else out += ch;
  }
  return out + '"';
}

/** Go's `%v` for a float64 (strconv.FormatFloat(f, 'g', -1, 64)). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  // Shortest 'g' switches to %e when the exponent is < -4 or >= 6 (the shortest-precision rule).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(v);
}

/** How Go prints a JSON number decoded into unstructured content: integers are int64, others float64. */
export function goNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return String(v);
  return goFloat(v);
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v !== null && typeof v === 'object') {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return v; // keeps its own (struct) order
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      Object.defineProperty(out, k, { value: sortKeysDeep((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/** Go's json.Marshal of unstructured content: map keys sorted, HTML characters escaped. */
export function goJson(v: unknown, sortKeys = true): string {
  const s = JSON.stringify(sortKeys ? sortKeysDeep(v) : v) ?? 'null';
  return s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** How field.Error.ErrorBody renders a bad value. */
export function formatBadValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return goQuote(v);
    case 'number': return goNumber(v);
    case 'boolean': return String(v);
    case 'bigint': return v.toString();
    default: return goJson(v);
  }
}

/** Build a StatusCause the way the API server derives one from a field.Error. */
export function fieldError(type: FieldErrorType, field: string, value: unknown, detail: string): StatusCause {
  let body = TYPE_STRINGS[type];
  const valueless = type === 'FieldValueRequired' || type === 'FieldValueForbidden' || type === 'FieldValueTooLong' || type === 'InternalError';
  if (!valueless && value !== OMIT_VALUE) body += `: ${formatBadValue(value)}`;
  if (detail) body += `: ${detail}`;
  return { reason: type, field, message: body };
}

export const fieldInvalid = (field: string, value: unknown, detail: string): StatusCause => fieldError('FieldValueInvalid', field, value, detail);
export const fieldTypeInvalid = (field: string, value: unknown, detail: string): StatusCause => fieldError('FieldValueTypeInvalid', field, value, detail);
export const fieldRequired = (field: string, detail = ''): StatusCause => fieldError('FieldValueRequired', field, '', detail);
export const fieldForbidden = (field: string, detail: string): StatusCause => fieldError('FieldValueForbidden', field, '', detail);
export const fieldDuplicate = (field: string, value: unknown): StatusCause => fieldError('FieldValueDuplicate', field, value, '');
export function fieldNotSupported(field: string, value: unknown, validValues: string[]): StatusCause {
  const detail = validValues.length ? 'supported values: ' + validValues.map(goQuote).join(', ') : '';
  return fieldError('FieldValueNotSupported', field, value, detail);
}
export function fieldTooLong(field: string, maxLength: number): StatusCause {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return fieldError('FieldValueTooLong', field, '', detail);
}
export function fieldTooMany(field: string, actual: number, max: number): StatusCause {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return fieldError('FieldValueTooMany', field, actual >= 0 ? actual : OMIT_VALUE, detail);
}

/** field.Error.Error(): "<field>: <body>", the form joined into an Invalid status message. */
export function causeToString(c: StatusCause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}

// ---------------------------------------------------------------------------------------------
// String checks (k8s.io/apimachinery/pkg/util/validation), returning bare messages: they live in
// controller/api/k8s-names.ts and are re-exported here for the rest of sim/kube.
// ---------------------------------------------------------------------------------------------

export {
  DNS1035_LABEL_MAX_LENGTH,
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  LABEL_VALUE_MAX_LENGTH,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
} from '../../controller/api/k8s-names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Namespace names repeat on nearly every write: remember the ones that passed. */
const isNamespaceName = memoiseGood(isDns1123Label);

/** content.IsPathSegmentName / IsPathSegmentPrefix (names of embedded resources). */
export function isPathSegmentName(name: string, prefix = false): string[] {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Field-level validators
// ---------------------------------------------------------------------------------------------

function toCauses(field: string, value: string, msgs: string[]): StatusCause[] {
  return msgs.map((m) => fieldInvalid(field, value, m));
}

/** Name must be a lowercase RFC 1123 subdomain (<= 253): most resources, CRs included. */
export function validateDns1123Subdomain(value: string, fieldPath = 'metadata.name'): StatusCause[] {
  return toCauses(fieldPath, value, isDns1123Subdomain(value));
}

/** Name must be a lowercase RFC 1123 label (<= 63): namespaces, for instance. */
export function validateDns1123Label(value: string, fieldPath = 'metadata.name'): StatusCause[] {
  return toCauses(fieldPath, value, isDns1123Label(value));
}

/** Name must be a DNS-1035 label (<= 63, starts with a letter): services, for instance. */
export function validateDns1035Label(value: string, fieldPath = 'metadata.name'): StatusCause[] {
  return toCauses(fieldPath, value, isDns1035Label(value));
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** v1validation.ValidateLabels: keys are qualified names, values valid label values (<= 63). */
export function validateLabels(labels: Record<string, string> | undefined | null, fieldPath = 'metadata.labels'): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (!isRecord(labels)) return [fieldInvalid(fieldPath, labels, 'must be a map of string keys to string values')];
  const causes: StatusCause[] = [];
  // for-in rather than Object.entries: this runs on every write and should not allocate.
  for (const k in labels) {
    const v = labels[k];
    const keyErrs = isQualifiedName(k);
    if (keyErrs.length) causes.push(...toCauses(fieldPath, k, keyErrs));
    if (typeof v !== 'string') {
      causes.push(fieldInvalid(fieldPath, v, 'must be a string'));
      continue;
    }
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) causes.push(...toCauses(fieldPath, v, valueErrs));
  }
  return causes;
}

/** ValidateAnnotations: keys are qualified names (checked lower-cased), total size <= 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, fieldPath = 'metadata.annotations'): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isRecord(annotations)) return [fieldInvalid(fieldPath, annotations, 'must be a map of string keys to string values')];
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) causes.push(fieldInvalid(fieldPath, k, m));
    if (typeof v !== 'string') causes.push(fieldInvalid(fieldPath, v, 'must be a string'));
    total += byteLen(k) + (typeof v === 'string' ? byteLen(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) causes.push(fieldTooLong(fieldPath, TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return causes;
}

/** ValidateFinalizers: each a qualified name; "orphan" and "foregroundDeletion" are exclusive. */
export function validateFinalizers(finalizers: unknown, fieldPath = 'metadata.finalizers'): StatusCause[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [fieldInvalid(fieldPath, finalizers, 'must be a list of strings')];
  const causes: StatusCause[] = [];
  for (const f of finalizers) {
    if (typeof f !== 'string') {
      causes.push(fieldInvalid(fieldPath, f, 'must be a string'));
      continue;
    }
    causes.push(...toCauses(fieldPath, f, isQualifiedName(f)));
  }
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    causes.push(fieldInvalid(fieldPath, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return causes;
}

/** schema.ParseGroupVersion */
export function parseGroupVersion(gv: string): { group: string; version: string } | { error: string } {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const slashes = gv.split('/').length - 1;
  if (slashes === 0) return { group: '', version: gv };
  if (slashes === 1) {
    const i = gv.indexOf('/');
    return { group: gv.slice(0, i), version: gv.slice(i + 1) };
  }
  return { error: `unexpected GroupVersion string: ${gv}` };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** ValidateOwnerReferences: apiVersion/kind/name/uid set, at most one controller reference. */
export function validateOwnerReferences(refs: unknown, fieldPath = 'metadata.ownerReferences'): StatusCause[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [fieldInvalid(fieldPath, refs, 'must be a list of owner references')];
  const causes: StatusCause[] = [];
  let firstController = '';
  refs.forEach((raw, idx) => {
    const p = `${fieldPath}[${idx}]`;
    const ref = isRecord(raw) ? raw : {};
    const apiVersion = str(ref.apiVersion);
    const kind = str(ref.kind);
    const gv = parseGroupVersion(apiVersion);
    if (apiVersion.length === 0) causes.push(fieldRequired(`${p}.apiVersion`, 'must not be empty'));
    else if ('error' in gv || gv.version.length === 0) causes.push(fieldInvalid(`${p}.apiVersion`, apiVersion, 'must be <group>/<version> or <version>'));
    if (kind.length === 0) causes.push(fieldRequired(`${p}.kind`, 'must not be empty'));
    if (str(ref.name).length === 0) causes.push(fieldRequired(`${p}.name`, 'must not be empty'));
    if (str(ref.uid).length === 0) causes.push(fieldRequired(`${p}.uid`, 'must not be empty'));
    if (!('error' in gv) && gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      causes.push(fieldInvalid(p, ownerRefJson(ref), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${kind}/${str(ref.name)}`;
      if (firstController !== '') {
        causes.push(
          fieldInvalid(fieldPath, refs.map((r) => ownerRefJson(isRecord(r) ? r : {})), `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else {
        firstController = cur;
      }
    }
  });
  return causes;
}

/** An OwnerReference in Go's struct field order (json.Marshal of metav1.OwnerReference). */
function ownerRefJson(r: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { apiVersion: str(r.apiVersion), kind: str(r.kind), name: str(r.name), uid: str(r.uid) };
  if (typeof r.controller === 'boolean') o.controller = r.controller;
  if (typeof r.blockOwnerDeletion === 'boolean') o.blockOwnerDeletion = r.blockOwnerDeletion;
  return new OrderedJson(o) as unknown as Record<string, unknown>;
}

/** Wraps an object so goJson keeps its key order (Go structs marshal in declaration order). */
class OrderedJson {
  constructor(private readonly value: Record<string, unknown>) {}
  toJSON(): Record<string, unknown> {
    return this.value;
  }
}

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'pathSegment';

export interface ObjectMetaValidationOptions {
  /** Which name rule applies: DNS-1123 subdomain (CRs, most kinds), label, DNS-1035 label, or path segment (embedded resources). */
  nameRule: NameRule;
  /** Namespaced kinds need metadata.namespace; cluster-scoped kinds must not have one. */
  namespaced: boolean;
  /** Path prefix of the metadata, "metadata" unless validating an embedded object. */
  fieldPath?: string;
}

/** generic.maskTrailingDash (note: Go drops the last two characters before appending "a"). */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name;
}

function nameMessages(rule: NameRule, name: string, prefix: boolean): string[] {
  if (rule === 'pathSegment') return isPathSegmentName(name, prefix);
  const n = prefix ? maskTrailingDash(name) : name;
  switch (rule) {
    case 'subdomain': return isDns1123Subdomain(n);
    case 'label': return isDns1123Label(n);
    case 'dns1035': return isDns1035Label(n);
  }
}

/**
 * ValidateObjectMetaAccessor for a create: name (or generateName) is required and valid, namespace
 * required iff namespaced (and a DNS label), generation non-negative, labels, annotations,
 * ownerReferences and finalizers. A missing name is only an error when generateName is missing too
 * (the server generates the name from generateName before it validates).
 */
export function validateObjectMeta(meta: unknown, opts: ObjectMetaValidationOptions): StatusCause[] {
  const fp = opts.fieldPath ?? 'metadata';
  if (meta !== undefined && meta !== null && !isRecord(meta)) return [fieldInvalid(fp, meta, 'must be an object')];
  const m = (meta ?? {}) as Record<string, unknown>;
  const causes: StatusCause[] = [];
  const name = str(m.name);
  const generateName = str(m.generateName);
  if (m.name !== undefined && m.name !== null && typeof m.name !== 'string') causes.push(fieldInvalid(`${fp}.name`, m.name, 'must be a string'));
  if (generateName.length > 0) {
    for (const msg of nameMessages(opts.nameRule, generateName, true)) causes.push(fieldInvalid(`${fp}.generateName`, generateName, msg));
  }
  if (name.length === 0) {
    if (generateName.length === 0) causes.push(fieldRequired(`${fp}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameMessages(opts.nameRule, name, false)) causes.push(fieldInvalid(`${fp}.name`, name, msg));
  }
  const namespace = str(m.namespace);
  if (opts.namespaced) {
    if (namespace.length === 0) causes.push(fieldRequired(`${fp}.namespace`));
    else for (const msg of isNamespaceName(namespace)) causes.push(fieldInvalid(`${fp}.namespace`, namespace, msg));
  } else if (namespace.length > 0) {
    causes.push(fieldForbidden(`${fp}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) causes.push(fieldInvalid(`${fp}.generation`, m.generation, 'must be greater than or equal to 0'));
  causes.push(...validateLabels(m.labels as Record<string, string> | undefined, `${fp}.labels`));
  causes.push(...validateAnnotations(m.annotations as Record<string, string> | undefined, `${fp}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${fp}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${fp}.finalizers`));
  return causes;
}
