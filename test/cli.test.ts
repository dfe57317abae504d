// The raysim command line: `raysim demo`, `run` and `validate` in-process, exit codes for bad input, and
// `raysim apiserver` as a real child process that kubectl talks to and SIGTERM stops cleanly.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../sim/cli.js';
import { buildIfNeeded, KUBECTL, runKubectl, spawnCli, waitForOutput, type Spawned } from './fixtures/cli-process.js';

/** Runs main() with console and stdio captured. */
async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.map(String).join(' ')}\n`));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  try {
    const code = await main(['node', 'raysim', ...args]);
    return { code, out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

describe('raysim demo and raysim run', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-run-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('demo runs the bundled h100-small scenario and prints the summary table, exit 0', async () => {
    const { code, out, err } = await run('demo');
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const text = out.join('\n');
    expect(text).toMatch(/^scenario h100-small: 6\.0h simulated in [\d.]+ s wall/m);
    const completed = Number(/jobs_completed\s+│\s+(\d+)/.exec(text)?.[1]);
    expect(completed).toBeGreaterThanOrEqual(25);
    expect(text).toMatch(/gpu_allocation_pct\s+│\s+[\d.]+%/);
    expect(text).toContain('expectations: all met');
  });

  it('run is deterministic: the same seed gives a byte-identical trace, another seed a different one', async () => {
    const outs = ['a', 'b', 'c'].map((d) => path.join(tmp, d));
    expect((await run('run', 'scenarios/h100-small.yaml', '--until', '90m', '--out', outs[0]!)).code).not.toBe(EXIT.internalError);
    await run('run', 'scenarios/h100-small.yaml', '--until', '90m', '--out', outs[1]!);
    await run('run', 'scenarios/h100-small.yaml', '--until', '90m', '--seed', '43', '--out', outs[2]!);
    const trace = (d: string) => fs.readFileSync(path.join(d, 'trace.jsonl'), 'utf8');
    expect(trace(outs[0]!).split('\n').length).toBeGreaterThan(50);
    expect(trace(outs[1]!)).toBe(trace(outs[0]!));
    expect(trace(outs[2]!)).not.toBe(trace(outs[0]!));
    const metrics = JSON.parse(fs.readFileSync(path.join(outs[0]!, 'metrics.json'), 'utf8'));
    expect(metrics.jobs_submitted).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(outs[0]!, 'metrics.csv'), 'utf8').split('\n')[0]).toContain('jobs_submitted');
  });

  it('run exits 1 when an expectation is violated, and says which', async () => {
    const file = path.join(tmp, 'strict.yaml');
    fs.writeFileSync(
      file,
      ['name: strict', 'duration: 30m', 'cluster:', '  nodePools: [{ name: gpu, count: 1, shape: h100-8x }]', 'expectations:', '  - { metric: jobs_completed, op: ">=", value: 5 }', ''].join('\n'),
    );
    const r = await run('run', file);
    expect(r.code).toBe(EXIT.expectationsViolated);
    expect(r.out.join('\n')).toMatch(/expected jobs_completed >= 5, got 0/);
  });

  it('run and validate reject a bad scenario with file, line and column (exit 2)', async () => {
    const file = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(file, 'name: bad\nduration: 1h\nclusterr: {}\n');
    for (const cmd of ['run', 'validate']) {
      const r = await run(cmd, file);
      expect(r.code).toBe(EXIT.invalidInput);
      expect(r.err).toContain(`${file}:3:1: clusterr: unknown key 'clusterr'; did you mean 'cluster'?`);
    }
    const ok = await run('validate', 'scenarios/h100-fleet-30d.yaml');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out.join('\n')).toMatch(/valid \(h100-fleet-30d: 30\.0d/);
  });

  it('a run cut short by --until does not judge whole-run expectations, unless --check-expectations', async () => {
    const short = await run('run', 'scenarios/h100-fleet-30d.yaml', '--until', '1h', '--no-progress');
    expect(short.code).toBe(EXIT.ok);
    expect(short.out.join('\n')).toContain("expectations: not checked (--until stopped the run at 60m of the scenario's 30.0d; --check-expectations checks them anyway)");
    const checked = await run('run', 'scenarios/h100-fleet-30d.yaml', '--until', '1h', '--no-progress', '--check-expectations');
    expect(checked.code).toBe(EXIT.expectationsViolated);
    expect(checked.out.join('\n')).toMatch(/expectations violated:\n {2}expected jobs_submitted >= 9700/);
  }, 60_000);

  it('a bad --until is invalid input', async () => {
    const r = await run('run', 'scenarios/h100-small.yaml', '--until', 'soon');
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toContain('--until soon: not a duration');
  });
});

describe('exit codes', () => {
  it('an unknown command is invalid input (2)', async () => {
    const r = await run('bogus');
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toContain("unknown command 'bogus'");
  });

  it('an unknown option is invalid input (2)', async () => {
    const r = await run('demo', '--bogus');
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toContain("unknown option '--bogus'");
  });

  it('a bad option value is invalid input (2)', async () => {
    const r = await run('apiserver', '--port', '99999');
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toContain('must be an integer port');
    const r2 = await run('apiserver', '--port', '0', '--crds', path.join(os.tmpdir(), 'raysim-no-such-dir'));
    expect(r2.code).toBe(EXIT.invalidInput);
    expect(r2.err).toContain('no such directory');
  });

  it('--help and --version exit 0', async () => {
    const h = await run('--help');
    expect(h.code).toBe(EXIT.ok);
    expect(h.out.join('')).toContain('apiserver');
    const v = await run('--version');
    expect(v.code).toBe(EXIT.ok);
    expect(v.out.join('')).toMatch(/^\d+\.\d+\.\d+/);
  });
});

// ---------------------------------------------------------------------------------------------
// `raysim apiserver` as a child process, from the compiled CLI (helpers in fixtures/cli-process.ts).

if (!KUBECTL) console.warn('[cli.test] kubectl is not on PATH: the apiserver test checks the server over HTTP only');

describe('raysim apiserver (child process)', () => {
  let dir: string;
  const children: Spawned[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-cli-'));
    await buildIfNeeded();
  }, 150_000);
  afterEach(() => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints its URL, writes a kubeconfig kubectl can use, and stops with exit code 0 on SIGTERM', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    const s = spawnCli(['apiserver', '--port', '0', '--kubeconfig-out', kubeconfig]);
    children.push(s);
    const [, url] = await waitForOutput(s, /raysim apiserver listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    await waitForOutput(s, /kubeconfig: /);
    expect(s.out()).toContain('custom resources: rayclusters.ray.io, raycronjobs.ray.io, rayjobs.ray.io, rayservices.ray.io');
    expect(fs.readFileSync(kubeconfig, 'utf8')).toContain(`server: ${url}`);

    const version = (await fetch(`${url}/version`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.json())) as { major: string };
    expect(version.major).toBe('1');

    if (KUBECTL) {
      const r = await runKubectl(kubeconfig, path.join(dir, 'cache'), ['get', 'namespaces']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^NAME\s+STATUS\s+AGE$/m);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(r.stdout).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+s$`, 'm'));
    }

    // An open watch must not keep the server from stopping.
    const watch = await fetch(`${url}/api/v1/namespaces?watch=true`, { signal: AbortSignal.timeout(10_000) });
    expect(watch.status).toBe(200);

    s.child.kill('SIGTERM');
    const t0 = Date.now();
    const { code, signal } = await s.exit;
    expect(signal).toBeNull();
    expect(code).toBe(EXIT.ok);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await watch.body?.cancel().catch(() => undefined);
  });

  it('a port in use is invalid input (exit 2) with a clear message', async () => {
    const first = spawnCli(['apiserver', '--port', '0', '--no-default-crds']);
    children.push(first);
    const [, port] = await waitForOutput(first, /listening on http:\/\/127\.0\.0\.1:(\d+)\n/);
    expect(first.out()).toContain('custom resources: (none)');
    const second = spawnCli(['apiserver', '--port', port]);
    children.push(second);
    const { code } = await second.exit;
    expect(code).toBe(EXIT.invalidInput);
    expect(second.err()).toMatch(/raysim: cannot listen: .*EADDRINUSE/);
    first.child.kill('SIGINT');
    expect((await first.exit).code).toBe(EXIT.ok);
  });
});
