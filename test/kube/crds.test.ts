// Checks the ray.io/v1 CustomResourceDefinitions in controller/deploy/crds/ against KubeRay v1.7.0:
// structure, field names and types, defaults, validation, printer columns, and that real manifests are
// not pruned. Self-contained: uses only `yaml` and node built-ins.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

type Schema = {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  minLength?: number;
  minItems?: number;
  nullable?: boolean;
  anyOf?: Schema[];
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  [k: string]: unknown;
};

type PrinterColumn = { name: string; type: string; jsonPath: string; priority?: number };

type Crd = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object; scale?: object };
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
};

const CRD_DIR = fileURLToPath(new URL('../../controller/deploy/crds/', import.meta.url));
const EXAMPLE_RAYJOB = '/work/shared/examples/llama-finetune.rayjob.yaml';

const KINDS = {
  RayCluster: 'rayclusters',
  RayJob: 'rayjobs',
  RayService: 'rayservices',
  RayCronJob: 'raycronjobs',
} as const;
type Kind = keyof typeof KINDS;

function loadCrd(kind: Kind): Crd {
  const text = readFileSync(`${CRD_DIR}ray.io_${KINDS[kind]}.yaml`, 'utf8');
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) throw new Error(`ray.io_${KINDS[kind]}.yaml: expected one YAML document, got ${docs.length}`);
  if (docs[0].errors.length) throw new Error(`ray.io_${KINDS[kind]}.yaml: ${docs[0].errors.map((e) => e.message).join('; ')}`);
  return docs[0].toJS() as Crd;
}

const crds = Object.fromEntries((Object.keys(KINDS) as Kind[]).map((k) => [k, loadCrd(k)])) as Record<Kind, Crd>;
const rootSchema = (kind: Kind): Schema => crds[kind].spec.versions[0].schema.openAPIV3Schema;

/** Resolve a dotted schema path; `[]` steps into array items, `{}` into additionalProperties. */
function schemaAt(root: Schema, path: string): Schema | undefined {
  let node: Schema | undefined = root;
  for (const raw of path.split('.')) {
    if (!node) return undefined;
    const steps = raw.match(/^([^[{]*)((?:\[\]|\{\})*)$/);
    if (!steps) return undefined;
    const [, name, suffix] = steps;
    if (name) node = node.properties?.[name];
    for (const s of suffix.match(/\[\]|\{\}/g) ?? []) {
      if (!node) return undefined;
      node = s === '[]' ? node.items : typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    }
  }
  return node;
}

const isIntOrString = (s: Schema) => s['x-kubernetes-int-or-string'] === true;
const preserves = (s: Schema) => s['x-kubernetes-preserve-unknown-fields'] === true;
const withoutDescription = (s: Schema | undefined): Schema | undefined => {
  if (!s) return s;
  const { description: _d, ...rest } = s;
  return rest;
};

// ---- structural schema rules (apiextensions.k8s.io/v1) -----------------------------------------

function structuralProblems(s: Schema, path: string, out: string[]): string[] {
  if (s.type === undefined && !isIntOrString(s)) out.push(`${path}: no type`);
  if (isIntOrString(s)) {
    const types = (s.anyOf ?? []).map((a) => a.type).sort();
    if (s.anyOf && JSON.stringify(types) !== JSON.stringify(['integer', 'string'])) out.push(`${path}: bad int-or-string anyOf`);
  }
  if (s.type === 'object') {
    if (s.properties && s.additionalProperties !== undefined) out.push(`${path}: properties and additionalProperties`);
    if (!s.properties && s.additionalProperties === undefined && !preserves(s) && path !== '.metadata') {
      out.push(`${path}: object without properties/additionalProperties/preserve-unknown-fields`);
    }
    for (const r of s.required ?? []) if (!s.properties?.[r]) out.push(`${path}: required ${r} is not a property`);
  }
  if (s.type === 'array' && !s.items) out.push(`${path}: array without items`);
  if (s.type !== 'object' && (s.properties || s.additionalProperties)) out.push(`${path}: properties on non-object`);
  if (s.enum) for (const e of s.enum) if (typeof e !== 'string') out.push(`${path}: non-string enum value`);
  if (s.default !== undefined) {
    const problems = validate(s.default, s, `${path}(default)`);
    out.push(...problems);
  }
  if (s['x-kubernetes-list-type'] === 'map') {
    for (const key of s['x-kubernetes-list-map-keys'] ?? []) {
      const item = s.items;
      if (!item?.properties?.[key] || !(item.required ?? []).includes(key)) out.push(`${path}: list-map key ${key} not required`);
    }
  }
  for (const [k, c] of Object.entries(s.properties ?? {})) structuralProblems(c, `${path}.${k}`, out);
  if (s.items) structuralProblems(s.items, `${path}[]`, out);
  if (typeof s.additionalProperties === 'object') structuralProblems(s.additionalProperties, `${path}{}`, out);
  return out;
}

// ---- a minimal apiserver-like validator: prune check, types, enums, minimum, required ----------

/** Returns problems; unknown fields (that the apiserver would prune) are reported as "unknown field". */
function validate(value: unknown, s: Schema, path: string): string[] {
  const out: string[] = [];
  if (value === null) {
    if (!s.nullable) out.push(`${path}: null`);
    return out;
  }
  if (isIntOrString(s)) {
    if (!(typeof value === 'string' || Number.isInteger(value))) out.push(`${path}: not int-or-string`);
    return out;
  }
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') out.push(`${path}: expected string, got ${typeof value}`);
      else {
        if (s.enum && !s.enum.includes(value)) out.push(`${path}: ${value} not in enum ${s.enum.join('|')}`);
        if (s.minLength !== undefined && value.length < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
      }
      return out;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (s.type === 'integer' && !Number.isInteger(value))) {
        out.push(`${path}: expected ${s.type}, got ${JSON.stringify(value)}`);
      } else if (s.minimum !== undefined && value < s.minimum) out.push(`${path}: below minimum ${s.minimum}`);
      return out;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${path}: expected boolean`);
      return out;
    case 'array':
      if (!Array.isArray(value)) out.push(`${path}: expected array`);
      else {
        if (s.minItems !== undefined && value.length < s.minItems) out.push(`${path}: fewer than ${s.minItems} items`);
        value.forEach((v, i) => out.push(...validate(v, s.items!, `${path}[${i}]`)));
      }
      return out;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        out.push(`${path}: expected object`);
        return out;
      }
      // Leaves: embedded Kubernetes types kept verbatim, and ObjectMeta (handled by the apiserver itself).
      if (preserves(s) || path === '.metadata') return out;
      const obj = value as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in obj)) out.push(`${path}.${r}: required`);
      for (const [k, v] of Object.entries(obj)) {
        const child = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (!child) out.push(`${path}.${k}: unknown field (would be pruned)`);
        else out.push(...validate(v, child, `${path}.${k}`));
      }
      return out;
    }
    default:
      out.push(`${path}: schema without type`);
      return out;
  }
}

/** Structural defaulting, as the apiserver does before validation (for present objects only). */
function applyDefaults(value: unknown, s: Schema): unknown {
  if (value === null || typeof value !== 'object' || preserves(s)) return value;
  if (Array.isArray(value)) return s.items ? value.map((v) => applyDefaults(v, s.items!)) : value;
  const obj: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, c] of Object.entries(s.properties ?? {})) {
    if (!(k in obj) && c.default !== undefined) obj[k] = structuredClone(c.default);
    if (k in obj) obj[k] = applyDefaults(obj[k], c);
  }
  if (typeof s.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) if (!s.properties?.[k]) obj[k] = applyDefaults(obj[k], s.additionalProperties);
  }
  return obj;
}

function admit(kind: Kind, manifest: unknown): { problems: string[]; defaulted: Record<string, any> } {
  const s = rootSchema(kind);
  const defaulted = applyDefaults(manifest, s) as Record<string, any>;
  return { problems: validate(defaulted, s, ''), defaulted };
}

// ---- expected fields ------------------------------------------------------------------------------

type T = 'string' | 'integer' | 'boolean' | 'number' | 'object' | 'array' | 'int-or-string' | 'map<string>' | 'preserve' | 'date-time';

const CLUSTER_SPEC: [string, T][] = [
  ['headGroupSpec', 'object'],
  ['headGroupSpec.template', 'preserve'],
  ['headGroupSpec.rayStartParams', 'map<string>'],
  ['headGroupSpec.serviceType', 'string'],
  ['headGroupSpec.headService', 'preserve'],
  ['headGroupSpec.enableIngress', 'boolean'],
  ['workerGroupSpecs', 'array'],
  ['workerGroupSpecs[].groupName', 'string'],
  ['workerGroupSpecs[].replicas', 'integer'],
  ['workerGroupSpecs[].minReplicas', 'integer'],
  ['workerGroupSpecs[].maxReplicas', 'integer'],
  ['workerGroupSpecs[].numOfHosts', 'integer'],
  ['workerGroupSpecs[].idleTimeoutSeconds', 'integer'],
  ['workerGroupSpecs[].scaleStrategy', 'object'],
  ['workerGroupSpecs[].scaleStrategy.workersToDelete', 'array'],
  ['workerGroupSpecs[].scaleStrategy.workersToDelete[]', 'string'],
  ['workerGroupSpecs[].suspend', 'boolean'],
  ['workerGroupSpecs[].template', 'preserve'],
  ['workerGroupSpecs[].rayStartParams', 'map<string>'],
  ['suspend', 'boolean'],
  ['enableInTreeAutoscaling', 'boolean'],
  ['autoscalerOptions', 'object'],
  ['autoscalerOptions.upscalingMode', 'string'],
  ['autoscalerOptions.idleTimeoutSeconds', 'integer'],
  ['autoscalerOptions.resources', 'object'],
  ['autoscalerOptions.resources.limits{}', 'int-or-string'],
  ['autoscalerOptions.resources.requests{}', 'int-or-string'],
  ['autoscalerOptions.image', 'string'],
  ['autoscalerOptions.imagePullPolicy', 'string'],
  ['autoscalerOptions.env', 'array'],
  ['autoscalerOptions.env[]', 'preserve'],
  ['autoscalerOptions.envFrom', 'array'],
  ['autoscalerOptions.envFrom[]', 'preserve'],
  ['autoscalerOptions.securityContext', 'preserve'],
  ['autoscalerOptions.version', 'string'],
  ['autoscalerOptions.volumeMounts', 'array'],
  ['autoscalerOptions.volumeMounts[]', 'preserve'],
  ['upgradeStrategy', 'object'],
  ['upgradeStrategy.type', 'string'],
  ['managedBy', 'string'],
  ['rayVersion', 'string'],
  ['gcsFaultToleranceOptions', 'object'],
  ['gcsFaultToleranceOptions.redisAddress', 'string'],
  ['gcsFaultToleranceOptions.redisPassword.value', 'string'],
  ['gcsFaultToleranceOptions.redisPassword.valueFrom', 'preserve'],
  ['gcsFaultToleranceOptions.externalStorageNamespace', 'string'],
  ['headServiceAnnotations', 'map<string>'],
];

const CLUSTER_STATUS: [string, T][] = [
  ['state', 'string'],
  ['reason', 'string'],
  ['readyWorkerReplicas', 'integer'],
  ['availableWorkerReplicas', 'integer'],
  ['desiredWorkerReplicas', 'integer'],
  ['minWorkerReplicas', 'integer'],
  ['maxWorkerReplicas', 'integer'],
  ['desiredCPU', 'int-or-string'],
  ['desiredMemory', 'int-or-string'],
  ['desiredGPU', 'int-or-string'],
  ['desiredTPU', 'int-or-string'],
  ['lastUpdateTime', 'date-time'],
  ['stateTransitionTimes', 'object'],
  ['stateTransitionTimes{}', 'date-time'],
  ['endpoints', 'map<string>'],
  ['head', 'object'],
  ['head.podIP', 'string'],
  ['head.podName', 'string'],
  ['head.serviceIP', 'string'],
  ['head.serviceName', 'string'],
  ['observedGeneration', 'integer'],
  ['conditions', 'array'],
  ['conditions[].type', 'string'],
  ['conditions[].status', 'string'],
  ['conditions[].reason', 'string'],
  ['conditions[].message', 'string'],
  ['conditions[].lastTransitionTime', 'date-time'],
];

const JOB_SPEC: [string, T][] = [
  ['entrypoint', 'string'],
  ['submissionMode', 'string'],
  ['rayClusterSpec', 'object'],
  ...CLUSTER_SPEC.map(([p, t]): [string, T] => [`rayClusterSpec.${p}`, t]),
  ['clusterSelector', 'map<string>'],
  ['shutdownAfterJobFinishes', 'boolean'],
  ['ttlSecondsAfterFinished', 'integer'],
  ['activeDeadlineSeconds', 'integer'],
  ['preRunningDeadlineSeconds', 'integer'],
  ['backoffLimit', 'integer'],
  ['suspend', 'boolean'],
  ['deletionStrategy', 'object'],
  ['deletionStrategy.deletionRules', 'array'],
  ['deletionStrategy.deletionRules[].policy', 'string'],
  ['deletionStrategy.deletionRules[].condition', 'object'],
  ['deletionStrategy.deletionRules[].condition.jobStatus', 'string'],
  ['deletionStrategy.deletionRules[].condition.jobDeploymentStatus', 'string'],
  ['deletionStrategy.deletionRules[].condition.ttlSeconds', 'integer'],
  ['deletionStrategy.onSuccess.policy', 'string'],
  ['deletionStrategy.onFailure.policy', 'string'],
  ['jobId', 'string'],
  ['runtimeEnvYAML', 'string'],
  ['metadata', 'map<string>'],
  ['entrypointNumCpus', 'number'],
  ['entrypointNumGpus', 'number'],
  ['entrypointResources', 'string'],
  ['submitterPodTemplate', 'preserve'],
  ['submitterConfig', 'object'],
  ['submitterConfig.backoffLimit', 'integer'],
  ['managedBy', 'string'],
];

const JOB_STATUS: [string, T][] = [
  ['jobId', 'string'],
  ['rayClusterName', 'string'],
  ['dashboardURL', 'string'],
  ['jobStatus', 'string'],
  ['jobDeploymentStatus', 'string'],
  ['reason', 'string'],
  ['message', 'string'],
  ['startTime', 'date-time'],
  ['endTime', 'date-time'],
  ['succeeded', 'integer'],
  ['failed', 'integer'],
  ['rayClusterStatus', 'object'],
  ...CLUSTER_STATUS.map(([p, t]): [string, T] => [`rayClusterStatus.${p}`, t]),
  ['observedGeneration', 'integer'],
];

const SERVICE_STATUS_PART: [string, T][] = [
  ['rayClusterName', 'string'],
  ['applicationStatuses', 'object'],
  ['applicationStatuses{}.status', 'string'],
  ['applicationStatuses{}.message', 'string'],
  ['applicationStatuses{}.serveDeploymentStatuses{}.status', 'string'],
  ['rayClusterStatus', 'object'],
  ['rayClusterStatus.state', 'string'],
  ['rayClusterStatus.head.podIP', 'string'],
];

const EXPECTED: Record<Kind, [string, T][]> = {
  RayCluster: [
    ...CLUSTER_SPEC.map(([p, t]): [string, T] => [`spec.${p}`, t]),
    ['status', 'object'],
    ...CLUSTER_STATUS.map(([p, t]): [string, T] => [`status.${p}`, t]),
  ],
  RayJob: [...JOB_SPEC.map(([p, t]): [string, T] => [`spec.${p}`, t]), ...JOB_STATUS.map(([p, t]): [string, T] => [`status.${p}`, t])],
  RayService: [
    ['spec.serveConfigV2', 'string'],
    ['spec.rayClusterConfig', 'object'],
    ...CLUSTER_SPEC.map(([p, t]): [string, T] => [`spec.rayClusterConfig.${p}`, t]),
    ['spec.upgradeStrategy', 'object'],
    ['spec.upgradeStrategy.type', 'string'],
    ['spec.upgradeStrategy.clusterUpgradeOptions', 'object'],
    ['spec.upgradeStrategy.clusterUpgradeOptions.maxSurgePercent', 'integer'],
    ['spec.upgradeStrategy.clusterUpgradeOptions.stepSizePercent', 'integer'],
    ['spec.upgradeStrategy.clusterUpgradeOptions.intervalSeconds', 'integer'],
    ['spec.upgradeStrategy.clusterUpgradeOptions.gatewayClassName', 'string'],
    ['spec.rayClusterDeletionDelaySeconds', 'integer'],
    ['spec.excludeHeadPodFromServeSvc', 'boolean'],
    ['spec.serveService', 'preserve'],
    ['spec.managedBy', 'string'],
    ...SERVICE_STATUS_PART.map(([p, t]): [string, T] => [`status.activeServiceStatus.${p}`, t]),
    ...SERVICE_STATUS_PART.map(([p, t]): [string, T] => [`status.pendingServiceStatus.${p}`, t]),
    ['status.serviceStatus', 'string'],
    ['status.conditions', 'array'],
    ['status.conditions[].type', 'string'],
    ['status.numServeEndpoints', 'integer'],
    ['status.observedGeneration', 'integer'],
    ['status.lastUpdateTime', 'date-time'],
  ],
  RayCronJob: [
    ['spec.jobTemplate', 'object'],
    ...JOB_SPEC.map(([p, t]): [string, T] => [`spec.jobTemplate.${p}`, t]),
    ['spec.schedule', 'string'],
    ['spec.timeZone', 'string'],
    ['spec.suspend', 'boolean'],
    ['status.lastScheduleTime', 'date-time'],
  ],
};

function hasType(s: Schema, t: T): boolean {
  switch (t) {
    case 'int-or-string':
      return isIntOrString(s) && s.type === undefined;
    case 'map<string>':
      return s.type === 'object' && typeof s.additionalProperties === 'object' && s.additionalProperties.type === 'string';
    case 'preserve':
      return s.type === 'object' && preserves(s);
    case 'date-time':
      return s.type === 'string' && s.format === 'date-time';
    case 'integer':
      return s.type === 'integer' && (s.format === 'int32' || s.format === 'int64');
    default:
      return s.type === t;
  }
}

// ---- tests ------------------------------------------------------------------------------------------

describe.each(Object.keys(KINDS) as Kind[])('%s CRD', (kind) => {
  const crd = crds[kind];
  const plural = KINDS[kind];
  const root = rootSchema(kind);

  it('is an apiextensions.k8s.io/v1 CRD named <plural>.ray.io with upstream names', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${plural}.ray.io`);
    expect(crd.spec.group).toBe('ray.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({
      kind,
      listKind: `${kind}List`,
      plural,
      singular: plural.replace(/s$/, ''),
      categories: ['all'],
    });
    expect(crd.spec.names.shortNames).toBeUndefined();
  });

  it('has exactly one version v1, served and storage, with a status subresource only', () => {
    expect(crd.spec.versions).toHaveLength(1);
    const [v] = crd.spec.versions;
    expect(v.name).toBe('v1');
    expect(v.served).toBe(true);
    expect(v.storage).toBe(true);
    expect(v.subresources).toEqual({ status: {} });
  });

  it('has a structural schema (every property typed)', () => {
    expect(root.type).toBe('object');
    expect(Object.keys(root.properties ?? {}).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    const problems: string[] = [];
    for (const [k, c] of Object.entries(root.properties!)) structuralProblems(c, `.${k}`, problems);
    expect(problems).toEqual([]);
  });

  it('declares every KubeRay field at the right path with the right type', () => {
    const wrong = EXPECTED[kind]
      .map(([path, t]) => {
        const s = schemaAt(root, path);
        if (!s) return `${path}: missing`;
        return hasType(s, t) ? undefined : `${path}: not ${t} (${JSON.stringify(withoutDescription(s)).slice(0, 120)})`;
      })
      .filter(Boolean);
    expect(wrong).toEqual([]);
  });

  it('keeps pod templates verbatim (preserve-unknown-fields)', () => {
    const templates: string[] = [];
    const find = (s: Schema, path: string) => {
      for (const [k, c] of Object.entries(s.properties ?? {})) {
        if (k === 'template' || k === 'submitterPodTemplate') templates.push(`${path}.${k}`);
        find(c, `${path}.${k}`);
      }
      if (s.items) find(s.items, `${path}[]`);
    };
    find(root, '');
    const expectedCount = { RayCluster: 2, RayJob: 3, RayService: 2, RayCronJob: 3 }[kind];
    expect(templates).toHaveLength(expectedCount);
    for (const p of templates) {
      const s = schemaAt(root, p.slice(1))!;
      expect(s, p).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
      expect(s.properties, p).toBeUndefined();
    }
    // The file says so at the top.
    const head = readFileSync(`${CRD_DIR}ray.io_${plural}.yaml`, 'utf8').split('\n---')[0];
    expect(head).toMatch(/x-kubernetes-preserve-unknown-fields/);
    expect(head).toMatch(/PodTemplateSpec/);
  });

  it('has printer columns whose jsonPaths resolve to declared schema paths', () => {
    const cols = crd.spec.versions[0].additionalPrinterColumns ?? [];
    expect(cols.length).toBeGreaterThan(0);
    for (const c of cols) {
      expect(c.jsonPath, c.name).toMatch(/^\.[A-Za-z]+(\.[A-Za-z]+)*$/);
      const path = c.jsonPath.slice(1);
      if (path.startsWith('metadata.')) {
        expect(['metadata.creationTimestamp', 'metadata.name', 'metadata.namespace']).toContain(path);
        continue;
      }
      const s = schemaAt(root, path);
      expect(s, `${c.name} -> ${c.jsonPath}`).toBeDefined();
      // The column type is compatible with the field (upstream prints integers/quantities as strings).
      if (c.type === 'integer') expect(s!.type).toBe('integer');
      if (c.type === 'boolean') expect(s!.type).toBe('boolean');
      if (c.type === 'date') expect(s!.format).toBe('date-time');
    }
  });
});

describe('printer columns are exactly KubeRay v1.7.0', () => {
  const cols = (k: Kind) =>
    (crds[k].spec.versions[0].additionalPrinterColumns ?? []).map((c) => [c.name, c.type, c.jsonPath, c.priority ?? 0]);
  it('RayCluster', () => {
    expect(cols('RayCluster')).toEqual([
      ['desired workers', 'integer', '.status.desiredWorkerReplicas', 0],
      ['available workers', 'integer', '.status.availableWorkerReplicas', 0],
      ['cpus', 'string', '.status.desiredCPU', 0],
      ['memory', 'string', '.status.desiredMemory', 0],
      ['gpus', 'string', '.status.desiredGPU', 0],
      ['tpus', 'string', '.status.desiredTPU', 1],
      ['status', 'string', '.status.state', 0],
      ['age', 'date', '.metadata.creationTimestamp', 0],
      ['head pod IP', 'string', '.status.head.podIP', 1],
      ['head service IP', 'string', '.status.head.serviceIP', 1],
    ]);
  });
  it('RayJob', () => {
    expect(cols('RayJob')).toEqual([
      ['job status', 'string', '.status.jobStatus', 0],
      ['deployment status', 'string', '.status.jobDeploymentStatus', 0],
      ['ray cluster name', 'string', '.status.rayClusterName', 0],
      ['start time', 'string', '.status.startTime', 0],
      ['end time', 'string', '.status.endTime', 0],
      ['age', 'date', '.metadata.creationTimestamp', 0],
    ]);
  });
  it('RayService', () => {
    expect(cols('RayService')).toEqual([
      ['service status', 'string', '.status.serviceStatus', 0],
      ['num serve endpoints', 'string', '.status.numServeEndpoints', 0],
    ]);
  });
  it('RayCronJob', () => {
    expect(cols('RayCronJob')).toEqual([
      ['schedule', 'string', '.spec.schedule', 0],
      ['timezone', 'string', '.spec.timeZone', 0],
      ['last schedule', 'date', '.status.lastScheduleTime', 0],
      ['age', 'date', '.metadata.creationTimestamp', 0],
      ['suspend', 'boolean', '.spec.suspend', 0],
    ]);
  });
});

describe('defaults and validation follow KubeRay', () => {
  const cluster = rootSchema('RayCluster');
  const job = rootSchema('RayJob');
  const service = rootSchema('RayService');
  const cron = rootSchema('RayCronJob');

  it('worker group defaults and required fields', () => {
    const wg = schemaAt(cluster, 'spec.workerGroupSpecs[]')!;
    expect(wg.required?.slice().sort()).toEqual(['groupName', 'maxReplicas', 'minReplicas', 'template']);
    expect(wg.properties!.replicas.default).toBe(0);
    expect(wg.properties!.minReplicas.default).toBe(0);
    expect(wg.properties!.maxReplicas.default).toBe(2147483647);
    expect(wg.properties!.numOfHosts.default).toBe(1);
    // Upstream has no CRD minimum on replica counts (the controller rejects negatives).
    expect(wg.properties!.replicas.minimum).toBeUndefined();
    expect(schemaAt(cluster, 'spec')!.required).toEqual(['headGroupSpec']);
    expect(schemaAt(cluster, 'spec.headGroupSpec')!.required).toEqual(['template']);
  });

  it('enums', () => {
    expect(schemaAt(cluster, 'spec.autoscalerOptions.upscalingMode')!.enum).toEqual(['Default', 'Aggressive', 'Conservative']);
    expect(schemaAt(cluster, 'spec.autoscalerOptions.version')!.enum).toEqual(['v1', 'v2']);
    expect(schemaAt(cluster, 'spec.upgradeStrategy.type')!.enum).toEqual(['Recreate', 'None']);
    const policies = ['DeleteCluster', 'DeleteWorkers', 'DeleteSelf', 'DeleteNone'];
    expect(schemaAt(job, 'spec.deletionStrategy.deletionRules[].policy')!.enum).toEqual(policies);
    expect(schemaAt(job, 'spec.deletionStrategy.onSuccess.policy')!.enum).toEqual(policies);
    expect(schemaAt(job, 'spec.deletionStrategy.onFailure.policy')!.enum).toEqual(policies);
    expect(schemaAt(job, 'spec.deletionStrategy.deletionRules[].condition.jobStatus')!.enum).toEqual(['SUCCEEDED', 'FAILED']);
    expect(schemaAt(job, 'spec.deletionStrategy.deletionRules[].condition.jobDeploymentStatus')!.enum).toEqual(['Failed']);
    expect(schemaAt(job, 'spec.deletionStrategy.deletionRules[]')!.required?.slice().sort()).toEqual(['condition', 'policy']);
    // Upstream: no CRD enum for submissionMode or RayService upgradeStrategy.type; values are documented.
    const mode = schemaAt(job, 'spec.submissionMode')!;
    expect(mode.enum).toBeUndefined();
    for (const m of ['K8sJobMode', 'HTTPMode', 'InteractiveMode', 'SidecarMode']) expect(mode.description).toContain(m);
    const upgrade = schemaAt(service, 'spec.upgradeStrategy.type')!;
    for (const m of ['NewCluster', 'NewClusterWithIncrementalUpgrade', 'None']) expect(upgrade.description).toContain(m);
  });

  it('RayJob defaults and minimums', () => {
    expect(schemaAt(job, 'spec.submissionMode')!.default).toBe('K8sJobMode');
    expect(schemaAt(job, 'spec.backoffLimit')!.default).toBe(0);
    expect(schemaAt(job, 'spec.ttlSecondsAfterFinished')!.default).toBe(0);
    expect(schemaAt(job, 'spec.preRunningDeadlineSeconds')!.minimum).toBe(1);
    expect(schemaAt(job, 'spec.deletionStrategy.deletionRules[].condition.ttlSeconds')).toMatchObject({ default: 0, minimum: 0 });
    expect(schemaAt(job, 'status.succeeded')!.default).toBe(0);
    expect(schemaAt(job, 'status.failed')!.default).toBe(0);
    // entrypoint is optional upstream (InteractiveMode).
    expect(schemaAt(job, 'spec')!.required ?? []).not.toContain('entrypoint');
    const rules = schemaAt(job, 'spec.deletionStrategy')!['x-kubernetes-validations'] ?? [];
    expect(rules.map((r) => r.rule)).toContain('!((has(self.onSuccess) || has(self.onFailure)) && has(self.deletionRules))');
  });

  it('RayService and RayCronJob validation', () => {
    expect(schemaAt(service, 'spec')!.required).toEqual(['rayClusterConfig']);
    expect(schemaAt(service, 'spec.rayClusterDeletionDelaySeconds')!.minimum).toBe(0);
    expect(schemaAt(service, 'spec.upgradeStrategy.clusterUpgradeOptions.maxSurgePercent')!.default).toBe(100);
    expect(schemaAt(cron, 'spec')!.required?.slice().sort()).toEqual(['jobTemplate', 'schedule']);
    expect(schemaAt(cron, 'spec.timeZone')!.minLength).toBe(1);
  });

  it('managedBy is immutable and restricted, everywhere it appears', () => {
    for (const [k, p] of [
      ['RayCluster', 'spec.managedBy'],
      ['RayJob', 'spec.managedBy'],
      ['RayJob', 'spec.rayClusterSpec.managedBy'],
      ['RayService', 'spec.managedBy'],
      ['RayCronJob', 'spec.jobTemplate.managedBy'],
    ] as [Kind, string][]) {
      const rules = (schemaAt(rootSchema(k), p)!['x-kubernetes-validations'] ?? []).map((r) => r.rule);
      expect(rules, `${k} ${p}`).toEqual(['self == oldSelf', "self in ['ray.io/kuberay-operator', 'kueue.x-k8s.io/multikueue']"]);
    }
  });

  it('embedded RayCluster/RayJob schemas are identical copies', () => {
    const clusterSpec = withoutDescription(schemaAt(cluster, 'spec'));
    const clusterStatus = withoutDescription(schemaAt(cluster, 'status'));
    expect(withoutDescription(schemaAt(job, 'spec.rayClusterSpec'))).toEqual(clusterSpec);
    expect(withoutDescription(schemaAt(service, 'spec.rayClusterConfig'))).toEqual(clusterSpec);
    expect(withoutDescription(schemaAt(job, 'status.rayClusterStatus'))).toEqual(clusterStatus);
    expect(withoutDescription(schemaAt(service, 'status.activeServiceStatus.rayClusterStatus'))).toEqual(clusterStatus);
    expect(withoutDescription(schemaAt(service, 'status.pendingServiceStatus.rayClusterStatus'))).toEqual(clusterStatus);
    expect(withoutDescription(schemaAt(cron, 'spec.jobTemplate'))).toEqual(withoutDescription(schemaAt(job, 'spec')));
  });
});

describe('manifests are admitted without pruning', () => {
  it.skipIf(!existsSync(EXAMPLE_RAYJOB))('the shared llama-finetune RayJob uses only declared fields', () => {
    const manifest = parse(readFileSync(EXAMPLE_RAYJOB, 'utf8'));
    expect(manifest.kind).toBe('RayJob');
    expect(manifest.apiVersion).toBe('ray.io/v1');
    const { problems, defaulted } = admit('RayJob', manifest);
    expect(problems).toEqual([]);
    // Defaults land where KubeRay's would.
    expect(defaulted.spec.submissionMode).toBe('K8sJobMode');
    expect(defaulted.spec.backoffLimit).toBe(0);
    const wg = defaulted.spec.rayClusterSpec.workerGroupSpecs[0];
    expect(wg).toMatchObject({ replicas: 4, minReplicas: 0, maxReplicas: 2147483647, numOfHosts: 1 });
    // The pod template is untouched (not pruned, not defaulted).
    expect(wg.template).toEqual(manifest.spec.rayClusterSpec.workerGroupSpecs[0].template);
  });

  it('the validator catches unknown fields, bad enums and missing required fields', () => {
    const bad = {
      apiVersion: 'ray.io/v1',
      kind: 'RayJob',
      metadata: { name: 'x' },
      spec: {
        entrypoint: 'python x.py',
        shutdownAfterJobFinish: true, // typo
        deletionStrategy: { deletionRules: [{ policy: 'DeleteEverything', condition: { jobStatus: 'SUCCEEDED' } }] },
        rayClusterSpec: { workerGroupSpecs: [{ groupName: 'w', template: {}, replicas: '2' }] },
      },
    };
    const { problems } = admit('RayJob', bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        '.spec.shutdownAfterJobFinish: unknown field (would be pruned)',
        expect.stringContaining('.spec.deletionStrategy.deletionRules[0].policy: DeleteEverything not in enum'),
        '.spec.rayClusterSpec.headGroupSpec: required',
        expect.stringContaining('.spec.rayClusterSpec.workerGroupSpecs[0].replicas: expected integer'),
      ]),
    );
  });

  const HEAD = {
    rayStartParams: { 'dashboard-host': '0.0.0.0' },
    template: {
      metadata: { labels: { app: 'x' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'ray-head',
            image: 'rayproject/ray:2.46.0',
            ports: [{ containerPort: 6379, name: 'gcs-server' }],
            resources: { limits: { cpu: 2, memory: '8Gi' }, requests: { cpu: '2', memory: '8Gi' } },
            futureField: { anything: [1, 2, 3] },
          },
        ],
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
    },
  };

  it('a RayCluster with autoscaling, GCS FT and a custom head service', () => {
    const rc = {
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'raycluster-autoscaler', labels: { 'kueue.x-k8s.io/queue-name': 'user-queue' } },
      spec: {
        rayVersion: '2.46.0',
        enableInTreeAutoscaling: true,
        autoscalerOptions: {
          upscalingMode: 'Conservative',
          idleTimeoutSeconds: 60,
          imagePullPolicy: 'IfNotPresent',
          securityContext: {},
          env: [{ name: 'X', value: '1' }],
          envFrom: [],
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '500m', memory: '512Mi' } },
        },
        gcsFaultToleranceOptions: { redisAddress: 'redis:6379', redisPassword: { valueFrom: { secretKeyRef: { name: 's', key: 'p' } } } },
        headServiceAnnotations: { a: 'b' },
        headGroupSpec: {
          ...HEAD,
          serviceType: 'ClusterIP',
          enableIngress: false,
          headService: { metadata: { name: 'custom-head' }, spec: { type: 'ClusterIP' } },
        },
        workerGroupSpecs: [
          {
            groupName: 'small-group',
            replicas: 1,
            minReplicas: 1,
            maxReplicas: 10,
            numOfHosts: 1,
            idleTimeoutSeconds: 120,
            scaleStrategy: { workersToDelete: ['raycluster-autoscaler-small-group-worker-abcde'] },
            rayStartParams: {},
            template: HEAD.template,
          },
        ],
        upgradeStrategy: { type: 'Recreate' },
        suspend: false,
      },
      status: {
        state: 'ready',
        desiredCPU: '4',
        desiredMemory: '16Gi',
        desiredGPU: '0',
        desiredTPU: '0',
        desiredWorkerReplicas: 1,
        head: { podIP: '10.0.0.1', serviceIP: '10.96.0.1', podName: 'h', serviceName: 's' },
        conditions: [
          { type: 'HeadPodReady', status: 'True', reason: 'HeadPodRunningAndReady', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' },
        ],
        stateTransitionTimes: { ready: '2025-01-01T00:00:00Z' },
        observedGeneration: 1,
      },
    };
    const { problems, defaulted } = admit('RayCluster', rc);
    expect(problems).toEqual([]);
    expect(defaulted.spec.headGroupSpec.template).toEqual(HEAD.template);
  });

  it('a RayService and a RayCronJob', () => {
    const svc = {
      apiVersion: 'ray.io/v1',
      kind: 'RayService',
      metadata: { name: 'rayservice-sample' },
      spec: {
        serveConfigV2: 'applications:\n  - name: fruit_app\n    import_path: fruit.deployment_graph\n',
        rayClusterDeletionDelaySeconds: 30,
        excludeHeadPodFromServeSvc: true,
        upgradeStrategy: { type: 'NewCluster' },
        serveService: { metadata: { name: 'serve' }, spec: { ports: [{ port: 8000 }] } },
        rayClusterConfig: { rayVersion: '2.46.0', headGroupSpec: HEAD, workerGroupSpecs: [{ groupName: 'g', template: HEAD.template }] },
      },
      status: {
        serviceStatus: 'Running',
        numServeEndpoints: 2,
        activeServiceStatus: {
          rayClusterName: 'rayservice-sample-abcde',
          applicationStatuses: {
            fruit_app: { status: 'RUNNING', serveDeploymentStatuses: { MangoStand: { status: 'HEALTHY' } } },
          },
          rayClusterStatus: { state: 'ready' },
        },
        pendingServiceStatus: {},
      },
    };
    expect(admit('RayService', svc).problems).toEqual([]);

    const cron = {
      apiVersion: 'ray.io/v1',
      kind: 'RayCronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '0 2 * * *',
        timeZone: 'Etc/UTC',
        suspend: false,
        jobTemplate: {
          entrypoint: 'python job.py',
          shutdownAfterJobFinishes: true,
          ttlSecondsAfterFinished: 60,
          rayClusterSpec: { headGroupSpec: HEAD },
          submitterPodTemplate: { spec: { restartPolicy: 'Never', containers: [{ name: 'submitter', image: 'ray' }] } },
        },
      },
      status: { lastScheduleTime: '2025-01-01T02:00:00Z' },
    };
    const cronClean = JSON.parse(JSON.stringify(cron));
    const { problems, defaulted } = admit('RayCronJob', cronClean);
    expect(problems).toEqual([]);
    expect(defaulted.spec.jobTemplate.submissionMode).toBe('K8sJobMode');
    const { schedule: _s, ...noSchedule } = cronClean.spec;
    expect(admit('RayCronJob', { ...cronClean, spec: noSchedule }).problems).toEqual(['.spec.schedule: required']);
  });
});
