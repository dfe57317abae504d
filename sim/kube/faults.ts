// Fault hooks for scenarios that stress controllers: added latency per verb, injected
// 409/429/500 errors at a rate, dropped watch connections and stale reads. All draws come from
// the injector's own seeded stream, so turning faults on never shifts another component's
// random numbers, and the same seed gives the same faults.

import { ApiError, errors } from '../../controller/runtime/api-error.js';
import type { Rng } from '../core/clock.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export const VERBS: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export interface InjectedError {
  /** HTTP code to inject: 409 Conflict, 429 TooManyRequests or 500 InternalError. */
  code: 409 | 429 | 500;
  /** Probability per request in [0, 1]. */
  rate: number;
  /** Verbs affected (default: every verb but watch). */
  verbs?: Verb[];
  /** Resources affected as group-qualified plurals ("pods", "rayjobs.ray.io"); default all. */
  resources?: string[];
}

export interface FaultConfig {
  /** Added latency in ms per verb: a fixed number or a uniform [min, max] range. */
  latencyMs?: Partial<Record<Verb, number | [number, number]>>;
  errors?: InjectedError[];
  /** Probability, per delivered watch event, that the watch connection is dropped. */
  dropWatchRate?: number;
  /** Probability that a get returns the object's previous version when one is retained. */
  staleReadRate?: number;
}

export class FaultInjector {
  private config: FaultConfig = {};

  constructor(private readonly rng: Rng) {}

  configure(config: FaultConfig): void {
    for (const e of config.errors ?? []) {
      if (![409, 429, 500].includes(e.code)) throw new Error(`injected error code must be 409, 429 or 500, got ${e.code}`);
      if (!(e.rate >= 0 && e.rate <= 1)) throw new Error(`injected error rate must be in [0, 1], got ${e.rate}`);
    }
    this.config = config;
  }

  /** >0 while a fault-exempt caller runs (see MemoryClientOptions.exemptFromFaults). */
  suspended = 0;

  get active(): boolean {
    if (this.suspended > 0) return false;
    const c = this.config;
    return !!(c.latencyMs || c.errors?.length || c.dropWatchRate || c.staleReadRate);
  }

  /** Throws the injected error for this request, if the dice say so. */
  check(verb: Verb, resource: string, name = ''): void {
    if (this.suspended > 0) return;
    for (const e of this.config.errors ?? []) {
      if (e.verbs ? !e.verbs.includes(verb) : verb === 'watch') continue;
      if (e.resources && !e.resources.includes(resource)) continue;
      if (this.rng.next() >= e.rate) continue;
      throw injected(e.code, resource, name);
    }
  }

  latency(verb: Verb): number {
    const l = this.config.latencyMs?.[verb];
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l[0] + this.rng.next() * (l[1] - l[0]);
  }

  dropWatch(): boolean {
    if (this.suspended > 0) return false;
    const r = this.config.dropWatchRate;
    return !!r && this.rng.next() < r;
  }

  staleRead(): boolean {
    if (this.suspended > 0) return false;
    const r = this.config.staleReadRate;
    return !!r && this.rng.next() < r;
  }
}

function injected(code: 409 | 429 | 500, resource: string, name: string): ApiError {
  switch (code) {
    case 409:
      return errors.conflict(resource, '', name, 'the object has been modified; please apply your changes to the latest version and try again (injected)');
    case 429:
      return errors.tooManyRequests('the server has received too many requests and has asked us to try again later (injected)');
    case 500:
      return errors.internal('an error on the server ("injected fault") has prevented the request from succeeding');
  }
}
