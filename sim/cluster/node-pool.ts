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
}

export const NODE_PRESETS: Readonly<Record<string, NodeShape>> = {
  'h100-8x': { cpu: '191450m', memory: '1938410Mi', gpus: 8, pods: 100, instanceType: 'p5.48xlarge', pricePerHour: 55.04 },
  'cpu-96': { cpu: '95690m', memory: '373552Mi', gpus: 0, pods: 110, instanceType: 'm7i.24xlarge', pricePerHour: 4.84 },
};

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
