// The Ray operator's controllers, as one explicit list. Both managers (simulation and real) take
// their reconcilers from here, so the same four controllers run in both worlds.

import type { FeatureGates } from '../api/features.js';
import type { Reconciler } from '../runtime/reconciler.js';
import { createBatchScheduler } from './batchscheduler/registry.js';
import type { DashboardClientFactory } from './dashboard-client.js';
import { rayCronJobReconciler } from './raycronjob/index.js';
import { createRayClusterReconciler } from './raycluster/reconciler.js';
import { createRayJobReconciler } from './rayjob/index.js';
import { rayServiceReconciler } from './rayservice/index.js';

export interface RayControllerOptions {
  /** How to reach each cluster's dashboard (HTTP for real heads; the simulated Ray runtime in runs). */
  dashboards: DashboardClientFactory;
  /** KubeRay's --batch-scheduler: unset/"default" or "volcano". Unknown names throw and list the known ones. */
  batchScheduler?: string;
  featureGates?: FeatureGates;
  /** RayCronJob is alpha and off by default upstream; raysim runs it unless told not to. */
  enableRayCronJob?: boolean;
}

export function rayReconcilers(o: RayControllerOptions): Reconciler[] {
  // One scheduler object shared by the RayCluster and RayJob controllers, as in KubeRay.
  const batchScheduler = createBatchScheduler(o.batchScheduler);
  const list: Reconciler[] = [
    createRayClusterReconciler({ batchScheduler, featureGates: o.featureGates }),
    createRayJobReconciler({ dashboards: o.dashboards, batchScheduler, featureGates: o.featureGates }),
    rayServiceReconciler({ dashboards: o.dashboards, featureGates: o.featureGates }),
  ];
  if (o.enableRayCronJob !== false) list.push(rayCronJobReconciler({ featureGates: o.featureGates }));
  return list;
}
