// The placement policies a scenario or a scheduler may name, as an explicit literal list. A new
// policy (binpack, topology) is one more entry here; a registry built from a list with a
// duplicate name throws, and asking for an unknown name throws listing the known ones.

import { leastAllocated, mostAllocated, type PlacementPolicy, type PlacementPolicyOptions } from './placement-policy.js';

export interface PlacementPolicyEntry {
  readonly name: string;
  readonly description: string;
  create(opts?: PlacementPolicyOptions): PlacementPolicy;
}

export const PLACEMENT_POLICIES: readonly PlacementPolicyEntry[] = Object.freeze([
  { name: 'least-allocated', description: 'spread: the node with the most free cpu and memory (kube-scheduler default)', create: leastAllocated },
  { name: 'most-allocated', description: 'pack: the fullest node that fits', create: mostAllocated },
]);

export type PlacementPolicyName = 'least-allocated' | 'most-allocated';

export class PlacementPolicyRegistry {
  private readonly entries = new Map<string, PlacementPolicyEntry>();

  constructor(entries: readonly PlacementPolicyEntry[] = PLACEMENT_POLICIES) {
    for (const e of entries) {
      if (typeof e.name !== 'string' || e.name === '') throw new Error('placement policy registry: a policy needs a non-empty name');
      if (this.entries.has(e.name)) {
        throw new Error(`placement policy registry: duplicate policy "${e.name}" (registered: ${[...this.entries.keys()].join(', ')})`);
      }
      this.entries.set(e.name, e);
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): PlacementPolicyEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`unknown placement policy "${name}" (known: ${this.names.join(', ')})`);
    return e;
  }

  create(name: string, opts?: PlacementPolicyOptions): PlacementPolicy {
    return this.entry(name).create(opts);
  }
}

/** A policy from the built-in list; unknown names throw and list the known ones. */
export function placementPolicy(name: string, opts?: PlacementPolicyOptions): PlacementPolicy {
  return new PlacementPolicyRegistry().create(name, opts);
}
