import { describe, expect, test } from 'vitest';
import {
  causeToString,
  goQuote,
  validateAnnotations,
  validateDns1035Label,
  validateDns1123Label,
  validateDns1123Subdomain,
  validateLabels,
  validateObjectMeta,
} from '../../sim/kube/names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('object names', () => {
  const cases: { name: string; fn: (v: string) => ReturnType<typeof validateDns1123Subdomain>; value: string; messages: string[] }[] = [
    { name: 'subdomain: simple', fn: validateDns1123Subdomain, value: 'raycluster-sample', messages: [] },
    { name: 'subdomain: dotted', fn: validateDns1123Subdomain, value: 'a.b-c.d0', messages: [] },
    { name: 'subdomain: leading digit ok', fn: validateDns1123Subdomain, value: '0abc', messages: [] },
    { name: 'subdomain: exactly 253', fn: validateDns1123Subdomain, value: ('a'.repeat(63) + '.').repeat(3) + 'a'.repeat(61), messages: [] },
    { name: 'subdomain: underscore and uppercase', fn: validateDns1123Subdomain, value: 'Foo_bar', messages: [`Invalid value: "Foo_bar": ${SUBDOMAIN_MSG}`] },
    { name: 'subdomain: uppercase', fn: validateDns1123Subdomain, value: 'MyCluster', messages: [`Invalid value: "MyCluster": ${SUBDOMAIN_MSG}`] },
    { name: 'subdomain: leading dash', fn: validateDns1123Subdomain, value: '-abc', messages: [`Invalid value: "-abc": ${SUBDOMAIN_MSG}`] },
    { name: 'subdomain: trailing dot', fn: validateDns1123Subdomain, value: 'abc.', messages: [`Invalid value: "abc.": ${SUBDOMAIN_MSG}`] },
    { name: 'subdomain: empty', fn: validateDns1123Subdomain, value: '', messages: [`Invalid value: "": ${SUBDOMAIN_MSG}`] },
    { name: 'subdomain: 254 characters', fn: validateDns1123Subdomain, value: 'a'.repeat(254), messages: [`Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`] },
    { name: 'label: valid', fn: validateDns1123Label, value: '123-abc', messages: [] },
    { name: 'label: dots', fn: validateDns1123Label, value: 'a.b', messages: ['Invalid value: "a.b": must not contain dots'] },
    { name: 'label: uppercase', fn: validateDns1123Label, value: 'Abc', messages: [`Invalid value: "Abc": ${LABEL_MSG}`] },
    { name: 'label: 64 characters', fn: validateDns1123Label, value: 'a'.repeat(64), messages: [`Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`] },
    { name: 'label: trailing dash', fn: validateDns1123Label, value: 'abc-', messages: [`Invalid value: "abc-": ${LABEL_MSG}`] },
    { name: 'dns1035: valid', fn: validateDns1035Label, value: 'my-service', messages: [] },
    { name: 'dns1035: starts with digit', fn: validateDns1035Label, value: '1abc', messages: [`Invalid value: "1abc": ${DNS1035_MSG}`] },
    { name: 'dns1035: too long and bad', fn: validateDns1035Label, value: '9'.repeat(64), messages: [`Invalid value: "${'9'.repeat(64)}": must be no more than 63 characters`, `Invalid value: "${'9'.repeat(64)}": ${DNS1035_MSG}`] },
  ];
  test.each(cases)('$name', ({ fn, value, messages }) => {
    const causes = fn(value);
    expect(causes.map((c) => c.message)).toEqual(messages);
    for (const c of causes) {
      expect(c.field).toBe('metadata.name');
      expect(c.reason).toBe('FieldValueInvalid');
    }
  });

  test('custom field path and the Error() form', () => {
    const [c] = validateDns1123Subdomain('Foo_bar', 'spec.template.metadata.name');
    expect(causeToString(c!)).toBe(`spec.template.metadata.name: Invalid value: "Foo_bar": ${SUBDOMAIN_MSG}`);
  });

  test('goQuote matches strconv.Quote', () => {
    expect(goQuote('a"b\\c\n\t\x01é')).toBe('"a\\"b\\\\c\\n\\t\\x01é"');
  });
});

describe('labels', () => {
  const cases: { name: string; labels: Record<string, string>; messages: string[] }[] = [
    { name: 'valid keys and values', labels: { app: 'ray', 'app.kubernetes.io/name': 'kuberay', 'ray.io/node-type': 'head', empty: '' }, messages: [] },
    {
      name: 'key with a space',
      labels: { 'bad key': 'x' },
      messages: [
        `Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    },
    { name: 'uppercase prefix', labels: { 'Example.com/x': 'y' }, messages: [`Invalid value: "Example.com/x": prefix part ${SUBDOMAIN_MSG}`] },
    { name: 'empty prefix', labels: { '/x': 'y' }, messages: ['Invalid value: "/x": prefix part must be non-empty'] },
    {
      name: 'two slashes',
      labels: { 'a/b/c': 'y' },
      messages: [
        `Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    { name: 'name part too long', labels: { ['k'.repeat(64)]: 'v' }, messages: [`Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`] },
    { name: 'value too long', labels: { k: 'v'.repeat(64) }, messages: [`Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`] },
    {
      name: 'value with leading dash',
      labels: { k: '-v' },
      messages: [
        `Invalid value: "-v": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    },
  ];
  test.each(cases)('$name', ({ labels, messages }) => {
    const causes = validateLabels(labels);
    expect(causes.map((c) => c.message)).toEqual(messages);
    for (const c of causes) expect(c.field).toBe('metadata.labels');
  });
});

describe('annotations', () => {
  test('valid, including long values', () => {
    expect(validateAnnotations({ 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}'.repeat(1000), Note: 'x' })).toEqual([]);
  });
  test('bad key', () => {
    expect(validateAnnotations({ 'a b': 'x' }).map((c) => [c.field, c.reason])).toEqual([['metadata.annotations', 'FieldValueInvalid']]);
  });
  test('total size over 256 KiB', () => {
    const causes = validateAnnotations({ a: 'x'.repeat(128 * 1024), b: 'y'.repeat(128 * 1024) });
    expect(causes).toEqual([{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' }]);
  });
  test('exactly 256 KiB is fine', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) })).toEqual([]);
  });
});

describe('validateObjectMeta', () => {
  const ns = { nameRule: 'subdomain' as const, namespaced: true };
  const cases: { name: string; meta: unknown; opts?: Parameters<typeof validateObjectMeta>[1]; expected: string[] }[] = [
    { name: 'valid namespaced', meta: { name: 'rayjob-sample', namespace: 'default', labels: { a: 'b' }, finalizers: ['ray.io/finalizer'] }, expected: [] },
    { name: 'generateName only', meta: { generateName: 'rayjob-', namespace: 'default' }, expected: [] },
    { name: 'missing name and generateName', meta: { namespace: 'default' }, expected: ['metadata.name: Required value: name or generateName is required'] },
    { name: 'missing namespace', meta: { name: 'a' }, expected: ['metadata.namespace: Required value'] },
    { name: 'bad namespace', meta: { name: 'a', namespace: 'a.b' }, expected: ['metadata.namespace: Invalid value: "a.b": must not contain dots'] },
    { name: 'namespace on cluster-scoped', meta: { name: 'a', namespace: 'default' }, opts: { nameRule: 'subdomain', namespaced: false }, expected: ['metadata.namespace: Forbidden: not allowed on this type'] },
    { name: 'cluster-scoped label name', meta: { name: 'my.ns' }, opts: { nameRule: 'label', namespaced: false }, expected: ['metadata.name: Invalid value: "my.ns": must not contain dots'] },
    { name: 'dns1035 name starting with a digit', meta: { name: '1svc', namespace: 'x' }, opts: { nameRule: 'dns1035', namespaced: true }, expected: [`metadata.name: Invalid value: "1svc": ${DNS1035_MSG}`] },
    { name: 'bad generateName', meta: { generateName: 'Bad_', namespace: 'x' }, expected: [`metadata.generateName: Invalid value: "Bad_": ${SUBDOMAIN_MSG}`] },
    { name: 'negative generation', meta: { name: 'a', namespace: 'x', generation: -1 }, expected: ['metadata.generation: Invalid value: -1: must be greater than or equal to 0'] },
    {
      name: 'bad finalizer',
      meta: { name: 'a', namespace: 'x', finalizers: ['bad finalizer'] },
      expected: [
        `metadata.finalizers: Invalid value: "bad finalizer": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    },
    {
      name: 'incomplete owner reference',
      meta: { name: 'a', namespace: 'x', ownerReferences: [{ apiVersion: 'ray.io/v1', kind: 'RayCluster', name: 'c' }] },
      expected: ['metadata.ownerReferences[0].uid: Required value: must not be empty'],
    },
    {
      name: 'bad owner apiVersion',
      meta: { name: 'a', namespace: 'x', ownerReferences: [{ apiVersion: 'a/b/c', kind: 'K', name: 'c', uid: 'u' }] },
      expected: ['metadata.ownerReferences[0].apiVersion: Invalid value: "a/b/c": must be <group>/<version> or <version>'],
    },
    {
      name: 'two controllers',
      meta: {
        name: 'a',
        namespace: 'x',
        ownerReferences: [
          { apiVersion: 'ray.io/v1', kind: 'RayCluster', name: 'c1', uid: 'u1', controller: true },
          { apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'j1', uid: 'u2', controller: true },
        ],
      },
      expected: [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"ray.io/v1","kind":"RayCluster","name":"c1","uid":"u1","controller":true},{"apiVersion":"ray.io/v1","kind":"RayJob","name":"j1","uid":"u2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for RayCluster/c1 and RayJob/j1',
      ],
    },
  ];
  test.each(cases)('$name', ({ meta, opts, expected }) => {
    expect(validateObjectMeta(meta, opts ?? ns).map(causeToString)).toEqual(expected);
  });

  test('reports everything at once', () => {
    const causes = validateObjectMeta({ name: 'Bad', labels: { 'x y': 'z' }, annotations: { '-': 'v' } }, ns);
    expect(causes.map((c) => c.field)).toEqual(['metadata.name', 'metadata.namespace', 'metadata.labels', 'metadata.annotations']);
  });
});
