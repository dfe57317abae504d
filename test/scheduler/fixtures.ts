// Fluent builders for scheduler tests, fresh per call: makeNode('n').h100().obj(),
// makePod('p').gpu(8).obj(). The h100 shape is AWS p5.48xlarge as Karpenter lists it
// (../shared/docs/H100.md): cpu 191450m, memory 1938410Mi, nvidia.com/gpu 8, pods 100, tainted
// nvidia.com/gpu:NoSchedule.

import type { ConditionStatus, Node, NodeSelectorTerm, Pod, ResourceList, TaintEffect, Toleration } from '../../controller/api/core-types.js';

export const H100_ALLOCATABLE: ResourceList = { cpu: '191450m', memory: '1938410Mi', 'nvidia.com/gpu': '8', pods: '100' };
export const CPU_NODE_ALLOCATABLE: ResourceList = { cpu: '95690m', memory: '373552Mi', pods: '110' };
export const GPU_TAINT = { key: 'nvidia.com/gpu', effect: 'NoSchedule' as const };
export const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

export class NodeBuilder {
  private readonly node: Node;

  constructor(name: string) {
    this.node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: { allocatable: {}, capacity: {}, conditions: [{ type: 'Ready', status: 'True' }] } };
  }

  allocatable(rl: ResourceList): this {
    this.node.status!.allocatable = { ...rl };
    this.node.status!.capacity = { ...rl };
    return this;
  }

  h100(): this {
    return this.allocatable(H100_ALLOCATABLE).taint(GPU_TAINT.key, GPU_TAINT.effect).label('node.kubernetes.io/instance-type', 'p5.48xlarge');
  }

  cpu(): this {
    return this.allocatable(CPU_NODE_ALLOCATABLE).label('node.kubernetes.io/instance-type', 'm7i.24xlarge');
  }

  taint(key: string, effect: TaintEffect = 'NoSchedule', value?: string): this {
    (this.node.spec!.taints ??= []).push(value === undefined ? { key, effect } : { key, value, effect });
    return this;
  }

  label(k: string, v: string): this {
    this.node.metadata.labels![k] = v;
    return this;
  }

  unschedulable(on = true): this {
    this.node.spec!.unschedulable = on;
    return this;
  }

  ready(status: ConditionStatus): this {
    this.node.status!.conditions = [{ type: 'Ready', status }];
    return this;
  }

  noConditions(): this {
    this.node.status!.conditions = [];
    return this;
  }

  obj(): Node {
    return structuredClone(this.node);
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export function h100Node(name: string): Node {
  return makeNode(name).h100().obj();
}

export class PodBuilder {
  private readonly pod: Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'rayproject/ray:2.34.0', resources: {} }] },
    };
  }

  private get main() {
    return this.pod.spec.containers[0]!;
  }

  namespace(ns: string): this {
    this.pod.metadata.namespace = ns;
    return this;
  }

  requests(rl: ResourceList): this {
    this.main.resources!.requests = { ...(this.main.resources!.requests ?? {}), ...rl };
    return this;
  }

  limits(rl: ResourceList): this {
    this.main.resources!.limits = { ...(this.main.resources!.limits ?? {}), ...rl };
    return this;
  }

  /** n GPUs as limits (requests default from them) and the GPU toleration, as GPU pods carry. */
  gpu(n: number, tolerate = true): this {
    this.limits({ 'nvidia.com/gpu': String(n) });
    return tolerate ? this.tolerate(GPU_TOLERATION) : this;
  }

  cpuMem(cpu: string, memory: string): this {
    return this.requests({ cpu, memory });
  }

  container(name: string, requests: ResourceList, opts: { init?: boolean; sidecar?: boolean } = {}): this {
    const c = { name, image: 'busybox', resources: { requests: { ...requests } }, ...(opts.sidecar ? { restartPolicy: 'Always' } : {}) };
    if (opts.init || opts.sidecar) (this.pod.spec.initContainers ??= []).push(c);
    else this.pod.spec.containers.push(c);
    return this;
  }

  tolerate(t: Toleration): this {
    (this.pod.spec.tolerations ??= []).push(t);
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.pod.spec.nodeSelector = { ...sel };
    return this;
  }

  requireAffinity(...terms: NodeSelectorTerm[]): this {
    this.pod.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
    return this;
  }

  priority(p: number): this {
    this.pod.spec.priority = p;
    return this;
  }

  priorityClass(name: string): this {
    this.pod.spec.priorityClassName = name;
    return this;
  }

  scheduler(name: string): this {
    this.pod.spec.schedulerName = name;
    return this;
  }

  node(name: string): this {
    this.pod.spec.nodeName = name;
    return this;
  }

  created(ts: string): this {
    this.pod.metadata.creationTimestamp = ts;
    return this;
  }

  label(k: string, v: string): this {
    (this.pod.metadata.labels ??= {})[k] = v;
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }
}

export function makePod(name: string): PodBuilder {
  return new PodBuilder(name);
}

export function pad(i: number, width = 2): string {
  return String(i).padStart(width, '0');
}
