import { describe, expect, it } from 'vitest';
import {
  MAX_INT32,
  backoffLimit,
  cronTimeZone,
  defaultRayCluster,
  defaultRayClusterSpec,
  defaultRayCronJob,
  defaultRayJob,
  defaultRayJobSpec,
  defaultRayService,
  defaultRayServiceSpec,
  defaultWorkerGroupSpec,
  idleTimeoutSeconds,
  isAutoscalingEnabled,
  isAutoscalingV2Enabled,
  rayClusterDeletionDelaySeconds,
  rayServiceUpgradeType,
  submissionMode,
  submitterBackoffLimit,
  upscalingMode,
} from '../../controller/api/defaults.js';
import { desiredWorkerReplicas, maxWorkerReplicas, minWorkerReplicas, workerGroupDesiredPods, workerGroupReplicas } from '../../controller/api/replicas.js';
import type { RayCluster, RayJob, RayService, WorkerGroupSpec } from '../../controller/api/types.js';
import { applyDefaults } from '../../sim/kube/schema.js';
import { makeRayCluster, makeRayCronJob, makeRayJob, makeRayService } from '../fixtures/ray-builders.js';
import { crdSchema } from './crd-schemas.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** A cluster whose worker groups left every defaulted field unset. */
function bareCluster(): RayCluster {
  return makeRayCluster('c')
    .workers('a', 2)
    .workers('b', 1)
    .edit((o) => {
      for (const g of o.spec.workerGroupSpecs!) {
        delete g.replicas;
        delete g.minReplicas;
        delete g.maxReplicas;
        delete g.rayStartParams;
      }
      delete o.spec.headGroupSpec.rayStartParams;
    })
    .obj();
}

function bareJob(): RayJob {
  const cluster = bareCluster().spec;
  return makeRayJob('j')
    .deletionRules({ policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED' } }, { policy: 'DeleteSelf', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 30 } })
    .edit((o) => {
      o.spec.rayClusterSpec = cluster;
      o.status = {};
    })
    .obj();
}

describe('CRD defaults', () => {
  it('fill worker group replicas, minReplicas, maxReplicas, numOfHosts and priority', () => {
    const g = defaultWorkerGroupSpec({ groupName: 'g', template: { spec: { containers: [{ name: 'c' }] } } }, { crdOnly: true });
    expect(g).toEqual({ groupName: 'g', replicas: 0, minReplicas: 0, maxReplicas: MAX_INT32, numOfHosts: 1, priority: 0, template: { spec: { containers: [{ name: 'c' }] } } });
  });

  it('keep values that are set (0 and false included), replace nulls', () => {
    const g = defaultWorkerGroupSpec({ groupName: 'g', replicas: 3, minReplicas: 1, maxReplicas: 0, numOfHosts: 4, priority: 0, template: { spec: { containers: [] } } });
    expect([g.replicas, g.minReplicas, g.maxReplicas, g.numOfHosts, g.priority]).toEqual([3, 1, 0, 4, 0]);
    const n = defaultWorkerGroupSpec({ groupName: 'g', replicas: null as unknown as number, template: { spec: { containers: [] } } });
    expect(n.replicas).toBe(0);
  });

  it('fill RayJob submissionMode K8sJobMode, backoffLimit 0, ttlSecondsAfterFinished 0, deletion rule ttlSeconds 0, status counters', () => {
    const j = defaultRayJob(bareJob(), { crdOnly: true });
    expect(j.spec.submissionMode).toBe('K8sJobMode');
    expect(j.spec.backoffLimit).toBe(0);
    expect(j.spec.ttlSecondsAfterFinished).toBe(0);
    expect(j.spec.deletionStrategy!.deletionRules!.map((r) => r.condition.ttlSeconds)).toEqual([0, 30]);
    expect(j.spec.rayClusterSpec!.workerGroupSpecs![0]!.maxReplicas).toBe(MAX_INT32);
    expect(j.status).toEqual({ succeeded: 0, failed: 0 });
    expect(defaultRayJob(makeRayJob('j').obj()).status).toBeUndefined();
    expect(defaultRayJobSpec({ submissionMode: 'HTTPMode', backoffLimit: 3 }).submissionMode).toBe('HTTPMode');
  });

  it('fill clusterUpgradeOptions.maxSurgePercent 100 and networkPolicy.mode DenyAll', () => {
    const s = defaultRayServiceSpec(
      makeRayService('s')
        .edit((o) => {
          o.spec.upgradeStrategy = { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: { stepSizePercent: 10, intervalSeconds: 30, gatewayClassName: 'gw' } };
          o.spec.rayClusterConfig.networkPolicy = {};
        })
        .obj().spec,
      { crdOnly: true },
    );
    expect(s.upgradeStrategy!.clusterUpgradeOptions!.maxSurgePercent).toBe(100);
    expect(s.rayClusterConfig.networkPolicy!.mode).toBe('DenyAll');
    expect(s.rayClusterDeletionDelaySeconds).toBeUndefined();
  });

  it('are exactly what the API server applies from the CRD schemas', () => {
    const cases: [kind: 'RayCluster' | 'RayJob' | 'RayService' | 'RayCronJob', obj: unknown, ours: unknown][] = [];
    const c = bareCluster();
    c.spec.networkPolicy = { workerGroups: [{ groupName: 'a' }] };
    cases.push(['RayCluster', c, defaultRayCluster(c, { crdOnly: true })]);
    const j = bareJob();
    cases.push(['RayJob', j, defaultRayJob(j, { crdOnly: true })]);
    const s = makeRayService('s')
      .edit((o) => {
        o.spec.rayClusterConfig = bareCluster().spec;
        o.spec.upgradeStrategy = { clusterUpgradeOptions: { stepSizePercent: 10, intervalSeconds: 30, gatewayClassName: 'gw' } };
      })
      .obj();
    cases.push(['RayService', s, defaultRayService(s, { crdOnly: true })]);
    const cj = makeRayCronJob('cj').template(bareJob().spec).obj();
    cases.push(['RayCronJob', cj, defaultRayCronJob(cj, { crdOnly: true })]);
    for (const [kind, obj, ours] of cases) expect(ours, kind).toEqual(applyDefaults(obj, crdSchema(kind)));
  });
});

describe('effective defaults', () => {
  it('add what the controllers assume: empty rayStartParams, autoscaler mode and idle timeout', () => {
    const spec = defaultRayClusterSpec(bareCluster().spec);
    expect(spec.headGroupSpec.rayStartParams).toEqual({});
    expect(spec.workerGroupSpecs!.every((g) => g.rayStartParams && Object.keys(g.rayStartParams).length === 0)).toBe(true);
    expect(spec.autoscalerOptions).toBeUndefined();
    const auto = defaultRayClusterSpec(makeRayCluster('c').autoscaling({}).obj().spec);
    expect(auto.autoscalerOptions).toEqual({ upscalingMode: 'Default', idleTimeoutSeconds: 60 });
    const keep = defaultRayClusterSpec(makeRayCluster('c').autoscaling({ upscalingMode: 'Conservative', idleTimeoutSeconds: 5 }).obj().spec);
    expect(keep.autoscalerOptions).toEqual({ upscalingMode: 'Conservative', idleTimeoutSeconds: 5 });
  });

  it('give RayService upgradeStrategy NewCluster and rayClusterDeletionDelaySeconds 60', () => {
    const s = defaultRayService(makeRayService('s').obj());
    expect(s.spec.upgradeStrategy).toEqual({ type: 'NewCluster' });
    expect(s.spec.rayClusterDeletionDelaySeconds).toBe(60);
    const kept = defaultRayService(makeRayService('s').upgradeStrategy('None').deletionDelay(0).obj());
    expect(kept.spec.upgradeStrategy!.type).toBe('None');
    expect(kept.spec.rayClusterDeletionDelaySeconds).toBe(0);
  });

  it('default the RayCronJob template like a RayJob', () => {
    const cj = defaultRayCronJob(makeRayCronJob('cj').template(bareJob().spec).obj());
    expect(cj.spec.jobTemplate.submissionMode).toBe('K8sJobMode');
    expect(cj.spec.jobTemplate.rayClusterSpec!.workerGroupSpecs![1]!.numOfHosts).toBe(1);
  });
});

describe('defaulting is pure', () => {
  it('never modifies the input and shares nothing with it', () => {
    const inputs = {
      cluster: deepFreeze(bareCluster()),
      job: deepFreeze(bareJob()),
      service: deepFreeze(makeRayService('s').obj()),
      cron: deepFreeze(makeRayCronJob('cj').template(bareJob().spec).obj()),
    };
    const snapshot = structuredClone(inputs);
    const outs = [defaultRayCluster(inputs.cluster), defaultRayJob(inputs.job), defaultRayService(inputs.service), defaultRayCronJob(inputs.cron)];
    outs.push(defaultRayCluster(inputs.cluster, { crdOnly: true }), defaultRayJob(inputs.job, { crdOnly: true }));
    expect(inputs).toEqual(snapshot);
    const c = outs[0] as RayCluster;
    expect(c).not.toBe(inputs.cluster);
    expect(c.spec.workerGroupSpecs![0]).not.toBe(inputs.cluster.spec.workerGroupSpecs![0]);
    expect(Object.isFrozen(c.spec)).toBe(false);
  });

  it('is idempotent', () => {
    const once = defaultRayJob(bareJob());
    expect(defaultRayJob(once)).toEqual(once);
    const s: RayService = defaultRayService(makeRayService('s').obj());
    expect(defaultRayService(s)).toEqual(s);
  });

  it('tolerates malformed input without throwing', () => {
    expect(() => defaultRayCluster({ apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: {} } as unknown as RayCluster)).not.toThrow();
    expect(() => defaultRayJob({ apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: {}, spec: { rayClusterSpec: 'x' } } as unknown as RayJob)).not.toThrow();
  });
});

describe('effective-value accessors', () => {
  it('read the value or its default', () => {
    expect(submissionMode({})).toBe('K8sJobMode');
    expect(submissionMode({ submissionMode: '' as never })).toBe('');
    expect(submissionMode({ submissionMode: 'InteractiveMode' })).toBe('InteractiveMode');
    expect(backoffLimit({})).toBe(0);
    expect(backoffLimit({ backoffLimit: 2 })).toBe(2);
    expect(submitterBackoffLimit({})).toBe(2);
    expect(submitterBackoffLimit({ submitterConfig: { backoffLimit: 0 } })).toBe(0);
    const svc = makeRayService('s').obj().spec;
    expect(rayServiceUpgradeType(svc)).toBe('NewCluster');
    expect(rayClusterDeletionDelaySeconds(svc)).toBe(60);
    expect(rayClusterDeletionDelaySeconds({ ...svc, rayClusterDeletionDelaySeconds: 0 })).toBe(0);
    const cluster = makeRayCluster('c').workers('a', 1, { idleTimeoutSeconds: 5 }).workers('b', 1).obj().spec;
    expect(idleTimeoutSeconds(cluster, cluster.workerGroupSpecs![0])).toBe(5);
    expect(idleTimeoutSeconds(cluster, cluster.workerGroupSpecs![1])).toBe(60);
    expect(idleTimeoutSeconds({ ...cluster, autoscalerOptions: { idleTimeoutSeconds: 30 } }, cluster.workerGroupSpecs![1])).toBe(30);
    expect(upscalingMode(cluster)).toBe('Default');
    expect(isAutoscalingEnabled(cluster)).toBe(false);
    expect(isAutoscalingEnabled(undefined)).toBe(false);
    const auto = makeRayCluster('c').autoscaling().obj().spec;
    expect(isAutoscalingEnabled(auto)).toBe(true);
    expect(isAutoscalingV2Enabled(auto)).toBe(true);
    expect(cronTimeZone({ schedule: '* * * * *', jobTemplate: {} })).toBe('UTC');
    expect(cronTimeZone({ schedule: '* * * * *', jobTemplate: {}, timeZone: 'Europe/Paris' })).toBe('Europe/Paris');
  });
});

describe('desired replicas (GetWorkerGroupDesiredReplicas)', () => {
  const g = (o: Partial<WorkerGroupSpec>): WorkerGroupSpec => ({ groupName: 'g', template: { spec: { containers: [] } }, ...o });
  const cases: [name: string, group: WorkerGroupSpec, replicas: number, pods: number][] = [
    ['replicas within range', g({ replicas: 3, minReplicas: 1, maxReplicas: 5 }), 3, 3],
    ['below min is raised to min', g({ replicas: 0, minReplicas: 2, maxReplicas: 5 }), 2, 2],
    ['above max is lowered to max', g({ replicas: 9, minReplicas: 0, maxReplicas: 4 }), 4, 4],
    ['unset replicas is min', g({ minReplicas: 2 }), 2, 2],
    ['unset everything is 0', g({}), 0, 0],
    ['unset max is MaxInt32', g({ replicas: 1000 }), 1000, 1000],
    ['multi-host replicas', g({ replicas: 2, minReplicas: 0, maxReplicas: 4, numOfHosts: 4 }), 2, 8],
    ['suspended group', g({ replicas: 3, minReplicas: 1, suspend: true }), 0, 0],
  ];
  it.each(cases)('%s', (_n, group, replicas, pods) => {
    expect(workerGroupReplicas(group)).toBe(replicas);
    expect(workerGroupDesiredPods(group)).toBe(pods);
  });

  it('sums over groups, skipping suspended ones for min and max, and caps max at MaxInt32', () => {
    const spec = makeRayCluster('c')
      .workers('a', 2, { minReplicas: 1, maxReplicas: 4, numOfHosts: 2 })
      .workers('b', 9, { maxReplicas: 3 })
      .workers('s', 5, { minReplicas: 5, maxReplicas: 5, suspend: true })
      .obj().spec;
    expect(desiredWorkerReplicas(spec)).toBe(4 + 3);
    expect(minWorkerReplicas(spec)).toBe(2);
    expect(maxWorkerReplicas(spec)).toBe(8 + 3);
    expect(maxWorkerReplicas(makeRayCluster('c').workers('a', 1).workers('b', 1).obj().spec)).toBe(MAX_INT32);
    expect(desiredWorkerReplicas(makeRayCluster('c').obj().spec)).toBe(0);
  });
});
