import { describe, expect, it } from 'vitest';
import { Simulation, SimulationError } from '../../sim/core/simulation.js';

describe('Simulation.sleep: processes that wait on virtual time', () => {
  it('lets the clock advance while a process sleeps, and resumes it at its wake-up time', async () => {
    const sim = new Simulation({ startTime: 0 });
    const log: string[] = [];
    sim.at(0, async () => {
      log.push(`a start ${sim.now()}`);
      await sim.sleep(100);
      log.push(`a resumed ${sim.now()}`);
      await sim.sleep(50);
      log.push(`a done ${sim.now()}`);
    });
    sim.at(10, () => void log.push(`b ${sim.now()}`));
    sim.at(120, () => void log.push(`c ${sim.now()}`));
    await sim.run();
    expect(log).toEqual(['a start 0', 'b 10', 'a resumed 100', 'c 120', 'a done 150']);
  });

  it('interleaves two sleeping processes by virtual time, deterministically', async () => {
    const run = async () => {
      const sim = new Simulation({ startTime: 0 });
      const log: string[] = [];
      for (const [name, steps] of [['x', [30, 30, 30]], ['y', [20, 50]]] as const) {
        sim.at(0, async () => {
          for (const d of steps) {
            await sim.sleep(d);
            log.push(`${name}@${sim.now()}`);
          }
        });
      }
      await sim.run();
      return log;
    };
    const a = await run();
    expect(a).toEqual(['y@20', 'x@30', 'x@60', 'y@70', 'x@90']);
    expect(await run()).toEqual(a);
  });

  it('waits for a running process that only awaits promises before moving to the next event', async () => {
    const sim = new Simulation({ startTime: 0 });
    const log: string[] = [];
    sim.at(0, async () => {
      for (let i = 0; i < 50; i++) await Promise.resolve();
      log.push('long chain done');
    });
    sim.at(0, () => void log.push('next event'));
    await sim.run();
    expect(log).toEqual(['long chain done', 'next event']);
  });

  it('reports a failure after a sleep with the label of the callback that started the process', async () => {
    const sim = new Simulation({ startTime: 0 });
    sim.at(
      0,
      async () => {
        await sim.sleep(10);
        throw new Error('boom');
      },
      { label: 'reconcile x' },
    );
    const err = await sim.run().catch((e) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toContain('reconcile x');
  });

  it('refuses to sleep outside a running process', () => {
    const sim = new Simulation({ startTime: 0 });
    expect(() => sim.sleep(10)).toThrow(/only an async callback/);
  });
});
