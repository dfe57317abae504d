// The pod and service builders of controller/ray/common against KubeRay's BuildPod /
// BuildServiceForHeadPod: names, labels, owner reference, the `ray start` command line, the
// environment, ports, volumes, probes, autoscaler sidecar, multi-host labels; and pod health.

import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../controller/api/core-types.js';
import type { RayCluster } from '../../controller/api/raycluster-types.js';
import { featureGates } from '../../controller/api/features.js';
import {
  buildHeadPod,
  buildWorkerPod,
  completeRayStartParams,
  rayStartCommand,
  rayStartFlags,
  shouldDeletePod,
} from '../../controller/ray/common/pod.js';
import { buildHeadlessService, buildHeadService, buildServeService, clusterHeadServiceName, headServicePorts, ServePortError } from '../../controller/ray/common/service.js';
import { checkName, headPodPrefix, podName, workerPodPrefix } from '../../controller/ray/common/names.js';
import { makePod, makeRayCluster, makeRayService } from '../fixtures/ray-builders.js';

const UID = 'uid-c';
const FQDN = 'c-head-svc.default.svc.cluster.local';

function cluster(b = makeRayCluster('c').head({ cpu: 8, gpu: 1 }).workers('gpu', 4, { gpu: 8 })): RayCluster {
  return b.uid(UID).obj();
}

const ray = (p: Pod): Container => p.spec.containers[0]!;
const env = (c: Container): Record<string, string> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? `<${e.valueFrom?.fieldRef?.fieldPath}>`]));

describe('names', () => {
  it.each([
    ['c', 'head', 'c-head-'],
    ['My-Cluster', 'head', 'my-cluster-head-'],
    ['x'.repeat(60), 'worker', `${'x'.repeat(50)}-worker-`],
  ] as const)('podName(%s, %s) = %s', (prefix, type, want) => {
    expect(podName(prefix, type)).toBe(want);
  });

  it('prefixes of head and worker pods', () => {
    expect(headPodPrefix('c')).toBe('c-head-');
    expect(workerPodPrefix('c', 'gpu')).toBe('c-gpu-worker-');
  });

  it('checkName keeps the last 50 characters and never starts with a digit or punctuation', () => {
    expect(checkName('1abc')).toBe('rabc');
    expect(checkName('-abc')).toBe('rabc');
    expect(checkName('a'.repeat(10) + 'b'.repeat(50))).toBe('b'.repeat(50));
  });
});

describe('buildHeadPod', () => {
  const head = buildHeadPod(cluster());

  it("uses KubeRay's generateName, namespace, labels and controller owner reference", () => {
    expect(head.metadata.name).toBeUndefined();
    expect(head.metadata.generateName).toBe('c-head-');
    expect(head.metadata.namespace).toBe('default');
    expect(head.metadata.labels).toEqual({
      'ray.io/is-ray-node': 'yes',
      'ray.io/cluster': 'c',
      'ray.io/node-type': 'head',
      'ray.io/group': 'headgroup',
      'ray.io/identifier': 'c-head',
      'app.kubernetes.io/name': 'kuberay',
      'app.kubernetes.io/created-by': 'kuberay-operator',
    });
    expect(head.metadata.ownerReferences).toEqual([{ apiVersion: 'ray.io/v1', kind: 'RayCluster', name: 'c', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(head.metadata.annotations).toEqual({ 'ray.io/ft-enabled': 'false' });
  });

  it('runs `ray start --head` built from rayStartParams and the container resources', () => {
    const cmd = 'ray start --head  --block  --dashboard-agent-listen-port=52365  --dashboard-host=0.0.0.0  --memory=2147483648  --metrics-export-port=8080  --num-cpus=8  --num-gpus=1 ';
    expect(ray(head).command).toEqual(['/bin/bash', '-c', '--']);
    expect(ray(head).args).toEqual([`ulimit -n \${RAY_START_ULIMIT_OPEN_FILES:-65536}; ${cmd}`]);
    expect(env(ray(head))).toEqual({
      RAY_CLUSTER_NAME: "<metadata.labels['ray.io/cluster']>",
      RAY_CLUSTER_NAMESPACE: '<metadata.namespace>',
      RAY_CLOUD_INSTANCE_ID: '<metadata.name>',
      RAY_NODE_TYPE_NAME: "<metadata.labels['ray.io/group']>",
      KUBERAY_GEN_RAY_START_CMD: cmd,
      RAY_PORT: '6379',
      RAY_ADDRESS: '127.0.0.1:6379',
      RAY_USAGE_STATS_KUBERAY_IN_USE: '1',
      RAY_USAGE_STATS_EXTRA_TAGS: 'kuberay_version=v1.7.0;kuberay_crd=RayCluster',
      RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE: '1',
    });
  });

  it('adds the metrics port and /dev/shm, keeps the template ports and resources', () => {
    expect(ray(head).ports).toEqual([
      { containerPort: 6379, name: 'gcs-server' },
      { containerPort: 8265, name: 'dashboard' },
      { containerPort: 10001, name: 'client' },
      { name: 'metrics', containerPort: 8080 },
    ]);
    expect(head.spec.volumes).toEqual([{ name: 'shared-mem', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }]);
    expect(ray(head).volumeMounts).toEqual([{ mountPath: '/dev/shm', name: 'shared-mem', readOnly: false }]);
    expect(ray(head).resources).toEqual({ requests: { cpu: 8, memory: '2Gi', 'nvidia.com/gpu': 1 }, limits: { cpu: 8, memory: '2Gi', 'nvidia.com/gpu': 1 } });
    expect(head.spec.restartPolicy).toBeUndefined();
  });

  it('injects exec probes before Ray 2.53 and the /api/healthz HTTP probe from 2.53 on', () => {
    expect(ray(head).readinessProbe?.exec?.command?.[2]).toContain('api/gcs_healthz');
    expect(ray(head).livenessProbe).toMatchObject({ initialDelaySeconds: 30, timeoutSeconds: 5, failureThreshold: 120 });
    const newer = buildHeadPod(cluster(makeRayCluster('c').rayVersion('2.53.0')));
    expect(ray(newer).readinessProbe).toEqual({ initialDelaySeconds: 10, timeoutSeconds: 5, periodSeconds: 5, successThreshold: 1, failureThreshold: 10, httpGet: { path: '/api/healthz', port: 52365 } });
    expect(ray(buildHeadPod(cluster(), { injectProbes: false })).readinessProbe).toBeUndefined();
  });

  it('keeps the user template: its labels (but not ray.io/cluster|node-type|group), tolerations, selectors, annotations', () => {
    const c = cluster(
      makeRayCluster('c').edit((o) => {
        const t = o.spec.headGroupSpec.template;
        t.metadata = { labels: { team: 'ml', 'ray.io/cluster': 'other', 'ray.io/node-type': 'worker' }, annotations: { note: 'x' } };
        t.spec.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
        t.spec.nodeSelector = { pool: 'h100' };
      }),
    );
    const p = buildHeadPod(c);
    expect(p.metadata.labels).toMatchObject({ team: 'ml', 'ray.io/cluster': 'c', 'ray.io/node-type': 'head' });
    expect(p.metadata.annotations).toMatchObject({ note: 'x' });
    expect(p.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(p.spec.nodeSelector).toEqual({ pool: 'h100' });
    // The cluster object is untouched.
    expect(c.spec.headGroupSpec.template.spec.containers[0]!.ports).toHaveLength(3);
  });

  it("leaves a command that already runs `ray start` alone and chains the user's command otherwise", () => {
    const own = buildHeadPod(cluster(makeRayCluster('c').edit((o) => (o.spec.headGroupSpec.template.spec.containers[0]!.command = ['ray start --head --block']))));
    expect(ray(own).command).toEqual(['ray start --head --block']);
    expect(ray(own).args).toBeUndefined();
    const pre = buildHeadPod(cluster(makeRayCluster('c').edit((o) => (o.spec.headGroupSpec.template.spec.containers[0]!.command = ['echo', 'hi']))));
    expect(ray(pre).args![0]).toMatch(/^ echo  hi  && ulimit -n .*; ray start --head /);
  });

  it('with in-tree autoscaling (v2): autoscaler sidecar, --no-monitor, service account, restartPolicy Never', () => {
    const p = buildHeadPod(cluster(makeRayCluster('c').autoscaling({ version: 'v2' })));
    expect(p.spec.containers.map((c) => c.name)).toEqual(['ray-head', 'autoscaler']);
    expect(ray(p).args![0]).toContain(' --no-monitor ');
    expect(p.spec.serviceAccountName).toBe('c');
    expect(p.spec.restartPolicy).toBe('Never');
    expect(env(ray(p)).RAY_enable_autoscaler_v2).toBe('true');
    expect(p.spec.volumes!.map((v) => v.name)).toEqual(['shared-mem', 'ray-logs']);
    expect(p.spec.containers[1]!.volumeMounts).toEqual([{ mountPath: '/tmp/ray', name: 'ray-logs', readOnly: false }]);
  });
});

describe('buildWorkerPod', () => {
  const c = cluster();
  const w = buildWorkerPod(c, c.spec.workerGroupSpecs![0]!);

  it('is named <cluster>-<group>-worker-, labelled with its group and replica index, owned by the cluster', () => {
    expect(w.metadata.generateName).toBe('c-gpu-worker-');
    expect(w.metadata.labels).toMatchObject({ 'ray.io/node-type': 'worker', 'ray.io/group': 'gpu', 'ray.io/identifier': 'c-worker', 'ray.io/worker-group-replica-index': '0' });
    expect(w.metadata.labels!['ray.io/worker-group-replica-name']).toBeUndefined();
    expect(w.metadata.ownerReferences![0]!.uid).toBe(UID);
  });

  it('joins the head service with --address and --num-gpus from the GPU limit', () => {
    const cmd = `ray start  --address=${FQDN}:6379  --block  --dashboard-agent-listen-port=52365  --memory=1073741824  --metrics-export-port=8080  --num-cpus=1  --num-gpus=8 `;
    expect(env(ray(w)).KUBERAY_GEN_RAY_START_CMD).toBe(cmd);
    expect(env(ray(w))).toMatchObject({ FQ_RAY_IP: FQDN, RAY_IP: 'c-head-svc', RAY_ADDRESS: `${FQDN}:6379`, RAY_PORT: '6379' });
    expect(env(ray(w)).RAY_USAGE_STATS_EXTRA_TAGS).toBeUndefined();
  });

  it('waits for the GCS in a wait-gcs-ready init container (unless disabled)', () => {
    expect(w.spec.initContainers).toHaveLength(1);
    const init = w.spec.initContainers![0]!;
    expect(init).toMatchObject({ name: 'wait-gcs-ready', image: ray(w).image, resources: { limits: { cpu: '200m', memory: '256Mi' } } });
    expect(init.args![0]).toContain(`ray health-check --address ${FQDN}:6379`);
    expect(env(init)).toEqual({ FQ_RAY_IP: FQDN, RAY_IP: 'c-head-svc' });
    expect(buildWorkerPod(c, c.spec.workerGroupSpecs![0]!, { index: 0 }, { injectInitContainer: false }).spec.initContainers).toBeUndefined();
  });

  it('multi-host replicas carry replica name, replica index and host index labels', () => {
    const mh = cluster(makeRayCluster('c').workers('tpu', 2, { numOfHosts: 4, tpu: 4 }));
    const p = buildWorkerPod(mh, mh.spec.workerGroupSpecs![0]!, { index: 1, name: 'tpu-abcde', hostIndex: 3 });
    expect(p.metadata.labels).toMatchObject({ 'ray.io/worker-group-replica-index': '1', 'ray.io/worker-group-replica-name': 'tpu-abcde', 'ray.io/replica-host-index': '3' });
    // TPUs become a Ray custom resource.
    expect(env(ray(p)).KUBERAY_GEN_RAY_START_CMD).toContain(` --resources='{"TPU":4}' `);
    const off = buildWorkerPod(mh, mh.spec.workerGroupSpecs![0]!, { index: 1 }, { featureGates: featureGates({ RayMultiHostIndexing: false }) });
    expect(off.metadata.labels!['ray.io/worker-group-replica-index']).toBeUndefined();
  });

  it('restartPolicy Never with autoscaler v2; the template otherwise', () => {
    const a = cluster(makeRayCluster('c').autoscaling({ version: 'v2' }).workers('cpu', 1));
    expect(buildWorkerPod(a, a.spec.workerGroupSpecs![0]!).spec.restartPolicy).toBe('Never');
    expect(w.spec.restartPolicy).toBeUndefined();
  });

  it('RayService clusters: workers serve (ray.io/serve=true), the head does not', () => {
    const s = cluster(makeRayCluster('c').label('ray.io/originated-from-crd', 'RayService').workers('cpu', 1));
    expect(buildWorkerPod(s, s.spec.workerGroupSpecs![0]!).metadata.labels!['ray.io/serve']).toBe('true');
    expect(buildHeadPod(s).metadata.labels!['ray.io/serve']).toBe('false');
    expect(env(ray(buildHeadPod(s))).RAY_USAGE_STATS_EXTRA_TAGS).toBe('kuberay_version=v1.7.0;kuberay_crd=RayService');
  });
});

describe('rayStartParams', () => {
  it.each([
    ['explicit num-cpus wins over the limit', { 'num-cpus': '2' }, { limits: { cpu: 8 } }, ' --num-cpus=2 '],
    ['CPU request when there is no limit, rounded up', {}, { requests: { cpu: '500m' } }, ' --num-cpus=1 '],
    ['memory from the limit in bytes', {}, { limits: { memory: '1Gi' } }, ' --memory=1073741824 '],
    ['num-gpus from the first GPU-like limit', {}, { limits: { 'amd.com/gpu': 2 } }, ' --num-gpus=2 '],
    ['Neuron cores as a Ray resource', {}, { limits: { 'aws.amazon.com/neuroncore': 2 } }, ` --resources='{"neuron_cores":2}' `],
  ])('%s', (_name, given, resources, want) => {
    const p = completeRayStartParams('worker', given, { port: '6379', fqdn: FQDN, container: { name: 'ray', resources } });
    expect(rayStartFlags(p)).toContain(want);
  });

  it('"true" is a bare flag, "false" is dropped, except log-color/include-dashboard/include-log-monitor', () => {
    expect(rayStartFlags({ a: 'true', b: 'false', 'include-dashboard': 'false', c: 'x' })).toBe(' --a  --c=x  --include-dashboard=false ');
  });

  it('group resources and labels become num-cpus / --resources / --labels', () => {
    const p = completeRayStartParams('head', {}, { port: '6379', fqdn: FQDN, container: undefined, groupResources: { cpu: '4', 'custom.io/x': '2' }, groupLabels: { zone: 'a', tier: 'gold' } });
    expect(p).toMatchObject({ 'num-cpus': '4', resources: `'{"custom.io/x":2}'`, labels: 'tier=gold,zone=a', 'dashboard-host': '0.0.0.0' });
    expect(rayStartCommand('head', { block: 'true' })).toBe('ray start --head  --block ');
  });
});

describe('shouldDeletePod', () => {
  const base = () => makePod('p').rayNode('c', 'worker', 'gpu');
  it.each([
    ['Pending', base().obj(), false],
    ['Running and Ready', base().ready().obj(), false],
    ['Failed', base().failed().obj(), true],
    ['Succeeded', base().succeeded().obj(), true],
    [
      'Running with a terminated Ray container and restartPolicy Never',
      base()
        .running()
        .edit((p) => {
          p.spec.restartPolicy = 'Never';
          p.status!.containerStatuses![0]!.state = { terminated: { exitCode: 1 } };
        })
        .obj(),
      true,
    ],
    [
      'Running with a terminated Ray container that will restart',
      base()
        .running()
        .edit((p) => {
          p.spec.restartPolicy = 'Always';
          p.status!.containerStatuses![0]!.state = { terminated: { exitCode: 1 } };
        })
        .obj(),
      false,
    ],
  ])('%s -> %s', (_name, pod, want) => {
    expect(shouldDeletePod(pod, 'worker').delete).toBe(want);
  });
});

describe('services', () => {
  it('head service: <cluster>-head-svc, headless, ports of the head container sorted by name plus metrics, KubeRay selector', () => {
    const svc = buildHeadService(cluster());
    expect(svc.metadata.name).toBe('c-head-svc');
    expect(svc.spec!.selector).toEqual({
      'ray.io/cluster': 'c',
      'ray.io/node-type': 'head',
      'ray.io/identifier': 'c-head',
      'app.kubernetes.io/name': 'kuberay',
      'app.kubernetes.io/created-by': 'kuberay-operator',
    });
    expect(svc.metadata.labels).toEqual(svc.spec!.selector);
    expect(svc.spec!.ports).toEqual([
      { name: 'client', port: 10001, appProtocol: 'tcp' },
      { name: 'dashboard', port: 8265, appProtocol: 'tcp' },
      { name: 'gcs-server', port: 6379, appProtocol: 'tcp' },
      { name: 'metrics', port: 8080, appProtocol: 'tcp' },
    ]);
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(buildHeadService(cluster(), { clusterIP: true }).spec!.clusterIP).toBeUndefined();
  });

  it('default ports when the head container declares none; serviceType NodePort is not headless', () => {
    const c = cluster(
      makeRayCluster('c').edit((o) => {
        delete o.spec.headGroupSpec.template.spec.containers[0]!.ports;
        o.spec.headGroupSpec.serviceType = 'NodePort';
      }),
    );
    expect([...headServicePorts(c.spec).keys()].sort()).toEqual(['client', 'dashboard', 'gcs-server', 'metrics', 'serve']);
    const svc = buildHeadService(c);
    expect(svc.spec!.type).toBe('NodePort');
    expect(svc.spec!.clusterIP).toBeUndefined();
  });

  it('headGroupSpec.headService overrides the name and keeps its own fields; its selector is replaced', () => {
    const c = cluster(makeRayCluster('c').edit((o) => (o.spec.headGroupSpec.headService = { metadata: { name: 'my-head', annotations: { a: 'b' } }, spec: { type: 'LoadBalancer', selector: { x: 'y' } } })));
    expect(clusterHeadServiceName(c)).toBe('my-head');
    const svc = buildHeadService(c, { annotations: { z: '1' } });
    expect(svc.metadata).toMatchObject({ name: 'my-head', namespace: 'default', annotations: { a: 'b', z: '1' } });
    expect(svc.spec!.type).toBe('LoadBalancer');
    expect(svc.spec!.selector!['ray.io/cluster']).toBe('c');
    expect(svc.spec!.selector!.x).toBeUndefined();
    // Workers join the renamed service.
    expect(buildWorkerPod(c, makeRayCluster('c').workers('w', 1).obj().spec.workerGroupSpecs![0]!).spec.containers[0]!.env!.find((e) => e.name === 'FQ_RAY_IP')!.value).toBe('my-head.default.svc.cluster.local');
  });

  it('headless service for multi-host groups selects the workers', () => {
    expect(buildHeadlessService(cluster())).toMatchObject({
      metadata: { name: 'c-headless', labels: { 'ray.io/headless-worker-svc': 'c' } },
      spec: { clusterIP: 'None', type: 'ClusterIP', publishNotReadyAddresses: true, selector: { 'ray.io/cluster': 'c', 'ray.io/node-type': 'worker' } },
    });
  });

  it('serve service: selector ray.io/cluster + ray.io/serve=true, serving ports only; an error without one', () => {
    const rs = makeRayService('svc').servePort().obj();
    const c = makeRayCluster('svc-abcde').edit((o) => (o.spec = structuredClone(rs.spec.rayClusterConfig))).obj();
    const s = buildServeService(c, rs);
    expect(s.metadata.name).toBe('svc-serve-svc');
    expect(s.spec!.selector).toEqual({ 'ray.io/cluster': 'svc-abcde', 'ray.io/serve': 'true' });
    expect(s.spec!.ports).toEqual([{ name: 'serve', port: 8000 }]);
    expect(s.metadata.labels).toEqual({ 'ray.io/originated-from-cr-name': 'svc', 'ray.io/originated-from-crd': 'RayService', 'ray.io/serve': 'svc-serve' });
    expect(() => buildServeService(cluster())).toThrow(ServePortError);
  });
});
