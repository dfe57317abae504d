import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NODE_PRESETS } from '../../sim/cluster/node-pool.js';
import { createRng } from '../../sim/core/rng.js';
import { VERBS } from '../../sim/kube/faults.js';
import { readManifests } from '../../sim/kube/manifests.js';
import { DURATION_PATTERN } from '../../scenarios/duration.js';
import { expandWorkloads } from '../../scenarios/generate.js';
import { CAUSE_METRIC_PATTERN, EXPECTATION_PATTERN, loadScenario, parseScenario, scenarioSchema } from '../../scenarios/loader.js';
import { FAILURE_CAUSES } from '../../scenarios/scenario-types.js';
import { CAUSE_METRIC_PREFIX, EXPECTABLE_METRICS, EXPECTATION_OPS, isExpectableMetric } from '../../sim/metrics/index.js';

const DIR = 'scenarios';
const bundled = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('bundled scenarios', () => {
  it('include the four the issue asks for', () => {
    expect(bundled).toEqual(expect.arrayContaining(['h100-small.yaml', 'h100-fleet-30d.yaml', 'rayservice-upgrade.yaml', 'api-chaos.yaml']));
  });

  it.each(bundled)('%s loads and references the schema', (f) => {
    const file = path.join(DIR, f);
    const s = loadScenario(file);
    expect(s.name).toBe(f.replace(/\.yaml$/, ''));
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    expect(s.expectations.length).toBeGreaterThan(0);
  });

  it('h100-small: 16 GPU nodes (plus CPU nodes for submitters), ~40 jobs over a few hours', () => {
    const s = loadScenario('scenarios/h100-small.yaml');
    expect(s.cluster.nodePools.filter((p) => p.shape === 'h100-8x').reduce((n, p) => n + p.count, 0)).toBe(16);
    expect(s.cluster.nodePools.filter((p) => p.shape !== 'h100-8x').every((p) => p.shape === 'cpu-96')).toBe(true);
    expect(s.durationMs).toBeLessThanOrEqual(8 * 3_600_000);
    const jobs = expandWorkloads(s, createRng(s.seed)).length + s.workloads.manifests.length;
    expect(jobs).toBeGreaterThanOrEqual(30);
    expect(jobs).toBeLessThanOrEqual(55);
  });

  it('h100-fleet-30d: 1,024 h100-8x nodes in 4 zones, ~10,000 RayJobs over 30 days, Llama 3 failures', () => {
    const s = loadScenario('scenarios/h100-fleet-30d.yaml');
    expect(s.durationMs).toBe(30 * 86_400_000);
    const pools = s.cluster.nodePools.filter((p) => p.shape === 'h100-8x');
    const [pool] = pools;
    expect(pools).toHaveLength(1);
    expect(pool).toMatchObject({ count: 1024, shape: 'h100-8x' });
    expect(pool!.zones).toHaveLength(4);
    expect(s.faults.nodeFailures?.ratePerNodeDay).toBe(3.8e-3);
    const jobs = expandWorkloads(s, createRng(s.seed));
    expect(jobs.length).toBeGreaterThan(9_500);
    expect(jobs.length).toBeLessThan(10_800);
    const gpus = jobs.map((j) => {
      const w = j.object.spec.rayClusterSpec!.workerGroupSpecs![0]!;
      return (w.replicas ?? 0) * Number(w.template.spec.containers[0]!.resources!.limits!['nvidia.com/gpu'] ?? 0);
    });
    expect(gpus.filter((g) => g >= 1 && g <= 8).length / jobs.length).toBeGreaterThan(0.7);
    expect(Math.max(...gpus)).toBe(512);
    expect(gpus.filter((g) => g >= 64).length).toBeGreaterThan(300);
    // Every job fits the fleet, and the expectations bracket what the generators produce.
    const sub = s.expectations.filter((e) => e.metric === 'jobs_submitted');
    for (const e of sub) expect(e.op === '>=' ? jobs.length >= e.value : jobs.length <= e.value).toBe(true);
  });

  it('rayservice-upgrade: a RayService and a later change to the same object', () => {
    const s = loadScenario('scenarios/rayservice-upgrade.yaml');
    const [a, b] = s.workloads.manifests;
    expect(a!.object.kind).toBe('RayService');
    expect(b!.object.kind).toBe('RayService');
    expect(b!.object.metadata.name).toBe(a!.object.metadata.name);
    expect(b!.at).toBeGreaterThan(a!.at);
    expect(b!.object.spec).not.toEqual(a!.object.spec);
    // Zero downtime is an expectation of the run itself.
    expect(s.expectations.map((e) => e.metric)).toEqual(['serve_downtime_s', 'node_failures', 'jobs_failed', 'gpu_hours_used']);
    expect(s.expectations[0]).toMatchObject({ op: '==', value: 0 });
  });

  it('api-chaos: 409/429/500, dropped watches and an operator restart', () => {
    const s = loadScenario('scenarios/api-chaos.yaml');
    const api = s.faults.apiServer!;
    expect(api.errors!.map((e) => e.code).sort()).toEqual([409, 429, 500]);
    expect(api.dropWatchRate).toBeGreaterThan(0);
    expect(api.staleReadRate).toBeGreaterThan(0);
    expect(api.latencyMs?.list).toEqual([10, 50]);
    expect(s.faults.operatorRestarts.length).toBeGreaterThanOrEqual(1);
  });

  it('the README example is a valid scenario', () => {
    const md = fs.readFileSync('scenarios/README.md', 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
    const s = parseScenario(block, 'scenarios/README-example.yaml');
    expect(s.name).toBe('my-scenario');
    expect(s.workloads.manifests.map((m) => m.object.kind)).toEqual(['RayJob', 'PriorityClass']);
  });
});

describe('the llama-finetune KubeRay manifest drops in unchanged', () => {
  const file = 'scenarios/examples/llama-finetune.rayjob.yaml';
  const original = readManifests(file)[0]!.object;
  const head = `name: drop-in\nduration: 1h\ncluster:\n  nodePools: [{ name: gpu, count: 2, shape: h100-8x }]\nworkloads:\n  manifests:\n`;

  it('by path', () => {
    const s = parseScenario(head + `    - at: 5m\n      path: examples/llama-finetune.rayjob.yaml\n`, 'scenarios/inline.yaml');
    expect(s.workloads.manifests).toEqual([{ at: 300_000, object: original, source: { file, line: 2 } }]);
  });

  it('inline, pasted as is under object:', () => {
    const text = fs.readFileSync(file, 'utf8');
    const indented = text
      .split('\n')
      .map((l) => (l ? `        ${l}` : l))
      .join('\n');
    const s = parseScenario(head + `    - at: 0s\n      object:\n${indented}`, 'scenarios/inline.yaml');
    expect(s.workloads.manifests[0]!.object).toEqual(original);
  });
});

describe('schema.json agrees with the code', () => {
  const schema = scenarioSchema() as any;
  const defs = schema.definitions;

  it('is a draft-07 schema with additionalProperties: false on every object with properties', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const open: string[] = [];
    const walk = (s: any, at: string) => {
      if (!s || typeof s !== 'object') return;
      if (s.properties && s.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(s)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  it('durations, metrics, ops, causes and verbs', () => {
    expect(defs.duration.pattern).toBe(DURATION_PATTERN);
    const [names, perCause] = defs.expectation.properties.metric.anyOf;
    expect(names.enum).toEqual([...EXPECTABLE_METRICS]);
    expect(perCause.pattern).toBe(CAUSE_METRIC_PATTERN);
    expect(defs.expectation.pattern).toBe(EXPECTATION_PATTERN);
    // The per-cause pattern admits exactly the cause metrics sim/metrics can check.
    for (const c of FAILURE_CAUSES) {
      expect(new RegExp(perCause.pattern).test(CAUSE_METRIC_PREFIX + c)).toBe(true);
      expect(isExpectableMetric(CAUSE_METRIC_PREFIX + c)).toBe(true);
    }
    expect(new RegExp(perCause.pattern).test(CAUSE_METRIC_PREFIX)).toBe(false);
    expect(defs.expectation.properties.op.enum).toEqual([...EXPECTATION_OPS]);
    expect(Object.keys(defs.causes.properties)).toEqual(FAILURE_CAUSES);
    expect(Object.keys(defs.apiServer.properties.latency.properties)).toEqual([...VERBS]);
    expect(Object.keys(NODE_PRESETS).every((p) => defs.nodeShape.description.includes(p))).toBe(true);
  });

  it('parses as YAML too (editors may load it either way)', () => {
    expect(parse(fs.readFileSync('scenarios/schema.json', 'utf8'))).toEqual(schema);
  });
});
