// The scenario model AFTER loading: what `raysim run` and the simulated cluster consume. The YAML
// surface users write is described by ./schema.json and turned into this by ./loader.ts, which
// converts every duration to virtual milliseconds, every distribution to a sim/core Distribution
// (in ms for durations), fills in the defaults below, and refuses to return anything half-valid.
//
// Defaults come from ../shared/docs/H100.md where a figure exists (node failure rates and causes
// from the Llama 3 405B run, provisioning delays), otherwise from typical KubeRay-on-GPU clusters
// (image pulls of multi-GB Ray GPU images, Ray head start). Each default is an exported constant so
// the CLI, docs and tests quote the same value.

import type { KubeObject } from '../controller/runtime/kube-object.js';
import type { Distribution } from '../sim/core/distribution.js';
import { lognormalFromMedianP90 } from '../sim/core/distribution.js';
import type { FailureCause } from '../sim/core/trace-events.js';
import type { NodePoolSpec } from '../sim/cluster/node-pool.js';
import type { FaultConfig } from '../sim/kube/faults.js';
import type { Expectation } from '../sim/metrics/index.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

// ---------------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------------

export interface Scenario {
  /** DNS-label-like name; the trace header and reports carry it. */
  name: string;
  description?: string;
  /** Root seed of every random stream (same scenario + same seed = same trace). Default 0. */
  seed: number | string;
  /** Virtual time the run covers, ms. */
  durationMs: number;
  /** The file the scenario was read from ('<inline>' style names for text). */
  file: string;
  cluster: ClusterSpec;
  workloads: Workloads;
  faults: Faults;
  operator: OperatorSettings;
  kubelet: KubeletSettings;
  ray: RaySettings;
  /** Bounds on end-of-run metrics, checked by sim/metrics' checkExpectations; any violated bound
   * makes `raysim run` exit non-zero. Metrics and operators are sim/metrics' (isExpectableMetric,
   * EXPECTATION_OPS). */
  expectations: Expectation[];
  /** Period of the metrics `sample` trace records, ms. Default 60 s. */
  metricsSampleIntervalMs: number;
}

export interface ClusterSpec {
  /** At least one pool. Shapes are resolved: a preset name stays a name unless the scenario
   * overrode part of it (then the full NodeShape is given). */
  nodePools: NodePoolSpec[];
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

export interface Workloads {
  /** Kubernetes manifests (KubeRay's format, unchanged) created at given times, in file order. A
   * later manifest naming an existing object (same kind, namespace, name) updates it, as
   * `kubectl apply` would: that is how a RayService upgrade is scripted. */
  manifests: TimedManifest[];
  generators: WorkloadGenerator[];
}

export interface TimedManifest {
  /** Virtual ms after the start at which the object is applied. */
  at: number;
  object: KubeObject;
  /** Where the object was written: the scenario file (inline) or the manifest file (path:). */
  source: { file: string; line: number };
}

export type ArrivalProcess =
  /** Exponential inter-arrival times. */
  | { kind: 'poisson'; ratePerHour: number }
  /** One job every `everyMs`, the first at the generator's start. */
  | { kind: 'interval'; everyMs: number }
  /** `count` jobs at once at `atMs` (absolute), repeated every `everyMs` when set. */
  | { kind: 'burst'; atMs: number; count: number; everyMs?: number };

export interface WorkloadGenerator {
  /** Job names are `<name>-<index>` (index from 0), so the name is a DNS-1035 label. */
  name: string;
  arrival: ArrivalProcess;
  /** First possible arrival, ms. Default 0. */
  startMs: number;
  /** No arrival at or after this time, ms. Default: the scenario duration. */
  untilMs: number;
  /** At most this many jobs. Default unbounded (bounded by untilMs). */
  count?: number;
  template: RayJobTemplate;
}

export interface RayJobTemplate {
  kind: 'RayJob';
  /** Worker replicas of the single GPU worker group (drawn values are rounded, at least 1). */
  workers: Distribution;
  /** nvidia.com/gpu limit per worker (rounded, at least 0). */
  gpusPerWorker: Distribution;
  /** GPUs of the head pod. Default 0 (CPU-only head). */
  headGpus: number;
  /** Per-worker cpu/memory quantities; default derived from GPUs (see generate.ts). */
  cpuPerWorker?: string;
  memoryPerWorker?: string;
  /** Head cpu/memory. Defaults DEFAULT_HEAD_CPU / DEFAULT_HEAD_MEMORY. */
  headCpu: string;
  headMemory: string;
  image: string;
  rayVersion: string;
  /** Compute the job needs, ms (what the simulated Ray runtime runs for, excluding restarts). */
  duration: Distribution;
  priorityClass?: string;
  /** Kueue LocalQueue name (label kueue.x-k8s.io/queue-name). */
  queue?: string;
  /** Probability that the application itself fails (AppFailed), in [0, 1]. Default 0. */
  failureProbability: number;
  /** Checkpoint period, ms: after an infrastructure failure a job resumes from its last checkpoint. */
  checkpointIntervalMs?: number;
  namespace: string;
  submissionMode?: 'K8sJobMode' | 'HTTPMode' | 'SidecarMode';
  /** Default true (the cluster is deleted when the job ends). */
  shutdownAfterJobFinishes: boolean;
  ttlSecondsAfterFinished?: number;
  /** RayJob spec.backoffLimit (retries of a failed job). */
  backoffLimit?: number;
  /** Extra labels on the RayJob. */
  labels?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

export interface Faults {
  nodeFailures?: NodeFailureFaults;
  gpuErrors?: GpuErrorFaults;
  maintenance: MaintenanceEvent[];
  /** Fault hooks of the simulated API server (sim/kube/faults.ts), unchanged. */
  apiServer?: FaultConfig;
  operatorRestarts: OperatorRestart[];
}

export interface NodeFailureFaults {
  /** Unexpected interruptions per 8-GPU node-day. Default 3.8e-3 (Llama 3; MTBF ~260 days). */
  ratePerNodeDay: number;
  /** Relative weights of the causes. Default LLAMA3_FAILURE_CAUSES. */
  causes: Partial<Record<FailureCause, number>>;
  /** Time until a failed node is usable again, ms. Default DEFAULT_NODE_REPAIR. */
  repair: Distribution;
  /** Replace the node with a fresh one (provisioning delay) instead of repairing it. Default false. */
  replace: boolean;
}

export interface GpuErrorFaults {
  /** GPU errors (Xid 79/48/94/95/63/64) that take GPUs out of a node, per node-day. */
  ratePerNodeDay: number;
  /** GPUs lost per error (rounded, 1..gpus of the node). Default fixed 1. */
  gpus: Distribution;
  /** Weights of the GPU-related causes. Default the GPU rows of the Llama 3 table. */
  causes: Partial<Record<FailureCause, number>>;
  /** Time until the GPUs come back (reset or RMA), ms. Default DEFAULT_GPU_REPAIR. */
  repair: Distribution;
}

export interface MaintenanceEvent {
  atMs: number;
  /** Node names, or every node of `pool`; exactly one of the two is set. */
  nodes?: string[];
  pool?: string;
  /** Cordon and evict before taking the node down (true), or take it down at once. Default true. */
  drain: boolean;
  /** How long the node stays out, ms. Default 1 h. */
  durationMs: number;
}

export interface OperatorRestart {
  atMs: number;
  /** The operator is down (no reconciles, watches closed) for this long, ms. Default 10 s. */
  downtimeMs: number;
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export interface OperatorSettings {
  /** KubeRay's --batch-scheduler: 'volcano' adds PodGroups (gang). Default: none (kube-scheduler). */
  batchScheduler?: 'default' | 'volcano';
  /** Node scoring of the scheduler. Default 'least-allocated' (kube-scheduler's). */
  placementPolicy: 'least-allocated' | 'most-allocated';
  /** Queue admission: 'kueue' keeps RayJobs suspended until admitted. Default 'none'. */
  admission: 'none' | 'kueue';
}

export interface KubeletSettings {
  /** Image pull per pod, ms. Default lognormal median 90 s, p90 3 min (multi-GB Ray GPU images). */
  imagePull: Distribution;
  /** Container start after the pull, ms. Default lognormal median 5 s, p90 15 s. */
  containerStart: Distribution;
}

export interface RaySettings {
  /** Head pod Running -> GCS and dashboard up, ms. Default lognormal median 20 s, p90 45 s. */
  headStart: Distribution;
  /** Serve config submitted -> application RUNNING, ms. Default lognormal median 60 s, p90 3 min. */
  serveAppStart: Distribution;
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

export const DEFAULT_SEED = 0;
export const DEFAULT_METRICS_SAMPLE_INTERVAL_MS = 60 * S;
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_RAY_IMAGE = 'rayproject/ray:2.34.0-py311-gpu';
export const DEFAULT_RAY_VERSION = '2.34.0';
export const DEFAULT_HEAD_CPU = '4';
export const DEFAULT_HEAD_MEMORY = '16Gi';
/** Worker cpu per GPU when cpuPerWorker is unset: 8 single-GPU jobs (plus their heads) fit a p5. */
export const DEFAULT_CPU_PER_GPU = 18;
/** Worker memory per GPU (GiB) when memoryPerWorker is unset. */
export const DEFAULT_MEMORY_GIB_PER_GPU = 200;
/** A GPU-less worker when gpusPerWorker draws 0. */
export const DEFAULT_CPU_WORKER_CPU = '8';
export const DEFAULT_CPU_WORKER_MEMORY = '32Gi';

/** Llama 3 405B: ~3.8e-3 unexpected interruptions per 8-GPU node-day (H100.md). */
export const LLAMA3_NODE_FAILURES_PER_DAY = 3.8e-3;

/** The Llama 3 405B interruption causes (54 days, 16,384 H100), mapped to FailureCause. */
export const LLAMA3_FAILURE_CAUSES: Readonly<Record<FailureCause, number>> = {
  'faulty-gpu': 148,
  'gpu-hbm3': 72,
  'software-bug': 54,
  network: 35,
  'host-maintenance': 32,
  'gpu-sram': 19,
  'gpu-system-processor': 17,
  nic: 7,
  'nccl-watchdog': 7,
  'silent-data-corruption': 6,
  'gpu-thermal': 6,
  ssd: 3,
  'power-supply': 3,
  chassis: 2,
  'io-board': 2,
  dependency: 2,
  cpu: 2,
  'system-memory': 2,
};

export const FAILURE_CAUSES = Object.keys(LLAMA3_FAILURE_CAUSES) as FailureCause[];

/** The GPU rows of the Llama 3 table: the default causes of `gpuErrors`. */
export const LLAMA3_GPU_ERROR_CAUSES: Readonly<Partial<Record<FailureCause, number>>> = {
  'faulty-gpu': 148,
  'gpu-hbm3': 72,
  'gpu-sram': 19,
  'gpu-system-processor': 17,
  'gpu-thermal': 6,
};

/** Failed node back in service: lognormal median 4 h, p90 24 h (reboot/reset vs. RMA and swap). */
export const DEFAULT_NODE_REPAIR: Distribution = lognormalFromMedianP90(4 * H, 24 * H);
/** GPU reset or replacement: lognormal median 1 h, p90 8 h. */
export const DEFAULT_GPU_REPAIR: Distribution = lognormalFromMedianP90(1 * H, 8 * H);
export const DEFAULT_MAINTENANCE_DURATION_MS = 1 * H;
export const DEFAULT_OPERATOR_DOWNTIME_MS = 10 * S;

/** ~1-3 min for a multi-GB Ray GPU image. */
export const DEFAULT_IMAGE_PULL: Distribution = lognormalFromMedianP90(90 * S, 3 * MIN);
export const DEFAULT_CONTAINER_START: Distribution = lognormalFromMedianP90(5 * S, 15 * S);
export const DEFAULT_HEAD_START: Distribution = lognormalFromMedianP90(20 * S, 45 * S);
export const DEFAULT_SERVE_APP_START: Distribution = lognormalFromMedianP90(60 * S, 3 * MIN);
/** Request-to-allocatable for a new 8xH100 node (H100.md: default 5-10 min). */
export const DEFAULT_GPU_NODE_PROVISIONING: Distribution = { kind: 'uniform', min: 5 * MIN, max: 10 * MIN };

export const DEFAULT_OPERATOR: Readonly<OperatorSettings> = { placementPolicy: 'least-allocated', admission: 'none' };

/** Convenience for code and tests: common durations in ms. */
export const MS = { second: S, minute: MIN, hour: H, day: D } as const;
