// Reading a submitter container the way its shell would run it: find `ray job submit` in the
// command line (KubeRay's BuildJobSubmitCommand, controller/ray/rayjob/submitter.ts), take its
// options (--address, --submission-id, --runtime-env-json, --metadata-json, --entrypoint-num-*)
// and the entrypoint after `--`, and fall back to the container's RAY_JOB_SUBMISSION_ID and
// RAY_DASHBOARD_ADDRESS. Pure.

import { RAY_DASHBOARD_ADDRESS, RAY_JOB_SUBMISSION_ID } from '../../controller/api/constants.js';
import type { Container } from '../../controller/api/types.js';
import type { RayJobRequest } from '../../controller/ray/dashboard-client.js';

/** What `ray job submit` in a container would send, as far as the command line says. */
export interface SubmitCommand {
  /** --submission-id, else $RAY_JOB_SUBMISSION_ID. */
  submissionId?: string;
  /** --address (scheme included as written), else $RAY_DASHBOARD_ADDRESS. */
  address?: string;
  /** The words after `--`, as written (undefined when the command has no `ray job submit`). */
  entrypoint?: string;
  /** The request `ray job submit` would POST, missing only what the command line does not say. */
  request: Omit<RayJobRequest, 'entrypoint'>;
  /** Options that could not be read ("--metadata-json: not JSON"). */
  problems: string[];
}

interface Token {
  text: string;
  start: number;
  end: number;
  /** An unquoted `;`, `&&` or `||`: the end of a simple command. */
  separator: boolean;
}

/** Splits a bash command line into words: whitespace, '...', "..." with \ escapes, and unquoted ; && || as separators. */
export function shellWords(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === ';' || (ch === '&' && line[i + 1] === '&') || (ch === '|' && line[i + 1] === '|')) {
      const len = ch === ';' ? 1 : 2;
      out.push({ text: line.slice(i, i + len), start: i, end: i + len, separator: true });
      i += len;
      continue;
    }
    const start = i;
    let text = '';
    while (i < n && !/\s/.test(line[i]!) && line[i] !== ';' && !(line[i] === '&' && line[i + 1] === '&') && !(line[i] === '|' && line[i + 1] === '|')) {
      const c = line[i]!;
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        const stop = close < 0 ? n : close;
        text += line.slice(i + 1, stop);
        i = stop + 1;
      } else if (c === '"') {
        i++;
        while (i < n && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < n && '$`"\\\n'.includes(line[i + 1]!)) {
            text += line[i + 1];
            i += 2;
          } else text += line[i++];
        }
        i++;
      } else if (c === '\\' && i + 1 < n) {
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, start, end: Math.min(i, n), separator: false });
  }
  return out;
}

const VALUE_OPTIONS = new Set([
  '--address',
  '--submission-id',
  '--job-id',
  '--runtime-env-json',
  '--runtime-env',
  '--working-dir',
  '--metadata-json',
  '--entrypoint-num-cpus',
  '--entrypoint-num-gpus',
  '--entrypoint-memory',
  '--entrypoint-resources',
  '--headers',
  '--log-style',
  '--log-color',
]);

function envValue(c: Container | undefined, name: string): string | undefined {
  const v = c?.env?.find((e) => e.name === name)?.value;
  return v === undefined || v === '' ? undefined : v;
}

/** Parses the submitter container's `ray job submit`; see SubmitCommand. */
export function parseSubmitCommand(container: Container | undefined): SubmitCommand {
  const problems: string[] = [];
  const request: SubmitCommand['request'] = {};
  const result: SubmitCommand = { request, problems };
  const line = [...(container?.command ?? []), ...(container?.args ?? [])].join(' ');
  const words = shellWords(line);
  let at = -1;
  for (let i = 0; i + 2 < words.length; i++) {
    if (words[i]!.text === 'ray' && words[i + 1]!.text === 'job' && words[i + 2]!.text === 'submit' && !words[i]!.separator) {
      at = i + 3;
      break;
    }
  }
  if (at >= 0) {
    const opts = new Map<string, string>();
    let i = at;
    for (; i < words.length; i++) {
      const w = words[i]!;
      if (w.separator || w.text === '--') break;
      const eq = w.text.indexOf('=');
      if (w.text.startsWith('--') && eq > 0) {
        opts.set(w.text.slice(0, eq), w.text.slice(eq + 1));
      } else if (VALUE_OPTIONS.has(w.text) && i + 1 < words.length && !words[i + 1]!.separator) {
        opts.set(w.text, words[i + 1]!.text);
        i++;
      } else if (!w.text.startsWith('-')) {
        // `ray job submit ... python x.py` without `--`: the rest is the entrypoint.
        break;
      }
    }
    if (i < words.length && words[i]!.text === '--') i++;
    let j = i;
    while (j < words.length && !words[j]!.separator) j++;
    result.entrypoint = j > i ? line.slice(words[i]!.start, words[j - 1]!.end) : '';

    const addr = opts.get('--address');
    if (addr) result.address = addr;
    const id = opts.get('--submission-id') ?? opts.get('--job-id');
    if (id) result.submissionId = id;
    const json = (k: string): unknown => {
      const v = opts.get(k);
      if (v === undefined) return undefined;
      try {
        return JSON.parse(v);
      } catch {
        problems.push(`${k}: not JSON: ${v}`);
        return undefined;
      }
    };
    const env = json('--runtime-env-json');
    if (env && typeof env === 'object' && !Array.isArray(env)) request.runtime_env = env as Record<string, unknown>;
    const meta = json('--metadata-json');
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) request.metadata = Object.fromEntries(Object.entries(meta as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const res = json('--entrypoint-resources');
    if (res && typeof res === 'object' && !Array.isArray(res)) request.entrypoint_resources = res as Record<string, number>;
    const num = (k: string): number | undefined => {
      const v = opts.get(k);
      if (v === undefined) return undefined;
      const x = Number(v);
      if (!Number.isFinite(x)) {
        problems.push(`${k}: not a number: ${v}`);
        return undefined;
      }
      return x;
    };
    const cpus = num('--entrypoint-num-cpus');
    if (cpus !== undefined) request.entrypoint_num_cpus = cpus;
    const gpus = num('--entrypoint-num-gpus');
    if (gpus !== undefined) request.entrypoint_num_gpus = gpus;
    const mem = num('--entrypoint-memory');
    if (mem !== undefined) request.entrypoint_memory = mem;
  }
  result.submissionId ??= envValue(container, RAY_JOB_SUBMISSION_ID);
  result.address ??= envValue(container, RAY_DASHBOARD_ADDRESS);
  if (result.submissionId !== undefined) request.submission_id = result.submissionId;
  return result;
}

/**
 * The head service host and namespace a dashboard address names:
 * "http://rc-head-svc.ns.svc.cluster.local:8265" -> {service: "rc-head-svc", namespace: "ns"}.
 * A bare service name has no namespace.
 */
export function parseDashboardAddress(address: string): { service: string; namespace?: string } | undefined {
  const host = address
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '');
  if (!host) return undefined;
  const parts = host.split('.');
  const service = parts[0]!;
  if (!service) return undefined;
  return parts.length > 1 && parts[1] ? { service, namespace: parts[1] } : { service };
}
