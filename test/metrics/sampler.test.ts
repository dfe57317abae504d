import { describe, expect, it } from 'vitest';
import { Sampler } from '../../sim/metrics/sampler.js';
import { trace } from './trace-builder.js';

describe('Sampler', () => {
  it('counts ready GPUs, allocated and busy GPUs, pending and running pods from the trace', () => {
    const s = new Sampler();
    const records = trace()
      .nodeReady('n1', { gpus: 8 })
      .nodeReady('n2', { gpus: 8 })
      .unschedulable('p1', '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.')
      .bind('p1', 'n1', 4)
      .podRunning('p1', 'n1')
      .bind('p2', 'n2', 8)
      .records();
    for (const r of records) s.add(r);
    expect(s.snapshot()).toMatchObject({ gpusTotal: 16, gpusAllocated: 12, nodesReady: 2, podsPending: 0, podsRunning: 1 });
    for (const r of trace().atSec(10).nodeDown('n2', 'faulty-gpu').podDeleted('p1').records()) if (r.type !== 'trace.header') s.add(r);
    expect(s.snapshot()).toMatchObject({ gpusTotal: 8, nodesReady: 1, podsRunning: 0 });
  });
});
