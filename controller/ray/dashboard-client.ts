// How the operator talks to a Ray head: the Jobs REST API and the Serve REST API on the
// dashboard port (8265). Three implementations share this interface: the HTTP one for real Ray
// heads, a scriptable fake for tests, and the simulated Ray runtime.

import type { KubeObject } from '../runtime/kube-object.js';

/** Ray's JobStatus: terminal ones are STOPPED, SUCCEEDED and FAILED. */
export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

export const TERMINAL_JOB_STATUSES: readonly RayJobStatus[] = ['STOPPED', 'SUCCEEDED', 'FAILED'];

/** POST /api/jobs/ body (Ray's JobSubmitRequest). */
export interface RayJobRequest {
  entrypoint: string;
  submission_id?: string;
  runtime_env?: Record<string, unknown>;
  metadata?: Record<string, string>;
  entrypoint_num_cpus?: number;
  entrypoint_num_gpus?: number;
  entrypoint_memory?: number;
  entrypoint_resources?: Record<string, number>;
}

/** GET /api/jobs/{id} answer (Ray's JobDetails), the fields the operator reads. */
export interface RayJobInfo {
  job_id?: string | null;
  submission_id: string;
  status: RayJobStatus;
  entrypoint: string;
  message?: string;
  error_type?: string | null;
  start_time?: number;
  end_time?: number;
  metadata?: Record<string, string>;
  runtime_env?: Record<string, unknown>;
}

export type ServeApplicationStatusValue = 'NOT_STARTED' | 'DEPLOYING' | 'DEPLOY_FAILED' | 'RUNNING' | 'UNHEALTHY' | 'DELETING';
export type ServeDeploymentStatusValue = 'UPDATING' | 'HEALTHY' | 'UNHEALTHY' | 'UPSCALING' | 'DOWNSCALING';

export interface ServeDeploymentDetails {
  name: string;
  status: ServeDeploymentStatusValue;
  message?: string;
}

export interface ServeApplicationDetails {
  name: string;
  route_prefix?: string | null;
  status: ServeApplicationStatusValue;
  message?: string;
  deployments: Record<string, ServeDeploymentDetails>;
}

/** GET /api/serve/applications/ answer (Ray's ServeInstanceDetails), the parts the operator reads. */
export interface ServeDetails {
  applications: Record<string, ServeApplicationDetails>;
}

export interface RayDashboardClient {
  /** Submits a job; returns its submission id. A duplicate submission id is an error (HTTP 400). */
  submitJob(req: RayJobRequest): Promise<string>;
  /** undefined when the dashboard does not know the job (HTTP 404). */
  getJobInfo(submissionId: string): Promise<RayJobInfo | undefined>;
  listJobs(): Promise<RayJobInfo[]>;
  stopJob(submissionId: string): Promise<void>;
  deleteJob(submissionId: string): Promise<void>;
  getJobLog(submissionId: string): Promise<string>;
  /** PUT /api/serve/applications/ with the serveConfigV2 document (parsed from YAML). */
  updateServeApplications(config: Record<string, unknown>): Promise<void>;
  getServeDetails(): Promise<ServeDetails>;
}

/** Errors a dashboard call can end in, so the operator can tell "unreachable" from "refused". */
export class DashboardError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'timeout' | 'http',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DashboardError';
  }
}

/**
 * Gives the client for one RayCluster. `url` is KubeRay's dashboard address for the cluster:
 * http://<head-svc>.<namespace>.svc.cluster.local:8265 (or what the composition root maps it to).
 */
export type DashboardClientFactory = (cluster: KubeObject, url: string) => RayDashboardClient;

/** The PollSources name of one RayCluster's dashboard (what a RayJob poll reads; see poll-sources.ts). */
export function dashboardSource(namespace: string | undefined, clusterName: string): string {
  return `ray-dashboard/${namespace ?? ''}/${clusterName}`;
}

/**
 * Ray's words for a reused submission id (JobManager.submit_job raises "Job with submission_id
 * <id> already exists. Please use a different submission_id."). Older Ray heads answer 400 with
 * it; newer ones relay it from the job agent and answer 500. Every client here reports it as a
 * DashboardError of kind 'http', status 400, whose message contains this text.
 */
export const DUPLICATE_SUBMISSION_TEXT = 'Please use a different submission_id';

/** Whether err is the dashboard refusing a submission id that is already in use. */
export function isDuplicateSubmission(err: unknown): boolean {
  return err instanceof DashboardError && err.kind === 'http' && err.status === 400 && err.message.includes(DUPLICATE_SUBMISSION_TEXT);
}
