// The RayCluster a RayJob creates (constructRayClusterForRayJob) and the dashboard address KubeRay
// stores in status.dashboardURL. Pure builders.

import {
  CRDType,
  DISABLE_PROVISIONED_HEAD_RESTART_ANNOTATION_KEY,
  RAY_JOB_SUBMISSION_MODE_LABEL_KEY,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
} from '../../api/constants.js';
import { submissionMode } from '../../api/defaults.js';
import type { RayCluster, RayJob } from '../../api/types.js';
import type { ObjectMeta } from '../../runtime/kube-object.js';
import { clusterFqdn } from '../common/pod.js';
import { headDashboardPort } from '../common/service.js';
import type { BatchScheduler } from '../batchscheduler/batch-scheduler.js';
import { rayJobOwnerReference } from './owner-reference.js';
import { buildSidecarSubmitterContainer, type SubmitCommandOptions } from './submitter.js';
import { deepClone } from '../../runtime/deep-copy.js';

export interface ClusterBuildOptions extends SubmitCommandOptions {
  /** Its metadata goes on the RayCluster in K8sJobMode (AddMetadataToChildResource with group ""). */
  scheduler?: BatchScheduler;
}

/**
 * constructRayClusterForRayJob: rayClusterSpec copied, the RayJob's labels and annotations plus
 * ray.io/originated-from-cr-name, ray.io/originated-from-crd=RayJob and
 * ray.io/job-submission-mode (so Kueue's and Volcano's labels pass through), owned by the RayJob.
 * SidecarMode adds the submitter container to the head pod (restartPolicy Never) and disables the
 * provisioned-head restart; in K8sJobMode the batch scheduler's labels and annotations are added.
 */
export function buildRayClusterForRayJob(job: RayJob, name: string, o: ClusterBuildOptions = {}): RayCluster {
  const mode = submissionMode(job.spec);
  const labels: Record<string, string> = {
    ...job.metadata.labels,
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: job.metadata.name ?? '',
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayJob,
    [RAY_JOB_SUBMISSION_MODE_LABEL_KEY]: mode,
  };
  const annotations: Record<string, string> = { ...job.metadata.annotations };
  if (mode === 'SidecarMode') annotations[DISABLE_PROVISIONED_HEAD_RESTART_ANNOTATION_KEY] = 'true';
  const metadata: ObjectMeta = { name, namespace: job.metadata.namespace, labels, ownerReferences: [rayJobOwnerReference(job)] };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const cluster: RayCluster = {
    apiVersion: 'ray.io/v1',
    kind: 'RayCluster',
    metadata,
    spec: deepClone(job.spec.rayClusterSpec!),
  };
  if (mode === 'SidecarMode') {
    const head = cluster.spec.headGroupSpec.template.spec;
    head.containers = [...head.containers, buildSidecarSubmitterContainer(job, cluster.spec, o)];
    head.restartPolicy = 'Never';
  }
  if (o.scheduler && mode === 'K8sJobMode') {
    // A RayCluster is not a pod: only the scheduler's labels and annotations apply.
    cluster.metadata = o.scheduler.addMetadataToPod(job, '', { metadata: cluster.metadata }).metadata as ObjectMeta;
  }
  return cluster;
}

/**
 * FetchHeadServiceURL, as status.dashboardURL holds it (no scheme):
 * `<head-svc>.<namespace>.svc.<domain>:<dashboard port>`. The port is the head container's port
 * named "dashboard" (8265 by default), which is the port the head Service exposes under that
 * name; raysim derives it from the spec instead of reading the Service.
 */
export function dashboardAddress(cluster: RayCluster, clusterDomain: string): string {
  return `${clusterFqdn(cluster, clusterDomain)}:${headDashboardPort(cluster.spec)}`;
}

/** The URL a DashboardClientFactory gets: status.dashboardURL with http:// in front. */
export function dashboardHttpUrl(address: string): string {
  return /^https?:\/\//.test(address) ? address : `http://${address}`;
}
