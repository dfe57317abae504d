// The well-known names must be KubeRay's exactly (utils/constant.go, v1.7.0): a pod labelled by
// raysim has to be found by tools written for KubeRay, and vice versa.

import { describe, expect, it } from 'vitest';
import * as k from '../../controller/api/constants.js';
import { DEFAULT_FEATURE_GATES, featureGates } from '../../controller/api/features.js';
import { ClusterState, JobDeploymentStatus, JobFailedReason, JobStatus, RayClusterConditionType, RayServiceConditionType, isJobDeploymentTerminal, isJobTerminal } from '../../controller/api/types.js';

describe('KubeRay constants', () => {
  it('labels', () => {
    expect([k.RAY_CLUSTER_LABEL_KEY, k.RAY_NODE_TYPE_LABEL_KEY, k.RAY_NODE_GROUP_LABEL_KEY, k.RAY_NODE_LABEL_KEY, k.RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]).toEqual([
      'ray.io/cluster',
      'ray.io/node-type',
      'ray.io/group',
      'ray.io/is-ray-node',
      'ray.io/serve',
    ]);
    expect([k.RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY, k.RAY_ORIGINATED_FROM_CRD_LABEL_KEY]).toEqual(['ray.io/originated-from-cr-name', 'ray.io/originated-from-crd']);
    expect([k.KUBERNETES_CREATED_BY_LABEL_KEY, k.COMPONENT_NAME, k.KUBERNETES_APPLICATION_NAME_LABEL_KEY, k.APPLICATION_NAME]).toEqual([
      'app.kubernetes.io/created-by',
      'kuberay-operator',
      'app.kubernetes.io/name',
      'kuberay',
    ]);
    expect(k.RAY_NODE_HEAD_GROUP_LABEL_VALUE).toBe('headgroup');
    expect(k.RAY_JOB_CLUSTER_SELECTOR_KEY).toBe('ray.io/cluster');
  });

  it('finalizers, ports and limits', () => {
    expect(k.RAY_JOB_STOP_JOB_FINALIZER).toBe('ray.io/rayjob-finalizer');
    expect(k.RAY_SERVICE_FINALIZER).toBe('ray.io/rayservice-finalizer');
    expect([k.DEFAULT_DASHBOARD_PORT, k.DEFAULT_GCS_SERVER_PORT, k.DEFAULT_CLIENT_PORT, k.DEFAULT_SERVING_PORT, k.DEFAULT_METRICS_PORT]).toEqual([8265, 6379, 10001, 8000, 8080]);
    expect([k.DASHBOARD_PORT_NAME, k.GCS_SERVER_PORT_NAME, k.CLIENT_PORT_NAME, k.SERVING_PORT_NAME, k.METRICS_PORT_NAME]).toEqual(['dashboard', 'gcs-server', 'client', 'serve', 'metrics']);
    expect([k.MAX_RAY_CLUSTER_NAME_LENGTH, k.MAX_RAY_JOB_NAME_LENGTH, k.MAX_RAY_SERVICE_NAME_LENGTH, k.MAX_RAY_CRON_JOB_NAME_LENGTH]).toEqual([53, 47, 47, 36]);
  });

  it('derived names', () => {
    expect(k.headServiceName('c')).toBe('c-head-svc');
    expect(k.serveServiceName('s')).toBe('s-serve-svc');
    expect(k.headlessServiceName('c')).toBe('c-headless');
    expect(k.volcanoPodGroupName('j')).toBe('ray-j-pg');
    expect(k.RAY_JOB).toEqual({ apiVersion: 'ray.io/v1', kind: 'RayJob' });
  });

  it('status vocabulary', () => {
    expect(Object.values(JobDeploymentStatus)).toEqual(['', 'Initializing', 'Running', 'Complete', 'Failed', 'ValidationFailed', 'Suspending', 'Suspended', 'Retrying', 'Waiting']);
    expect(Object.values(JobStatus)).toEqual(['', 'PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED']);
    expect(Object.values(JobFailedReason)).toEqual(
      expect.arrayContaining(['SubmissionFailed', 'DeadlineExceeded', 'PreRunningDeadlineExceeded', 'AppFailed', 'JobStatusCheckTimeoutExceeded', 'ValidationFailed']),
    );
    expect(Object.values(RayClusterConditionType)).toEqual(['RayClusterProvisioned', 'HeadPodReady', 'ReplicaFailure', 'RayClusterSuspending', 'RayClusterSuspended']);
    expect(RayServiceConditionType.Ready).toBe('Ready');
    expect(RayServiceConditionType.UpgradeInProgress).toBe('UpgradeInProgress');
    expect(Object.values(ClusterState)).toEqual(['ready', 'failed', 'suspended']);
    expect(['STOPPED', 'SUCCEEDED', 'FAILED', 'RUNNING', ''].map(isJobTerminal)).toEqual([true, true, true, false, false]);
    expect(['Complete', 'Failed', 'ValidationFailed', 'Running'].map(isJobDeploymentTerminal)).toEqual([true, true, false, false]);
  });

  it('feature gates default as upstream and reject unknown names', () => {
    expect(DEFAULT_FEATURE_GATES.RayJobDeletionPolicy).toBe(true);
    expect(DEFAULT_FEATURE_GATES.RayCronJob).toBe(false);
    expect(featureGates({ RayCronJob: true }).RayCronJob).toBe(true);
    expect(() => featureGates({ RayCronjob: true })).toThrow(/unknown feature gate "RayCronjob" \(known: .*RayCronJob/);
  });
});
