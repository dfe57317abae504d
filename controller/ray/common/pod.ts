// Head and worker pods built from a RayCluster's group templates, as KubeRay's common/pod.go does
// (DefaultHeadPodTemplate, DefaultWorkerPodTemplate, BuildPod): KubeRay's labels and
// generateName, the controller ownerReference, the `ray start` command line generated from
// rayStartParams and the Ray container's resources, the environment KubeRay sets, default ports,
// /dev/shm, the autoscaler sidecar, GCS fault-tolerance settings, the wait-gcs-ready init
// container and the liveness/readiness probes. The user's template is otherwise kept as written
// (tolerations, node selectors, affinity, volumes, extra containers). Pure: every builder returns
// a fresh Pod and never touches the RayCluster.
//
// Not modelled: token auth, mTLS (tlsOptions), the history-server collector sidecar and the
// embedded RocksDB GCS volume; the validator rejects the feature-gated ones when their gate is off.

import type { Container, ContainerPort, ContainerState, EnvVar, Pod, PodTemplateSpec, Probe, ResourceList, ResourceRequirements, Volume } from '../../api/core-types.js';
import type { AutoscalerOptions, RayCluster, WorkerGroupSpec } from '../../api/raycluster-types.js';
import {
  APPLICATION_NAME,
  COMPONENT_NAME,
  DEFAULT_DASHBOARD_AGENT_LISTEN_PORT,
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_GCS_SERVER_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_SERVING_PORT,
  FQ_RAY_IP,
  KUBERAY_GEN_AUTOSCALER_START_CMD,
  KUBERAY_GEN_RAY_START_CMD,
  KUBERAY_VERSION,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  KUBERNETES_CREATED_BY_LABEL_KEY,
  METRICS_PORT_NAME,
  RAY_ADDRESS,
  RAY_CLUSTER_LABEL_KEY,
  RAY_CLUSTER_NAME_ENV,
  RAY_CLUSTER_NAMESPACE_ENV,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_CONTAINER_INDEX,
  RAY_ENABLE_AUTOSCALER_V2,
  RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY,
  RAY_FT_ENABLED_ANNOTATION_KEY,
  RAY_HOST_INDEX_KEY,
  RAY_ID_LABEL_KEY,
  RAY_IP,
  RAY_NODE_GROUP_LABEL_KEY,
  RAY_NODE_HEAD_GROUP_LABEL_VALUE,
  RAY_NODE_LABEL_KEY,
  RAY_NODE_LABEL_VALUE,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_OVERWRITE_CONTAINER_CMD_ANNOTATION_KEY,
  RAY_PORT,
  RAY_REDIS_ADDRESS,
  RAY_WORKER_REPLICA_INDEX_KEY,
  RAY_WORKER_REPLICA_NAME_KEY,
  REDIS_PASSWORD,
  REDIS_USERNAME,
  SERVING_PORT_NAME,
  TPU_RESOURCE,
} from '../../api/constants.js';
import { isAutoscalingEnabled, isAutoscalingV2Enabled } from '../../api/defaults.js';
import { DEFAULT_FEATURE_GATES, type FeatureGates } from '../../api/features.js';
import { parseQuantity } from '../../api/quantity.js';
import { checkName, headPodPrefix, headServiceFqdn, rayIpFromFqdn, rayNodeIdentifier, workerPodPrefix, DEFAULT_CLUSTER_DOMAIN } from './names.js';
import { isGpuResourceKey } from './resources.js';
import { clusterHeadServiceName, controllerRef } from './service.js';
import { deepClone } from '../../runtime/deep-copy.js';

// ---------------------------------------------------------------------------------------------
// Names KubeRay uses that controller/api does not list
// ---------------------------------------------------------------------------------------------

export const RAY_CLOUD_INSTANCE_ID = 'RAY_CLOUD_INSTANCE_ID';
export const RAY_NODE_TYPE_NAME = 'RAY_NODE_TYPE_NAME';
export const RAY_USAGE_STATS_KUBERAY_IN_USE = 'RAY_USAGE_STATS_KUBERAY_IN_USE';
export const RAY_USAGE_STATS_EXTRA_TAGS = 'RAY_USAGE_STATS_EXTRA_TAGS';
export const RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE = 'RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE';
export const RAY_START_ULIMIT_OPEN_FILES = 'RAY_START_ULIMIT_OPEN_FILES';
export const RAY_EXTERNAL_STORAGE_NS = 'RAY_external_storage_namespace';
export const RAY_GCS_RPC_SERVER_RECONNECT_TIMEOUT_S = 'RAY_gcs_rpc_server_reconnect_timeout_s';
export const DEFAULT_WORKER_RAY_GCS_RECONNECT_TIMEOUT_S = '600';
export const RAY_TIMEOUT_MS_TASK_WAIT_FOR_DEATH_INFO = 'RAY_timeout_ms_task_wait_for_death_info';
export const RAY_GCS_SERVER_REQUEST_TIMEOUT_SECONDS = 'RAY_gcs_server_request_timeout_seconds';
export const RAY_SERVE_KV_TIMEOUT_S = 'RAY_SERVE_KV_TIMEOUT_S';

export const SHARED_MEMORY_VOLUME_NAME = 'shared-mem';
export const SHARED_MEMORY_VOLUME_MOUNT_PATH = '/dev/shm';
export const RAY_LOG_VOLUME_NAME = 'ray-logs';
export const RAY_LOG_VOLUME_MOUNT_PATH = '/tmp/ray';
export const AUTOSCALER_CONTAINER_NAME = 'autoscaler';
export const WAIT_GCS_READY_INIT_CONTAINER_NAME = 'wait-gcs-ready';
export const LOCAL_HOST = '127.0.0.1';
const PLASMA_DIRECTORY_PARAM = 'plasma-directory';
const NEURON_CORE_RESOURCE = 'aws.amazon.com/neuroncore';
/** Kubernetes accelerator resources KubeRay advertises to Ray as custom resources. */
const CUSTOM_ACCELERATORS: Readonly<Record<string, string>> = { [NEURON_CORE_RESOURCE]: 'neuron_cores', [TPU_RESOURCE]: 'TPU' };

export type RayNodeKind = 'head' | 'worker';
/** Value of ray.io/originated-from-crd that matters to pod building. */
export type CreatorCrd = 'RayCluster' | 'RayJob' | 'RayService';

export interface PodBuildOptions {
  /** KubeRay feature gates (upstream defaults). RayMultiHostIndexing adds the replica labels. */
  featureGates?: FeatureGates;
  /** Inject the wait-gcs-ready init container into workers (ENABLE_INIT_CONTAINER_INJECTION; default true). */
  injectInitContainer?: boolean;
  /** Inject liveness/readiness probes into the Ray container when it has none (ENABLE_PROBES_INJECTION; default true). */
  injectProbes?: boolean;
  /** Environment every Ray container gets unless it sets the variable itself (--default-container-envs). */
  defaultContainerEnvs?: EnvVar[];
  /** Labels/annotations every Ray pod gets unless its template sets the key. */
  defaultPodLabels?: Record<string, string>;
  defaultPodAnnotations?: Record<string, string>;
  /** Containers appended to head / worker pods (--head-sidecar-containers, --worker-sidecar-containers). */
  headSidecarContainers?: Container[];
  workerSidecarContainers?: Container[];
  /** Cluster DNS domain (CLUSTER_DOMAIN; default cluster.local). */
  clusterDomain?: string;
  /** `bash -lc` instead of `bash -c` (ENABLE_LOGIN_SHELL). */
  loginShell?: boolean;
}

/** Where a worker pod sits in its group (RayMultiHostIndexing). */
export interface WorkerReplica {
  /** ray.io/worker-group-replica-index. */
  index: number;
  /** ray.io/worker-group-replica-name (multi-host groups only). */
  name?: string;
  /** ray.io/replica-host-index (multi-host groups only). */
  hostIndex?: number;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Go's resource.Quantity.Value(): the quantity rounded up to an integer. */
function quantityValue(q: string | number): number {
  return Math.ceil(parseQuantity(q) - 1e-9);
}

function envExists(name: string, env: EnvVar[] | undefined): boolean {
  return (env ?? []).some((e) => e.name === name);
}

function creatorOf(cluster: RayCluster): CreatorCrd {
  const v = cluster.metadata.labels?.[RAY_ORIGINATED_FROM_CRD_LABEL_KEY];
  return v === 'RayJob' || v === 'RayService' ? v : 'RayCluster';
}

/** GetContainerCommand: `/bin/bash -c --` (or `-lc`). */
export function containerCommand(loginShell = false): string[] {
  return ['/bin/bash', loginShell ? '-cl' : '-c', '--'];
}

/** The port workers join: rayStartParams.port, else the GCS port 6379 (GetHeadPort). */
export function headPort(headRayStartParams: Record<string, string> | undefined): string {
  return headRayStartParams?.['port'] ?? String(DEFAULT_GCS_SERVER_PORT);
}

/** The head service's FQDN workers join (GenerateFQDNServiceName). */
export function clusterFqdn(cluster: RayCluster, domain = DEFAULT_CLUSTER_DOMAIN): string {
  return headServiceFqdn(clusterHeadServiceName(cluster), cluster.metadata.namespace ?? 'default', domain);
}

/** GCS fault tolerance is on: annotation ray.io/ft-enabled=true or gcsFaultToleranceOptions set. */
export function isGcsFaultToleranceEnabled(cluster: RayCluster): boolean {
  return cluster.metadata.annotations?.[RAY_FT_ENABLED_ANNOTATION_KEY]?.toLowerCase() === 'true' || cluster.spec.gcsFaultToleranceOptions != null;
}

/** labelPod: KubeRay's labels, then the template's (which may not change cluster, node type or group). */
export function rayPodLabels(nodeType: RayNodeKind, cluster: string, group: string, templateLabels: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = {
    [RAY_NODE_LABEL_KEY]: RAY_NODE_LABEL_VALUE,
    [RAY_CLUSTER_LABEL_KEY]: cluster,
    [RAY_NODE_TYPE_LABEL_KEY]: nodeType,
    [RAY_NODE_GROUP_LABEL_KEY]: group,
    [RAY_ID_LABEL_KEY]: rayNodeIdentifier(cluster, nodeType),
    [KUBERNETES_APPLICATION_NAME_LABEL_KEY]: APPLICATION_NAME,
    [KUBERNETES_CREATED_BY_LABEL_KEY]: COMPONENT_NAME,
  };
  for (const [k, v] of Object.entries(templateLabels)) {
    if (k === RAY_NODE_TYPE_LABEL_KEY || k === RAY_NODE_GROUP_LABEL_KEY || k === RAY_CLUSTER_LABEL_KEY) continue;
    labels[k] = v;
  }
  return labels;
}

// ---------------------------------------------------------------------------------------------
// rayStartParams and the `ray start` command line
// ---------------------------------------------------------------------------------------------

/** updateRayStartParamsResources: the group's `resources` field as num-cpus/memory/num-gpus/--resources. */
function applyGroupResources(params: Record<string, string>, resources: Record<string, string> | undefined): void {
  if (!resources || Object.keys(resources).length === 0) return;
  const custom: Record<string, number> = {};
  for (const [name, q] of Object.entries(resources)) {
    let value: number;
    try {
      value = parseQuantity(q);
    } catch {
      continue; // upstream logs and skips unparsable quantities
    }
    const n = name.toLowerCase();
    if (n === 'cpu') params['num-cpus'] = String(Math.ceil(value - 1e-9));
    else if (n === 'memory') params['memory'] = String(Math.ceil(value - 1e-9));
    else if (isGpuResourceKey(n)) params['num-gpus'] = String(Math.ceil(value - 1e-9));
    else custom[name] = value;
  }
  if (Object.keys(custom).length > 0) params['resources'] = `'${goJson(custom)}'`;
}

/** updateRayStartParamsLabels: the group's `labels` as --labels=k=v,... (sorted). */
function applyGroupLabels(params: Record<string, string>, labels: Record<string, string> | undefined): void {
  if (!labels || Object.keys(labels).length === 0) return;
  params['labels'] = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** json.Marshal of a map[string]float64: keys sorted. */
function goJson(m: Record<string, number>): string {
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(m).sort()) sorted[k] = m[k]!;
  return JSON.stringify(sorted);
}

/** setMissingRayStartParams: address (workers), dashboard-host (head), metrics port, block, agent port. */
function setMissingRayStartParams(params: Record<string, string>, nodeType: RayNodeKind, port: string, fqdn: string): void {
  if (nodeType === 'worker' && !('address' in params)) params['address'] = `${fqdn}:${port}`;
  if (nodeType === 'head' && !('dashboard-host' in params)) params['dashboard-host'] = '0.0.0.0';
  if (!('metrics-export-port' in params)) params['metrics-export-port'] = String(DEFAULT_METRICS_PORT);
  params['block'] = 'true';
  if (!('dashboard-agent-listen-port' in params)) params['dashboard-agent-listen-port'] = String(DEFAULT_DASHBOARD_AGENT_LISTEN_PORT);
}

/** addWellKnownAcceleratorResources: num-gpus from the first GPU limit, TPUs/Neuron cores as Ray resources. */
function addAcceleratorParams(params: Record<string, string>, limits: ResourceList | undefined): void {
  if (!limits || Object.keys(limits).length === 0) return;
  let resources: Record<string, number>;
  try {
    const raw = params['resources'];
    resources = raw === undefined ? {} : (JSON.parse(raw.replace(/^['"` ]+|['"` ]+$/g, '')) as Record<string, number>);
  } catch {
    return; // upstream: error logged, nothing added
  }
  let customAdded = Object.values(CUSTOM_ACCELERATORS).some((r) => r in resources);
  for (const key of Object.keys(limits).sort()) {
    const value = parseQuantity(limits[key]);
    if (!('num-gpus' in params) && isGpuResourceKey(key) && value !== 0) params['num-gpus'] = String(Math.ceil(value - 1e-9));
    const rayName = CUSTOM_ACCELERATORS[key];
    if (!customAdded && rayName !== undefined && value !== 0) {
      if (!(rayName in resources)) {
        resources[rayName] = value;
        params['resources'] = `'${goJson(resources)}'`;
      }
      customAdded = true;
    }
  }
}

/**
 * The completed rayStartParams of a node: the group's own, then group resources/labels, the
 * missing defaults, and num-cpus / memory / num-gpus (and custom accelerators) from the Ray
 * container's limits (requests for CPU when no limit), as generateRayStartCommand fills them in.
 */
export function completeRayStartParams(
  nodeType: RayNodeKind,
  given: Record<string, string> | undefined,
  opts: { port: string; fqdn: string; container: Container | undefined; groupResources?: Record<string, string>; groupLabels?: Record<string, string>; autoscaling?: boolean },
): Record<string, string> {
  const params: Record<string, string> = { ...(given ?? {}) };
  applyGroupResources(params, opts.groupResources);
  applyGroupLabels(params, opts.groupLabels);
  setMissingRayStartParams(params, nodeType, opts.port, opts.fqdn);
  if (nodeType === 'head' && opts.autoscaling) params['no-monitor'] = 'true';
  const res: ResourceRequirements = opts.container?.resources ?? {};
  if (!('num-cpus' in params)) {
    const lim = res.limits?.['cpu'];
    const req = res.requests?.['cpu'];
    if (lim !== undefined && parseQuantity(lim) !== 0) params['num-cpus'] = String(quantityValue(lim));
    else if (req !== undefined && parseQuantity(req) !== 0) params['num-cpus'] = String(quantityValue(req));
  }
  if (!('memory' in params)) {
    const lim = res.limits?.['memory'];
    if (lim !== undefined && parseQuantity(lim) !== 0) params['memory'] = String(quantityValue(lim));
  }
  addAcceleratorParams(params, res.limits);
  return params;
}

/** convertParamMap: " --k=v " per parameter, sorted; "true" is a bare flag, "false" is dropped (except three options). */
export function rayStartFlags(params: Record<string, string>): string {
  const special = ['log-color', 'include-dashboard', 'include-log-monitor'];
  let out = '';
  for (const k of Object.keys(params).sort()) {
    const v = params[k]!;
    const lower = v.toLowerCase();
    if ((lower === 'true' || lower === 'false') && !special.includes(k)) {
      if (lower === 'true') out += ` --${k} `;
    } else {
      out += ` --${k}=${v} `;
    }
  }
  return out;
}

/** generateRayStartCommand over completed parameters: `ray start --head  --block ...` / `ray start  --address=...`. */
export function rayStartCommand(nodeType: RayNodeKind, params: Record<string, string>): string {
  return nodeType === 'head' ? `ray start --head ${rayStartFlags(params)}` : `ray start ${rayStartFlags(params)}`;
}

function ulimitCommand(): string {
  return `ulimit -n \${${RAY_START_ULIMIT_OPEN_FILES}:-65536}`;
}

/** convertCmdToString: " a  b " for ["a", "b"]. */
function cmdToString(parts: string[]): string {
  return parts.map((p) => ` ${p} `).join('');
}

// ---------------------------------------------------------------------------------------------
// Probes, sidecars, volumes
// ---------------------------------------------------------------------------------------------

/** version.ParseGeneric >= 2.53.0: Ray serves a unified /api/healthz on the dashboard agent. */
function supportsUnifiedHealthCheck(rayVersion: string | undefined): boolean {
  const m = /^\s*v?([0-9]+(?:\.[0-9]+)+)/.exec(rayVersion ?? '');
  if (!m) return false;
  const v = m[1]!.split('.').map(Number);
  const min = [2, 53, 0];
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    if (a !== min[i]) return a > min[i]!;
  }
  return true;
}

function wgetHealth(timeout: number, port: number, path: string): string {
  return `wget --tries 1 -T ${timeout} -q -O- http://localhost:${port}/${path} | grep success`;
}

/** initLivenessAndReadinessProbe: KubeRay's probes, only where the user set none. */
function injectProbes(c: Container, nodeType: RayNodeKind, creator: CreatorCrd, params: Record<string, string>, rayVersion: string | undefined): void {
  const port = (key: string, dflt: number): number => {
    const n = Number.parseInt(params[key] ?? '', 10);
    return Number.isFinite(n) ? n : dflt;
  };
  const agentPort = port('dashboard-agent-listen-port', DEFAULT_DASHBOARD_AGENT_LISTEN_PORT);
  const http = supportsUnifiedHealthCheck(rayVersion);
  const raylet = wgetHealth(2, agentPort, 'api/local_raylet_healthz');
  const gcs = wgetHealth(10, port('dashboard-port', DEFAULT_DASHBOARD_PORT), 'api/gcs_healthz');
  const commands = nodeType === 'head' ? [raylet, gcs] : [raylet];
  const action = (cmds: string[]): Partial<Probe> => (http ? { httpGet: { path: '/api/healthz', port: agentPort } } : { exec: { command: ['bash', '-c', cmds.join(' && ')] } });
  if (!c.livenessProbe) {
    c.livenessProbe = {
      initialDelaySeconds: 30,
      timeoutSeconds: nodeType === 'head' ? 5 : 2,
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 120,
      ...action(commands),
    };
  }
  if (!c.readinessProbe) {
    c.readinessProbe = {
      initialDelaySeconds: 10,
      timeoutSeconds: nodeType === 'head' ? 5 : 2,
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 10,
      ...action(commands),
    };
    if (creator === 'RayService' && nodeType === 'worker') {
      // Serve workers also report their proxy, and leave the serve service at the first failure.
      const servePort = c.ports?.find((p) => p.name === SERVING_PORT_NAME)?.containerPort ?? DEFAULT_SERVING_PORT;
      const cmds = [...commands, wgetHealth(10, servePort, '-/healthz')];
      delete c.readinessProbe.httpGet;
      c.readinessProbe.failureThreshold = 1;
      c.readinessProbe.exec = { command: ['bash', '-c', cmds.join(' && ')] };
    }
  }
}

/** BuildAutoscalerContainer plus the user's autoscalerOptions overrides. */
export function buildAutoscalerContainer(image: string | undefined, o: AutoscalerOptions | undefined, loginShell = false): Container {
  const cmd = 'ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace $(RAY_CLUSTER_NAMESPACE)';
  const c: Container = {
    name: AUTOSCALER_CONTAINER_NAME,
    image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      { name: RAY_CLUSTER_NAME_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${RAY_CLUSTER_LABEL_KEY}']` } } },
      { name: RAY_CLUSTER_NAMESPACE_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'RAY_HEAD_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'KUBERAY_CRD_VER', value: 'v1' },
      { name: KUBERAY_GEN_AUTOSCALER_START_CMD, value: cmd },
    ],
    command: containerCommand(loginShell),
    args: [cmd],
    resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '500m', memory: '512Mi' } },
  };
  if (!o) return c;
  if (o.resources) c.resources = deepClone(o.resources);
  if (o.image) c.image = o.image;
  if (o.imagePullPolicy) c.imagePullPolicy = o.imagePullPolicy;
  if (o.env?.length) c.env = [...c.env!, ...deepClone(o.env)];
  if (o.envFrom?.length) c.envFrom = [...(c.envFrom ?? []), ...deepClone(o.envFrom)];
  if (o.volumeMounts?.length) c.volumeMounts = [...(c.volumeMounts ?? []), ...deepClone(o.volumeMounts)];
  if (o.securityContext) c.securityContext = deepClone(o.securityContext);
  if (o.command?.length) c.command = [...o.command];
  if (o.args?.length) c.args = [...o.args];
  return c;
}

/** addEmptyDir: mount an emptyDir at `path` unless something is mounted there already. */
function addEmptyDir(pod: Pod, c: Container, name: string, path: string, medium: 'Memory' | ''): void {
  if ((c.volumeMounts ?? []).some((m) => m.mountPath === path)) return;
  const volumes = (pod.spec.volumes ??= []);
  if (!volumes.some((v) => v.name === name)) {
    const emptyDir: Record<string, unknown> = {};
    if (medium) {
      emptyDir['medium'] = medium;
      // /dev/shm is sized like the container's memory (limit, else request).
      const size = c.resources?.limits?.['memory'] ?? c.resources?.requests?.['memory'];
      if (size !== undefined) emptyDir['sizeLimit'] = size;
    }
    const v: Volume = { name, emptyDir };
    volumes.push(v);
  }
  (c.volumeMounts ??= []).push({ mountPath: path, name, readOnly: false });
}

function addMetricsPort(c: Container): void {
  if ((c.ports ?? []).some((p) => p.name === METRICS_PORT_NAME)) return;
  const port: ContainerPort = { name: METRICS_PORT_NAME, containerPort: DEFAULT_METRICS_PORT };
  c.ports = [...(c.ports ?? []), port];
}

/** The bash loop of the wait-gcs-ready init container: block until `ray health-check` passes. */
function waitGcsReadyScript(fqdn: string, port: string): string {
  return [
    'SECONDS=0',
    'while true; do',
    '  if (( SECONDS <= 120 )); then',
    `    if ray health-check --address ${fqdn}:${port} > /dev/null 2>&1; then echo "GCS is ready."; break; fi`,
    '    echo "$SECONDS seconds elapsed: Waiting for GCS to be ready."',
    '  else',
    `    if ray health-check --address ${fqdn}:${port}; then echo "GCS is ready. Any error messages above can be safely ignored."; break; fi`,
    '    echo "$SECONDS seconds elapsed: Still waiting for GCS to be ready."',
    '  fi',
    '  sleep 5',
    'done',
  ].join('\n');
}

/** configureGCSFaultTolerance for the Redis backend: annotations and environment. */
function configureGcsFaultTolerance(cluster: RayCluster, tpl: PodTemplateSpec, nodeType: RayNodeKind, headParams: Record<string, string> | undefined): void {
  const enabled = isGcsFaultToleranceEnabled(cluster);
  const annotations = (tpl.metadata!.annotations ??= {});
  if (nodeType === 'head') annotations[RAY_FT_ENABLED_ANNOTATION_KEY] = String(enabled);
  if (!enabled) return;
  const c = tpl.spec.containers[RAY_CONTAINER_INDEX]!;
  const env = (c.env ??= []);
  if (nodeType === 'worker') {
    // Workers outlive a GCS restart for 10 minutes instead of Ray's 60 s.
    if (!envExists(RAY_GCS_RPC_SERVER_RECONNECT_TIMEOUT_S, env)) env.push({ name: RAY_GCS_RPC_SERVER_RECONNECT_TIMEOUT_S, value: DEFAULT_WORKER_RAY_GCS_RECONNECT_TIMEOUT_S });
    return;
  }
  const options = cluster.spec.gcsFaultToleranceOptions;
  if (options?.backend === 'rocksdb') return; // embedded storage: not modelled
  let storageNs = cluster.metadata.uid ?? '';
  const nsAnnotation = cluster.metadata.annotations?.[RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY];
  if (nsAnnotation !== undefined) storageNs = nsAnnotation;
  if (options?.externalStorageNamespace) storageNs = options.externalStorageNamespace;
  annotations[RAY_EXTERNAL_STORAGE_NS_ANNOTATION_KEY] = storageNs;
  if (!envExists(RAY_EXTERNAL_STORAGE_NS, env)) env.push({ name: RAY_EXTERNAL_STORAGE_NS, value: storageNs });
  if (options) {
    env.push({ name: RAY_REDIS_ADDRESS, value: options.redisAddress ?? '' });
    if (options.redisUsername) {
      if (headParams) headParams['redis-username'] = '$REDIS_USERNAME';
      env.push({ name: REDIS_USERNAME, ...deepClone(options.redisUsername) });
    }
    if (options.redisPassword) {
      if (headParams) headParams['redis-password'] = '$REDIS_PASSWORD';
      env.push({ name: REDIS_PASSWORD, ...deepClone(options.redisPassword) });
    }
  } else if (!envExists(REDIS_PASSWORD, env) && headParams?.['redis-password'] !== undefined) {
    env.push({ name: REDIS_PASSWORD, value: headParams['redis-password'] });
  }
}

// ---------------------------------------------------------------------------------------------
// BuildPod
// ---------------------------------------------------------------------------------------------

interface BuildInput {
  cluster: RayCluster;
  nodeType: RayNodeKind;
  template: PodTemplateSpec;
  params: Record<string, string>;
  port: string;
  fqdn: string;
  opts: PodBuildOptions;
}

/** BuildPod: the finished template becomes a Pod with the generated command, environment and probes. */
function buildPod({ cluster, nodeType, template, params, port, fqdn, opts }: BuildInput): Pod {
  const creator = creatorOf(cluster);
  const meta = template.metadata!;
  if (creator === 'RayService') meta.labels![RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY] = nodeType === 'head' ? 'false' : 'true';
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(meta as Pod['metadata']) },
    spec: template.spec,
  };
  const ray = pod.spec.containers[RAY_CONTAINER_INDEX]!;
  if (!(PLASMA_DIRECTORY_PARAM in params)) addEmptyDir(pod, ray, SHARED_MEMORY_VOLUME_NAME, SHARED_MEMORY_VOLUME_MOUNT_PATH, 'Memory');
  if (nodeType === 'head' && isAutoscalingEnabled(cluster.spec)) {
    const autoscaler = pod.spec.containers.find((c) => c.name === AUTOSCALER_CONTAINER_NAME)!;
    addEmptyDir(pod, ray, RAY_LOG_VOLUME_NAME, RAY_LOG_VOLUME_MOUNT_PATH, '');
    addEmptyDir(pod, autoscaler, RAY_LOG_VOLUME_NAME, RAY_LOG_VOLUME_MOUNT_PATH, '');
  }

  let cmd = '';
  if (ray.command?.length) cmd = cmdToString(ray.command);
  if (ray.args?.length) cmd += cmdToString(ray.args);
  const startCmd = rayStartCommand(nodeType, params);
  const overwrite = meta.annotations?.[RAY_OVERWRITE_CONTAINER_CMD_ANNOTATION_KEY]?.toLowerCase() === 'true';
  if (!overwrite && !cmd.includes('ray start')) {
    const generated = `${ulimitCommand()}; ${startCmd}`;
    ray.command = containerCommand(opts.loginShell);
    ray.args = [cmd !== '' ? `${cmd} && ${generated}` : generated];
  }

  for (const init of pod.spec.initContainers ?? []) {
    init.env = [...(init.env ?? []), { name: FQ_RAY_IP, value: fqdn }, { name: RAY_IP, value: rayIpFromFqdn(fqdn) }];
  }
  setRayContainerEnv(ray, nodeType, fqdn, port, startCmd, creator, opts.defaultContainerEnvs ?? []);
  if (opts.injectProbes ?? true) injectProbes(ray, nodeType, creator, params, cluster.spec.rayVersion);
  return pod;
}

/** setContainerEnvVars. */
function setRayContainerEnv(c: Container, nodeType: RayNodeKind, fqdn: string, port: string, startCmd: string, creator: CreatorCrd, defaults: EnvVar[]): void {
  const env = (c.env = [...(c.env ?? [])]);
  for (const d of defaults) if (!envExists(d.name, env)) env.push(deepClone(d));
  const ip = nodeType === 'worker' ? fqdn : LOCAL_HOST;
  if (nodeType === 'worker') env.push({ name: FQ_RAY_IP, value: ip }, { name: RAY_IP, value: rayIpFromFqdn(ip) });
  env.push(
    { name: RAY_CLUSTER_NAME_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${RAY_CLUSTER_LABEL_KEY}']` } } },
    { name: RAY_CLUSTER_NAMESPACE_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: RAY_CLOUD_INSTANCE_ID, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: RAY_NODE_TYPE_NAME, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${RAY_NODE_GROUP_LABEL_KEY}']` } } },
    { name: KUBERAY_GEN_RAY_START_CMD, value: startCmd },
  );
  if (!envExists(RAY_PORT, env)) env.push({ name: RAY_PORT, value: port });
  if (creator === 'RayService') {
    if (!envExists(RAY_TIMEOUT_MS_TASK_WAIT_FOR_DEATH_INFO, env)) env.push({ name: RAY_TIMEOUT_MS_TASK_WAIT_FOR_DEATH_INFO, value: '0' });
    if (!envExists(RAY_GCS_SERVER_REQUEST_TIMEOUT_SECONDS, env)) env.push({ name: RAY_GCS_SERVER_REQUEST_TIMEOUT_SECONDS, value: '5' });
    if (!envExists(RAY_SERVE_KV_TIMEOUT_S, env)) env.push({ name: RAY_SERVE_KV_TIMEOUT_S, value: '5' });
  }
  if (!envExists(RAY_ADDRESS, env)) env.push({ name: RAY_ADDRESS, value: `${ip}:${port}` });
  if (!envExists(RAY_USAGE_STATS_KUBERAY_IN_USE, env)) env.push({ name: RAY_USAGE_STATS_KUBERAY_IN_USE, value: '1' });
  if (nodeType === 'head') env.push({ name: RAY_USAGE_STATS_EXTRA_TAGS, value: `kuberay_version=${KUBERAY_VERSION};kuberay_crd=${creator}` });
  if (!envExists(RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE, env)) env.push({ name: RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE, value: '1' });
}

function mergeDefaults(target: Record<string, string>, defaults: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(defaults ?? {})) if (!(k in target)) target[k] = v;
}

function startTemplate(cluster: RayCluster, template: PodTemplateSpec, generateName: string, labels: Record<string, string>): PodTemplateSpec {
  const tpl = deepClone(template);
  const meta = { ...(tpl.metadata ?? {}) };
  delete meta.name;
  meta.generateName = generateName;
  meta.namespace = cluster.metadata.namespace;
  meta.labels = labels;
  const annotations = { ...(meta.annotations ?? {}) };
  if (cluster.metadata.annotations?.[RAY_OVERWRITE_CONTAINER_CMD_ANNOTATION_KEY]?.toLowerCase() === 'true') annotations[RAY_OVERWRITE_CONTAINER_CMD_ANNOTATION_KEY] = 'true';
  meta.annotations = annotations;
  tpl.metadata = meta;
  return tpl;
}

function finish(pod: Pod, cluster: RayCluster, opts: PodBuildOptions): Pod {
  const labels = (pod.metadata.labels ??= {});
  mergeDefaults(labels, opts.defaultPodLabels);
  const annotations = (pod.metadata.annotations ??= {});
  mergeDefaults(annotations, opts.defaultPodAnnotations);
  pod.metadata.ownerReferences = [controllerRef(cluster)];
  return pod;
}

/** The head pod of `cluster` (buildHeadPod + DefaultHeadPodTemplate + BuildPod). */
export function buildHeadPod(cluster: RayCluster, opts: PodBuildOptions = {}): Pod {
  const head = cluster.spec.headGroupSpec;
  const name = cluster.metadata.name!;
  const port = headPort(head.rayStartParams);
  const fqdn = clusterFqdn(cluster, opts.clusterDomain);
  const autoscaling = isAutoscalingEnabled(cluster.spec);
  const labels = rayPodLabels('head', name, RAY_NODE_HEAD_GROUP_LABEL_VALUE, { ...(head.template.metadata?.labels ?? {}), ...(head.labels ?? {}) });
  const tpl = startTemplate(cluster, head.template, headPodPrefix(name), labels);
  const ray = tpl.spec.containers[RAY_CONTAINER_INDEX]!;
  const params = completeRayStartParams('head', head.rayStartParams, {
    port,
    fqdn,
    container: ray,
    groupResources: head.resources,
    groupLabels: head.labels,
    autoscaling,
  });
  if (autoscaling) {
    tpl.spec.serviceAccountName = checkName(tpl.spec.serviceAccountName || name);
    tpl.spec.containers.push(buildAutoscalerContainer(ray.image, cluster.spec.autoscalerOptions, opts.loginShell));
    // RAY_enable_autoscaler_v2 only when autoscalerOptions.version says which one.
    const version = cluster.spec.autoscalerOptions?.version;
    if (version === 'v2' || version === 'v1') ray.env = [...(ray.env ?? []), { name: RAY_ENABLE_AUTOSCALER_V2, value: version === 'v2' ? 'true' : 'false' }];
    // Autoscaler v2 replaces failed pods itself, so the kubelet must not restart them.
    if (isAutoscalingV2Enabled(cluster.spec)) tpl.spec.restartPolicy = 'Never';
  }
  configureGcsFaultTolerance(cluster, tpl, 'head', params);
  addMetricsPort(ray);
  if (opts.headSidecarContainers?.length) tpl.spec.containers.push(...deepClone(opts.headSidecarContainers));
  // The command is generated from `params` in buildPod, after the FT settings added any redis credentials.
  const pod = buildPod({ cluster, nodeType: 'head', template: tpl, params, port, fqdn, opts });
  return finish(pod, cluster, opts);
}

/** A worker pod of `group` (buildWorkerPod + DefaultWorkerPodTemplate + BuildPod). */
export function buildWorkerPod(cluster: RayCluster, group: WorkerGroupSpec, replica: WorkerReplica = { index: 0 }, opts: PodBuildOptions = {}): Pod {
  const gates = opts.featureGates ?? DEFAULT_FEATURE_GATES;
  const name = cluster.metadata.name!;
  const port = headPort(cluster.spec.headGroupSpec.rayStartParams);
  const fqdn = clusterFqdn(cluster, opts.clusterDomain);
  const labels = rayPodLabels('worker', name, group.groupName, { ...(group.template.metadata?.labels ?? {}), ...(group.labels ?? {}) });
  if (gates.RayMultiHostIndexing) {
    labels[RAY_WORKER_REPLICA_INDEX_KEY] = String(replica.index);
    if ((group.numOfHosts ?? 1) > 1) {
      labels[RAY_WORKER_REPLICA_NAME_KEY] = replica.name ?? '';
      labels[RAY_HOST_INDEX_KEY] = String(replica.hostIndex ?? 0);
    }
  }
  const tpl = startTemplate(cluster, group.template, workerPodPrefix(name, group.groupName), labels);
  const ray = tpl.spec.containers[RAY_CONTAINER_INDEX]!;
  if (opts.injectInitContainer ?? true) {
    const init: Container = {
      name: WAIT_GCS_READY_INIT_CONTAINER_NAME,
      image: ray.image,
      command: containerCommand(opts.loginShell),
      args: [waitGcsReadyScript(fqdn, port)],
      resources: { limits: { cpu: '200m', memory: '256Mi' }, requests: { cpu: '200m', memory: '256Mi' } },
    };
    if (ray.imagePullPolicy) init.imagePullPolicy = ray.imagePullPolicy;
    if (ray.securityContext) init.securityContext = deepClone(ray.securityContext);
    if (ray.env) init.env = deepClone(ray.env);
    if (ray.volumeMounts) init.volumeMounts = deepClone(ray.volumeMounts);
    tpl.spec.initContainers = [...(tpl.spec.initContainers ?? []), init];
  }
  const params = completeRayStartParams('worker', group.rayStartParams, { port, fqdn, container: ray, groupResources: group.resources, groupLabels: group.labels });
  configureGcsFaultTolerance(cluster, tpl, 'worker', undefined);
  addMetricsPort(ray);
  if (isAutoscalingEnabled(cluster.spec) && isAutoscalingV2Enabled(cluster.spec)) tpl.spec.restartPolicy = 'Never';
  if (opts.workerSidecarContainers?.length) tpl.spec.containers.push(...deepClone(opts.workerSidecarContainers));
  const pod = buildPod({ cluster, nodeType: 'worker', template: tpl, params, port, fqdn, opts });
  return finish(pod, cluster, opts);
}

// ---------------------------------------------------------------------------------------------
// Reading pods
// ---------------------------------------------------------------------------------------------

/** Running with condition Ready=True (IsRunningAndReady). */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The Ray container's terminated state, found by name (container statuses are unordered). */
export function rayContainerTerminated(pod: Pod): ContainerState['terminated'] {
  const name = pod.spec.containers[RAY_CONTAINER_INDEX]?.name;
  return pod.status?.containerStatuses?.find((s) => s.name === name)?.state?.terminated;
}

export interface DeleteDecision {
  delete: boolean;
  reason: string;
}

/**
 * shouldDeletePod: a pod in a terminal phase (Failed, Succeeded) is deleted; so is a Running pod
 * whose Ray container has terminated and cannot restart (restartPolicy Never). Anything else stays.
 */
export function shouldDeletePod(pod: Pod, nodeType: RayNodeKind): DeleteDecision {
  const phase = pod.status?.phase;
  const name = pod.metadata.name;
  if (phase === 'Failed' || phase === 'Succeeded') {
    return {
      delete: true,
      reason: `The ${nodeType} Pod ${name} status is ${phase} which is a terminal state. KubeRay will delete the Pod and create new Pods in the next reconciliation if necessary.`,
    };
  }
  const terminated = rayContainerTerminated(pod);
  if (phase === 'Running' && terminated) {
    const policy = pod.spec.restartPolicy ?? 'Always';
    const state = JSON.stringify(terminated);
    if (policy === 'Never') {
      return {
        delete: true,
        reason: `The Pod status of the ${nodeType} Pod ${name} is ${phase}, and the Ray container terminated status is ${state}. The container is unable to restart due to its restart policy ${policy}, so KubeRay will delete it.`,
      };
    }
    return {
      delete: false,
      reason: `The Pod status of the ${nodeType} Pod ${name} is ${phase}, and the Ray container terminated status is ${state}. However, KubeRay will not delete the Pod because its restartPolicy is set to ${policy} and it should be able to restart automatically.`,
    };
  }
  return { delete: false, reason: `KubeRay does not need to delete the ${nodeType} Pod ${name}. The Pod status is ${phase ?? ''}.` };
}
