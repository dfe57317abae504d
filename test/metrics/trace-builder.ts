// A fluent builder of small traces for metric tests: set the clock with at()/atSec(), then emit
// records; they come out in time order with seq 1, 2, ... after a version header.
//
//   const tr = trace().nodeReady('n1').submit('j1', { gpus: 8 }).atSec(60).bind('j1-0', 'n1', 8);

import { TRACE_HEADER_TYPE, TRACE_VERSION, serializeRecord, type ObjectRef, type TraceRecord } from '../../sim/core/trace.js';
import { TRACE, type JobSubmittedData, type NodeData } from '../../sim/core/trace-events.js';

const NS = 'default';

export class TraceBuilder {
  private readonly recs: TraceRecord[];
  private now = 0;
  private seq = 0;

  constructor(meta: Record<string, unknown> = {}) {
    this.recs = [{ t: 0, seq: 0, type: TRACE_HEADER_TYPE, actor: 'raysim', data: { version: TRACE_VERSION, ...meta } }];
  }

  /** Sets the clock (virtual ms); time never goes back. */
  at(ms: number): this {
    if (ms < this.now) throw new RangeError(`TraceBuilder.at(${ms}): before the current time ${this.now}`);
    this.now = ms;
    return this;
  }

  /** The clock (virtual ms): pass it as durationMs when a test ends the run after the last record. */
  clock(): number {
    return this.now;
  }

  /** Sets the clock in seconds. */
  atSec(s: number): this {
    return this.at(s * 1000);
  }

  /** Emits any record at the current time. */
  record(type: string, actor: string, ref?: ObjectRef | string, data?: Record<string, unknown>, reason?: string): this {
    const r: TraceRecord = { t: this.now, seq: ++this.seq, type, actor };
    if (ref !== undefined) r.ref = ref;
    if (reason !== undefined) r.reason = reason;
    if (data !== undefined) r.data = data;
    this.recs.push(r);
    return this;
  }

  // ---- nodes

  nodeReady(name: string, shape: Partial<NodeData> = {}): this {
    const data: NodeData = {
      pool: 'gpu',
      instanceType: 'p5.48xlarge',
      gpus: 8,
      cpuMilli: 191_450,
      memoryBytes: 1_938_410 * 1024 * 1024,
      pricePerHour: 36,
      ...shape,
    };
    return this.record(TRACE.nodeReady, 'nodepool', node(name), { ...data });
  }

  nodeDown(name: string, cause: string, gpusLost?: number): this {
    return this.record(TRACE.nodeDown, 'faults', node(name), gpusLost === undefined ? { cause } : { cause, gpusLost });
  }

  nodeRepaired(name: string, afterMs: number): this {
    return this.record(TRACE.nodeRepaired, 'faults', node(name), { after_ms: afterMs });
  }

  nodeGpus(name: string, gpus: number, cause: string): this {
    return this.record(TRACE.nodeGpusChanged, 'faults', node(name), { gpus, cause });
  }

  // ---- pods

  bind(pod: string, nodeName: string, gpus: number): this {
    return this.record(TRACE.podBound, 'scheduler', podRef(pod), { node: nodeName, gpus, cpuMilli: 1000, memoryBytes: 1 << 30 });
  }

  podRunning(pod: string, nodeName: string): this {
    return this.record(TRACE.podRunning, 'kubelet', podRef(pod), { node: nodeName });
  }

  podFinished(pod: string, phase: 'Succeeded' | 'Failed' = 'Succeeded'): this {
    return this.record(TRACE.podFinished, 'kubelet', podRef(pod), { phase });
  }

  podDeleted(pod: string, nodeName?: string): this {
    return this.record(TRACE.podDeleted, 'kubelet', podRef(pod), nodeName === undefined ? {} : { node: nodeName });
  }

  unschedulable(pod: string, reason: string): this {
    return this.record(TRACE.podUnschedulable, 'scheduler', podRef(pod), undefined, reason);
  }

  // ---- jobs

  submit(job: string, data: Partial<JobSubmittedData> = {}): this {
    return this.record(TRACE.jobSubmitted, 'ray', jobRef(job), { gpus: 8, pods: 1, ...data });
  }

  scheduled(job: string, pods: number, gpus: number): this {
    return this.record(TRACE.jobScheduled, 'ray', jobRef(job), { pods, gpus });
  }

  started(job: string, attempt: number, gpus: number): this {
    return this.record(TRACE.jobStarted, 'ray', jobRef(job), { attempt, gpus });
  }

  interrupted(job: string, d: { attempt: number; lostMs: number; gpus: number; cause: string; restartFromCheckpoint?: boolean }): this {
    return this.record(TRACE.jobInterrupted, 'ray', jobRef(job), {
      attempt: d.attempt,
      lost_ms: d.lostMs,
      gpus: d.gpus,
      cause: d.cause,
      restartFromCheckpoint: d.restartFromCheckpoint ?? true,
    });
  }

  finished(job: string, status: 'Complete' | 'Failed' = 'Complete', attempts = 1): this {
    return this.record(TRACE.jobFinished, 'ray', jobRef(job), {
      status,
      jobStatus: status === 'Complete' ? 'SUCCEEDED' : 'FAILED',
      attempts,
    });
  }

  // ---- samples

  sample(d: { gpusTotal: number; gpusAllocated: number; gpusBusy: number; nodesReady: number; podsPending: number; podsRunning: number }): this {
    return this.record(TRACE.sample, 'metrics', undefined, { ...d });
  }

  // ---- output

  /** The records so far (the builder's own objects). */
  records(): TraceRecord[] {
    return this.recs;
  }

  /** The trace as a file would hold it. */
  text(): string {
    return this.recs.map(serializeRecord).join('\n') + '\n';
  }
}

export function trace(meta: Record<string, unknown> = {}): TraceBuilder {
  return new TraceBuilder(meta);
}

export function node(name: string): ObjectRef {
  return { kind: 'Node', name };
}

export function podRef(name: string): ObjectRef {
  return { kind: 'Pod', namespace: NS, name };
}

export function jobRef(name: string): ObjectRef {
  return { kind: 'RayJob', namespace: NS, name };
}
