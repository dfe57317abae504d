// What a RayJob tells the simulated Ray runtime about the work it stands for, through annotations
// the workload generator writes (controller/api/workload-hints.ts defines the keys; a hand-written manifest
// may set them too). The keys are re-exported from the generator so there is one definition.
// (That is sim/ray importing scenarios, above it in the layering: the keys would sit better in
// controller/api or here, with the generator importing them.)
//
// The same keys are also honoured in a job submission's metadata, for jobs submitted to clusters
// that no RayJob owns (a standalone RayCluster, a RayJob with clusterSelector).

import { CHECKPOINT_INTERVAL_MS_ANNOTATION, FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, WORK_MS_ANNOTATION } from '../../controller/api/workload-hints.js';

export { CHECKPOINT_INTERVAL_MS_ANNOTATION, FAIL_AFTER_MS_ANNOTATION, FAIL_ANNOTATION, WORK_MS_ANNOTATION };

/** What the annotations say; undefined fields were absent (the runtime's defaults apply). */
export interface WorkloadHints {
  workMs?: number;
  fail?: boolean;
  /** With fail: after how many ms of compute the application fails (else the runtime draws it). */
  failAfterMs?: number;
  checkpointIntervalMs?: number;
  /** Annotations present but unusable, one message each ("raysim.io/work-ms: not a number: x"). */
  problems: string[];
}

function nonNegative(key: string, raw: string | undefined, problems: string[], positive: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || (positive && n <= 0)) {
    problems.push(`${key}: expected a ${positive ? 'positive' : 'non-negative'} number of milliseconds, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return n;
}

/**
 * Reads the hints from annotations, then from a submission's metadata for keys the annotations do
 * not set. Bad values are reported in `problems` and ignored.
 */
export function readWorkloadHints(...sources: (Record<string, string> | undefined)[]): WorkloadHints {
  const problems: string[] = [];
  const get = (k: string): string | undefined => {
    for (const s of sources) if (s && typeof s[k] === 'string') return s[k];
    return undefined;
  };
  const hints: WorkloadHints = { problems };
  const work = nonNegative(WORK_MS_ANNOTATION, get(WORK_MS_ANNOTATION), problems, false);
  if (work !== undefined) hints.workMs = work;
  const ck = nonNegative(CHECKPOINT_INTERVAL_MS_ANNOTATION, get(CHECKPOINT_INTERVAL_MS_ANNOTATION), problems, true);
  if (ck !== undefined) hints.checkpointIntervalMs = ck;
  const fail = get(FAIL_ANNOTATION);
  if (fail !== undefined) {
    const f = fail.trim().toLowerCase();
    if (f === 'true') hints.fail = true;
    else if (f === 'false' || f === '') hints.fail = false;
    else problems.push(`${FAIL_ANNOTATION}: expected "true" or "false", got ${JSON.stringify(fail)}`);
  }
  const after = nonNegative(FAIL_AFTER_MS_ANNOTATION, get(FAIL_AFTER_MS_ANNOTATION), problems, false);
  if (after !== undefined) hints.failAfterMs = after;
  return hints;
}
