// Stock kubectl against the HTTP facade: every test runs the real kubectl binary (v1.32 on PATH)
// against an in-process ApiServer on 127.0.0.1, and checks both what kubectl prints and what the
// store now holds. Skipped, with a visible message, where kubectl is not installed.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { kubeconfigFor } from '../../sim/cli.js';
import { createWallClockStore, wallClock } from '../../sim/kube/create-store.js';
import { ApiServer } from '../../sim/kube/http/server.js';
import type { ObjectStore } from '../../sim/kube/store.js';

type Obj = Record<string, any>;

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const LLAMA = path.join(REPO, 'scenarios', 'examples', 'llama-finetune.rayjob.yaml');

function findOnPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const KUBECTL = findOnPath('kubectl');
if (!KUBECTL) console.warn('[kubectl.test] SKIPPED: kubectl is not on PATH; install kubectl v1.32 to run the kubectl conformance tests');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Harness {
  store: ObjectStore;
  server: ApiServer;
  dir: string;
  kubeconfig: string;
  /** Runs kubectl with this server's kubeconfig and a private discovery cache; never throws. */
  k(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<Result>;
  /** Like k, but fails the test unless kubectl exits 0. */
  ok(args: string[], opts?: { input?: string }): Promise<string>;
  file(name: string, text: string): string;
  get(group: string, plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

function env(kubeconfig: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  delete e.KUBERNETES_SERVICE_HOST;
  delete e.KUBERNETES_SERVICE_PORT;
  return e;
}

/** One server, kubeconfig and kubectl cache per describe block. */
function useHarness(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    const store = createWallClockStore('t');
    const server = new ApiServer({ store, clock: wallClock });
    const url = await server.listen();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-kubectl-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigFor(url));
    const k = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
      new Promise<Result>((resolve) => {
        const child = execFile(
          KUBECTL!,
          ['--request-timeout=10s', `--cache-dir=${path.join(dir, 'cache')}`, ...args],
          { env: env(kubeconfig), timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        child.stdin?.end(opts.input ?? '');
      });
    Object.assign(h, {
      store,
      server,
      dir,
      kubeconfig,
      k,
      ok: async (args: string[], opts?: { input?: string }) => {
        const r = await k(args, opts);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        return r.stdout;
      },
      file: (name: string, text: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, text);
        return p;
      },
      get: (group: string, plural: string, namespace: string | undefined, name: string) => store.peek(store.type(group, plural), namespace, name),
    });
  });
  afterAll(async () => {
    await h.server?.close();
    if (h.dir) fs.rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}

/** Polls until cond() holds; bounded. */
async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The table kubectl printed, as header names and rows split on runs of 2+ spaces. */
function table(out: string): { header: string[]; rows: string[][] } {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  return { header: lines[0].split(/\s{2,}/).map((s) => s.trim()), rows: lines.slice(1).map((l) => l.split(/\s{2,}/).map((s) => s.trim())) };
}

const HEAD_ONLY_RAYJOB = `apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: head-only
spec:
  entrypoint: python -c "print(1)"
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.34.0
`;

describe.skipIf(!KUBECTL)('kubectl apply/get of the llama-finetune RayJob', () => {
  const h = useHarness();

  it('applies the bundled RayJob and returns it with its spec intact and defaults applied', async () => {
    expect(await h.ok(['apply', '-f', LLAMA])).toContain('rayjob.ray.io/llama-finetune created');
    const stored = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune') as Obj;
    expect(stored.spec.submissionMode).toBe('K8sJobMode');

    const list = parseYaml(await h.ok(['get', 'rayjobs', '-o', 'yaml']));
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    const job = list.items[0];
    expect(job.metadata.name).toBe('llama-finetune');
    expect(job.metadata.uid).toBe(stored.metadata.uid);
    expect(job.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('llama-3-8b');
    expect(job.spec.entrypoint).toBe('python train.py --model llama-3-8b');
    expect(job.spec.shutdownAfterJobFinishes).toBe(true);
    expect(job.spec.submissionMode).toBe('K8sJobMode');
    const head = job.spec.rayClusterSpec.headGroupSpec.template.spec.containers;
    expect(head).toEqual([{ name: 'ray-head', image: 'rayproject/ray:2.34.0-py311-gpu', resources: { limits: { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 1 } } }]);
    const [workers] = job.spec.rayClusterSpec.workerGroupSpecs;
    expect(workers.groupName).toBe('gpu-workers');
    expect(workers.replicas).toBe(4);
    expect(workers.template.spec.containers[0].resources.limits).toEqual({ cpu: 16, memory: '128Gi', 'nvidia.com/gpu': 4 });
    // CRD defaults on list items (as KubeRay's CRD declares them).
    expect(workers.numOfHosts).toBe(1);
    expect(workers.minReplicas).toBe(0);
  });

  it("prints KubeRay's printer columns", async () => {
    const t = table(await h.ok(['get', 'rayjobs']));
    expect(t.header).toEqual(['NAME', 'JOB STATUS', 'DEPLOYMENT STATUS', 'RAY CLUSTER NAME', 'START TIME', 'END TIME', 'AGE']);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0][0]).toBe('llama-finetune');
    expect(t.rows[0][t.rows[0].length - 1]).toMatch(/^\d+s$/);
    // -o wide and a named get go through the same server-side table.
    expect(await h.ok(['get', 'rayjob', 'llama-finetune', '-o', 'wide'])).toMatch(/^NAME\s+JOB STATUS/);
  });

  it('re-applies with a change as a patch that updates the object and bumps generation', async () => {
    const before = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune')!;
    const changed = h.file('llama-70b.yaml', fs.readFileSync(LLAMA, 'utf8').replace('llama-3-8b', 'llama-3-70b'));
    expect(await h.ok(['apply', '-f', changed])).toContain('rayjob.ray.io/llama-finetune configured');
    const after = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune') as Obj;
    expect(after.spec.entrypoint).toBe('python train.py --model llama-3-70b');
    expect(after.metadata.generation).toBe(2);
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(await h.ok(['get', 'rayjob', 'llama-finetune', '-o', 'jsonpath={.metadata.generation} {.spec.entrypoint}'])).toBe('2 python train.py --model llama-3-70b');
  });

  it('re-applying the same manifest changes nothing; a manifest without defaulted list items reports "unchanged"', async () => {
    // kubectl's three-way JSON merge patch for custom resources replaces whole lists, and the
    // CRD's defaults (numOfHosts, minReplicas...) make the live workerGroupSpecs differ from the
    // manifest's, so kubectl sends a patch and says "configured", as against a real API server.
    // The server must treat it as the no-op it is.
    const changed = path.join(h.dir, 'llama-70b.yaml');
    const before = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune')!;
    await h.ok(['apply', '-f', changed]);
    const after = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune')!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.generation).toBe(2);

    const f = h.file('head-only.yaml', HEAD_ONLY_RAYJOB);
    expect(await h.ok(['apply', '-f', f])).toContain('rayjob.ray.io/head-only created');
    const rv = h.get('ray.io', 'rayjobs', 'default', 'head-only')!.metadata.resourceVersion;
    expect(await h.ok(['apply', '-f', f])).toContain('rayjob.ray.io/head-only unchanged');
    expect(h.get('ray.io', 'rayjobs', 'default', 'head-only')!.metadata.resourceVersion).toBe(rv);
  });

  it('shows a status written through the status subresource', async () => {
    const patch = JSON.stringify({ status: { jobStatus: 'RUNNING', jobDeploymentStatus: 'Running', startTime: '2026-01-01T00:00:00Z' } });
    expect(await h.ok(['patch', 'rayjob', 'llama-finetune', '--subresource=status', '--type=merge', '-p', patch])).toContain('rayjob.ray.io/llama-finetune patched');
    const job = parseYaml(await h.ok(['get', 'rayjobs', '-o', 'yaml'])).items.find((j: Obj) => j.metadata.name === 'llama-finetune');
    expect(job.status).toMatchObject({ jobStatus: 'RUNNING', jobDeploymentStatus: 'Running', startTime: '2026-01-01T00:00:00Z' });
    expect(job.metadata.generation).toBe(2); // status writes do not bump generation
    const row = table(await h.ok(['get', 'rayjobs', 'llama-finetune'])).rows[0];
    expect(row.slice(0, 4)).toEqual(['llama-finetune', 'RUNNING', 'Running', '2026-01-01T00:00:00Z']);
    // The main resource ignores status: a spec apply keeps what the operator wrote.
    expect((h.get('ray.io', 'rayjobs', 'default', 'llama-finetune') as Obj).status.jobStatus).toBe('RUNNING');
    expect(await h.ok(['wait', '--for=jsonpath={.status.jobStatus}=RUNNING', 'rayjob/llama-finetune', '--timeout=5s'])).toContain('condition met');
  });
});

const MIXED = `apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team-a
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: team-a
type: Opaque
data:
  token: czNjcmV0
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  namespace: team-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: team-a
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: runner-reads
  namespace: team-a
subjects:
  - kind: ServiceAccount
    name: runner
    namespace: team-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high
value: 1000
description: for training
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team-a
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  namespace: team-a
  labels:
    app: solo
spec:
  priorityClassName: high
  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "3600"]
      resources:
        limits:
          cpu: 500m
          memory: 64Mi
---
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: small
  namespace: team-a
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.34.0
`;

describe.skipIf(!KUBECTL)('kubectl with a manifest mixing built-ins and Ray kinds', () => {
  const h = useHarness();
  const expected = [
    'namespace/team-a',
    'configmap/settings',
    'secret/creds',
    'serviceaccount/runner',
    'role.rbac.authorization.k8s.io/reader',
    'rolebinding.rbac.authorization.k8s.io/runner-reads',
    'priorityclass.scheduling.k8s.io/high',
    'service/web',
    'deployment.apps/web',
    'pod/solo',
    'raycluster.ray.io/small',
  ];

  it('applies the whole manifest, in order, and a second apply changes nothing', async () => {
    const f = h.file('mixed.yaml', MIXED);
    const out = await h.ok(['apply', '-f', f]);
    expect(out.trim().split('\n')).toEqual(expected.map((e) => `${e} created`));
    const pod = h.get('', 'pods', 'team-a', 'solo') as Obj;
    expect(pod.spec.priority).toBe(1000); // from the PriorityClass applied earlier in the same file
    expect(pod.spec.containers[0].resources.requests).toEqual({ cpu: '500m', memory: '64Mi' });
    expect((h.get('', 'services', 'team-a', 'web') as Obj).spec.clusterIP).toMatch(/^10\.96\./);
    expect(h.get('ray.io', 'rayclusters', 'team-a', 'small')).toBeDefined();
    expect(h.get('rbac.authorization.k8s.io', 'rolebindings', 'team-a', 'runner-reads')).toBeDefined();
    const rv = h.store.resourceVersion;
    const again = await h.ok(['apply', '-f', f]);
    expect(again.trim().split('\n')).toEqual(expected.map((e) => `${e} unchanged`));
    expect(h.store.resourceVersion).toBe(rv);
  });

  it('kubectl get all and get pods,svc list the namespace', async () => {
    const all = await h.ok(['get', 'all', '-n', 'team-a']);
    for (const s of ['pod/solo', 'service/web', 'deployment.apps/web', 'raycluster.ray.io/small']) expect(all).toContain(s);
    const multi = await h.ok(['get', 'pods,svc', '-n', 'team-a']);
    expect(multi).toMatch(/pod\/solo\s+0\/1\s+Pending\s+0\s+\d+s/);
    expect(multi).toMatch(/service\/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
  });

  it('kubectl get pods -o wide and -o jsonpath', async () => {
    const wide = table(await h.ok(['get', 'pods', '-o', 'wide', '-n', 'team-a']));
    expect(wide.header).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(wide.rows[0]).toEqual(['solo', '0/1', 'Pending', '0', expect.stringMatching(/^\d+s$/), '<none>', '<none>', '<none>', '<none>']);
    const jp = await h.ok(['get', 'pod', 'solo', '-n', 'team-a', '-o', 'jsonpath={.spec.containers[0].image} {.spec.priority} {.status.qosClass} {.metadata.labels.app}']);
    expect(jp).toBe('busybox:1.36 1000 Guaranteed solo');
    expect(await h.ok(['get', 'secret', 'creds', '-n', 'team-a', '-o', 'jsonpath={.data.token}'])).toBe('czNjcmV0');
  });

  it('kubectl scale goes through the scale subresource', async () => {
    expect(await h.ok(['scale', 'deployment', 'web', '-n', 'team-a', '--replicas=3'])).toContain('deployment.apps/web scaled');
    const d = h.get('apps', 'deployments', 'team-a', 'web') as Obj;
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.generation).toBe(2);
    const r = await h.k(['scale', 'deployment', 'web', '-n', 'team-a', '--replicas=5', '--current-replicas=2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Expected replicas to be 2, was 3');
    expect(table(await h.ok(['get', 'deployment', 'web', '-n', 'team-a'])).rows[0].slice(0, 2)).toEqual(['web', '0/3']);
  });

  it('imperative kubectl create (protobuf request bodies) works for the simple kinds', async () => {
    // kubectl's generators always send application/vnd.kubernetes.protobuf.
    expect(await h.ok(['create', 'namespace', 'team-b'])).toContain('namespace/team-b created');
    expect(await h.ok(['create', 'configmap', 'flags', '-n', 'team-b', '--from-literal=a=1', '--from-literal=empty='])).toContain('configmap/flags created');
    expect(await h.ok(['create', 'secret', 'generic', 'pw', '-n', 'team-b', '--from-literal=pw=hunter2'])).toContain('secret/pw created');
    expect(await h.ok(['create', 'serviceaccount', 'bot', '-n', 'team-b'])).toContain('serviceaccount/bot created');
    expect(await h.ok(['create', 'role', 'r', '-n', 'team-b', '--verb=get,list', '--resource=pods'])).toContain('role.rbac.authorization.k8s.io/r created');
    expect(await h.ok(['create', 'rolebinding', 'rb', '-n', 'team-b', '--role=r', '--serviceaccount=team-b:bot'])).toContain('rolebinding.rbac.authorization.k8s.io/rb created');
    expect((h.get('', 'namespaces', undefined, 'team-b') as Obj).status.phase).toBe('Active');
    expect((h.get('', 'configmaps', 'team-b', 'flags') as Obj).data).toEqual({ a: '1', empty: '' });
    const secret = h.get('', 'secrets', 'team-b', 'pw') as Obj;
    expect(secret.data).toEqual({ pw: Buffer.from('hunter2').toString('base64') });
    expect(secret.type).toBe('Opaque');
    expect((h.get('rbac.authorization.k8s.io', 'roles', 'team-b', 'r') as Obj).rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    expect((h.get('rbac.authorization.k8s.io', 'rolebindings', 'team-b', 'rb') as Obj).roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' });
    // A kind without a protobuf schema here fails cleanly and names the way out.
    const dep = await h.k(['create', 'deployment', 'd', '-n', 'team-b', '--image=nginx']);
    expect(dep.code).not.toBe(0);
    expect(dep.stderr).toContain('kubectl apply -f');
    expect(h.get('apps', 'deployments', 'team-b', 'd')).toBeUndefined();
  });

  it('converts stringData into data', async () => {
    const f = h.file('string-secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sd\n  namespace: team-a\nstringData:\n  token: s3cret\n');
    await h.ok(['apply', '-f', f]);
    const s = h.get('', 'secrets', 'team-a', 'sd') as Obj;
    expect(s.data).toEqual({ token: Buffer.from('s3cret').toString('base64') });
    expect(s.stringData).toBeUndefined();
  });
});

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size:
                  type: integer
                  minimum: 1
                color:
                  type: string
                  enum: [red, blue]
                  default: red
      additionalPrinterColumns:
        - name: Size
          type: integer
          jsonPath: .spec.size
        - name: Color
          type: string
          jsonPath: .spec.color
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
`;

describe.skipIf(!KUBECTL)('kubectl with a CRD applied at run time', () => {
  const h = useHarness();

  it('registers and serves the new kind', async () => {
    expect(await h.ok(['apply', '-f', h.file('crd.yaml', WIDGET_CRD)])).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    expect(h.store.registry.find('example.com', 'widgets')?.kind).toBe('Widget');
    const crd = h.get('apiextensions.k8s.io', 'customresourcedefinitions', undefined, 'widgets.example.com') as Obj;
    expect(crd.status.conditions.find((c: Obj) => c.type === 'Established')?.status).toBe('True');

    const w = h.file('widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n');
    expect(await h.ok(['apply', '-f', w])).toContain('widget.example.com/w1 created');
    expect((h.get('example.com', 'widgets', 'default', 'w1') as Obj).spec).toEqual({ size: 3, color: 'red' });
    const t = table(await h.ok(['get', 'widgets']));
    expect(t.header).toEqual(['NAME', 'SIZE', 'COLOR', 'AGE']);
    expect(t.rows[0].slice(0, 3)).toEqual(['w1', '3', 'red']);
    expect(parseYaml(await h.ok(['get', 'wd', 'w1', '-o', 'yaml'])).spec).toEqual({ size: 3, color: 'red' });
  });

  it('lists it in kubectl get crd and kubectl api-resources', async () => {
    const crds = await h.ok(['get', 'crd']);
    expect(crds).toMatch(/^widgets\.example\.com\s+\d{4}-\d\d-\d\dT/m);
    expect(crds).toMatch(/^rayjobs\.ray\.io\s/m);
    const res = await h.ok(['api-resources']);
    expect(res).toMatch(/^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);
    expect(res).toMatch(/^rayjobs\s+ray\.io\/v1\s+true\s+RayJob$/m);
    expect(await h.ok(['api-resources', '--api-group=example.com', '-o', 'name'])).toBe('widgets.example.com\n');
  });

  it('validates the custom resource against the CRD schema', async () => {
    const bad = h.file('bad-widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\nspec:\n  size: 0\n  color: green\n');
    const r = await h.k(['apply', '-f', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.size');
    expect(r.stderr).toContain('spec.color');
    expect(h.get('example.com', 'widgets', 'default', 'w2')).toBeUndefined();
  });
});

const BAD_RAYJOB = `apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: bad-job
spec:
  entrypoint: python x.py
  backoffLimit: "three"
  rayClusterSpec:
    enableInTreeAutoscaling: true
    autoscalerOptions:
      upscalingMode: Turbo
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.34.0
`;

describe.skipIf(!KUBECTL)('kubectl errors: validation, unknown fields, stale updates', () => {
  const h = useHarness();

  it('an invalid RayJob is refused and every bad field is named', async () => {
    const r = await h.k(['apply', '-f', h.file('bad.yaml', BAD_RAYJOB)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The RayJob "bad-job" is invalid');
    expect(r.stderr).toContain('spec.backoffLimit');
    expect(r.stderr).toContain('spec.rayClusterSpec.autoscalerOptions.upscalingMode');
    expect(r.stderr).toContain('Unsupported value: "Turbo"');
    expect(h.get('ray.io', 'rayjobs', 'default', 'bad-job')).toBeUndefined();
  });

  it('an unknown field is an error under kubectl default (strict) validation', async () => {
    const f = h.file('typo.yaml', HEAD_ONLY_RAYJOB.replace('name: head-only', 'name: typo').replace('  entrypoint:', '  entrypointz: oops\n  entrypoint:'));
    for (const verb of ['apply', 'create']) {
      const r = await h.k([verb, '-f', f]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('unknown field "spec.entrypointz"');
    }
    expect(h.get('ray.io', 'rayjobs', 'default', 'typo')).toBeUndefined();
    // --validate=false asks the server to ignore (and prune) it instead.
    expect(await h.ok(['create', '--validate=false', '-f', f])).toContain('rayjob.ray.io/typo created');
    expect((h.get('ray.io', 'rayjobs', 'default', 'typo') as Obj).spec.entrypointz).toBeUndefined();
  });

  it('kubectl replace with a stale resourceVersion gets 409 and changes nothing', async () => {
    await h.ok(['apply', '-f', h.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: "1"\n')]);
    const old = await h.ok(['get', 'configmap', 'c1', '-o', 'yaml']);
    await h.ok(['patch', 'configmap', 'c1', '--type', 'merge', '-p', '{"data":{"b":"2"}}']);
    const stale = h.file('c1-stale.yaml', old.replace('a: "1"', 'a: "9"'));
    const r = await h.k(['replace', '-f', stale]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Conflict');
    expect(r.stderr).toContain('the object has been modified');
    expect((h.get('', 'configmaps', 'default', 'c1') as Obj).data).toEqual({ a: '1', b: '2' });
    // A replace from the current version goes through.
    const fresh = (await h.ok(['get', 'configmap', 'c1', '-o', 'yaml'])).replace('a: "1"', 'a: "9"');
    expect(await h.ok(['replace', '-f', h.file('c1-fresh.yaml', fresh)])).toContain('configmap/c1 replaced');
    expect((h.get('', 'configmaps', 'default', 'c1') as Obj).data).toEqual({ a: '9', b: '2' });
  });

  it('kubectl get of something missing is a clean NotFound', async () => {
    const r = await h.k(['get', 'rayjob', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (NotFound): rayjobs.ray.io "nope" not found');
    const r2 = await h.k(['get', 'frobnicators']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`the server doesn't have a resource type "frobnicators"`);
  });
});

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels:
    app: demo
spec:
  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "3600"]
`;

describe.skipIf(!KUBECTL)('kubectl patch, label, annotate', () => {
  const h = useHarness();
  const cm = () => h.get('', 'configmaps', 'default', 'cfg') as Obj;
  const pod = () => h.get('', 'pods', 'default', 'p1') as Obj;

  beforeAll(async () => {
    await h.ok(['apply', '-f', h.file('cfg.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n')]);
    await h.ok(['apply', '-f', h.file('pod.yaml', POD)]);
  });

  it('--type merge', async () => {
    expect(await h.ok(['patch', 'configmap', 'cfg', '--type', 'merge', '-p', '{"data":{"b":"2","a":null}}'])).toContain('configmap/cfg patched');
    expect(cm().data).toEqual({ b: '2' });
    await h.ok(['patch', 'pod', 'p1', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"web"}}}']);
    expect(pod().metadata.labels).toEqual({ app: 'demo', tier: 'web' });
  });

  it('--type json', async () => {
    await h.ok(['patch', 'configmap', 'cfg', '--type', 'json', '-p', '[{"op":"add","path":"/data/c","value":"3"},{"op":"replace","path":"/data/b","value":"20"}]']);
    expect(cm().data).toEqual({ b: '20', c: '3' });
    await h.ok(['patch', 'pod', 'p1', '--type', 'json', '-p', '[{"op":"add","path":"/spec/activeDeadlineSeconds","value":600}]']);
    expect(pod().spec.activeDeadlineSeconds).toBe(600);
    // A failing test op is refused and nothing changes.
    const rv = cm().metadata.resourceVersion;
    const r = await h.k(['patch', 'configmap', 'cfg', '--type', 'json', '-p', '[{"op":"test","path":"/data/c","value":"nope"},{"op":"remove","path":"/data/c"}]']);
    expect(r.code).not.toBe(0);
    expect(cm().metadata.resourceVersion).toBe(rv);
  });

  it('strategic merge (the default) merges containers by name', async () => {
    await h.ok(['patch', 'pod', 'p1', '-p', '{"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}}']);
    const p = pod();
    expect(p.spec.containers).toHaveLength(1);
    expect(p.spec.containers[0]).toMatchObject({ name: 'main', image: 'busybox:1.37', command: ['sleep', '3600'] });
    await h.ok(['patch', 'configmap', 'cfg', '-p', '{"data":{"d":"4"}}']);
    expect(cm().data).toEqual({ b: '20', c: '3', d: '4' });
    // Pod spec is immutable apart from images and a few fields: the server says so.
    const r = await h.k(['patch', 'pod', 'p1', '-p', '{"spec":{"containers":[{"name":"main","command":["true"]}]}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pod updates may not change fields');
  });

  it('kubectl label and annotate', async () => {
    expect(await h.ok(['label', 'pod', 'p1', 'env=dev'])).toContain('pod/p1 labeled');
    expect(pod().metadata.labels.env).toBe('dev');
    const clash = await h.k(['label', 'pod', 'p1', 'env=prod']);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain("'env' already has a value (dev)");
    await h.ok(['label', 'pod', 'p1', 'env=prod', '--overwrite']);
    expect(pod().metadata.labels.env).toBe('prod');
    await h.ok(['label', 'pod', 'p1', 'tier-']);
    expect(pod().metadata.labels).toEqual({ app: 'demo', env: 'prod' });
    expect(await h.ok(['get', 'pods', '-l', 'env=prod', '-o', 'name'])).toBe('pod/p1\n');
    expect(await h.ok(['annotate', 'pod', 'p1', 'note=hello world'])).toContain('pod/p1 annotated');
    expect(pod().metadata.annotations.note).toBe('hello world');
    await h.ok(['annotate', 'configmap', 'cfg', 'owner=team-a']);
    expect(cm().metadata.annotations.owner).toBe('team-a');
    expect(await h.ok(['get', 'pod', 'p1', '--show-labels'])).toMatch(/app=demo,env=prod/);
  });
});

describe.skipIf(!KUBECTL)('kubectl delete', () => {
  const h = useHarness();

  it('deleting an owner removes its dependents (garbage collection)', async () => {
    await h.ok(['apply', '-f', h.file('owner.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owner\ndata:\n  x: "1"\n')]);
    const uid = await h.ok(['get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}']);
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    const dependent = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  ownerReferences:
    - apiVersion: v1
      kind: ConfigMap
      name: owner
      uid: ${uid}
data:
  y: "2"
`;
    await h.ok(['apply', '-f', '-'], { input: dependent });
    expect((h.get('', 'configmaps', 'default', 'dependent') as Obj).metadata.ownerReferences[0].uid).toBe(uid);
    expect(await h.ok(['delete', 'configmap', 'owner'])).toContain('configmap "owner" deleted');
    await waitFor(() => h.get('', 'configmaps', 'default', 'dependent') === undefined, 'the dependent to be collected');
    const r = await h.k(['get', 'configmap', 'dependent']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not found');
  });

  it('--cascade=orphan keeps the dependents and strips the owner reference', async () => {
    await h.ok(['apply', '-f', h.file('owner2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owner2\n')]);
    const uid = await h.ok(['get', 'configmap', 'owner2', '-o', 'jsonpath={.metadata.uid}']);
    await h.ok(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dep2\n  ownerReferences:\n    - {apiVersion: v1, kind: ConfigMap, name: owner2, uid: ${uid}}\n` });
    await h.ok(['delete', 'configmap', 'owner2', '--cascade=orphan']);
    await waitFor(() => h.get('', 'configmaps', 'default', 'owner2') === undefined, 'the owner to go');
    await waitFor(() => h.get('', 'configmaps', 'default', 'dep2')?.metadata.ownerReferences === undefined, 'the owner reference to be stripped');
  });

  it('kubectl delete -f deletes what the file names', async () => {
    const f = h.file('pair.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: two\n');
    await h.ok(['apply', '-f', f]);
    const out = await h.ok(['delete', '-f', f]);
    expect(out).toContain('configmap "one" deleted');
    expect(out).toContain('serviceaccount "two" deleted');
    expect(h.get('', 'configmaps', 'default', 'one')).toBeUndefined();
    expect(h.get('', 'serviceaccounts', 'default', 'two')).toBeUndefined();
    const again = await h.k(['delete', '-f', f]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('not found');
    expect((await h.k(['delete', '-f', f, '--ignore-not-found'])).code).toBe(0);
  });

  it('kubectl delete rayjob X removes the RayJob and what it owns', async () => {
    await h.ok(['apply', '-f', LLAMA]);
    const job = h.get('ray.io', 'rayjobs', 'default', 'llama-finetune')!;
    // What the operator would create: a RayCluster owned by the job.
    h.store.create(h.store.type('ray.io', 'rayclusters'), {
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'llama-finetune-abcde', namespace: 'default', ownerReferences: [{ apiVersion: 'ray.io/v1', kind: 'RayJob', name: 'llama-finetune', uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
      spec: (job.spec as Obj).rayClusterSpec,
    });
    expect(await h.ok(['get', 'rayclusters', '-o', 'name'])).toBe('raycluster.ray.io/llama-finetune-abcde\n');
    expect(await h.ok(['delete', 'rayjob', 'llama-finetune'])).toContain('rayjob.ray.io "llama-finetune" deleted');
    expect(h.get('ray.io', 'rayjobs', 'default', 'llama-finetune')).toBeUndefined();
    await waitFor(() => h.get('ray.io', 'rayclusters', 'default', 'llama-finetune-abcde') === undefined, 'the RayCluster to be collected');
    expect((await h.ok(['get', 'rayjobs'])).trim()).toBe('');
  });
});

describe.skipIf(!KUBECTL)('kubectl get -w', () => {
  const h = useHarness();

  it('shows a pod added after the watch started, and its modification', async () => {
    const pods = h.store.type('', 'pods');
    const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    h.store.create(pods, pod('before'));

    const child = spawn(KUBECTL!, ['--request-timeout=0', `--cache-dir=${path.join(h.dir, 'cache')}`, 'get', 'pods', '-w'], { env: env(h.kubeconfig), stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000); // hard bound
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const lines = () => out.split('\n').filter(Boolean);
    try {
      await waitFor(() => lines().some((l) => l.startsWith('before')), `the initial list (stdout: ${out} stderr: ${err})`, 10_000);
      h.store.create(pods, pod('after'));
      await waitFor(() => lines().some((l) => /^after\s+0\/1\s+Pending/.test(l)), `the ADDED pod (stdout: ${out})`);
      h.store.patch(pods, 'default', 'after', 'merge', { status: { phase: 'Running' } }, {}, 'status');
      await waitFor(() => lines().some((l) => /^after\s+0\/1\s+Running/.test(l)), `the MODIFIED pod (stdout: ${out})`);
      expect(lines()[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      // The watch is one stream on the server while it runs.
      expect(h.store.stats().watchers).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      clearTimeout(killer);
    }
    // The server notices the client went away and drops its watcher.
    await waitFor(() => h.store.stats().watchers === 0, 'the server-side watcher to be removed');
  });

  it('--watch-only --output-watch-events shows ADDED, MODIFIED and DELETED', async () => {
    const cms = h.store.type('', 'configmaps');
    const child = spawn(KUBECTL!, ['--request-timeout=0', `--cache-dir=${path.join(h.dir, 'cache')}`, 'get', 'configmaps', '-w', '--output-watch-events', '--watch-only'], {
      env: env(h.kubeconfig),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await waitFor(() => h.store.stats().watchers >= 1, 'kubectl to start watching', 10_000);
      h.store.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', namespace: 'default' } });
      h.store.patch(cms, 'default', 'w1', 'merge', { data: { a: '1' } });
      h.store.delete(cms, 'default', 'w1');
      await waitFor(() => out.includes('DELETED'), `the DELETED event (stdout: ${out})`);
      const t = table(out);
      expect(t.header).toEqual(['EVENT', 'NAME', 'DATA', 'AGE']);
      expect(t.rows.map((r) => r.slice(0, 3))).toEqual([
        ['ADDED', 'w1', '0'],
        ['MODIFIED', 'w1', '1'],
        ['DELETED', 'w1', '1'],
      ]);
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      clearTimeout(killer);
    }
  });
});
