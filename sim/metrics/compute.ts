// Run metrics as a pure function of the trace (ARCHITECTURE.md "The trace"): the CLI summary, the
// viewer and the tests all call this, so they report the same numbers. One streaming pass over
// the records in time order; memory holds the live nodes, pods and unfinished jobs, plus one
// number per completed job (JCT) and per scheduled job (queueing delay) for exact percentiles.
//
// Definitions (every metric is a key of `Metrics`, which scenario expectations name):
//
// Window. Time integrals run from t = 0 to end = max(opts.durationMs, last record's t). Nodes,
//   pods and job attempts still open at the end are closed there.
//
// Identity. A node is its name: an ObjectRef's `name`, or for a string ref the part after the
//   last '/' ("node/n1" -> "n1"); pod.bound's `data.node` is that name. Pods and jobs are keyed by
//   kind/namespace/name (or the string ref): uids are ignored, so emitters may omit them.
//
// Jobs (a job is a RayJob; records job.*):
//   jobs_submitted    job.submitted records.
//   jobs_completed    job.finished with status 'Complete'.
//   jobs_failed       job.finished with any other status ('Failed').
//   jobs_unfinished   submitted jobs without a job.finished by the end.
//   jobs_retried      jobs with more than one attempt: the largest of job.finished's `attempts`,
//                     any job.started's `attempt`, and the number of job.started records. Only
//                     jobs with a job.submitted or job.finished count (job.started records of a
//                     bare RayCluster's submissions are not jobs here).
//   jct_*_s           job completion time = job.finished t - job.submitted t, over completed
//                     jobs (status 'Complete') whose submission is in the trace.
//   queue_delay_*_s   first job.scheduled t - job.submitted t, over every job that was scheduled
//                     (whatever its outcome); jobs never scheduled are not included.
//   makespan_s        last job.finished t (any status) - first job.submitted t.
//   Percentiles are nearest-rank: p-th percentile of n sorted values is the value at 1-based rank
//   ceil(p/100 * n); always an observed value, no interpolation. Means are arithmetic.
//   Statistics over no values are null (shown as n/a), never 0.
//
// GPUs (from node.ready / node.down / node.repaired / node.gpus and pod.bound / pod.finished /
// pod.deleted):
//   capacity(t)       sum of allocatable GPUs of Ready nodes. node.ready makes a node Ready with
//                     data.gpus; node.down makes it not Ready; node.repaired makes it Ready again
//                     with the GPUs it had; node.gpus sets its current count (a GPU error, or the
//                     GPU's repair: the kubelet reports both). A replacement under a new name is
//                     that name's node.ready.
//   allocated(t)      sum over Ready nodes of min(GPUs requested by pods bound there, node GPUs).
//                     A pod holds its GPUs from pod.bound until the first of pod.finished /
//                     pod.deleted (the scheduler no longer counts terminated pods). Pods on a node
//                     that is down hold nothing; the min() covers a node that lost GPUs under its
//                     pods. So 0 <= allocated(t) <= capacity(t).
//   gpu_hours_available  integral of capacity(t).
//   gpu_hours_used       integral of allocated(t) ("GPU-hours of bound pods").
//   gpu_allocation_pct   100 * gpu_hours_used / gpu_hours_available (time-weighted: a ratio of
//                        integrals, not a mean of ratios); null without capacity.
//   gpu_hours_lost       sum over job.interrupted of lost_ms * gpus (work since the last checkpoint).
//   gpu_hours_useful     over completed jobs: the GPU-time of their attempts (job.started until
//                        job.interrupted / job.finished / the next job.started, times the
//                        attempt's gpus) minus their interruptions' lost_ms * gpus, i.e. the
//                        GPU-hours of compute that the final result contains. Work of failed or
//                        unfinished jobs is not useful.
//   goodput_pct          100 * gpu_hours_useful / gpu_hours_used: the share of allocated
//                        GPU-hours that became completed work. What is not goodput: pod startup
//                        before the gang runs, idle gang members, lost work, failed and unfinished
//                        jobs. null when nothing was allocated.
//   fragmentation        time-weighted share of free GPUs that sit on partially used nodes:
//                        integral of free GPUs on Ready nodes with 0 < allocated < GPUs, divided by
//                        the integral of free GPUs on all Ready nodes (free = GPUs - allocated).
//                        A fraction in [0, 1]; null when no GPU was ever free. High values mean
//                        idle GPUs are scattered where a whole-node gang cannot use them.
//   fairness          Jain's index (sum x)^2 / (n * sum x^2) over the n queues named by
//                     job.submitted's data.queue, x = GPU-hours of the queue's job attempts (as
//                     for gpu_hours_useful, all jobs, lost work included). 1 = equal shares,
//                     1/n = one queue got everything. null when no job names a queue or no queue
//                     used any GPU time.
//
// Serving (serve.endpoints records: a serve Service's ready endpoint count):
//   serve_downtime_s   over every serve Service, the time it had no ready endpoint after it first
//                      had one, until it had one again, was deleted, or the run ended: what a
//                      client of the Service would have been refused. null when no serve Service
//                      ever had a ready endpoint. A zero-downtime upgrade keeps it at 0.
//
// Nodes:
//   node_failures            node.down whose cause is not 'maintenance' or 'scale-down' (planned),
//                            plus node.gpus that lower a node's GPU count (a GPU error).
//   node_failures_by_cause   the same, counted per data.cause.
//   cost_usd                 sum over nodes and their Ready intervals (node.ready/node.repaired to
//                            node.down or the end) of ceil(interval in seconds) * pricePerHour/3600:
//                            billed per second, from NodeData.pricePerHour.

import type { TraceRecord, TraceRef } from '../core/trace.js';
import { TRACE } from '../core/trace-events.js';

export interface Metrics {
  duration_s: number;
  jobs_submitted: number;
  jobs_completed: number;
  jobs_failed: number;
  jobs_unfinished: number;
  jobs_retried: number;
  jct_mean_s: number | null;
  jct_p50_s: number | null;
  jct_p95_s: number | null;
  jct_p99_s: number | null;
  queue_delay_mean_s: number | null;
  queue_delay_p50_s: number | null;
  queue_delay_p95_s: number | null;
  queue_delay_p99_s: number | null;
  makespan_s: number | null;
  gpu_hours_available: number;
  gpu_hours_used: number;
  gpu_hours_useful: number;
  gpu_hours_lost: number;
  gpu_allocation_pct: number | null;
  goodput_pct: number | null;
  fragmentation: number | null;
  fairness: number | null;
  serve_downtime_s: number | null;
  node_failures: number;
  node_failures_by_cause: Record<string, number>;
  cost_usd: number;
}

export type MetricName = keyof Metrics;
/** Metrics that are a single number (or null), i.e. everything but node_failures_by_cause. */
export type ScalarMetricName = Exclude<MetricName, 'node_failures_by_cause'>;

/** Every metric, in the order reports print them. */
export const METRIC_NAMES: readonly MetricName[] = [
  'duration_s',
  'jobs_submitted',
  'jobs_completed',
  'jobs_failed',
  'jobs_unfinished',
  'jobs_retried',
  'jct_mean_s',
  'jct_p50_s',
  'jct_p95_s',
  'jct_p99_s',
  'queue_delay_mean_s',
  'queue_delay_p50_s',
  'queue_delay_p95_s',
  'queue_delay_p99_s',
  'makespan_s',
  'gpu_hours_available',
  'gpu_hours_used',
  'gpu_hours_useful',
  'gpu_hours_lost',
  'gpu_allocation_pct',
  'goodput_pct',
  'fragmentation',
  'fairness',
  'serve_downtime_s',
  'node_failures',
  'node_failures_by_cause',
  'cost_usd',
];

export interface ComputeMetricsOptions {
  /** The run's length in virtual ms; integrals run to max(durationMs, last record's t). */
  durationMs?: number;
}

const MS_PER_HOUR = 3_600_000;
/** node.down causes that are planned, not failures. */
const PLANNED_DOWN_CAUSES: ReadonlySet<string> = new Set(['maintenance', 'scale-down']);

/** Nearest-rank percentile of an ascending array: the value at 1-based rank ceil(p/100 * n). */
export function percentileNearestRank(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentileNearestRank: p must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** Jain's fairness index (sum x)^2 / (n * sum x^2); null for no values or all zeros. */
export function jainIndex(xs: readonly number[]): number | null {
  let sum = 0;
  let sumSq = 0;
  for (const x of xs) {
    sum += x;
    sumSq += x * x;
  }
  if (xs.length === 0 || sumSq === 0) return null;
  return (sum * sum) / (xs.length * sumSq);
}

interface NodeState {
  name: string;
  ready: boolean;
  /** Current allocatable GPUs. */
  gpus: number;
  pricePerHour: number;
  readySince: number;
  /** GPUs requested by pods bound here (not clamped). */
  requested: number;
  /** Whether a node.ready was seen (a node known only from pod.bound cannot be repaired). */
  registered: boolean;
}

interface PodState {
  node: string;
  gpus: number;
}

interface JobState {
  submittedAt: number | undefined;
  scheduledAt: number | undefined;
  queue: string | undefined;
  attempts: number;
  startedCount: number;
  retried: boolean;
  /** Open attempt: start time and GPUs, or undefined between attempts. */
  attemptStart: number | undefined;
  attemptGpus: number;
  /** GPU-ms of all attempts so far. */
  attemptGpuMs: number;
  lostGpuMs: number;
}

/**
 * The streaming form of `computeMetrics`: `add` each record in time order, then `result()`.
 * Lets the CLI compute metrics while the simulation writes the trace, without keeping it.
 */
export class MetricsAccumulator {
  private now = 0;

  private readonly nodes = new Map<string, NodeState>();
  private readonly pods = new Map<string, PodState>();
  private readonly jobs = new Map<string, JobState>();

  // Current cluster-wide sums, kept in step with the node states.
  private capacity = 0;
  private allocated = 0;
  private freePartial = 0;
  // Integrals over time, in GPU-ms.
  private capacityGpuMs = 0;
  private allocatedGpuMs = 0;
  private freePartialGpuMs = 0;
  /** Sum over closed Ready intervals of billed seconds * pricePerHour. */
  private billedPriceSeconds = 0;

  private jobsSubmitted = 0;
  private jobsCompleted = 0;
  private jobsFailed = 0;
  private jobsRetried = 0;
  private readonly jctMs: number[] = [];
  private readonly queueDelayMs: number[] = [];
  private firstSubmit: number | undefined;
  private lastFinish: number | undefined;
  private lostGpuMs = 0;
  private usefulGpuMs = 0;
  /** GPU-ms of closed attempts per queue; a queue is present once a job names it. */
  private readonly queueGpuMs = new Map<string, number>();
  private nodeFailures = 0;
  private readonly failuresByCause = new Map<string, number>();
  /** Serve Services that have had a ready endpoint: since when each is down (undefined: up). */
  private readonly serve = new Map<string, { downSince: number | undefined }>();
  private serveDowntimeMs = 0;
  private servedServices = 0;

  private finished = false;

  add(r: TraceRecord): void {
    if (this.finished) throw new Error('MetricsAccumulator.add: called after result()');
    if (typeof r.t !== 'number' || !Number.isFinite(r.t)) throw new RangeError(`MetricsAccumulator.add(${r.type}, seq ${r.seq}): t must be a finite number`);
    if (r.t < this.now) {
      throw new RangeError(`MetricsAccumulator.add(${r.type}, seq ${r.seq}): t=${r.t} is before the previous record's t=${this.now}; records must be in time order`);
    }
    this.advance(r.t);
    switch (r.type) {
      case TRACE.nodeReady:
        return this.onNodeReady(r);
      case TRACE.nodeDown:
        return this.onNodeDown(r);
      case TRACE.nodeRepaired:
        return this.onNodeRepaired(r);
      case TRACE.nodeGpusChanged:
        return this.onNodeGpus(r);
      case TRACE.podBound:
        return this.onPodBound(r);
      case TRACE.podFinished:
      case TRACE.podDeleted:
        return this.releasePod(r);
      case TRACE.jobSubmitted:
        return this.onJobSubmitted(r);
      case TRACE.jobScheduled:
        return this.onJobScheduled(r);
      case TRACE.jobStarted:
        return this.onJobStarted(r);
      case TRACE.jobInterrupted:
        return this.onJobInterrupted(r);
      case TRACE.jobFinished:
        return this.onJobFinished(r);
      case TRACE.serveEndpoints:
        return this.onServeEndpoints(r);
      default:
        // The header, object changes, decisions, samples: not needed for the metrics.
        return;
    }
  }

  /** Closes everything still open at the end of the window and returns the metrics. Call once. */
  result(opts: ComputeMetricsOptions = {}): Metrics {
    if (this.finished) throw new Error('MetricsAccumulator.result: called twice');
    const durationMs = opts.durationMs;
    if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0)) {
      throw new RangeError(`computeMetrics: durationMs must be a finite number >= 0, got ${durationMs}`);
    }
    const end = Math.max(this.now, durationMs ?? 0);
    this.advance(end);
    this.finished = true;

    for (const node of this.nodes.values()) {
      if (node.ready) this.bill(node, end);
    }
    let unfinished = 0;
    for (const job of this.jobs.values()) {
      this.closeAttempt(job, end);
      if (job.submittedAt !== undefined) unfinished++;
      this.noteAttempts(job, false);
    }

    for (const svc of this.serve.values()) if (svc.downSince !== undefined) this.serveDowntimeMs += end - svc.downSince;

    const jct = this.jctMs.sort(ascending);
    const qd = this.queueDelayMs.sort(ascending);
    const byCause: Record<string, number> = {};
    for (const cause of [...this.failuresByCause.keys()].sort()) byCause[cause] = this.failuresByCause.get(cause)!;

    return {
      duration_s: end / 1000,
      jobs_submitted: this.jobsSubmitted,
      jobs_completed: this.jobsCompleted,
      jobs_failed: this.jobsFailed,
      jobs_unfinished: unfinished,
      jobs_retried: this.jobsRetried,
      jct_mean_s: seconds(mean(jct)),
      jct_p50_s: seconds(percentileNearestRank(jct, 50)),
      jct_p95_s: seconds(percentileNearestRank(jct, 95)),
      jct_p99_s: seconds(percentileNearestRank(jct, 99)),
      queue_delay_mean_s: seconds(mean(qd)),
      queue_delay_p50_s: seconds(percentileNearestRank(qd, 50)),
      queue_delay_p95_s: seconds(percentileNearestRank(qd, 95)),
      queue_delay_p99_s: seconds(percentileNearestRank(qd, 99)),
      makespan_s: this.firstSubmit !== undefined && this.lastFinish !== undefined ? (this.lastFinish - this.firstSubmit) / 1000 : null,
      gpu_hours_available: this.capacityGpuMs / MS_PER_HOUR,
      gpu_hours_used: this.allocatedGpuMs / MS_PER_HOUR,
      gpu_hours_useful: this.usefulGpuMs / MS_PER_HOUR,
      gpu_hours_lost: this.lostGpuMs / MS_PER_HOUR,
      gpu_allocation_pct: this.capacityGpuMs > 0 ? (100 * this.allocatedGpuMs) / this.capacityGpuMs : null,
      goodput_pct: this.allocatedGpuMs > 0 ? (100 * this.usefulGpuMs) / this.allocatedGpuMs : null,
      fragmentation: this.freeGpuMs() > 0 ? this.freePartialGpuMs / this.freeGpuMs() : null,
      fairness: jainIndex([...this.queueGpuMs.values()]),
      serve_downtime_s: this.servedServices > 0 ? this.serveDowntimeMs / 1000 : null,
      node_failures: this.nodeFailures,
      node_failures_by_cause: byCause,
      cost_usd: this.billedPriceSeconds / 3600,
    };
  }

  private onServeEndpoints(r: TraceRecord): void {
    const key = refKey(r.ref);
    if (key === undefined) return;
    const data = (r.data ?? {}) as { ready?: number; deleted?: boolean };
    const up = (data.ready ?? 0) > 0 && data.deleted !== true;
    const svc = this.serve.get(key);
    if (!svc) {
      // Downtime counts only once the Service has served.
      if (up) {
        this.serve.set(key, { downSince: undefined });
        this.servedServices++;
      }
      return;
    }
    if (svc.downSince !== undefined && (up || data.deleted === true)) {
      this.serveDowntimeMs += r.t - svc.downSince;
      svc.downSince = undefined;
    } else if (svc.downSince === undefined && !up && data.deleted !== true) svc.downSince = r.t;
    // A later Service of the same name starts afresh.
    if (data.deleted === true) this.serve.delete(key);
  }

  private freeGpuMs(): number {
    return this.capacityGpuMs - this.allocatedGpuMs;
  }

  private advance(t: number): void {
    const dt = t - this.now;
    if (dt > 0) {
      this.capacityGpuMs += this.capacity * dt;
      this.allocatedGpuMs += this.allocated * dt;
      this.freePartialGpuMs += this.freePartial * dt;
      this.now = t;
    }
  }

  // ---- nodes

  private node(name: string): NodeState {
    let n = this.nodes.get(name);
    if (n === undefined) {
      n = { name, ready: false, gpus: 0, pricePerHour: 0, readySince: 0, requested: 0, registered: false };
      this.nodes.set(name, n);
    }
    return n;
  }

  /** Runs `change` on a node with its contribution to the cluster-wide sums taken out and put back. */
  private updateNode(n: NodeState, change: () => void): void {
    this.removeContribution(n);
    change();
    this.addContribution(n);
  }

  private removeContribution(n: NodeState): void {
    if (!n.ready) return;
    const used = Math.min(n.requested, n.gpus);
    this.capacity -= n.gpus;
    this.allocated -= used;
    if (used > 0 && used < n.gpus) this.freePartial -= n.gpus - used;
  }

  private addContribution(n: NodeState): void {
    if (!n.ready) return;
    const used = Math.min(n.requested, n.gpus);
    this.capacity += n.gpus;
    this.allocated += used;
    if (used > 0 && used < n.gpus) this.freePartial += n.gpus - used;
  }

  private bill(n: NodeState, until: number): void {
    const billedSeconds = Math.ceil((until - n.readySince) / 1000);
    if (billedSeconds > 0) this.billedPriceSeconds += billedSeconds * n.pricePerHour;
  }

  private onNodeReady(r: TraceRecord): void {
    const name = nodeName(r.ref);
    if (name === undefined) return;
    const n = this.node(name);
    const gpus = gpuCount(r.data?.['gpus']);
    const price = nonNegative(r.data?.['pricePerHour']);
    this.updateNode(n, () => {
      // A node.ready for a node that is already Ready updates its data and starts a new billing
      // interval at the new price.
      if (n.ready) this.bill(n, r.t);
      n.ready = true;
      n.registered = true;
      n.gpus = gpus;
      n.pricePerHour = price;
      n.readySince = r.t;
    });
  }

  private onNodeDown(r: TraceRecord): void {
    const name = nodeName(r.ref);
    if (name === undefined) return;
    const cause = stringOr(r.data?.['cause'], 'unknown');
    if (!PLANNED_DOWN_CAUSES.has(cause)) this.countFailure(cause);
    const n = this.nodes.get(name);
    if (n === undefined) return;
    if (n.ready) {
      this.updateNode(n, () => {
        this.bill(n, r.t);
        n.ready = false;
      });
    }
    // A scaled-down node never comes back; forget it unless pods still point at it.
    if (cause === 'scale-down' && n.requested === 0) this.nodes.delete(name);
  }

  private onNodeRepaired(r: TraceRecord): void {
    const name = nodeName(r.ref);
    if (name === undefined) return;
    const n = this.nodes.get(name);
    if (n === undefined || !n.registered || n.ready) return;
    this.updateNode(n, () => {
      n.ready = true;
      n.readySince = r.t;
    });
  }

  private onNodeGpus(r: TraceRecord): void {
    const name = nodeName(r.ref);
    if (name === undefined) return;
    const gpus = gpuCount(r.data?.['gpus']);
    const n = this.node(name);
    if (gpus < n.gpus) this.countFailure(stringOr(r.data?.['cause'], 'unknown'));
    this.updateNode(n, () => {
      n.gpus = gpus;
    });
  }

  private countFailure(cause: string): void {
    this.nodeFailures++;
    this.failuresByCause.set(cause, (this.failuresByCause.get(cause) ?? 0) + 1);
  }

  // ---- pods

  private onPodBound(r: TraceRecord): void {
    const key = refKey(r.ref);
    const nodeNameValue = r.data?.['node'];
    if (key === undefined || typeof nodeNameValue !== 'string') return;
    this.releasePod(r);
    const gpus = gpuCount(r.data?.['gpus']);
    this.pods.set(key, { node: nodeNameValue, gpus });
    if (gpus === 0) return;
    const n = this.node(nodeNameValue);
    this.updateNode(n, () => {
      n.requested += gpus;
    });
  }

  private releasePod(r: TraceRecord): void {
    const key = refKey(r.ref);
    if (key === undefined) return;
    const pod = this.pods.get(key);
    if (pod === undefined) return;
    this.pods.delete(key);
    if (pod.gpus === 0) return;
    const n = this.nodes.get(pod.node);
    if (n === undefined) return;
    this.updateNode(n, () => {
      n.requested -= pod.gpus;
    });
  }

  // ---- jobs

  private job(key: string): JobState {
    let j = this.jobs.get(key);
    if (j === undefined) {
      j = {
        submittedAt: undefined,
        scheduledAt: undefined,
        queue: undefined,
        attempts: 0,
        startedCount: 0,
        retried: false,
        attemptStart: undefined,
        attemptGpus: 0,
        attemptGpuMs: 0,
        lostGpuMs: 0,
      };
      this.jobs.set(key, j);
    }
    return j;
  }

  private onJobSubmitted(r: TraceRecord): void {
    const key = refKey(r.ref);
    if (key === undefined) return;
    this.jobsSubmitted++;
    if (this.firstSubmit === undefined) this.firstSubmit = r.t;
    const j = this.job(key);
    j.submittedAt = r.t;
    const queue = r.data?.['queue'];
    if (typeof queue === 'string' && queue !== '') {
      j.queue = queue;
      if (!this.queueGpuMs.has(queue)) this.queueGpuMs.set(queue, 0);
    }
  }

  private onJobScheduled(r: TraceRecord): void {
    const key = refKey(r.ref);
    if (key === undefined) return;
    const j = this.job(key);
    if (j.scheduledAt !== undefined) return;
    j.scheduledAt = r.t;
    if (j.submittedAt !== undefined) this.queueDelayMs.push(r.t - j.submittedAt);
  }

  private onJobStarted(r: TraceRecord): void {
    const key = refKey(r.ref);
    if (key === undefined) return;
    const j = this.job(key);
    this.closeAttempt(j, r.t);
    j.startedCount++;
    j.attempts = Math.max(j.attempts, nonNegative(r.data?.['attempt']));
    j.attemptStart = r.t;
    j.attemptGpus = gpuCount(r.data?.['gpus']);
    this.noteAttempts(j, false);
  }

  private onJobInterrupted(r: TraceRecord): void {
    const lostGpuMs = nonNegative(r.data?.['lost_ms']) * gpuCount(r.data?.['gpus']);
    this.lostGpuMs += lostGpuMs;
    const key = refKey(r.ref);
    if (key === undefined) return;
    const j = this.job(key);
    this.closeAttempt(j, r.t);
    j.lostGpuMs += lostGpuMs;
  }

  private onJobFinished(r: TraceRecord): void {
    const key = refKey(r.ref);
    const complete = r.data?.['status'] === 'Complete';
    if (complete) this.jobsCompleted++;
    else this.jobsFailed++;
    this.lastFinish = r.t;
    if (key === undefined) return;
    const j = this.jobs.get(key);
    if (j === undefined) {
      // Finished without any earlier record of it (a trace cut at the start).
      if (nonNegative(r.data?.['attempts']) > 1) this.jobsRetried++;
      return;
    }
    this.closeAttempt(j, r.t);
    j.attempts = Math.max(j.attempts, nonNegative(r.data?.['attempts']));
    this.noteAttempts(j, true);
    if (complete) {
      if (j.submittedAt !== undefined) this.jctMs.push(r.t - j.submittedAt);
      this.usefulGpuMs += Math.max(0, j.attemptGpuMs - j.lostGpuMs);
    }
    this.jobs.delete(key);
  }

  private closeAttempt(j: JobState, t: number): void {
    if (j.attemptStart === undefined) return;
    const gpuMs = (t - j.attemptStart) * j.attemptGpus;
    j.attemptGpuMs += gpuMs;
    if (j.queue !== undefined) this.queueGpuMs.set(j.queue, this.queueGpuMs.get(j.queue)! + gpuMs);
    j.attemptStart = undefined;
  }

  /** Counts `j` in jobs_retried once it has had more than one attempt; `isJob` when it finished. */
  private noteAttempts(j: JobState, isJob: boolean): void {
    if ((isJob || j.submittedAt !== undefined) && !j.retried && Math.max(j.attempts, j.startedCount) > 1) {
      j.retried = true;
      this.jobsRetried++;
    }
  }
}

/** All metrics of a trace, in one streaming pass over its records (which must be in time order). */
export function computeMetrics(records: Iterable<TraceRecord>, opts: ComputeMetricsOptions = {}): Metrics {
  const acc = new MetricsAccumulator();
  for (const r of records) acc.add(r);
  return acc.result(opts);
}

// ---- helpers

function ascending(a: number, b: number): number {
  return a - b;
}

function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

/** A GPU count from record data: a non-negative integer, 0 when missing or malformed. */
function gpuCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function nonNegative(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function stringOr(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** The key of a pod or job: the string ref, or kind/namespace/name. */
export function refKey(ref: TraceRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return ref;
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** A node's name from its ref: ObjectRef.name, or a string ref after its last '/'. */
export function nodeName(ref: TraceRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return ref.slice(ref.lastIndexOf('/') + 1);
  return ref.name;
}
