// Periodic `sample` records for utilisation curves (timeseries.csv, the viewer). The sampler keeps
// its counts from the trace records as they are written (node.ready/down/repaired/gpus,
// pod.bound/running/finished/deleted/unschedulable, job.started/interrupted/finished), so sampling
// costs nothing per sample beyond writing one record, at any fleet size.

import type { TraceRecord } from '../core/trace.js';
import { TRACE } from '../core/trace-events.js';

export interface SampleData {
  gpusTotal: number;
  gpusAllocated: number;
  /** GPUs of pods whose Ray job is computing (between job.started and its end or interruption). */
  gpusBusy: number;
  nodesReady: number;
  /** Pods the scheduler could not place yet. */
  podsPending: number;
  podsRunning: number;
}

function refKey(r: TraceRecord): string {
  const ref = r.ref;
  if (!ref) return '';
  return typeof ref === 'string' ? ref : `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export class Sampler {
  private readonly nodeGpus = new Map<string, number>();
  private readonly nodeReady = new Set<string>();
  private readonly podGpus = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly busyJobs = new Map<string, number>();

  /** Feed every trace record (TraceWriter's onRecord). */
  add(r: TraceRecord): void {
    const key = refKey(r);
    const d = (r.data ?? {}) as Record<string, unknown>;
    switch (r.type) {
      case TRACE.nodeReady:
        this.nodeReady.add(key);
        if (typeof d.gpus === 'number') this.nodeGpus.set(key, d.gpus);
        break;
      case TRACE.nodeDown:
        this.nodeReady.delete(key);
        break;
      case TRACE.nodeRepaired:
        this.nodeReady.add(key);
        break;
      case TRACE.nodeGpusChanged:
        if (typeof d.gpus === 'number') this.nodeGpus.set(key, d.gpus);
        break;
      case TRACE.podUnschedulable:
        this.pending.add(key);
        break;
      case TRACE.podBound:
        this.pending.delete(key);
        this.podGpus.set(key, typeof d.gpus === 'number' ? d.gpus : 0);
        break;
      case TRACE.podRunning:
        this.running.add(key);
        break;
      case TRACE.podFinished:
      case TRACE.podDeleted:
        this.pending.delete(key);
        this.running.delete(key);
        this.podGpus.delete(key);
        break;
      case TRACE.jobStarted:
        this.busyJobs.set(key, typeof d.gpus === 'number' ? d.gpus : 0);
        break;
      case TRACE.jobInterrupted:
      case TRACE.jobFinished:
        this.busyJobs.delete(key);
        break;
    }
  }

  snapshot(): SampleData {
    let gpusTotal = 0;
    for (const n of this.nodeReady) gpusTotal += this.nodeGpus.get(n) ?? 0;
    let gpusAllocated = 0;
    for (const g of this.podGpus.values()) gpusAllocated += g;
    let gpusBusy = 0;
    for (const g of this.busyJobs.values()) gpusBusy += g;
    return {
      gpusTotal,
      gpusAllocated: Math.min(gpusAllocated, gpusTotal),
      gpusBusy: Math.min(gpusBusy, gpusTotal),
      nodesReady: this.nodeReady.size,
      podsPending: this.pending.size,
      podsRunning: this.running.size,
    };
  }
}
