import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  applyDefaults,
  compileValidator,
  processCustomResource,
  prune,
  strictDecodingErrorMessage,
  validateStructuralSchema,
  type JSONSchemaProps,
} from '../../sim/kube/schema.js';
import { causeToString } from '../../sim/kube/names.js';
import { errors } from '../../controller/runtime/api-error.js';

/** A trimmed RayJob-like schema. */
const rayJobSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['entrypoint'],
      properties: {
        entrypoint: { type: 'string', minLength: 1 },
        submissionMode: { type: 'string', enum: ['K8sJobMode', 'HTTPMode'], default: 'K8sJobMode' },
        shutdownAfterJobFinishes: { type: 'boolean', default: false },
        ttlSecondsAfterFinished: { type: 'integer', format: 'int32', minimum: 0, default: 0 },
        suspend: { type: 'boolean' },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 10 },
        runtimeEnvYAML: { type: 'string', nullable: true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        entrypointNumCpus: { type: 'number', minimum: 0, maximum: 64 },
        startTime: { type: 'string', format: 'date-time' },
        memory: { type: 'string', format: 'quantity' },
        metadata: { type: 'object', additionalProperties: { type: 'string' } },
        rayClusterSpec: {
          type: 'object',
          properties: {
            rayVersion: { type: 'string' },
            headGroupSpec: {
              type: 'object',
              properties: {
                rayStartParams: { type: 'object', additionalProperties: { type: 'string' } },
                template: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
            workerGroupSpecs: {
              type: 'array',
              items: {
                type: 'object',
                required: ['groupName'],
                properties: {
                  groupName: { type: 'string' },
                  replicas: { type: 'integer', format: 'int32', minimum: 0, default: 1 },
                  minReplicas: { type: 'integer', format: 'int32', maximum: 1000, default: 0 },
                  maxReplicas: { type: 'integer', format: 'int32', default: 2147483647 },
                  suspend: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const validate = compileValidator(rayJobSchema);
const base = { apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: { name: 'job', namespace: 'default' } };
const withSpec = (spec: Record<string, unknown>) => ({ ...base, spec: { entrypoint: 'python x.py', ...spec } });

describe('validation', () => {
  const cases: { name: string; spec: Record<string, unknown>; causes: { reason: string; field: string; message: string }[] }[] = [
    { name: 'valid object', spec: { submissionMode: 'HTTPMode', port: 8265, entrypointNumCpus: 1.5, startTime: '2024-01-02T03:04:05Z', memory: '1Gi' }, causes: [] },
    {
      name: 'type error',
      spec: { ttlSecondsAfterFinished: 'string' },
      causes: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.ttlSecondsAfterFinished',
          message: 'Invalid value: "string": spec.ttlSecondsAfterFinished in body must be of type integer: "string"',
        },
      ],
    },
    {
      name: 'boolean given a string',
      spec: { suspend: 'yes' },
      causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.suspend', message: 'Invalid value: "string": spec.suspend in body must be of type boolean: "string"' }],
    },
    {
      name: 'object given an array',
      spec: { rayClusterSpec: [] },
      causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.rayClusterSpec', message: 'Invalid value: "array": spec.rayClusterSpec in body must be of type object: "array"' }],
    },
    { name: 'required', spec: { entrypoint: undefined }, causes: [{ reason: 'FieldValueRequired', field: 'spec.entrypoint', message: 'Required value' }] },
    {
      name: 'enum',
      spec: { submissionMode: 'Foo' },
      causes: [{ reason: 'FieldValueNotSupported', field: 'spec.submissionMode', message: 'Unsupported value: "Foo": supported values: "K8sJobMode", "HTTPMode"' }],
    },
    {
      name: 'minimum',
      spec: { ttlSecondsAfterFinished: -1 },
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.ttlSecondsAfterFinished', message: 'Invalid value: -1: spec.ttlSecondsAfterFinished in body should be greater than or equal to 0' }],
    },
    {
      name: 'maximum (float)',
      spec: { entrypointNumCpus: 64.5 },
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.entrypointNumCpus', message: 'Invalid value: 64.5: spec.entrypointNumCpus in body should be less than or equal to 64' }],
    },
    {
      name: 'pattern',
      spec: { name: 'x1' },
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.name', message: "Invalid value: \"x1\": spec.name in body should match '^[a-z]+$'" }],
    },
    {
      name: 'maxLength (reported instead of the pattern, like kube-openapi)',
      spec: { name: 'ABCDEFGHIJK' },
      causes: [{ reason: 'FieldValueTooLong', field: 'spec.name', message: 'Too long: may not be more than 10 bytes' }],
    },
    {
      name: 'minLength',
      spec: { entrypoint: '' },
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.entrypoint', message: 'Invalid value: "": spec.entrypoint in body should be at least 1 chars long' }],
    },
    { name: 'nullable accepts null', spec: { runtimeEnvYAML: null }, causes: [] },
    {
      name: 'non-nullable rejects null',
      spec: { suspend: null },
      causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.suspend', message: 'Invalid value: "null": spec.suspend in body must be of type boolean: "null"' }],
    },
    { name: 'int-or-string accepts an integer', spec: { port: 80 }, causes: [] },
    { name: 'int-or-string accepts a string', spec: { port: 'dashboard' }, causes: [] },
    {
      name: 'int-or-string rejects a boolean',
      spec: { port: true },
      causes: [
        { reason: 'FieldValueTypeInvalid', field: 'spec.port', message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"' },
        { reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": "spec.port" must validate at least one schema (anyOf)' },
        { reason: 'FieldValueTypeInvalid', field: 'spec.port', message: 'Invalid value: "boolean": spec.port in body must be of type integer: "boolean"' },
      ],
    },
    {
      name: 'known format',
      spec: { startTime: 'yesterday' },
      causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.startTime', message: 'Invalid value: "yesterday": spec.startTime in body must be of type date-time: "yesterday"' }],
    },
    { name: 'unknown format is ignored', spec: { memory: 'not a quantity' }, causes: [] },
    {
      name: 'int32 overflow',
      spec: { ttlSecondsAfterFinished: 2 ** 31 },
      causes: [{ reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": Checked value must be of type integer with format int32 in spec.ttlSecondsAfterFinished' }],
    },
    {
      name: 'additionalProperties values',
      spec: { metadata: { a: 'x', b: 3 } },
      causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.metadata.b', message: 'Invalid value: "integer": spec.metadata.b in body must be of type string: "integer"' }],
    },
    {
      name: 'several errors at once with array indexes',
      spec: {
        submissionMode: 'Foo',
        rayClusterSpec: {
          workerGroupSpecs: [
            { groupName: 'ok', replicas: 1 },
            { groupName: 'small', replicas: 'two', minReplicas: 5000 },
            { replicas: -1 },
          ],
        },
      },
      causes: [
        { reason: 'FieldValueNotSupported', field: 'spec.submissionMode', message: 'Unsupported value: "Foo": supported values: "K8sJobMode", "HTTPMode"' },
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.rayClusterSpec.workerGroupSpecs[1].replicas',
          message: 'Invalid value: "string": spec.rayClusterSpec.workerGroupSpecs[1].replicas in body must be of type integer: "string"',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.rayClusterSpec.workerGroupSpecs[1].minReplicas',
          message: 'Invalid value: 5000: spec.rayClusterSpec.workerGroupSpecs[1].minReplicas in body should be less than or equal to 1000',
        },
        { reason: 'FieldValueRequired', field: 'spec.rayClusterSpec.workerGroupSpecs[2].groupName', message: 'Required value' },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.rayClusterSpec.workerGroupSpecs[2].replicas',
          message: 'Invalid value: -1: spec.rayClusterSpec.workerGroupSpecs[2].replicas in body should be greater than or equal to 0',
        },
      ],
    },
  ];
  test.each(cases)('$name', ({ spec, causes }) => {
    const got = validate(withSpec(spec));
    expect([...got].sort(byField)).toEqual([...causes].sort(byField));
  });

  test('root metadata is not schema-validated', () => {
    expect(validate({ ...withSpec({}), metadata: 'not even an object' })).toEqual([]);
  });

  test('causes feed errors.invalid into a 422 like the server', () => {
    const err = errors.invalid('RayJob', 'ray.io', 'job', validate(withSpec({ submissionMode: 'Foo' })));
    expect(err.code).toBe(422);
    expect(err.message).toBe('RayJob.ray.io "job" is invalid: spec.submissionMode: Unsupported value: "Foo": supported values: "K8sJobMode", "HTTPMode"');
  });

  test('the validator is compiled once per schema', () => {
    expect(compileValidator(rayJobSchema)).toBe(validate);
    expect(compileValidator(JSON.parse(JSON.stringify(rayJobSchema)) as JSONSchemaProps)).toBe(validate);
  });

  test('x-kubernetes-list-type set and map', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
            },
          },
        },
      },
    };
    const causes = compileValidator(schema)({ spec: { tags: ['a', 'b', 'a'], ports: [{ name: 'x', port: 1 }, { name: 'x', port: 2 }] } });
    expect(causes.map(causeToString)).toEqual(['spec.tags[2]: Duplicate value: "a"', 'spec.ports[1]: Duplicate value: {"name":"x"}']);
  });

  test('allOf, oneOf, nested embedded resources and CEL rules', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self.spec.a > 0' }],
      properties: {
        spec: {
          type: 'object',
          properties: {
            a: { type: 'string', allOf: [{ minLength: 2 }, { pattern: '^b' }] },
            b: { type: 'integer', oneOf: [{ minimum: 0 }, { maximum: 10 }] },
            pod: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      },
    };
    const causes = compileValidator(schema)({ spec: { a: 'a', b: 5, pod: { kind: 'Pod', metadata: { name: 'x/y' } } } }).map(causeToString);
    expect(causes).toEqual([
      'spec.a: Invalid value: "a": spec.a in body should be at least 2 chars long',
      "spec.a: Invalid value: \"a\": spec.a in body should match '^b'",
      '<nil>: Invalid value: "": "spec.a" must validate all the schemas (allOf). None validated',
      '<nil>: Invalid value: "": "spec.b" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      'spec.pod.apiVersion: Required value',
      "spec.pod.metadata.name: Invalid value: \"x/y\": may not contain '/'",
    ]);
  });
});

describe('pruning', () => {
  test('drops unknown nested fields and reports their paths', () => {
    const obj = {
      ...base,
      metadata: { name: 'job', unknownMeta: 1 },
      extra: true,
      spec: {
        entrypoint: 'x',
        foo: 1,
        rayClusterSpec: {
          headGroupSpec: { rayStartParams: { 'num-cpus': '1' }, template: { spec: { containers: [{ name: 'ray-head', anything: 1 }] } }, bogus: {} },
          workerGroupSpecs: [{ groupName: 'a', bar: 1 }, { groupName: 'b', nested: { deep: 1 } }],
        },
      },
      status: { anything: { goes: true } },
    };
    const before = JSON.stringify(obj);
    const { pruned, unknownFields } = prune(obj, rayJobSchema);
    expect(JSON.stringify(obj)).toBe(before); // input untouched
    expect(unknownFields).toEqual([
      'extra',
      'spec.foo',
      'spec.rayClusterSpec.headGroupSpec.bogus',
      'spec.rayClusterSpec.workerGroupSpecs[0].bar',
      'spec.rayClusterSpec.workerGroupSpecs[1].nested',
    ]);
    expect(pruned).toEqual({
      ...base,
      metadata: { name: 'job', unknownMeta: 1 }, // root metadata is the server's business
      spec: {
        entrypoint: 'x',
        rayClusterSpec: {
          headGroupSpec: { rayStartParams: { 'num-cpus': '1' }, template: { spec: { containers: [{ name: 'ray-head', anything: 1 }] } } },
          workerGroupSpecs: [{ groupName: 'a' }, { groupName: 'b' }],
        },
      },
      status: { anything: { goes: true } },
    });
  });

  test('preserve-unknown-fields keeps unknown fields but prunes declared ones below it', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      },
    };
    const { pruned, unknownFields } = prune({ spec: { free: { x: 1 }, known: { a: 'y', b: 'z' } } }, schema);
    expect(pruned).toEqual({ spec: { free: { x: 1 }, known: { a: 'y' } } });
    expect(unknownFields).toEqual(['spec.known.b']);
  });

  test('embedded resources keep apiVersion, kind and metadata', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { tmpl: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } } } },
        },
      },
    };
    const { pruned, unknownFields } = prune({ spec: { tmpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'a', y: 'b' }, z: 1 } } }, schema);
    expect(pruned).toEqual({ spec: { tmpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'a' } } } });
    expect(unknownFields).toEqual(['spec.tmpl.spec.y', 'spec.tmpl.z']);
  });

  test('apiVersion/kind below the root are ordinary fields', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: {} } } };
    expect(prune({ spec: { kind: 'X' } }, schema).unknownFields).toEqual(['spec.kind']);
  });

  // Random structural schemas and random objects with keys that sometimes match.
  const { schema: schemaArb } = fc.letrec<{ schema: JSONSchemaProps; leaf: JSONSchemaProps; obj: JSONSchemaProps; arr: JSONSchemaProps; map: JSONSchemaProps }>((tie) => ({
    schema: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('obj'), tie('arr'), tie('map')),
    leaf: fc.record({ type: fc.constantFrom('string', 'integer', 'boolean', 'number') }),
    obj: fc.record(
      {
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'apiVersion', 'metadata'), tie('schema'), { maxKeys: 3 }),
        'x-kubernetes-preserve-unknown-fields': fc.boolean(),
        'x-kubernetes-embedded-resource': fc.boolean(),
      },
      { requiredKeys: ['type', 'properties'] },
    ),
    arr: fc.record({ type: fc.constant('array'), items: tie('schema') }),
    map: fc.record({ type: fc.constant('object'), additionalProperties: fc.oneof(tie('schema'), fc.constant(true)) }),
  }));
  const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'apiVersion', 'kind', 'metadata'), tie('value'), { maxKeys: 4 }),
      fc.array(tie('value'), { maxLength: 3 }),
    ),
  }));
  const rootArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'apiVersion', 'kind', 'metadata'), valueArb, { maxKeys: 5 });

  /** Every field of `small` exists in `big` with the same scalars (arrays keep their length). */
  function isSubset(small: unknown, big: unknown): boolean {
    if (Array.isArray(small)) return Array.isArray(big) && small.length === big.length && small.every((v, i) => isSubset(v, big[i]));
    if (small !== null && typeof small === 'object') {
      if (big === null || typeof big !== 'object' || Array.isArray(big)) return false;
      return Object.keys(small).every((k) => Object.prototype.hasOwnProperty.call(big, k) && isSubset((small as Record<string, unknown>)[k], (big as Record<string, unknown>)[k]));
    }
    return Object.is(small, big);
  }

  test('property: prune is idempotent and never adds fields', () => {
    fc.assert(
      fc.property(rootArb, fc.oneof(schemaArb, fc.constant<JSONSchemaProps>({ type: 'object' })), (obj, schema) => {
        const once = prune(obj, schema);
        const twice = prune(once.pruned, schema);
        expect(twice.pruned).toEqual(once.pruned);
        expect(twice.unknownFields).toEqual([]);
        expect(isSubset(once.pruned, obj)).toBe(true);
        for (const k of ['apiVersion', 'kind', 'metadata']) {
          if (k in obj) expect(once.pruned[k]).toEqual(obj[k]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('defaulting', () => {
  test('nested defaults and defaults inside array items', () => {
    const out = applyDefaults(withSpec({ rayClusterSpec: { workerGroupSpecs: [{ groupName: 'a' }, { groupName: 'b', replicas: 3, maxReplicas: 5 }] } }), rayJobSchema);
    expect(out.spec).toEqual({
      entrypoint: 'python x.py',
      submissionMode: 'K8sJobMode',
      shutdownAfterJobFinishes: false,
      ttlSecondsAfterFinished: 0,
      rayClusterSpec: {
        workerGroupSpecs: [
          { groupName: 'a', replicas: 1, minReplicas: 0, maxReplicas: 2147483647 },
          { groupName: 'b', replicas: 3, minReplicas: 0, maxReplicas: 5 },
        ],
      },
    });
  });

  test('defaults recurse into defaulted objects and additionalProperties, and replace non-nullable nulls', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          default: {},
          properties: {
            policy: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'auto' } } },
            n: { type: 'integer', default: 3 },
            maybe: { type: 'integer', nullable: true, default: 7 },
            groups: { type: 'object', additionalProperties: { type: 'object', properties: { size: { type: 'integer', default: 1 } } } },
          },
        },
      },
    };
    expect(applyDefaults({}, schema)).toEqual({ spec: { policy: { mode: 'auto' }, n: 3, maybe: 7 } });
    expect(applyDefaults({ spec: { n: null, maybe: null, groups: { g1: {}, g2: { size: 4 } } } }, schema)).toEqual({
      spec: { policy: { mode: 'auto' }, n: 3, maybe: null, groups: { g1: { size: 1 }, g2: { size: 4 } } },
    });
  });

  test('does not modify its input', () => {
    const input = withSpec({});
    const copy = JSON.parse(JSON.stringify(input));
    applyDefaults(input, rayJobSchema);
    expect(input).toEqual(copy);
  });
});

describe('processCustomResource', () => {
  const body = { ...withSpec({ foo: 1, bar: { x: 1 }, suspend: null, rayClusterSpec: { workerGroupSpecs: [{ groupName: 'a' }] } }), status: { phase: 'x' } };

  test('Strict: unknown fields are strict decoding errors', () => {
    const r = processCustomResource(body, rayJobSchema, 'Strict');
    expect(r.strictErrors).toEqual(['unknown field "spec.bar"', 'unknown field "spec.foo"']);
    expect(strictDecodingErrorMessage(r.strictErrors)).toBe('strict decoding error: unknown field "spec.bar", unknown field "spec.foo"');
    expect(r.warnings).toEqual([]);
    expect(r.causes).toEqual([]);
  });

  test('Warn: unknown fields are warnings; object is pruned, null-dropped and defaulted', () => {
    const r = processCustomResource(body, rayJobSchema, 'Warn');
    expect(r.warnings).toEqual(['unknown field "spec.bar"', 'unknown field "spec.foo"']);
    expect(r.strictErrors).toEqual([]);
    expect(r.object.spec).toEqual({
      entrypoint: 'python x.py',
      submissionMode: 'K8sJobMode',
      shutdownAfterJobFinishes: false,
      ttlSecondsAfterFinished: 0,
      rayClusterSpec: { workerGroupSpecs: [{ groupName: 'a', replicas: 1, minReplicas: 0, maxReplicas: 2147483647 }] },
    });
    expect(r.object.status).toEqual({ phase: 'x' });
  });

  test('Ignore: silent, but validation still runs after defaulting', () => {
    const r = processCustomResource({ ...withSpec({ foo: 1, submissionMode: 'Nope' }) }, rayJobSchema, 'Ignore');
    expect(r.warnings).toEqual([]);
    expect(r.strictErrors).toEqual([]);
    expect(r.unknownFields).toEqual(['spec.foo']);
    expect(r.causes.map(causeToString)).toEqual(['spec.submissionMode: Unsupported value: "Nope": supported values: "K8sJobMode", "HTTPMode"']);
  });

  test('defaults satisfy required fields', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', required: ['mode'], properties: { mode: { type: 'string', default: 'a' } } } } };
    expect(processCustomResource({ spec: {} }, schema, 'Strict').causes).toEqual([]);
  });
});

describe('validateStructuralSchema', () => {
  const P = 'spec.versions[0].schema.openAPIV3Schema';
  const cases: { name: string; schema: unknown; problems: string[] }[] = [
    { name: 'RayJob schema is fine', schema: rayJobSchema, problems: [] },
    { name: 'root must be an object', schema: { type: 'string' }, problems: [`${P}.type: Invalid value: "string": must be object at the root`] },
    { name: 'root type missing', schema: { properties: {} }, problems: [`${P}.type: Required value: must not be empty at the root`] },
    {
      name: 'property without a type',
      schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } },
      problems: [`${P}.properties[spec].type: Required value: must not be empty for specified object fields`],
    },
    {
      name: 'untyped is fine with preserve-unknown-fields or int-or-string',
      schema: { type: 'object', properties: { a: { 'x-kubernetes-preserve-unknown-fields': true }, b: { 'x-kubernetes-int-or-string': true } } },
      problems: [],
    },
    {
      name: 'array without items, untyped items',
      schema: { type: 'object', properties: { a: { type: 'array' }, b: { type: 'array', items: {} } } },
      problems: [`${P}.properties[a].items: Required value: must be specified`, `${P}.properties[b].items.type: Required value: must not be empty for specified array items`],
    },
    {
      name: 'unknown type and bad pattern',
      schema: { type: 'object', properties: { a: { type: 'strin' }, b: { type: 'string', pattern: '(' } } },
      problems: [
        `${P}.properties[a].type: Unsupported value: "strin": supported values: "array", "boolean", "integer", "number", "object", "string"`,
        `${P}.properties[b].pattern: Invalid value: "(": must be a valid regular expression, but isn't: Invalid regular expression: /(/: Unterminated group`,
      ],
    },
    {
      name: 'root metadata limited to name/generateName',
      schema: { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } },
      problems: [`${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`],
    },
  ];
  test.each(cases)('$name', ({ schema, problems }) => {
    expect(validateStructuralSchema(schema)).toEqual(problems);
  });

  test('custom field path', () => {
    expect(validateStructuralSchema({}, 'spec.versions[2].schema.openAPIV3Schema')).toEqual(['spec.versions[2].schema.openAPIV3Schema.type: Required value: must not be empty at the root']);
  });
});

function byField(a: { field?: string; message: string }, b: { field?: string; message: string }): number {
  const x = `${a.field}|${a.message}`;
  const y = `${b.field}|${b.message}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
