// The KubeClient conformance suite against a real Kubernetes API server (kind, minikube, a test
// cluster), when RAYSIM_CONFORMANCE_KUBECONFIG names a kubeconfig. The suite works in a namespace
// of its own (deleted afterwards), creates the ray.io RayJob CRD if the cluster lacks it (and
// removes it again), and skips only the forced-410 case: a real server's watch window cannot be
// shrunk from outside.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ApiError } from '../../controller/runtime/api-error.js';
import { HttpKubeClient } from '../../controller/runtime/http-kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { kubeClientConformance, RAYJOB, uniqueName, waitFor } from './kube-client-conformance.js';

const kubeconfig = process.env.RAYSIM_CONFORMANCE_KUBECONFIG;
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const SERVICE_ACCOUNT = { apiVersion: 'v1', kind: 'ServiceAccount' };

if (!kubeconfig) {
  console.warn('[raysim] real API server conformance skipped: set RAYSIM_CONFORMANCE_KUBECONFIG to a kubeconfig file to run the KubeClient conformance suite against a real cluster.');
  describe.skip('real API server conformance (skipped: set RAYSIM_CONFORMANCE_KUBECONFIG)', () => {
    it('runs the KubeClient conformance suite against the cluster RAYSIM_CONFORMANCE_KUBECONFIG points at', () => undefined);
  });
} else {
  kubeClientConformance(
    `real API server conformance (${kubeconfig})`,
    async () => {
      const client = HttpKubeClient.fromKubeconfig(kubeconfig, { userAgent: 'raysim-conformance' });
      let createdCrd = false;
      try {
        await client.get(CRD, 'rayjobs.ray.io');
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        const file = fileURLToPath(new URL('../../controller/deploy/crds/ray.io_rayjobs.yaml', import.meta.url));
        const crd = parseAllDocuments(readFileSync(file, 'utf8'))
          .map((d) => d.toJSON() as KubeObject | null)
          .find((o) => o?.kind === 'CustomResourceDefinition');
        if (!crd) throw new Error(`no CustomResourceDefinition in ${file}`);
        await client.create(crd);
        createdCrd = true;
      }
      await waitFor(
        'the RayJob CRD to be Established and served',
        async () => {
          const crd = await client.get(CRD, 'rayjobs.ray.io');
          const established = ((crd.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
            (c) => c.type === 'Established' && c.status === 'True',
          );
          return established && (await client.list(RAYJOB, { limit: 1 })) !== undefined;
        },
        60_000,
        250,
      );

      const namespace = uniqueName('raysim-conformance');
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      // Pods need the namespace's default ServiceAccount (the ServiceAccount admission plugin);
      // its controller makes it within moments. Make it ourselves if it is slow or absent.
      try {
        await waitFor('the default ServiceAccount', () => client.get(SERVICE_ACCOUNT, 'default', namespace), 5_000, 100);
      } catch {
        await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }).catch((e) => {
          if (!(e instanceof ApiError && e.code === 409)) throw e;
        });
      }
      return {
        client,
        namespace,
        teardown: async () => {
          await client.delete({ apiVersion: 'v1', kind: 'Namespace' }, namespace).catch(() => undefined);
          if (createdCrd) await client.delete(CRD, 'rayjobs.ray.io').catch(() => undefined);
        },
      };
    },
    { asyncTimeoutMs: 90_000, testTimeoutMs: 120_000 },
  );
}
