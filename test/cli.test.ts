// The raysim command line: `raysim demo` in-process, exit codes for bad input, and
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

describe('raysim demo', () => {
  it('prints what the watches saw, including the 409, the 422 and the cascade, and exits 0', async () => {
    const { code, out, err } = await run('demo');
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const text = out.join('\n');
    expect(out[0]).toMatch(/^\s+0\.0s {2}applied RayJob\/llama-finetune from llama-finetune\.rayjob\.yaml$/);
    expect(text).toMatch(/watch ADDED {4}RayJob\/llama-finetune/);
    expect(text).toMatch(/watch ADDED {4}RayCluster\/llama-finetune-\w+/);
    expect(out.filter((l) => /watch ADDED {4}Pod\/llama-finetune-\w+-(head|gpu-workers-worker)-\w+ \(Pending\)/.test(l))).toHaveLength(5);
    expect(text).toMatch(/stale update of Pod\/\S+: 409 Conflict/);
    expect(text).toMatch(/invalid RayJob: 422 Invalid: .*spec\.backoffLimit/);
    expect(text).toMatch(/watch MODIFIED RayJob\/llama-finetune \(Complete\)/);
    // The cascade: the RayJob's deletion takes its RayCluster, whose deletion takes the pods.
    const del = out.findIndex((l) => l.includes('deleted the RayJob (Background propagation)'));
    expect(del).toBeGreaterThan(0);
    const after = out.slice(del);
    expect(after.some((l) => /watch DELETED {2}RayCluster\/llama-finetune-\w+/.test(l))).toBe(true);
    expect(after.filter((l) => /watch DELETED {2}Pod\//.test(l))).toHaveLength(5);
    expect(out[out.length - 1]).toMatch(/done: \d+ trace records, 0 Ray objects and pods left, resourceVersion \d+$/);
  });

  it('is deterministic for a seed', async () => {
    const a = await run('demo', '--seed', '7');
    const b = await run('demo', '--seed', '7');
    expect(a.out).toEqual(b.out);
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
