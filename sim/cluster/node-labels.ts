// The well-known labels, resources and taints simulated nodes carry, named once so that the node
// pools, the kubelet, the provisioner and the scheduler's tests agree on them.

import type { Taint } from '../../controller/api/core-types.js';

export const NODE_LABEL = {
  hostname: 'kubernetes.io/hostname',
  arch: 'kubernetes.io/arch',
  os: 'kubernetes.io/os',
  instanceType: 'node.kubernetes.io/instance-type',
  zone: 'topology.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
  /** Rack/block index within the pool: index / nodesPerBlock (raysim's topology label). */
  block: 'raysim.io/block',
  /** The scenario pool the node belongs to; its presence marks a node the simulated kubelet runs. */
  pool: 'raysim.io/pool',
  gpuProduct: 'nvidia.com/gpu.product',
  gpuCount: 'nvidia.com/gpu.count',
  gpuMemory: 'nvidia.com/gpu.memory',
  karpenterNodePool: 'karpenter.sh/nodepool',
  capacityType: 'karpenter.sh/capacity-type',
} as const;

/** Annotation carrying the node's price, dollars per node-hour. */
export const PRICE_ANNOTATION = 'raysim.io/price-per-hour';

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** What GPU nodes carry unless the pool says otherwise (the EKS/GKE convention). */
export const GPU_TAINT: Taint = { key: GPU_RESOURCE, effect: 'NoSchedule' };

/** The node lifecycle controller's taints for a node that stopped reporting. */
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';

/** Default region of simulated nodes. */
export const DEFAULT_REGION = 'us-east-1';
/** Default kubelet version reported in nodeInfo. */
export const DEFAULT_KUBELET_VERSION = 'v1.31.4';
/** Nodes per block when a pool does not say. */
export const DEFAULT_NODES_PER_BLOCK = 32;
