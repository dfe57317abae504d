// Service steps of the RayCluster reconcile (reconcileHeadService, reconcileHeadlessService,
// reconcileServeService): each finds its service in the cache and creates it when missing.
// Existing services are left as they are, as upstream does.

import type { Service } from '../../api/core-types.js';
import type { RayCluster } from '../../api/raycluster-types.js';
import {
  ENABLE_SERVE_SERVICE_KEY,
  ENABLE_SERVE_SERVICE_TRUE,
  EventReason,
  KUBERNETES_APPLICATION_NAME_LABEL_KEY,
  SERVICE,
} from '../../api/constants.js';
import { DEFAULT_NUM_OF_HOSTS } from '../../api/defaults.js';
import { isApiError } from '../../runtime/api-error.js';
import { headlessServiceSelector, headServiceSelector } from '../common/association.js';
import { buildHeadlessService, buildHeadService, buildServeService, controllerRef, serveServiceNameOf } from '../common/service.js';
import { RayClusterStepError, type RayClusterEnv } from './options.js';

/** The head service this cluster should have (pure). */
export function desiredHeadService(cluster: RayCluster, clusterIP: boolean): Service {
  const labels: Record<string, string> = {};
  const app = cluster.spec.headGroupSpec.template.metadata?.labels?.[KUBERNETES_APPLICATION_NAME_LABEL_KEY];
  if (app !== undefined) labels[KUBERNETES_APPLICATION_NAME_LABEL_KEY] = app;
  const svc = buildHeadService(cluster, { clusterIP, labels, annotations: { ...(cluster.spec.headServiceAnnotations ?? {}) } });
  svc.metadata.ownerReferences = [controllerRef(cluster)];
  return svc;
}

/** createService: create with a CreatedService event, or a FailedToCreateService warning and a step error. */
async function createService(cluster: RayCluster, svc: Service, env: RayClusterEnv): Promise<void> {
  const { ctx } = env;
  const id = `${svc.metadata.namespace}/${svc.metadata.name}`;
  try {
    await ctx.client.create(svc);
  } catch (e) {
    // The cache has not caught up with our own create: the service is there, nothing to do.
    if (isApiError(e, 'AlreadyExists')) {
      ctx.log.debug('service already exists', { service: id });
      return;
    }
    ctx.recorder.event(cluster, 'Warning', EventReason.FailedToCreateService, `Failed creating service ${id}, ${(e as Error).message}`);
    throw e;
  }
  ctx.log.info('created service', { service: id });
  ctx.recorder.event(cluster, 'Normal', EventReason.CreatedService, `Created service ${id}`);
}

/** The head service `<cluster>-head-svc`: none -> create; one -> fine; several -> error. */
export async function reconcileHeadService(cluster: RayCluster, env: RayClusterEnv): Promise<void> {
  const found = env.ctx.cache.list<Service>(SERVICE, headServiceSelector(cluster));
  if (found.length === 1) return;
  if (found.length > 1) throw new RayClusterStepError(`${found.length} head service found [${found.map((s) => s.metadata.name).join(' ')}]`);
  const svc = desiredHeadService(cluster, env.options.headServiceClusterIP);
  if (!svc.spec?.ports?.length) throw new RayClusterStepError(`ray head service does not have any ports set up. Service specification: ${JSON.stringify(svc.spec)}`);
  await createService(cluster, svc, env);
}

/** Multi-host worker groups (numOfHosts > 1) get the headless service `<cluster>-headless`. */
export async function reconcileHeadlessService(cluster: RayCluster, env: RayClusterEnv): Promise<void> {
  const multiHost = (cluster.spec.workerGroupSpecs ?? []).some((g) => (g.numOfHosts ?? DEFAULT_NUM_OF_HOSTS) > 1);
  if (!multiHost) return;
  if (env.ctx.cache.list<Service>(SERVICE, headlessServiceSelector(cluster)).length > 0) return;
  const svc = buildHeadlessService(cluster);
  svc.metadata.ownerReferences = [controllerRef(cluster)];
  await createService(cluster, svc, env);
}

/** `<cluster>-serve-svc`, only when the cluster is annotated ray.io/enable-serve-service=true. */
export async function reconcileServeService(cluster: RayCluster, env: RayClusterEnv): Promise<void> {
  if (cluster.metadata.annotations?.[ENABLE_SERVE_SERVICE_KEY] !== ENABLE_SERVE_SERVICE_TRUE) return;
  if (env.ctx.cache.get<Service>(SERVICE, serveServiceNameOf(cluster.metadata.name!), cluster.metadata.namespace)) return;
  let svc: Service;
  try {
    svc = buildServeService(cluster);
  } catch (e) {
    throw new RayClusterStepError((e as Error).message, undefined, { cause: e });
  }
  svc.metadata.ownerReferences = [controllerRef(cluster)];
  try {
    await env.ctx.client.create(svc);
  } catch (e) {
    if (!isApiError(e, 'AlreadyExists')) throw e;
  }
}
