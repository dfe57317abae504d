// The batch schedulers raysim knows, as an explicit literal list (KubeRay's getSchedulerFactory
// switch over --batch-scheduler). Unknown names throw and list the known ones; so does a registry
// built with a duplicate name. No import-time side effects.

import { DefaultBatchScheduler, type BatchScheduler } from './batch-scheduler.js';
import { VolcanoBatchScheduler } from './volcano.js';

export interface BatchSchedulerFactory {
  readonly name: string;
  create(): BatchScheduler;
}

/** KubeRay's flag values raysim implements. (yunikorn, kai-scheduler and scheduler-plugins are not.) */
export const BATCH_SCHEDULER_FACTORIES: readonly BatchSchedulerFactory[] = [
  { name: 'default', create: () => new DefaultBatchScheduler() },
  { name: 'volcano', create: () => new VolcanoBatchScheduler() },
];

export class BatchSchedulerRegistry {
  private readonly factories = new Map<string, BatchSchedulerFactory>();

  constructor(factories: readonly BatchSchedulerFactory[] = BATCH_SCHEDULER_FACTORIES) {
    for (const f of factories) {
      if (this.factories.has(f.name)) throw new Error(`batch scheduler "${f.name}" registered twice (known: ${this.names().join(', ')})`);
      this.factories.set(f.name, f);
    }
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  /** The scheduler named `name`; unset or "" means the default one. */
  create(name?: string): BatchScheduler {
    const key = name === undefined || name === '' ? 'default' : name;
    const f = this.factories.get(key);
    if (!f) throw new Error(`the scheduler is not supported, name=${key} (known: ${this.names().join(', ')})`);
    return f.create();
  }
}

/** A scheduler from the built-in list (the --batch-scheduler flag). */
export function createBatchScheduler(name?: string): BatchScheduler {
  return new BatchSchedulerRegistry().create(name);
}
