// The two Services a RayService owns, as KubeRay's common/service.go builds them
// (BuildHeadServiceForRayService, BuildServeServiceForRayService):
//   <rayservice>-head-svc   selects the head pod of the cluster that serves (headless by default);
//   <rayservice>-serve-svc  selects ray.io/cluster=<cluster>, ray.io/serve=true on its serve ports.
// The RayService controller points both at the cluster that serves, switching them at an upgrade.
// Pure builders over controller/ray/common/service.ts: the spec (selector, ports, type) is the
// common builders', the metadata is the RayService's.

import type { EmbeddedService, RayCluster, RayService, Service } from '../../api/types.js';
import {
  CRDType,
  RAY_CLUSTER_LABEL_KEY,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_ID_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
} from '../../api/constants.js';
import { checkLabel, headServiceName, serveServiceName } from '../common/names.js';
import { buildHeadService, buildServeService } from '../common/service.js';

export interface HeadServiceOptions {
  /** ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE: give the head service a cluster IP instead of making it headless. */
  headClusterIPService?: boolean;
}

/**
 * The metadata of a Service the RayService owns: name, namespace and labels, plus the annotations
 * of the user's service (headGroupSpec.headService or spec.serveService) when it has some.
 */
function ownedMetadata(svc: RayService, name: string, labels: Record<string, string>, custom: EmbeddedService | undefined): Service['metadata'] {
  const metadata: Service['metadata'] = { name, namespace: svc.metadata.namespace, labels };
  if (custom?.metadata?.annotations) metadata.annotations = { ...custom.metadata.annotations };
  return metadata;
}

/**
 * BuildHeadServiceForRayService: the cluster's head service (BuildServiceForHeadPod: selector
 * HeadServiceLabels, the head ports, headGroupSpec.headService's spec when set) renamed
 * `<rayservice>-head-svc` and labelled as the RayService's.
 */
export function buildHeadServiceForRayService(svc: RayService, cluster: RayCluster, opts: HeadServiceOptions = {}): Service {
  const out = buildHeadService(cluster, { clusterIP: opts.headClusterIPService });
  const name = svc.metadata.name ?? '';
  const labels = {
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: name,
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayService,
    [RAY_NODE_TYPE_LABEL_KEY]: 'head',
    [RAY_ID_LABEL_KEY]: checkLabel(`${name}-head`),
  };
  out.metadata = ownedMetadata(svc, headServiceName(name), labels, cluster.spec.headGroupSpec.headService);
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
 * BuildServeServiceForRayService: the serve ports of `cluster`'s head container, sorted by name,
 * behind `<rayservice>-serve-svc` (or spec.serveService, whose selector is replaced and whose ports
 * win by name). Throws ServePortError when there is no serve port and no custom service.
 */
export function buildServeServiceForRayService(svc: RayService, cluster: RayCluster): Service {
  const out = buildServeService(cluster, svc, { perCluster: false, sortPorts: true });
  out.metadata = ownedMetadata(svc, serveServiceNameFor(svc), out.metadata.labels!, svc.spec.serveService);
  return out;
}
