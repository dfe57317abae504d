// The catalogue of trace records the simulated cluster writes and the metrics read. Metrics are
// pure functions of the trace (ARCHITECTURE.md), so this file is the contract between every
// component that emits and every consumer (CLI summary, viewer, tests): a record type, who writes
// it, and the shape of its `data`. Times are the record's `t` (virtual ms since the start).
//
// Refs: objects are referred to as {kind, namespace, name, uid}. A Ray "job" in metrics is a
// RayJob object; its attempts are its Ray job submissions.

import type { ObjectRef } from './trace.js';

/** Record types, as a registry: emitters use these constants, never string literals. */
export const TRACE = {
  // ---- objects (actor 'apiserver'): every watched change, for the viewer's timeline
  objectAdded: 'object.added',
  objectModified: 'object.modified',
  objectDeleted: 'object.deleted',

  // ---- nodes (actor 'nodepool' / 'kubelet' / 'faults')
  /** A node joined (Ready). data: NodeData */
  nodeReady: 'node.ready',
  /** A node stopped being usable. data: {cause: FailureCause | 'maintenance' | 'scale-down', gpusLost?: number} */
  nodeDown: 'node.down',
  /** A failed node came back (repair) or was replaced. data: {after_ms: number} */
  nodeRepaired: 'node.repaired',
  /** A node's allocatable GPUs changed (GPU error). data: {gpus: number, cause: FailureCause} */
  nodeGpusChanged: 'node.gpus',

  // ---- pods (actor 'scheduler' / 'kubelet')
  /** data: {node, gpus, cpuMilli, memoryBytes} */
  podBound: 'pod.bound',
  /** Scheduling attempt failed; reason is kube-scheduler's message ("0/16 nodes are available: ..."). */
  podUnschedulable: 'pod.unschedulable',
  /** Containers started. data: {node} */
  podRunning: 'pod.running',
  /** data: {phase: 'Succeeded' | 'Failed', exitCode?, reason?} */
  podFinished: 'pod.finished',
  /** The pod object is gone (its resources are free). data: {node?} */
  podDeleted: 'pod.deleted',

  // ---- Ray (actor 'ray')
  /** A RayJob was created by the workload generator or a manifest. data: JobSubmittedData */
  jobSubmitted: 'job.submitted',
  /** Every pod of the job's cluster is Running (the end of queueing delay). data: {pods: number, gpus: number} */
  jobScheduled: 'job.scheduled',
  /** The Ray job started computing (its gang is registered). data: {attempt: number, gpus: number} */
  jobStarted: 'job.started',
  /** Work lost to a failure; data: {attempt, lost_ms, gpus, cause, restartFromCheckpoint: boolean} */
  jobInterrupted: 'job.interrupted',
  /** The RayJob reached a terminal deployment status. data: {status: 'Complete' | 'Failed', jobStatus, attempts, reason?} */
  jobFinished: 'job.finished',

  // ---- serving (actor 'endpoints')
  /** A serve Service's (label ray.io/serve) ready endpoints changed. data: {ready: number, deleted?: true} */
  serveEndpoints: 'serve.endpoints',

  // ---- controllers (actor = controller name)
  reconcile: 'reconcile',
  managerRestart: 'manager.restart',
  /** A policy decision with a human-readable `reason` (pending reasons for the viewer). */
  decision: 'decision',

  // ---- samples (actor 'metrics'): periodic cluster-wide state for utilisation curves
  /** data: {gpusTotal, gpusAllocated, gpusBusy, nodesReady, podsPending, podsRunning} */
  sample: 'sample',
} as const;

export type TraceType = (typeof TRACE)[keyof typeof TRACE];

/** Node failure causes, weighted as in the Llama 3 405B table (../shared/docs/H100.md). */
export type FailureCause =
  | 'faulty-gpu'
  | 'gpu-hbm3'
  | 'software-bug'
  | 'network'
  | 'host-maintenance'
  | 'gpu-sram'
  | 'gpu-system-processor'
  | 'nic'
  | 'nccl-watchdog'
  | 'silent-data-corruption'
  | 'gpu-thermal'
  | 'ssd'
  | 'power-supply'
  | 'chassis'
  | 'io-board'
  | 'dependency'
  | 'cpu'
  | 'system-memory';

export interface NodeData {
  pool: string;
  instanceType: string;
  gpus: number;
  cpuMilli: number;
  memoryBytes: number;
  /** Price per node-hour in dollars, billed per second. */
  pricePerHour: number;
  zone?: string;
}

export interface JobSubmittedData {
  /** Requested GPUs of the whole gang (head + workers). */
  gpus: number;
  pods: number;
  queue?: string;
  priority?: number;
  /** The duration the workload generator drew (virtual ms of compute), if known. */
  work_ms?: number;
}

export type { ObjectRef };
