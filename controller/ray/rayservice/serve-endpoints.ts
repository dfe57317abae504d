// Which pods the serve service may send traffic to. A pod is an endpoint of `<rayservice>-serve-svc`
// when it matches the selector (ray.io/cluster=<cluster>, ray.io/serve=true), is Running and Ready,
// and is not terminating: what the EndpointSlice controller publishes and what KubeRay counts as
// numServeEndpoints.
//
// The ray.io/serve label, as KubeRay keeps it: the RayCluster controller creates workers of a
// RayService's cluster with "true" (their readiness probe decides) and the head with "false";
// the RayService controller sets the head's label from the health of its Serve proxy. raysim has no
// proxy health endpoint, so the proxy counts as healthy once Serve was started on the cluster (a
// config was submitted to it), and a label stays "true" while the head is Running and Ready.
// Workers that came without the label (a RayCluster controller that does not set it) get "true"
// once Running and Ready. Pure.

import type { Pod } from '../../api/types.js';
import { RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY, RAY_NODE_TYPE_LABEL_KEY } from '../../api/constants.js';

/** utils.IsRunningAndReady. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function matchesLabels(pod: Pod, selector: Record<string, string>): boolean {
  const labels = pod.metadata.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** A ready endpoint of a service with this selector. */
export function isServeEndpoint(pod: Pod, selector: Record<string, string>): boolean {
  return matchesLabels(pod, selector) && isRunningAndReady(pod) && !isTerminating(pod);
}

export function countEndpoints(pods: readonly Pod[], selector: Record<string, string> | undefined): number {
  if (!selector || Object.keys(selector).length === 0) return 0;
  return pods.filter((p) => isServeEndpoint(p, selector)).length;
}

export interface ServeLabelInput {
  /** spec.excludeHeadPodFromServeSvc. */
  excludeHead: boolean;
  /** Serve was started on the pod's cluster (the proxy on the head is up). */
  serveStarted: boolean;
}

/** The ray.io/serve value the pod should carry; undefined: leave it as it is. */
export function desiredServeLabel(pod: Pod, input: ServeLabelInput): string | undefined {
  if (isTerminating(pod)) return undefined;
  const current = pod.metadata.labels?.[RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY];
  if (pod.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'head') {
    if (input.excludeHead || !isRunningAndReady(pod)) return 'false';
    return current === 'true' || input.serveStarted ? 'true' : 'false';
  }
  if (current === undefined && isRunningAndReady(pod)) return 'true';
  return current;
}
