// The RayDashboardClient of one simulated RayCluster: the Jobs and Serve REST APIs answered by the
// simulated Ray runtime, as a real head on :8265 would answer them. Until the cluster's head pod
// runs and its GCS is up (and whenever it is not), every call fails with DashboardError kind
// 'unreachable', as a connection to a head that is not listening does.

import {
  DashboardError,
  type RayDashboardClient,
  type RayJobInfo,
  type RayJobRequest,
  type ServeDetails,
} from '../../controller/ray/dashboard-client.js';
import type { SimRayCluster } from './sim-ray-cluster.js';

/** How a dashboard client finds its cluster (the runtime). */
export interface ClusterLookup {
  cluster(namespace: string, name: string): SimRayCluster | undefined;
}

export class SimDashboardClient implements RayDashboardClient {
  constructor(
    private readonly runtime: ClusterLookup,
    readonly namespace: string,
    readonly name: string,
    /** The URL the operator asked for, for messages. */
    public url: string,
  ) {}

  /** The cluster if its head answers; otherwise the 'unreachable' error a real client gets. */
  private head(method: string): SimRayCluster {
    const c = this.runtime.cluster(this.namespace, this.name);
    if (!c?.headReady) {
      const why = !c?.headRunning ? 'no Ray head is running' : 'the Ray head is starting';
      throw new DashboardError(`${method} ${this.url}: Ray dashboard unreachable (connect ECONNREFUSED: ${why})`, 'unreachable');
    }
    return c;
  }

  async submitJob(req: RayJobRequest): Promise<string> {
    return this.head('submitJob').submit(req, this.url);
  }

  async getJobInfo(submissionId: string): Promise<RayJobInfo | undefined> {
    return this.head('getJobInfo').jobInfo(submissionId);
  }

  async listJobs(): Promise<RayJobInfo[]> {
    return this.head('listJobs').listJobs();
  }

  async stopJob(submissionId: string): Promise<void> {
    this.head('stopJob').stop(submissionId, this.url);
  }

  async deleteJob(submissionId: string): Promise<void> {
    this.head('deleteJob').delete(submissionId, this.url);
  }

  async getJobLog(submissionId: string): Promise<string> {
    return this.head('getJobLog').logs(submissionId, this.url);
  }

  async updateServeApplications(config: Record<string, unknown>): Promise<void> {
    this.head('updateServeApplications').updateServe(config, this.url);
  }

  async getServeDetails(): Promise<ServeDetails> {
    return this.head('getServeDetails').serveDetails();
  }
}
