// Label selectors and field selectors, parsed and matched the way the Kubernetes API server does
// (k8s.io/apimachinery/pkg/labels/selector.go, pkg/fields/selector.go; key and value checks from
// controller/api/k8s-names.ts).
// Our own implementation of the same grammar, semantics and error messages.
//
// Label selector string grammar (`?labelSelector=`):
//   selector    := "" | requirement ("," requirement)*
//   requirement := ["!"] key                          exists / does not exist
//                | key ("=" | "==" | "!=") [value]    (a missing value means "")
//                | key ("in" | "notin") "(" [value ("," value)*] ")"
// Whitespace (space, tab, CR, LF) between tokens is ignored. Requirements are ANDed and sorted by
// key, values of in/notin are de-duplicated and sorted. `!=`, `notin` and `!key` match objects that
// lack the key. The set-based `>`/`<` (gt/lt) operators are not supported here and are rejected.

import { isQualifiedName, isValidLabelValue } from '../../controller/api/k8s-names.js';
import { errors } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';

// ---------------------------------------------------------------------------------------------
// Types

export type LabelOp = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists';

export interface LabelRequirement {
  readonly key: string;
  readonly op: LabelOp;
  /** eq/neq: exactly one value; in/notin: >= 1 values, sorted and unique; exists/notexists: none. */
  readonly values: readonly string[];
}

/** ANDed requirements, sorted by key. The empty selector matches everything. */
export type LabelSelector = readonly LabelRequirement[];

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[] | null;
}

/** metav1.LabelSelector, as it appears in object specs. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorExpression[] | null;
}

export type FieldOp = 'eq' | 'neq';

export interface FieldRequirement {
  readonly field: string;
  readonly op: FieldOp;
  readonly value: string;
}

/** ANDed field terms, sorted as Kubernetes sorts them (by raw term text). Empty = everything. */
export type FieldSelector = readonly FieldRequirement[];

// ---------------------------------------------------------------------------------------------
// Validation: the string checks are controller/api/k8s-names.ts's

/** validation.IsQualifiedName: the selector parser reports key problems with the label checks' wording. */
export const qualifiedNameErrors = (value: string): string[] => isQualifiedName(value);

/** validation.IsValidLabelValue. */
export const labelValueErrors = (value: string): string[] => isValidLabelValue(value);

/** field.Invalid(path, value, detail).Error(); Go's %q for strings, %#v for []string. */
function invalid(path: string, value: string | readonly string[] | undefined, detail: string): string {
  let v: string;
  if (typeof value === 'string') v = JSON.stringify(value);
  else if (value === undefined || value.length === 0) v = '[]string(nil)';
  else v = `[]string{${value.map((s) => JSON.stringify(s)).join(', ')}}`;
  return `${path}: Invalid value: ${v}: ${detail}`;
}

/** utilerrors.Aggregate.Error(): one message bare, several de-duplicated inside [a, b]. */
function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * labels.NewRequirement: validates and normalises one requirement, reporting field paths "key",
 * "values" and "values[i][key]" as Kubernetes does. (The string parser validates the key first
 * with no path, which Go prints as "<nil>".)
 */
function newRequirement(key: string, op: LabelOp, vals: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  const kerrs = qualifiedNameErrors(key);
  if (kerrs.length) errs.push(invalid('key', key, kerrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(invalid('values', vals, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case 'eq':
    case 'neq':
      if (vals.length !== 1) errs.push(invalid('values', vals, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case 'notexists':
      if (vals.length !== 0) errs.push(invalid('values', vals, 'values set must be empty for exists and does not exist'));
      break;
  }
  vals.forEach((v, i) => {
    const verrs = labelValueErrors(v);
    if (verrs.length) errs.push(invalid(`values[${i}][${key}]`, v, verrs.join('; ')));
  });
  if (errs.length) throw new SelectorSyntaxError(aggregate(errs));
  return { key, op, values: [...new Set(vals)].sort(cmp) };
}

class SelectorSyntaxError extends Error {}

// ---------------------------------------------------------------------------------------------
// Label selector lexer and parser (mirrors labels.Lexer / labels.Parser)

type Tok = 'ident' | 'eos' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '>' | '<';
interface Token {
  tok: Tok;
  lit: string;
}

const SPECIAL_TOKENS: ReadonlySet<string> = new Set(['!', '!=', '(', ')', ',', '<', '=', '==', '>']);
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhitespace(s[i]!)) i++;
    if (i >= s.length) {
      out.push({ tok: 'eos', lit: '' });
      return out;
    }
    if (isSpecial(s[i]!)) {
      // Longest special symbol that is a token: "==" and "!=" win over "=" and "!".
      let lit = s[i]!;
      i++;
      if (i < s.length && SPECIAL_TOKENS.has(lit + s[i]!)) lit += s[i++]!;
      out.push({ tok: lit as Tok, lit });
    } else {
      const start = i;
      while (i < s.length && !isWhitespace(s[i]!) && !isSpecial(s[i]!)) i++;
      const lit = s.slice(start, i);
      out.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'ident', lit });
    }
  }
}

/** Lookahead/consume context: in `Values` context the keywords in/notin are plain identifiers. */
type Ctx = 'keyAndOperator' | 'values';

class LabelParser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private view(t: Token, ctx: Ctx): Token {
    return ctx === 'values' && (t.tok === 'in' || t.tok === 'notin') ? { tok: 'ident', lit: t.lit } : t;
  }
  lookahead(ctx: Ctx): Token {
    return this.view(this.toks[this.pos]!, ctx);
  }
  consume(ctx: Ctx): Token {
    const t = this.toks[this.pos]!;
    if (this.pos < this.toks.length - 1) this.pos++;
    return this.view(t, ctx);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.lookahead('values');
      if (t.tok === 'ident' || t.tok === '!') {
        try {
          reqs.push(this.parseRequirement());
        } catch (e) {
          if (e instanceof SelectorSyntaxError) throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        const c = this.consume('values');
        if (c.tok === 'eos') return reqs;
        if (c.tok === ',') {
          const t2 = this.lookahead('values');
          if (t2.tok !== 'ident' && t2.tok !== '!') throw new SelectorSyntaxError(`found '${t2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorSyntaxError(`found '${c.lit}', expected: ',' or 'end of string'`);
      }
      if (t.tok === 'eos') return reqs;
      throw new SelectorSyntaxError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private parseRequirement(): LabelRequirement {
    let t = this.consume('values');
    let unary: 'exists' | 'notexists' | undefined;
    if (t.tok === '!') {
      unary = 'notexists';
      t = this.consume('values');
    }
    if (t.tok !== 'ident') throw new SelectorSyntaxError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const kerrs = qualifiedNameErrors(key);
    if (kerrs.length) throw new SelectorSyntaxError(invalid('<nil>', key, kerrs.join('; ')));
    const next = this.lookahead('values').tok;
    if (unary === undefined && (next === 'eos' || next === ',')) unary = 'exists';
    // "!key" is complete even if garbage follows; the caller then reports the unexpected token.
    if (unary) return newRequirement(key, unary, []);

    const opTok = this.consume('keyAndOperator');
    switch (opTok.tok) {
      case 'in':
      case 'notin':
        return newRequirement(key, opTok.tok, this.parseValues().sort(cmp)); // sets.String.List(): sorted
      case '=':
      case '==':
        return newRequirement(key, 'eq', this.parseExactValue());
      case '!=':
        return newRequirement(key, 'neq', this.parseExactValue());
      case '>':
      case '<':
        throw new SelectorSyntaxError(`found '${opTok.lit}', operator ${opTok.tok === '>' ? 'gt' : 'lt'} is not supported; expected: in, notin, =, ==, !=`);
      default:
        throw new SelectorSyntaxError(`found '${opTok.lit}', expected: in, notin, =, ==, !=`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume('values');
    if (open.tok !== '(') throw new SelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const t = this.lookahead('values');
    if (t.tok === 'ident' || t.tok === ',') {
      const vals = this.parseIdentifiersList();
      if (this.consume('values').tok !== ')') throw new SelectorSyntaxError(`found '${t.lit}', expected: ')'`);
      return vals;
    }
    if (t.tok === ')') {
      this.consume('values');
      return ['']; // "()" means the single empty value
    }
    throw new SelectorSyntaxError(`found '${t.lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const t = this.consume('values');
      if (t.tok === 'ident') {
        s.add(t.lit);
        const t2 = this.lookahead('values');
        if (t2.tok === ',') continue;
        if (t2.tok === ')') return [...s];
        throw new SelectorSyntaxError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === ',') {
        // Empty list slots ("(,x)", "(x,)", "(x,,y)") are the empty value.
        if (s.size === 0) s.add('');
        const t2 = this.lookahead('values');
        if (t2.tok === ')') {
          s.add('');
          return [...s];
        }
        if (t2.tok === ',') {
          this.consume('values');
          s.add('');
        }
      } else {
        throw new SelectorSyntaxError(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const t = this.lookahead('values');
    if (t.tok === 'eos' || t.tok === ',') return [''];
    const v = this.consume('values');
    if (v.tok === 'ident') return [v.lit];
    throw new SelectorSyntaxError(`found '${v.lit}', expected: identifier`);
  }
}

const byKey = (a: LabelRequirement, b: LabelRequirement) => cmp(a.key, b.key);

/**
 * Parse the string form of a label selector (`?labelSelector=`). "" (or only whitespace) is the
 * everything selector. Throws ApiError 400 BadRequest with Kubernetes' message on bad syntax,
 * invalid keys or values.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return new LabelParser(lex(s)).parse().sort(byKey);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw errors.badRequest(e.message);
    throw e;
  }
}

const OBJECT_OPS: Record<string, LabelOp> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' };

/**
 * metav1.LabelSelectorAsSelector for a non-nil selector: matchLabels become `eq` requirements,
 * matchExpressions In/NotIn (need >= 1 value) and Exists/DoesNotExist (need no values). An empty
 * object (no labels, no expressions) selects everything. Note that in Kubernetes a *nil* selector
 * selects nothing; that case has no representation here and is the caller's to handle.
 * Throws ApiError 400 BadRequest on the first invalid requirement.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject): LabelSelector {
  const reqs: LabelRequirement[] = [];
  try {
    const ml = sel.matchLabels ?? {};
    for (const k of Object.keys(ml).sort(cmp)) {
      const v: unknown = ml[k];
      if (typeof v !== 'string') throw new SelectorSyntaxError(invalid(`matchLabels[${k}]`, String(v), 'must be a string'));
      reqs.push(newRequirement(k, 'eq', [v]));
    }
    for (const expr of sel.matchExpressions ?? []) {
      const op = Object.hasOwn(OBJECT_OPS, expr.operator) ? OBJECT_OPS[expr.operator] : undefined;
      if (!op) throw new SelectorSyntaxError(`${JSON.stringify(String(expr.operator))} is not a valid label selector operator`);
      const vals = expr.values ?? [];
      if (vals.some((v) => typeof v !== 'string')) throw new SelectorSyntaxError(invalid('values', undefined, 'values must be strings'));
      reqs.push(newRequirement(String(expr.key ?? ''), op, vals));
    }
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw errors.badRequest(e.message);
    throw e;
  }
  return reqs.sort(byKey);
}

// ---------------------------------------------------------------------------------------------
// Label matching and formatting

/** Requirement.Matches. `neq`, `notin` and `notexists` match objects without the key. */
export function matchesRequirement(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'eq':
    case 'in':
      return has && r.values.includes(labels![r.key]!);
    case 'neq':
    case 'notin':
      return !has || !r.values.includes(labels![r.key]!);
  }
}

/** All requirements hold. Missing `labels` is the empty label set. */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return sel.every((r) => matchesRequirement(r, labels));
}

/** The selector has no requirements and so matches every object. */
export function isEverything(sel: LabelSelector | FieldSelector): boolean {
  return sel.length === 0;
}

/** Canonical string form of one requirement ("k=v", "k!=v", "k in (a,b)", "k", "!k"). */
export function formatLabelRequirement(r: LabelRequirement): string {
  switch (r.op) {
    case 'exists':
      return r.key;
    case 'notexists':
      return `!${r.key}`;
    case 'eq':
      return `${r.key}=${r.values[0] ?? ''}`;
    case 'neq':
      return `${r.key}!=${r.values[0] ?? ''}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.op} (${[...r.values].sort(cmp).join(',')})`;
  }
}

/** Canonical string form (requirements sorted by key, joined by ","); parses back to an equal selector. */
export function formatLabelSelector(sel: LabelSelector): string {
  return [...sel].sort(byKey).map(formatLabelRequirement).join(',');
}

/**
 * Index support. A store that keeps an index `label key -> label value -> set of objects` can
 * answer some requirements straight from the index:
 *   - `eq`     -> index[key][value]                       (usually the smallest candidate set)
 *   - `in`     -> union of index[key][v] for v in values  (fewer values first)
 *   - `exists` -> union of all index[key][*]
 * `neq`, `notin` and `notexists` also match objects that lack the key, so they cannot be answered
 * from the index and need a full scan. This returns the most selective indexable requirement (eq,
 * then in with the fewest values, then exists; ties by key order) or undefined when there is none
 * (e.g. the selector has only !=, notin or !key, or is empty). Candidates fetched via the returned
 * requirement are a superset of the answer: callers must still filter them with matchesLabels(sel).
 */
export function indexableRequirement(sel: LabelSelector): LabelRequirement | undefined {
  let best: LabelRequirement | undefined;
  let bestRank = Infinity;
  for (const r of sel) {
    const rank = r.op === 'eq' ? 0 : r.op === 'in' ? 1 + r.values.length : r.op === 'exists' ? 1e9 : Infinity;
    if (rank < bestRank) {
      best = r;
      bestRank = rank;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Field selectors (fields.ParseSelector + the API server's field label conversion)

/** Every resource supports these field labels (runtime.DefaultMetaV1FieldSelectorConversion). */
export const ALWAYS_SUPPORTED_FIELDS: readonly string[] = ['metadata.name', 'metadata.namespace'];

/** Split on commas not escaped by a backslash; escapes are kept for unescapeFieldValue. */
function splitFieldTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescapeFieldValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorSyntaxError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new SelectorSyntaxError(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw new SelectorSyntaxError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Backslash-escape `\`, `,` and `=` in a field selector value. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parse `?fieldSelector=`: comma-separated terms `field=value`, `field==value`, `field!=value`
 * (the first operator in the term wins, `!=` and `==` before `=`). No whitespace trimming — as in
 * Kubernetes, "status.phase = Running" names the field "status.phase ". Values may escape `\`, `,`
 * and `=` with a backslash. `supported` lists the resource's selectable fields, in addition to
 * metadata.name and metadata.namespace, which every resource supports. Throws ApiError 400
 * BadRequest: `invalid selector: ...` for syntax, `field label not supported: <field>` otherwise.
 */
export function parseFieldSelector(s: string, supported: readonly string[]): FieldSelector {
  try {
    const reqs: FieldRequirement[] = [];
    for (const part of splitFieldTerms(s).sort(cmp)) {
      if (part === '') continue;
      const m = /!=|==|=/.exec(part);
      if (!m) throw new SelectorSyntaxError(`invalid selector: '${s}'; can't understand '${part}'`);
      const field = part.slice(0, m.index);
      const value = unescapeFieldValue(part.slice(m.index + m[0].length));
      reqs.push({ field, op: m[0] === '!=' ? 'neq' : 'eq', value });
    }
    for (const r of reqs) {
      if (!supported.includes(r.field) && !ALWAYS_SUPPORTED_FIELDS.includes(r.field)) {
        throw new SelectorSyntaxError(`field label not supported: ${r.field}`);
      }
    }
    return reqs;
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw errors.badRequest(e.message);
    throw e;
  }
}

/** Canonical string form of a field selector; parses back to an equal selector. */
export function formatFieldSelector(sel: FieldSelector): string {
  return sel.map((r) => `${r.field}${r.op === 'eq' ? '=' : '!='}${escapeFieldValue(r.value)}`).join(',');
}

/**
 * Fields whose selectable value is not simply the value at their path: kube-apiserver builds
 * each kind's field set from Go structs, so an unset bool is "false" and an unset count "0"
 * (NodeToSelectableFields, PodToSelectableFields, the Job and Event strategies).
 */
const COMPUTED_FIELDS: Readonly<Record<string, (obj: KubeObject) => string>> = {
  'Node spec.unschedulable': (o) => String((o.spec as { unschedulable?: unknown } | undefined)?.unschedulable === true),
  'Pod spec.hostNetwork': (o) => String((o.spec as { hostNetwork?: unknown } | undefined)?.hostNetwork === true),
  // batch/v1 Job: the field is named status.successful, the value is status.succeeded.
  'Job status.successful': (o) => String(Number((o.status as { succeeded?: unknown } | undefined)?.succeeded ?? 0) || 0),
  // core/v1 Event: "source" is the source's component.
  'Event source': (o) => {
    const c = (o as { source?: { component?: unknown } }).source?.component;
    return typeof c === 'string' ? c : '';
  },
};

/**
 * The value of a dotted field path ("spec.nodeName") as a string: strings as-is, numbers and
 * booleans stringified, anything missing or non-scalar is "" (except COMPUTED_FIELDS).
 */
export function fieldValue(obj: KubeObject, path: string): string {
  const computed = COMPUTED_FIELDS[`${obj.kind} ${path}`];
  if (computed) return computed(obj);
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

/** All terms hold: `eq` compares equal, `neq` different (a missing field is ""). */
export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  return sel.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === 'eq'));
}

/**
 * An `=` term a store can answer from an index of field value -> objects (e.g. metadata.name,
 * spec.nodeName), or undefined. As with labels, callers still filter candidates with matchesFields.
 */
export function indexableFieldRequirement(sel: FieldSelector): FieldRequirement | undefined {
  return sel.find((r) => r.op === 'eq');
}
