// `raysim operator`: the Ray controllers on the real manager against any API server — our own
// `raysim apiserver`, kind, or a production cluster. Before starting it makes sure the CRDs it
// serves exist (installing them when it may) and that its credentials can do what the
// controllers need, and says plainly what is missing or forbidden.

import { ApiError, isApiError } from '../controller/runtime/api-error.js';
import type { HttpKubeClient } from '../controller/runtime/http-kube-client.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { createLogger, type StructuredLogger } from '../controller/runtime/logger.js';
import { RealManager } from '../controller/runtime/real-manager.js';
import { httpDashboardClientFactory } from '../controller/ray/dashboard-http-client.js';
import { rayReconcilers } from '../controller/ray/index.js';
import { defaultCrdDir, manifestFiles, readManifests } from './kube/manifests.js';

const CRD_ID = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

export interface OperatorOptions {
  client: HttpKubeClient;
  namespace?: string;
  leaderElect?: boolean;
  leaseNamespace?: string;
  identity?: string;
  batchScheduler?: string;
  /** Send every cluster's dashboard calls here (a port-forward, or a test's fake Ray head). */
  dashboardUrl?: string;
  /** Install missing CRDs (default true); otherwise only check. */
  installCrds?: boolean;
  logger?: StructuredLogger;
}

export class OperatorSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorSetupError';
  }
}

/** Makes sure every ray.io CRD exists and is Established; installs missing ones when allowed. */
export async function ensureCrds(client: HttpKubeClient, install: boolean, log: StructuredLogger): Promise<void> {
  const problems: string[] = [];
  for (const file of manifestFiles(defaultCrdDir())) {
    for (const { object } of readManifests(file)) {
      const name = object.metadata.name!;
      try {
        await client.get(CRD_ID, name);
        log.info('CRD present', { crd: name });
        continue;
      } catch (e) {
        if (isApiError(e, 'Forbidden')) {
          problems.push(`cannot read CustomResourceDefinition ${name}: forbidden (grant get on customresourcedefinitions.apiextensions.k8s.io, or install the CRDs yourself: kubectl apply -f ${file})`);
          continue;
        }
        if (!isApiError(e, 'NotFound')) throw e;
      }
      if (!install) {
        problems.push(`CustomResourceDefinition ${name} is missing: kubectl apply -f ${file}`);
        continue;
      }
      try {
        await client.create(object as KubeObject);
        log.info('CRD installed', { crd: name, file });
      } catch (e) {
        if (isApiError(e, 'Forbidden')) problems.push(`CustomResourceDefinition ${name} is missing and these credentials may not create it: kubectl apply -f ${file}`);
        else if (!isApiError(e, 'AlreadyExists')) throw e;
      }
    }
  }
  if (problems.length) throw new OperatorSetupError(problems.join('\n'));
}

/** The verbs the controllers need, checked by trying a list of each kind (RBAC answers 403). */
export async function checkAccess(client: HttpKubeClient, namespace: string | undefined): Promise<void> {
  const kinds = [
    { apiVersion: 'ray.io/v1', kind: 'RayCluster' },
    { apiVersion: 'ray.io/v1', kind: 'RayJob' },
    { apiVersion: 'ray.io/v1', kind: 'RayService' },
    { apiVersion: 'v1', kind: 'Pod' },
    { apiVersion: 'v1', kind: 'Service' },
    { apiVersion: 'v1', kind: 'Event' },
    { apiVersion: 'batch/v1', kind: 'Job' },
  ];
  const forbidden: string[] = [];
  for (const id of kinds) {
    try {
      await client.list(id, { namespace, limit: 1 });
    } catch (e) {
      if (isApiError(e, 'Forbidden')) forbidden.push(`${id.kind} (${id.apiVersion})`);
      else if (isApiError(e, 'NotFound')) forbidden.push(`${id.kind} (${id.apiVersion}): not served by this API server`);
      else throw e;
    }
  }
  if (forbidden.length)
    throw new OperatorSetupError(
      `the operator cannot list ${forbidden.join(', ')}${namespace ? ` in namespace ${namespace}` : ''}; it needs get/list/watch/create/update/patch/delete on these kinds`,
    );
}

export async function startOperator(o: OperatorOptions): Promise<RealManager> {
  const log = o.logger ?? createLogger({ level: 'info', format: 'text' });
  await ensureCrds(o.client, o.installCrds ?? true, log);
  await checkAccess(o.client, o.namespace);
  const dashboards = httpDashboardClientFactory(o.dashboardUrl ? () => o.dashboardUrl! : undefined);
  const manager = new RealManager(o.client, {
    logger: log,
    namespace: o.namespace,
    leaderElection: o.leaderElect
      ? { namespace: o.leaseNamespace ?? o.namespace ?? 'default', name: 'raysim-operator', identity: o.identity ?? `raysim-operator-${process.pid}` }
      : undefined,
  });
  for (const r of rayReconcilers({ dashboards, batchScheduler: o.batchScheduler })) manager.add(r);
  try {
    await manager.start();
  } catch (e) {
    if (e instanceof ApiError) throw new OperatorSetupError(`starting the controllers: ${e.message}`);
    throw e;
  }
  log.info('operator started', { namespace: o.namespace ?? '(all)', leaderElection: !!o.leaderElect });
  return manager;
}
