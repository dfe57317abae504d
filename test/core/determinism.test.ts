import { describe, expect, it } from 'vitest';
import {
  MemorySink,
  Simulation,
  TraceWriter,
  createRng,
  exponential,
  pick,
  type Priority,
  type TimerHandle,
} from '../../sim/core/index.js';

// A miniature world: "nodes" tick on their own forked streams, spawn work items with random
// delays and priorities, sometimes cancel a pending item, and do some work asynchronously.
// Everything observable goes to the trace, so the trace text is the run's fingerprint.
async function runWorld(seed: string | number): Promise<string> {
  const sim = new Simulation();
  const rng = createRng(seed);
  const sink = new MemorySink();
  const trace = new TraceWriter(sink, { scenario: 'determinism', seed: String(seed) }, { elapsed: () => sim.elapsed() });
  const pendingItems: TimerHandle[] = [];
  const priorities: Priority[] = ['urgent', 'normal', 'low'];

  for (let n = 0; n < 5; n++) {
    const name = `node-${n}`;
    const nodeRng = rng.fork('node').fork(name);
    let ticks = 0;
    const tick = async (): Promise<void> => {
      ticks++;
      trace.emit({ type: 'node.tick', actor: name, ref: { kind: 'Node', name }, data: { ticks } });
      const spawn = nodeRng.int(0, 3);
      for (let i = 0; i < spawn; i++) {
        const id = nodeRng.uuid();
        const h = sim.after(Math.round(exponential(nodeRng, 1 / 200)), () => {
          trace.emit({ type: 'item.done', actor: name, ref: { kind: 'Item', name: id.slice(0, 8), uid: id } });
        }, { label: `item ${id}`, priority: pick(nodeRng, priorities) });
        pendingItems.push(h);
      }
      if (pendingItems.length > 0 && nodeRng.next() < 0.2) {
        const victim = pendingItems[nodeRng.int(0, pendingItems.length - 1)]!;
        if (sim.cancel(victim)) trace.emit({ type: 'item.cancelled', actor: name, reason: `cancelled ${victim.label}` });
      }
      // An awaited asynchronous step must not let later events overtake it.
      await Promise.resolve();
      trace.emit({ type: 'node.tick.end', actor: name });
      if (ticks < 40) sim.after(nodeRng.int(50, 150), tick, { label: `${name} tick` });
    };
    sim.after(nodeRng.int(0, 100), tick, { label: `${name} tick` });
  }

  const result = await sim.run({ until: sim.now() + 60_000 });
  trace.emit({ type: 'run.end', actor: 'raysim', data: { ...result } });
  trace.close();
  return sink.text();
}

describe('determinism', () => {
  it('the same seed gives a byte-identical trace', async () => {
    const a = await runWorld('42');
    const b = await runWorld('42');
    expect(a.split('\n').length).toBeGreaterThan(300);
    expect(a).toBe(b);
  });

  it('a different seed gives a different trace', async () => {
    expect(await runWorld('42')).not.toBe(await runWorld('43'));
  });
});
