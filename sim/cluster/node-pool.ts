// Node pools: what a scenario says about its fleet, and the presets it can name. The h100-8x
// preset is shaped like AWS p5.48xlarge as Karpenter lists it (../shared/docs/H100.md).

import type { Distribution } from '../core/distribution.js';

export interface NodeShape {
  /** Allocatable, in Kubernetes quantity strings ("191450m", "1938410Mi", "8"). */
  cpu: string;
  memory: string;
  gpus: number;
  pods: number;
  instanceType: string;
  /** Dollars per node-hour, billed per second. */
  pricePerHour: number;
  /** Capacity where it differs from allocatable (kube-reserved, system-reserved, eviction threshold). */
  capacity?: { cpu?: string; memory?: string; ephemeralStorage?: string };
  /** Allocatable ephemeral-storage (default "200Gi"). */
  ephemeralStorage?: string;
  /** The nvidia.com/gpu.product label of GPU shapes (default "NVIDIA-H100-80GB-HBM3"). */
  gpuProduct?: string;
  /** GPU memory in MiB, for the nvidia.com/gpu.memory label (default 81559 for H100 80 GB). */
  gpuMemoryMiB?: number;
}

export const NODE_PRESETS: Readonly<Record<string, NodeShape>> = {
  'h100-8x': {
    cpu: '191450m',
    memory: '1938410Mi',
    gpus: 8,
    pods: 100,
    instanceType: 'p5.48xlarge',
    pricePerHour: 55.04,
    capacity: { cpu: '192', memory: '2097152Mi', ephemeralStorage: '200Gi' },
    ephemeralStorage: '184Gi',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuMemoryMiB: 81559,
  },
  'cpu-96': {
    cpu: '95690m',
    memory: '373552Mi',
    gpus: 0,
    pods: 110,
    instanceType: 'm7i.24xlarge',
    pricePerHour: 4.84,
    capacity: { cpu: '96', memory: '393216Mi', ephemeralStorage: '200Gi' },
    ephemeralStorage: '184Gi',
  },
};

/** The GPU product label H100 shapes carry (what NVIDIA's GPU feature discovery reports). */
export const H100_GPU_PRODUCT = 'NVIDIA-H100-80GB-HBM3';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodePoolSpec {
  name: string;
  /** Nodes present at the start. */
  count: number;
  /** A preset name, or a custom shape. */
  shape: string | NodeShape;
  labels?: Record<string, string>;
  /** Default for GPU shapes: nvidia.com/gpu:NoSchedule. */
  taints?: Taint[];
  /** Zones to spread nodes over, round-robin (topology.kubernetes.io/zone). */
  zones?: string[];
  /** Nodes per rack/block (the topology label raysim.io/block); default 32. */
  nodesPerBlock?: number;
  /** Request-to-allocatable delay for nodes added later (provisioning), virtual ms. */
  provisioningDelay?: Distribution;
}

/** Thrown for a pool that names an unknown preset or carries an impossible shape. */
export class NodePoolError extends Error {
  override readonly name = 'NodePoolError';
  constructor(
    readonly pool: string,
    message: string,
  ) {
    super(`node pool "${pool}": ${message}`);
  }
}

/** The pool's shape: the preset it names, or its own. Unknown presets throw and list the known ones. */
export function resolveShape(pool: Pick<NodePoolSpec, 'name' | 'shape'>): NodeShape {
  if (typeof pool.shape !== 'string') return pool.shape;
  const s = NODE_PRESETS[pool.shape];
  if (!s) throw new NodePoolError(pool.name, `unknown shape "${pool.shape}" (known: ${Object.keys(NODE_PRESETS).join(', ')})`);
  return s;
}
