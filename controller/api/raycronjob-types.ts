// ray.io/v1 RayCronJob, as in KubeRay v1.7.0 (ray-operator/apis/ray/v1/raycronjob_types.go) and
// controller/deploy/crds/ray.io_raycronjobs.yaml. Creates a RayJob from jobTemplate at each
// scheduled time (controller/api/cron.ts evaluates the schedule on the injected clock).

import type { KubeObject, ObjectMeta } from '../runtime/kube-object.js';
import type { RayJobSpec } from './rayjob-types.js';

export interface RayCronJobSpec {
  jobTemplate: RayJobSpec;
  /** Standard 5-field cron expression or a descriptor (@hourly, @every 1h, ...). */
  schedule: string;
  /** IANA zone; the operator's local zone when unset (UTC in raysim). Must not be "". */
  timeZone?: string;
  /** Stops scheduling; RayJobs already created are not touched. */
  suspend?: boolean;
}

export interface RayCronJobStatus {
  lastScheduleTime?: string;
}

export interface RayCronJob extends KubeObject {
  apiVersion: 'ray.io/v1';
  kind: 'RayCronJob';
  metadata: ObjectMeta;
  spec: RayCronJobSpec;
  status?: RayCronJobStatus;
}
