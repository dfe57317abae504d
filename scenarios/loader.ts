// Scenario files: YAML -> Scenario (./scenario-types.ts), or a ScenarioError listing EVERY problem
// with its file, line, column and field path. Three passes; on a file that parses as YAML, passes 2
// and 3 both always run, so one report shows everything:
//
//   1. YAML syntax (yaml's parseDocument with a LineCounter for positions);
//   2. the JSON Schema (./schema.json, the one editors use) through ajv with allErrors, each error
//      reworded ("unknown key 'durration'; did you mean 'duration'?") and placed at the YAML node
//      of its instance path;
//   3. semantic checks the schema cannot express (p90 > median, exactly one of object/path, manifest
//      files exist and hold valid KubeRay objects, expectation metrics are known, times fall inside
//      the run, ...) while the Scenario is built.
//
// Pass 3 is written defensively (it skips values of the wrong shape: pass 2 has reported them), and
// a scenario is returned only when no pass found anything: never a half-valid one.

import fs from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, parseDocument } from 'yaml';
import { parseQuantity } from '../controller/api/quantity.js';
import type { KubeObject } from '../controller/runtime/kube-object.js';
import { type NodePoolSpec, type NodeShape, NODE_PRESETS, type Taint } from '../sim/cluster/node-pool.js';
import { type Distribution, lognormalFromMedianP90 } from '../sim/core/distribution.js';
import type { FailureCause } from '../sim/core/trace-events.js';
import type { FaultConfig, InjectedError, Verb } from '../sim/kube/faults.js';
import { ManifestError, packageRoot, parseManifests } from '../sim/kube/manifests.js';
import { CAUSE_METRIC_PREFIX, EXPECTABLE_METRICS, EXPECTATION_OPS, type Expectation, type ExpectationOp, isExpectableMetric } from '../sim/metrics/index.js';
import { didYouMean } from './did-you-mean.js';
import { formatDuration, parseDuration } from './duration.js';
import { checkManifestObject, splitFieldPath } from './manifest-check.js';
import { ScenarioError, type ScenarioProblem } from './scenario-error.js';
import {
  type ArrivalProcess,
  DEFAULT_CONTAINER_START,
  DEFAULT_GPU_REPAIR,
  DEFAULT_HEAD_CPU,
  DEFAULT_HEAD_MEMORY,
  DEFAULT_HEAD_START,
  DEFAULT_IMAGE_PULL,
  DEFAULT_MAINTENANCE_DURATION_MS,
  DEFAULT_METRICS_SAMPLE_INTERVAL_MS,
  DEFAULT_NAMESPACE,
  DEFAULT_NODE_REPAIR,
  DEFAULT_OPERATOR,
  DEFAULT_OPERATOR_DOWNTIME_MS,
  DEFAULT_RAY_IMAGE,
  DEFAULT_RAY_VERSION,
  DEFAULT_SEED,
  DEFAULT_SERVE_APP_START,
  FAILURE_CAUSES,
  type Faults,
  type GpuErrorFaults,
  LLAMA3_FAILURE_CAUSES,
  LLAMA3_GPU_ERROR_CAUSES,
  LLAMA3_NODE_FAILURES_PER_DAY,
  type MaintenanceEvent,
  type NodeFailureFaults,
  type OperatorRestart,
  type OperatorSettings,
  type RayJobTemplate,
  type Scenario,
  type TimedManifest,
  type WorkloadGenerator,
} from './scenario-types.js';
import { deepClone } from '../controller/runtime/deep-copy.js';

export type PathSeg = string | number;

/** "workloads.generators[0].template.duration"; keys that are not identifiers go in brackets. */
export function formatPath(segs: readonly PathSeg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${s}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

/** A parsed YAML text and how to find the line and column of a path inside it. */
class YamlSource {
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: Document.Parsed,
  ) {}

  pos(offset: number): { line: number; column: number } {
    const p = this.lc.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /** The position of `segs` below `root` (default: the document), or of its deepest existing
   * ancestor. `atKey`: the key of the last segment rather than its value. */
  locate(segs: readonly PathSeg[], atKey = false, root: unknown = this.doc.contents): { line: number; column: number } {
    let node = root as Node | null | undefined;
    let keyNode: Node | undefined;
    let matched = 0;
    for (const seg of segs) {
      if (isAlias(node)) node = node.resolve(this.doc) as Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        keyNode = pair.key as Node;
        const v = pair.value as Node | null;
        node = v && !(isScalar(v) && v.value === null && v.range && v.range[0] === v.range[1]) ? v : keyNode;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        keyNode = undefined;
        node = node.items[seg] as Node;
      } else break;
      matched++;
    }
    // A path that ends below what exists (a missing key) points at the key of its deepest existing
    // ancestor ("spec:" for a missing spec.entrypoint), as does a problem about a key itself.
    const target = keyNode && (matched < segs.length || atKey) ? keyNode : node;
    const offset = target?.range?.[0] ?? 0;
    return this.pos(offset);
  }
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema
// ---------------------------------------------------------------------------------------------

/** Where the published schema lives (in the source tree and in an installed package alike). */
export function scenarioSchemaPath(): string {
  return path.join(packageRoot(), 'scenarios', 'schema.json');
}

/** The string form of an expectation, 'metric op value' (schema.json's definitions.expectation.pattern;
 * groups: metric, op, value). Ops are sim/metrics' EXPECTATION_OPS, longest first. */
export const EXPECTATION_PATTERN =
  '^\\s*([A-Za-z0-9_]+(?:\\.[A-Za-z0-9_-]+)?)\\s*(' +
  [...EXPECTATION_OPS].sort((a, b) => b.length - a.length).join('|') +
  ')\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*$';
/** A per-cause metric name (schema.json's alternative to the enum of EXPECTABLE_METRICS). */
export const CAUSE_METRIC_PATTERN = '^' + CAUSE_METRIC_PREFIX.replace(/\./g, '\\.') + '[A-Za-z0-9_-]+$';
const EXPECTATION_RE = new RegExp(EXPECTATION_PATTERN);
const OPS_TEXT = EXPECTATION_OPS.join(', ');

let schemaCache: Record<string, unknown> | undefined;
let validatorCache: ValidateFunction | undefined;

/** The scenario JSON Schema (./schema.json), parsed. */
export function scenarioSchema(): Record<string, unknown> {
  schemaCache ??= JSON.parse(fs.readFileSync(scenarioSchemaPath(), 'utf8')) as Record<string, unknown>;
  return schemaCache;
}

function validator(): ValidateFunction {
  if (!validatorCache) {
    const Ajv = AjvModule.default;
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    validatorCache = ajv.compile(scenarioSchema());
  }
  return validatorCache;
}

const TYPE_WORDS: Record<string, string> = {
  duration: 'a duration (seconds, or a string like 30s, 5m, 2h, 30d)',
  durationDistribution: 'a duration or a distribution ({lognormal: {median, p90}}, {exponential: {mean}}, {fixed: x}, {uniform: {min, max}}, {empirical: [...]}, {choice: {values, weights}})',
  numberDistribution: 'a number or a distribution ({choice: {values, weights}}, {uniform: {min, max}}, {fixed: x}, ...)',
  quantity: 'a Kubernetes quantity (16, 500m, 128Gi)',
  nodeShape: "a preset name (e.g. 'h100-8x') or a shape {cpu, memory, gpus, ...}",
  latency: 'a duration or [min, max]',
  expectation: "an expectation: 'metric op value' or {metric, op, value}",
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `${typeof v} ${String(v)}`;
}

function typeWords(t: unknown): string {
  const names: Record<string, string> = { number: 'a number', integer: 'an integer', string: 'a string', object: 'a mapping', array: 'a list', boolean: 'true or false', null: 'null' };
  const list = (Array.isArray(t) ? t : [t]).map((x) => names[String(x)] ?? String(x));
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list[0]!;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function pointerToSegs(pointer: string, data: unknown): PathSeg[] {
  if (!pointer) return [];
  const segs: PathSeg[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(key);
      segs.push(i);
      cur = cur[i];
    } else {
      segs.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return segs;
}

interface RawProblem {
  segs: PathSeg[];
  message: string;
  atKey?: boolean;
}

/** One ajv error, reworded for people, at the path it concerns. */
function describeSchemaError(e: ErrorObject, data: unknown): RawProblem | undefined {
  const segs = pointerToSegs(e.instancePath, data);
  const def = /#\/definitions\/([^/]+)\/[^/]+$/.exec(e.schemaPath)?.[1];
  const parent = (e.parentSchema ?? {}) as { properties?: Record<string, unknown>; maxProperties?: number };
  const p = e.params as Record<string, unknown>;
  const v = e.data;
  // An expectation's metric is a name or a per-cause name (anyOf enum / pattern): pass 3 reports an
  // unknown one once, with sim/metrics' isExpectableMetric and a did-you-mean.
  if (e.schemaPath.startsWith('#/definitions/expectation/properties/metric/anyOf')) return undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const hint = didYouMean(key, allowed) || (allowed.length ? `; expected one of: ${allowed.join(', ')}` : '');
      return { segs: [...segs, key], message: `unknown key '${key}'${hint}`, atKey: true };
    }
    case 'required':
      return { segs, message: `missing required key '${String(p.missingProperty)}'` };
    case 'type':
      return { segs, message: `must be ${def && TYPE_WORDS[def] ? TYPE_WORDS[def] : typeWords(p.type)}, got ${typeName(v)}` };
    case 'pattern':
      if (def === 'duration' || def === 'durationDistribution' || def === 'latency') {
        return { segs, message: `invalid duration ${show(v)}: write seconds (90) or number+unit parts (250ms, 30s, 5m, 2h, 30d, 1h30m)` };
      }
      if (def === 'name') return { segs, message: `invalid name ${show(v)}: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit` };
      if (def === 'quantity') return { segs, message: `invalid quantity ${show(v)}: write e.g. 16, 500m, 128Gi` };
      if (def === 'expectation') return { segs, message: `invalid expectation ${show(v)}: write 'metric op value' (e.g. 'jct_p95_s < 7200') with op one of ${OPS_TEXT}` };
      return { segs, message: `${show(v)} must match ${String(p.pattern)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof v === 'string' ? didYouMean(v, allowed) : '';
      return { segs, message: `${show(v)} is not one of ${allowed.join(', ')}${hint}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { segs, message: `must be ${op} ${String(p.limit)}, got ${String(v)}` };
    }
    case 'minItems':
      if (def === 'latency') return { segs, message: 'a latency range is [min, max]' };
      return { segs, message: `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      if (def === 'latency') return { segs, message: 'a latency range is [min, max]' };
      return { segs, message: `must have at most ${String(p.limit)} items` };
    case 'minProperties':
    case 'maxProperties':
      if (parent.maxProperties === 1 && parent.properties) {
        const keys = Object.keys(parent.properties).join(', ');
        const have = v !== null && typeof v === 'object' ? Object.keys(v as object) : [];
        return { segs, message: have.length ? `give exactly one of ${keys}; got ${have.join(' and ')}` : `give exactly one of ${keys}` };
      }
      return { segs, message: e.message ?? e.keyword };
    case 'minLength':
      return { segs, message: 'must not be empty' };
    case 'maxLength':
      return { segs, message: `must be at most ${String(p.limit)} characters` };
    default:
      return { segs, message: e.message ?? e.keyword };
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

export interface ParseOptions {
  /** Directory that manifest `path:`s are relative to. Default: the directory of `file`. */
  baseDir?: string;
}

/** Reads and parses a scenario file. Throws ScenarioError (a missing file is one problem too). */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ScenarioError([{ file, line: 1, column: 1, path: '', message: err.code === 'ENOENT' ? 'no such file' : `cannot read: ${err.message}` }]);
  }
  return parseScenario(text, file);
}

/** Parses scenario text; `file` names it in problems and anchors relative manifest paths. */
export function parseScenario(text: string, file: string, opts: ParseOptions = {}): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, merge: true, uniqueKeys: true });
  const src = new YamlSource(file, lc, doc);
  const problems: ScenarioProblem[] = [];

  if (doc.errors.length) {
    for (const e of doc.errors) {
      const at = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      problems.push({ file, line: at.line, column: at.col, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` });
    }
    throw new ScenarioError(problems);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (data === null || data === undefined) {
    throw new ScenarioError([{ file, line: 1, column: 1, path: '', message: 'the scenario is empty' }]);
  }

  // Pass 2: the schema.
  const validate = validator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const rp = describeSchemaError(e, data);
      if (!rp) continue;
      const p: ScenarioProblem = { file, ...src.locate(rp.segs, rp.atKey), path: formatPath(rp.segs), message: rp.message };
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(p);
    }
  }

  // Pass 3: semantics, building the scenario.
  const b = new Builder(src, opts.baseDir ?? path.dirname(file), problems);
  const scenario = b.build(data);
  if (problems.length === 0 && (b.incomplete || !scenario)) {
    problems.push({ file, line: 1, column: 1, path: '', message: 'internal error: the scenario passed validation but could not be built' });
  }
  if (problems.length) throw new ScenarioError(sortProblems(problems, file));
  return scenario!;
}

function sortProblems(problems: ScenarioProblem[], file: string): ScenarioProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const fa = a.p.file === file ? 0 : 1;
      const fb = b.p.file === file ? 0 : 1;
      return fa - fb || (a.p.file < b.p.file ? -1 : a.p.file > b.p.file ? 1 : 0) || a.p.line - b.p.line || a.p.column - b.p.column || a.i - b.i;
    })
    .map((x) => x.p);
}

// ---------------------------------------------------------------------------------------------
// Pass 3
// ---------------------------------------------------------------------------------------------

type J = Record<string, any>;
const isObj = (v: unknown): v is J => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

interface DistOptions {
  /** Values are durations (converted to ms). */
  duration: boolean;
  /** Smallest allowed value (in the written unit for numbers, ms for durations) and what it is. */
  min?: number;
  what?: string;
}

class Builder {
  /** Set when a value could not be converted without a problem having been reported. */
  incomplete = false;
  private durationMs = Infinity;

  constructor(
    private readonly src: YamlSource,
    private readonly baseDir: string,
    private readonly problems: ScenarioProblem[],
  ) {}

  private add(segs: readonly PathSeg[], message: string, atKey = false): void {
    this.problems.push({ file: this.src.file, ...this.src.locate(segs, atKey), path: formatPath(segs), message });
  }

  /** A value pass 2 should have rejected: remember that the result is not complete. */
  private miss<T>(v: T | undefined): T | undefined {
    if (v === undefined) this.incomplete = true;
    return v;
  }

  private fmt(v: number, duration: boolean): string {
    return duration ? formatDuration(v) : String(v);
  }

  build(d: unknown): Scenario | undefined {
    if (!isObj(d)) return this.miss(undefined);
    const name = isStr(d.name) ? d.name : this.miss(undefined);
    const seed: number | string = isNum(d.seed) || isStr(d.seed) ? d.seed : DEFAULT_SEED;
    const durationMs = this.duration(d.duration, ['duration'], { positive: true });
    if (durationMs !== undefined) this.durationMs = durationMs;
    const metricsSampleIntervalMs = d.metricsSampleInterval === undefined ? DEFAULT_METRICS_SAMPLE_INTERVAL_MS : this.duration(d.metricsSampleInterval, ['metricsSampleInterval'], { positive: true });

    const nodePools = this.nodePools(isObj(d.cluster) ? d.cluster.nodePools : undefined);
    const w = isObj(d.workloads) ? d.workloads : {};
    const manifests = this.manifests(Array.isArray(w.manifests) ? w.manifests : []);
    // Unknown when a pool is invalid: then the GPU-fit checks are skipped rather than misleading.
    const maxGpus = nodePools ? Math.max(0, ...nodePools.map((p) => (typeof p.shape === 'string' ? (NODE_PRESETS[p.shape]?.gpus ?? 0) : p.shape.gpus))) : undefined;
    const generators = this.generators(Array.isArray(w.generators) ? w.generators : [], maxGpus);
    const faults = this.faults(isObj(d.faults) ? d.faults : {}, nodePools ?? []);
    const operator = this.operator(isObj(d.operator) ? d.operator : {});
    const k = isObj(d.kubelet) ? d.kubelet : {};
    const r = isObj(d.ray) ? d.ray : {};
    const kubelet = {
      imagePull: this.optDist(k.imagePull, ['kubelet', 'imagePull'], DEFAULT_IMAGE_PULL),
      containerStart: this.optDist(k.containerStart, ['kubelet', 'containerStart'], DEFAULT_CONTAINER_START),
    };
    const ray = {
      headStart: this.optDist(r.headStart, ['ray', 'headStart'], DEFAULT_HEAD_START),
      serveAppStart: this.optDist(r.serveAppStart, ['ray', 'serveAppStart'], DEFAULT_SERVE_APP_START),
    };
    const expectations = this.expectations(Array.isArray(d.expectations) ? d.expectations : []);

    if (name === undefined || durationMs === undefined || metricsSampleIntervalMs === undefined || !nodePools || !kubelet.imagePull || !kubelet.containerStart || !ray.headStart || !ray.serveAppStart) {
      return this.miss(undefined);
    }
    return {
      name,
      ...(isStr(d.description) ? { description: d.description } : {}),
      seed,
      durationMs,
      file: this.src.file,
      cluster: { nodePools },
      workloads: { manifests, generators },
      faults,
      operator,
      kubelet: { imagePull: kubelet.imagePull, containerStart: kubelet.containerStart },
      ray: { headStart: ray.headStart, serveAppStart: ray.serveAppStart },
      expectations,
      metricsSampleIntervalMs,
    };
  }

  // ---- scalars

  private duration(v: unknown, segs: PathSeg[], o: { positive?: boolean } = {}): number | undefined {
    const ms = parseDuration(v);
    if (ms === undefined) return this.miss(undefined);
    if (o.positive && ms <= 0) {
      this.add(segs, 'must be longer than 0s');
      return undefined;
    }
    return ms;
  }

  /** A time within the run: `what` happens at it. */
  private instant(v: unknown, segs: PathSeg[], what: string): number | undefined {
    const ms = this.duration(v, segs);
    if (ms !== undefined && ms >= this.durationMs) {
      this.add(segs, `${formatDuration(ms)} is not before the end of the scenario (${formatDuration(this.durationMs)}): ${what}`);
      return undefined;
    }
    return ms;
  }

  private quantity(v: unknown, segs: PathSeg[]): string | undefined {
    if (v === undefined) return undefined;
    try {
      parseQuantity(v as string | number);
      return String(v);
    } catch {
      // pass 2 reports a malformed quantity unless it only looks like one ("1.2.3").
      this.add(segs, `invalid quantity ${show(v)}: write e.g. 16, 500m, 128Gi`);
      return undefined;
    }
  }

  // ---- distributions

  private optDist(v: unknown, segs: PathSeg[], dflt: Distribution): Distribution | undefined {
    return v === undefined ? dflt : this.dist(v, segs, { duration: true });
  }

  private value(v: unknown, o: DistOptions): number | undefined {
    if (o.duration) return parseDuration(v);
    return isNum(v) ? v : undefined;
  }

  private checkMin(x: number | undefined, segs: PathSeg[], o: DistOptions): void {
    if (x !== undefined && o.min !== undefined && x < o.min) this.add(segs, `${o.what ?? 'value'} must be at least ${this.fmt(o.min, o.duration)}, got ${this.fmt(x, o.duration)}`);
  }

  private dist(v: unknown, segs: PathSeg[], o: DistOptions): Distribution | undefined {
    const before = this.problems.length;
    const d = this.distRaw(v, segs, o);
    return this.problems.length > before ? undefined : this.miss(d);
  }

  private distRaw(v: unknown, segs: PathSeg[], o: DistOptions): Distribution | undefined {
    if (!isObj(v)) {
      const x = this.value(v, o);
      this.checkMin(x, segs, o);
      return x === undefined ? undefined : { kind: 'fixed', value: x };
    }
    const keys = Object.keys(v);
    if (keys.length !== 1) return undefined;
    const kind = keys[0]!;
    const body = v[kind];
    const at = [...segs, kind];
    switch (kind) {
      case 'fixed': {
        const x = this.value(body, o);
        this.checkMin(x, at, o);
        return x === undefined ? undefined : { kind: 'fixed', value: x };
      }
      case 'uniform': {
        if (!isObj(body)) return undefined;
        const min = this.value(body.min, o);
        const max = this.value(body.max, o);
        if (min === undefined || max === undefined) return undefined;
        if (max < min) this.add([...at, 'max'], `max (${this.fmt(max, o.duration)}) must not be less than min (${this.fmt(min, o.duration)})`);
        this.checkMin(min, [...at, 'min'], o);
        return { kind: 'uniform', min, max };
      }
      case 'exponential': {
        if (!isObj(body)) return undefined;
        const mean = this.value(body.mean, o);
        if (mean === undefined) return undefined;
        if (mean <= 0) this.add([...at, 'mean'], 'the mean must be greater than 0');
        return { kind: 'exponential', mean };
      }
      case 'lognormal': {
        if (!isObj(body)) return undefined;
        const median = this.value(body.median, o);
        if (median === undefined) return undefined;
        if (median <= 0) {
          this.add([...at, 'median'], 'the median must be greater than 0');
          return undefined;
        }
        const hasP90 = body.p90 !== undefined;
        const hasSigma = body.sigma !== undefined;
        if (hasP90 && hasSigma) {
          this.add(at, 'give p90 or sigma, not both');
          return undefined;
        }
        if (!hasP90 && !hasSigma) {
          this.add(at, 'needs p90 (or sigma) besides the median');
          return undefined;
        }
        if (hasSigma) return isNum(body.sigma) ? { kind: 'lognormal', mu: Math.log(median), sigma: body.sigma } : undefined;
        const p90 = this.value(body.p90, o);
        if (p90 === undefined) return undefined;
        if (p90 <= median) {
          this.add([...at, 'p90'], `p90 (${this.fmt(p90, o.duration)}) must be greater than the median (${this.fmt(median, o.duration)})`);
          return undefined;
        }
        return lognormalFromMedianP90(median, p90);
      }
      case 'empirical': {
        if (!Array.isArray(body)) return undefined;
        const values = body.map((x) => this.value(x, o));
        if (values.some((x) => x === undefined)) return undefined;
        values.forEach((x, i) => this.checkMin(x, [...at, i], o));
        return { kind: 'empirical', values: values as number[] };
      }
      case 'choice': {
        if (!isObj(body) || !Array.isArray(body.values)) return undefined;
        const raw: (number | undefined)[] = body.values.map((x: unknown) => this.value(x, o));
        if (raw.some((x) => x === undefined)) return undefined;
        const values = raw as number[];
        values.forEach((x: number, i: number) => this.checkMin(x, [...at, 'values', i], o));
        if (body.weights === undefined) return { kind: 'choice', values };
        if (!Array.isArray(body.weights) || !body.weights.every(isNum)) return undefined;
        if (body.weights.length !== values.length) {
          this.add([...at, 'weights'], `has ${body.weights.length} weight${body.weights.length === 1 ? '' : 's'} for ${values.length} value${values.length === 1 ? '' : 's'}`);
          return undefined;
        }
        if (!body.weights.some((x: number) => x > 0)) {
          this.add([...at, 'weights'], 'at least one weight must be greater than 0');
          return undefined;
        }
        return { kind: 'choice', values, weights: body.weights };
      }
      default:
        return undefined;
    }
  }

  /** The largest value a distribution can draw, when it is bounded. */
  private static upper(d: Distribution): number | undefined {
    switch (d.kind) {
      case 'fixed':
        return d.value;
      case 'uniform':
        return d.max;
      case 'empirical':
        return Math.max(...d.values);
      case 'choice':
        return Math.max(...d.values.filter((_, i) => !d.weights || d.weights[i]! > 0));
      default:
        return undefined;
    }
  }

  // ---- cluster

  private nodePools(v: unknown): NodePoolSpec[] | undefined {
    if (!Array.isArray(v)) return this.miss(undefined);
    const out: NodePoolSpec[] = [];
    const names = new Map<string, number>();
    let ok = true;
    v.forEach((p: unknown, i: number) => {
      const segs = ['cluster', 'nodePools', i];
      if (!isObj(p) || !isStr(p.name) || !Number.isInteger(p.count)) return (ok = !!this.miss(undefined));
      const first = names.get(p.name);
      if (first !== undefined) this.add([...segs, 'name'], `duplicate node pool name '${p.name}' (also nodePools[${first}])`);
      else names.set(p.name, i);
      const shape = this.shape(p.shape, [...segs, 'shape']);
      const pool: NodePoolSpec = { name: p.name, count: p.count, shape: shape ?? 'h100-8x' };
      if (!shape) ok = false;
      if (isObj(p.labels)) pool.labels = { ...p.labels };
      if (Array.isArray(p.taints)) pool.taints = p.taints.map((t: J) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }) as Taint);
      if (Array.isArray(p.zones)) pool.zones = [...p.zones];
      if (Number.isInteger(p.nodesPerBlock)) pool.nodesPerBlock = p.nodesPerBlock;
      if (p.provisioningDelay !== undefined) {
        const d = this.dist(p.provisioningDelay, [...segs, 'provisioningDelay'], { duration: true });
        if (d) pool.provisioningDelay = d;
        else ok = false;
      }
      out.push(pool);
    });
    return ok ? out : undefined;
  }

  private shape(v: unknown, segs: PathSeg[]): string | NodeShape | undefined {
    const presets = Object.keys(NODE_PRESETS);
    const preset = (name: string, at: PathSeg[]): NodeShape | undefined => {
      const s = NODE_PRESETS[name];
      if (!s) this.add(at, `unknown node preset '${name}'${didYouMean(name, presets) || `; presets: ${presets.join(', ')}`}`);
      return s;
    };
    if (isStr(v)) return preset(v, segs) ? v : undefined;
    if (!isObj(v)) return this.miss(undefined);
    let base: NodeShape | undefined;
    if (v.preset !== undefined) {
      base = preset(String(v.preset), [...segs, 'preset']);
      if (!base) return undefined;
    } else {
      const missing = ['cpu', 'memory'].filter((k) => v[k] === undefined);
      if (missing.length) {
        this.add(segs, `a custom shape needs ${missing.map((k) => `'${k}'`).join(' and ')} (or a 'preset' to start from)`);
        return undefined;
      }
    }
    const cpu = v.cpu === undefined ? base!.cpu : this.quantity(v.cpu, [...segs, 'cpu']);
    const memory = v.memory === undefined ? base!.memory : this.quantity(v.memory, [...segs, 'memory']);
    if (cpu === undefined || memory === undefined) return undefined;
    return {
      cpu,
      memory,
      gpus: isNum(v.gpus) ? v.gpus : (base?.gpus ?? 0),
      pods: isNum(v.pods) ? v.pods : (base?.pods ?? 110),
      instanceType: isStr(v.instanceType) ? v.instanceType : (base?.instanceType ?? 'custom'),
      pricePerHour: isNum(v.pricePerHour) ? v.pricePerHour : (base?.pricePerHour ?? 0),
    };
  }

  // ---- workloads: manifests

  private manifests(list: unknown[]): TimedManifest[] {
    const out: TimedManifest[] = [];
    list.forEach((m, i) => {
      const segs = ['workloads', 'manifests', i];
      if (!isObj(m)) return this.miss(undefined);
      const at = m.at === undefined ? 0 : this.instant(m.at, [...segs, 'at'], 'the manifest would never be applied');
      const hasObj = m.object !== undefined;
      const hasPath = m.path !== undefined;
      if (hasObj === hasPath) {
        this.add(segs, hasObj ? "give either 'object' or 'path', not both" : "needs 'object' (the manifest inline) or 'path' (a file of manifests)");
        return;
      }
      if (hasObj) {
        if (!isObj(m.object)) return this.miss(undefined);
        const objSegs = [...segs, 'object'];
        const before = this.problems.length;
        for (const p of checkManifestObject(m.object)) this.add([...objSegs, ...(p.field ? splitFieldPath(p.field) : [])], p.message, p.atKey);
        if (this.problems.length > before || at === undefined) return;
        const line = this.src.locate(objSegs).line;
        out.push({ at, object: deepClone(m.object) as KubeObject, source: { file: this.src.file, line } });
        return;
      }
      if (!isStr(m.path)) return this.miss(undefined);
      const objects = this.manifestFile(m.path, [...segs, 'path']);
      if (objects && at !== undefined) for (const o of objects) out.push({ at, ...o });
    });
    return out;
  }

  /** The objects of a manifest file, checked; problems point into that file. */
  private manifestFile(rel: string, segs: PathSeg[]): { object: KubeObject; source: { file: string; line: number } }[] | undefined {
    const file = path.isAbsolute(rel) ? rel : path.join(this.baseDir, rel);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.add(segs, code === 'ENOENT' ? `no such file: ${file}` : code === 'EISDIR' ? `${file} is a directory, not a manifest file` : `cannot read ${file}: ${(e as Error).message}`);
      return undefined;
    }
    const lc = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
    const docList = Array.isArray(docs) ? docs : [docs];
    const syntax = docList.flatMap((d) => d.errors);
    if (syntax.length) {
      for (const err of syntax) {
        const at = lc.linePos(err.pos[0]);
        this.problems.push({ file, line: at.line, column: at.col, path: formatPath(segs), message: `YAML syntax error: ${err.message.split('\n')[0]}` });
      }
      return undefined;
    }
    try {
      parseManifests(text, file);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      // parseManifests lists one "file:line[:col]: message" per malformed document.
      for (const l of e.message.split('\n').slice(1)) {
        const m = /^\s*(.*?):(\d+)(?::(\d+))?: (.*)$/.exec(l);
        if (m) this.problems.push({ file, line: Number(m[2]), column: Number(m[3] ?? 1), path: formatPath(segs), message: m[4]! });
      }
      return undefined;
    }
    // Positions: walk the documents as parseManifests does (a *List document contributes its items).
    const out: { object: KubeObject; source: { file: string; line: number } }[] = [];
    let bad = false;
    let j = 0;
    for (const doc of docList) {
      const value = doc.toJSON();
      if (value === null || value === undefined) continue;
      const src = new YamlSource(file, lc, doc);
      const isList = isObj(value) && isStr(value.kind) && /List$/.test(value.kind) && Array.isArray(value.items);
      const items: { obj: unknown; root: PathSeg[] }[] = isList ? value.items.map((it: unknown, k: number) => ({ obj: it, root: ['items', k] })) : [{ obj: value, root: [] }];
      for (const { obj, root } of items) {
        const here = [...segs, j++];
        for (const p of checkManifestObject(obj)) {
          const fieldSegs = p.field ? splitFieldPath(p.field) : [];
          this.problems.push({ file, ...src.locate([...root, ...fieldSegs], p.atKey), path: formatPath([...here, ...fieldSegs]), message: p.message });
          bad = true;
        }
        out.push({ object: obj as KubeObject, source: { file, line: src.locate(root).line } });
      }
    }
    if (out.length === 0) {
      this.add(segs, `${file} holds no manifests`);
      return undefined;
    }
    return bad ? undefined : out;
  }

  // ---- workloads: generators

  private generators(list: unknown[], maxGpus: number | undefined): WorkloadGenerator[] {
    const out: WorkloadGenerator[] = [];
    const names = new Map<string, number>();
    list.forEach((g, i) => {
      const segs = ['workloads', 'generators', i];
      if (!isObj(g) || !isStr(g.name)) return this.miss(undefined);
      const first = names.get(g.name);
      if (first !== undefined) {
        this.add([...segs, 'name'], `duplicate generator name '${g.name}' (also generators[${first}]): job names would collide`);
        return;
      }
      names.set(g.name, i);
      const before = this.problems.length;
      const startMs = g.start === undefined ? 0 : this.instant(g.start, [...segs, 'start'], 'the generator would submit nothing');
      let untilMs = g.until === undefined ? this.durationMs : this.duration(g.until, [...segs, 'until']);
      if (untilMs !== undefined && untilMs > this.durationMs) {
        this.add([...segs, 'until'], `${formatDuration(untilMs)} is after the end of the scenario (${formatDuration(this.durationMs)})`);
        untilMs = undefined;
      }
      if (startMs !== undefined && untilMs !== undefined && untilMs <= startMs) {
        this.add([...segs, 'until'], `until (${formatDuration(untilMs)}) must be after start (${formatDuration(startMs)})`);
      }
      const arrival = this.arrival(g.arrival, [...segs, 'arrival'], startMs, untilMs);
      const template = this.template(g.template, [...segs, 'template'], maxGpus);
      if (this.problems.length > before) return;
      if (startMs === undefined || untilMs === undefined || !arrival || !template) return this.miss(undefined);
      out.push({ name: g.name, arrival, startMs, untilMs, ...(Number.isInteger(g.count) ? { count: g.count } : {}), template });
    });
    return out;
  }

  private arrival(v: unknown, segs: PathSeg[], startMs: number | undefined, untilMs: number | undefined): ArrivalProcess | undefined {
    if (!isObj(v)) return this.miss(undefined);
    if (isObj(v.poisson)) return isNum(v.poisson.ratePerHour) ? { kind: 'poisson', ratePerHour: v.poisson.ratePerHour } : this.miss(undefined);
    if (isObj(v.interval)) {
      const everyMs = this.duration(v.interval.every, [...segs, 'interval', 'every'], { positive: true });
      return everyMs === undefined ? undefined : { kind: 'interval', everyMs };
    }
    if (isObj(v.burst)) {
      const b = v.burst;
      const atMs = this.duration(b.at, [...segs, 'burst', 'at']);
      const everyMs = b.every === undefined ? undefined : this.duration(b.every, [...segs, 'burst', 'every'], { positive: true });
      if (atMs === undefined || !Number.isInteger(b.count) || (b.every !== undefined && everyMs === undefined)) return this.miss(undefined);
      if (startMs !== undefined && untilMs !== undefined && (atMs < startMs || atMs >= untilMs)) {
        this.add([...segs, 'burst', 'at'], `${formatDuration(atMs)} is outside the generator's window [${formatDuration(startMs)}, ${formatDuration(untilMs)}): the burst would submit nothing`);
        return undefined;
      }
      return { kind: 'burst', atMs, count: b.count, ...(everyMs !== undefined ? { everyMs } : {}) };
    }
    return this.miss(undefined);
  }

  private template(t: unknown, segs: PathSeg[], maxGpus: number | undefined): RayJobTemplate | undefined {
    if (!isObj(t)) return this.miss(undefined);
    const workers = this.dist(t.workers, [...segs, 'workers'], { duration: false, min: 1, what: 'the worker count' });
    const gpusPerWorker = this.dist(t.gpusPerWorker, [...segs, 'gpusPerWorker'], { duration: false, min: 0, what: 'GPUs per worker' });
    if (gpusPerWorker && maxGpus !== undefined) {
      const hi = Builder.upper(gpusPerWorker);
      if (hi !== undefined && Math.round(hi) > maxGpus) {
        this.add([...segs, 'gpusPerWorker'], `can draw ${Math.round(hi)} GPUs per worker but the largest node has ${maxGpus}: such workers would never be scheduled`);
      }
    }
    if (maxGpus !== undefined && isNum(t.headGpus) && t.headGpus > maxGpus) this.add([...segs, 'headGpus'], `${t.headGpus} GPUs for the head but the largest node has ${maxGpus}`);
    const duration = this.dist(t.duration, [...segs, 'duration'], { duration: true });
    const checkpointIntervalMs = t.checkpointInterval === undefined ? undefined : this.duration(t.checkpointInterval, [...segs, 'checkpointInterval'], { positive: true });
    const q = (k: string) => this.quantity(t[k], [...segs, k]);
    const cpuPerWorker = q('cpuPerWorker');
    const memoryPerWorker = q('memoryPerWorker');
    const headCpu = t.headCpu === undefined ? DEFAULT_HEAD_CPU : q('headCpu');
    const headMemory = t.headMemory === undefined ? DEFAULT_HEAD_MEMORY : q('headMemory');
    if (t.queue !== undefined && isStr(t.queue) && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(t.queue)) {
      this.add([...segs, 'queue'], `'${t.queue}' is not a valid label value (a LocalQueue name)`);
    }
    if (t.priorityClass !== undefined && isStr(t.priorityClass) && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(t.priorityClass)) {
      this.add([...segs, 'priorityClass'], `'${t.priorityClass}' is not a valid PriorityClass name`);
    }
    if (t.shutdownAfterJobFinishes === false && isNum(t.ttlSecondsAfterFinished) && t.ttlSecondsAfterFinished > 0) {
      this.add([...segs, 'ttlSecondsAfterFinished'], 'needs shutdownAfterJobFinishes (KubeRay rejects a TTL without it)');
    }
    if (!workers || !gpusPerWorker || !duration || !headCpu || !headMemory) return undefined;
    if ((t.cpuPerWorker !== undefined && !cpuPerWorker) || (t.memoryPerWorker !== undefined && !memoryPerWorker)) return undefined;
    if (t.checkpointInterval !== undefined && checkpointIntervalMs === undefined) return undefined;
    const out: RayJobTemplate = {
      kind: 'RayJob',
      workers,
      gpusPerWorker,
      headGpus: isNum(t.headGpus) ? t.headGpus : 0,
      headCpu,
      headMemory,
      image: isStr(t.image) ? t.image : DEFAULT_RAY_IMAGE,
      rayVersion: isStr(t.rayVersion) ? t.rayVersion : DEFAULT_RAY_VERSION,
      duration,
      failureProbability: isNum(t.failureProbability) ? t.failureProbability : 0,
      namespace: isStr(t.namespace) ? t.namespace : DEFAULT_NAMESPACE,
      shutdownAfterJobFinishes: t.shutdownAfterJobFinishes !== false,
    };
    if (cpuPerWorker) out.cpuPerWorker = cpuPerWorker;
    if (memoryPerWorker) out.memoryPerWorker = memoryPerWorker;
    if (isStr(t.priorityClass)) out.priorityClass = t.priorityClass;
    if (isStr(t.queue)) out.queue = t.queue;
    if (checkpointIntervalMs !== undefined) out.checkpointIntervalMs = checkpointIntervalMs;
    if (isStr(t.submissionMode)) out.submissionMode = t.submissionMode as RayJobTemplate['submissionMode'];
    if (isNum(t.ttlSecondsAfterFinished)) out.ttlSecondsAfterFinished = t.ttlSecondsAfterFinished;
    if (isNum(t.backoffLimit)) out.backoffLimit = t.backoffLimit;
    if (isObj(t.labels)) out.labels = { ...t.labels };
    return out;
  }

  // ---- faults

  private causes(v: unknown, segs: PathSeg[], dflt: Readonly<Partial<Record<FailureCause, number>>>): Partial<Record<FailureCause, number>> | undefined {
    if (v === undefined) return { ...dflt };
    if (!isObj(v)) return this.miss(undefined);
    if (!Object.values(v).some((x) => isNum(x) && x > 0)) {
      this.add(segs, 'at least one cause must have a weight greater than 0');
      return undefined;
    }
    return { ...v } as Partial<Record<FailureCause, number>>;
  }

  private faults(f: J, pools: NodePoolSpec[]): Faults {
    const out: Faults = { maintenance: [], operatorRestarts: [] };
    if (isObj(f.nodeFailures)) {
      const n = f.nodeFailures;
      const segs = ['faults', 'nodeFailures'];
      const causes = this.causes(n.causes, [...segs, 'causes'], LLAMA3_FAILURE_CAUSES);
      const repair = this.optDist(n.repair, [...segs, 'repair'], DEFAULT_NODE_REPAIR);
      if (causes && repair) {
        const nf: NodeFailureFaults = { ratePerNodeDay: isNum(n.ratePerNodeDay) ? n.ratePerNodeDay : LLAMA3_NODE_FAILURES_PER_DAY, causes, repair, replace: n.replace === true };
        out.nodeFailures = nf;
      }
    }
    if (isObj(f.gpuErrors)) {
      const g = f.gpuErrors;
      const segs = ['faults', 'gpuErrors'];
      const gpus = g.gpus === undefined ? ({ kind: 'fixed', value: 1 } as Distribution) : this.dist(g.gpus, [...segs, 'gpus'], { duration: false, min: 1, what: 'GPUs lost' });
      const causes = this.causes(g.causes, [...segs, 'causes'], LLAMA3_GPU_ERROR_CAUSES);
      const repair = this.optDist(g.repair, [...segs, 'repair'], DEFAULT_GPU_REPAIR);
      if (isNum(g.ratePerNodeDay) && gpus && causes && repair) {
        const ge: GpuErrorFaults = { ratePerNodeDay: g.ratePerNodeDay, gpus, causes, repair };
        out.gpuErrors = ge;
      } else if (!isNum(g.ratePerNodeDay)) this.miss(undefined);
    }
    if (Array.isArray(f.maintenance)) {
      const poolNames = pools.map((p) => p.name);
      f.maintenance.forEach((m: unknown, i: number) => {
        const segs = ['faults', 'maintenance', i];
        if (!isObj(m)) return this.miss(undefined);
        const atMs = this.instant(m.at, [...segs, 'at'], 'the maintenance would never happen');
        const durationMs = m.duration === undefined ? DEFAULT_MAINTENANCE_DURATION_MS : this.duration(m.duration, [...segs, 'duration'], { positive: true });
        if ((m.nodes === undefined) === (m.pool === undefined)) {
          this.add(segs, m.nodes === undefined ? "needs 'nodes' (names) or 'pool'" : "give either 'nodes' or 'pool', not both");
          return;
        }
        if (isStr(m.pool) && !poolNames.includes(m.pool)) {
          this.add([...segs, 'pool'], `no node pool named '${m.pool}'${didYouMean(m.pool, poolNames) || `; pools: ${poolNames.join(', ')}`}`);
          return;
        }
        if (atMs === undefined || durationMs === undefined) return;
        const ev: MaintenanceEvent = { atMs, drain: m.drain !== false, durationMs };
        if (Array.isArray(m.nodes)) ev.nodes = [...m.nodes];
        if (isStr(m.pool)) ev.pool = m.pool;
        out.maintenance.push(ev);
      });
    }
    if (isObj(f.apiServer)) {
      const a = f.apiServer;
      const segs = ['faults', 'apiServer'];
      const cfg: FaultConfig = {};
      if (isObj(a.latency)) {
        const latencyMs: NonNullable<FaultConfig['latencyMs']> = {};
        for (const [verb, l] of Object.entries(a.latency)) {
          const at = [...segs, 'latency', verb];
          if (Array.isArray(l)) {
            const lo = parseDuration(l[0]);
            const hi = parseDuration(l[1]);
            if (lo === undefined || hi === undefined) continue;
            if (hi < lo) this.add([...at, 1], `max (${formatDuration(hi)}) must not be less than min (${formatDuration(lo)})`);
            else latencyMs[verb as Verb] = [lo, hi];
          } else {
            const ms = parseDuration(l);
            if (ms !== undefined) latencyMs[verb as Verb] = ms;
          }
        }
        cfg.latencyMs = latencyMs;
      }
      if (Array.isArray(a.errors)) {
        cfg.errors = a.errors.filter(isObj).map((e: J) => {
          const ie: InjectedError = { code: e.code, rate: e.rate };
          if (Array.isArray(e.verbs)) ie.verbs = [...e.verbs];
          if (Array.isArray(e.resources)) ie.resources = [...e.resources];
          return ie;
        });
      }
      if (isNum(a.dropWatchRate)) cfg.dropWatchRate = a.dropWatchRate;
      if (isNum(a.staleReadRate)) cfg.staleReadRate = a.staleReadRate;
      out.apiServer = cfg;
    }
    if (Array.isArray(f.operatorRestarts)) {
      f.operatorRestarts.forEach((r: unknown, i: number) => {
        const segs = ['faults', 'operatorRestarts', i];
        if (!isObj(r)) return this.miss(undefined);
        const atMs = this.instant(r.at, [...segs, 'at'], 'the restart would never happen');
        const downtimeMs = r.downtime === undefined ? DEFAULT_OPERATOR_DOWNTIME_MS : this.duration(r.downtime, [...segs, 'downtime']);
        if (atMs === undefined || downtimeMs === undefined) return;
        const ev: OperatorRestart = { atMs, downtimeMs };
        out.operatorRestarts.push(ev);
      });
    }
    return out;
  }

  // ---- settings

  private operator(o: J): OperatorSettings {
    const out: OperatorSettings = { ...DEFAULT_OPERATOR };
    if (isStr(o.batchScheduler)) out.batchScheduler = o.batchScheduler as OperatorSettings['batchScheduler'];
    if (isStr(o.placementPolicy)) out.placementPolicy = o.placementPolicy as OperatorSettings['placementPolicy'];
    if (isStr(o.admission)) out.admission = o.admission as OperatorSettings['admission'];
    return out;
  }

  private expectations(list: unknown[]): Expectation[] {
    const out: Expectation[] = [];
    list.forEach((e, i) => {
      const segs = ['expectations', i];
      if (isObj(e)) {
        const metricOk = isStr(e.metric) && this.metric(e.metric, [...segs, 'metric']);
        if (metricOk && isStr(e.op) && (EXPECTATION_OPS as readonly string[]).includes(e.op) && isNum(e.value)) {
          const x: Expectation = { metric: e.metric as string, op: e.op as ExpectationOp, value: e.value };
          if (isNum(e.tolerance)) x.tolerance = e.tolerance;
          out.push(x);
        }
        return;
      }
      if (!isStr(e)) return this.miss(undefined);
      const m = EXPECTATION_RE.exec(e);
      if (!m) return; // pass 2 reported the pattern
      const value = Number(m[3]);
      if (!this.metric(m[1]!, segs)) return;
      if (!Number.isFinite(value)) return this.miss(undefined);
      out.push({ metric: m[1]!, op: m[2] as ExpectationOp, value });
    });
    return out;
  }

  /** Whether an expectation may name `name` (sim/metrics' isExpectableMetric, and a cause raysim
   * knows, so a typo in a cause is not a bound that always holds); reports it at `segs` if not. */
  private metric(name: string, segs: PathSeg[]): boolean {
    if (name.startsWith(CAUSE_METRIC_PREFIX) && isExpectableMetric(name)) {
      const cause = name.slice(CAUSE_METRIC_PREFIX.length);
      if ((FAILURE_CAUSES as readonly string[]).includes(cause)) return true;
      this.add(segs, `unknown failure cause '${cause}' in '${name}'${didYouMean(cause, FAILURE_CAUSES) || `; causes: ${FAILURE_CAUSES.join(', ')}`}`);
      return false;
    }
    if (isExpectableMetric(name)) return true;
    if (name === CAUSE_METRIC_PREFIX || name === CAUSE_METRIC_PREFIX.slice(0, -1)) {
      this.add(segs, `'${name}' counts per cause: name one, e.g. '${CAUSE_METRIC_PREFIX}${FAILURE_CAUSES[0]}', or use 'node_failures' for all`);
      return false;
    }
    const names = [...EXPECTABLE_METRICS, ...FAILURE_CAUSES.map((c) => CAUSE_METRIC_PREFIX + c)];
    this.add(segs, `unknown metric '${name}'${didYouMean(name, names) || `; known metrics: ${EXPECTABLE_METRICS.join(', ')}, ${CAUSE_METRIC_PREFIX}<cause>`}`);
    return false;
  }
}

