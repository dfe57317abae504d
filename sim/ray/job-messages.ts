// The words a Ray head uses for job statuses (JobInfo.message, error_type), and the simulated
// job log's line format. Shared by the simulated cluster and its tests.

import type { RayJobStatus } from '../../controller/ray/dashboard-client.js';

export const JOB_MESSAGES = {
  PENDING: 'Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, custom resources) to become available.',
  RUNNING: 'Job is currently running.',
  STOPPED: 'Job was intentionally stopped.',
  SUCCEEDED: 'Job finished successfully.',
  FAILED: 'Job entrypoint command failed with exit code 1.',
} as const satisfies Record<RayJobStatus, string>;

/** Ray's JobErrorType values the simulation produces. */
export const JOB_ERROR_TYPES = {
  /** The entrypoint exited non-zero (the app failed, or a node it used died). */
  entrypoint: 'JOB_ENTRYPOINT_COMMAND_ERROR',
  /** The job supervisor died with the head (GCS gone). */
  supervisorDied: 'JOB_SUPERVISOR_ACTOR_DIED',
} as const;

export function workerLostMessage(pod: string, group: string, cause: string): string {
  return `Job entrypoint command failed with exit code 1: the Ray node of worker pod ${pod} (group ${group}) died (${cause}) and the job has no checkpoint to restore from.`;
}

export function headLostMessage(pod: string, cause: string): string {
  return `Job failed because the Ray head pod ${pod} was lost (${cause}): the GCS and the job supervisor are gone.`;
}

/** One job log line: "2026-01-01T00:00:10.000Z INFO <text>" (virtual time). */
export function logLine(nowMs: number, level: 'INFO' | 'WARN' | 'ERROR', text: string): string {
  return `${new Date(nowMs).toISOString()} ${level} ${text}`;
}
