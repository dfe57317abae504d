// What kube-controller-manager's Endpoints controller would publish for KubeRay's serve Services
// (the Services labelled ray.io/serve), reduced to what the serve-downtime metric needs: how many
// ready endpoints each has, written as a serve.endpoints trace record whenever that number
// changes. A ready endpoint is a pod the Service selects that is Running, Ready and not
// terminating (the same test KubeRay's RayService controller applies before it switches traffic).
//
// It watches the API directly (like the workload observer in sim/run.ts), not through the
// operator's manager, so an operator crash does not blind it.

import { RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY } from '../../controller/api/constants.js';
import type { Pod, Service } from '../../controller/api/core-types.js';
import type { KubeClient } from '../../controller/runtime/kube-client.js';
import type { WatchEvent } from '../../controller/runtime/kube-object.js';
import { isServeEndpoint, matchesLabels } from '../../controller/ray/rayservice/serve-endpoints.js';
import { TRACE } from '../core/trace-events.js';
import { ClusterTrace, refOf, type ClusterTraceOptions } from './cluster-trace.js';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const SERVICE = { apiVersion: 'v1', kind: 'Service' };

interface Watched {
  service: Service;
  selector: Record<string, string>;
  ready: number;
}

/** Whether a Service is one of KubeRay's serve Services. */
export function isServeService(svc: Service): boolean {
  return svc.metadata.labels?.[RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY] !== undefined;
}

export class ServeEndpointsObserver {
  private readonly trace: ClusterTrace;
  /** namespace -> pod name -> pod (the latest version seen). */
  private readonly pods = new Map<string, Map<string, Pod>>();
  /** namespace -> service name -> what is known of it. */
  private readonly services = new Map<string, Map<string, Watched>>();

  constructor(
    private readonly client: KubeClient,
    opts: ClusterTraceOptions,
  ) {
    this.trace = new ClusterTrace('endpoints', opts);
  }

  // The watches never close here: the infrastructure's client is exempt from injected faults, and
  // an in-memory watcher that never pauses is delivered to at the instant of each write.
  async start(): Promise<void> {
    await this.client.watch<Pod>(POD, {}, { event: (e) => this.onPod(e), closed: () => undefined });
    await this.client.watch<Service>(SERVICE, {}, { event: (e) => this.onService(e), closed: () => undefined });
  }

  /** Ready endpoints of a watched serve Service (undefined when it is not watched). */
  readyEndpoints(namespace: string, name: string): number | undefined {
    return this.services.get(namespace)?.get(name)?.ready;
  }

  private onPod(e: WatchEvent<Pod>): void {
    if (e.type === 'BOOKMARK') return;
    const p = e.object;
    const ns = p.metadata.namespace ?? 'default';
    let byName = this.pods.get(ns);
    if (!byName) this.pods.set(ns, (byName = new Map()));
    const prev = byName.get(p.metadata.name ?? '');
    if (e.type === 'DELETED') byName.delete(p.metadata.name ?? '');
    else byName.set(p.metadata.name ?? '', p);
    // Most namespaces have no serve Service, and most pods are selected by none.
    const services = this.services.get(ns);
    if (!services) return;
    for (const w of services.values()) if (matchesLabels(p, w.selector) || (prev && matchesLabels(prev, w.selector))) this.recount(w, ns);
  }

  private onService(e: WatchEvent<Service>): void {
    if (e.type === 'BOOKMARK') return;
    const svc = e.object;
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    let byName = this.services.get(ns);
    const known = byName?.get(name);
    if (e.type === 'DELETED' || !isServeService(svc)) {
      if (!known) return;
      byName!.delete(name);
      if (byName!.size === 0) this.services.delete(ns);
      this.trace.emit(TRACE.serveEndpoints, refOf(svc), { ready: 0, deleted: true });
      return;
    }
    if (!byName) this.services.set(ns, (byName = new Map()));
    const w: Watched = known ?? { service: svc, selector: {}, ready: -1 };
    w.service = svc;
    w.selector = svc.spec?.selector ?? {};
    byName.set(name, w);
    this.recount(w, ns);
  }

  private recount(w: Watched, ns: string): void {
    let ready = 0;
    if (Object.keys(w.selector).length > 0) for (const p of this.pods.get(ns)?.values() ?? []) if (isServeEndpoint(p, w.selector)) ready++;
    if (ready === w.ready) return;
    w.ready = ready;
    this.trace.emit(TRACE.serveEndpoints, refOf(w.service), { ready });
  }
}
