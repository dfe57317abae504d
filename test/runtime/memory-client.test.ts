// The KubeClient conformance suite against the in-memory client over a wall-clock object store.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../controller/runtime/api-error.js';
import { createWallClockStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import { CONFIGMAP, kubeClientConformance } from './kube-client-conformance.js';

const WATCH_WINDOW = 20;

kubeClientConformance(
  'in-memory KubeClient',
  async () => {
    // freezeObjects: any code path that mutates a stored object throws.
    const store = createWallClockStore('conformance', { watchWindow: WATCH_WINDOW, freezeObjects: true });
    const client = new MemoryKubeClient(store);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'conformance' } });
    return { client, namespace: 'conformance', teardown: async () => undefined };
  },
  { watchWindow: WATCH_WINDOW },
);

describe('in-memory KubeClient specifics', () => {
  it('a watch that cannot start reports the error through closed(), after watch() has resolved', async () => {
    const client = new MemoryKubeClient(createWallClockStore('specifics'));
    const order: string[] = [];
    let closedWith: ApiError | undefined;
    const w = await client.watch(CONFIGMAP, { resourceVersion: 'not-a-number' }, {
      event: () => order.push('event'),
      closed: (err) => {
        order.push('closed');
        closedWith = err;
      },
    });
    order.push('resolved');
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['resolved', 'closed']);
    expect(closedWith?.code).toBe(400);
    w.stop();

    // stop() before the report suppresses it.
    let late = false;
    const w2 = await client.watch(CONFIGMAP, { resourceVersion: 'bad' }, { event: () => undefined, closed: () => void (late = true) });
    w2.stop();
    await new Promise((r) => setTimeout(r, 0));
    expect(late).toBe(false);
  });

  it('an unknown kind rejects watch() (there is nothing to watch)', async () => {
    const client = new MemoryKubeClient(createWallClockStore('specifics'));
    await expect(client.watch({ apiVersion: 'example.com/v1', kind: 'Nope' }, {}, { event: () => undefined, closed: () => undefined })).rejects.toMatchObject({ code: 404 });
  });
});
