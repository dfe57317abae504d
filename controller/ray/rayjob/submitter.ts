// How a RayJob's Ray job gets submitted: the `ray job submit` shell command KubeRay puts in the
// submitter (common/job.go BuildJobSubmitCommand), the submitter batch/v1 Job and its pod template
// (GetSubmitterTemplate, configureSubmitterContainer, createNewK8sJob), the head-pod sidecar of
// SidecarMode, and the Jobs API request of HTTPMode (ConvertRayJobToReq). Pure builders.

import { parse as parseYaml } from 'yaml';
import {
  CRDType,
  DEFAULT_DASHBOARD_PORT,
  KUBERNETES_CREATED_BY_LABEL_KEY,
  COMPONENT_NAME,
  RAY_CONTAINER_INDEX,
  RAY_DASHBOARD_ADDRESS,
  RAY_JOB_SUBMISSION_ID,
  RAY_NODE_SUBMITTER_GROUP_LABEL_VALUE,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
  SUBMITTER_CONTAINER_NAME,
} from '../../api/constants.js';
import { submitterBackoffLimit } from '../../api/defaults.js';
import type { Container, Job, PodTemplateSpec, RayClusterSpec, RayJob } from '../../api/types.js';
import type { RayJobRequest } from '../dashboard-client.js';
import type { BatchScheduler } from '../batchscheduler/batch-scheduler.js';
import { headDashboardPort } from '../common/service.js';
import { rayJobOwnerReference } from './owner-reference.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** Set on the submitter container so `ray job logs --follow` streams without buffering. */
export const PYTHON_UNBUFFERED_ENV = 'PYTHONUNBUFFERED';
/** The dashboard's GCS health endpoint the submitter waits on before submitting. */
export const RAY_DASHBOARD_GCS_HEALTH_PATH = 'api/gcs_healthz';
export const RAY_DASHBOARD_GCS_HEALTH_CHECK_TIMEOUT_SECONDS = 10;

/** The submitter cannot be built from this spec (KubeRay returns these as reconcile errors). */
export class SubmitterConfigError extends Error {
  override readonly name = 'SubmitterConfigError';
}

// ---------------------------------------------------------------------------------------------
// Go encodings the command line depends on
// ---------------------------------------------------------------------------------------------

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's strconv.Quote for the strings KubeRay quotes (JSON documents, resource maps). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = GO_ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else {
      const c = ch.codePointAt(0)!;
      if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
      else out += ch;
    }
  }
  return out + '"';
}

/**
 * Go's json.Marshal of a value decoded from YAML or a map: compact, object keys sorted, and <, >,
 * & (and U+2028/9) escaped as \u00XX, as encoding/json does by default.
 */
export function goJsonMarshal(value: unknown): string {
  return canonical(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Go's fmt "%f": six decimals. */
function goFloat(n: number): string {
  return n.toFixed(6);
}

/** getRuntimeEnvJson: runtimeEnvYAML as compact JSON with sorted keys ("" when unset). */
export function runtimeEnvJson(job: RayJob): string {
  const y = job.spec.runtimeEnvYAML;
  if (!y) return '';
  let parsed: unknown;
  try {
    parsed = parseYaml(y);
  } catch (err) {
    throw new SubmitterConfigError(`failed to convert runtimeEnvYAML to JSON: ${(err as Error).message}`);
  }
  return goJsonMarshal(parsed ?? null);
}

/** A Ray version string ("2.52.0", "v2.9", "2.10.0rc1") as [major, minor, patch]; undefined if unparsable. */
export function parseRayVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+.]?[0-9A-Za-z.+-]*)?$/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** getMetadataJSONForSubmitCommand: `ray job submit --metadata-json` needs Ray >= 2.6.0 when rayVersion says. */
export function metadataJson(job: RayJob): string {
  const rv = job.spec.rayClusterSpec?.rayVersion;
  if (rv) {
    const v = parseRayVersion(rv);
    if (!v) throw new SubmitterConfigError(`failed to parse Ray version: ${rv}`);
    if (v[0] < 2 || (v[0] === 2 && v[1] < 6)) throw new SubmitterConfigError('the Ray version must be at least 2.6.0 to use the metadata field');
  }
  return goJsonMarshal(job.spec.metadata ?? {});
}

// ---------------------------------------------------------------------------------------------
// ray job submit
// ---------------------------------------------------------------------------------------------

export interface SubmitCommandOptions {
  /** The SidecarSubmitterRestart feature gate (sidecar restarts, so it checks before submitting). */
  sidecarSubmitterRestart?: boolean;
}

/**
 * BuildJobSubmitCommand: the words of the submitter's shell command. It waits for the dashboard's
 * GCS health check, then (K8sJobMode, where the Job may retry) submits only if `ray job status`
 * does not know the submission id yet, with --no-wait, and follows the logs:
 *
 *   until <health check> >/dev/null 2>&1 ; do echo "Waiting ..." ; sleep 2 ; done ;
 *   if ! ray job status --address http://<addr> <id> >/dev/null 2>&1 ;
 *   then ray job submit --address http://<addr> --no-wait [--runtime-env-json ".."] [--metadata-json ".."]
 *     --submission-id <id> [--entrypoint-num-cpus n] [--entrypoint-num-gpus n] [--entrypoint-resources ".."]
 *     -- <entrypoint> ; fi ; ray job logs --address http://<addr> --follow <id>
 */
export function buildJobSubmitCommand(job: RayJob, mode: 'K8sJobMode' | 'SidecarMode', o: SubmitCommandOptions = {}): string[] {
  let address: string;
  let port = DEFAULT_DASHBOARD_PORT;
  if (mode === 'SidecarMode') {
    port = headDashboardPort(job.spec.rayClusterSpec);
    address = `http://127.0.0.1:${port}`;
  } else if (mode === 'K8sJobMode') {
    address = job.status?.dashboardURL ?? '';
    if (!address.startsWith('http://')) address = `http://${address}`;
  } else {
    throw new SubmitterConfigError(`unsupported submission mode for job submit command: ${String(mode)}`);
  }
  const jobId = job.status?.jobId ?? '';
  const entrypoint = (job.spec.entrypoint ?? '').trim();

  const healthUrl = mode === 'SidecarMode' ? `http://localhost:${port}/${RAY_DASHBOARD_GCS_HEALTH_PATH}` : `${address}/${RAY_DASHBOARD_GCS_HEALTH_PATH}`;
  const health = `python -c "import urllib.request; r=urllib.request.urlopen('${healthUrl}', timeout=${RAY_DASHBOARD_GCS_HEALTH_CHECK_TIMEOUT_SECONDS}); exit(0 if b'success' in r.read() else 1)"`;
  const cmd: string[] = ['until', health, '>/dev/null', '2>&1', ';', 'do', 'echo', goQuote(`Waiting for Ray Dashboard GCS to become healthy at ${address} ...`), ';', 'sleep', '2', ';', 'done', ';'];

  const checkFirst = mode === 'K8sJobMode' || o.sidecarSubmitterRestart === true;
  if (checkFirst) cmd.push('if', '!', 'ray', 'job', 'status', '--address', address, jobId, '>/dev/null', '2>&1', ';', 'then');
  cmd.push('ray', 'job', 'submit', '--address', address);
  if (checkFirst) cmd.push('--no-wait');

  const env = runtimeEnvJson(job);
  if (env) cmd.push('--runtime-env-json', goQuote(env));
  if (Object.keys(job.spec.metadata ?? {}).length > 0) cmd.push('--metadata-json', goQuote(metadataJson(job)));
  if (jobId) cmd.push('--submission-id', jobId);
  const cpus = job.spec.entrypointNumCpus ?? 0;
  if (cpus > 0) cmd.push('--entrypoint-num-cpus', goFloat(cpus));
  const gpus = job.spec.entrypointNumGpus ?? 0;
  if (gpus > 0) cmd.push('--entrypoint-num-gpus', goFloat(gpus));
  if (job.spec.entrypointResources) cmd.push('--entrypoint-resources', goQuote(job.spec.entrypointResources));

  cmd.push('--', entrypoint, ';');
  if (checkFirst) cmd.push('fi', ';', 'ray', 'job', 'logs', '--address', address, '--follow', jobId);
  return cmd;
}

// ---------------------------------------------------------------------------------------------
// Submitter container, pod template, Job
// ---------------------------------------------------------------------------------------------

/** GetDefaultSubmitterContainer: the head's image (defends against version skew), 500m/200Mi requests, 1/1Gi limits. */
export function defaultSubmitterContainer(cluster: RayClusterSpec): Container {
  const head = cluster?.headGroupSpec?.template?.spec?.containers?.[RAY_CONTAINER_INDEX];
  const c: Container = {
    name: SUBMITTER_CONTAINER_NAME,
    resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '200Mi' } },
  };
  if (head?.image !== undefined) c.image = head.image;
  return c;
}

/** GetSubmitterTemplate: the user's submitterPodTemplate (a copy), else one default container with restartPolicy Never. */
export function submitterPodTemplate(job: RayJob, cluster: RayClusterSpec): PodTemplateSpec {
  if (job.spec.submitterPodTemplate) return deepClone(job.spec.submitterPodTemplate);
  return { spec: { containers: [defaultSubmitterContainer(cluster)], restartPolicy: 'Never' } };
}

/**
 * configureSubmitterContainer: the submit command when the container has none (always in
 * SidecarMode) as `/bin/bash -ce -- "<command>"`, and the environment PYTHONUNBUFFERED=1,
 * RAY_DASHBOARD_ADDRESS=<status.dashboardURL>, RAY_JOB_SUBMISSION_ID=<status.jobId>.
 */
export function configureSubmitterContainer(container: Container, job: RayJob, mode: 'K8sJobMode' | 'SidecarMode', o: SubmitCommandOptions = {}): void {
  const cmd = buildJobSubmitCommand(job, mode, o);
  if (!container.command?.length || mode === 'SidecarMode') {
    container.command = ['/bin/bash', '-ce', '--'];
    container.args = [cmd.join(' ')];
  }
  container.env = [
    ...(container.env ?? []),
    { name: PYTHON_UNBUFFERED_ENV, value: '1' },
    { name: RAY_DASHBOARD_ADDRESS, value: job.status?.dashboardURL ?? '' },
    { name: RAY_JOB_SUBMISSION_ID, value: job.status?.jobId ?? '' },
  ];
}

/** The labels KubeRay puts on the submitter Job and its pods. */
export function submitterLabels(job: RayJob): Record<string, string> {
  return {
    [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: job.metadata.name ?? '',
    [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayJob,
    [KUBERNETES_CREATED_BY_LABEL_KEY]: COMPONENT_NAME,
  };
}

/**
 * getSubmitterTemplate (+ the batch scheduler's metadata): the pod template of the submitter Job
 * for a RayJob running on `cluster` (its own or the selected one: the default image is the
 * cluster's head image).
 */
export function buildSubmitterTemplate(job: RayJob, cluster: RayClusterSpec, o: SubmitCommandOptions & { scheduler?: BatchScheduler } = {}): PodTemplateSpec {
  const t = submitterPodTemplate(job, cluster);
  const c = t.spec?.containers?.[RAY_CONTAINER_INDEX];
  if (!c) throw new SubmitterConfigError('submitterPodTemplate has no containers');
  configureSubmitterContainer(c, job, 'K8sJobMode', o);
  t.metadata = { ...t.metadata, labels: { ...t.metadata?.labels, ...submitterLabels(job) } };
  return o.scheduler ? o.scheduler.addMetadataToPod(job, RAY_NODE_SUBMITTER_GROUP_LABEL_VALUE, t) : t;
}

/** createNewK8sJob: the submitter Job, named after the RayJob, owned by it, backoffLimit 2 unless submitterConfig says. */
export function buildSubmitterJob(job: RayJob, template: PodTemplateSpec): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job.metadata.name,
      namespace: job.metadata.namespace,
      labels: submitterLabels(job),
      ownerReferences: [rayJobOwnerReference(job)],
    },
    spec: { backoffLimit: submitterBackoffLimit(job.spec), template },
  };
}

/** getSubmitterContainer: the SidecarMode submitter, a container of the head pod. */
export function buildSidecarSubmitterContainer(job: RayJob, cluster: RayClusterSpec, o: SubmitCommandOptions = {}): Container {
  const c = defaultSubmitterContainer(cluster);
  configureSubmitterContainer(c, job, 'SidecarMode', o);
  if (o.sidecarSubmitterRestart) c.restartPolicy = 'OnFailure';
  return c;
}

// ---------------------------------------------------------------------------------------------
// HTTPMode
// ---------------------------------------------------------------------------------------------

/** ConvertRayJobToReq: the POST /api/jobs/ body (submission_id = status.jobId). */
export function rayJobRequest(job: RayJob): RayJobRequest {
  const req: RayJobRequest = { entrypoint: job.spec.entrypoint ?? '', submission_id: job.status?.jobId ?? '' };
  if (job.spec.metadata && Object.keys(job.spec.metadata).length > 0) req.metadata = { ...job.spec.metadata };
  if (job.spec.runtimeEnvYAML) {
    let env: unknown;
    try {
      env = parseYaml(job.spec.runtimeEnvYAML);
    } catch (err) {
      throw new SubmitterConfigError(`failed to unmarshal runtimeEnvYAML: ${(err as Error).message}`);
    }
    if (env && typeof env === 'object' && !Array.isArray(env)) req.runtime_env = env as Record<string, unknown>;
  }
  if (job.spec.entrypointNumCpus) req.entrypoint_num_cpus = job.spec.entrypointNumCpus;
  if (job.spec.entrypointNumGpus) req.entrypoint_num_gpus = job.spec.entrypointNumGpus;
  if (job.spec.entrypointResources) {
    try {
      req.entrypoint_resources = JSON.parse(job.spec.entrypointResources) as Record<string, number>;
    } catch (err) {
      throw new SubmitterConfigError(`entrypointResources is not a JSON object: ${(err as Error).message}`);
    }
  }
  return req;
}
