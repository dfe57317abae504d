// The owner reference a RayJob puts on what it creates (ctrl.SetControllerReference): the
// RayCluster and the submitter Job are garbage-collected with the RayJob. Pure.

import type { RayJob } from '../../api/types.js';
import type { OwnerReference } from '../../runtime/kube-object.js';

/** A controller reference to the RayJob (controller and blockOwnerDeletion set). */
export function rayJobOwnerReference(job: RayJob): OwnerReference {
  return {
    apiVersion: job.apiVersion ?? 'ray.io/v1',
    kind: 'RayJob',
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
