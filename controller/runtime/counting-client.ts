// A KubeClient and EventRecorder that count the calls made through them, so a controller can
// tell a reconcile that only looked (made no API call) from one that acted (poll-parking.ts).
// Every call counts, reads included: a live read is state no watch reports.

import type { KubeClient } from './kube-client.js';
import type { EventRecorder } from './reconciler.js';

export class CallCounter {
  calls = 0;
}

export function countingClient(inner: KubeClient, counter: CallCounter): KubeClient {
  return {
    get: (id, name, namespace) => (counter.calls++, inner.get(id, name, namespace)),
    list: (id, opts) => (counter.calls++, inner.list(id, opts)),
    create: (obj, opts) => (counter.calls++, inner.create(obj, opts)),
    update: (obj, opts) => (counter.calls++, inner.update(obj, opts)),
    updateStatus: (obj, opts) => (counter.calls++, inner.updateStatus(obj, opts)),
    patch: (id, name, namespace, patch, type, opts) => (counter.calls++, inner.patch(id, name, namespace, patch, type, opts)),
    delete: (id, name, namespace, opts) => (counter.calls++, inner.delete(id, name, namespace, opts)),
    bind: (namespace, pod, node, uid) => (counter.calls++, inner.bind(namespace, pod, node, uid)),
    watch: (id, opts, handler) => (counter.calls++, inner.watch(id, opts, handler)),
  };
}

export function countingRecorder(inner: EventRecorder, counter: CallCounter): EventRecorder {
  return {
    event: (obj, type, reason, message) => {
      counter.calls++;
      inner.event(obj, type, reason, message);
    },
  };
}
