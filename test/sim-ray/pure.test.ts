// The pure pieces of sim/ray: reading KubeRay's submitter command line, dashboard addresses,
// workload hints from annotations, pod resources and liveness, checkpoint arithmetic.

import { describe, expect, it } from 'vitest';
import type { Container, RayJob } from '../../controller/api/types.js';
import { configureSubmitterContainer } from '../../controller/ray/rayjob/submitter.js';
import {
  lastCheckpoint,
  parseDashboardAddress,
  parseSubmitCommand,
  podResources,
  podStopReason,
  rayNodeIdentity,
  rayProcessAlive,
  rayProcessIncarnation,
  readWorkloadHints,
  shellWords,
} from '../../sim/ray/index.js';
import { makePod, makeRayJob } from '../fixtures/ray-builders.js';

function submitter(job: RayJob): Container {
  const c: Container = { name: 'ray-job-submitter', image: 'rayproject/ray:2.52.0' };
  configureSubmitterContainer(c, job, 'K8sJobMode');
  return c;
}

function jobWithStatus(): RayJob {
  const job = makeRayJob('llama').entrypoint('python train.py --model "llama 3" --lr=0.1').obj();
  job.status = { jobId: 'llama-x7k2p', dashboardURL: 'llama-abcde-head-svc.team-a.svc.cluster.local:8265' };
  return job;
}

describe('parseSubmitCommand', () => {
  it('reads the submission id, address and entrypoint (as written) of KubeRay\'s K8sJobMode command', () => {
    const c = submitter(jobWithStatus());
    const p = parseSubmitCommand(c);
    expect(p).toMatchObject({
      submissionId: 'llama-x7k2p',
      address: 'http://llama-abcde-head-svc.team-a.svc.cluster.local:8265',
      entrypoint: 'python train.py --model "llama 3" --lr=0.1',
      problems: [],
    });
    expect(p.request).toEqual({ submission_id: 'llama-x7k2p' });
  });

  it('reads runtime env, metadata and entrypoint resources (Go-quoted JSON) into the request', () => {
    const job = jobWithStatus();
    job.spec.runtimeEnvYAML = 'pip:\n  - "torch<3"\nenv_vars:\n  A: "x y"\n';
    job.spec.metadata = { team: 'a&b' };
    job.spec.entrypointNumCpus = 2;
    job.spec.entrypointNumGpus = 0.5;
    job.spec.entrypointResources = '{"custom": 1}';
    job.spec.rayClusterSpec!.rayVersion = '2.52.0';
    const p = parseSubmitCommand(submitter(job));
    expect(p.problems).toEqual([]);
    expect(p.request).toEqual({
      submission_id: 'llama-x7k2p',
      runtime_env: { env_vars: { A: 'x y' }, pip: ['torch<3'] },
      metadata: { team: 'a&b' },
      entrypoint_num_cpus: 2,
      entrypoint_num_gpus: 0.5,
      entrypoint_resources: { custom: 1 },
    });
    expect(p.entrypoint).toBe('python train.py --model "llama 3" --lr=0.1');
  });

  it('falls back to RAY_JOB_SUBMISSION_ID and RAY_DASHBOARD_ADDRESS when the command is the user\'s own', () => {
    const c: Container = {
      name: 'my-submitter',
      command: ['python', 'submit.py'],
      env: [
        { name: 'RAY_JOB_SUBMISSION_ID', value: 'sub-1' },
        { name: 'RAY_DASHBOARD_ADDRESS', value: 'rc-head-svc.ns.svc.cluster.local:8265' },
      ],
    };
    const p = parseSubmitCommand(c);
    expect(p).toMatchObject({ submissionId: 'sub-1', address: 'rc-head-svc.ns.svc.cluster.local:8265' });
    expect(p.entrypoint).toBeUndefined();
  });

  it('reports unreadable options and carries on', () => {
    const p = parseSubmitCommand({ name: 'c', command: ['/bin/sh', '-c'], args: ['ray job submit --address http://x:8265 --metadata-json "{oops" --entrypoint-num-cpus lots -- echo hi'] });
    expect(p.problems).toEqual(['--metadata-json: not JSON: {oops', '--entrypoint-num-cpus: not a number: lots']);
    expect(p.entrypoint).toBe('echo hi');
    expect(p.address).toBe('http://x:8265');
  });

  it('splits shell words with quotes, escapes and separators', () => {
    expect(shellWords(`a "b \\"c\\" d" 'e f';g && h`).map((w) => w.text)).toEqual(['a', 'b "c" d', 'e f', ';', 'g', '&&', 'h']);
  });
});

describe('parseDashboardAddress', () => {
  it.each([
    ['http://rc-head-svc.ns.svc.cluster.local:8265', { service: 'rc-head-svc', namespace: 'ns' }],
    ['rc-head-svc.ns.svc.cluster.local:8265', { service: 'rc-head-svc', namespace: 'ns' }],
    ['http://rc-head-svc:8265/', { service: 'rc-head-svc' }],
    ['', undefined],
  ])('%s', (address, expected) => {
    expect(parseDashboardAddress(address)).toEqual(expected);
  });
});

describe('readWorkloadHints', () => {
  it('annotations first, then submission metadata; problems for bad values', () => {
    expect(readWorkloadHints({ 'raysim.io/work-ms': '1000' }, { 'raysim.io/work-ms': '5', 'raysim.io/checkpoint-interval-ms': '300' })).toEqual({
      workMs: 1000,
      checkpointIntervalMs: 300,
      problems: [],
    });
    expect(readWorkloadHints({ 'raysim.io/fail': 'true', 'raysim.io/fail-after-ms': '42' })).toEqual({ fail: true, failAfterMs: 42, problems: [] });
    expect(readWorkloadHints({ 'raysim.io/fail': 'false' })).toEqual({ fail: false, problems: [] });
    const bad = readWorkloadHints({ 'raysim.io/work-ms': '-1', 'raysim.io/checkpoint-interval-ms': '0', 'raysim.io/fail': 'yes' });
    expect(bad.workMs).toBeUndefined();
    expect(bad.problems).toHaveLength(3);
    expect(readWorkloadHints(undefined, undefined)).toEqual({ problems: [] });
  });
});

describe('pods as Ray nodes', () => {
  it('identity from KubeRay labels; other pods are not Ray nodes', () => {
    expect(rayNodeIdentity(makePod('h').rayNode('rc', 'head').obj())).toEqual({ namespace: 'default', cluster: 'rc', type: 'head', group: 'headgroup' });
    expect(rayNodeIdentity(makePod('w').rayNode('rc', 'worker', 'gpu').obj())).toMatchObject({ type: 'worker', group: 'gpu' });
    expect(rayNodeIdentity(makePod('x').obj())).toBeUndefined();
  });

  it('resources are limits (else requests) summed over containers', () => {
    const pod = makePod('w').rayNode('rc', 'worker').requests({ cpu: '500m', memory: '1Gi', gpu: 4 }).obj();
    pod.spec.containers[0]!.resources!.limits = { cpu: 2, 'nvidia.com/gpu': 8 };
    pod.spec.containers.push({ name: 'side', resources: { requests: { cpu: '250m', memory: '512Mi' } } });
    expect(podResources(pod)).toEqual({ cpuMilli: 2250, memoryBytes: 1.5 * 2 ** 30, gpus: 8 });
  });

  it('alive while Running with the Ray container running and no deletionTimestamp', () => {
    expect(rayProcessAlive(makePod('p').rayNode('rc', 'worker').obj())).toBe(false);
    expect(rayProcessAlive(makePod('p').rayNode('rc', 'worker').running().obj())).toBe(true);
    expect(rayProcessAlive(makePod('p').rayNode('rc', 'worker').ready().terminating().obj())).toBe(false);
    expect(rayProcessAlive(makePod('p').rayNode('rc', 'worker').failed('OOMKilled', 137).obj())).toBe(false);
    const waiting = makePod('p').rayNode('rc', 'worker').ready().obj();
    waiting.status!.containerStatuses![0]!.state = { waiting: { reason: 'CrashLoopBackOff' } };
    expect(rayProcessAlive(waiting)).toBe(false);
  });

  it('incarnation changes with the Ray container\'s restart count; stop reasons', () => {
    const pod = makePod('p').uid('u1').rayNode('rc', 'worker').ready().obj();
    expect(rayProcessIncarnation(pod)).toBe('u1#0');
    pod.status!.containerStatuses![0]!.restartCount = 2;
    expect(rayProcessIncarnation(pod)).toBe('u1#2');
    expect(podStopReason(makePod('p').rayNode('rc', 'worker').failed('faulty-gpu').obj())).toBe('faulty-gpu');
    expect(podStopReason(makePod('p').rayNode('rc', 'worker').ready().terminating().obj())).toBe('pod-deleted');
    expect(podStopReason(makePod('p').rayNode('rc', 'worker').ready().obj(), true)).toBe('pod-deleted');
    expect(podStopReason(makePod('p').rayNode('rc', 'worker').pending().obj())).toBe('pod-stopped');
  });
});

describe('lastCheckpoint', () => {
  it.each([
    [25_000, 10_000, 20_000],
    [9_999, 10_000, 0],
    [30_000, 10_000, 30_000],
    [25_000, undefined, 0],
  ])('progress %i, interval %s -> %i', (progress, interval, expected) => {
    expect(lastCheckpoint(progress, interval)).toBe(expected);
  });
});
