// The Services KubeRay creates for a RayCluster (common/service.go): the head service
// `<cluster>-head-svc`, the headless service of multi-host worker groups, and the serve service
// (selector ray.io/cluster + ray.io/serve=true) RayServices put in front of their clusters. The
// RayService's own services (controller/ray/rayservice/services.ts) are built from these, as
// KubeRay's BuildHeadServiceForRayService does. Pure builders: they return a new Service and never
// touch their inputs.

import type { EmbeddedService, Service, ServicePort, ServiceSpec, ServiceType } from '../../api/core-types.js';
import type { RayCluster, RayClusterSpec } from '../../api/raycluster-types.js';
import type { RayService } from '../../api/rayservice-types.js';
import type { OwnerReference } from '../../runtime/kube-object.js';
import {
  APPLICATION_NAME,
  CLIENT_PORT_NAME,
  COMPONENT_NAME,
  DASHBOARD_PORT_NAME,
  DEFAULT_CLIENT_PORT,
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_GCS_SERVER_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_SERVING_PORT,
  GCS_SERVER_PORT_NAME,
  HEADLESS_SERVICE_SUFFIX,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  KUBERNETES_CREATED_BY_LABEL_KEY,
  METRICS_PORT_NAME,
  RAY_CLUSTER_HEADLESS_SERVICE_LABEL_KEY,
  RAY_CLUSTER_LABEL_KEY,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_CONTAINER_INDEX,
  RAY_ID_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
  SERVING_PORT_NAME,
} from '../../api/constants.js';
import { headServiceName, rayNodeIdentifier } from './names.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** appProtocol of the head service's ports. */
export const DEFAULT_SERVICE_APP_PROTOCOL = 'tcp';

export interface HeadServiceOptions {
  /**
   * KubeRay makes the head service headless (clusterIP None, publishNotReadyAddresses) when its
   * type is ClusterIP, unless ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE=true; this is that switch.
   */
  clusterIP?: boolean;
  /** Extra labels (KubeRay passes app.kubernetes.io/name from the head template). */
  labels?: Record<string, string>;
  /** Annotations (KubeRay passes spec.headServiceAnnotations). */
  annotations?: Record<string, string>;
}

/**
 * The head service's name for a RayCluster: headGroupSpec.headService.metadata.name when the
 * user sets one, else `<cluster>-head-svc` (GenerateHeadServiceName for RayClusterCRD).
 */
export function clusterHeadServiceName(cluster: Pick<RayCluster, 'metadata' | 'spec'>): string {
  const custom = cluster.spec?.headGroupSpec?.headService?.metadata?.name;
  return custom ? custom : headServiceName(cluster.metadata.name!);
}

/**
 * ctrl.SetControllerReference: the controller ownerReference every child of a RayCluster, RayJob,
 * RayService or RayCronJob carries (controller and blockOwnerDeletion set), so it is
 * garbage-collected with its owner.
 */
export function controllerRef(owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels (and selector) of the head service (HeadServiceLabels). */
export function headServiceLabels(clusterName: string): Record<string, string> {
  return {
    [RAY_CLUSTER_LABEL_KEY]: clusterName,
    [RAY_NODE_TYPE_LABEL_KEY]: 'head',
    [RAY_ID_LABEL_KEY]: rayNodeIdentifier(clusterName, 'head'),
    [KUBERNETES_APPLICATION_NAME_LABEL_KEY]: APPLICATION_NAME,
    [KUBERNETES_CREATED_BY_LABEL_KEY]: COMPONENT_NAME,
  };
}

/** The port named "dashboard" on the head container, else 8265 (utils.FindContainerPort). */
export function headDashboardPort(spec: RayClusterSpec | undefined): number {
  const c = spec?.headGroupSpec?.template?.spec?.containers?.[RAY_CONTAINER_INDEX];
  return c?.ports?.find((p) => p.name === DASHBOARD_PORT_NAME)?.containerPort ?? DEFAULT_DASHBOARD_PORT;
}

/** Ports the head container declares (unnamed ones become "<port>-port"). */
function portsFromHeadContainer(spec: RayClusterSpec): Map<string, number> {
  const out = new Map<string, number>();
  const c = spec.headGroupSpec?.template?.spec?.containers?.[RAY_CONTAINER_INDEX];
  for (const p of c?.ports ?? []) out.set(p.name ? p.name : `${p.containerPort}-port`, p.containerPort);
  return out;
}

/**
 * getServicePorts: the head container's ports, or KubeRay's defaults (client 10001, gcs 6379,
 * dashboard 8265, metrics 8080, serve 8000) when it declares none; metrics 8080 is always added.
 */
export function headServicePorts(spec: RayClusterSpec): Map<string, number> {
  let ports = portsFromHeadContainer(spec);
  if (ports.size === 0) {
    ports = new Map([
      [CLIENT_PORT_NAME, DEFAULT_CLIENT_PORT],
      [GCS_SERVER_PORT_NAME, DEFAULT_GCS_SERVER_PORT],
      [DASHBOARD_PORT_NAME, DEFAULT_DASHBOARD_PORT],
      [METRICS_PORT_NAME, DEFAULT_METRICS_PORT],
      [SERVING_PORT_NAME, DEFAULT_SERVING_PORT],
    ]);
  }
  if (!ports.has(METRICS_PORT_NAME)) ports.set(METRICS_PORT_NAME, DEFAULT_METRICS_PORT);
  return ports;
}

/** "serve", or a name prefixed "serve-" ("serve-grpc"). */
export function isServingPort(name: string): boolean {
  return name === SERVING_PORT_NAME || name.startsWith(`${SERVING_PORT_NAME}-`);
}

function byName(a: ServicePort, b: ServicePort): number {
  const x = a.name ?? '';
  const y = b.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * BuildServiceForHeadPod. Without headGroupSpec.headService: `<cluster>-head-svc` with the head
 * ports sorted by name, selector = labels = HeadServiceLabels, type headGroupSpec.serviceType,
 * headless unless `clusterIP`. With it: the user's service, its selector replaced, the computed
 * ports appended, the default labels added, and name/namespace/type filled in where unset.
 */
export function buildHeadService(cluster: RayCluster, opts: HeadServiceOptions = {}): Service {
  const spec = cluster.spec;
  const defaults = headServiceLabels(cluster.metadata.name!);
  const extra = opts.labels ?? {};
  // Upstream lets the passed labels override the defaults' values, but only for default keys.
  const selector: Record<string, string> = {};
  for (const k of Object.keys(defaults)) selector[k] = extra[k] ?? defaults[k]!;
  const annotations = { ...(opts.annotations ?? {}) };
  const type: ServiceType | undefined = spec.headGroupSpec.serviceType;
  const ports: ServicePort[] = [...headServicePorts(spec)].map(([name, port]) => ({ name, port, appProtocol: DEFAULT_SERVICE_APP_PROTOCOL }));
  const namespace = cluster.metadata.namespace;
  const name = clusterHeadServiceName(cluster);

  const user: EmbeddedService | undefined = spec.headGroupSpec.headService;
  if (user) {
    const s = deepClone(user);
    const meta = { ...(s.metadata ?? {}) };
    meta.annotations = { ...(meta.annotations ?? {}), ...annotations };
    meta.labels = { ...(meta.labels ?? {}), ...selector };
    meta.name = meta.name ? meta.name : name;
    meta.namespace = namespace;
    const svcSpec: ServiceSpec = { ...(s.spec ?? {}) };
    svcSpec.selector = selector;
    svcSpec.ports = [...(svcSpec.ports ?? []), ...ports];
    if (!svcSpec.type && type) svcSpec.type = type;
    const out: Service = { apiVersion: 'v1', kind: 'Service', metadata: meta as Service['metadata'], spec: svcSpec };
    return out;
  }

  const svcSpec: ServiceSpec = { selector, ports: ports.sort(byName) };
  if (type) svcSpec.type = type;
  if (!opts.clusterIP && (type === undefined || type === 'ClusterIP')) {
    svcSpec.clusterIP = 'None';
    // The head's address is needed even while its readiness probe fails.
    svcSpec.publishNotReadyAddresses = true;
  }
  const metadata: Service['metadata'] = { name, namespace, labels: { ...selector } };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: 'v1', kind: 'Service', metadata, spec: svcSpec };
}

/** BuildHeadlessServiceForRayCluster: `<cluster>-headless`, selecting the cluster's workers. */
export function buildHeadlessService(cluster: RayCluster): Service {
  const name = cluster.metadata.name!;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${name}-${HEADLESS_SERVICE_SUFFIX}`,
      namespace: cluster.metadata.namespace,
      labels: { [RAY_CLUSTER_HEADLESS_SERVICE_LABEL_KEY]: name },
    },
    spec: {
      clusterIP: 'None',
      selector: { [RAY_CLUSTER_LABEL_KEY]: name, [RAY_NODE_TYPE_LABEL_KEY]: 'worker' },
      type: 'ClusterIP',
      publishNotReadyAddresses: true,
    },
  };
}

/** The serve port is missing: KubeRay's message. */
export const NO_SERVE_PORT_MESSAGE =
  "Please specify a port named 'serve' (or with the prefix 'serve-', e.g. 'serve-grpc') in the Ray head container; otherwise, the Kubernetes service for Ray Serve will not be created.";

/** Thrown when no serve port exists for a serve service. */
export class ServePortError extends Error {
  constructor() {
    super(NO_SERVE_PORT_MESSAGE);
    this.name = 'ServePortError';
  }
}

/** `<name>-serve-svc`, KubeRay's GenerateServeServiceName (no shortening). */
export function serveServiceNameOf(name: string): string {
  return `${name}-serve-svc`;
}

export interface ServeServiceOptions {
  /**
   * For a RayService: whether each cluster gets its own serve service, named after the cluster and
   * without spec.serveService, as KubeRay does for NewClusterWithIncrementalUpgrade. Default: from
   * the RayService's upgradeStrategy. The RayService controller passes false (it runs incremental
   * upgrades as NewCluster).
   */
  perCluster?: boolean;
  /** Sort the serving ports by name (the RayService controller does); else they keep the head container's order. */
  sortPorts?: boolean;
}

/**
 * BuildServeService. For a RayService (`rayService` given): `<rayservice>-serve-svc`, selector
 * ray.io/cluster=<cluster> + ray.io/serve=true, the user's spec.serveService when set (its ports
 * override the computed ones of the same name). For a RayCluster with the
 * ray.io/enable-serve-service=true annotation: `<cluster>-serve-svc` selecting the cluster's pods.
 * Ports are the head container's serving ports. Throws ServePortError when there are none.
 */
export function buildServeService(cluster: RayCluster, rayService?: RayService, opts: ServeServiceOptions = {}): Service {
  const isService = rayService !== undefined;
  const incremental = isService && (opts.perCluster ?? rayService.spec.upgradeStrategy?.type === 'NewClusterWithIncrementalUpgrade');
  const name = isService && !incremental ? rayService.metadata.name! : cluster.metadata.name!;
  const namespace = isService ? rayService.metadata.namespace : cluster.metadata.namespace;
  const labels: Record<string, string> = {
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: name,
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: isService ? 'RayService' : 'RayCluster',
    [RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]: `${name}-serve`,
  };
  const selector: Record<string, string> = { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name! };
  if (isService) selector[RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY] = 'true';
  const type = isService ? rayService.spec.rayClusterConfig?.headGroupSpec?.serviceType : cluster.spec.headGroupSpec.serviceType;
  const ports: ServicePort[] = [];
  for (const [n, port] of headServicePorts(cluster.spec)) if (isServingPort(n)) ports.push({ name: n, port });
  if (opts.sortPorts) ports.sort(byName);

  const user = isService && !incremental ? rayService.spec.serveService : undefined;
  if (user) {
    const s = deepClone(user);
    const svcSpec: ServiceSpec = { ...(s.spec ?? {}) };
    svcSpec.selector = selector;
    if (ports.length > 0) {
      const mine = new Map((svcSpec.ports ?? []).map((p) => [p.name, p]));
      svcSpec.ports = ports.map((p) => mine.get(p.name) ?? p);
    }
    if (!svcSpec.type && type) svcSpec.type = type;
    const meta = { ...(s.metadata ?? {}) };
    meta.annotations = { ...(meta.annotations ?? {}) };
    meta.labels = { ...(meta.labels ?? {}), ...labels };
    meta.name = meta.name ? meta.name : serveServiceNameOf(name);
    meta.namespace = namespace;
    return { apiVersion: 'v1', kind: 'Service', metadata: meta as Service['metadata'], spec: svcSpec };
  }
  if (ports.length === 0) throw new ServePortError();
  const svcSpec: ServiceSpec = { selector, ports };
  if (type) svcSpec.type = type;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: serveServiceNameOf(name), namespace, labels }, spec: svcSpec };
}
