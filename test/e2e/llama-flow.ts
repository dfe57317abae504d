// The "Done when" for the llama-finetune RayJob, as one scenario both end-to-end files run
// (in-process over HTTP, and with `raysim apiserver` + `raysim operator` as child processes):
//
//   applied -> Initializing; one RayCluster owned by the RayJob with its head Service, 1 head and 4
//   worker pods carrying KubeRay's labels and owner references; pods marked ready -> cluster ready
//   -> Running, submitter Job created; the submitter submits to the fake dashboard, which goes
//   PENDING -> RUNNING -> SUCCEEDED; -> Complete (jobStatus SUCCEEDED, endTime); the RayCluster is
//   deleted (shutdownAfterJobFinishes) and the garbage collector takes its pods and Service.
//
// Every wait is bounded; a failure names what it waited for.

import path from 'node:path';
import { expect } from 'vitest';
import type { Job, Pod, Service } from '../../controller/api/core-types.js';
import type { RayCluster, RayJob } from '../../controller/api/types.js';
import { BATCH_JOB, POD, RAY_CLUSTER, RAY_JOB, SERVICE } from '../../controller/api/constants.js';
import { isApiError } from '../../controller/runtime/api-error.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { packageRoot, readManifests } from '../../sim/kube/manifests.js';
import { finishTerminatingPods, markPodsReady, runSubmitterJobs, waitUntil } from '../fixtures/kube-actors.js';
import type { FakeRayServer } from '../ray/fake-ray-server.js';

export const LLAMA_FILE = path.join(packageRoot(), 'scenarios', 'examples', 'llama-finetune.rayjob.yaml');

export function llamaRayJob(): KubeObject {
  const [m] = readManifests(LLAMA_FILE);
  return m!.object;
}

export interface FlowEnv {
  /** Reads and writes as the test's stand-ins (kubelet, submitter). */
  client: KubeClient;
  fake: FakeRayServer;
  /** Creates the llama RayJob in namespace "default" (client.create, or kubectl apply). */
  apply: () => Promise<void>;
  /** Extra context for failure messages (e.g. the operator's log). */
  context?: () => string;
  /** Bound on each wait (default 20 s). */
  waitMs?: number;
}

export interface FlowResult {
  cluster: string;
  submissionId: string;
  /** Milliseconds from apply to each milestone. */
  timings: Record<string, number>;
}

const NS = 'default';

async function gone(client: KubeClient, id: { apiVersion: string; kind: string }, name: string): Promise<boolean> {
  try {
    await client.get(id, name, NS);
    return false;
  } catch (e) {
    if (isApiError(e, 'NotFound')) return true;
    throw e;
  }
}

/** The KubeRay labels and the controller owner reference every Ray pod must carry. */
export function expectRayPod(pod: Pod, cluster: RayCluster, nodeType: 'head' | 'worker', group: string): void {
  const where = `pod ${pod.metadata.name}`;
  expect(pod.metadata.labels, where).toMatchObject({
    'ray.io/cluster': cluster.metadata.name,
    'ray.io/node-type': nodeType,
    'ray.io/group': group,
    'ray.io/is-ray-node': 'yes',
    'app.kubernetes.io/created-by': 'kuberay-operator',
  });
  const owners = (pod.metadata.ownerReferences ?? []).filter((r) => r.controller);
  expect(owners, where).toEqual([expect.objectContaining({ apiVersion: 'ray.io/v1', kind: 'RayCluster', name: cluster.metadata.name, uid: cluster.metadata.uid, controller: true })]);
}

export async function runLlamaFlow(env: FlowEnv): Promise<FlowResult> {
  const { client, fake } = env;
  const waitMs = env.waitMs ?? 20_000;
  const ctx = () => (env.context ? `\n--- context ---\n${env.context()}` : '');
  const wait = async <T>(what: string, fn: () => Promise<T | undefined | false>, ms = waitMs): Promise<T> => {
    try {
      return await waitUntil(what, fn, ms, 50);
    } catch (e) {
      throw new Error(`${(e as Error).message}${ctx()}`);
    }
  };
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (k: string) => (timings[k] = Date.now() - t0);
  const getJob = () => client.get<RayJob>(RAY_JOB, 'llama-finetune', NS);

  await env.apply();
  mark('applied');

  // Initializing, with the cluster it created.
  const initializing = await wait('RayJob llama-finetune to be Initializing with a cluster name', async () => {
    const j = await getJob();
    return j.status?.jobDeploymentStatus === 'Initializing' && j.status.rayClusterName ? j : undefined;
  });
  mark('initializing');
  const rayJob = await getJob();
  expect(rayJob.metadata.finalizers).toContain('ray.io/rayjob-finalizer');
  const clusterName = initializing.status!.rayClusterName!;
  expect(clusterName).toMatch(/^llama-finetune-[a-z0-9]{5}$/);

  // Exactly one RayCluster, owned by the RayJob.
  const clusters = await wait('a RayCluster', async () => {
    const l = (await client.list<RayCluster>(RAY_CLUSTER, { namespace: NS })).items;
    return l.length > 0 && l;
  });
  expect(clusters.map((c) => c.metadata.name)).toEqual([clusterName]);
  const cluster = clusters[0]!;
  expect(cluster.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'llama-finetune', uid: rayJob.metadata.uid, controller: true })]);
  expect(cluster.metadata.labels).toMatchObject({ 'ray.io/originated-from-cr-name': 'llama-finetune', 'ray.io/originated-from-crd': 'RayJob' });

  // Its head Service.
  const svc = await wait(`Service ${clusterName}-head-svc`, () => client.get<Service>(SERVICE, `${clusterName}-head-svc`, NS));
  expect(svc.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'RayCluster', name: clusterName, uid: cluster.metadata.uid, controller: true })]);
  expect(svc.spec?.selector).toMatchObject({ 'ray.io/cluster': clusterName, 'ray.io/node-type': 'head' });

  // 1 head pod and 4 workers, with KubeRay's labels and owner references.
  const selector = `ray.io/cluster=${clusterName}`;
  const pods = await wait('5 pods of the cluster', async () => {
    const l = (await client.list<Pod>(POD, { namespace: NS, labelSelector: selector })).items;
    return l.length >= 5 && l;
  });
  mark('pods');
  const heads = pods.filter((p) => p.metadata.labels?.['ray.io/node-type'] === 'head');
  const workers = pods.filter((p) => p.metadata.labels?.['ray.io/node-type'] === 'worker');
  expect(heads).toHaveLength(1);
  expect(workers).toHaveLength(4);
  expectRayPod(heads[0]!, cluster, 'head', 'headgroup');
  for (const w of workers) expectRayPod(w, cluster, 'worker', 'gpu-workers');
  // Still Initializing: nothing has started the pods.
  expect((await getJob()).status?.jobDeploymentStatus).toBe('Initializing');

  // The scheduler and kubelet start the pods; the submitter runs once the operator creates it.
  const submitter = runSubmitterJobs(client, fake.url, { namespace: NS, timeoutMs: 3 * waitMs });
  submitter.catch(() => undefined); // awaited below; do not let an early failure go unhandled
  expect(await markPodsReady(client, NS, selector, { count: 5, timeoutMs: waitMs })).toHaveLength(5);
  await wait('the RayCluster to be ready', async () => (await client.get<RayCluster>(RAY_CLUSTER, clusterName, NS)).status?.state === 'ready');
  mark('clusterReady');
  const running = await wait('RayJob Running with a submitter Job', async () => {
    const j = await getJob();
    return j.status?.jobDeploymentStatus === 'Running' && j;
  });
  mark('running');
  const submissionId = running.status!.jobId!;
  expect(running.status?.dashboardURL).toBe(`${clusterName}-head-svc.default.svc.cluster.local:8265`);
  const k8sJob = await client.get<Job>(BATCH_JOB, 'llama-finetune', NS);
  expect(k8sJob.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'RayJob', name: 'llama-finetune', uid: rayJob.metadata.uid, controller: true })]);

  // The Ray job: submitted by the submitter, then RUNNING, then SUCCEEDED.
  const submitted = await wait(`the submission ${submissionId} on the dashboard`, async () => fake.jobs.get(submissionId));
  expect(submitted.entrypoint).toBe('python train.py --model llama-3-8b');
  expect(submitted.status).toBe('PENDING');
  fake.setStatus(submissionId, 'RUNNING');
  await wait('RayJob jobStatus RUNNING', async () => (await getJob()).status?.jobStatus === 'RUNNING');
  mark('rayRunning');
  fake.setStatus(submissionId, 'SUCCEEDED');
  const runs = await submitter;
  expect(runs).toEqual([expect.objectContaining({ job: 'llama-finetune', submissionId, rayStatus: 'SUCCEEDED', outcome: 'Complete' })]);

  const complete = await wait('RayJob Complete', async () => {
    const j = await getJob();
    return j.status?.jobDeploymentStatus === 'Complete' && j;
  });
  mark('complete');
  expect(complete.status).toMatchObject({ jobStatus: 'SUCCEEDED', jobDeploymentStatus: 'Complete', succeeded: 1, failed: 0 });
  expect(complete.status?.endTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // shutdownAfterJobFinishes: the RayCluster goes, and with it (garbage collection) its pods and Service.
  await wait(`RayCluster ${clusterName} to be deleted`, () => gone(client, RAY_CLUSTER, clusterName));
  mark('clusterDeleted');
  await finishTerminatingPods(client, { namespace: NS, labelSelector: selector, untilNoneLeft: true, timeoutMs: waitMs }).catch((e) => {
    throw new Error(`${(e as Error).message}${ctx()}`);
  });
  await wait(`Service ${clusterName}-head-svc to be deleted`, () => gone(client, SERVICE, `${clusterName}-head-svc`));
  mark('podsGone');
  // The RayJob stays Complete, and the submitter Job stays for its logs.
  expect((await getJob()).status?.jobDeploymentStatus).toBe('Complete');
  expect((await client.get<Job>(BATCH_JOB, 'llama-finetune', NS)).status?.succeeded).toBe(1);
  return { cluster: clusterName, submissionId, timings };
}
