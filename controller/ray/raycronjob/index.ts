// The RayCronJob controller and its pure parts.
export {
  rayCronJobReconciler,
  reconcileRayCronJob,
  decideSchedule,
  buildRayJobForSchedule,
  rayJobNameForSchedule,
  MAX_MISSED_SCHEDULES_SCANNED,
  type MissedSchedulePolicy,
  type RayCronJobReconcilerOptions,
  type ScheduleDecision,
} from './raycronjob-controller.js';
