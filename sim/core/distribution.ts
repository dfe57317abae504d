// Distributions that scenario files use for durations, counts and delays, and their sampler.
// Values are plain numbers in the caller's unit (milliseconds for durations); the scenario loader
// converts "5m"-style strings before they get here. Sampling draws from the Rng it is given, so
// each component keeps its own stream.

import type { Rng } from './clock.js';
import { exponential, lognormal } from './rng.js';

export type Distribution =
  | { kind: 'fixed'; value: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'exponential'; mean: number }
  /** mu and sigma of the underlying normal (of ln x). */
  | { kind: 'lognormal'; mu: number; sigma: number }
  /** Draws one of the values, each equally likely (a trace's observed values). */
  | { kind: 'empirical'; values: number[] }
  /** Integer-valued choice with weights, e.g. worker counts. */
  | { kind: 'choice'; values: number[]; weights?: number[] };

export function sample(d: Distribution, rng: Rng): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.min + rng.next() * (d.max - d.min);
    case 'exponential':
      return exponential(rng, 1 / d.mean);
    case 'lognormal':
      return lognormal(rng, d.mu, d.sigma);
    case 'empirical':
      return d.values[Math.floor(rng.next() * d.values.length)];
    case 'choice': {
      if (!d.weights) return d.values[Math.floor(rng.next() * d.values.length)];
      const total = d.weights.reduce((a, b) => a + b, 0);
      let x = rng.next() * total;
      for (let i = 0; i < d.values.length; i++) {
        x -= d.weights[i];
        if (x < 0) return d.values[i];
      }
      return d.values[d.values.length - 1];
    }
  }
}

/** The distribution's mean, for summaries and sanity checks. */
export function mean(d: Distribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'exponential':
      return d.mean;
    case 'lognormal':
      return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case 'empirical':
      return d.values.reduce((a, b) => a + b, 0) / d.values.length;
    case 'choice': {
      if (!d.weights) return d.values.reduce((a, b) => a + b, 0) / d.values.length;
      const total = d.weights.reduce((a, b) => a + b, 0);
      return d.values.reduce((a, v, i) => a + v * d.weights![i], 0) / total;
    }
  }
}

/** lognormal parameters from a median and a 90th percentile (how people state durations). */
export function lognormalFromMedianP90(median: number, p90: number): Distribution {
  const z90 = 1.2815515655446004;
  return { kind: 'lognormal', mu: Math.log(median), sigma: Math.log(p90 / median) / z90 };
}
