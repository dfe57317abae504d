// The two Services a RayService owns, as KubeRay's common/service.go builds them
// (BuildHeadServiceForRayService, BuildServeServiceForRayService):
//   <rayservice>-head-svc   selects the head pod of the cluster that serves (headless by default);
//   <rayservice>-serve-svc  selects ray.io/cluster=<cluster>, ray.io/serve=true on its serve ports.
// The RayService controller points both at the cluster that serves, switching them at an upgrade.
// Pure builders. (The RayCluster's own head service is built in controller/ray/common; this file
// keeps a RayService-only copy of the port rules until the two are merged.)

import type { EmbeddedService, RayCluster, RayService, Service, ServicePort } from '../../api/types.js';
import {
  APPLICATION_NAME,
  CLIENT_PORT_NAME,
  COMPONENT_NAME,
  CRDType,
  DASHBOARD_PORT_NAME,
  DEFAULT_CLIENT_PORT,
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_GCS_SERVER_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_SERVING_PORT,
  GCS_SERVER_PORT_NAME,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  KUBERNETES_CREATED_BY_LABEL_KEY,
  METRICS_PORT_NAME,
  RAY_CLUSTER_LABEL_KEY,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_CONTAINER_INDEX,
  RAY_ID_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
  SERVING_PORT_NAME,
} from '../../api/constants.js';
import { headServiceName, serveServiceName } from '../common/names.js';

/** utils.DefaultServiceAppProtocol. */
export const DEFAULT_SERVICE_APP_PROTOCOL = 'tcp';

/** The serve port is missing: KubeRay's message. */
export const NO_SERVE_PORT_MESSAGE =
  "Please specify a port named 'serve' (or with the prefix 'serve-', e.g. 'serve-grpc') in the Ray head container; otherwise, the Kubernetes service for Ray Serve will not be created.";

export class ServiceBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceBuildError';
  }
}

/** utils.CheckLabel: keep the last 63 characters, and never start with punctuation. */
export function checkLabel(s: string): string {
  let v = s.length > 63 ? s.slice(s.length - 63) : s;
  if (v.length > 0 && /^[\p{P}]/u.test(v)) v = `r${v.slice(1)}`;
  return v;
}

/** getServicePorts: the head container's named ports (unnamed: "<port>-port"), KubeRay's defaults when it has none, plus metrics 8080. */
export function headServicePorts(cluster: RayCluster): Map<string, number> {
  const ports = new Map<string, number>();
  const container = cluster.spec.headGroupSpec.template.spec?.containers?.[RAY_CONTAINER_INDEX];
  for (const p of container?.ports ?? []) ports.set(p.name || `${p.containerPort}-port`, p.containerPort);
  if (ports.size === 0) {
    ports.set(CLIENT_PORT_NAME, DEFAULT_CLIENT_PORT);
    ports.set(GCS_SERVER_PORT_NAME, DEFAULT_GCS_SERVER_PORT);
    ports.set(DASHBOARD_PORT_NAME, DEFAULT_DASHBOARD_PORT);
    ports.set(METRICS_PORT_NAME, DEFAULT_METRICS_PORT);
    ports.set(SERVING_PORT_NAME, DEFAULT_SERVING_PORT);
  }
  if (!ports.has(METRICS_PORT_NAME)) ports.set(METRICS_PORT_NAME, DEFAULT_METRICS_PORT);
  return ports;
}

/** "serve" or "serve-*" (e.g. serve-grpc). */
export function isServingPort(name: string): boolean {
  return name === SERVING_PORT_NAME || name.startsWith(`${SERVING_PORT_NAME}-`);
}

/** The dashboard port of the head container (8265 when not declared). */
export function dashboardPort(cluster: RayCluster): number {
  const container = cluster.spec.headGroupSpec.template.spec?.containers?.[RAY_CONTAINER_INDEX];
  return container?.ports?.find((p) => p.name === DASHBOARD_PORT_NAME)?.containerPort ?? DEFAULT_DASHBOARD_PORT;
}

const byName = (a: ServicePort, b: ServicePort) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0);

export interface HeadServiceOptions {
  /** ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE: give the head service a cluster IP instead of making it headless. */
  headClusterIPService?: boolean;
}

/** HeadServiceLabels(cluster): the head service's selector keys. */
export function headPodSelector(cluster: RayCluster): Record<string, string> {
  const name = cluster.metadata.name ?? '';
  return {
    [RAY_CLUSTER_LABEL_KEY]: name,
    [RAY_NODE_TYPE_LABEL_KEY]: 'head',
    [RAY_ID_LABEL_KEY]: checkLabel(`${name}-head`),
    [KUBERNETES_APPLICATION_NAME_LABEL_KEY]: APPLICATION_NAME,
    [KUBERNETES_CREATED_BY_LABEL_KEY]: COMPONENT_NAME,
  };
}

/** BuildHeadServiceForRayService: `<rayservice>-head-svc` selecting the head pod of `cluster`. */
export function buildHeadServiceForRayService(svc: RayService, cluster: RayCluster, opts: HeadServiceOptions = {}): Service {
  const selector = headPodSelector(cluster);
  const ports: ServicePort[] = [...headServicePorts(cluster)].map(([name, port]) => ({ name, port, appProtocol: DEFAULT_SERVICE_APP_PROTOCOL }));
  const name = svc.metadata.name ?? '';
  const labels = {
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: name,
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayService,
    [RAY_NODE_TYPE_LABEL_KEY]: 'head',
    [RAY_ID_LABEL_KEY]: checkLabel(`${name}-head`),
  };
  const custom = cluster.spec.headGroupSpec.headService;
  const type = cluster.spec.headGroupSpec.serviceType;
  if (custom) {
    // A user-provided head service: its spec and annotations, our selector, ports appended.
    const spec = structuredClone(custom.spec ?? {});
    spec.selector = selector;
    spec.ports = [...(spec.ports ?? []), ...ports];
    if (!spec.type && type) spec.type = type;
    const out: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headServiceName(name), namespace: svc.metadata.namespace, labels },
      spec,
    };
    if (custom.metadata?.annotations) out.metadata.annotations = { ...custom.metadata.annotations };
    return out;
  }
  const out: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: headServiceName(name), namespace: svc.metadata.namespace, labels },
    spec: { selector, ports: ports.sort(byName) },
  };
  if (type) out.spec!.type = type;
  if (!opts.headClusterIPService && (type === undefined || type === 'ClusterIP')) {
    // At most one head pod: headless, and its address published even when not ready.
    out.spec!.clusterIP = 'None';
    out.spec!.publishNotReadyAddresses = true;
  }
  return out;
}

/** RayServiceServeServiceNamespacedName: spec.serveService.metadata.name, else `<rayservice>-serve-svc`. */
export function serveServiceNameFor(svc: RayService): string {
  return svc.spec.serveService?.metadata?.name || serveServiceName(svc.metadata.name ?? '');
}

/** The serve service's selector for a cluster. */
export function serveSelector(clusterName: string): Record<string, string> {
  return { [RAY_CLUSTER_LABEL_KEY]: clusterName, [RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]: 'true' };
}

/**
 * BuildServeServiceForRayService: the serve ports of `cluster`'s head container behind
 * `<rayservice>-serve-svc` (or spec.serveService, whose selector is replaced and whose ports win
 * by name). Throws ServiceBuildError when there is no serve port and no custom service.
 */
export function buildServeServiceForRayService(svc: RayService, cluster: RayCluster): Service {
  const name = svc.metadata.name ?? '';
  const labels = {
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: name,
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayService,
    [RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]: `${name}-serve`,
  };
  const selector = serveSelector(cluster.metadata.name ?? '');
  const ports: ServicePort[] = [...headServicePorts(cluster)].filter(([n]) => isServingPort(n)).map(([n, port]) => ({ name: n, port }));
  ports.sort(byName);
  const type = svc.spec.rayClusterConfig.headGroupSpec.serviceType;
  const custom: EmbeddedService | undefined = svc.spec.serveService;
  if (ports.length === 0 && !custom) throw new ServiceBuildError(NO_SERVE_PORT_MESSAGE);
  if (custom) {
    const spec = structuredClone(custom.spec ?? {});
    spec.selector = selector;
    if (ports.length > 0) {
      const mine = new Map((spec.ports ?? []).map((p) => [p.name ?? '', p]));
      spec.ports = ports.map((p) => mine.get(p.name ?? '') ?? p);
    }
    if (!spec.type && type) spec.type = type;
    const out: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: custom.metadata?.name || serveServiceName(name),
        namespace: svc.metadata.namespace,
        labels: { ...custom.metadata?.labels, ...labels },
      },
      spec,
    };
    if (custom.metadata?.annotations) out.metadata.annotations = { ...custom.metadata.annotations };
    return out;
  }
  const out: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serveServiceName(name), namespace: svc.metadata.namespace, labels },
    spec: { selector, ports },
  };
  if (type) out.spec!.type = type;
  return out;
}
