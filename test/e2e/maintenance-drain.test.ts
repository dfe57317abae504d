// Planned maintenance with drain, as `kubectl drain` does it: the node is cordoned and its pods are
// evicted (deleted gracefully, not failed); the RayCluster controller recreates the evicted worker
// elsewhere, the Ray job restarts from its checkpoint and completes; the node comes back after the
// window. It is planned: no node failure is counted.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenarios/loader.js';
import { runScenario } from '../../sim/run.js';

const SCENARIO = `
name: drain
seed: 3
duration: 4h
metricsSampleInterval: 5m
cluster:
  nodePools:
    - { name: gpu-a, count: 1, shape: h100-8x }
    - { name: gpu-b, count: 1, shape: h100-8x }
    - { name: cpu, count: 1, shape: cpu-96 }
workloads:
  manifests:
    - at: 0s
      object:
        apiVersion: ray.io/v1
        kind: RayJob
        metadata:
          name: train
          annotations: { raysim.io/work-ms: "7200000", raysim.io/checkpoint-interval-ms: "600000" }
        spec:
          entrypoint: python train.py
          shutdownAfterJobFinishes: true
          rayClusterSpec:
            rayVersion: '2.34.0'
            headGroupSpec:
              rayStartParams: {}
              template:
                spec:
                  nodeSelector: { raysim.io/pool: cpu }
                  containers: [{ name: ray-head, image: rayproject/ray:2.34.0, resources: { limits: { cpu: 4, memory: 16Gi } } }]
            workerGroupSpecs:
              - groupName: gpu
                replicas: 1
                rayStartParams: {}
                template:
                  spec:
                    containers: [{ name: ray-worker, image: rayproject/ray:2.34.0, resources: { limits: { cpu: 64, memory: 512Gi, nvidia.com/gpu: 8 } } }]
faults:
  maintenance:
    - { at: 30m, pool: POOL, duration: 1h }
`;

interface Rec {
  t: number;
  type: string;
  ref?: { kind?: string; name?: string };
  reason?: string;
  data?: Record<string, unknown>;
}

async function run(pool: string): Promise<{ recs: Rec[]; failures: number; completed: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-drain-'));
  try {
    const file = path.join(dir, 'trace.jsonl');
    const r = await runScenario({ scenario: parseScenario(SCENARIO.replace('POOL', pool), 'drain.yaml'), traceFile: file });
    expect(r.programmingErrors).toEqual([]);
    const recs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    return { recs, failures: r.metrics.node_failures, completed: r.metrics.jobs_completed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('maintenance with drain', () => {
  it('evicts the worker gracefully; it is recreated elsewhere and the job resumes from its checkpoint', async () => {
    // Drain whichever GPU node the worker landed on.
    const probe = await run('cpu');
    const bound = probe.recs.find((r) => r.type === 'pod.bound' && r.ref?.name?.includes('-gpu-worker-'))!;
    const node = String(bound.data!.node);
    const pool = node.replace(/-\d+$/, '');
    expect(['gpu-a', 'gpu-b']).toContain(pool);

    const { recs, failures, completed } = await run(pool);
    const at = 30 * 60_000;
    const down = recs.find((r) => r.type === 'node.down');
    expect(down).toMatchObject({ t: at, ref: { name: node }, data: { cause: 'maintenance' } });
    // Evicted, not failed: the worker pod is deleted after its graceful stop; nothing is NodeLost.
    const worker = bound.ref!.name!;
    expect(recs.some((r) => r.type === 'pod.deleted' && r.ref?.name === worker && r.t >= at)).toBe(true);
    expect(recs.some((r) => r.type === 'pod.finished' && JSON.stringify(r.data).includes('NodeLost'))).toBe(false);
    const interrupted = recs.find((r) => r.type === 'job.interrupted');
    expect(interrupted?.data).toMatchObject({ restartFromCheckpoint: true, nodeType: 'worker' });
    // A new worker runs on the other GPU node while the drained one is cordoned.
    const rebound = recs.find((r) => r.type === 'pod.bound' && r.t > at && r.ref?.name?.includes('-gpu-worker-'));
    expect(rebound?.data?.node).not.toBe(node);
    expect(recs.find((r) => r.type === 'node.repaired')).toMatchObject({ t: at + 3_600_000, ref: { name: node } });
    expect(completed).toBe(1);
    expect(failures).toBe(0);
  }, 60_000);
});
