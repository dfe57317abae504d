// Structural-schema handling of a CRD version's `schema.openAPIV3Schema`, in the order the real
// API server (k8s.io/apiextensions-apiserver) applies it to a custom resource on create/update:
//
//   1. prune unknown fields (pkg/apiserver/schema/pruning), then drop non-nullable nulls that have
//      no default (schema/defaulting/prunenulls.go),
//   2. apply `default`s (schema/defaulting/algorithm.go),
//   3. validate with the OpenAPI schema validator (kube-openapi's validate package, errors converted
//      by apiserver/validation.kubeOpenAPIResultToFieldErrors), plus embedded-resource and
//      x-kubernetes-list-type checks.
//
// Validation uses Ajv on a translation of the Kubernetes OpenAPI v3 dialect; every Ajv error is
// reworded to what the real server says, e.g.
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"

import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { StatusCause } from '../../controller/runtime/api-error.js';
import {
  causeToString,
  fieldDuplicate,
  fieldError,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
  fieldTooMany,
  fieldTypeInvalid,
  goFloat,
  goJson,
  goQuote,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  parseGroupVersion,
  validateObjectMeta,
} from './names.js';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** apiextensions.k8s.io/v1 JSONSchemaProps (the keywords that matter here; other keys are tolerated at runtime). */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps | JSONSchemaProps[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: unknown[];
  $ref?: string;
}

export interface PruneResult {
  /** A pruned deep copy; the input is never modified. */
  pruned: Record<string, unknown>;
  /** Paths of dropped fields, sorted, as the server words them: "spec.foo", "spec.items[0].bar". */
  unknownFields: string[];
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ProcessResult {
  /** The pruned and defaulted object (a copy). */
  object: Record<string, unknown>;
  /** Warning texts (fieldValidation=Warn): `unknown field "spec.foo"`. */
  warnings: string[];
  /** Schema validation failures: raise `errors.invalid(kind, group, name, causes)` (422) when non-empty. */
  causes: StatusCause[];
  /** fieldValidation=Strict only: `unknown field "spec.foo"` each; raise 400 with {@link strictDecodingErrorMessage}. */
  strictErrors: string[];
  /** What pruning dropped, whatever fieldValidation says. */
  unknownFields: string[];
}

export type SchemaValidator = (obj: unknown) => StatusCause[];

// ---------------------------------------------------------------------------------------------
// Small JSON helpers
// ---------------------------------------------------------------------------------------------

type JsonMap = Record<string, unknown>;

export const isRecord = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const schemaOf = (v: unknown): JSONSchemaProps | undefined => (isRecord(v) ? (v as JSONSchemaProps) : undefined);

/** Assign without tripping over keys such as "__proto__". */
export function setOwn(o: JsonMap, k: string, v: unknown): void {
  // Plain assignment is many times faster; only "__proto__" would hit the prototype setter.
  if (k !== '__proto__') o[k] = v;
  else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (isRecord(v)) {
    const out: JsonMap = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneJson(v[k]));
    return out as T;
  }
  return v;
}

function propSchema(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  if (!s || !isRecord(s.properties) || !hasOwn(s.properties, k)) return undefined;
  return schemaOf(s.properties[k]) ?? {};
}

/** additionalProperties as the structural schema sees it: present (even as a bool) vs. its schema. */
const hasAdditional = (s: JSONSchemaProps | undefined): boolean => s !== undefined && s.additionalProperties !== undefined && s.additionalProperties !== null;
const additionalSchema = (s: JSONSchemaProps | undefined): JSONSchemaProps | undefined => schemaOf(s?.additionalProperties);
const itemsSchema = (s: JSONSchemaProps | undefined): JSONSchemaProps | undefined => schemaOf(s?.items);

const childPath = (p: string, k: string): string => (p ? `${p}.${k}` : k);
const indexPath = (p: string, i: number): string => `${p}[${i}]`;
const keyPath = (p: string, k: string): string => `${p}[${k}]`;

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

// ---------------------------------------------------------------------------------------------
// a. Pruning
// ---------------------------------------------------------------------------------------------

/**
 * Drop every field the schema does not declare (pruning.PruneWithOptions with isResourceRoot=true):
 * recursion follows properties, items and additionalProperties; `x-kubernetes-preserve-unknown-fields`
 * keeps undeclared fields (declared ones below it are still pruned); `x-kubernetes-embedded-resource`
 * (and the root) keep apiVersion, kind and metadata, which the server handles itself.
 */
export function prune(obj: unknown, schema: JSONSchemaProps | null | undefined, inPlace = false): PruneResult {
  const pruned = inPlace ? obj : cloneJson(obj);
  const unknownFields: string[] = [];
  if (schema === null || schema === undefined) return { pruned: (isRecord(pruned) ? pruned : {}) as JsonMap, unknownFields }; // no schema: keep all
  const root: JSONSchemaProps = { ...(schema ?? {}), 'x-kubernetes-embedded-resource': true };
  pruneNode(pruned, root, [], unknownFields);
  unknownFields.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { pruned: (isRecord(pruned) ? pruned : {}) as JsonMap, unknownFields };
}

// Pruning walks every field of every write and almost never drops one, so the path is kept as a
// stack of segments (a key, or an array index) and spelled out only for a field it drops.
type PathStack = (string | number)[];

function spell(path: PathStack, last: string): string {
  let out = '';
  for (const seg of path) out = typeof seg === 'number' ? indexPath(out, seg) : childPath(out, seg);
  return childPath(out, last);
}

function pruneNode(x: unknown, s: JSONSchemaProps | undefined, path: PathStack, out: string[]): void {
  if (s && s['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, s, path, out);
    return;
  }
  if (isRecord(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        out.push(spell(path, k));
        delete x[k];
      }
      return;
    }
    const embedded = s['x-kubernetes-embedded-resource'] === true;
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = propSchema(s, k);
      const sub = prop ?? (hasAdditional(s) ? additionalSchema(s) : null);
      if (sub !== null) {
        const v = x[k];
        // Scalars have nothing below them to prune.
        if (v !== null && typeof v === 'object') {
          path.push(k);
          pruneNode(v, sub, path, out);
          path.pop();
        }
      } else {
        if (!META_FIELDS.has(k) || path.length !== 0) out.push(spell(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v !== null && typeof v === 'object') {
        path.push(i);
        pruneNode(v, items, path, out);
        path.pop();
      }
    }
  }
}

function skipPrune(x: unknown, s: JSONSchemaProps | undefined, path: PathStack, out: string[]): void {
  if (!s) return;
  if (isRecord(x)) {
    const embedded = s['x-kubernetes-embedded-resource'] === true;
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = propSchema(s, k);
      const sub = prop ?? (hasAdditional(s) ? additionalSchema(s) : null);
      if (sub === null) continue;
      path.push(k);
      pruneNode(x[k], sub, path, out);
      path.pop();
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      skipPrune(x[i], items, path, out);
      path.pop();
    }
  }
}

/**
 * Remove map entries whose value is null although the schema says the field is neither nullable nor
 * defaulted (defaulting.PruneNonNullableNullsWithoutDefaults; runs right after pruning). Returns a copy.
 */
export function pruneNonNullableNulls<T>(obj: T, schema: JSONSchemaProps | null | undefined): T {
  const copy = cloneJson(obj);
  dropNulls(copy, schema ?? undefined);
  return copy;
}

function dropNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (isRecord(x)) {
    for (const k of Object.keys(x)) {
      const sub = propSchema(s, k) ?? additionalSchema(s);
      if (x[k] === null && sub && sub.nullable !== true && (sub.default === undefined || sub.default === null)) delete x[k];
      else dropNulls(x[k], sub);
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (const v of x) dropNulls(v, items);
  }
}

// ---------------------------------------------------------------------------------------------
// b. Defaulting
// ---------------------------------------------------------------------------------------------

const hasDefault = (s: JSONSchemaProps | undefined): s is JSONSchemaProps => s !== undefined && s.default !== undefined && s.default !== null;
const isNonNullableNull = (v: unknown, s: JSONSchemaProps | undefined): boolean => v === null && s !== undefined && s.nullable !== true;

/**
 * Apply `default`s (defaulting.Default): a property with a default is set when missing, or when null
 * and not nullable; recursion goes through properties, additionalProperties and array items, and into
 * the defaults just applied. Returns a new object.
 */
export function applyDefaults<T>(obj: T, schema: JSONSchemaProps | null | undefined): T {
  const copy = cloneJson(obj);
  defaultNode(copy, schema ?? undefined);
  return copy;
}

// Most schema subtrees declare no default anywhere (a RayJob's status, a pod template's
// containers): defaulting skips them, and for the rest looks only at the properties that have one.
const defaultsBelow = new WeakMap<object, boolean>();
const hasDefaultsBelow = (s: JSONSchemaProps): boolean => subtreeHas(s, (n) => hasDefault(n), defaultsBelow);
const defaultedProps = new WeakMap<object, Map<string, JSONSchemaProps>>();
const propsWithDefaults = (s: JSONSchemaProps) => propsWhere(s, hasDefault, defaultedProps);

/** A schema's properties that pass `test`, in schema order; worked out once per schema object. */
function propsWhere(s: JSONSchemaProps, test: (prop: JSONSchemaProps) => boolean, cache: WeakMap<object, Map<string, JSONSchemaProps>>): Map<string, JSONSchemaProps> {
  let m = cache.get(s);
  if (!m) {
    m = new Map();
    if (isRecord(s.properties)) {
      for (const k of Object.keys(s.properties)) {
        const prop = propSchema(s, k)!;
        if (test(prop)) m.set(k, prop);
      }
    }
    cache.set(s, m);
  }
  return m;
}

function defaultNode(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s || !hasDefaultsBelow(s)) return;
  if (isRecord(x)) {
    for (const [k, prop] of propsWithDefaults(s)) {
      if (!hasOwn(x, k) || isNonNullableNull(x[k], prop)) setOwn(x, k, cloneJson(prop.default));
    }
    for (const k of Object.keys(x)) {
      const prop = propSchema(s, k);
      if (prop) defaultNode(x[k], prop);
      else if (hasAdditional(s)) {
        const ap = additionalSchema(s);
        if (isNonNullableNull(x[k], ap)) x[k] = cloneJson(ap!.default ?? null);
        defaultNode(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items)) x[i] = cloneJson(items!.default ?? null);
      defaultNode(x[i], items);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Go (RE2) regular expressions and kube-openapi's string formats
// ---------------------------------------------------------------------------------------------

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** Compile a Go regular expression as a JS RegExp (common RE2-isms translated); throws if impossible. */
export function compileGoRegExp(pattern: string, extraFlags = ''): RegExp {
  let src = pattern;
  let flags = extraFlags.replace(/u/g, '');
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => (POSIX_CLASSES[name] && !neg ? POSIX_CLASSES[name] : m));
  try {
    return new RegExp(src, flags + 'u');
  } catch {
    return new RegExp(src, flags);
  }
}

/** Ajv's regExp engine hook: Go syntax, and never a compile-time throw (an invalid pattern matches anything). */
const regExpEngine = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return compileGoRegExp(pattern, flags);
    } catch {
      return /(?:)/;
    }
  },
  { code: 'compileGoRegExp' },
);

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const HOSTNAME_RE =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const DATE_TIME_RE = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;
const RGB_PART = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const RGB_RE = new RegExp(`^rgb\\(${RGB_PART},${RGB_PART},${RGB_PART}\\)$`);

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

// Status writes carry the same few timestamps again and again (conditions keep their transition
// times), so answers are remembered; the memo is dropped whole when it fills.
const dateTimeMemo = new Map<string, boolean>();
function isDateTime(s: string): boolean {
  let ok = dateTimeMemo.get(s);
  if (ok === undefined) {
    if (dateTimeMemo.size >= 4096) dateTimeMemo.clear();
    dateTimeMemo.set(s, (ok = checkDateTime(s)));
  }
  return ok;
}

function checkDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0]!)) return false;
  const m = DATE_TIME_RE.exec(parts[1]!);
  return !!m && m[1]! <= '23' && m[2]! <= '59' && m[3]! <= '59';
}

const GO_DURATION_RE = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const DURATION_UNITS = [['ns', 'nano'], ['us', 'µs', 'micro'], ['ms', 'milli'], ['s', 'sec'], ['m', 'min'], ['h', 'hr', 'hour'], ['d', 'day'], ['w', 'wk', 'week']];
function isDuration(s: string): boolean {
  if (GO_DURATION_RE.test(s)) return true;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = m[2]!.trim().toLowerCase();
    for (const variants of DURATION_UNITS) {
      const last = variants.length - 1;
      if (variants.some((v, i) => (i === last && unit.startsWith(v)) || v === unit)) return true;
    }
  }
  return false;
}

function isCidr(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const v = isIP(ip);
  return v !== 0 && Number(bits) <= (v === 4 ? 32 : 128);
}

const isMac = (s: string): boolean =>
  /^([0-9a-fA-F]{2})([:-])[0-9a-fA-F]{2}(\2[0-9a-fA-F]{2}){4}((\2[0-9a-fA-F]{2}){2}|(\2[0-9a-fA-F]{2}){14})?$/.test(s) ||
  /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}((\.[0-9a-fA-F]{4}){1}|(\.[0-9a-fA-F]{4}){7})?$/.test(s);

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
function isIsbn10(s: string): boolean {
  const c = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (c[i] === 'X' ? 10 : Number(c[i])) * (10 - i);
  return sum % 11 === 0;
}
function isIsbn13(s: string): boolean {
  const c = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(c[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(c[12]);
}

/** kube-openapi strfmt.Default, keyed by normalized name (dashes removed, as its registry does). */
const STRING_FORMATS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: (s) => /^([a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*|\/[^\s]*)$/.test(s),
  email: (s) => /^[^\s@<>]+@[^\s@<>]+$/.test(s) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(s),
  hostname: (s) => HOSTNAME_RE.test(s) && s.length <= 255 && s.split('.').every((p) => Buffer.byteLength(p) <= 63),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  cidr: isCidr,
  mac: isMac,
  uuid: (s) => UUID_RE.test(s),
  uuid3: (s) => UUID3_RE.test(s),
  uuid4: (s) => UUID4_RE.test(s),
  uuid5: (s) => UUID5_RE.test(s),
  isbn: (s) => isIsbn10(s) || isIsbn13(s),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
  creditcard: (s) => {
    const c = s.replace(/[\s-]/g, '');
    return /^\d{12,19}$/.test(c) && luhn(c);
  },
  ssn: (s) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) => RGB_RE.test(s),
  byte: (s) => BASE64_RE.test(s),
  password: () => true,
  date: isDate,
  datetime: isDateTime,
  duration: isDuration,
  k8sshortname: (s) => isDns1123Label(s).length === 0,
  k8slongname: (s) => isDns1123Subdomain(s).length === 0,
};

const normalizeFormat = (f: string): string => f.replace(/-/g, '');

// ---------------------------------------------------------------------------------------------
// c. Validation
// ---------------------------------------------------------------------------------------------

const JSON_TYPES = new Set(['array', 'boolean', 'integer', 'number', 'object', 'string']);
const NUM_KEYWORD = 'x-k8s-number-range';
const FORMAT_KEYWORD = 'x-k8s-format';

interface NumberRange {
  type: 'integer' | 'number';
  format: string;
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  uint64: [0, 2 ** 64],
  int64: [-(2 ** 63), 2 ** 63],
};
const FLOAT32_MAX = 3.4028234663852886e38;

/** kube-openapi's IsValueValidAgainstRange("Checked", ...): does the value fit the numeric type/format? */
function numberInRange(r: NumberRange, v: number): boolean {
  if (r.type === 'integer') {
    if (!Number.isInteger(v)) return false;
    const [lo, hi] = INT_RANGES[r.format] ?? INT_RANGES.int64!;
    return v >= lo && (r.format === 'int32' || r.format === 'uint32' ? v <= hi : v < hi);
  }
  return Math.abs(v) <= FLOAT32_MAX; // only emitted for format float/float32
}

type Converted = Record<string, unknown>;

/** Translate the Kubernetes OpenAPI v3 dialect into a draft-07 schema Ajv understands. */
function toAjvSchema(s: unknown, root: boolean): Converted {
  if (!isRecord(s)) return {};
  const k = s as JSONSchemaProps;
  const out: Converted = {};
  let types: string[] | undefined;
  if (k['x-kubernetes-int-or-string'] === true) types = ['integer', 'string'];
  else if (typeof k.type === 'string' && JSON_TYPES.has(k.type)) types = [k.type];
  if (types) {
    const withNull = k.nullable === true ? [...types, 'null'] : types;
    out.type = withNull.length === 1 ? withNull[0] : withNull;
  }
  if (typeof k.format === 'string' && k.format !== '') {
    out[FORMAT_KEYWORD] = k.format;
    if (STRING_FORMATS[normalizeFormat(k.format)]) out.format = normalizeFormat(k.format);
  }
  if (types && types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) {
    const f = typeof k.format === 'string' ? k.format : '';
    if (types[0] === 'integer') out[NUM_KEYWORD] = { type: 'integer', format: ['int32', 'int64', 'uint32', 'uint64'].includes(f) ? f : '' };
    else if (f === 'float' || f === 'float32') out[NUM_KEYWORD] = { type: 'number', format: f };
  }
  if (typeof k.minimum === 'number') {
    if (k.exclusiveMinimum === true) out.exclusiveMinimum = k.minimum;
    else out.minimum = k.minimum;
  }
  if (typeof k.maximum === 'number') {
    if (k.exclusiveMaximum === true) out.exclusiveMaximum = k.maximum;
    else out.maximum = k.maximum;
  }
  for (const kw of ['multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const) {
    if (typeof k[kw] === 'number') out[kw] = k[kw];
  }
  if (typeof k.multipleOf === 'number' && k.multipleOf <= 0) delete out.multipleOf;
  if (typeof k.pattern === 'string') out.pattern = k.pattern;
  if (k.uniqueItems === true) out.uniqueItems = true;
  if (Array.isArray(k.enum) && k.enum.length > 0) out.enum = k.enum;
  if (Array.isArray(k.required)) {
    const req = k.required.filter((r): r is string => typeof r === 'string' && !(root && r === 'metadata'));
    if (req.length) out.required = [...new Set(req)];
  }
  if (isRecord(k.properties)) {
    const props: Converted = {};
    for (const name of Object.keys(k.properties)) {
      if (root && name === 'metadata') continue;
      setOwn(props, name, toAjvSchema(k.properties[name], false));
    }
    out.properties = props;
  }
  if (typeof k.additionalProperties === 'boolean') out.additionalProperties = k.additionalProperties;
  else if (isRecord(k.additionalProperties)) out.additionalProperties = toAjvSchema(k.additionalProperties, false);
  if (Array.isArray(k.items)) out.items = k.items.map((i) => toAjvSchema(i, false));
  else if (isRecord(k.items)) out.items = toAjvSchema(k.items, false);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = k[j];
    if (Array.isArray(list) && list.length > 0) out[j] = list.map((i) => toAjvSchema(i, false));
  }
  if (isRecord(k.not)) out.not = toAjvSchema(k.not, false);
  return out;
}

let ajvInstance: InstanceType<typeof AjvModule.default> | undefined;
function ajv(): InstanceType<typeof AjvModule.default> {
  if (ajvInstance) return ajvInstance;
  const Ajv = AjvModule.default;
  const a = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    allowUnionTypes: true,
    validateSchema: false,
    addUsedSchema: false,
    logger: false,
    multipleOfPrecision: 9,
    unicodeRegExp: true,
    code: { regExp: regExpEngine },
  });
  for (const [name, validate] of Object.entries(STRING_FORMATS)) a.addFormat(name, { type: 'string', validate });
  a.addKeyword({
    keyword: NUM_KEYWORD,
    type: 'number',
    schemaType: 'object',
    errors: false,
    validate: (r: NumberRange, v: number) => numberInRange(r, v),
  });
  ajvInstance = a;
  return a;
}

const validatorCache = new WeakMap<object, SchemaValidator>();
const validatorCacheByText = new Map<string, SchemaValidator>();
const TEXT_CACHE_LIMIT = 256;

/**
 * Compile a validator for a CRD version's openAPIV3Schema (cached per schema object and per schema
 * text). The validator reports every failing field (allErrors), worded like the API server, then the
 * x-kubernetes-embedded-resource and x-kubernetes-list-type checks. Root `metadata` is not validated
 * here: the server validates ObjectMeta itself (see names.validateObjectMeta). CEL rules
 * (x-kubernetes-validations) are accepted and ignored.
 */
export function compileValidator(schema: JSONSchemaProps | null | undefined): SchemaValidator {
  if (schema === null || schema === undefined) return () => [];
  const key = isRecord(schema) ? schema : undefined;
  if (key) {
    const hit = validatorCache.get(key);
    if (hit) return hit;
  }
  const text = JSON.stringify(schema) ?? 'null';
  let v = validatorCacheByText.get(text);
  if (!v) {
    v = buildValidator(schema);
    if (validatorCacheByText.size >= TEXT_CACHE_LIMIT) validatorCacheByText.delete(validatorCacheByText.keys().next().value!);
    validatorCacheByText.set(text, v);
  }
  if (key) validatorCache.set(key, v);
  return v;
}

function buildValidator(schema: JSONSchemaProps): SchemaValidator {
  const original = cloneJson(schema);
  const converted = toAjvSchema(original, true);
  const a = ajv();
  let fn: ValidateFunction;
  try {
    fn = a.compile(converted);
  } finally {
    a.removeSchema(converted);
  }
  return (obj: unknown): StatusCause[] => {
    let data = obj;
    if (isRecord(obj) && hasOwn(obj, 'metadata')) {
      // Copied without it rather than deleted from a copy: a deleted key leaves a slow
      // dictionary-mode object for the validator to walk.
      const rest: JsonMap = {};
      for (const k of Object.keys(obj)) if (k !== 'metadata') setOwn(rest, k, obj[k]);
      data = rest;
    }
    const causes = fn(data) ? [] : mapAjvErrors(fn.errors ?? [], data, converted);
    if (isRecord(data)) {
      walkEmbedded(data, original, '', causes);
      listSetsAndMaps('', original, data, causes);
    }
    return causes;
  };
}

/** The kube-openapi path (the field path of a cause) for an Ajv instancePath: "spec.items[0].name". */
function kubePathOf(instancePath: string, root: unknown): string {
  if (!instancePath) return '';
  let cur: unknown = root;
  let out = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out += `[${seg}]`;
      cur = cur[Number(seg)];
    } else {
      out = childPath(out, seg);
      cur = isRecord(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

/** field.Path(nil).String() is "<nil>": what the server shows for errors not tied to a field. */
const NIL_FIELD = '<nil>';
const fieldOf = (p: string): string => (p === '' ? NIL_FIELD : p);

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'string': return 'string';
    case 'number': return Number.isInteger(v) ? 'integer' : 'number';
    default: return 'object';
  }
}

/** A limit as kube-openapi prints it: truncated to int64 against integer data, %v of a float64 otherwise. */
const fmtLimit = (limit: number, data: unknown): string =>
  typeof data === 'number' && Number.isInteger(data) ? String(Math.trunc(limit)) : goFloat(limit);

const within = (child: string, parent: string): boolean => child === parent || child.startsWith(parent + '/');

/** How many instance levels a schema path (segments before `upto`) descends. */
function instanceDepth(segs: string[], upto: number): number {
  let depth = 0;
  for (let i = 0; i < upto; ) {
    const s = segs[i];
    if (s === 'properties' || s === 'patternProperties') {
      depth++;
      i += 2;
    } else if (s === 'additionalProperties') {
      depth++;
      i += 1;
    } else if (s === 'items') {
      depth++;
      i += i + 1 < upto && /^\d+$/.test(segs[i + 1]!) ? 2 : 1;
    } else if (s === 'allOf' || s === 'anyOf' || s === 'oneOf' || s === 'dependencies') i += 2;
    else i += 1;
  }
  return depth;
}

function resolvePointer(root: unknown, segs: string[]): unknown {
  let cur = root;
  for (const raw of segs) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = Array.isArray(cur) ? cur[Number(seg)] : isRecord(cur) ? cur[seg] : undefined;
  }
  return cur;
}

const STRING_PRIORITY: Record<string, number> = { maxLength: 3, minLength: 2, pattern: 1 };

/**
 * Turn Ajv's errors into API-server causes: anyOf/oneOf keep only the best failing branch (plus the
 * "must validate ..." line), allOf gets its summary line, a string reports only its first failing
 * check (maxLength, then minLength, then pattern), as kube-openapi does.
 */
function mapAjvErrors(errors: ErrorObject[], data: unknown, converted: Converted): StatusCause[] {
  const n = errors.length;
  const removed = new Array<boolean>(n).fill(false);
  const consumed = new Array<boolean>(n).fill(false);
  const before = new Map<number, { owner: number; cause: StatusCause }[]>();
  const after = new Map<number, StatusCause[]>();
  const push = <T>(m: Map<number, T[]>, i: number, v: T) => m.set(i, [...(m.get(i) ?? []), v]);

  // anyOf / oneOf, innermost first.
  const composites = errors
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => b.e.schemaPath.length - a.e.schemaPath.length || b.e.instancePath.length - a.e.instancePath.length);
  for (const { e, i: c } of composites) {
    const members: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j !== c && !removed[j] && errors[j]!.schemaPath.startsWith(e.schemaPath + '/') && within(errors[j]!.instancePath, e.instancePath)) members.push(j);
    }
    const p = kubePathOf(e.instancePath, data);
    const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
    let msg: string;
    if (e.keyword === 'anyOf') msg = `${goQuote(p)} must validate at least one schema (anyOf)`;
    else msg = `${goQuote(p)} must validate one and only one schema (oneOf). ${Array.isArray(passing) ? `Found ${passing.length} valid alternatives` : 'Found none valid'}`;
    if (e.keyword === 'oneOf' && Array.isArray(passing)) {
      for (const j of members) removed[j] = true;
    } else {
      const byBranch = new Map<number, number[]>();
      for (const j of members) {
        const b = Number(errors[j]!.schemaPath.slice(e.schemaPath.length + 1).split('/')[0]);
        push(byBranch, b, j);
      }
      let best: number | undefined;
      for (const b of [...byBranch.keys()].sort((x, y) => x - y)) {
        if (best === undefined || byBranch.get(b)!.length < byBranch.get(best)!.length) best = b;
      }
      for (const [b, list] of byBranch) if (b !== best) for (const j of list) removed[j] = true;
    }
    consumed[c] = true;
    const kept = members.filter((j) => !removed[j]);
    push(before, kept.length ? Math.min(...kept) : c, { owner: c, cause: fieldInvalid(NIL_FIELD, '', msg) });
  }

  // Strings: only the first failing of maxLength, minLength, pattern.
  const stringBest = new Map<string, number>();
  errors.forEach((e, i) => {
    if (removed[i] || !(e.keyword in STRING_PRIORITY)) return;
    const key = `${e.instancePath}|${e.schemaPath.slice(0, e.schemaPath.lastIndexOf('/'))}`;
    const prev = stringBest.get(key);
    if (prev === undefined) stringBest.set(key, i);
    else if (STRING_PRIORITY[e.keyword]! > STRING_PRIORITY[errors[prev]!.keyword]!) {
      removed[prev] = true;
      stringBest.set(key, i);
    } else removed[i] = true;
  });

  // allOf summaries.
  const allOfGroups = new Map<string, { failed: Set<number>; last: number; schemaSegs: string[]; inst: string }>();
  errors.forEach((e, i) => {
    if (removed[i]) return;
    const segs = e.schemaPath.replace(/^#\/?/, '').split('/');
    const instSegs = e.instancePath ? e.instancePath.slice(1).split('/') : [];
    segs.forEach((s, k) => {
      if (s !== 'allOf' || !/^\d+$/.test(segs[k + 1] ?? '')) return;
      const inst = instSegs.slice(0, instanceDepth(segs, k));
      const instPath = inst.length ? '/' + inst.join('/') : '';
      const key = `${segs.slice(0, k + 1).join('/')}|${instPath}`;
      const g = allOfGroups.get(key) ?? { failed: new Set<number>(), last: i, schemaSegs: segs.slice(0, k + 1), inst: instPath };
      g.failed.add(Number(segs[k + 1]));
      g.last = Math.max(g.last, i);
      allOfGroups.set(key, g);
    });
  });
  for (const g of allOfGroups.values()) {
    const list = resolvePointer(converted, g.schemaSegs);
    const total = Array.isArray(list) ? list.length : -1;
    const p = kubePathOf(g.inst, data);
    push(after, g.last, fieldInvalid(NIL_FIELD, '', `${goQuote(p)} must validate all the schemas (allOf)${g.failed.size === total ? '. None validated' : ''}`));
  }

  const out: StatusCause[] = [];
  for (let i = 0; i < n; i++) {
    for (const b of before.get(i) ?? []) if (!removed[b.owner]) out.push(b.cause);
    if (!removed[i] && !consumed[i]) {
      const c = ajvErrorToCause(errors[i]!, data);
      if (c) out.push(c);
    }
    out.push(...(after.get(i) ?? []));
  }
  return out;
}

function ajvErrorToCause(e: ErrorObject, root: unknown): StatusCause | undefined {
  const p = kubePathOf(e.instancePath, root);
  const d: unknown = e.data;
  const ps = (e.parentSchema ?? {}) as Converted;
  const params = e.params as Record<string, unknown>;
  const limit = params.limit as number;
  switch (e.keyword) {
    case 'type': {
      const declared = Array.isArray(ps.type) ? (ps.type as string[]) : [String(ps.type)];
      const expected = declared.filter((t) => t !== 'null').join(',');
      const fmt = typeof ps[FORMAT_KEYWORD] === 'string' ? (ps[FORMAT_KEYWORD] as string) : '';
      if (d !== null && fmt) {
        // kube-openapi's typeValidator checks the format first for non-string, non-array data...
        if (typeof d !== 'string' && !Array.isArray(d)) {
          const dataFmt = typeof d === 'number' ? (Number.isInteger(d) ? 'int64' : 'double') : '';
          if (dataFmt !== fmt) return fieldTypeInvalid(fieldOf(p), dataFmt, `${p} in body must be of type ${fmt}: ${goQuote(dataFmt)}`);
        } else if (!declared.includes('integer') && !declared.includes('number')) {
          return undefined; // ...and lets strings and arrays through when a format is declared.
        }
      }
      const actual = goTypeName(d);
      return fieldTypeInvalid(fieldOf(p), actual, `${p} in body must be of type ${expected}: ${goQuote(actual)}`);
    }
    case 'required':
      return fieldRequired(childPath(p, String(params.missingProperty)));
    case 'enum': {
      const values = (Array.isArray(e.schema) ? e.schema : []).map((v) => (typeof v === 'string' ? v : goJson(v)));
      return fieldNotSupported(fieldOf(p), d, values);
    }
    case 'minimum':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be greater than or equal to ${fmtLimit(limit, d)}`);
    case 'exclusiveMinimum':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be greater than ${fmtLimit(limit, d)}`);
    case 'maximum':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be less than or equal to ${fmtLimit(limit, d)}`);
    case 'exclusiveMaximum':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be less than ${fmtLimit(limit, d)}`);
    case 'multipleOf':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be a multiple of ${fmtLimit(params.multipleOf as number, d)}`);
    case 'maxLength':
      return fieldTooLong(fieldOf(p), limit);
    case 'minLength':
      return fieldInvalid(fieldOf(p), d, `${p} in body should be at least ${limit} chars long`);
    case 'pattern':
      return fieldInvalid(fieldOf(p), d, `${p} in body should match '${String(params.pattern)}'`);
    case 'maxItems':
      return fieldTooMany(fieldOf(p), Array.isArray(d) ? d.length : -1, limit);
    case 'minItems':
      return fieldInvalid(fieldOf(p), Array.isArray(d) ? d.length : '', `${p} in body should have at least ${limit} items`);
    case 'uniqueItems':
      return fieldInvalid(fieldOf(p), '', `${p} in body shouldn't contain duplicates`);
    case 'maxProperties':
      return fieldTooMany(fieldOf(p), isRecord(d) ? Object.keys(d).length : -1, limit);
    case 'minProperties':
      return fieldInvalid(fieldOf(p), isRecord(d) ? Object.keys(d).length : '', `${p} in body should have at least ${limit} properties`);
    case 'additionalProperties': {
      const k = String(params.additionalProperty);
      return fieldInvalid(fieldOf(p), k, `${p}.${k} in body is a forbidden property`);
    }
    case 'format': {
      const fmt = typeof ps[FORMAT_KEYWORD] === 'string' ? (ps[FORMAT_KEYWORD] as string) : String(params.format);
      return fieldTypeInvalid(fieldOf(p), d, `${p} in body must be of type ${fmt}: ${goQuote(String(d))}`);
    }
    case NUM_KEYWORD: {
      const r = e.schema as NumberRange;
      const how = r.format ? `with format ${r.format}` : '(default format)';
      return fieldInvalid(NIL_FIELD, '', `Checked value must be of type ${r.type} ${how} in ${p}`);
    }
    case 'not':
      return fieldInvalid(NIL_FIELD, '', `${goQuote(p)} must not validate the schema (not)`);
    case 'dependencies':
      return fieldInvalid(NIL_FIELD, '', `${goQuote(p)} has a dependency on ${String(params.missingProperty)}`);
    default:
      return fieldInvalid(fieldOf(p), d === undefined ? '' : d, `${p} in body ${e.message ?? 'is invalid'}`);
  }
}

// x-kubernetes-embedded-resource (schema/objectmeta/validation.go), below the root.
/** Whether any node of the schema (itself included) satisfies `test`; memoised per schema node. */
function subtreeHas(s: JSONSchemaProps, test: (n: JSONSchemaProps) => boolean, cache: WeakMap<object, boolean>): boolean {
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  cache.set(s, false); // a guard against cycles while this node is being looked at
  let found = test(s);
  const kids: unknown[] = [];
  if (isRecord(s.properties)) kids.push(...Object.values(s.properties));
  if (isRecord(s.additionalProperties)) kids.push(s.additionalProperties);
  if (Array.isArray(s.items)) kids.push(...s.items);
  else if (isRecord(s.items)) kids.push(s.items);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(s[k])) kids.push(...s[k]!);
  if (isRecord(s.not)) kids.push(s.not);
  for (const k of kids) if (!found && isRecord(k)) found = subtreeHas(k as JSONSchemaProps, test, cache);
  cache.set(s, found);
  return found;
}

// Most documents have no embedded resource and no set/map list below most nodes; the walks
// below skip those subtrees instead of visiting every value.
const embeddedBelow = new WeakMap<object, boolean>();
const hasEmbedded = (s: JSONSchemaProps): boolean => subtreeHas(s, (n) => n['x-kubernetes-embedded-resource'] === true, embeddedBelow);
const listTypeBelow = new WeakMap<object, boolean>();
const hasListType = (s: JSONSchemaProps): boolean => subtreeHas(s, (n) => n['x-kubernetes-list-type'] !== undefined, listTypeBelow);

function walkEmbedded(x: unknown, s: JSONSchemaProps | undefined, path: string, out: StatusCause[]): void {
  if (!s || !hasEmbedded(s)) return;
  if (isRecord(x)) {
    if (s['x-kubernetes-embedded-resource'] === true && path !== '') validateEmbedded(x, path, out);
    for (const k of Object.keys(x)) {
      const prop = propSchema(s, k);
      if (prop) walkEmbedded(x[k], prop, childPath(path, k), out);
      else if (additionalSchema(s)) walkEmbedded(x[k], additionalSchema(s), keyPath(path, k), out);
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    x.forEach((v, i) => walkEmbedded(v, items, indexPath(path, i), out));
  }
}

function validateEmbedded(x: JsonMap, path: string, out: StatusCause[]): void {
  if (!hasOwn(x, 'apiVersion')) out.push(fieldRequired(childPath(path, 'apiVersion')));
  if (!hasOwn(x, 'kind')) out.push(fieldRequired(childPath(path, 'kind')));
  for (const k of Object.keys(x)) {
    const v = x[k];
    const f = childPath(path, k);
    if (k === 'apiVersion') {
      if (typeof v !== 'string') out.push(fieldInvalid(f, v, 'must be a string'));
      else if (v.length === 0) out.push(fieldInvalid(f, v, 'must not be empty'));
      else {
        const gv = parseGroupVersion(v);
        if ('error' in gv) out.push(fieldInvalid(f, v, gv.error));
      }
    } else if (k === 'kind') {
      if (typeof v !== 'string') out.push(fieldInvalid(f, v, 'must be a string'));
      else if (v.length === 0) out.push(fieldInvalid(f, v, 'must not be empty'));
      else {
        const errs = isDns1035Label(v.toLowerCase());
        if (errs.length) out.push(fieldInvalid(f, v, 'may have mixed case, but should otherwise match: ' + errs.join(',')));
      }
    } else if (k === 'metadata') {
      if (!isRecord(v)) out.push(fieldInvalid(f, v, 'must be an object'));
      else {
        const meta = { ...v, name: typeof v.name === 'string' && v.name ? v.name : 'fakename' };
        const namespaced = typeof v.namespace === 'string' && v.namespace.length > 0;
        out.push(...validateObjectMeta(meta, { nameRule: 'pathSegment', namespaced, fieldPath: f }));
      }
    }
  }
}

// x-kubernetes-list-type set/map uniqueness (schema/listtype/validation.go).
function listSetsAndMaps(path: string, s: JSONSchemaProps | undefined, obj: JsonMap, out: StatusCause[]): void {
  if (!s) return;
  const ap = additionalSchema(s);
  if (ap && hasListType(ap)) for (const k of Object.keys(obj)) listWalk(keyPath(path, k), ap, obj[k], out);
  // Only the properties with a list type somewhere below them, in the object's key order.
  const props = propsWithListTypes(s);
  if (props.size === 0) return;
  for (const k of Object.keys(obj)) {
    const prop = props.get(k);
    if (prop) listWalk(childPath(path, k), prop, obj[k], out);
  }
}

const listTypedProps = new WeakMap<object, Map<string, JSONSchemaProps>>();
const propsWithListTypes = (s: JSONSchemaProps) => propsWhere(s, hasListType, listTypedProps);

function listWalk(path: string, s: JSONSchemaProps, x: unknown, out: StatusCause[]): void {
  if (!hasListType(s)) return;
  if (Array.isArray(x)) listArray(path, s, x, out);
  else if (isRecord(x)) listSetsAndMaps(path, s, x, out);
}

const UNSPECIFIED = Symbol('unspecifiedKeyValue');

function nonUniqueIndices(list: unknown[]): number[] {
  if (list.length <= 1) return [];
  const seenScalars = new Map<unknown, number>();
  const seenCompounds = new Map<string, number>();
  const result: number[] = [];
  list.forEach((x, i) => {
    const compound = isRecord(x) || Array.isArray(x);
    const key = compound ? goJson(x) : x;
    const seen = (compound ? seenCompounds : seenScalars) as Map<unknown, number>;
    const times = seen.get(key) ?? 0;
    if (times === 1) result.push(i);
    seen.set(key, times + 1);
  });
  return result;
}

function listArray(path: string, s: JSONSchemaProps, arr: unknown[], out: StatusCause[]): void {
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set') {
    for (const i of nonUniqueIndices(arr)) out.push(fieldDuplicate(indexPath(path, i), arr[i]));
  } else if (lt === 'map') {
    listMap(path, s, arr, out);
  }
  const items = itemsSchema(s);
  if (items) arr.forEach((v, i) => listWalk(indexPath(path, i), items, v, out));
}

function listMap(path: string, s: JSONSchemaProps, arr: unknown[], out: StatusCause[]): void {
  for (let i = 0; i < arr.length; i++) {
    if (arr[i] !== null && !isRecord(arr[i])) {
      out.push(fieldInvalid(indexPath(path, i), arr[i], 'must be an object for an array of list-type map'));
      return;
    }
  }
  if (arr.length <= 1) return;
  const keyFields = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string') : [];
  if (keyFields.length === 1) {
    const kf = keyFields[0]!;
    const keys = arr.map((x) => (isRecord(x) && hasOwn(x, kf) ? x[kf] : UNSPECIFIED));
    for (const i of nonUniqueIndices(keys)) out.push(fieldDuplicate(indexPath(path, i), keys[i] === UNSPECIFIED ? {} : { [kf]: keys[i] }));
    return;
  }
  const keys = arr.map((x) => {
    const key: JsonMap = {};
    if (isRecord(x)) for (const kf of keyFields) if (hasOwn(x, kf)) setOwn(key, kf, x[kf]);
    return key;
  });
  for (const i of nonUniqueIndices(keys)) out.push(fieldDuplicate(indexPath(path, i), keys[i]));
}

// ---------------------------------------------------------------------------------------------
// d. Structural-schema check (for CRD creation)
// ---------------------------------------------------------------------------------------------

type Level = 'root' | 'item' | 'field';

/**
 * A light structural check of a CRD version's schema (the gist of apiextensions' structural
 * invariants): root type object, every property/items typed unless preserve-unknown-fields or
 * int-or-string, arrays have items, sane metadata, valid patterns and list types. Returns sorted
 * `field: message` strings (empty when fine), e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields`.
 */
export function validateStructuralSchema(schema: unknown, fieldPath = 'spec.versions[0].schema.openAPIV3Schema'): string[] {
  const causes: StatusCause[] = [];
  if (!isRecord(schema)) {
    causes.push(fieldRequired(fieldPath, 'must be an object schema'));
  } else {
    checkStructural(schema as JSONSchemaProps, 'root', fieldPath, causes);
    if (causes.length === 0) {
      try {
        compileValidator(schema as JSONSchemaProps);
      } catch (e) {
        causes.push(fieldInvalid(fieldPath, '', `cannot compile schema: ${(e as Error).message}`));
      }
    }
  }
  return causes.map(causeToString).sort();
}

function checkStructural(s: JSONSchemaProps, lvl: Level, path: string, out: StatusCause[]): void {
  const t = typeof s.type === 'string' ? s.type : '';
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const c = (k: string) => `${path}.${k}`;

  if (s.type !== undefined && !JSON_TYPES.has(t)) out.push(fieldNotSupported(c('type'), s.type, [...JSON_TYPES].sort()));
  if (s.$ref !== undefined) out.push(fieldForbidden(c('$ref'), '$ref is not supported'));
  if (t === 'array' && s.items === undefined) out.push(fieldRequired(c('items'), 'must be specified'));
  if (Array.isArray(s.items)) out.push(fieldForbidden(c('items'), 'items must be a schema object and not an array'));
  else if (isRecord(s.items)) checkStructural(s.items, 'item', c('items'), out);
  if (isRecord(s.properties)) {
    for (const k of Object.keys(s.properties)) {
      const sub = s.properties[k];
      if (isRecord(sub)) checkStructural(sub, 'field', `${c('properties')}[${k}]`, out);
      else out.push(fieldInvalid(`${c('properties')}[${k}]`, sub ?? null, 'must be a schema object'));
    }
  }
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') out.push(fieldForbidden(c('additionalProperties'), 'must not be used at the root'));
    if (isRecord(s.properties) && Object.keys(s.properties).length > 0) {
      out.push(fieldForbidden(c('additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    if (isRecord(s.additionalProperties)) checkStructural(s.additionalProperties as JSONSchemaProps, 'field', c('additionalProperties'), out);
  }
  if (intOrString && preserve) out.push(fieldInvalid(c('x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) out.push(fieldInvalid(c('x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (embedded && t !== 'object') {
    if (t === '') out.push(fieldRequired(c('type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else out.push(fieldInvalid(c('type'), t, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (t === '' && !intOrString && !preserve) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    out.push(fieldRequired(c('type'), detail));
  }
  if (embedded && s.additionalProperties !== undefined) out.push(fieldForbidden(c('additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && t !== '' && t !== 'object') out.push(fieldInvalid(c('type'), t, 'must be object at the root'));

  const checkMeta = lvl === 'root' || embedded;
  const props = isRecord(s.properties) ? s.properties : {};
  for (const k of ['kind', 'apiVersion']) {
    const sub = schemaOf(props[k]);
    if (checkMeta && sub && sub.type !== 'string') out.push(fieldInvalid(`${c('properties')}[${k}].type`, sub.type ?? '', 'must be string'));
  }
  const meta = schemaOf(props.metadata);
  if (meta) {
    const mp = `${c('properties')}[metadata]`;
    if (checkMeta && meta.type !== 'object') out.push(fieldInvalid(`${mp}.type`, meta.type ?? '', 'must be object'));
    if (lvl === 'root') {
      const extraProps = isRecord(meta.properties) ? Object.keys(meta.properties).filter((k) => k !== 'name' && k !== 'generateName') : [];
      const extraKeys = Object.keys(meta).filter((k) => !['type', 'properties', 'description', 'title'].includes(k));
      if (extraProps.length || extraKeys.length) {
        out.push(fieldForbidden(mp, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
    }
  }
  if (embedded && !preserve && Object.keys(props).length === 0) {
    out.push(fieldRequired(c('properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }

  checkValueValidation(s, path, out);

  const lt = s['x-kubernetes-list-type'];
  if (lt !== undefined) {
    if (lt !== 'atomic' && lt !== 'set' && lt !== 'map') out.push(fieldNotSupported(c('x-kubernetes-list-type'), lt, ['atomic', 'map', 'set']));
    if (t !== 'array') out.push(fieldInvalid(c('type'), t, 'must be array if x-kubernetes-list-type is specified'));
    const keys = s['x-kubernetes-list-map-keys'];
    if (lt === 'map' && (!Array.isArray(keys) || keys.length === 0)) out.push(fieldRequired(c('x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
  }
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined && mt !== 'granular' && mt !== 'atomic') out.push(fieldNotSupported(c('x-kubernetes-map-type'), mt, ['atomic', 'granular']));
}

/** Patterns (also inside allOf/anyOf/oneOf/not) must compile. */
function checkValueValidation(s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  if (typeof s.pattern === 'string') {
    try {
      compileGoRegExp(s.pattern);
    } catch (e) {
      out.push(fieldInvalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
    }
  }
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[j];
    if (Array.isArray(list)) list.forEach((sub, i) => isRecord(sub) && checkValueValidation(sub, `${path}.${j}[${i}]`, out));
  }
  if (isRecord(s.not)) checkValueValidation(s.not, `${path}.not`, out);
}

// ---------------------------------------------------------------------------------------------
// e. All together
// ---------------------------------------------------------------------------------------------

/** The 400 message for fieldValidation=Strict: `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`. */
export function strictDecodingErrorMessage(strictErrors: string[]): string {
  return `strict decoding error: ${strictErrors.join(', ')}`;
}

/**
 * What the server does to a custom resource body on create/update: prune (and drop non-nullable
 * nulls), default, validate (root metadata excluded). Unknown fields become `strictErrors` (Strict;
 * the caller answers 400 with {@link strictDecodingErrorMessage}), `warnings` (Warn) or nothing
 * (Ignore). The input object is not modified. A null/undefined schema means "no schema": the object
 * is kept as is and nothing is validated.
 */
/**
 * Whether an object schema constrains nothing across its properties (no required, property
 * counts, CEL rules, combinators or preserved unknown fields), so each property can be pruned,
 * defaulted and validated on its own (the store's /status writes process only changed fields).
 */
export function propertiesIndependent(s: JSONSchemaProps): boolean {
  return (
    s.required === undefined &&
    s.minProperties === undefined &&
    s.maxProperties === undefined &&
    s['x-kubernetes-validations'] === undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true &&
    s.anyOf === undefined &&
    s.oneOf === undefined &&
    s.allOf === undefined &&
    s.not === undefined
  );
}

/**
 * Prune, drop non-nullable nulls, default and validate a custom resource. `owned`: the caller
 * hands over `obj` (the store's own copy of a request body), which is then processed in place
 * instead of copied first.
 */
export function processCustomResource(obj: unknown, schema: JSONSchemaProps | null | undefined, fieldValidation: FieldValidation, owned = false): ProcessResult {
  // prune returns a fresh copy (unless owned), so the later passes work on it in place.
  const { pruned: object, unknownFields } = prune(obj, schema, owned);
  dropNulls(object, schema ?? undefined);
  defaultNode(object, schema ?? undefined);
  const causes = compileValidator(schema)(object);
  const unknown = unknownFields.map((f) => `unknown field "${f}"`);
  return {
    object,
    causes,
    warnings: fieldValidation === 'Warn' ? unknown : [],
    strictErrors: fieldValidation === 'Strict' ? unknown : [],
    unknownFields,
  };
}

// Re-exported so callers can build causes without importing names.ts too.
export { fieldError };
