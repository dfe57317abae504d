// Leader election through a Lease, on a Simulation (virtual time makes expiry exact): acquire,
// renew, takeover after a crash exactly one lease duration after the last renewal was seen,
// release on stop, stepping down after renewDeadline, and optimistic concurrency between racers.

import { describe, expect, it } from 'vitest';
import { LEASE, LeaderElector, microTime, type Lease, type LeaderElectionConfig } from '../../controller/runtime/leader-election.js';
import { NS, simEnv, type SimEnv } from './sim-env.js';

function candidate(env: SimEnv, identity: string, log: string[], extra: Partial<LeaderElectionConfig> = {}): LeaderElector {
  return new LeaderElector(env.client, { namespace: NS, name: 'op-lock', identity, ...extra }, {
    clock: env.sim,
    timers: env.sim,
    onStartedLeading: () => log.push(`${env.sim.elapsed()} ${identity} leads`),
    onStoppedLeading: () => log.push(`${env.sim.elapsed()} ${identity} stops`),
  });
}

const lease = async (env: SimEnv) => (await env.client.get<Lease>(LEASE, 'op-lock', NS)).spec!;

describe('LeaderElector', () => {
  it('one candidate acquires and renews; the other takes over one lease duration after the last renewal it saw', async () => {
    const env = simEnv();
    const log: string[] = [];
    const a = candidate(env, 'a', log, { releaseOnStop: false });
    const b = candidate(env, 'b', log);
    a.start();
    b.start();
    await env.sim.run({ until: env.sim.now() + 10_000 });
    expect(log).toEqual(['0 a leads']);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.leader).toBe('a');
    const spec = await lease(env);
    expect(spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: microTime(env.sim.startTime),
      renewTime: microTime(env.sim.now()),
      leaseTransitions: 0,
    });
    expect(spec.renewTime).toMatch(/^2026-01-01T00:00:10\.000000Z$/);
    // a crashes right after renewing at 10 s; b saw that renewal at 10 s, so the lease is
    // valid until 25 s and b's first attempt after that (every 2 s) wins.
    await a.stop();
    await env.sim.run({ until: env.sim.now() + 20_000 });
    expect(log).toEqual(['0 a leads', '10000 a stops', '26000 b leads']);
    expect(await lease(env)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: microTime(env.sim.startTime + 26_000) });
    await b.stop();
  });

  it('a leader that stops releases the lease, and a successor takes it at its next attempt', async () => {
    const env = simEnv();
    const log: string[] = [];
    const a = candidate(env, 'a', log);
    const b = candidate(env, 'b', log);
    a.start();
    b.start();
    await env.sim.run({ until: env.sim.now() + 5000 });
    await a.stop();
    expect((await lease(env)).holderIdentity).toBeUndefined();
    await env.sim.run({ until: env.sim.now() + 5000 });
    expect(log).toEqual(['0 a leads', '5000 a stops', '6000 b leads']);
    expect((await lease(env)).leaseTransitions).toBe(1);
    await b.stop();
  });

  it('a leader that cannot renew steps down after renewDeadline', async () => {
    const env = simEnv();
    const log: string[] = [];
    const a = candidate(env, 'a', log);
    a.start();
    await env.sim.run({ until: env.sim.now() + 1000 });
    env.store.faults.configure({ errors: [{ code: 500, rate: 1, verbs: ['get', 'update'], resources: ['leases.coordination.k8s.io'] }] });
    await env.sim.run({ until: env.sim.now() + 15_000 });
    // Last renewal at 0; attempts fail from 2 s on; at 10 s the deadline has passed.
    expect(log).toEqual(['0 a leads', '10000 a stops']);
    env.store.faults.configure({});
    await env.sim.run({ until: env.sim.now() + 2000 });
    // Still its own Lease: its next attempt (the one at 16 s still failed) takes it back, no transition.
    expect(log).toEqual(['0 a leads', '10000 a stops', '18000 a leads']);
    expect((await lease(env)).leaseTransitions).toBe(0);
    await a.stop();
  });

  it('of two candidates racing for the same Lease exactly one wins (create, then update by resourceVersion)', async () => {
    const env = simEnv();
    const a = candidate(env, 'a', []);
    const b = candidate(env, 'b', []);
    expect((await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()])).sort()).toEqual([false, true]);
    // Make the Lease free again, then race on the update.
    const l = await env.client.get<Lease>(LEASE, 'op-lock', NS);
    await env.client.update({ ...l, spec: { ...l.spec, holderIdentity: '' } });
    expect((await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()])).sort()).toEqual([false, true]);
    expect((await lease(env)).leaseTransitions).toBe(1);
  });

  it('validates its timings', () => {
    const env = simEnv();
    expect(() => candidate(env, 'a', [], { leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(/leaseDurationMs > renewDeadlineMs > retryPeriodMs/);
    expect(() => candidate(env, '', [])).toThrow(/identity/);
  });
});
