// Ray Serve on a RayService's cluster: when to (re)submit spec.serveConfigV2, the statuses the
// dashboard reports, and whether the cluster is ready to take traffic (every application RUNNING).
// Pure.

import { parse as parseYaml } from 'yaml';
import type { AppStatus } from '../../api/types.js';
import { DEFAULT_SERVE_APP_NAME } from '../../api/constants.js';
import type { ServeDetails } from '../dashboard-client.js';

/** serveConfigV2 parsed into the document PUT to /api/serve/applications/; throws on YAML that is not a mapping. */
export function parseServeConfig(yaml: string): Record<string, unknown> {
  const doc: unknown = parseYaml(yaml);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('serveConfigV2 is not a YAML mapping');
  return doc as Record<string, unknown>;
}

export interface SubmitDecision {
  submit: boolean;
  reason: string;
}

/**
 * checkIfNeedSubmitServeApplications: submit when nothing was submitted to this cluster yet,
 * when the cluster reports no application (its head restarted without GCS fault tolerance), or
 * when the config changed since the last submission.
 */
export function checkIfNeedSubmitServeApplications(cached: string | undefined, serveConfigV2: string, apps: Record<string, AppStatus>): SubmitDecision {
  if (!cached) return { submit: true, reason: 'Nothing has been cached for the cluster.' };
  if (Object.keys(apps).length === 0) {
    return { submit: true, reason: 'No Serve application found in the RayCluster. A possible reason is that the head Pod crashed and GCS FT was not enabled.' };
  }
  if (cached !== serveConfigV2) return { submit: true, reason: "Current V2 Serve config doesn't match cached Serve config." };
  return { submit: false, reason: 'Current V2 Serve config matches cached Serve config.' };
}

export interface ServeStatus {
  /** Every application RUNNING, and at least one. */
  ready: boolean;
  apps: Record<string, AppStatus>;
}

/** getAndCheckServeStatus: the applications as status.*.applicationStatuses ("" is "default"). */
export function serveStatusFromDetails(details: ServeDetails): ServeStatus {
  const apps: Record<string, AppStatus> = {};
  let ready = true;
  for (const [key, app] of Object.entries(details.applications ?? {})) {
    const name = key === '' ? DEFAULT_SERVE_APP_NAME : key;
    if (app.status !== 'RUNNING') ready = false;
    const deployments: NonNullable<AppStatus['serveDeploymentStatuses']> = {};
    for (const [dn, d] of Object.entries(app.deployments ?? {})) deployments[dn] = { status: d.status, message: d.message ?? '' };
    apps[name] = { status: app.status, message: app.message ?? '', serveDeploymentStatuses: deployments };
  }
  if (Object.keys(apps).length === 0) ready = false;
  return { ready, apps };
}
