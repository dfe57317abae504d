// Validation of the ray.io/v1 kinds, mirroring KubeRay v1.7.0's
// ray-operator/controllers/ray/utils/validation.go (ValidateRayCluster{Metadata,Spec,UpgradeOptions,
// Status}, ValidateRayJob{Metadata,Spec,Status}, ValidateRayService{Metadata,Spec},
// ValidateRayCronJobSpec) plus the CRD's CEL rules, which raysim's API server does not evaluate.
// Pure: inputs are never modified.
//
// Differences from KubeRay, on purpose:
// - every problem is reported, each with the field it concerns (KubeRay stops at the first);
// - messages are KubeRay's, without its "The RayJob spec is invalid: " style prefixes (the
//   `field` says where); use problemsMessage() for one event message;
// - `strict: true` adds raysim's own checks for manifests KubeRay accepts but cannot run as meant:
//   unique worker group names, numOfHosts >= 1, minReplicas <= replicas <= maxReplicas, a known
//   submissionMode, entrypoint set (unless InteractiveMode), submitterPodTemplate/submitterConfig
//   only in K8sJobMode, not both rayClusterSpec and clusterSelector, serveConfigV2 parsing as a YAML
//   mapping. Without it the accepted set is exactly KubeRay's.

import { parse as parseYaml } from 'yaml';
import type { ObjectMeta } from '../runtime/kube-object.js';
import type { Container, EnvVar } from './core-types.js';
import type { RayCluster, RayClusterSpec, WorkerGroupSpec } from './raycluster-types.js';
import type { RayJob, RayJobSpec } from './rayjob-types.js';
import type { RayService, RayServiceSpec } from './rayservice-types.js';
import type { RayCronJob } from './raycronjob-types.js';
import {
  COLLECTOR_CONTAINER_NAME,
  GCS_STORAGE_MOUNT_PATH,
  GCS_STORAGE_VOLUME_NAME,
  KUBERAY_CONTROLLER,
  KUBERAY_GEN_AUTOSCALER_START_CMD,
  MAX_RAY_CLUSTER_NAME_LENGTH,
  MAX_RAY_CRON_JOB_NAME_LENGTH,
  MAX_RAY_JOB_NAME_LENGTH,
  MAX_RAY_SERVICE_NAME_LENGTH,
  MULTIKUEUE_CONTROLLER,
  RAY_ENABLE_AUTOSCALER_V2,
  RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY,
  RAY_FT_ENABLED_ANNOTATION_KEY,
  RAY_GCS_STORAGE,
  RAY_GCS_STORAGE_PATH,
  RAY_JOB_CLUSTER_SELECTOR_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_REDIS_ADDRESS,
  RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION,
  RAY_TLS_CA_CERT,
  RAY_TLS_CERT_MOUNT_PATH,
  RAY_TLS_SERVER_CERT,
  RAY_TLS_SERVER_KEY,
  RAY_TLS_VOLUME_NAME,
  RAY_USE_TLS,
  REDIS_PASSWORD,
  REDIS_USERNAME,
} from './constants.js';
import { cronError, isValidTimeZone, parseGoDuration } from './cron.js';
import { DEFAULT_FEATURE_GATES, type FeatureGate, type FeatureGates } from './features.js';
import { isDns1035Label, isDns1123Label, isQualifiedName, isValidLabelValue } from './k8s-names.js';
import { ALL_SUBMISSION_MODES } from './rayjob-types.js';
import { ALL_RAY_SERVICE_UPGRADE_TYPES } from './rayservice-types.js';

export interface FieldProblem {
  /** Path of the offending field: "spec.workerGroupSpecs[1].minReplicas", "metadata.annotations[ray.io/ft-enabled]". */
  field: string;
  message: string;
}

export interface ValidationOptions {
  /** KubeRay feature gates (upstream defaults when unset). */
  featureGates?: FeatureGates;
  /** Add raysim's checks beyond KubeRay's (see the file comment). */
  strict?: boolean;
}

/** "field: message; field: message" (for a Warning event or a status message). */
export function problemsMessage(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Plumbing
// ---------------------------------------------------------------------------------------------

class Ctx {
  readonly problems: FieldProblem[] = [];
  readonly gates: FeatureGates;
  readonly strict: boolean;
  constructor(opts: ValidationOptions) {
    this.gates = opts.featureGates ?? DEFAULT_FEATURE_GATES;
    this.strict = opts.strict ?? false;
  }
  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }
  enabled(gate: FeatureGate): boolean {
    return this.gates[gate] === true;
  }
}

type Json = Record<string, any>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);
/** Go's %v of a []string. */
const goList = (xs: string[]): string => `[${xs.join(' ')}]`;
/** Map-key field path, as Kubernetes writes it. */
const key = (path: string, k: string): string => `${path}[${k}]`;

function envVar(name: string, envs: EnvVar[] | undefined): EnvVar | undefined {
  return arr(envs).find((e) => isObj(e) && e.name === name);
}
const envVarExists = (name: string, envs: EnvVar[] | undefined): boolean => envVar(name, envs) !== undefined;

function podContainers(template: unknown): Container[] {
  return isObj(template) && isObj(template.spec) ? arr(template.spec.containers as Container[]) : [];
}
function podRestartPolicy(template: unknown): string {
  return isObj(template) && isObj(template.spec) && typeof template.spec.restartPolicy === 'string' ? template.spec.restartPolicy : '';
}

/** version.ParseGeneric: two or more dot-separated numbers, optional leading "v", trailing text ignored. */
function parseGenericVersion(v: string): number[] | undefined {
  const m = /^\s*v?([0-9]+(?:\.[0-9]+)+)(.*)$/.exec(v);
  if (!m) return undefined;
  return m[1]!.split('.').map(Number);
}
function versionLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function checkManagedBy(ctx: Ctx, value: unknown, field: string): void {
  if (value === undefined) return;
  if (value !== KUBERAY_CONTROLLER && value !== MULTIKUEUE_CONTROLLER) {
    ctx.add(field, `the managedBy field value must be either '${KUBERAY_CONTROLLER}' or '${MULTIKUEUE_CONTROLLER}'`);
  }
}

/** YAML text -> error text for a value that must unmarshal into map[string]any, or undefined. */
function yamlMappingError(text: string): string | undefined {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
  if (v === null || v === undefined || isObj(v)) return undefined;
  const what = Array.isArray(v) ? 'array' : typeof v;
  return `error unmarshaling JSON: json: cannot unmarshal ${what} into Go value of type map[string]interface {}`;
}

function checkName(ctx: Ctx, meta: ObjectMeta | undefined, kind: string, max: number): void {
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (name.length > max) ctx.add('metadata.name', `${kind} name should be no more than ${max} characters`);
  const errs = isDns1035Label(name);
  if (errs.length) ctx.add('metadata.name', `${kind} name should be a valid DNS1035 label: ${goList(errs)}`);
}

// ---------------------------------------------------------------------------------------------
// RayCluster
// ---------------------------------------------------------------------------------------------

export function validateRayClusterMetadata(meta: ObjectMeta | undefined): FieldProblem[] {
  const ctx = new Ctx({});
  checkName(ctx, meta, 'RayCluster', MAX_RAY_CLUSTER_NAME_LENGTH);
  return ctx.problems;
}

export interface ClusterSpecContext extends ValidationOptions {
  /** Annotations of the object that carries the spec (RayCluster, RayJob or RayService). */
  annotations?: Record<string, string>;
  /** Path of the spec: "spec", "spec.rayClusterSpec", "spec.rayClusterConfig". */
  path?: string;
}

/** ValidateRayClusterSpec, for a RayCluster's spec or one embedded in a RayJob/RayService. */
export function validateRayClusterSpec(spec: RayClusterSpec | undefined, opts: ClusterSpecContext = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  clusterSpec(ctx, spec, opts.path ?? 'spec', opts.annotations ?? {});
  return ctx.problems;
}

function groupResources(ctx: Ctx, group: string, path: string, rayStartParams: Json | undefined, resources: Json | undefined): void {
  const p = isObj(rayStartParams) ? rayStartParams : {};
  const has = ['num-cpus', 'num-gpus', 'memory', 'resources'].some((k) => typeof p[k] === 'string' && p[k] !== '');
  if (has && isObj(resources) && Object.keys(resources).length > 0) {
    ctx.add(`${path}.resources`, `resource fields should not be set in both rayStartParams and Resources for ${group} group; please use only one`);
  }
}

function groupLabels(ctx: Ctx, group: string, path: string, rayStartParams: Json | undefined, labels: Json | undefined): void {
  if (isObj(rayStartParams) && Object.prototype.hasOwnProperty.call(rayStartParams, 'labels')) {
    ctx.add(key(`${path}.rayStartParams`, 'labels'), `rayStartParams['labels'] is not supported for ${group} group; please use the top-level Labels field instead`);
  }
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const e of isQualifiedName(k)) ctx.add(key(`${path}.labels`, k), `invalid label key for ${group} group: '${k}', error: ${e}`);
    for (const e of isValidLabelValue(String(v))) ctx.add(key(`${path}.labels`, k), `invalid label value for key '${k}' in ${group} group: '${String(v)}', error: ${e}`);
  }
}

function clusterSpec(ctx: Ctx, spec: RayClusterSpec | undefined, path: string, annotations: Record<string, string>): void {
  if (!isObj(spec)) {
    ctx.add(`${path}.headGroupSpec`, 'headGroupSpec should have at least one container');
    return;
  }
  const head = isObj(spec.headGroupSpec) ? spec.headGroupSpec : undefined;
  const headPath = `${path}.headGroupSpec`;
  const headContainers = podContainers(head?.template);
  const headContainer: Container | undefined = isObj(headContainers[0]) ? headContainers[0] : undefined;
  const headEnv = headContainer?.env;
  const groups = arr(spec.workerGroupSpecs);
  const autoscaling = spec.enableInTreeAutoscaling === true;
  const autoscalingV2 = isObj(spec.autoscalerOptions) && spec.autoscalerOptions.version === 'v2';
  const v2ByEnv = ['1', 'true'].includes(envVar(RAY_ENABLE_AUTOSCALER_V2, headEnv)?.value ?? '');
  const groupPath = (i: number) => `${path}.workerGroupSpecs[${i}]`;

  if (headContainers.length === 0) ctx.add(`${headPath}.template.spec.containers`, 'headGroupSpec should have at least one container');
  groupResources(ctx, 'Head', headPath, head?.rayStartParams, head?.resources);
  groupLabels(ctx, 'Head', headPath, head?.rayStartParams, head?.labels);

  const seen = new Map<string, number>();
  groups.forEach((g: WorkerGroupSpec, i) => {
    const gp = groupPath(i);
    if (!isObj(g)) {
      ctx.add(gp, 'workerGroupSpec should have at least one container');
      return;
    }
    const name = String(g.groupName ?? '');
    if (podContainers(g.template).length === 0) ctx.add(`${gp}.template.spec.containers`, 'workerGroupSpec should have at least one container');
    const min = g.minReplicas;
    const max = g.maxReplicas;
    if (!autoscaling && (min === undefined || min === null || max === undefined || max === null)) {
      ctx.add(gp, `worker group ${name} must set both minReplicas and maxReplicas when autoscaling is disabled`);
    }
    if (isNum(min) && min < 0) ctx.add(`${gp}.minReplicas`, `worker group ${name} has negative minReplicas ${min}`);
    if (isNum(max) && max < 0) ctx.add(`${gp}.maxReplicas`, `worker group ${name} has negative maxReplicas ${max}`);
    if (isNum(min) && isNum(max) && min > max) ctx.add(`${gp}.minReplicas`, `worker group ${name} has minReplicas ${min} greater than maxReplicas ${max}`);
    groupResources(ctx, name, gp, g.rayStartParams, g.resources);
    groupLabels(ctx, name, gp, g.rayStartParams, g.labels);

    // validateWorkerGroupIdleTimeout
    if (isNum(g.idleTimeoutSeconds)) {
      if (g.idleTimeoutSeconds < 0) ctx.add(`${gp}.idleTimeoutSeconds`, `worker group ${name}: idleTimeoutSeconds must be non-negative, got ${g.idleTimeoutSeconds}`);
      else if (!autoscalingV2 && !v2ByEnv) {
        ctx.add(
          `${gp}.idleTimeoutSeconds`,
          `worker group ${name}: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set ${RAY_ENABLE_AUTOSCALER_V2} environment variable to 'true' in the head pod if using KubeRay < 1.4.0)`,
        );
      }
    }
    // validateWorkerGroupPriority
    if (isNum(g.priority) && g.priority !== 0) {
      const rv = typeof spec.rayVersion === 'string' ? spec.rayVersion : '';
      const parsed = rv ? parseGenericVersion(rv) : undefined;
      if (!rv) ctx.add(`${gp}.priority`, `worker group ${name}: priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required`);
      else if (!parsed) ctx.add(`${gp}.priority`, `worker group ${name}: priority is set, but RayVersion format is invalid: ${rv}, could not parse "${rv}" as version`);
      else if (versionLess(parsed, [2, 56, 0])) ctx.add(`${gp}.priority`, `worker group ${name}: priority is set, but minimum Ray version is 2.56.0, got ${rv}`);
      else if (!autoscalingV2 && !v2ByEnv) ctx.add(`${gp}.priority`, `worker group ${name}: priority is set to ${g.priority}, but autoscaler v2 is not enabled. Priority is only supported with autoscaler v2 enabled`);
    }

    if (ctx.strict) {
      const first = seen.get(name);
      if (first !== undefined) ctx.add(`${gp}.groupName`, `worker group name ${name} is not unique: workerGroupSpecs[${first}] has the same name`);
      else seen.set(name, i);
      if (g.numOfHosts !== undefined && !(isNum(g.numOfHosts) && g.numOfHosts >= 1)) ctx.add(`${gp}.numOfHosts`, `worker group ${name} has numOfHosts ${String(g.numOfHosts)}; it must be at least 1`);
      if (isNum(g.replicas) && isNum(min) && g.replicas < min) ctx.add(`${gp}.replicas`, `worker group ${name} has replicas ${g.replicas} less than minReplicas ${min}`);
      if (isNum(g.replicas) && isNum(max) && g.replicas > max) ctx.add(`${gp}.replicas`, `worker group ${name} has replicas ${g.replicas} greater than maxReplicas ${max}`);
    }
  });

  // GCS fault tolerance
  const ft = isObj(spec.gcsFaultToleranceOptions) ? spec.gcsFaultToleranceOptions : undefined;
  const ftAnnotation = annotations[RAY_FT_ENABLED_ANNOTATION_KEY];
  if (ftAnnotation !== undefined && ftAnnotation !== '' && ft) {
    ctx.add(
      key('metadata.annotations', RAY_FT_ENABLED_ANNOTATION_KEY),
      `${RAY_FT_ENABLED_ANNOTATION_KEY} annotation and GcsFaultToleranceOptions are both set. Please use only GcsFaultToleranceOptions to configure GCS fault tolerance`,
    );
  }
  const ftEnabled = (ftAnnotation ?? '').toLowerCase() === 'true' || ft !== undefined;
  const headEnvPath = `${headPath}.template.spec.containers[0].env`;
  if (!ftEnabled && envVarExists(RAY_REDIS_ADDRESS, headEnv)) {
    ctx.add(
      headEnvPath,
      `${RAY_REDIS_ADDRESS} is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance`,
    );
  }
  const headParams: Json = isObj(head?.rayStartParams) ? head!.rayStartParams! : {};
  if (ft) {
    const ftPath = `${path}.gcsFaultToleranceOptions`;
    if (headParams['redis-password']) {
      ctx.add(key(`${headPath}.rayStartParams`, 'redis-password'), 'cannot set `redis-password` in rayStartParams when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead');
    }
    if (envVarExists(REDIS_PASSWORD, headEnv)) {
      ctx.add(headEnvPath, 'cannot set `REDIS_PASSWORD` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead');
    }
    if (envVarExists(RAY_REDIS_ADDRESS, headEnv)) {
      ctx.add(headEnvPath, 'cannot set `RAY_REDIS_ADDRESS` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisAddress instead');
    }
    if (annotations[RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY]) {
      ctx.add(
        key('metadata.annotations', RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY),
        'cannot set `ray.io/external-storage-namespace` annotation when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.ExternalStorageNamespace instead',
      );
    }
    const backend = ft.backend || 'redis';
    if (backend === 'rocksdb') {
      if (!ctx.enabled('GCSFaultToleranceEmbeddedStorage')) {
        ctx.add(
          `${ftPath}.backend`,
          "the embedded RocksDB GCS fault tolerance backend (GcsFaultToleranceOptions.Backend: 'rocksdb') requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled",
        );
      }
      if (ft.redisAddress) ctx.add(`${ftPath}.redisAddress`, "cannot set GcsFaultToleranceOptions.RedisAddress when backend is 'rocksdb'");
      if (ft.redisUsername !== undefined) ctx.add(`${ftPath}.redisUsername`, "cannot set GcsFaultToleranceOptions.RedisUsername when backend is 'rocksdb'");
      if (ft.redisPassword !== undefined) ctx.add(`${ftPath}.redisPassword`, "cannot set GcsFaultToleranceOptions.RedisPassword when backend is 'rocksdb'");
      if (ft.externalStorageNamespace) ctx.add(`${ftPath}.externalStorageNamespace`, "cannot set GcsFaultToleranceOptions.ExternalStorageNamespace when backend is 'rocksdb'");
      const st = ft.storage;
      if (isObj(st) && st.claimName && (st.size !== undefined || st.storageClassName !== undefined || arr(st.accessModes).length > 0)) {
        ctx.add(`${ftPath}.storage.claimName`, 'GcsFaultToleranceOptions.Storage.ClaimName is mutually exclusive with size, storageClassName, and accessModes');
      }
      if (envVarExists(RAY_GCS_STORAGE, headEnv) || envVarExists(RAY_GCS_STORAGE_PATH, headEnv)) {
        ctx.add(headEnvPath, `cannot set \`${RAY_GCS_STORAGE}\` or \`${RAY_GCS_STORAGE_PATH}\` env var in head Pod when the embedded GCS FT backend is used - these are managed by KubeRay`);
      }
      if (arr(headContainer?.volumeMounts).some((m) => isObj(m) && (m.mountPath === GCS_STORAGE_MOUNT_PATH || m.name === GCS_STORAGE_VOLUME_NAME))) {
        ctx.add(
          `${headPath}.template.spec.containers[0].volumeMounts`,
          `cannot set a volume mount named "${GCS_STORAGE_VOLUME_NAME}" or mounted at ${GCS_STORAGE_MOUNT_PATH} in the head container when the embedded GCS FT backend is used - it is managed by KubeRay`,
        );
      }
      const volumes = isObj(head?.template) && isObj(head!.template.spec) ? arr(head!.template.spec.volumes) : [];
      if (volumes.some((v) => isObj(v) && v.name === GCS_STORAGE_VOLUME_NAME)) {
        ctx.add(`${headPath}.template.spec.volumes`, `cannot set a volume named "${GCS_STORAGE_VOLUME_NAME}" in the head Pod when the embedded GCS FT backend is used - it is managed by KubeRay`);
      }
    } else if (ft.storage !== undefined) {
      ctx.add(`${ftPath}.storage`, "cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend");
    }
  }
  if (headParams['redis-username'] || envVarExists(REDIS_USERNAME, headEnv)) {
    ctx.add(headParams['redis-username'] ? key(`${headPath}.rayStartParams`, 'redis-username') : headEnvPath, 'cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead');
  }

  groups.forEach((g, i) => {
    if (!isObj(g) || g.suspend !== true) return;
    const name = String(g.groupName ?? '');
    if (!ctx.enabled('RayJobDeletionPolicy')) ctx.add(`${groupPath(i)}.suspend`, `worker group ${name} can be suspended only when the RayJobDeletionPolicy feature gate is enabled`);
    if (autoscaling) ctx.add(`${groupPath(i)}.suspend`, `worker group ${name} cannot be suspended with Autoscaler enabled`);
  });

  if (!autoscaling) {
    const v = envVar(RAY_ENABLE_AUTOSCALER_V2, headEnv)?.value;
    if (v === '1' || v === 'true') {
      ctx.add(headEnvPath, `environment variable ${RAY_ENABLE_AUTOSCALER_V2} cannot be set to '${v}' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2`);
    }
  } else {
    if (isObj(spec.autoscalerOptions) && spec.autoscalerOptions.version !== undefined && envVarExists(RAY_ENABLE_AUTOSCALER_V2, headEnv)) {
      ctx.add(`${path}.autoscalerOptions.version`, `both .spec.autoscalerOptions.version and head Pod env var ${RAY_ENABLE_AUTOSCALER_V2} are set, please only use the former`);
    }
    if (autoscalingV2) {
      const rp = podRestartPolicy(head?.template);
      if (rp !== '' && rp !== 'Never') ctx.add(`${headPath}.template.spec.restartPolicy`, 'restartPolicy for head Pod should be Never or unset when using autoscaler V2');
      groups.forEach((g, i) => {
        if (!isObj(g)) return;
        const wrp = podRestartPolicy(g.template);
        if (wrp !== '' && wrp !== 'Never') ctx.add(`${groupPath(i)}.template.spec.restartPolicy`, `restartPolicy for worker group ${String(g.groupName ?? '')} should be Never or unset when using autoscaler V2`);
      });
    }
  }

  const ao = isObj(spec.autoscalerOptions) ? spec.autoscalerOptions : undefined;
  if (ao && isNum(ao.idleTimeoutSeconds) && ao.idleTimeoutSeconds < 0) {
    ctx.add(`${path}.autoscalerOptions.idleTimeoutSeconds`, `autoscalerOptions.idleTimeoutSeconds must be non-negative, got ${ao.idleTimeoutSeconds}`);
  }
  if (ao && envVarExists(KUBERAY_GEN_AUTOSCALER_START_CMD, ao.env)) {
    ctx.add(`${path}.autoscalerOptions.env`, `autoscalerOptions.env must not contain ${KUBERAY_GEN_AUTOSCALER_START_CMD}: it is managed by KubeRay and injected automatically into the autoscaler container`);
  }

  historyServer(ctx, spec, path);
  auth(ctx, spec, path);

  if (spec.networkPolicy !== undefined && !ctx.enabled('RayClusterNetworkPolicy')) {
    ctx.add(`${path}.networkPolicy`, 'spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled');
  }
  networkPolicy(ctx, spec, path);
  if (spec.tlsOptions !== undefined && !ctx.enabled('RayClusterMTLS')) {
    ctx.add(`${path}.tlsOptions`, 'spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled');
  }
  tlsOptions(ctx, spec, path);
  checkManagedBy(ctx, spec.managedBy, `${path}.managedBy`);
}

const HISTORY_FORBIDDEN_ENV = ['POD_IP', 'FQ_RAY_IP', 'RAY_CLUSTER_NAME', 'RAY_CLUSTER_NAMESPACE', 'RAY_ROLE', 'OWNER_KIND', 'OWNER_NAME', 'EVENTS_PORT'];

function historyServer(ctx: Ctx, spec: RayClusterSpec, path: string): void {
  const hs = spec.historyServerOptions;
  if (hs === undefined) return;
  const hp = `${path}.historyServerOptions`;
  if (!ctx.enabled('RayClusterHistoryServer')) ctx.add(hp, 'RayClusterHistoryServer feature gate is not enabled');
  const co = isObj(hs) ? hs.collectorOptions : undefined;
  if (!isObj(co)) {
    ctx.add(`${hp}.collectorOptions`, 'historyServerOptions.collectorOptions must be set');
    return;
  }
  const cp = `${hp}.collectorOptions`;
  if (!co.image) ctx.add(`${cp}.image`, 'historyServerOptions.collectorOptions.image must be set');
  const envs = new Map(arr(co.env).filter(isObj).map((e) => [String(e.name), e as EnvVar]));
  const hasValue = (n: string) => {
    const e = envs.get(n);
    return e !== undefined && ((e.value ?? '') !== '' || e.valueFrom !== undefined);
  };
  for (const n of HISTORY_FORBIDDEN_ENV) {
    if (envs.has(n)) ctx.add(`${cp}.env`, `historyServerOptions.collectorOptions.env must not contain ${n}: it is managed by KubeRay and injected automatically into the collector container`);
  }
  const backend = envs.get('STORAGE_BACKEND')?.value ?? '';
  if (backend === '') {
    ctx.add(`${cp}.env`, 'STORAGE_BACKEND environment variable must be set with a literal string value in historyServerOptions.collectorOptions.env');
  } else {
    const need = (n: string, why: string) => {
      if (!hasValue(n)) ctx.add(`${cp}.env`, `${n} environment variable must be set when STORAGE_BACKEND is ${why}`);
    };
    switch (backend.toUpperCase()) {
      case 'GCS':
        need('GCS_BUCKET', 'GCS');
        break;
      case 'S3':
        need('S3_REGION', 'S3');
        break;
      case 'AZUREBLOB': {
        const mode = (envs.get('AZURE_STORAGE_AUTH_MODE')?.value ?? '').trim().toLowerCase();
        if (mode === 'connection_string') need('AZURE_STORAGE_CONNECTION_STRING', 'AZUREBLOB and AZURE_STORAGE_AUTH_MODE is connection_string');
        else if (mode === 'workload_identity' || mode === 'default') need('AZURE_STORAGE_ACCOUNT_URL', `AZUREBLOB and AZURE_STORAGE_AUTH_MODE is ${mode}`);
        else if (!hasValue('AZURE_STORAGE_CONNECTION_STRING') && !hasValue('AZURE_STORAGE_ACCOUNT_URL')) {
          ctx.add(`${cp}.env`, 'either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL environment variable must be set when STORAGE_BACKEND is AZUREBLOB');
        }
        break;
      }
      case 'ALIYUNOSS':
        need('OSS_BUCKET', 'ALIYUNOSS');
        need('OSS_ENDPOINT', 'ALIYUNOSS');
        need('OSS_REGION', 'ALIYUNOSS');
        break;
    }
  }
  if (podContainers(spec.headGroupSpec?.template).some((c) => isObj(c) && c.name === COLLECTOR_CONTAINER_NAME)) {
    ctx.add(`${path}.headGroupSpec.template.spec.containers`, `head pod template must not define a container with name '${COLLECTOR_CONTAINER_NAME}' when history server collector options are enabled`);
  }
  arr(spec.workerGroupSpecs).forEach((g, i) => {
    if (isObj(g) && podContainers(g.template).some((c) => isObj(c) && c.name === COLLECTOR_CONTAINER_NAME)) {
      ctx.add(
        `${path}.workerGroupSpecs[${i}].template.spec.containers`,
        `worker group ${String(g.groupName ?? '')} pod template must not define a container with name '${COLLECTOR_CONTAINER_NAME}' when history server collector options are enabled`,
      );
    }
  });
}

function auth(ctx: Ctx, spec: RayClusterSpec, path: string): void {
  const a = isObj(spec.authOptions) ? spec.authOptions : undefined;
  const ap = `${path}.authOptions`;
  const k8sAuth = a?.enableK8sTokenAuth === true;
  if (a?.mode === 'token') {
    const rv = typeof spec.rayVersion === 'string' ? spec.rayVersion : '';
    const parsed = rv ? parseGenericVersion(rv) : undefined;
    if (!rv) ctx.add(`${path}.rayVersion`, "authOptions.mode is 'token' but RayVersion was not specified. Ray version 2.52.0 or later is required");
    else if (!parsed) ctx.add(`${path}.rayVersion`, `authOptions.mode is 'token' but RayVersion format is invalid: ${rv}, could not parse "${rv}" as version`);
    else if (versionLess(parsed, [2, 52, 0])) ctx.add(`${path}.rayVersion`, `authOptions.mode is 'token' but minimum Ray version is 2.52.0, got ${rv}`);
    else if (k8sAuth) {
      if (versionLess(parsed, [2, 55, 0])) ctx.add(`${path}.rayVersion`, `authOptions.enableK8sTokenAuth is enabled but minimum Ray version is 2.55.0, got ${rv}`);
      else if (a.secretName) ctx.add(`${ap}.secretName`, 'authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set');
    }
  } else if (k8sAuth) {
    ctx.add(`${ap}.enableK8sTokenAuth`, "authOptions.enableK8sTokenAuth is enabled but authOptions.mode not set to 'token'");
  }
}

function networkPolicy(ctx: Ctx, spec: RayClusterSpec, path: string): void {
  const np = isObj(spec.networkPolicy) ? spec.networkPolicy : undefined;
  if (!np) return;
  const npPath = `${path}.networkPolicy`;
  const mode = np.mode ?? 'DenyAll';
  const rules = (r: unknown, where: string, label: string) => {
    if (!isObj(r)) return;
    if (mode === 'DenyAllEgress' && arr(r.ingressRules).length > 0) ctx.add(`${where}.ingressRules`, `networkPolicy.${label}.ingressRules cannot be set when mode is "${mode}" (ingress is not restricted)`);
    if (mode === 'DenyAllIngress' && arr(r.egressRules).length > 0) ctx.add(`${where}.egressRules`, `networkPolicy.${label}.egressRules cannot be set when mode is "${mode}" (egress is not restricted)`);
  };
  rules(np.head, `${npPath}.head`, 'head');
  rules(np.worker, `${npPath}.worker`, 'worker');
  const names = new Set<string>();
  arr(spec.workerGroupSpecs).forEach((g, i) => {
    const name = isObj(g) ? String(g.groupName ?? '') : '';
    const errs = isDns1123Label(name);
    if (errs.length) {
      ctx.add(`${path}.workerGroupSpecs[${i}].groupName`, `worker group name "${name}" must be a valid DNS1123 label when networkPolicy is enabled (it is embedded in the NetworkPolicy name): ${goList(errs)}`);
    }
    names.add(name);
  });
  arr(np.workerGroups).forEach((wg, i) => {
    if (!isObj(wg)) return;
    const label = `workerGroups["${String(wg.groupName)}"]`;
    rules(wg, `${npPath}.workerGroups[${i}]`, label);
    if (!names.has(String(wg.groupName))) ctx.add(`${npPath}.workerGroups[${i}].groupName`, `networkPolicy.${label} does not match any group name in workerGroupSpecs`);
  });
}

const TLS_FORBIDDEN_ENV = [RAY_USE_TLS, RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT];

function tlsOptions(ctx: Ctx, spec: RayClusterSpec, path: string): void {
  if (!ctx.enabled('RayClusterMTLS') || !isObj(spec.tlsOptions) || spec.tlsOptions.enabled !== true) return;
  const suffix = ' - the operator manages TLS configuration automatically';
  const container = (c: unknown, where: string, location: string) => {
    if (!isObj(c)) return;
    for (const n of TLS_FORBIDDEN_ENV) {
      if (envVarExists(n, c.env)) ctx.add(`${where}.env`, `cannot set ${n} environment variable in ${location} when tlsOptions is set${suffix}`);
    }
    for (const m of arr(c.volumeMounts)) {
      if (!isObj(m)) continue;
      if (m.name === RAY_TLS_VOLUME_NAME) ctx.add(`${where}.volumeMounts`, `cannot use volume mount named "${RAY_TLS_VOLUME_NAME}" in ${location} when tlsOptions is set${suffix}`);
      else if (m.mountPath === RAY_TLS_CERT_MOUNT_PATH) ctx.add(`${where}.volumeMounts`, `cannot use volume mount at path "${RAY_TLS_CERT_MOUNT_PATH}" in ${location} when tlsOptions is set${suffix}`);
    }
  };
  container(podContainers(spec.headGroupSpec?.template)[0], `${path}.headGroupSpec.template.spec.containers[0]`, 'head Pod');
  arr(spec.workerGroupSpecs).forEach((g, i) => {
    if (isObj(g)) container(podContainers(g.template)[0], `${path}.workerGroupSpecs[${i}].template.spec.containers[0]`, `worker group "${String(g.groupName ?? '')}"`);
  });
  const ao = spec.autoscalerOptions;
  if (isObj(ao)) {
    const ap = `${path}.autoscalerOptions`;
    for (const n of TLS_FORBIDDEN_ENV) {
      if (envVarExists(n, ao.env)) ctx.add(`${ap}.env`, `cannot set ${n} environment variable in autoscalerOptions.env when tlsOptions is set - the operator manages TLS configuration for the autoscaler automatically`);
    }
    for (const m of arr(ao.volumeMounts)) {
      if (!isObj(m)) continue;
      if (m.name === RAY_TLS_VOLUME_NAME) ctx.add(`${ap}.volumeMounts`, `cannot use volume mount named "${RAY_TLS_VOLUME_NAME}" in autoscalerOptions.volumeMounts when tlsOptions is set${suffix}`);
      else if (m.mountPath === RAY_TLS_CERT_MOUNT_PATH) ctx.add(`${ap}.volumeMounts`, `cannot use volume mount at path "${RAY_TLS_CERT_MOUNT_PATH}" in autoscalerOptions.volumeMounts when tlsOptions is set${suffix}`);
    }
  }
}

/** ValidateRayClusterUpgradeOptions. */
export function validateRayClusterUpgradeOptions(obj: RayCluster): FieldProblem[] {
  const ctx = new Ctx({});
  const t = isObj(obj.spec) && isObj(obj.spec.upgradeStrategy) ? obj.spec.upgradeStrategy.type : undefined;
  if (t === undefined || t === null) return ctx.problems;
  if (t !== 'Recreate' && t !== 'None') {
    ctx.add('spec.upgradeStrategy.type', `Spec.UpgradeStrategy.Type value ${String(t)} is invalid, valid options are Recreate or None`);
  }
  const creator = obj.metadata?.labels?.[RAY_ORIGINATED_FROM_CRD_LABEL_KEY];
  if (creator === 'RayJob' || creator === 'RayService') ctx.add('spec.upgradeStrategy', `upgradeStrategy cannot be set when RayCluster is created by ${creator}`);
  return ctx.problems;
}

/** ValidateRayClusterStatus: RayClusterSuspending and RayClusterSuspended must not both be True. */
export function validateRayClusterStatus(obj: RayCluster): FieldProblem[] {
  const conds = arr(obj.status?.conditions);
  const isTrue = (t: string) => conds.some((c) => isObj(c) && c.type === t && c.status === 'True');
  if (isTrue('RayClusterSuspending') && isTrue('RayClusterSuspended')) {
    return [{ field: 'status.conditions', message: 'invalid RayCluster State: rayv1.RayClusterSuspending and rayv1.RayClusterSuspended conditions should not be both true' }];
  }
  return [];
}

/** Everything KubeRay checks before reconciling a RayCluster (metadata, spec, upgrade options, status). */
export function validateRayCluster(obj: RayCluster, opts: ValidationOptions = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  checkName(ctx, obj.metadata, 'RayCluster', MAX_RAY_CLUSTER_NAME_LENGTH);
  clusterSpec(ctx, obj.spec, 'spec', obj.metadata?.annotations ?? {});
  return [...ctx.problems, ...validateRayClusterUpgradeOptions(obj), ...validateRayClusterStatus(obj)];
}

// ---------------------------------------------------------------------------------------------
// RayJob
// ---------------------------------------------------------------------------------------------

export function validateRayJobMetadata(meta: ObjectMeta | undefined): FieldProblem[] {
  const ctx = new Ctx({});
  checkName(ctx, meta, 'RayJob', MAX_RAY_JOB_NAME_LENGTH);
  return ctx.problems;
}

export interface JobSpecContext extends ValidationOptions {
  annotations?: Record<string, string>;
  /** Path of the spec: "spec", or "spec.jobTemplate" for a RayCronJob. */
  path?: string;
}

/** ValidateRayJobSpec. */
export function validateRayJobSpec(spec: RayJobSpec | undefined, opts: JobSpecContext = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  jobSpec(ctx, spec, opts.path ?? 'spec', opts.annotations ?? {});
  return ctx.problems;
}

function jobSpec(ctx: Ctx, specIn: RayJobSpec | undefined, path: string, annotations: Record<string, string>): void {
  const spec: RayJobSpec = isObj(specIn) ? specIn : {};
  const mode = spec.submissionMode;
  const suspend = spec.suspend === true;
  const shutdown = spec.shutdownAfterJobFinishes === true;
  const ttl = spec.ttlSecondsAfterFinished ?? 0;
  const selector = isObj(spec.clusterSelector) ? spec.clusterSelector : {};
  const selectorMode = Object.keys(selector).length !== 0;
  const backoff = spec.backoffLimit;
  const cluster = isObj(spec.rayClusterSpec) ? spec.rayClusterSpec : undefined;

  if (suspend && !shutdown) ctx.add(`${path}.suspend`, 'a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended');
  if (ttl < 0) ctx.add(`${path}.ttlSecondsAfterFinished`, 'TTLSecondsAfterFinished must be a non-negative integer');
  deletionConfiguration(ctx, spec, path, selectorMode, cluster);

  if (suspend && selectorMode) ctx.add(`${path}.suspend`, "the ClusterSelector mode doesn't support the suspend operation");
  if (cluster === undefined && !selectorMode) ctx.add(`${path}.rayClusterSpec`, 'one of RayClusterSpec or ClusterSelector must be set');
  if (selectorMode) {
    if (!selector[RAY_JOB_CLUSTER_SELECTOR_KEY]) ctx.add(key(`${path}.clusterSelector`, RAY_JOB_CLUSTER_SELECTOR_KEY), 'cluster name in ClusterSelector should not be empty');
    if (mode === 'SidecarMode') ctx.add(`${path}.clusterSelector`, 'ClusterSelector is not supported in SidecarMode');
    if (isNum(backoff) && backoff > 0) ctx.add(`${path}.backoffLimit`, 'BackoffLimit is incompatible with ClusterSelector mode');
  }
  if (mode === 'InteractiveMode' && isNum(backoff) && backoff > 0) ctx.add(`${path}.backoffLimit`, 'BackoffLimit is incompatible with InteractiveMode');
  if (mode === 'SidecarMode') {
    if (spec.submitterPodTemplate !== undefined) ctx.add(`${path}.submitterPodTemplate`, "Currently, SidecarMode doesn't support SubmitterPodTemplate");
    if (spec.submitterConfig !== undefined) ctx.add(`${path}.submitterConfig`, "Currently, SidecarMode doesn't support SubmitterConfig");
    const rp = podRestartPolicy(cluster?.headGroupSpec?.template);
    if (rp !== '' && rp !== 'Never') ctx.add(`${path}.rayClusterSpec.headGroupSpec.template.spec.restartPolicy`, 'restartPolicy for head Pod should be Never or unset when using SidecarMode');
  }
  if (cluster !== undefined) {
    if (isObj(cluster.authOptions) && cluster.authOptions.enableK8sTokenAuth === true) {
      ctx.add(`${path}.rayClusterSpec.authOptions.enableK8sTokenAuth`, 'K8s token auth mode is currently not supported for RayJob');
    }
    clusterSpec(ctx, cluster, `${path}.rayClusterSpec`, annotations);
  }
  if (typeof spec.runtimeEnvYAML === 'string') {
    const err = yamlMappingError(spec.runtimeEnvYAML);
    if (err !== undefined) ctx.add(`${path}.runtimeEnvYAML`, `failed to unmarshal RuntimeEnvYAML: ${spec.runtimeEnvYAML}: ${err}`);
  }
  if (isNum(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds <= 0) ctx.add(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds must be a positive integer');
  if (isNum(spec.preRunningDeadlineSeconds) && spec.preRunningDeadlineSeconds <= 0) ctx.add(`${path}.preRunningDeadlineSeconds`, 'preRunningDeadlineSeconds must be a positive integer');
  if (isNum(backoff) && backoff < 0) ctx.add(`${path}.backoffLimit`, 'backoffLimit must be a positive integer');
  checkManagedBy(ctx, spec.managedBy, `${path}.managedBy`);

  if (ctx.strict) {
    const effective = mode ?? 'K8sJobMode';
    if (!ALL_SUBMISSION_MODES.includes(effective)) {
      ctx.add(`${path}.submissionMode`, `submissionMode "${String(mode)}" is invalid, valid options are ${ALL_SUBMISSION_MODES.join(', ')}`);
    } else {
      if (effective !== 'InteractiveMode' && !spec.entrypoint) ctx.add(`${path}.entrypoint`, `entrypoint must be set in ${effective}`);
      if (effective === 'HTTPMode' || effective === 'InteractiveMode') {
        if (spec.submitterPodTemplate !== undefined) ctx.add(`${path}.submitterPodTemplate`, `submitterPodTemplate is only used in K8sJobMode, not in ${effective}`);
        if (spec.submitterConfig !== undefined) ctx.add(`${path}.submitterConfig`, `submitterConfig is only used in K8sJobMode and SidecarMode, not in ${effective}`);
      }
    }
    if (cluster !== undefined && selectorMode) ctx.add(`${path}.clusterSelector`, 'rayClusterSpec and clusterSelector are mutually exclusive: with clusterSelector set, rayClusterSpec is ignored');
  }
}

function deletionConfiguration(ctx: Ctx, spec: RayJobSpec, path: string, selectorMode: boolean, cluster: RayClusterSpec | undefined): void {
  const shutdown = spec.shutdownAfterJobFinishes === true;
  if (!shutdown && (spec.ttlSecondsAfterFinished ?? 0) > 0) {
    ctx.add(`${path}.ttlSecondsAfterFinished`, 'a RayJob with shutdownAfterJobFinishes set to false cannot have TTLSecondsAfterFinished');
  }
  const ds = spec.deletionStrategy;
  if (ds === undefined || ds === null) return;
  const dp = `${path}.deletionStrategy`;
  if (!isObj(ds)) {
    ctx.add(dp, 'DeletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules field (cannot be empty)');
    return;
  }
  if (!ctx.enabled('RayJobDeletionPolicy')) {
    ctx.add(dp, 'RayJobDeletionPolicy feature gate must be enabled to use DeletionStrategy');
    return;
  }
  const legacy = ds.onSuccess !== undefined || ds.onFailure !== undefined;
  const rules = arr(ds.deletionRules);
  const hasRules = rules.length > 0;
  const autoscaling = cluster?.enableInTreeAutoscaling === true;
  if (hasRules && shutdown) ctx.add(`${path}.shutdownAfterJobFinishes`, 'spec.shutdownAfterJobFinishes and spec.deletionStrategy.deletionRules are mutually exclusive');
  if (hasRules && legacy) {
    ctx.add(dp, 'Cannot use both legacy onSuccess/onFailure fields and deletionRules simultaneously');
    return;
  }
  if (legacy) {
    if (ds.onSuccess === undefined || ds.onFailure === undefined) {
      ctx.add(dp, 'both DeletionStrategy.OnSuccess and DeletionStrategy.OnFailure must be set when using the legacy deletion policy fields of DeletionStrategy');
      return;
    }
    const ok = ds.onSuccess?.policy;
    const fail = ds.onFailure?.policy;
    if (ok === undefined) ctx.add(`${dp}.onSuccess.policy`, 'the DeletionPolicyType field of DeletionStrategy.OnSuccess cannot be unset when DeletionStrategy is enabled');
    if (fail === undefined) ctx.add(`${dp}.onFailure.policy`, 'the DeletionPolicyType field of DeletionStrategy.OnFailure cannot be unset when DeletionStrategy is enabled');
    if (ok === undefined || fail === undefined) return;
    if (selectorMode) {
      if (ok === 'DeleteCluster' || ok === 'DeleteWorkers') ctx.add(`${dp}.onSuccess.policy`, `the ClusterSelector mode doesn't support DeletionStrategy=${ok} on success`);
      if (fail === 'DeleteCluster' || fail === 'DeleteWorkers') ctx.add(`${dp}.onFailure.policy`, `the ClusterSelector mode doesn't support DeletionStrategy=${fail} on failure`);
    }
    if ((ok === 'DeleteWorkers' || fail === 'DeleteWorkers') && autoscaling) {
      ctx.add(dp, 'DeletionStrategy=DeleteWorkers currently does not support RayCluster with autoscaling enabled');
    }
    if (shutdown && (ok === 'DeleteNone' || fail === 'DeleteNone')) {
      ctx.add(`${path}.shutdownAfterJobFinishes`, "shutdownAfterJobFinshes is set to 'true' while deletion policy is 'DeleteNone'");
    }
    return;
  }
  if (!hasRules) {
    ctx.add(dp, 'DeletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules field (cannot be empty)');
    return;
  }
  // validateDeletionRules
  const byJobStatus = new Map<string, Map<string, number>>();
  const byDeploymentStatus = new Map<string, Map<string, number>>();
  rules.forEach((rule, i) => {
    const rp = `${dp}.deletionRules[${i}]`;
    const cond = isObj(rule) && isObj(rule.condition) ? rule.condition : {};
    const hasJob = cond.jobStatus !== undefined;
    const hasDeploy = cond.jobDeploymentStatus !== undefined;
    if (hasJob && hasDeploy) return ctx.add(`${rp}.condition`, `deletionRules[${i}]: cannot set both JobStatus and JobDeploymentStatus at the same time`);
    if (!hasJob && !hasDeploy) return ctx.add(`${rp}.condition`, `deletionRules[${i}]: exactly one of JobStatus and JobDeploymentStatus must be set`);
    const ttlSeconds = cond.ttlSeconds ?? 0;
    if (ttlSeconds < 0) return ctx.add(`${rp}.condition.ttlSeconds`, `deletionRules[${i}]: TTLSeconds must be non-negative`);
    const policy = isObj(rule) ? String(rule.policy) : '';
    if (selectorMode && (policy === 'DeleteCluster' || policy === 'DeleteWorkers')) {
      return ctx.add(`${rp}.policy`, `deletionRules[${i}]: DeletionPolicyType '${policy}' not supported when ClusterSelector is set`);
    }
    if (autoscaling && policy === 'DeleteWorkers') return ctx.add(`${rp}.policy`, `deletionRules[${i}]: DeletionPolicyType 'DeleteWorkers' not supported with autoscaling enabled`);
    const [groups, kind, value] = hasJob ? [byJobStatus, 'JobStatus', String(cond.jobStatus)] : [byDeploymentStatus, 'JobDeploymentStatus', String(cond.jobDeploymentStatus)];
    let m = groups.get(value);
    if (!m) groups.set(value, (m = new Map()));
    if (m.has(policy)) return ctx.add(rp, `deletionRules[${i}]: duplicate rule for DeletionPolicyType '${policy}' and ${kind} '${value}'`);
    m.set(policy, ttlSeconds);
  });
  const order = ['DeleteWorkers', 'DeleteCluster', 'DeleteSelf'];
  const consistency = (groups: Map<string, Map<string, number>>, kind: string) => {
    for (const [value, ttls] of groups) {
      let prev: [string, number] | undefined;
      for (const p of order) {
        const t = ttls.get(p);
        if (t === undefined) continue;
        if (prev && t < prev[1]) ctx.add(`${dp}.deletionRules`, `for ${kind} '${value}': ${p} TTL (${t}) must be >= ${prev[0]} TTL (${prev[1]})`);
        prev = [p, t];
      }
    }
  };
  consistency(byJobStatus, 'JobStatus');
  consistency(byDeploymentStatus, 'JobDeploymentStatus');
}

/** ValidateRayJobStatus: Waiting only in InteractiveMode. */
export function validateRayJobStatus(obj: RayJob): FieldProblem[] {
  if (obj.status?.jobDeploymentStatus === 'Waiting' && obj.spec?.submissionMode !== 'InteractiveMode') {
    return [{ field: 'status.jobDeploymentStatus', message: 'JobDeploymentStatus cannot be `Waiting` when SubmissionMode is not InteractiveMode' }];
  }
  return [];
}

/** Everything KubeRay checks before reconciling a RayJob (metadata, spec, status). */
export function validateRayJob(obj: RayJob, opts: ValidationOptions = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  checkName(ctx, obj.metadata, 'RayJob', MAX_RAY_JOB_NAME_LENGTH);
  jobSpec(ctx, obj.spec, 'spec', obj.metadata?.annotations ?? {});
  return [...ctx.problems, ...validateRayJobStatus(obj)];
}

// ---------------------------------------------------------------------------------------------
// RayService
// ---------------------------------------------------------------------------------------------

export function validateRayServiceMetadata(meta: ObjectMeta | undefined): FieldProblem[] {
  const ctx = new Ctx({});
  serviceMetadata(ctx, meta);
  return ctx.problems;
}

function serviceMetadata(ctx: Ctx, meta: ObjectMeta | undefined): void {
  checkName(ctx, meta, 'RayService', MAX_RAY_SERVICE_NAME_LENGTH);
  const timeout = meta?.annotations?.[RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION];
  if (timeout === undefined || timeout === '') return;
  const field = key('metadata.annotations', RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION);
  const a = RAY_SERVICE_INITIALIZING_TIMEOUT_ANNOTATION;
  let ns: number | undefined;
  try {
    ns = parseGoDuration(timeout);
  } catch {
    ns = undefined;
  }
  if (ns !== undefined) {
    if (ns <= 0) ctx.add(field, `RayService annotations is invalid: annotation ${a} must be a positive duration, got: ${timeout}`);
    return;
  }
  if (/^[+-]?\d+$/.test(timeout)) {
    if (Number(timeout) <= 0) ctx.add(field, `RayService annotations is invalid: annotation ${a} must be a positive integer (seconds), got: ${timeout}`);
    return;
  }
  ctx.add(field, `RayService annotations is invalid: annotation ${a} has invalid format: ${timeout}. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds`);
}

export interface ServiceSpecContext extends ValidationOptions {
  annotations?: Record<string, string>;
}

/** ValidateRayServiceSpec. */
export function validateRayServiceSpec(spec: RayServiceSpec | undefined, opts: ServiceSpecContext = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  serviceSpec(ctx, spec, opts.annotations ?? {});
  return ctx.problems;
}

function serviceSpec(ctx: Ctx, specIn: RayServiceSpec | undefined, annotations: Record<string, string>): void {
  const spec: Partial<RayServiceSpec> = isObj(specIn) ? specIn : {};
  const cluster = isObj(spec.rayClusterConfig) ? spec.rayClusterConfig : undefined;
  if (isObj(cluster?.authOptions) && cluster!.authOptions!.enableK8sTokenAuth === true) {
    ctx.add('spec.rayClusterConfig.authOptions.enableK8sTokenAuth', 'K8s token auth mode is currently not supported for RayService');
  }
  clusterSpec(ctx, cluster, 'spec.rayClusterConfig', annotations);
  const headSvc = cluster?.headGroupSpec?.headService;
  if (isObj(headSvc) && isObj(headSvc.metadata) && headSvc.metadata.name) {
    ctx.add('spec.rayClusterConfig.headGroupSpec.headService.metadata.name', 'spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set');
  }
  const us = isObj(spec.upgradeStrategy) ? spec.upgradeStrategy : undefined;
  const type = us?.type;
  if (type !== undefined && type !== null && !ALL_RAY_SERVICE_UPGRADE_TYPES.includes(type)) {
    ctx.add('spec.upgradeStrategy.type', `Spec.UpgradeStrategy.Type value ${String(type)} is invalid, valid options are NewClusterWithIncrementalUpgrade, NewCluster, or None`);
  }
  const delay = spec.rayClusterDeletionDelaySeconds;
  if (isNum(delay) && delay < 0) ctx.add('spec.rayClusterDeletionDelaySeconds', `Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got ${delay}`);
  if (ctx.enabled('RayServiceIncrementalUpgrade') && type === 'NewClusterWithIncrementalUpgrade') {
    const up = 'spec.upgradeStrategy.clusterUpgradeOptions';
    if (cluster?.enableInTreeAutoscaling !== true) ctx.add('spec.rayClusterConfig.enableInTreeAutoscaling', 'Ray Autoscaler is required for NewClusterWithIncrementalUpgrade');
    const o = us?.clusterUpgradeOptions;
    if (!isObj(o)) {
      ctx.add(up, 'ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade');
    } else {
      const surge = o.maxSurgePercent ?? 100;
      const step = o.stepSizePercent;
      if (surge < 0 || surge > 100) ctx.add(`${up}.maxSurgePercent`, 'maxSurgePercent must be between 0 and 100');
      if (!isNum(step) || step < 0 || step > 100) ctx.add(`${up}.stepSizePercent`, 'stepSizePercent must be between 0 and 100');
      else if (step > surge) ctx.add(`${up}.stepSizePercent`, 'stepSizePercent must be less than or equal to maxSurgePercent');
      if (!isNum(o.intervalSeconds) || o.intervalSeconds <= 0) ctx.add(`${up}.intervalSeconds`, 'intervalSeconds must be greater than 0');
      if (!o.gatewayClassName) ctx.add(`${up}.gatewayClassName`, 'gatewayClassName is required for NewClusterWithIncrementalUpgrade');
    }
  }
  checkManagedBy(ctx, spec.managedBy, 'spec.managedBy');
  if (ctx.strict) {
    if (typeof spec.serveConfigV2 === 'string' && spec.serveConfigV2 !== '') {
      const err = yamlMappingError(spec.serveConfigV2);
      if (err !== undefined) ctx.add('spec.serveConfigV2', `serveConfigV2 is not a valid YAML mapping: ${err}`);
    }
  }
}

/** Everything KubeRay checks before reconciling a RayService (metadata, spec). */
export function validateRayService(obj: RayService, opts: ValidationOptions = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  serviceMetadata(ctx, obj.metadata);
  serviceSpec(ctx, obj.spec, obj.metadata?.annotations ?? {});
  return ctx.problems;
}

// ---------------------------------------------------------------------------------------------
// RayCronJob
// ---------------------------------------------------------------------------------------------

/** ValidateRayCronJobSpec (name length, schedule, time zone, and the RayJob template). */
export function validateRayCronJob(obj: RayCronJob, opts: ValidationOptions = {}): FieldProblem[] {
  const ctx = new Ctx(opts);
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  if (name.length > MAX_RAY_CRON_JOB_NAME_LENGTH) ctx.add('metadata.name', `RayCronJob name should be no more than ${MAX_RAY_CRON_JOB_NAME_LENGTH} characters`);
  const spec = isObj(obj.spec) ? obj.spec : ({} as RayCronJob['spec']);
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (schedule.includes('TZ')) ctx.add('spec.schedule', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  else {
    const err = cronError(schedule);
    if (err !== undefined) ctx.add('spec.schedule', `invalid cron schedule: ${err}`);
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    if (spec.timeZone === '') ctx.add('spec.timeZone', 'timeZone must not be empty string, omit the field to use the local time zone of the KubeRay operator');
    else if (!isValidTimeZone(spec.timeZone)) ctx.add('spec.timeZone', `invalid time zone: unknown time zone ${spec.timeZone}`);
  }
  // KubeRay validates the template as a RayJob without metadata (no annotations).
  const before = ctx.problems.length;
  jobSpec(ctx, spec.jobTemplate, 'spec.jobTemplate', {});
  for (let i = before; i < ctx.problems.length; i++) ctx.problems[i]!.message = `invalid RayJob template: ${ctx.problems[i]!.message}`;
  return ctx.problems;
}
