// The node pools driver: creates the Node objects a scenario's fleet starts with, and adds or
// removes nodes later (provisioning, scale-down). It talks only to a KubeClient, so the same code
// registers fake nodes on the in-memory API server or on a real one (the KWOK idea); the
// simulated kubelet (kubelet.ts) then runs the pods bound to them.
//
// Building a Node is pure (`buildNode`); `NodePools` applies it. Names are `<pool>-<index>` with
// the index zero-padded; labels follow the well-known ones (node-labels.ts); a node's InternalIP
// and podCIDR come from its ordinal (the order nodes were created in), so they are reproducible.

import type { Node, NodeCondition, ResourceList, Taint } from '../../controller/api/core-types.js';
import { NODE } from '../../controller/api/constants.js';
import { parseQuantity, toMilli } from '../../controller/api/quantity.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import { rfc3339, type Clock, type Rng } from '../core/clock.js';
import { sample, type Distribution } from '../core/distribution.js';
import type { TimerHandle, Timers } from '../core/simulation.js';
import { TRACE, type FailureCause, type NodeData } from '../core/trace-events.js';
import { ClusterTrace, refOf, type ClusterTraceOptions } from './cluster-trace.js';
import {
  DEFAULT_KUBELET_VERSION,
  DEFAULT_NODES_PER_BLOCK,
  DEFAULT_REGION,
  GPU_RESOURCE,
  GPU_TAINT,
  NODE_LABEL,
  PRICE_ANNOTATION,
} from './node-labels.js';
import { H100_GPU_PRODUCT, NodePoolError, resolveShape, type NodePoolSpec, type NodeShape } from './node-pool.js';

/** Default request-to-allocatable delay of a launched GPU node: 5-10 min (../shared/docs/H100.md). */
export const DEFAULT_PROVISIONING_DELAY: Distribution = { kind: 'uniform', min: 5 * 60_000, max: 10 * 60_000 };

/** Digits of a pool's node index: at least 3, more when the initial count needs them. */
export function indexWidth(count: number): number {
  return Math.max(3, String(Math.max(count - 1, 0)).length);
}

/** `<pool>-<index>`, the index zero-padded to `width`. */
export function nodeName(pool: string, index: number, width = 3): string {
  return `${pool}-${String(index).padStart(width, '0')}`;
}

/** The node's InternalIP from its ordinal (1-based): 10.16.0.1, 10.16.0.2, ... */
export function nodeIp(ordinal: number): string {
  return `10.${16 + Math.floor(ordinal / 65536)}.${Math.floor(ordinal / 256) % 256}.${ordinal % 256}`;
}

/** The node's pod CIDR from its ordinal: one /24 each out of 10.128.0.0/9. */
export function nodePodCidr(ordinal: number): string {
  return `10.${128 + Math.floor(ordinal / 256)}.${ordinal % 256}.0/24`;
}

export interface BuildNodeInput {
  pool: NodePoolSpec;
  /** Index within the pool (names, zone, block). */
  index: number;
  /** 1-based position in creation order over all pools (IPs). */
  ordinal: number;
  /** Clock time for the condition timestamps. */
  now: number;
  region?: string;
  kubeletVersion?: string;
  /** Index digits (default: indexWidth(pool.count)). */
  width?: number;
}

/** The shape's allocatable and capacity as ResourceLists; GPU shapes list nvidia.com/gpu. */
export function nodeResources(shape: NodeShape): { allocatable: ResourceList; capacity: ResourceList } {
  const allocatable: ResourceList = { cpu: shape.cpu, 'ephemeral-storage': shape.ephemeralStorage ?? '200Gi', memory: shape.memory };
  const capacity: ResourceList = {
    cpu: shape.capacity?.cpu ?? shape.cpu,
    'ephemeral-storage': shape.capacity?.ephemeralStorage ?? allocatable['ephemeral-storage']!,
    memory: shape.capacity?.memory ?? shape.memory,
  };
  if (shape.gpus > 0) {
    allocatable[GPU_RESOURCE] = String(shape.gpus);
    capacity[GPU_RESOURCE] = String(shape.gpus);
  }
  allocatable.pods = String(shape.pods);
  capacity.pods = String(shape.pods);
  return { allocatable, capacity };
}

/** The zone of the pool's `index`-th node: round-robin over the pool's zones (default `<region>a`). */
export function nodeZone(pool: NodePoolSpec, index: number, region = DEFAULT_REGION): string {
  const zones = pool.zones?.length ? pool.zones : [`${region}a`];
  return zones[index % zones.length]!;
}

/** A Ready kubelet's conditions, all stamped `at`. */
export function readyNodeConditions(at: string): NodeCondition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => ({
    type,
    status,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
    reason,
    message,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The Node object of the pool's `index`-th node, Ready, as a kubelet would register it. */
export function buildNode(input: BuildNodeInput): Node {
  const { pool, index, ordinal } = input;
  const shape = resolveShape(pool);
  const region = input.region ?? DEFAULT_REGION;
  const name = nodeName(pool.name, index, input.width ?? indexWidth(pool.count));
  const zone = nodeZone(pool, index, region);
  const perBlock = pool.nodesPerBlock ?? DEFAULT_NODES_PER_BLOCK;
  const gpu = shape.gpus > 0;
  const labels: Record<string, string> = {
    [NODE_LABEL.arch]: 'amd64',
    [NODE_LABEL.os]: 'linux',
    [NODE_LABEL.hostname]: name,
    [NODE_LABEL.instanceType]: shape.instanceType,
    [NODE_LABEL.zone]: zone,
    [NODE_LABEL.region]: region,
    [NODE_LABEL.block]: String(Math.floor(index / perBlock)),
    [NODE_LABEL.pool]: pool.name,
    [NODE_LABEL.karpenterNodePool]: pool.name,
    [NODE_LABEL.capacityType]: 'on-demand',
  };
  if (gpu) {
    labels[NODE_LABEL.gpuProduct] = shape.gpuProduct ?? H100_GPU_PRODUCT;
    labels[NODE_LABEL.gpuCount] = String(shape.gpus);
    labels[NODE_LABEL.gpuMemory] = String(shape.gpuMemoryMiB ?? 81559);
  }
  Object.assign(labels, pool.labels);
  const taints: Taint[] = (pool.taints ?? (gpu ? [GPU_TAINT] : [])).map((t) => ({ ...t }));
  const at = rfc3339(input.now);
  const { allocatable, capacity } = nodeResources(shape);
  const podCidr = nodePodCidr(ordinal);
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', [PRICE_ANNOTATION]: String(shape.pricePerHour) },
    },
    spec: { providerID: `raysim:///${zone}/${name}`, podCIDR: podCidr },
    status: {
      capacity,
      allocatable,
      conditions: readyNodeConditions(at),
      addresses: [
        { type: 'InternalIP', address: nodeIp(ordinal) },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.1.0-raysim',
        osImage: 'raysim simulated node',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: input.kubeletVersion ?? DEFAULT_KUBELET_VERSION,
        kubeProxyVersion: input.kubeletVersion ?? DEFAULT_KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
  if (taints.length) node.spec!.taints = taints;
  return node;
}

/** The node.ready record's data for a node of `shape` in `pool`. */
export function nodeData(pool: string, shape: NodeShape, zone?: string): NodeData {
  const d: NodeData = {
    pool,
    instanceType: shape.instanceType,
    gpus: shape.gpus,
    cpuMilli: toMilli(shape.cpu),
    memoryBytes: parseQuantity(shape.memory),
    pricePerHour: shape.pricePerHour,
  };
  if (zone !== undefined) d.zone = zone;
  return d;
}

export interface NodePoolsOptions extends ClusterTraceOptions {
  client: KubeClient;
  clock: Clock;
  pools: NodePoolSpec[];
  region?: string;
  kubeletVersion?: string;
  /** Needed by launchNode only. */
  timers?: Timers;
  /** Needed by launchNode only: provisioning delays are drawn from per-pool forks. */
  rng?: Rng;
}

/** A node being provisioned: it is created after `delayMs`. */
export interface PendingNode {
  name: string;
  pool: string;
  delayMs: number;
  timer: TimerHandle;
}

interface PoolState {
  spec: NodePoolSpec;
  shape: NodeShape;
  width: number;
  nextIndex: number;
  rng?: Rng;
}

export class NodePools {
  private readonly pools = new Map<string, PoolState>();
  private readonly trace: ClusterTrace;
  private ordinal = 0;
  private readonly pending = new Map<string, PendingNode>();

  constructor(private readonly opts: NodePoolsOptions) {
    this.trace = new ClusterTrace('nodepool', opts);
    const problems: NodePoolError[] = [];
    const seen = new Set<string>();
    for (const spec of opts.pools) {
      try {
        if (seen.has(spec.name)) throw new NodePoolError(spec.name, 'defined twice');
        seen.add(spec.name);
        if (!Number.isInteger(spec.count) || spec.count < 0) throw new NodePoolError(spec.name, `count must be an integer >= 0, got ${spec.count}`);
        if (spec.nodesPerBlock !== undefined && !(Number.isInteger(spec.nodesPerBlock) && spec.nodesPerBlock >= 1))
          throw new NodePoolError(spec.name, `nodesPerBlock must be an integer >= 1, got ${spec.nodesPerBlock}`);
        const shape = resolveShape(spec);
        this.pools.set(spec.name, { spec, shape, width: indexWidth(spec.count), nextIndex: 0, rng: opts.rng?.fork(`pool/${spec.name}`) });
      } catch (e) {
        if (!(e instanceof NodePoolError)) throw e;
        problems.push(e);
      }
    }
    // Every problem at once, so a scenario author fixes them in one go.
    if (problems.length === 1) throw problems[0];
    if (problems.length > 1) throw new Error(`node pools: ${problems.map((e) => e.message).join('; ')}`);
  }

  /** Pool names in scenario order. */
  get poolNames(): string[] {
    return [...this.pools.keys()];
  }

  shape(pool: string): NodeShape {
    return this.state(pool).shape;
  }

  /** Nodes being provisioned (launchNode) and not yet created. */
  get provisioning(): readonly PendingNode[] {
    return [...this.pending.values()];
  }

  /** Creates every pool's initial nodes, pool by pool, in index order. Nodes that already exist are kept. */
  async start(): Promise<Node[]> {
    const out: Node[] = [];
    for (const p of this.pools.values()) {
      for (let i = 0; i < p.spec.count; i++) out.push(await this.addNode(p.spec.name));
    }
    return out;
  }

  /** Creates the pool's next node now (Ready) and records node.ready. */
  async addNode(pool: string): Promise<Node> {
    return this.create(this.state(pool), this.state(pool).nextIndex++);
  }

  /**
   * Provisions a node: draws the pool's provisioningDelay (default 5-10 min) and creates the node
   * when it has passed. The name is reserved now. Needs `timers` and `rng`.
   */
  launchNode(pool: string): PendingNode {
    const p = this.state(pool);
    const timers = this.opts.timers;
    if (!timers || !p.rng) throw new Error('NodePools.launchNode: needs the timers and rng options');
    const index = p.nextIndex++;
    const name = nodeName(p.spec.name, index, p.width);
    const delayMs = Math.max(0, Math.round(sample(p.spec.provisioningDelay ?? DEFAULT_PROVISIONING_DELAY, p.rng)));
    const timer = timers.after(
      delayMs,
      async () => {
        this.pending.delete(name);
        await this.create(p, index);
      },
      { label: `nodepool launch ${name}`, priority: 'normal' },
    );
    const pending: PendingNode = { name, pool, delayMs, timer };
    this.pending.set(name, pending);
    return pending;
  }

  /** Cancels a launch that has not completed; false if there is none. */
  cancelLaunch(name: string): boolean {
    const p = this.pending.get(name);
    if (!p) return false;
    this.pending.delete(name);
    return this.opts.timers!.cancel(p.timer);
  }

  /**
   * Deletes a node (scale-down, consolidation, replacement). Records node.down when the node was
   * Ready; a node that had already failed was recorded down then. Pods still bound to it are the
   * kubelet's to clean up (PodGC). Returns false if the node did not exist.
   */
  async removeNode(name: string, cause: FailureCause | 'maintenance' | 'scale-down' = 'scale-down'): Promise<boolean> {
    let node: Node;
    try {
      node = await this.opts.client.get<Node>(NODE, name);
      await this.opts.client.delete(NODE, name);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return false;
      throw e;
    }
    const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (ready) this.trace.emit(TRACE.nodeDown, refOf(node), { cause });
    return true;
  }

  private state(pool: string): PoolState {
    const p = this.pools.get(pool);
    if (!p) throw new NodePoolError(pool, `no such pool (known: ${[...this.pools.keys()].join(', ') || 'none'})`);
    return p;
  }

  private async create(p: PoolState, index: number): Promise<Node> {
    const node = buildNode({
      pool: p.spec,
      index,
      ordinal: ++this.ordinal,
      now: this.opts.clock.now(),
      region: this.opts.region,
      kubeletVersion: this.opts.kubeletVersion,
      width: p.width,
    });
    let created: Node;
    try {
      created = await this.opts.client.create(node);
    } catch (e) {
      if (!isApiError(e, 'AlreadyExists')) throw e;
      // Registered before (a restarted driver, or a real cluster that keeps its nodes).
      return this.opts.client.get<Node>(NODE, node.metadata.name!);
    }
    this.trace.emit(TRACE.nodeReady, refOf(created), nodeData(p.spec.name, p.shape, created.metadata.labels?.[NODE_LABEL.zone]) as unknown as Record<string, unknown>);
    return created;
  }
}
