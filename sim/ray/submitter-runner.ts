// What a RayJob's K8sJobMode submitter pod does, played against the simulated Ray runtime. The
// RayJob controller creates a batch/v1 Job whose pod runs (controller/ray/rayjob/submitter.ts):
//
//   until <GCS health check>; do sleep 2; done;
//   if ! ray job status --address A ID; then ray job submit --address A --no-wait ... --submission-id ID -- ENTRYPOINT; fi;
//   ray job logs --address A --follow ID
//
// The runner watches pods labelled batch.kubernetes.io/job-name whose owner Job is owned by a
// RayJob. When such a pod runs (a kubelet started it), it reads the command line (or the
// container's RAY_JOB_SUBMISSION_ID / RAY_DASHBOARD_ADDRESS), waits for the cluster's GCS
// (checking every `pollMs`, as the script's `sleep 2`), submits unless the job exists (a reused
// submission id is fine, as for a retried `ray job submit`), follows the job, and when it ends
// has the container exit through `ContainerExits` (the kubelet's terminateContainer): 0 for
// SUCCEEDED, 1 otherwise (a failed submission exits 1 at once). A pod that stops running or is
// deleted first ends its run silently. HTTPMode needs nothing of this: the operator submits.

import { BATCH_JOB, POD, RAY_CONTAINER_INDEX, RAY_JOB } from '../../controller/api/constants.js';
import type { Job, Pod, RayJob } from '../../controller/api/types.js';
import { isDuplicateSubmission, type RayJobInfo } from '../../controller/ray/dashboard-client.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import { Informer } from '../../controller/runtime/informer.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import type { Simulation, TimerHandle } from '../core/simulation.js';
import type { RayRuntime } from './ray-runtime.js';
import { rayProcessAlive } from './ray-node.js';
import type { SimRayCluster } from './sim-ray-cluster.js';
import { parseSubmitCommand, type SubmitCommand } from './submit-command.js';

/** The label the batch Job controller puts on a Job's pods. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** How the runner ends a container: the simulated kubelet's terminateContainer. */
export interface ContainerExits {
  terminate(pod: Pod, exitCode: number, reason: string): void | Promise<unknown>;
}

/** ContainerExits from the simulated kubelet (sim/cluster/kubelet.ts): `kubeletExits(kubelet)`. */
export function kubeletExits(kubelet: { terminateContainer(pod: Pod, exitCode: number, reason?: string): Promise<unknown> }): ContainerExits {
  return { terminate: (pod, exitCode, reason) => kubelet.terminateContainer(pod, exitCode, reason) };
}

export interface SubmitterRunnerOptions {
  /** Between GCS health checks (the submitter script's `sleep 2`). Default 2000 ms. */
  pollMs?: number;
  /** Watch one namespace (default all). */
  namespace?: string;
  /** A run failed unexpectedly (a bug). Default: rethrown from a simulation event. */
  onError?: (err: unknown) => void;
}

export type SubmitterRunState = 'resolving' | 'waiting' | 'following' | 'exited' | 'cancelled' | 'ignored';

/** One submitter pod's run, for inspection. */
export interface SubmitterRunView {
  pod: string;
  namespace: string;
  state: SubmitterRunState;
  submissionId?: string;
  cluster?: string;
  /** Submissions this run made (0 when the job already existed). */
  submitted: number;
  exitCode?: number;
  reason?: string;
}

interface Run extends SubmitterRunView {
  uid: string;
  latest: Pod;
  timer?: TimerHandle;
  command?: SubmitCommand;
  rayJob?: RayJob;
  entrypoint?: string;
}

export class SubmitterRunner {
  private readonly runs_ = new Map<string, Run>();
  private readonly informer: Informer;
  private readonly pollMs: number;
  private stopped = false;

  constructor(
    private readonly sim: Simulation,
    private readonly client: KubeClient,
    private readonly runtime: RayRuntime,
    private readonly exits: ContainerExits,
    private readonly opts: SubmitterRunnerOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2000;
    this.informer = new Informer(client, POD, {
      timers: sim,
      clock: sim,
      namespace: opts.namespace,
      labelSelector: JOB_NAME_LABEL,
      timerPriority: 'urgent',
      onHandlerError: (err) => this.fail(err),
    });
    this.informer.addHandlers({
      add: (o) => this.onPod(o as Pod, false),
      update: (_old, o) => this.onPod(o as Pod, false),
      delete: (o) => this.onPod(o as Pod, true),
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.informer.stop();
    for (const r of this.runs_.values()) if (r.timer) this.sim.cancel(r.timer);
  }

  /** Every submitter pod seen running, in the order they started. */
  runs(): SubmitterRunView[] {
    return [...this.runs_.values()].map((r) => {
      const v: SubmitterRunView = { pod: r.pod, namespace: r.namespace, state: r.state, submitted: r.submitted };
      if (r.submissionId !== undefined) v.submissionId = r.submissionId;
      if (r.cluster !== undefined) v.cluster = r.cluster;
      if (r.exitCode !== undefined) v.exitCode = r.exitCode;
      if (r.reason !== undefined) v.reason = r.reason;
      return v;
    });
  }

  // ------------------------------------------------------------------ internals

  private fail(err: unknown): void {
    if (this.opts.onError) this.opts.onError(err);
    else this.sim.after(0, () => Promise.reject(err), { label: 'submitter runner', priority: 'urgent' });
  }

  private later(r: Run, delayMs: number, fn: () => void | Promise<void>, label: string): void {
    if (r.timer) this.sim.cancel(r.timer);
    r.timer = this.sim.after(
      delayMs,
      async () => {
        r.timer = undefined;
        if (this.stopped || r.state === 'cancelled' || r.state === 'exited') return;
        try {
          await fn();
        } catch (err) {
          this.fail(err);
        }
      },
      { label, priority: 'normal' },
    );
  }

  private onPod(pod: Pod, deleted: boolean): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    const run = this.runs_.get(uid);
    const alive = !deleted && rayProcessAlive(pod);
    if (run) {
      run.latest = pod;
      if (!alive && run.state !== 'exited' && run.state !== 'ignored') {
        run.state = 'cancelled';
        if (run.timer) this.sim.cancel(run.timer);
        run.timer = undefined;
      }
      return;
    }
    if (!alive) return;
    const r: Run = { uid, pod: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default', state: 'resolving', submitted: 0, latest: pod };
    this.runs_.set(uid, r);
    this.later(r, 0, () => this.resolve(r), 'submitter start');
  }

  /** Is this a RayJob's submitter? Then read what it would submit, and start waiting for the GCS. */
  private async resolve(r: Run): Promise<void> {
    const pod = r.latest;
    const jobRef = pod.metadata.ownerReferences?.find((o) => o.kind === 'Job' && o.apiVersion === 'batch/v1');
    const job = jobRef ? await this.getOrUndefined<Job>(BATCH_JOB, jobRef.name, r.namespace) : undefined;
    const rayJobRef = job?.metadata.ownerReferences?.find((o) => o.kind === 'RayJob' && o.apiVersion.startsWith('ray.io/'));
    if (!rayJobRef) {
      r.state = 'ignored';
      return;
    }
    if (r.state !== 'resolving') return;
    r.rayJob = await this.getOrUndefined<RayJob>(RAY_JOB, rayJobRef.name, r.namespace);
    r.command = parseSubmitCommand(pod.spec.containers[RAY_CONTAINER_INDEX]);
    r.submissionId = r.command.submissionId ?? r.rayJob?.status?.jobId;
    r.entrypoint = r.command.entrypoint ?? r.rayJob?.spec.entrypoint ?? '';
    if (!r.submissionId) {
      await this.exit(r, 1, 'Error', 'no submission id on the command line, in RAY_JOB_SUBMISSION_ID or in the RayJob');
      return;
    }
    r.state = 'waiting';
    await this.waitForGcs(r);
  }

  private clusterOf(r: Run): SimRayCluster | undefined {
    const byAddress = r.command?.address ? this.runtime.clusterForAddress(r.command.address, r.namespace) : undefined;
    if (byAddress) return byAddress;
    const name = r.rayJob?.status?.rayClusterName;
    return name ? this.runtime.cluster(r.namespace, name) : undefined;
  }

  /** `until <health check>; do sleep 2; done`, then submit if needed and follow. */
  private async waitForGcs(r: Run): Promise<void> {
    const cluster = this.clusterOf(r);
    if (!cluster?.headReady) {
      this.later(r, this.pollMs, () => this.waitForGcs(r), 'submitter gcs check');
      return;
    }
    r.cluster = cluster.name;
    const dashboard = this.runtime.dashboard(cluster.namespace, cluster.name);
    const id = r.submissionId!;
    try {
      if ((await dashboard.getJobInfo(id)) === undefined) {
        try {
          await dashboard.submitJob({ ...r.command!.request, entrypoint: r.entrypoint!, submission_id: id });
          r.submitted++;
        } catch (err) {
          if (!isDuplicateSubmission(err)) throw err;
        }
      }
    } catch (err) {
      await this.exit(r, 1, 'Error', `ray job submit failed: ${(err as Error).message}`);
      return;
    }
    if (r.state !== 'waiting') return;
    r.state = 'following';
    const known = this.runtime.followJob(cluster.namespace, cluster.name, id, (info: RayJobInfo) => {
      this.later(r, 0, () => this.exit(r, info.status === 'SUCCEEDED' ? 0 : 1, info.status === 'SUCCEEDED' ? 'Completed' : 'Error', `Ray job ${id} ${info.status}`), 'submitter exit');
    });
    if (!known) await this.exit(r, 1, 'Error', `Ray job ${id} not found`);
  }

  private async exit(r: Run, exitCode: number, reason: string, why: string): Promise<void> {
    if (r.state === 'exited' || r.state === 'cancelled') return;
    r.state = 'exited';
    r.exitCode = exitCode;
    r.reason = why;
    await this.exits.terminate(r.latest, exitCode, reason);
  }

  private async getOrUndefined<T extends Job | RayJob>(id: typeof BATCH_JOB, name: string, namespace: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(id, name, namespace);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    }
  }
}
