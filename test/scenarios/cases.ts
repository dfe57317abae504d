// Broken scenarios and the exact problems each must produce (shared by the loader tests).

/** A valid scenario's first four lines; cases append from line 5. */
export const HEAD = `name: t
duration: 1h
cluster:
  nodePools: [{ name: gpu, count: 2, shape: h100-8x }]
`;

export interface BrokenCase {
  name: string;
  text: string;
  /** Scenario file name; manifest paths are relative to its directory. */
  file?: string;
  /** [file (default the scenario), line, column, path, message], in report order. */
  want: [file: string | undefined, line: number, column: number, path: string, message: string][];
}

const F = 'test/scenarios/fixtures/scenario.yaml';
const FX = 'test/scenarios/fixtures';

export const BROKEN: BrokenCase[] = [
  {
    name: 'YAML syntax error',
    text: `name: t\nduration: [1h\n`,
    want: [
      [undefined, 3, 1, "", "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ],
  },
  {
    name: 'empty file',
    text: `# nothing here\n`,
    want: [
      [undefined, 1, 1, "", "the scenario is empty"],
    ],
  },
  {
    name: 'unknown top-level key, with did you mean',
    text: `name: t\ndurration: 1h\ncluster:\n  nodePools: [{ name: gpu, count: 2, shape: h100-8x }]\n`,
    want: [
      [undefined, 1, 1, "", "missing required key 'duration'"],
      [undefined, 2, 1, "durration", "unknown key 'durration'; did you mean 'duration'?"],
    ],
  },
  {
    name: 'unknown key without a close match lists the allowed keys',
    text: HEAD + `operator:\n  frobnicate: true\n`,
    want: [
      [undefined, 6, 3, "operator.frobnicate", "unknown key 'frobnicate'; expected one of: batchScheduler, placementPolicy, admission"],
    ],
  },
  {
    name: 'bad duration',
    text: `name: t\nduration: 5 minutes\ncluster:\n  nodePools: [{ name: gpu, count: 2, shape: h100-8x }]\n`,
    want: [
      [undefined, 2, 11, "duration", "invalid duration '5 minutes': write seconds (90) or number+unit parts (250ms, 30s, 5m, 2h, 30d, 1h30m)"],
    ],
  },
  {
    name: 'several problems at once',
    text:
      HEAD +
      `workloads:
  generators:
    - name: small
      arrival: { poisson: { ratePerHour: 0 } }
      template:
        workers: { choice: { values: [1, 2], weights: [1] } }
        gpusPerWorker: 16
        duration: { lognormal: { median: 2h, p90: 1h } }
        failureProbabilty: 0.1
    - name: small
      arrival: { interval: { every: 5m } }
      template: { workers: 1, gpusPerWorker: 1 }
`,
    want: [
      [undefined, 8, 42, "workloads.generators[0].arrival.poisson.ratePerHour", "must be > 0, got 0"],
      [undefined, 10, 55, "workloads.generators[0].template.workers.choice.weights", "has 1 weight for 2 values"],
      [undefined, 11, 24, "workloads.generators[0].template.gpusPerWorker", "can draw 16 GPUs per worker but the largest node has 8: such workers would never be scheduled"],
      [undefined, 12, 51, "workloads.generators[0].template.duration.lognormal.p90", "p90 (1h) must be greater than the median (2h)"],
      [undefined, 13, 9, "workloads.generators[0].template.failureProbabilty", "unknown key 'failureProbabilty'; did you mean 'failureProbability'?"],
      [undefined, 14, 13, "workloads.generators[1].name", "duplicate generator name 'small' (also generators[0]): job names would collide"],
      [undefined, 16, 17, "workloads.generators[1].template", "missing required key 'duration'"],
    ],
  },
  {
    name: 'manifest path that does not exist',
    file: F,
    text: HEAD + `workloads:\n  manifests:\n    - at: 5m\n      path: missing.rayjob.yaml\n`,
    want: [
      [F, 8, 13, "workloads.manifests[0].path", "no such file: test/scenarios/fixtures/missing.rayjob.yaml"],
    ],
  },
  {
    name: 'invalid RayJob inline: field paths into the manifest',
    text:
      HEAD +
      `workloads:
  manifests:
    - at: 0s
      object:
        apiVersion: ray.io/v1
        kind: RayJob
        metadata: { name: Bad_Name }
        spec:
          backofLimit: 2
          rayClusterSpec:
            headGroupSpec:
              template: { spec: { containers: [{ name: h, image: i }] } }
`,
    want: [
      [undefined, 11, 27, "workloads.manifests[0].object.metadata.name", "RayJob name should be a valid DNS1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]"],
      [undefined, 12, 9, "workloads.manifests[0].object.spec.entrypoint", "entrypoint must be set in K8sJobMode"],
      [undefined, 13, 11, "workloads.manifests[0].object.spec.backofLimit", "unknown field 'backofLimit'; did you mean 'backoffLimit'?"],
    ],
  },
  {
    name: 'invalid RayJob in a manifest file: positions in that file',
    file: F,
    text: HEAD + `workloads:\n  manifests:\n    - at: 1m\n      path: two-jobs.yaml\n`,
    want: [
      [`${FX}/two-jobs.yaml`, 27, 19, "workloads.manifests[0].path[1].spec.rayClusterSpec.workerGroupSpecs[0].replicas", "worker group gpu has replicas 1 less than minReplicas 3"],
      [`${FX}/two-jobs.yaml`, 28, 22, "workloads.manifests[0].path[1].spec.rayClusterSpec.workerGroupSpecs[0].minReplicas", "worker group gpu has minReplicas 3 greater than maxReplicas 1"],
      [`${FX}/two-jobs.yaml`, 30, 9, "workloads.manifests[0].path[1].spec.rayClusterSpec.workerGroupSpecs[0].numOfHost", "unknown field 'numOfHost'; did you mean 'numOfHosts'?"],
    ],
  },
  {
    name: 'malformed manifest files',
    file: F,
    text: HEAD + `workloads:\n  manifests:\n    - path: broken.yaml\n    - path: no-kind.yaml\n`,
    want: [
      [`${FX}/broken.yaml`, 4, 1, "workloads.manifests[0].path", "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }"],
      [`${FX}/no-kind.yaml`, 1, 1, "workloads.manifests[1].path", "kind is missing"],
    ],
  },
  {
    name: 'manifest kinds raysim does not create, and a missing name',
    text:
      HEAD +
      `workloads:
  manifests:
    - object: { apiVersion: apps/v1, kind: Deployment, metadata: { name: web } }
    - object: { apiVersion: ray.io/v1, kind: RayJobs, metadata: { name: j } }
    - object: { apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, value: 10 }
`,
    want: [
      [undefined, 7, 44, "workloads.manifests[0].object.kind", "raysim scenarios cannot create apps/v1 Deployment; supported: ray.io/v1 RayJob, ray.io/v1 RayCluster, ray.io/v1 RayService, ray.io/v1 RayCronJob, v1 Namespace, v1 ConfigMap, v1 Secret, v1 ServiceAccount, scheduling.k8s.io/v1 PriorityClass, kueue.x-k8s.io/v1beta1 ResourceFlavor, kueue.x-k8s.io/v1beta1 ClusterQueue, kueue.x-k8s.io/v1beta1 LocalQueue, kueue.x-k8s.io/v1beta1 WorkloadPriorityClass, kueue.x-k8s.io/v1beta1 Cohort, scheduling.volcano.sh/v1beta1 Queue"],
      [undefined, 8, 46, "workloads.manifests[1].object.kind", "'RayJobs' is not a ray.io/v1 kind; did you mean 'RayJob'?"],
      [undefined, 9, 7, "workloads.manifests[2].object.metadata.name", "metadata.name is required"],
    ],
  },
  {
    name: 'object and path together, neither, and a time after the end',
    text:
      HEAD +
      `workloads:
  manifests:
    - { at: 0s, path: a.yaml, object: { apiVersion: v1, kind: Namespace, metadata: { name: a } } }
    - { at: 0s }
    - { at: 2h, object: { apiVersion: v1, kind: Namespace, metadata: { name: b } } }
`,
    want: [
      [undefined, 7, 7, "workloads.manifests[0]", "give either 'object' or 'path', not both"],
      [undefined, 8, 7, "workloads.manifests[1]", "needs 'object' (the manifest inline) or 'path' (a file of manifests)"],
      [undefined, 9, 13, "workloads.manifests[2].at", "2h is not before the end of the scenario (1h): the manifest would never be applied"],
    ],
  },
  {
    name: 'unknown metrics in expectations, both forms',
    text:
      HEAD +
      `expectations:
  - jct_p95 < 100
  - { metric: goodput, op: '>=', value: 90 }
  - goodput_pct >> 3
  - { metric: jobs_failed, op: '=<', value: 0 }
`,
    want: [
      [undefined, 6, 5, "expectations[0]", "unknown metric 'jct_p95'; did you mean 'jct_p95_s'?"],
      [undefined, 7, 15, "expectations[1].metric", "unknown metric 'goodput'; did you mean 'goodput_pct'?"],
      [undefined, 8, 5, "expectations[2]", "invalid expectation 'goodput_pct >> 3': write 'metric op value' (e.g. 'jct_p95_s < 7200') with op one of <, <=, >, >=, ==, !="],
      [undefined, 9, 32, "expectations[3].op", "'=<' is not one of <, <=, >, >=, ==, !=; did you mean '<'?"],
    ],
  },
  {
    name: 'per-cause metrics: unknown cause, bare record, negative tolerance',
    text:
      HEAD +
      `expectations:
  - node_failures_by_cause.faulty_gpu == 0
  - { metric: node_failures_by_cause.gpu-hbm4, op: '<', value: 3 }
  - { metric: node_failures_by_cause, op: '<', value: 3 }
  - { metric: goodput_pct, op: '==', value: 90, tolerance: -1 }
`,
    want: [
      [undefined, 6, 5, "expectations[0]", "unknown failure cause 'faulty_gpu' in 'node_failures_by_cause.faulty_gpu'; did you mean 'faulty-gpu'?"],
      [undefined, 7, 15, "expectations[1].metric", "unknown failure cause 'gpu-hbm4' in 'node_failures_by_cause.gpu-hbm4'; did you mean 'gpu-hbm3'?"],
      [undefined, 8, 15, "expectations[2].metric", "'node_failures_by_cause' counts per cause: name one, e.g. 'node_failures_by_cause.faulty-gpu', or use 'node_failures' for all"],
      [undefined, 9, 60, "expectations[3].tolerance", "must be >= 0, got -1"],
    ],
  },
  {
    name: 'node pools: unknown preset, duplicate name, custom shape without memory',
    text: `name: t
duration: 1h
cluster:
  nodePools:
    - { name: gpu, count: 2, shape: h100 }
    - { name: gpu, count: 1, shape: { cpu: 96 } }
    - { name: cpu, count: two, shape: cpu-96 }
`,
    want: [
      [undefined, 5, 37, "cluster.nodePools[0].shape", "unknown node preset 'h100'; did you mean 'h100-8x'?"],
      [undefined, 6, 15, "cluster.nodePools[1].name", "duplicate node pool name 'gpu' (also nodePools[0])"],
      [undefined, 6, 37, "cluster.nodePools[1].shape", "a custom shape needs 'memory' (or a 'preset' to start from)"],
      [undefined, 7, 27, "cluster.nodePools[2].count", "must be an integer, got the string 'two'"],
    ],
  },
  {
    name: 'faults: unknown cause, unknown pool, bad latency range, restart after the end',
    text:
      HEAD +
      `faults:
  nodeFailures:
    causes: { faulty-gpus: 1 }
  maintenance:
    - { at: 10m, pool: gpus }
    - { at: 10m }
  apiServer:
    latency: { get: [50ms, 10ms], lst: 1ms }
    errors: [{ code: 404, rate: 2 }]
  operatorRestarts:
    - { at: 1h }
`,
    want: [
      [undefined, 7, 15, "faults.nodeFailures.causes.faulty-gpus", "unknown key 'faulty-gpus'; did you mean 'faulty-gpu'?"],
      [undefined, 9, 24, "faults.maintenance[0].pool", "no node pool named 'gpus'; did you mean 'gpu'?"],
      [undefined, 10, 7, "faults.maintenance[1]", "needs 'nodes' (names) or 'pool'"],
      [undefined, 12, 28, "faults.apiServer.latency.get[1]", "max (10ms) must not be less than min (50ms)"],
      [undefined, 12, 35, "faults.apiServer.latency.lst", "unknown key 'lst'; did you mean 'list'?"],
      [undefined, 13, 22, "faults.apiServer.errors[0].code", "404 is not one of 409, 429, 500"],
      [undefined, 13, 33, "faults.apiServer.errors[0].rate", "must be <= 1, got 2"],
      [undefined, 15, 13, "faults.operatorRestarts[0].at", "1h is not before the end of the scenario (1h): the restart would never happen"],
    ],
  },
  {
    name: 'distribution shapes',
    text:
      HEAD +
      `kubelet:
  imagePull: { lognormal: { median: 1m } }
  containerStart: { uniform: { min: 5s, max: 1s }, fixed: 1s }
ray:
  headStart: { lognorm: { median: 1m, p90: 2m } }
  serveAppStart: {}
`,
    want: [
      [undefined, 6, 27, "kubelet.imagePull.lognormal", "needs p90 (or sigma) besides the median"],
      [undefined, 7, 19, "kubelet.containerStart", "give exactly one of fixed, uniform, exponential, lognormal, empirical, choice; got uniform and fixed"],
      [undefined, 9, 16, "ray.headStart.lognorm", "unknown key 'lognorm'; did you mean 'lognormal'?"],
      [undefined, 10, 18, "ray.serveAppStart", "give exactly one of fixed, uniform, exponential, lognormal, empirical, choice"],
    ],
  },
];
