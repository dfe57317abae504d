// Node and GPU faults drawn from a scenario's rates: each node fails as a Poisson process
// (Llama 3: ~3.8e-3 unexpected interruptions per 8-GPU node-day), with a cause drawn from the
// weighted table, and comes back after a drawn repair time; GPU errors drop a node's allocatable
// GPUs until repaired; maintenance events cordon nodes (and optionally fail their pods) for a while.
// Decisions come from the injector's own Rng fork, so turning faults on never shifts another
// component's random numbers; effects go through the kubelet's fault hooks.

import type { Rng } from '../core/clock.js';
import { sample, type Distribution } from '../core/distribution.js';
import { exponential, weighted } from '../core/rng.js';
import type { Simulation } from '../core/simulation.js';
import type { FailureCause } from '../core/trace-events.js';
import type { Kubelet } from '../cluster/kubelet.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';

const NODE = { apiVersion: 'v1', kind: 'Node' };

const DAY_MS = 86_400_000;

export interface NodeFaultsOptions {
  nodeFailures?: { ratePerNodeDay: number; causes: Partial<Record<FailureCause, number>>; repair: Distribution };
  gpuErrors?: { ratePerNodeDay: number; gpus: Distribution; causes: Partial<Record<FailureCause, number>>; repair: Distribution };
  maintenance?: { atMs: number; nodes: string[]; drain: boolean; durationMs: number }[];
  /** Faults stop being scheduled after this virtual time (ms since the start). */
  untilMs: number;
}

export class NodeFaults {
  /** Nodes currently down, so a second failure of a down node is not drawn twice. */
  private readonly down = new Set<string>();
  private readonly gpuDegraded = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly kubelet: Kubelet,
    private readonly client: KubeClient,
    private readonly rng: Rng,
    private readonly opts: NodeFaultsOptions,
  ) {}

  /** Schedules the first failure of each node; later ones are scheduled as each node recovers. */
  start(nodes: readonly string[], gpusPerNode: (node: string) => number): void {
    const f = this.opts.nodeFailures;
    if (f && f.ratePerNodeDay > 0) for (const n of nodes) this.scheduleFailure(n, this.rng.fork(`node/${n}`));
    const g = this.opts.gpuErrors;
    if (g && g.ratePerNodeDay > 0) for (const n of nodes) this.scheduleGpuError(n, this.rng.fork(`gpu/${n}`), gpusPerNode(n));
    for (const m of this.opts.maintenance ?? []) {
      this.sim.at(this.sim.startTime + m.atMs, async () => {
        for (const n of m.nodes) await this.failFor(n, 'maintenance', m.durationMs, m.drain);
      }, { label: 'maintenance' });
    }
  }

  private scheduleFailure(node: string, rng: Rng): void {
    const f = this.opts.nodeFailures!;
    const at = this.sim.elapsed() + exponential(rng, f.ratePerNodeDay / DAY_MS);
    if (at > this.opts.untilMs) return;
    this.sim.at(this.sim.startTime + at, async () => {
      if (!this.down.has(node)) {
        const cause = weighted(rng, causeTable(f.causes));
        await this.failFor(node, cause, sample(f.repair, rng), true);
      }
      this.scheduleFailure(node, rng);
    }, { label: `node failure ${node}` });
  }

  private async failFor(node: string, cause: FailureCause | 'maintenance', forMs: number, failPods: boolean): Promise<void> {
    if (this.down.has(node)) return;
    this.down.add(node);
    // Maintenance without drain only cordons the node: running pods stay, new ones go elsewhere.
    // Drained maintenance cordons and evicts (graceful deletion, as kubectl drain). Failures take
    // the node NotReady and fail its pods, as a real node loss does.
    const cordon = (unschedulable: boolean) => this.client.patch(NODE, node, undefined, { spec: { unschedulable } }, 'merge');
    const drain = cause === 'maintenance' && failPods;
    if (drain) await this.kubelet.drainNode(node);
    else if (failPods) await this.kubelet.failNode(node, cause as FailureCause);
    else await cordon(true);
    this.sim.after(Math.max(0, forMs), async () => {
      this.down.delete(node);
      if (drain) await this.kubelet.uncordonNode(node);
      else if (failPods) await this.kubelet.repairNode(node);
      else await cordon(false);
    }, { label: `node repair ${node}` });
  }

  private scheduleGpuError(node: string, rng: Rng, gpus: number): void {
    const g = this.opts.gpuErrors!;
    const at = this.sim.elapsed() + exponential(rng, g.ratePerNodeDay / DAY_MS);
    if (at > this.opts.untilMs) return;
    this.sim.at(this.sim.startTime + at, async () => {
      if (!this.down.has(node) && !this.gpuDegraded.has(node)) {
        const lost = Math.min(gpus, Math.max(1, Math.round(sample(g.gpus, rng))));
        const cause = weighted(rng, causeTable(g.causes));
        this.gpuDegraded.add(node);
        await this.kubelet.setAllocatableGpus(node, gpus - lost, cause);
        this.sim.after(Math.max(0, sample(g.repair, rng)), async () => {
          this.gpuDegraded.delete(node);
          await this.kubelet.setAllocatableGpus(node, gpus, cause);
        }, { label: `gpu repair ${node}` });
      }
      this.scheduleGpuError(node, rng, gpus);
    }, { label: `gpu error ${node}` });
  }
}

function causeTable(causes: Partial<Record<FailureCause, number>>): { weight: number; value: FailureCause }[] {
  // Sorted so the table (and so the draws) do not depend on object key order.
  return (Object.entries(causes) as [FailureCause, number][])
    .filter(([, w]) => w > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([value, weight]) => ({ value, weight }));
}
