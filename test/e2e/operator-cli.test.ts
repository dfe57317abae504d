// The operator end to end as a user runs it: `raysim apiserver` and `raysim operator` as child
// processes of the compiled CLI, the RayJob applied with the real kubectl, the test playing the
// scheduler, the kubelet and the submitter pod (fixtures/kube-actors.ts) against a fake Ray
// dashboard. Also the operator's setup errors: a missing kubeconfig, and an API server without
// the ray.io CRDs (installed by default, refused with --no-install-crds).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import { EXIT } from '../../sim/cli.js';
import { buildIfNeeded, KUBECTL, killIfRunning, runKubectl, spawnCli, waitForOutput, type Spawned } from '../fixtures/cli-process.js';
import { FakeRayServer } from '../ray/fake-ray-server.js';
import { LLAMA_FILE, llamaRayJob, runLlamaFlow } from './llama-flow.js';

const CRDS = ['rayclusters.ray.io', 'raycronjobs.ray.io', 'rayjobs.ray.io', 'rayservices.ray.io'];
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

if (!KUBECTL) console.warn('[operator-cli.test] kubectl is not on PATH: the RayJob is applied over HTTP instead of with `kubectl apply -f`');

describe('raysim apiserver + raysim operator (child processes)', () => {
  let dir: string;
  let fake: FakeRayServer;
  const children: Spawned[] = [];

  const spawn = (args: string[]): Spawned => {
    const s = spawnCli(args, { hardLimitMs: 60_000 });
    children.push(s);
    return s;
  };

  /** A `raysim apiserver` on a free port, writing a kubeconfig; resolves once it listens. */
  async function apiserver(name: string, ...extra: string[]): Promise<{ s: Spawned; url: string; kubeconfig: string }> {
    const kubeconfig = path.join(dir, `${name}.kubeconfig`);
    const s = spawn(['apiserver', '--port', '0', '--kubeconfig-out', kubeconfig, ...extra]);
    const [, url] = await waitForOutput(s, /raysim apiserver listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    await waitForOutput(s, /kubeconfig: /);
    return { s, url: url!, kubeconfig };
  }

  async function stop(s: Spawned, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const t0 = Date.now();
    s.child.kill(signal);
    const r = await s.exit;
    return { ...r, ms: Date.now() - t0 };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-e2e-cli-'));
    fake = new FakeRayServer();
    await Promise.all([buildIfNeeded(), fake.start()]);
  }, 150_000);
  afterEach(() => {
    for (const c of children) killIfRunning(c);
  });
  afterAll(async () => {
    for (const c of children) killIfRunning(c);
    await fake?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the llama-finetune RayJob applied with kubectl to Complete, then the operator exits 0 on SIGTERM', async () => {
    const api = await apiserver('main');
    const op = spawn(['operator', '--kubeconfig', api.kubeconfig, '--dashboard-url', fake.url]);
    await waitForOutput(op, /operator started/, 20_000, 'both');
    const client = HttpKubeClient.fromKubeconfig(api.kubeconfig);

    const result = await runLlamaFlow({
      client,
      fake,
      apply: async () => {
        if (!KUBECTL) {
          console.warn('[operator-cli.test] kubectl is not on PATH: skipping `kubectl apply -f`, creating the RayJob over HTTP');
          await client.create({ ...llamaRayJob(), metadata: { ...llamaRayJob().metadata, namespace: 'default' } });
          return;
        }
        const r = await runKubectl(api.kubeconfig, path.join(dir, 'kubectl-cache'), ['apply', '-f', LLAMA_FILE]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toBe('rayjob.ray.io/llama-finetune created');
      },
      context: () => `operator stderr (tail):\n${op.err().split('\n').slice(-60).join('\n')}`,
    });
    console.log(`[operator-cli] llama-finetune milestones (ms after apply): ${JSON.stringify(result.timings)}`);

    // The operator's own account: the transitions, each once, and nothing at ERROR.
    const log = op.err();
    for (const t of ['from=New to=Initializing', 'from=Initializing to=Running', 'from=Running to=Complete']) expect(log.split(t).length - 1, t).toBe(1);
    expect(log).not.toMatch(/ ERROR /);

    const opExit = await stop(op);
    expect(opExit).toMatchObject({ code: EXIT.ok, signal: null });
    expect(opExit.ms).toBeLessThan(10_000);
    expect(op.err()).toContain('manager stopped');
    expect(await stop(api.s)).toMatchObject({ code: EXIT.ok, signal: null });
  }, 60_000);

  it('`raysim operator --kubeconfig missing.yaml` exits 2 with a clear message', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const op = spawn(['operator', '--kubeconfig', missing]);
    const { code } = await op.exit;
    expect(code).toBe(EXIT.invalidInput);
    expect(op.err().trim()).toBe(`raysim: --kubeconfig ${missing}: no such file`);
  });

  it('installs the ray.io CRDs on an API server without them', async () => {
    const api = await apiserver('bare-install', '--no-default-crds');
    expect(api.s.out()).toContain('custom resources: (none)');
    const op = spawn(['operator', '--kubeconfig', api.kubeconfig, '--dashboard-url', fake.url]);
    await waitForOutput(op, /operator started/, 20_000, 'both');
    for (const crd of CRDS) expect(op.err()).toMatch(new RegExp(`CRD installed crd=${crd.replace(/\./g, '\\.')} `));
    const client = HttpKubeClient.fromKubeconfig(api.kubeconfig);
    for (const crd of CRDS) expect((await client.get(CRD, crd)).metadata.name).toBe(crd);
    expect(await stop(op)).toMatchObject({ code: EXIT.ok, signal: null });
    expect(await stop(api.s)).toMatchObject({ code: EXIT.ok, signal: null });
  });

  it('with --no-install-crds exits 2 naming the missing CRDs and the kubectl command to install them', async () => {
    const api = await apiserver('bare-check', '--no-default-crds');
    const op = spawn(['operator', '--kubeconfig', api.kubeconfig, '--no-install-crds']);
    const { code } = await op.exit;
    expect(code).toBe(EXIT.invalidInput);
    const err = op.err();
    for (const crd of CRDS) expect(err).toMatch(new RegExp(`CustomResourceDefinition ${crd.replace(/\./g, '\\.')} is missing: kubectl apply -f \\S+ray\\.io_${crd.split('.')[0]}\\.yaml`));
    expect(err).not.toContain('CRD installed');
    expect(err).not.toContain('internal error');
    // Nothing was installed.
    const client = HttpKubeClient.fromKubeconfig(api.kubeconfig);
    await expect(client.get(CRD, 'rayjobs.ray.io')).rejects.toMatchObject({ code: 404 });
    expect(await stop(api.s)).toMatchObject({ code: EXIT.ok, signal: null });
  });
});
