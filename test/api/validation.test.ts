import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { featureGates } from '../../controller/api/features.js';
import type { RayCluster, RayClusterSpec, RayCronJob, RayJob, RayService } from '../../controller/api/types.js';
import {
  type FieldProblem,
  type ValidationOptions,
  problemsMessage,
  validateRayCluster,
  validateRayClusterMetadata,
  validateRayClusterSpec,
  validateRayCronJob,
  validateRayJob,
  validateRayJobMetadata,
  validateRayJobSpec,
  validateRayService,
  validateRayServiceMetadata,
  validateRayServiceSpec,
} from '../../controller/api/validation.js';
import { makeRayCluster, makeRayCronJob, makeRayJob, makeRayService } from '../fixtures/ray-builders.js';

function validate(obj: KubeObject, opts?: ValidationOptions): FieldProblem[] {
  switch (obj.kind) {
    case 'RayCluster':
      return validateRayCluster(obj as RayCluster, opts);
    case 'RayJob':
      return validateRayJob(obj as RayJob, opts);
    case 'RayService':
      return validateRayService(obj as RayService, opts);
    case 'RayCronJob':
      return validateRayCronJob(obj as RayCronJob, opts);
    default:
      throw new Error(`no validator for ${obj.kind}`);
  }
}

interface Case {
  name: string;
  obj: KubeObject;
  opts?: ValidationOptions;
  /** [field, part of the message], in the order reported; [] = valid. */
  want: [field: string, message: string][];
}

function run(cases: Case[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = structuredClone(c.obj);
    const got = validate(c.obj, c.opts);
    expect(got.map((p) => p.field), problemsMessage(got)).toEqual(c.want.map((w) => w[0]));
    c.want.forEach(([, msg], i) => expect(got[i]!.message).toContain(msg));
    expect(c.obj).toEqual(before);
  });
}

const strict: ValidationOptions = { strict: true };
const env = (name: string, value = 'x') => ({ name, value });
const headEnv = (spec: RayClusterSpec, ...vars: { name: string; value: string }[]) => {
  spec.headGroupSpec.template.spec.containers[0]!.env = vars;
};
const HEAD_ENV = 'spec.headGroupSpec.template.spec.containers[0].env';
const W0 = 'spec.workerGroupSpecs[0]';

// ---------------------------------------------------------------------------------------------
// RayCluster
// ---------------------------------------------------------------------------------------------

describe('validateRayCluster', () => {
  const c = () => makeRayCluster('c').workers('gpu', 2, { gpu: 8, minReplicas: 1, maxReplicas: 4 });
  run([
    { name: 'builder default is valid', obj: makeRayCluster('c').obj(), want: [] },
    { name: 'workers and autoscaling are valid', obj: c().autoscaling().obj(), opts: strict, want: [] },
    { name: 'name of 53 characters is fine', obj: makeRayCluster('a'.repeat(53)).obj(), want: [] },
    { name: 'name longer than 53', obj: makeRayCluster('a'.repeat(54)).obj(), want: [['metadata.name', 'RayCluster name should be no more than 53 characters']] },
    {
      name: 'name longer than 63 is also not a DNS-1035 label',
      obj: makeRayCluster('a'.repeat(64)).obj(),
      want: [
        ['metadata.name', 'no more than 53 characters'],
        ['metadata.name', 'RayCluster name should be a valid DNS1035 label: [must be no more than 63 characters]'],
      ],
    },
    { name: 'name starting with a digit', obj: makeRayCluster('1abc').obj(), want: [['metadata.name', "RayCluster name should be a valid DNS1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character"]] },
    { name: 'name with upper case and underscore', obj: makeRayCluster('My_Cluster').obj(), want: [['metadata.name', "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'"]] },
    {
      name: 'head without containers',
      obj: makeRayCluster('c').editCluster((s) => (s.headGroupSpec.template.spec.containers = [])).obj(),
      want: [['spec.headGroupSpec.template.spec.containers', 'headGroupSpec should have at least one container']],
    },
    {
      name: 'head template without spec',
      obj: makeRayCluster('c').editCluster((s) => (s.headGroupSpec.template = {} as never)).obj(),
      want: [['spec.headGroupSpec.template.spec.containers', 'headGroupSpec should have at least one container']],
    },
    {
      name: 'worker group without containers',
      obj: c().editCluster((s) => (s.workerGroupSpecs![0]!.template.spec.containers = [])).obj(),
      want: [[`${W0}.template.spec.containers`, 'workerGroupSpec should have at least one container']],
    },
    { name: 'minReplicas greater than maxReplicas', obj: makeRayCluster('c').workers('gpu', 2, { minReplicas: 5, maxReplicas: 2 }).obj(), want: [[`${W0}.minReplicas`, 'worker group gpu has minReplicas 5 greater than maxReplicas 2']] },
    {
      name: 'negative minReplicas and maxReplicas',
      obj: makeRayCluster('c').workers('gpu', 0, { minReplicas: -1, maxReplicas: -2 }).obj(),
      want: [
        [`${W0}.minReplicas`, 'worker group gpu has negative minReplicas -1'],
        [`${W0}.maxReplicas`, 'worker group gpu has negative maxReplicas -2'],
        [`${W0}.minReplicas`, 'has minReplicas -1 greater than maxReplicas -2'],
      ],
    },
    {
      name: 'minReplicas/maxReplicas unset without autoscaling',
      obj: c().editCluster((s) => delete s.workerGroupSpecs![0]!.maxReplicas).obj(),
      want: [[W0, 'worker group gpu must set both minReplicas and maxReplicas when autoscaling is disabled']],
    },
    { name: 'minReplicas/maxReplicas unset with autoscaling', obj: c().autoscaling().editCluster((s) => delete s.workerGroupSpecs![0]!.maxReplicas).obj(), want: [] },
    {
      name: 'resources in both rayStartParams and resources',
      obj: makeRayCluster('c')
        .editCluster((s) => {
          s.headGroupSpec.rayStartParams = { 'num-cpus': '1' };
          s.headGroupSpec.resources = { CPU: '1' };
        })
        .obj(),
      want: [['spec.headGroupSpec.resources', 'resource fields should not be set in both rayStartParams and Resources for Head group; please use only one']],
    },
    {
      name: 'labels in rayStartParams',
      obj: c().editCluster((s) => (s.workerGroupSpecs![0]!.rayStartParams = { labels: 'a=b' })).obj(),
      want: [[`${W0}.rayStartParams[labels]`, "rayStartParams['labels'] is not supported for gpu group; please use the top-level Labels field instead"]],
    },
    {
      name: 'invalid Ray node label key and value',
      obj: c().editCluster((s) => (s.workerGroupSpecs![0]!.labels = { 'bad key': 'ok', zone: 'not ok!' })).obj(),
      want: [
        [`${W0}.labels[bad key]`, "invalid label key for gpu group: 'bad key', error: name part must consist of alphanumeric characters"],
        [`${W0}.labels[zone]`, "invalid label value for key 'zone' in gpu group: 'not ok!', error: a valid label must be an empty string"],
      ],
    },
    {
      name: 'idleTimeoutSeconds without autoscaler v2',
      obj: makeRayCluster('c').workers('gpu', 1, { idleTimeoutSeconds: 30 }).obj(),
      want: [[`${W0}.idleTimeoutSeconds`, 'worker group gpu: idleTimeoutSeconds is set, but autoscaler v2 is not enabled']],
    },
    { name: 'idleTimeoutSeconds with autoscaler v2', obj: makeRayCluster('c').autoscaling().workers('gpu', 1, { idleTimeoutSeconds: 30 }).obj(), want: [] },
    {
      name: 'idleTimeoutSeconds with RAY_enable_autoscaler_v2=true',
      obj: makeRayCluster('c')
        .autoscaling({})
        .workers('gpu', 1, { idleTimeoutSeconds: 30 })
        .editCluster((s) => headEnv(s, env('RAY_enable_autoscaler_v2', 'true')))
        .obj(),
      want: [],
    },
    { name: 'negative idleTimeoutSeconds', obj: makeRayCluster('c').autoscaling().workers('gpu', 1, { idleTimeoutSeconds: -1 }).obj(), want: [[`${W0}.idleTimeoutSeconds`, 'idleTimeoutSeconds must be non-negative, got -1']] },
    {
      name: 'priority needs Ray 2.56.0 and autoscaler v2',
      obj: makeRayCluster('c')
        .workers('a', 1)
        .workers('b', 1)
        .workers('c', 1)
        .editCluster((s) => {
          s.workerGroupSpecs![0]!.priority = 1;
          s.workerGroupSpecs![1]!.priority = 1;
          s.workerGroupSpecs![2]!.priority = 0;
          s.rayVersion = '2.55.1';
        })
        .obj(),
      want: [
        [`${W0}.priority`, 'worker group a: priority is set, but minimum Ray version is 2.56.0, got 2.55.1'],
        ['spec.workerGroupSpecs[1].priority', 'minimum Ray version is 2.56.0'],
      ],
    },
    {
      name: 'priority without v2',
      obj: makeRayCluster('c')
        .rayVersion('2.56.0')
        .workers('a', 1)
        .editCluster((s) => (s.workerGroupSpecs![0]!.priority = 3))
        .obj(),
      want: [[`${W0}.priority`, 'worker group a: priority is set to 3, but autoscaler v2 is not enabled']],
    },
    {
      name: 'priority without rayVersion',
      obj: makeRayCluster('c')
        .autoscaling()
        .workers('a', 1)
        .editCluster((s) => {
          s.workerGroupSpecs![0]!.priority = 3;
          delete s.rayVersion;
        })
        .obj(),
      want: [[`${W0}.priority`, 'priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required']],
    },
    { name: 'priority with Ray 2.56.0 and v2', obj: makeRayCluster('c').rayVersion('2.56.0').autoscaling().workers('a', 1).editCluster((s) => (s.workerGroupSpecs![0]!.priority = 3)).obj(), want: [] },
    { name: 'suspended worker group (RayJobDeletionPolicy on)', obj: makeRayCluster('c').workers('gpu', 1, { suspend: true }).obj(), want: [] },
    {
      name: 'suspended worker group with the gate off',
      obj: makeRayCluster('c').workers('gpu', 1, { suspend: true }).obj(),
      opts: { featureGates: featureGates({ RayJobDeletionPolicy: false }) },
      want: [[`${W0}.suspend`, 'worker group gpu can be suspended only when the RayJobDeletionPolicy feature gate is enabled']],
    },
    { name: 'suspended worker group with autoscaling', obj: makeRayCluster('c').autoscaling().workers('gpu', 1, { suspend: true }).obj(), want: [[`${W0}.suspend`, 'worker group gpu cannot be suspended with Autoscaler enabled']] },
    {
      name: 'ft-enabled annotation and gcsFaultToleranceOptions together',
      obj: makeRayCluster('c')
        .annotation('ray.io/ft-enabled', 'true')
        .editCluster((s) => (s.gcsFaultToleranceOptions = { redisAddress: 'redis:6379' }))
        .obj(),
      want: [['metadata.annotations[ray.io/ft-enabled]', 'ray.io/ft-enabled annotation and GcsFaultToleranceOptions are both set']],
    },
    {
      name: 'RAY_REDIS_ADDRESS without GCS fault tolerance',
      obj: makeRayCluster('c').editCluster((s) => headEnv(s, env('RAY_REDIS_ADDRESS'))).obj(),
      want: [[HEAD_ENV, 'RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set']],
    },
    { name: 'RAY_REDIS_ADDRESS with the ft-enabled annotation', obj: makeRayCluster('c').annotation('ray.io/ft-enabled', 'true').editCluster((s) => headEnv(s, env('RAY_REDIS_ADDRESS'))).obj(), want: [] },
    {
      name: 'GCS FT options with legacy redis settings',
      obj: makeRayCluster('c')
        .annotation('ray.io/external-storage-namespace', 'ns')
        .editCluster((s) => {
          s.gcsFaultToleranceOptions = { redisAddress: 'redis:6379', storage: { size: '1Gi' } };
          s.headGroupSpec.rayStartParams = { 'redis-password': 'pw' };
          headEnv(s, env('REDIS_PASSWORD'), env('RAY_REDIS_ADDRESS'));
        })
        .obj(),
      want: [
        ['spec.headGroupSpec.rayStartParams[redis-password]', 'cannot set `redis-password` in rayStartParams when GcsFaultToleranceOptions is enabled'],
        [HEAD_ENV, 'cannot set `REDIS_PASSWORD` env var'],
        [HEAD_ENV, 'cannot set `RAY_REDIS_ADDRESS` env var'],
        ['metadata.annotations[ray.io/external-storage-namespace]', 'cannot set `ray.io/external-storage-namespace` annotation'],
        ['spec.gcsFaultToleranceOptions.storage', "cannot set GcsFaultToleranceOptions.Storage when backend is 'redis'"],
      ],
    },
    {
      name: 'rocksdb backend with the gate off and redis fields',
      obj: makeRayCluster('c').editCluster((s) => (s.gcsFaultToleranceOptions = { backend: 'rocksdb', redisAddress: 'r:1', storage: { claimName: 'pvc', size: '1Gi' } })).obj(),
      want: [
        ['spec.gcsFaultToleranceOptions.backend', 'requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled'],
        ['spec.gcsFaultToleranceOptions.redisAddress', "cannot set GcsFaultToleranceOptions.RedisAddress when backend is 'rocksdb'"],
        ['spec.gcsFaultToleranceOptions.storage.claimName', 'ClaimName is mutually exclusive with size, storageClassName, and accessModes'],
      ],
    },
    {
      name: 'rocksdb backend with the gate on',
      obj: makeRayCluster('c').editCluster((s) => (s.gcsFaultToleranceOptions = { backend: 'rocksdb', storage: { size: '1Gi' } })).obj(),
      opts: { featureGates: featureGates({ GCSFaultToleranceEmbeddedStorage: true }) },
      want: [],
    },
    {
      name: 'redis username outside GcsFaultToleranceOptions',
      obj: makeRayCluster('c').editCluster((s) => (s.headGroupSpec.rayStartParams = { 'redis-username': 'u' })).obj(),
      want: [['spec.headGroupSpec.rayStartParams[redis-username]', 'cannot set redis username in rayStartParams or environment variables']],
    },
    {
      name: 'RAY_enable_autoscaler_v2 without autoscaling',
      obj: makeRayCluster('c').editCluster((s) => headEnv(s, env('RAY_enable_autoscaler_v2', '1'))).obj(),
      want: [[HEAD_ENV, "environment variable RAY_enable_autoscaler_v2 cannot be set to '1' when enableInTreeAutoscaling is false"]],
    },
    {
      name: 'autoscalerOptions.version and the v2 env var together',
      obj: makeRayCluster('c').autoscaling().editCluster((s) => headEnv(s, env('RAY_enable_autoscaler_v2', 'true'))).obj(),
      want: [['spec.autoscalerOptions.version', 'both .spec.autoscalerOptions.version and head Pod env var RAY_enable_autoscaler_v2 are set']],
    },
    {
      name: 'autoscaler v2 with restartPolicy Always',
      obj: makeRayCluster('c')
        .autoscaling()
        .workers('gpu', 1)
        .editCluster((s) => {
          s.headGroupSpec.template.spec.restartPolicy = 'Always';
          s.workerGroupSpecs![0]!.template.spec.restartPolicy = 'OnFailure';
        })
        .obj(),
      want: [
        ['spec.headGroupSpec.template.spec.restartPolicy', 'restartPolicy for head Pod should be Never or unset when using autoscaler V2'],
        [`${W0}.template.spec.restartPolicy`, 'restartPolicy for worker group gpu should be Never or unset when using autoscaler V2'],
      ],
    },
    {
      name: 'autoscalerOptions idle timeout and generated env var',
      obj: makeRayCluster('c').autoscaling({ version: 'v2', idleTimeoutSeconds: -5, env: [env('KUBERAY_GEN_AUTOSCALER_START_CMD')] }).obj(),
      want: [
        ['spec.autoscalerOptions.idleTimeoutSeconds', 'autoscalerOptions.idleTimeoutSeconds must be non-negative, got -5'],
        ['spec.autoscalerOptions.env', 'autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD'],
      ],
    },
    {
      name: 'historyServerOptions with the gate off and no collector',
      obj: makeRayCluster('c').editCluster((s) => (s.historyServerOptions = {})).obj(),
      want: [
        ['spec.historyServerOptions', 'RayClusterHistoryServer feature gate is not enabled'],
        ['spec.historyServerOptions.collectorOptions', 'historyServerOptions.collectorOptions must be set'],
      ],
    },
    {
      name: 'history server collector checks',
      obj: makeRayCluster('c')
        .editCluster((s) => {
          s.historyServerOptions = { collectorOptions: { env: [env('POD_IP'), env('STORAGE_BACKEND', 's3')] } };
          s.headGroupSpec.template.spec.containers.push({ name: 'ray-history-collector' });
        })
        .obj(),
      opts: { featureGates: featureGates({ RayClusterHistoryServer: true }) },
      want: [
        ['spec.historyServerOptions.collectorOptions.image', 'historyServerOptions.collectorOptions.image must be set'],
        ['spec.historyServerOptions.collectorOptions.env', 'must not contain POD_IP'],
        ['spec.historyServerOptions.collectorOptions.env', 'S3_REGION environment variable must be set when STORAGE_BACKEND is S3'],
        ['spec.headGroupSpec.template.spec.containers', "head pod template must not define a container with name 'ray-history-collector'"],
      ],
    },
    {
      name: 'token auth without rayVersion',
      obj: makeRayCluster('c').editCluster((s) => {
        s.authOptions = { mode: 'token' };
        delete s.rayVersion;
      }).obj(),
      want: [['spec.rayVersion', "authOptions.mode is 'token' but RayVersion was not specified"]],
    },
    { name: 'token auth on an old Ray', obj: makeRayCluster('c').rayVersion('2.51.9').editCluster((s) => (s.authOptions = { mode: 'token' })).obj(), want: [['spec.rayVersion', 'minimum Ray version is 2.52.0, got 2.51.9']] },
    { name: 'token auth with a bad rayVersion', obj: makeRayCluster('c').rayVersion('latest').editCluster((s) => (s.authOptions = { mode: 'token' })).obj(), want: [['spec.rayVersion', 'RayVersion format is invalid: latest']] },
    { name: 'token auth on Ray 2.52', obj: makeRayCluster('c').rayVersion('2.52.0').editCluster((s) => (s.authOptions = { mode: 'token' })).obj(), want: [] },
    {
      name: 'k8s token auth needs token mode',
      obj: makeRayCluster('c').editCluster((s) => (s.authOptions = { enableK8sTokenAuth: true })).obj(),
      want: [['spec.authOptions.enableK8sTokenAuth', "authOptions.enableK8sTokenAuth is enabled but authOptions.mode not set to 'token'"]],
    },
    {
      name: 'k8s token auth with a secret name',
      obj: makeRayCluster('c').rayVersion('2.55.0').editCluster((s) => (s.authOptions = { mode: 'token', enableK8sTokenAuth: true, secretName: 's' })).obj(),
      want: [['spec.authOptions.secretName', 'authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set']],
    },
    { name: 'networkPolicy with the gate off', obj: makeRayCluster('c').editCluster((s) => (s.networkPolicy = {})).obj(), want: [['spec.networkPolicy', 'spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled']] },
    {
      name: 'networkPolicy rules that do not fit the mode',
      obj: makeRayCluster('c')
        .workers('GPU', 1)
        .editCluster(
          (s) =>
            (s.networkPolicy = {
              mode: 'DenyAllEgress',
              head: { ingressRules: [{}] },
              workerGroups: [{ groupName: 'other', ingressRules: [{}] }],
            }),
        )
        .obj(),
      opts: { featureGates: featureGates({ RayClusterNetworkPolicy: true }) },
      want: [
        ['spec.networkPolicy.head.ingressRules', 'networkPolicy.head.ingressRules cannot be set when mode is "DenyAllEgress" (ingress is not restricted)'],
        [`${W0}.groupName`, 'worker group name "GPU" must be a valid DNS1123 label when networkPolicy is enabled'],
        ['spec.networkPolicy.workerGroups[0].ingressRules', 'networkPolicy.workerGroups["other"].ingressRules cannot be set'],
        ['spec.networkPolicy.workerGroups[0].groupName', 'networkPolicy.workerGroups["other"] does not match any group name in workerGroupSpecs'],
      ],
    },
    { name: 'tlsOptions with the gate off', obj: makeRayCluster('c').editCluster((s) => (s.tlsOptions = { enabled: true })).obj(), want: [['spec.tlsOptions', 'spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled']] },
    {
      name: 'TLS env vars and mounts managed by the operator',
      obj: makeRayCluster('c')
        .editCluster((s) => {
          s.tlsOptions = { enabled: true };
          headEnv(s, env('RAY_USE_TLS', '1'));
          s.headGroupSpec.template.spec.containers[0]!.volumeMounts = [{ name: 'certs', mountPath: '/etc/ray/tls' }];
        })
        .obj(),
      opts: { featureGates: featureGates({ RayClusterMTLS: true }) },
      want: [
        [HEAD_ENV, 'cannot set RAY_USE_TLS environment variable in head Pod when tlsOptions is set'],
        ['spec.headGroupSpec.template.spec.containers[0].volumeMounts', 'cannot use volume mount at path "/etc/ray/tls" in head Pod'],
      ],
    },
    {
      name: 'managedBy outside the allowed values (CRD CEL rule)',
      obj: makeRayCluster('c').editCluster((s) => (s.managedBy = 'someone-else' as never)).obj(),
      want: [['spec.managedBy', "the managedBy field value must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue'"]],
    },
    { name: 'managedBy multikueue', obj: makeRayCluster('c').editCluster((s) => (s.managedBy = 'kueue.x-k8s.io/multikueue')).obj(), want: [] },
    {
      name: 'upgradeStrategy on a cluster created by a RayJob',
      obj: makeRayCluster('c')
        .label('ray.io/originated-from-crd', 'RayJob')
        .editCluster((s) => (s.upgradeStrategy = { type: 'Recreate' }))
        .obj(),
      want: [['spec.upgradeStrategy', 'upgradeStrategy cannot be set when RayCluster is created by RayJob']],
    },
    {
      name: 'upgradeStrategy type outside the enum',
      obj: makeRayCluster('c').editCluster((s) => (s.upgradeStrategy = { type: 'Rolling' as never })).obj(),
      want: [['spec.upgradeStrategy.type', 'Spec.UpgradeStrategy.Type value Rolling is invalid, valid options are Recreate or None']],
    },
    {
      name: 'Suspending and Suspended both true',
      obj: makeRayCluster('c').condition('RayClusterSuspending', 'True').condition('RayClusterSuspended', 'True').obj(),
      want: [['status.conditions', 'RayClusterSuspending and rayv1.RayClusterSuspended conditions should not be both true']],
    },
    {
      name: 'strict: duplicate group names, numOfHosts 0, replicas outside [min, max]',
      obj: makeRayCluster('c')
        .workers('gpu', 9, { maxReplicas: 4 })
        .workers('cpu', 0, { minReplicas: 1, numOfHosts: 0 })
        .edit((o) => o.spec.workerGroupSpecs!.push({ ...o.spec.workerGroupSpecs![0]!, replicas: 1 }))
        .obj(),
      opts: strict,
      want: [
        [`${W0}.replicas`, 'worker group gpu has replicas 9 greater than maxReplicas 4'],
        ['spec.workerGroupSpecs[1].numOfHosts', 'worker group cpu has numOfHosts 0; it must be at least 1'],
        ['spec.workerGroupSpecs[1].replicas', 'worker group cpu has replicas 0 less than minReplicas 1'],
        ['spec.workerGroupSpecs[2].groupName', 'worker group name gpu is not unique: workerGroupSpecs[0] has the same name'],
      ],
    },
    {
      name: 'the same manifest is accepted without strict (KubeRay clamps replicas)',
      obj: makeRayCluster('c')
        .workers('gpu', 9, { maxReplicas: 4 })
        .workers('cpu', 0, { minReplicas: 1, numOfHosts: 0 })
        .edit((o) => o.spec.workerGroupSpecs!.push({ ...o.spec.workerGroupSpecs![0]!, replicas: 1 }))
        .obj(),
      want: [],
    },
    {
      name: 'every problem at once',
      obj: makeRayCluster('Bad_Name')
        .workers('a', 1, { minReplicas: 3, maxReplicas: 1 })
        .workers('b', 1)
        .editCluster((s) => {
          s.headGroupSpec.template.spec.containers = [];
          s.workerGroupSpecs![1]!.template.spec.containers = [];
          s.tlsOptions = {};
        })
        .obj(),
      want: [
        ['metadata.name', 'valid DNS1035 label'],
        ['spec.headGroupSpec.template.spec.containers', 'headGroupSpec should have at least one container'],
        [`${W0}.minReplicas`, 'greater than maxReplicas'],
        ['spec.workerGroupSpecs[1].template.spec.containers', 'workerGroupSpec should have at least one container'],
        ['spec.tlsOptions', 'RayClusterMTLS feature gate'],
      ],
    },
  ]);

  it('survives malformed input', () => {
    const junk = [
      { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: {} },
      { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'c' }, spec: null },
      { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'c' }, spec: { headGroupSpec: { template: { spec: { containers: [null] } } }, workerGroupSpecs: [null, 3] } },
    ];
    for (const j of junk) expect(validateRayCluster(j as unknown as RayCluster).length).toBeGreaterThan(0);
  });

  it('has standalone metadata and spec validators', () => {
    expect(validateRayClusterMetadata({ name: 'ok' })).toEqual([]);
    expect(validateRayClusterMetadata({ name: 'a'.repeat(54) })[0]!.field).toBe('metadata.name');
    const spec = makeRayCluster('c').workers('g', 1, { minReplicas: 2, maxReplicas: 1 }).obj().spec;
    expect(validateRayClusterSpec(spec, { path: 'spec.rayClusterConfig' })).toEqual([
      { field: 'spec.rayClusterConfig.workerGroupSpecs[0].minReplicas', message: 'worker group g has minReplicas 2 greater than maxReplicas 1' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// RayJob
// ---------------------------------------------------------------------------------------------

describe('validateRayJob', () => {
  const j = () => makeRayJob('j').workers('gpu', 2, { gpu: 8 });
  const DS = 'spec.deletionStrategy';
  run([
    { name: 'builder default is valid', obj: makeRayJob('j').obj(), opts: strict, want: [] },
    {
      name: 'the brief example is valid',
      obj: makeRayJob('j').workers('gpu', 4, { gpu: 8 }).entrypoint('python train.py').shutdownAfterJobFinishes().ttl(60).backoffLimit(2).mode('HTTPMode').suspend().queue('q').obj(),
      opts: strict,
      want: [],
    },
    { name: 'name longer than 47', obj: makeRayJob('j'.repeat(48)).obj(), want: [['metadata.name', 'RayJob name should be no more than 47 characters']] },
    { name: 'name not DNS-1035', obj: makeRayJob('Job.1').obj(), want: [['metadata.name', 'RayJob name should be a valid DNS1035 label']] },
    { name: 'suspend requires shutdownAfterJobFinishes', obj: j().suspend().obj(), want: [['spec.suspend', 'a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended']] },
    { name: 'ttl requires shutdownAfterJobFinishes', obj: j().ttl(60).obj(), want: [['spec.ttlSecondsAfterFinished', 'a RayJob with shutdownAfterJobFinishes set to false cannot have TTLSecondsAfterFinished']] },
    { name: 'negative ttl', obj: j().shutdownAfterJobFinishes().ttl(-1).obj(), want: [['spec.ttlSecondsAfterFinished', 'TTLSecondsAfterFinished must be a non-negative integer']] },
    { name: 'neither rayClusterSpec nor clusterSelector', obj: makeRayJob('j').edit((o) => delete o.spec.rayClusterSpec).obj(), want: [['spec.rayClusterSpec', 'one of RayClusterSpec or ClusterSelector must be set']] },
    { name: 'clusterSelector mode', obj: makeRayJob('j').clusterSelector('c').obj(), opts: strict, want: [] },
    {
      name: 'clusterSelector without a cluster name',
      obj: makeRayJob('j').clusterSelector('c').editSpec((s) => (s.clusterSelector = { team: 'a' })).obj(),
      want: [['spec.clusterSelector[ray.io/cluster]', 'cluster name in ClusterSelector should not be empty']],
    },
    {
      name: 'clusterSelector with suspend, backoffLimit and SidecarMode',
      obj: makeRayJob('j').clusterSelector('c').shutdownAfterJobFinishes().suspend().backoffLimit(1).mode('SidecarMode').obj(),
      want: [
        ['spec.suspend', "the ClusterSelector mode doesn't support the suspend operation"],
        ['spec.clusterSelector', 'ClusterSelector is not supported in SidecarMode'],
        ['spec.backoffLimit', 'BackoffLimit is incompatible with ClusterSelector mode'],
      ],
    },
    { name: 'InteractiveMode with retries', obj: j().mode('InteractiveMode').backoffLimit(1).obj(), want: [['spec.backoffLimit', 'BackoffLimit is incompatible with InteractiveMode']] },
    { name: 'InteractiveMode without entrypoint', obj: j().mode('InteractiveMode').editSpec((s) => delete s.entrypoint).obj(), opts: strict, want: [] },
    {
      name: 'SidecarMode with a submitter template, config and head restartPolicy',
      obj: j()
        .mode('SidecarMode')
        .submitterPodTemplate({ spec: { containers: [{ name: 's' }] } })
        .editSpec((s) => (s.submitterConfig = { backoffLimit: 1 }))
        .editCluster((s) => (s.headGroupSpec.template.spec.restartPolicy = 'Always'))
        .obj(),
      want: [
        ['spec.submitterPodTemplate', "Currently, SidecarMode doesn't support SubmitterPodTemplate"],
        ['spec.submitterConfig', "Currently, SidecarMode doesn't support SubmitterConfig"],
        ['spec.rayClusterSpec.headGroupSpec.template.spec.restartPolicy', 'restartPolicy for head Pod should be Never or unset when using SidecarMode'],
      ],
    },
    {
      name: 'deadlines and backoffLimit out of range',
      obj: j().activeDeadline(0).preRunningDeadline(0).backoffLimit(-1).obj(),
      want: [
        ['spec.activeDeadlineSeconds', 'activeDeadlineSeconds must be a positive integer'],
        ['spec.preRunningDeadlineSeconds', 'preRunningDeadlineSeconds must be a positive integer'],
        ['spec.backoffLimit', 'backoffLimit must be a positive integer'],
      ],
    },
    { name: 'runtimeEnvYAML that does not parse', obj: j().runtimeEnv('pip: [torch').obj(), want: [['spec.runtimeEnvYAML', 'failed to unmarshal RuntimeEnvYAML: pip: [torch: ']] },
    { name: 'runtimeEnvYAML that is not a mapping', obj: j().runtimeEnv('just words').obj(), want: [['spec.runtimeEnvYAML', 'cannot unmarshal string into Go value of type map[string]interface {}']] },
    { name: 'runtimeEnvYAML mapping', obj: j().runtimeEnv('pip:\n  - torch\nenv_vars:\n  A: "1"\n').obj(), want: [] },
    {
      name: 'cluster problems are reported under spec.rayClusterSpec',
      obj: makeRayJob('j').workers('gpu', 1, { minReplicas: 2, maxReplicas: 1 }).obj(),
      want: [['spec.rayClusterSpec.workerGroupSpecs[0].minReplicas', 'worker group gpu has minReplicas 2 greater than maxReplicas 1']],
    },
    {
      name: 'K8s token auth is not supported for RayJob',
      obj: j().rayVersion('2.55.0').editCluster((s) => (s.authOptions = { mode: 'token', enableK8sTokenAuth: true })).obj(),
      want: [['spec.rayClusterSpec.authOptions.enableK8sTokenAuth', 'K8s token auth mode is currently not supported for RayJob']],
    },
    { name: 'Waiting outside InteractiveMode', obj: j().status({ jobDeploymentStatus: 'Waiting' }).obj(), want: [['status.jobDeploymentStatus', 'JobDeploymentStatus cannot be `Waiting` when SubmissionMode is not InteractiveMode']] },
    { name: 'Waiting in InteractiveMode', obj: j().mode('InteractiveMode').status({ jobDeploymentStatus: 'Waiting' }).obj(), want: [] },
    { name: 'managedBy outside the allowed values', obj: j().editSpec((s) => (s.managedBy = 'me' as never)).obj(), want: [['spec.managedBy', 'the managedBy field value must be either']] },
    {
      name: 'deletionRules are valid',
      obj: j()
        .deletionRules(
          { policy: 'DeleteWorkers', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 0 } },
          { policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 60 } },
          { policy: 'DeleteSelf', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 600 } },
          { policy: 'DeleteCluster', condition: { jobDeploymentStatus: 'Failed' } },
        )
        .obj(),
      opts: strict,
      want: [],
    },
    {
      name: 'deletionRules with shutdownAfterJobFinishes',
      obj: j().shutdownAfterJobFinishes().deletionRules({ policy: 'DeleteCluster', condition: { jobStatus: 'FAILED' } }).obj(),
      want: [['spec.shutdownAfterJobFinishes', 'spec.shutdownAfterJobFinishes and spec.deletionStrategy.deletionRules are mutually exclusive']],
    },
    {
      name: 'deletionRules and legacy policies together',
      obj: j()
        .deletionRules({ policy: 'DeleteCluster', condition: { jobStatus: 'FAILED' } })
        .editSpec((s) => (s.deletionStrategy!.onSuccess = { policy: 'DeleteSelf' }))
        .obj(),
      want: [[DS, 'Cannot use both legacy onSuccess/onFailure fields and deletionRules simultaneously']],
    },
    { name: 'empty deletionStrategy', obj: j().editSpec((s) => (s.deletionStrategy = {})).obj(), want: [[DS, 'DeletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules field (cannot be empty)']] },
    { name: 'legacy onSuccess alone', obj: j().editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteCluster' } })).obj(), want: [[DS, 'both DeletionStrategy.OnSuccess and DeletionStrategy.OnFailure must be set']] },
    { name: 'legacy policies are valid', obj: j().editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteCluster' }, onFailure: { policy: 'DeleteNone' } })).obj(), want: [] },
    {
      name: 'legacy policy unset',
      obj: j().editSpec((s) => (s.deletionStrategy = { onSuccess: {}, onFailure: { policy: 'DeleteNone' } })).obj(),
      want: [[`${DS}.onSuccess.policy`, 'the DeletionPolicyType field of DeletionStrategy.OnSuccess cannot be unset']],
    },
    {
      name: 'legacy DeleteNone with shutdownAfterJobFinishes',
      obj: j()
        .shutdownAfterJobFinishes()
        .editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteCluster' }, onFailure: { policy: 'DeleteNone' } }))
        .obj(),
      want: [['spec.shutdownAfterJobFinishes', "shutdownAfterJobFinshes is set to 'true' while deletion policy is 'DeleteNone'"]],
    },
    {
      name: 'legacy DeleteCluster/DeleteWorkers in clusterSelector mode',
      obj: makeRayJob('j')
        .clusterSelector('c')
        .editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteCluster' }, onFailure: { policy: 'DeleteWorkers' } }))
        .obj(),
      want: [
        [`${DS}.onSuccess.policy`, "the ClusterSelector mode doesn't support DeletionStrategy=DeleteCluster on success"],
        [`${DS}.onFailure.policy`, "the ClusterSelector mode doesn't support DeletionStrategy=DeleteWorkers on failure"],
      ],
    },
    {
      name: 'legacy DeleteWorkers with autoscaling',
      obj: j()
        .autoscaling()
        .editSpec((s) => (s.deletionStrategy = { onSuccess: { policy: 'DeleteWorkers' }, onFailure: { policy: 'DeleteSelf' } }))
        .obj(),
      want: [[DS, 'DeletionStrategy=DeleteWorkers currently does not support RayCluster with autoscaling enabled']],
    },
    {
      name: 'deletion rule conditions',
      obj: j()
        .deletionRules(
          { policy: 'DeleteCluster', condition: { jobStatus: 'FAILED', jobDeploymentStatus: 'Failed' } },
          { policy: 'DeleteCluster', condition: {} },
          { policy: 'DeleteSelf', condition: { jobStatus: 'FAILED', ttlSeconds: -1 } },
        )
        .obj(),
      want: [
        [`${DS}.deletionRules[0].condition`, 'deletionRules[0]: cannot set both JobStatus and JobDeploymentStatus at the same time'],
        [`${DS}.deletionRules[1].condition`, 'deletionRules[1]: exactly one of JobStatus and JobDeploymentStatus must be set'],
        [`${DS}.deletionRules[2].condition.ttlSeconds`, 'deletionRules[2]: TTLSeconds must be non-negative'],
      ],
    },
    {
      name: 'duplicate deletion rules and TTLs out of order',
      obj: j()
        .deletionRules(
          { policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 10 } },
          { policy: 'DeleteWorkers', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 20 } },
          { policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 30 } },
          { policy: 'DeleteSelf', condition: { jobDeploymentStatus: 'Failed', ttlSeconds: 0 } },
          { policy: 'DeleteCluster', condition: { jobDeploymentStatus: 'Failed', ttlSeconds: 5 } },
        )
        .obj(),
      want: [
        [`${DS}.deletionRules[2]`, "deletionRules[2]: duplicate rule for DeletionPolicyType 'DeleteCluster' and JobStatus 'SUCCEEDED'"],
        [`${DS}.deletionRules`, "for JobStatus 'SUCCEEDED': DeleteCluster TTL (10) must be >= DeleteWorkers TTL (20)"],
        [`${DS}.deletionRules`, "for JobDeploymentStatus 'Failed': DeleteSelf TTL (0) must be >= DeleteCluster TTL (5)"],
      ],
    },
    {
      name: 'deletion rules that need a cluster of their own',
      obj: makeRayJob('j')
        .clusterSelector('c')
        .deletionRules({ policy: 'DeleteWorkers', condition: { jobStatus: 'FAILED' } }, { policy: 'DeleteSelf', condition: { jobStatus: 'FAILED' } })
        .obj(),
      want: [[`${DS}.deletionRules[0].policy`, "deletionRules[0]: DeletionPolicyType 'DeleteWorkers' not supported when ClusterSelector is set"]],
    },
    {
      name: 'DeleteWorkers rule with autoscaling',
      obj: j().autoscaling().deletionRules({ policy: 'DeleteWorkers', condition: { jobStatus: 'FAILED' } }).obj(),
      want: [[`${DS}.deletionRules[0].policy`, "deletionRules[0]: DeletionPolicyType 'DeleteWorkers' not supported with autoscaling enabled"]],
    },
    {
      name: 'deletionStrategy with the RayJobDeletionPolicy gate off',
      obj: j().deletionRules({ policy: 'DeleteCluster', condition: { jobStatus: 'FAILED' } }).obj(),
      opts: { featureGates: featureGates({ RayJobDeletionPolicy: false }) },
      want: [[DS, 'RayJobDeletionPolicy feature gate must be enabled to use DeletionStrategy']],
    },
    {
      name: 'strict: unknown submissionMode',
      obj: j().mode('BatchMode' as never).obj(),
      opts: strict,
      want: [['spec.submissionMode', 'submissionMode "BatchMode" is invalid, valid options are K8sJobMode, HTTPMode, InteractiveMode, SidecarMode']],
    },
    { name: 'strict: empty submissionMode (the CRD default only fills a missing one)', obj: j().mode('' as never).obj(), opts: strict, want: [['spec.submissionMode', 'submissionMode "" is invalid']] },
    { name: 'unknown submissionMode without strict', obj: j().mode('BatchMode' as never).obj(), want: [] },
    { name: 'strict: entrypoint missing', obj: j().mode('HTTPMode').editSpec((s) => delete s.entrypoint).obj(), opts: strict, want: [['spec.entrypoint', 'entrypoint must be set in HTTPMode']] },
    {
      name: 'strict: submitter settings outside K8sJobMode',
      obj: j()
        .mode('HTTPMode')
        .submitterPodTemplate({ spec: { containers: [{ name: 's' }] } })
        .editSpec((s) => (s.submitterConfig = { backoffLimit: 1 }))
        .obj(),
      opts: strict,
      want: [
        ['spec.submitterPodTemplate', 'submitterPodTemplate is only used in K8sJobMode, not in HTTPMode'],
        ['spec.submitterConfig', 'submitterConfig is only used in K8sJobMode and SidecarMode, not in HTTPMode'],
      ],
    },
    {
      name: 'strict: rayClusterSpec and clusterSelector together',
      obj: j()
        .editSpec((s) => (s.clusterSelector = { 'ray.io/cluster': 'c' }))
        .obj(),
      opts: strict,
      want: [['spec.clusterSelector', 'rayClusterSpec and clusterSelector are mutually exclusive']],
    },
    { name: 'rayClusterSpec and clusterSelector together without strict', obj: j().editSpec((s) => (s.clusterSelector = { 'ray.io/cluster': 'c' })).obj(), want: [] },
  ]);

  it('has standalone metadata and spec validators', () => {
    expect(validateRayJobMetadata({ name: 'j' })).toEqual([]);
    expect(validateRayJobSpec(makeRayJob('j').suspend().obj().spec, { path: 'spec.jobTemplate' })).toEqual([
      { field: 'spec.jobTemplate.suspend', message: 'a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended' },
    ]);
    expect(validateRayJobSpec(undefined)).toEqual([{ field: 'spec.rayClusterSpec', message: 'one of RayClusterSpec or ClusterSelector must be set' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// RayService
// ---------------------------------------------------------------------------------------------

describe('validateRayService', () => {
  const s = () => makeRayService('s').workers('cpu', 2, { cpu: 4 });
  const incremental = (o: Record<string, unknown>) =>
    s()
      .autoscaling()
      .edit((x) => (x.spec.upgradeStrategy = { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: o }))
      .obj();
  const UP = 'spec.upgradeStrategy.clusterUpgradeOptions';
  const TIMEOUT = 'metadata.annotations[ray.io/initializing-timeout]';
  run([
    { name: 'builder default is valid', obj: makeRayService('s').obj(), opts: strict, want: [] },
    { name: 'with workers, upgrade strategy and delay', obj: s().upgradeStrategy('None').deletionDelay(0).obj(), opts: strict, want: [] },
    { name: 'name longer than 47', obj: makeRayService('s'.repeat(48)).obj(), want: [['metadata.name', 'RayService name should be no more than 47 characters']] },
    { name: 'initializing timeout as a duration', obj: s().annotation('ray.io/initializing-timeout', '5m').obj(), want: [] },
    { name: 'initializing timeout in seconds', obj: s().annotation('ray.io/initializing-timeout', '300').obj(), want: [] },
    { name: 'initializing timeout not positive', obj: s().annotation('ray.io/initializing-timeout', '0s').obj(), want: [[TIMEOUT, 'annotation ray.io/initializing-timeout must be a positive duration, got: 0s']] },
    { name: 'initializing timeout of negative seconds', obj: s().annotation('ray.io/initializing-timeout', '-5').obj(), want: [[TIMEOUT, 'must be a positive integer (seconds), got: -5']] },
    { name: 'initializing timeout that does not parse', obj: s().annotation('ray.io/initializing-timeout', 'soon').obj(), want: [[TIMEOUT, "has invalid format: soon. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds"]] },
    {
      name: 'head service with a name',
      obj: s().editCluster((c) => (c.headGroupSpec.headService = { metadata: { name: 'mine' } })).obj(),
      want: [['spec.rayClusterConfig.headGroupSpec.headService.metadata.name', 'spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set']],
    },
    {
      name: 'unknown upgrade strategy',
      obj: s().upgradeStrategy('BlueGreen' as never).obj(),
      want: [['spec.upgradeStrategy.type', 'Spec.UpgradeStrategy.Type value BlueGreen is invalid, valid options are NewClusterWithIncrementalUpgrade, NewCluster, or None']],
    },
    { name: 'negative deletion delay', obj: s().deletionDelay(-1).obj(), want: [['spec.rayClusterDeletionDelaySeconds', 'Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got -1']] },
    {
      name: 'incremental upgrade without autoscaling or options',
      obj: s().upgradeStrategy('NewClusterWithIncrementalUpgrade').obj(),
      want: [
        ['spec.rayClusterConfig.enableInTreeAutoscaling', 'Ray Autoscaler is required for NewClusterWithIncrementalUpgrade'],
        [UP, 'ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade'],
      ],
    },
    { name: 'incremental upgrade done right', obj: incremental({ stepSizePercent: 10, intervalSeconds: 30, gatewayClassName: 'istio' }), want: [] },
    {
      name: 'incremental upgrade options out of range',
      obj: incremental({ maxSurgePercent: 150, stepSizePercent: 101, intervalSeconds: 0 }),
      want: [
        [`${UP}.maxSurgePercent`, 'maxSurgePercent must be between 0 and 100'],
        [`${UP}.stepSizePercent`, 'stepSizePercent must be between 0 and 100'],
        [`${UP}.intervalSeconds`, 'intervalSeconds must be greater than 0'],
        [`${UP}.gatewayClassName`, 'gatewayClassName is required for NewClusterWithIncrementalUpgrade'],
      ],
    },
    { name: 'step larger than surge', obj: incremental({ maxSurgePercent: 20, stepSizePercent: 30, intervalSeconds: 5, gatewayClassName: 'g' }), want: [[`${UP}.stepSizePercent`, 'stepSizePercent must be less than or equal to maxSurgePercent']] },
    {
      name: 'incremental upgrade with the gate off is not checked further',
      obj: s().upgradeStrategy('NewClusterWithIncrementalUpgrade').obj(),
      opts: { featureGates: featureGates({ RayServiceIncrementalUpgrade: false }) },
      want: [],
    },
    {
      name: 'cluster problems are reported under spec.rayClusterConfig',
      obj: s().editCluster((c) => (c.workerGroupSpecs![0]!.minReplicas = -1)).obj(),
      want: [['spec.rayClusterConfig.workerGroupSpecs[0].minReplicas', 'worker group cpu has negative minReplicas -1']],
    },
    {
      name: 'K8s token auth is not supported for RayService',
      obj: s().rayVersion('2.55.0').editCluster((c) => (c.authOptions = { mode: 'token', enableK8sTokenAuth: true })).obj(),
      want: [['spec.rayClusterConfig.authOptions.enableK8sTokenAuth', 'K8s token auth mode is currently not supported for RayService']],
    },
    { name: 'strict: serveConfigV2 that does not parse', obj: s().serveConfig('applications: [').obj(), opts: strict, want: [['spec.serveConfigV2', 'serveConfigV2 is not a valid YAML mapping']] },
    { name: 'strict: serveConfigV2 that is a list', obj: s().serveConfig('- a\n- b\n').obj(), opts: strict, want: [['spec.serveConfigV2', 'cannot unmarshal array into Go value']] },
    { name: 'bad serveConfigV2 without strict', obj: s().serveConfig('applications: [').obj(), want: [] },
    { name: 'no serveConfigV2', obj: s().edit((o) => delete o.spec.serveConfigV2).obj(), opts: strict, want: [] },
  ]);

  it('has standalone metadata and spec validators', () => {
    expect(validateRayServiceMetadata({ name: 's', annotations: { 'ray.io/initializing-timeout': '1h' } })).toEqual([]);
    expect(validateRayServiceSpec(makeRayService('s').deletionDelay(-2).obj().spec)[0]!.field).toBe('spec.rayClusterDeletionDelaySeconds');
  });
});

// ---------------------------------------------------------------------------------------------
// RayCronJob
// ---------------------------------------------------------------------------------------------

describe('validateRayCronJob', () => {
  run([
    { name: 'builder default is valid', obj: makeRayCronJob('cj').obj(), opts: strict, want: [] },
    { name: 'descriptor and time zone', obj: makeRayCronJob('cj', '@hourly').timeZone('Europe/Berlin').obj(), want: [] },
    { name: 'ranges, steps and names', obj: makeRayCronJob('cj', '0-30/10 9-17 * JAN-JUN MON-FRI').obj(), want: [] },
    { name: 'name longer than 36', obj: makeRayCronJob('c'.repeat(37)).obj(), want: [['metadata.name', 'RayCronJob name should be no more than 36 characters']] },
    { name: 'six fields', obj: makeRayCronJob('cj', '0 * * * * *').obj(), want: [['spec.schedule', 'invalid cron schedule: expected exactly 5 fields, found 6: [0 * * * * *]']] },
    { name: 'out of range', obj: makeRayCronJob('cj', '0 25 * * *').obj(), want: [['spec.schedule', 'invalid cron schedule: end of range (25) above maximum (23): 25']] },
    { name: 'empty schedule', obj: makeRayCronJob('cj', '').obj(), want: [['spec.schedule', 'invalid cron schedule: empty spec string']] },
    { name: 'TZ in the schedule', obj: makeRayCronJob('cj', 'CRON_TZ=UTC 0 * * * *').obj(), want: [['spec.schedule', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead']] },
    { name: 'empty time zone', obj: makeRayCronJob('cj').timeZone('').obj(), want: [['spec.timeZone', 'timeZone must not be empty string, omit the field to use the local time zone of the KubeRay operator']] },
    { name: 'unknown time zone', obj: makeRayCronJob('cj').timeZone('Nowhere/City').obj(), want: [['spec.timeZone', 'invalid time zone: unknown time zone Nowhere/City']] },
    {
      name: 'template problems are prefixed and placed under spec.jobTemplate',
      obj: makeRayCronJob('cj').template(makeRayJob('t').suspend().workers('g', 1, { minReplicas: 2, maxReplicas: 1 })).obj(),
      want: [
        ['spec.jobTemplate.suspend', 'invalid RayJob template: a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended'],
        ['spec.jobTemplate.rayClusterSpec.workerGroupSpecs[0].minReplicas', 'invalid RayJob template: worker group g has minReplicas 2 greater than maxReplicas 1'],
      ],
    },
    {
      name: 'template annotations are not consulted (KubeRay validates a bare RayJob)',
      obj: makeRayCronJob('cj')
        .annotation('ray.io/ft-enabled', 'true')
        .template(makeRayJob('t').editCluster((c) => (c.gcsFaultToleranceOptions = {})))
        .obj(),
      want: [],
    },
  ]);
});

describe('problemsMessage', () => {
  it('joins field and message', () => {
    expect(
      problemsMessage([
        { field: 'a', message: 'x' },
        { field: 'b', message: 'y' },
      ]),
    ).toBe('a: x; b: y');
    expect(problemsMessage([])).toBe('');
  });
});
