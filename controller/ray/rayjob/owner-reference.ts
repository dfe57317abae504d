// The owner reference a RayJob puts on what it creates (ctrl.SetControllerReference): the
// RayCluster and the submitter Job are garbage-collected with the RayJob. Pure.

import { RAY_API_VERSION } from '../../api/constants.js';
import type { RayJob } from '../../api/types.js';
import type { OwnerReference } from '../../runtime/kube-object.js';
import { controllerRef } from '../common/service.js';

/** A controller reference to the RayJob (controller and blockOwnerDeletion set). */
export function rayJobOwnerReference(job: RayJob): OwnerReference {
  return controllerRef({ apiVersion: job.apiVersion ?? RAY_API_VERSION, kind: 'RayJob', metadata: job.metadata });
}
