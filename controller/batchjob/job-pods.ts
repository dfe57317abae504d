// The pods of a batch/v1 Job: built from spec.template the way the Job controller builds them, and
// classified the way it reads them (active, succeeded, failed, terminating).

import type { Job, Pod } from '../api/core-types.js';
import type { OwnerReference } from '../runtime/kube-object.js';
import { deepClone } from '../runtime/deep-copy.js';

/** The finalizer the Job controller puts on its pods so that none finishes uncounted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export const JOB_LABEL = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  /** The legacy spellings, still set by kube-controller-manager. */
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
} as const;

export function jobOwnerReference(job: Job): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The labels the API server adds to a Job's template (and so to its pods). */
export function jobPodLabels(job: Job): Record<string, string> {
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  return { [JOB_LABEL.controllerUid]: uid, [JOB_LABEL.jobName]: name, [JOB_LABEL.legacyControllerUid]: uid, [JOB_LABEL.legacyJobName]: name };
}

/** A new pod of the Job: generateName `<job>-` (the API server adds 5 random characters). */
export function buildJobPod(job: Job): Pod {
  const t = job.spec.template;
  const metadata: Pod['metadata'] = {
    generateName: `${job.metadata.name}-`,
    namespace: job.metadata.namespace,
    labels: { ...t.metadata?.labels, ...jobPodLabels(job) },
    ownerReferences: [jobOwnerReference(job)],
    finalizers: [JOB_TRACKING_FINALIZER],
  };
  if (t.metadata?.annotations) metadata.annotations = { ...t.metadata.annotations };
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: deepClone(t.spec) };
}

export const isSucceeded = (p: Pod): boolean => p.status?.phase === 'Succeeded';

/**
 * The Job controller's isPodFailed (no podFailurePolicy): Failed, or being deleted before it
 * succeeded, since an orphan being deleted may never reach the Failed phase.
 */
export const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed' || (!!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded');

/** Counts toward status.active: not finished and not being deleted. */
export const isActive = (p: Pod): boolean => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** Being deleted and not yet finished. */
export const isTerminating = (p: Pod): boolean => !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export const hasTrackingFinalizer = (p: Pod): boolean => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/** When the pod finished, from its status (ms), if it says. */
export function podFinishedAt(p: Pod): number | undefined {
  let best: number | undefined;
  const consider = (s: string | undefined) => {
    const t = s ? Date.parse(s) : NaN;
    if (Number.isFinite(t) && (best === undefined || t > best)) best = t;
  };
  for (const c of p.status?.containerStatuses ?? []) consider(c.state?.terminated?.finishedAt);
  if (best === undefined) consider(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
  if (best === undefined) consider(p.metadata.deletionTimestamp);
  return best;
}
