// The same Scheduler on RealManager, on the wall clock, against raysim's API server over HTTP
// (HttpKubeClient, as against any Kubernetes API server): binding through the pods/binding
// subresource, the PodScheduled=False condition through a strategic-merge status patch, and a
// retry when a pod is deleted. Every wait is bounded.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POD } from '../../controller/api/constants.js';
import type { Pod } from '../../controller/api/core-types.js';
import { createScheduler } from '../../controller/scheduler/index.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import { RealManager } from '../../controller/runtime/real-manager.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import { waitFor } from '../runtime/kube-client-conformance.js';
import { h100Node, makePod } from './fixtures.js';

let server: ApiServer;
let client: HttpKubeClient;
let mgr: RealManager | undefined;

beforeEach(async () => {
  const store = createWallClockStore('scheduler-real', { defaultCrds: false, freezeObjects: true });
  server = new ApiServer({ store, clock: wallClock, port: 0 });
  client = HttpKubeClient.forServer(await server.listen());
});

afterEach(async () => {
  await mgr?.stop();
  mgr = undefined;
  await server.close();
});

describe('scheduler on RealManager over HTTP', () => {
  it('binds, reports Unschedulable, and places the waiting pod when room frees up', async () => {
    for (const n of ['h100-00', 'h100-01']) await client.create(h100Node(n));
    const recorder = new MemoryEventRecorder();
    mgr = new RealManager(client, { recorder: () => recorder, resyncMs: 0 });
    mgr.add(createScheduler({ policy: 'most-allocated', initialBackoffMs: 50, maxBackoffMs: 200 }));
    await mgr.start();
    const pod = (name: string, gpus: number) => makePod(name).gpu(gpus).cpuMem('8', '64Gi').obj();
    const get = (name: string) => client.get<Pod>(POD, name, 'default');
    for (const [name, gpus] of [['a', 4], ['b', 4], ['c', 8]] as const) await client.create(pod(name, gpus));
    // most-allocated packs a and b onto one node.
    await waitFor('a, b and c bound', async () => (await Promise.all(['a', 'b', 'c'].map(get))).every((p) => p.spec.nodeName) || undefined, 10_000);
    expect((await get('a')).spec.nodeName).toBe((await get('b')).spec.nodeName);
    await client.create(pod('d', 8));
    const cond = await waitFor(
      'd marked Unschedulable',
      async () => (await get('d')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
      10_000,
    );
    expect(cond).toMatchObject({ reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.' });
    await client.delete(POD, 'c', 'default', { gracePeriodSeconds: 0 });
    const node = await waitFor('d bound', async () => (await get('d')).spec.nodeName, 10_000);
    expect(node).toMatch(/^h100-0[01]$/);
    expect(recorder.events.filter((e) => e.reason === 'Scheduled').map((e) => e.message)).toContain(`Successfully assigned default/d to ${node}`);
    expect(recorder.events.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning')).toBe(true);
    expect(mgr.programmingErrors).toEqual([]);
  });
});
