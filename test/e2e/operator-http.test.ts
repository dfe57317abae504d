// The operator end to end, in process but on the real path: the ApiServer (HTTP on 127.0.0.1, a
// wall-clock store), startOperator with the real manager talking to it through HttpKubeClient
// (@kubernetes/client-node underneath), and a fake Ray dashboard over HTTP. The test plays the
// scheduler, the kubelet and the submitter pod (fixtures/kube-actors.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../controller/api/core-types.js';
import type { RayCluster, RayJob } from '../../controller/api/types.js';
import { POD, RAY_CLUSTER, SERVICE } from '../../controller/api/constants.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import { createLogger } from '../../controller/runtime/logger.js';
import type { RealManager } from '../../controller/runtime/real-manager.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import { startOperator } from '../../sim/operator.js';
import { finishTerminatingPods, markPodsReady, waitUntil } from '../fixtures/kube-actors.js';
import { FakeRayServer } from '../ray/fake-ray-server.js';
import { expectRayPod, llamaRayJob, runLlamaFlow } from './llama-flow.js';

describe('raysim operator in process, over HTTP', () => {
  let server: ApiServer;
  let fake: FakeRayServer;
  let manager: RealManager | undefined;
  let client: HttpKubeClient;
  const log: string[] = [];
  const context = () => log.slice(-60).join('\n');

  beforeAll(async () => {
    server = new ApiServer({ store: createWallClockStore('e2e-http'), clock: wallClock, port: 0 });
    const url = await server.listen();
    fake = new FakeRayServer();
    await fake.start();
    client = HttpKubeClient.forServer(url);
    manager = await startOperator({
      client: HttpKubeClient.forServer(url, { userAgent: 'raysim-operator-e2e' }),
      dashboardUrl: fake.url,
      installCrds: true,
      logger: createLogger({ level: 'info', format: 'text', clock: wallClock, sink: (l) => log.push(l) }),
    });
  });

  afterAll(async () => {
    await manager?.stop();
    await fake?.stop();
    await server?.close();
  });

  it('runs the llama-finetune RayJob: Initializing, 1 head + 4 workers, Complete, cluster deleted', async () => {
    const result = await runLlamaFlow({
      client,
      fake,
      apply: async () => void (await client.create({ ...llamaRayJob(), metadata: { ...llamaRayJob().metadata, namespace: 'default' } })),
      context,
    });
    console.log(`[operator-http] llama-finetune milestones (ms after apply): ${JSON.stringify(result.timings)}`);
    expect(manager!.programmingErrors).toEqual([]);
    // Every transition written once (a reconcile from a stale cache must not report one twice).
    const text = log.join('\n');
    for (const t of ['from=New to=Initializing', 'from=Initializing to=Running', 'from=Running to=Complete']) expect(text.split(t).length - 1, t).toBe(1);
    // Nothing logged at ERROR, and no conflict loop: a reconcile working from a cache one write
    // behind is refused with 409 and retried, a handful of times over the whole run.
    expect(log.filter((l) => / ERROR /.test(l))).toEqual([]);
    expect(log.filter((l) => /reconcile failed|status update failed/.test(l)).length).toBeLessThan(40);
  });

  it('a RayCluster applied directly becomes ready once its pods run, and its deletion takes the pods', async () => {
    const spec = structuredClone((llamaRayJob().spec as RayJob['spec']).rayClusterSpec!);
    spec.workerGroupSpecs![0]!.replicas = 2;
    await client.create<RayCluster>({ apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'direct', namespace: 'default' }, spec });
    const selector = 'ray.io/cluster=direct';
    const pods = await waitUntil('3 pods of RayCluster direct', async () => {
      const l = (await client.list<Pod>(POD, { namespace: 'default', labelSelector: selector })).items;
      return l.length >= 3 && l;
    });
    expect(pods).toHaveLength(3);
    const cluster = await client.get<RayCluster>(RAY_CLUSTER, 'direct', 'default');
    expect(cluster.status?.state).toBeUndefined();
    for (const p of pods) {
      const head = p.metadata.labels?.['ray.io/node-type'] === 'head';
      expectRayPod(p, cluster, head ? 'head' : 'worker', head ? 'headgroup' : 'gpu-workers');
    }
    await client.get<Service>(SERVICE, 'direct-head-svc', 'default');

    await markPodsReady(client, 'default', selector, { count: 3 });
    const ready = await waitUntil(`RayCluster direct to be ready${context()}`, async () => {
      const c = await client.get<RayCluster>(RAY_CLUSTER, 'direct', 'default');
      return c.status?.state === 'ready' && c;
    });
    expect(ready.status).toMatchObject({ readyWorkerReplicas: 2, availableWorkerReplicas: 2, desiredWorkerReplicas: 2, head: { serviceName: 'direct-head-svc' } });
    expect(ready.status?.head?.podIP).toMatch(/^10\./);

    await client.delete(RAY_CLUSTER, 'direct', 'default');
    await waitUntil('RayCluster direct to be gone', async () => client.get(RAY_CLUSTER, 'direct', 'default').then(() => false, (e) => isApiError(e, 'NotFound')));
    const finished = await finishTerminatingPods(client, { namespace: 'default', labelSelector: selector, untilNoneLeft: true });
    expect(finished.sort()).toEqual(pods.map((p) => p.metadata.name!).sort());
    await waitUntil('Service direct-head-svc to be gone', async () => client.get(SERVICE, 'direct-head-svc', 'default').then(() => false, (e) => isApiError(e, 'NotFound')));
    expect(manager!.programmingErrors).toEqual([]);
  });
});
