import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import {
  fieldValue,
  formatFieldSelector,
  formatLabelSelector,
  indexableFieldRequirement,
  indexableRequirement,
  isEverything,
  labelSelectorFromObject,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type LabelSelector,
  type LabelSelectorObject,
} from '../../sim/kube/selectors.js';

function badRequest(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    return err;
  }
  throw new Error('expected an ApiError, got none');
}

const QN_NAME_ERR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const long = 'a'.repeat(64);

describe('parseLabelSelector', () => {
  // `want` is the canonical form after parsing; `err` the exact (string) or partial (RegExp) message.
  const cases: { name: string; input: string; want?: string; err?: string | RegExp }[] = [
    { name: 'empty selector', input: '', want: '' },
    { name: 'whitespace only', input: ' \t\n ', want: '' },
    { name: 'equals', input: 'a=b', want: 'a=b' },
    { name: 'double equals', input: 'a==b', want: 'a=b' },
    { name: 'not equals', input: 'a!=b', want: 'a!=b' },
    { name: 'spaces everywhere', input: '  a = b ,  c != d  ', want: 'a=b,c!=d' },
    { name: 'tabs and newlines', input: 'a\t==\nb', want: 'a=b' },
    { name: 'in with spaces', input: 'a in (x, y)', want: 'a in (x,y)' },
    { name: 'in sorts and dedupes', input: 'a in (y,x,y)', want: 'a in (x,y)' },
    { name: 'notin without space before paren', input: 'a notin(x)', want: 'a notin (x)' },
    { name: 'exists', input: 'a', want: 'a' },
    { name: 'does not exist', input: '!a', want: '!a' },
    { name: 'does not exist with spaces', input: ' ! a ', want: '!a' },
    { name: 'requirements sorted by key', input: 'b,!c,a=1', want: 'a=1,b,!c' },
    { name: 'empty value', input: 'a=', want: 'a=' },
    { name: 'empty not-equals value', input: 'a!=,b', want: 'a!=,b' },
    { name: 'in ()', input: 'a in ()', want: 'a in ()' },
    { name: 'in with leading empty slot', input: 'a in (,x)', want: 'a in (,x)' },
    { name: 'in with trailing empty slot', input: 'a in (x,)', want: 'a in (,x)' },
    { name: 'in with double comma', input: 'a in (x,,y)', want: 'a in (,x,y)' },
    { name: 'keywords as key and values', input: 'in in (in, notin)', want: 'in in (in,notin)' },
    { name: 'prefixed key', input: 'example.com/app=web-1', want: 'example.com/app=web-1' },
    { name: 'same key twice', input: 'a=b,a=c', want: 'a=b,a=c' },
    { name: 'max length key and value', input: `${'k'.repeat(63)}=${'v'.repeat(63)}`, want: `${'k'.repeat(63)}=${'v'.repeat(63)}` },

    { name: 'unbalanced open paren', input: 'a in (x', err: "unable to parse requirement: found '', expected: ',' or ')'" },
    { name: 'missing open paren', input: 'a in x)', err: "unable to parse requirement: found 'x' expected: '('" },
    { name: 'extra close paren', input: 'a in (x))', err: "found ')', expected: ',' or 'end of string'" },
    { name: 'double comma before close paren', input: 'a in (x,,)', err: "unable to parse requirement: found ')', expected: ',', or identifier" },
    { name: 'missing comma in list', input: 'a in (x y)', err: "unable to parse requirement: found 'y', expected: ',' or ')'" },
    { name: 'in without list', input: 'a in', err: "unable to parse requirement: found '' expected: '('" },
    { name: 'trailing comma', input: 'a,', err: "found '', expected: identifier after ','" },
    { name: 'leading comma', input: ',a', err: "found ',', expected: !, identifier, or 'end of string'" },
    { name: 'lone paren', input: '(', err: "found '(', expected: !, identifier, or 'end of string'" },
    { name: 'lone bang', input: '!', err: "unable to parse requirement: found '', expected: identifier" },
    { name: 'two identifiers', input: 'a b', err: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=" },
    { name: 'not-exists with value', input: '!a=b', err: "found '=', expected: ',' or 'end of string'" },
    { name: 'two equals', input: 'a=b=c', err: "found '=', expected: ',' or 'end of string'" },
    { name: 'bang value', input: 'a=!b', err: "unable to parse requirement: found '!', expected: identifier" },
    { name: 'triple equals', input: 'a===b', err: "unable to parse requirement: found '=', expected: identifier" },
    { name: 'gt unsupported', input: 'a>1', err: /unable to parse requirement: found '>', operator gt is not supported/ },
    { name: 'key starts with dash', input: '-a=b', err: `unable to parse requirement: <nil>: Invalid value: "-a": ${QN_NAME_ERR}` },
    { name: 'key with two slashes', input: 'a/b/c=d', err: /^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": a valid label key must consist/ },
    { name: 'uppercase prefix', input: 'Example.com/a=b', err: /<nil>: Invalid value: "Example.com\/a": prefix part a lowercase RFC 1123 subdomain/ },
    { name: 'empty prefix', input: '/a', err: 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty' },
    { name: 'empty name', input: 'x.io/', err: /"x.io\/": name part must be non-empty; name part must consist/ },
    { name: 'key too long', input: `${long}=b`, err: `unable to parse requirement: <nil>: Invalid value: "${long}": name part must be no more than 63 bytes` },
    { name: 'bad value', input: 'a=-b', err: `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_ERR}` },
    { name: 'value too long', input: `a=${long}`, err: `unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 bytes` },
    { name: 'bad value with slash', input: 'a=b/c', err: /values\[0\]\[a\]: Invalid value: "b\/c": a valid label/ },
    {
      name: 'several bad values aggregate',
      input: 'a in (x,-y,-z)',
      err: `unable to parse requirement: [values[0][a]: Invalid value: "-y": ${VALUE_ERR}, values[1][a]: Invalid value: "-z": ${VALUE_ERR}]`,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      if (c.err !== undefined) {
        const e = badRequest(() => parseLabelSelector(c.input));
        if (typeof c.err === 'string') expect(e.message).toBe(c.err);
        else expect(e.message).toMatch(c.err);
      } else {
        const sel = parseLabelSelector(c.input);
        expect(formatLabelSelector(sel)).toBe(c.want);
        expect(formatLabelSelector(parseLabelSelector(formatLabelSelector(sel)))).toBe(c.want);
      }
    });
  }

  it('produces structured requirements', () => {
    expect(parseLabelSelector('b in (y, x), a!=1, !c, d')).toEqual([
      { key: 'a', op: 'neq', values: ['1'] },
      { key: 'b', op: 'in', values: ['x', 'y'] },
      { key: 'c', op: 'notexists', values: [] },
      { key: 'd', op: 'exists', values: [] },
    ]);
    expect(isEverything(parseLabelSelector(''))).toBe(true);
    expect(isEverything(parseLabelSelector('a'))).toBe(false);
  });
});

describe('matchesLabels', () => {
  const cases: { name: string; sel: string; labels: Record<string, string> | undefined; want: boolean }[] = [
    { name: 'everything matches no labels', sel: '', labels: undefined, want: true },
    { name: 'eq match', sel: 'a=b', labels: { a: 'b' }, want: true },
    { name: 'eq mismatch', sel: 'a=b', labels: { a: 'c' }, want: false },
    { name: 'eq missing key', sel: 'a=b', labels: {}, want: false },
    { name: 'eq empty value vs missing key', sel: 'a=', labels: {}, want: false },
    { name: 'eq empty value vs empty label', sel: 'a=', labels: { a: '' }, want: true },
    { name: 'neq matches missing key', sel: 'a!=b', labels: {}, want: true },
    { name: 'neq matches undefined labels', sel: 'a!=b', labels: undefined, want: true },
    { name: 'neq mismatch', sel: 'a!=b', labels: { a: 'b' }, want: false },
    { name: 'neq other value', sel: 'a!=b', labels: { a: 'c' }, want: true },
    { name: 'in match', sel: 'a in (x,y)', labels: { a: 'y' }, want: true },
    { name: 'in mismatch', sel: 'a in (x,y)', labels: { a: 'z' }, want: false },
    { name: 'in missing key', sel: 'a in (x,y)', labels: {}, want: false },
    { name: 'in () matches empty value', sel: 'a in ()', labels: { a: '' }, want: true },
    { name: 'notin matches missing key', sel: 'a notin (x)', labels: { b: 'x' }, want: true },
    { name: 'notin mismatch', sel: 'a notin (x)', labels: { a: 'x' }, want: false },
    { name: 'exists', sel: 'a', labels: { a: '' }, want: true },
    { name: 'exists missing', sel: 'a', labels: { b: 'a' }, want: false },
    { name: 'not exists', sel: '!a', labels: { b: '1' }, want: true },
    { name: 'not exists present', sel: '!a', labels: { a: '' }, want: false },
    { name: 'and of all', sel: 'a=1,b in (2,3),!c,d!=4', labels: { a: '1', b: '3', d: '5' }, want: true },
    { name: 'and fails on one', sel: 'a=1,b in (2,3),!c', labels: { a: '1', b: '3', c: '' }, want: false },
    { name: 'prototype keys are not labels', sel: 'constructor', labels: {}, want: false },
    { name: 'prototype keys with notexists', sel: '!toString', labels: {}, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => expect(matchesLabels(parseLabelSelector(c.sel), c.labels)).toBe(c.want));
  }
});

describe('labelSelectorFromObject', () => {
  const cases: { name: string; obj: LabelSelectorObject; want?: string; err?: string | RegExp }[] = [
    { name: 'empty object is everything', obj: {}, want: '' },
    { name: 'null fields', obj: { matchLabels: null, matchExpressions: null }, want: '' },
    { name: 'matchLabels', obj: { matchLabels: { b: '2', a: '1' } }, want: 'a=1,b=2' },
    {
      name: 'expressions',
      obj: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['b', 'a'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'x', operator: 'Exists' },
          { key: 'y', operator: 'DoesNotExist', values: [] },
        ],
      },
      want: 'app=web,env notin (prod),tier in (a,b),x,!y',
    },
    {
      name: 'In without values',
      obj: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      err: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    },
    {
      name: 'NotIn with missing values',
      obj: { matchExpressions: [{ key: 'a', operator: 'NotIn' }] },
      err: /values set can't be empty/,
    },
    {
      name: 'Exists with values',
      obj: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      err: 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    },
    {
      name: 'unknown operator',
      obj: { matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] },
      err: '"Gt" is not a valid label selector operator',
    },
    { name: 'bad key', obj: { matchLabels: { '-a': 'b' } }, err: `key: Invalid value: "-a": ${QN_NAME_ERR}` },
    { name: 'bad value', obj: { matchLabels: { a: 'b c' } }, err: `values[0][a]: Invalid value: "b c": ${VALUE_ERR}` },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.err !== undefined) {
        const e = badRequest(() => labelSelectorFromObject(c.obj));
        if (typeof c.err === 'string') expect(e.message).toBe(c.err);
        else expect(e.message).toMatch(c.err);
      } else {
        expect(formatLabelSelector(labelSelectorFromObject(c.obj))).toBe(c.want);
      }
    });
  }

  it('matches like the string form', () => {
    const sel = labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] });
    expect(matchesLabels(sel, {})).toBe(true);
    expect(matchesLabels(sel, { a: 'x' })).toBe(false);
  });
});

describe('indexableRequirement', () => {
  const cases: { sel: string; want: string | undefined }[] = [
    { sel: '', want: undefined },
    { sel: 'a!=1,b notin (x),!c', want: undefined },
    { sel: 'a,b in (x,y),c=1', want: 'c=1' },
    { sel: 'a,b in (x,y,z),c in (q)', want: 'c in (q)' },
    { sel: 'b,a,!c', want: 'a' },
    { sel: 'a=1,b=2', want: 'a=1' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.sel)} -> ${c.want}`, () => {
      const r = indexableRequirement(parseLabelSelector(c.sel));
      expect(r === undefined ? undefined : formatLabelSelector([r])).toBe(c.want);
    });
  }
});

describe('field selectors', () => {
  const supported = ['spec.nodeName', 'status.phase'] as const;
  const pod = (name: string, nodeName: string | undefined, phase: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns1' },
    spec: nodeName === undefined ? {} : { nodeName },
    status: { phase },
  });

  const parseCases: { name: string; input: string; want?: string; err?: string }[] = [
    { name: 'empty is everything', input: '', want: '' },
    { name: 'single term', input: 'status.phase=Running', want: 'status.phase=Running' },
    { name: 'double equals', input: 'status.phase==Running', want: 'status.phase=Running' },
    { name: 'not equals', input: 'spec.nodeName!=', want: 'spec.nodeName!=' },
    { name: 'terms sorted, metadata always supported', input: 'status.phase=Running,metadata.namespace=ns1,metadata.name=a', want: 'metadata.name=a,metadata.namespace=ns1,status.phase=Running' },
    { name: 'empty terms skipped', input: 'metadata.name=a,,', want: 'metadata.name=a' },
    { name: 'escaped comma and equals', input: 'metadata.name=a\\,b\\=c\\\\d', want: 'metadata.name=a\\,b\\=c\\\\d' },
    { name: 'unsupported field', input: 'spec.foo=bar', err: 'field label not supported: spec.foo' },
    { name: 'unsupported with !=', input: 'metadata.labels!=x', err: 'field label not supported: metadata.labels' },
    { name: 'no whitespace trimming', input: 'status.phase = Running', err: 'field label not supported: status.phase ' },
    { name: 'no operator', input: 'metadata.name', err: "invalid selector: 'metadata.name'; can't understand 'metadata.name'" },
    { name: 'unescaped equals in value', input: 'metadata.name=a=b', err: 'invalid field selector: unescaped character in value: =' },
    { name: 'bad escape', input: 'metadata.name=a\\b', err: 'invalid field selector: invalid escape sequence: \\b' },
    { name: 'trailing backslash', input: 'metadata.name=a\\', err: 'invalid field selector: invalid escape sequence: \\' },
  ];
  for (const c of parseCases) {
    it(`parse: ${c.name}`, () => {
      if (c.err !== undefined) expect(badRequest(() => parseFieldSelector(c.input, supported)).message).toBe(c.err);
      else {
        const sel = parseFieldSelector(c.input, supported);
        expect(formatFieldSelector(sel)).toBe(c.want);
        expect(parseFieldSelector(formatFieldSelector(sel), supported)).toEqual(sel);
      }
    });
  }

  it('parses values with escapes', () => {
    expect(parseFieldSelector('metadata.name=a\\,b', [])).toEqual([{ field: 'metadata.name', op: 'eq', value: 'a,b' }]);
  });

  const matchCases: { name: string; sel: string; obj: KubeObject; want: boolean }[] = [
    { name: 'eq name', sel: 'metadata.name=p1', obj: pod('p1', 'n1', 'Running'), want: true },
    { name: 'eq name mismatch', sel: 'metadata.name=p2', obj: pod('p1', 'n1', 'Running'), want: false },
    { name: 'neq phase', sel: 'status.phase!=Running', obj: pod('p1', 'n1', 'Pending'), want: true },
    { name: 'neq phase equal', sel: 'status.phase!=Running', obj: pod('p1', 'n1', 'Running'), want: false },
    { name: 'unscheduled: nodeName= matches missing', sel: 'spec.nodeName=', obj: pod('p1', undefined, 'Pending'), want: true },
    { name: 'scheduled: nodeName!= on missing', sel: 'spec.nodeName!=', obj: pod('p1', undefined, 'Pending'), want: false },
    { name: 'and', sel: 'metadata.namespace=ns1,spec.nodeName=n1,status.phase!=Failed', obj: pod('p1', 'n1', 'Running'), want: true },
  ];
  for (const c of matchCases) {
    it(`match: ${c.name}`, () => expect(matchesFields(parseFieldSelector(c.sel, supported), c.obj)).toBe(c.want));
  }

  it('fieldValue', () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, priority: 5, nested: { a: 'x' }, list: ['a'] } };
    expect(fieldValue(obj, 'metadata.name')).toBe('p');
    expect(fieldValue(obj, 'metadata.namespace')).toBe('');
    expect(fieldValue(obj, 'spec.hostNetwork')).toBe('true');
    expect(fieldValue(obj, 'spec.priority')).toBe('5');
    expect(fieldValue(obj, 'spec.nested.a')).toBe('x');
    expect(fieldValue(obj, 'spec.nested')).toBe('');
    expect(fieldValue(obj, 'spec.list.0')).toBe('');
    expect(fieldValue(obj, 'status.phase')).toBe('');
    expect(fieldValue(obj, 'spec.hostNetwork.x')).toBe('');
  });

  it('indexableFieldRequirement', () => {
    expect(indexableFieldRequirement(parseFieldSelector('status.phase!=Failed', supported))).toBeUndefined();
    expect(indexableFieldRequirement(parseFieldSelector('status.phase!=Failed,spec.nodeName=n1', supported))).toEqual({
      field: 'spec.nodeName',
      op: 'eq',
      value: 'n1',
    });
    expect(isEverything(parseFieldSelector('', supported))).toBe(true);
  });
});

describe('property: format(parse(x)) round-trips', () => {
  const keys = ['a', 'b', 'app', 'example.com/tier', 'in'];
  const vals = ['', 'x', 'y', 'z-1', 'in', 'notin'];
  const ws = fc.constantFrom('', ' ', '  ', '\t');
  const key = fc.constantFrom(...keys);
  const val = fc.constantFrom(...vals);
  const nonEmptyVal = fc.constantFrom(...vals.filter((v) => v !== ''));

  const requirement = fc.oneof(
    fc.tuple(key, fc.constantFrom('=', '==', '!='), ws, ws, val).map(([k, op, w1, w2, v]) => `${k}${w1}${op}${w2}${v}`),
    fc
      .tuple(key, fc.constantFrom('in', 'notin'), ws, fc.array(nonEmptyVal, { maxLength: 4 }), fc.boolean())
      .map(([k, op, w, vs, withEmpty]) => {
        // "()" is the set {""}; "(,x)" adds "" to x. (Kubernetes rejects "(x,,)" and so do we.)
        const list = vs.length === 0 ? '' : `${withEmpty ? `,${w}` : ''}${vs.join(`,${w}`)}`;
        return `${k} ${op}${w}(${w}${list}${w})`;
      }),
    fc.tuple(key, ws).map(([k, w]) => `${w}${k}`),
    fc.tuple(key, ws).map(([k, w]) => `!${w}${k}`),
  );
  const selectorString = fc.tuple(fc.array(requirement, { maxLength: 5 }), ws).map(([rs, w]) => rs.join(`${w},${w}`));
  const labelMap = fc.dictionary(key, val, { maxKeys: 5 });

  it('canonical form parses back with identical matching', () => {
    fc.assert(
      fc.property(selectorString, fc.array(labelMap, { minLength: 1, maxLength: 10 }), (s, maps) => {
        const sel: LabelSelector = parseLabelSelector(s);
        const canonical = formatLabelSelector(sel);
        const back = parseLabelSelector(canonical);
        expect(back).toEqual(sel);
        expect(formatLabelSelector(back)).toBe(canonical);
        for (const m of maps) expect(matchesLabels(back, m)).toBe(matchesLabels(sel, m));
        const idx = indexableRequirement(sel);
        // Anything the selector matches also satisfies the indexable requirement.
        if (idx) for (const m of maps) if (matchesLabels(sel, m)) expect(matchesLabels([idx], m)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
