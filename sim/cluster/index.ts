// The public surface of sim/cluster: simulated nodes, their kubelet, and the presets scenarios name.
export { NODE_PRESETS, H100_GPU_PRODUCT, NodePoolError, resolveShape, type NodeShape, type NodePoolSpec, type Taint } from './node-pool.js';
export {
  NodePools,
  buildNode,
  nodeData,
  nodeName,
  nodeIp,
  nodePodCidr,
  nodeZone,
  nodeResources,
  indexWidth,
  readyNodeConditions,
  DEFAULT_PROVISIONING_DELAY,
  type BuildNodeInput,
  type NodePoolsOptions,
  type PendingNode,
} from './node-pools.js';
export {
  Kubelet,
  DEFAULT_KUBELET_TIMINGS,
  type KubeletOptions,
  type KubeletTimings,
  type NodeDownCause,
  type PodKey,
  type TerminateOptions,
} from './kubelet.js';
export {
  acceptedStatus,
  runningStatus,
  restartedStatus,
  exitedStatus,
  failedStatus,
  setCondition,
  restartBackoffMs,
  restarts,
  isTerminal,
  imageId,
  containerId,
  type AcceptedInput,
  type ExitInput,
  type FailedInput,
} from './pod-status.js';
export {
  NODE_LABEL,
  PRICE_ANNOTATION,
  GPU_RESOURCE,
  GPU_TAINT,
  UNREACHABLE_TAINT_KEY,
  NOT_READY_TAINT_KEY,
  DEFAULT_REGION,
  DEFAULT_KUBELET_VERSION,
  DEFAULT_NODES_PER_BLOCK,
} from './node-labels.js';
export { ClusterTrace, refOf, type ClusterTraceOptions } from './cluster-trace.js';
