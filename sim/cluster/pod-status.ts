// Pure builders of the pod status a kubelet reports at each stage: accepted (sandbox up, images
// pulling), running, a container exited (restarting or terminated), and lost with its node. The
// simulated kubelet computes a status here and writes it through the API; nothing here writes.

import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../controller/api/core-types.js';
import { rfc3339 } from '../core/clock.js';

/** Kubelet's CrashLoopBackOff: 10 s doubling per restart, capped at 5 min; the first restart is immediate. */
export function restartBackoffMs(restartCount: number): number {
  if (restartCount <= 0) return 0;
  return Math.min(10_000 * 2 ** (restartCount - 1), 300_000);
}

/** Whether the kubelet restarts a container that exited with `exitCode` under `policy`. */
export function restarts(policy: string | undefined, exitCode: number): boolean {
  const p = policy ?? 'Always';
  return p === 'Always' || (p === 'OnFailure' && exitCode !== 0);
}

// A deterministic stand-in for content hashes (image digests, container IDs): FNV-1a rounds.
function hex64(s: string): string {
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

/** The image reference with a (made-up, stable) digest, as containerStatuses[].imageID. */
export function imageId(image: string): string {
  // A fleet runs a handful of images through every status write: each digest is made once.
  let id = imageIds.get(image);
  if (id === undefined) {
    const repo = image.includes('/') ? image : `docker.io/library/${image}`;
    id = `${repo.split(':')[0]}@sha256:${hex64(image)}`;
    if (imageIds.size >= 1024) imageIds.clear();
    imageIds.set(image, id);
  }
  return id;
}
const imageIds = new Map<string, string>();

export function containerId(podUid: string, container: string, restartCount: number): string {
  return `containerd://${hex64(`${podUid}/${container}/${restartCount}`)}`;
}

/**
 * Sets a condition in a copy of `conds`: lastTransitionTime moves only when the status changes;
 * other conditions (PodScheduled from the binding, DisruptionTarget) are kept.
 */
export function setCondition(conds: readonly PodCondition[] | undefined, type: string, status: 'True' | 'False', at: string, reason?: string, message?: string): PodCondition[] {
  const out = [...(conds ?? [])];
  const i = out.findIndex((c) => c.type === type);
  const prev = i >= 0 ? out[i] : undefined;
  const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : at };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  if (i >= 0) out[i] = c;
  else out.push(c);
  return out;
}

function unready(names: string[]): string {
  return `containers with unready status: [${names.join(' ')}]`;
}

function readiness(status: PodStatus, at: string, terminalReason?: 'PodCompleted' | 'PodFailed'): PodCondition[] {
  const cs = status.containerStatuses ?? [];
  const notReady = cs.filter((c) => !c.ready).map((c) => c.name);
  let conds = status.conditions;
  if (terminalReason) {
    conds = setCondition(conds, 'ContainersReady', 'False', at, terminalReason);
    return setCondition(conds, 'Ready', 'False', at, terminalReason);
  }
  if (notReady.length === 0) {
    conds = setCondition(conds, 'ContainersReady', 'True', at);
    return setCondition(conds, 'Ready', 'True', at);
  }
  conds = setCondition(conds, 'ContainersReady', 'False', at, 'ContainersNotReady', unready(notReady));
  return setCondition(conds, 'Ready', 'False', at, 'ContainersNotReady', unready(notReady));
}

export interface AcceptedInput {
  now: number;
  hostIP: string;
  podIP: string;
}

/** The status once the kubelet admitted the pod: startTime, IPs, containers ContainerCreating. */
export function acceptedStatus(pod: Pod, o: AcceptedInput): PodStatus {
  const at = rfc3339(o.now);
  const prev = pod.status ?? {};
  const status: PodStatus = {
    ...prev,
    phase: 'Pending',
    hostIP: o.hostIP,
    podIP: o.podIP,
    podIPs: [{ ip: o.podIP }],
    startTime: prev.startTime ?? at,
    containerStatuses: pod.spec.containers.map((c) => waitingStatus(c, 'ContainerCreating')),
  };
  if (pod.spec.initContainers?.length) status.initContainerStatuses = pod.spec.initContainers.map((c) => waitingStatus(c, 'PodInitializing'));
  let conds = setCondition(status.conditions, 'PodReadyToStartContainers', 'True', at);
  conds = pod.spec.initContainers?.length
    ? setCondition(conds, 'Initialized', 'False', at, 'ContainersNotInitialized', `containers with incomplete status: [${pod.spec.initContainers.map((c) => c.name).join(' ')}]`)
    : setCondition(conds, 'Initialized', 'True', at);
  status.conditions = conds;
  status.conditions = readiness(status, at);
  return status;
}

type Terminated = NonNullable<ContainerState['terminated']>;

function terminatedState(exitCode: number, reason: string, startedAt: string | undefined, finishedAt: string, message?: string): Terminated {
  const t: Terminated = { exitCode, reason };
  if (message) t.message = message;
  if (startedAt) t.startedAt = startedAt;
  t.finishedAt = finishedAt;
  return t;
}

function waitingStatus(c: Container, reason: string): ContainerStatus {
  return { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason } } };
}

/** Whether a running container passes its readiness probe now (the kubelet's verdict). */
export type ContainerReady = (c: Container) => boolean;

const alwaysReady: ContainerReady = () => true;

/** Every container running (ready as `ready` says); init containers completed. */
export function runningStatus(pod: Pod, now: number, ready: ContainerReady = alwaysReady): PodStatus {
  const at = rfc3339(now);
  const prev = pod.status ?? {};
  const uid = pod.metadata.uid ?? '';
  const status: PodStatus = {
    ...prev,
    phase: 'Running',
    startTime: prev.startTime ?? at,
    containerStatuses: pod.spec.containers.map((c) => {
      const old = prev.containerStatuses?.find((s) => s.name === c.name);
      const restartCount = old?.restartCount ?? 0;
      const s: ContainerStatus = {
        name: c.name,
        image: c.image ?? '',
        imageID: imageId(c.image ?? ''),
        containerID: containerId(uid, c.name, restartCount),
        ready: ready(c),
        restartCount,
        started: true,
        state: { running: { startedAt: at } },
      };
      if (old?.lastState) s.lastState = old.lastState;
      return s;
    }),
  };
  if (pod.spec.initContainers?.length) {
    status.initContainerStatuses = pod.spec.initContainers.map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: imageId(c.image ?? ''),
      containerID: containerId(uid, c.name, 0),
      ready: true,
      restartCount: 0,
      started: false,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } },
    }));
  }
  let conds = setCondition(prev.conditions, 'PodReadyToStartContainers', 'True', at);
  conds = setCondition(conds, 'Initialized', 'True', at);
  status.conditions = conds;
  status.conditions = readiness(status, at);
  return status;
}

/** Restarts the named containers (their restartCount was raised when they exited). */
export function restartedStatus(pod: Pod, names: readonly string[], now: number, ready: ContainerReady = alwaysReady): PodStatus {
  const at = rfc3339(now);
  const prev = pod.status ?? {};
  const uid = pod.metadata.uid ?? '';
  const status: PodStatus = {
    ...prev,
    containerStatuses: (prev.containerStatuses ?? []).map((s) =>
      names.includes(s.name)
        ? { ...s, ready: readyByName(pod, s.name, ready), started: true, containerID: containerId(uid, s.name, s.restartCount), state: { running: { startedAt: at } } }
        : s,
    ),
  };
  status.conditions = readiness(status, at);
  return status;
}

function readyByName(pod: Pod, name: string, ready: ContainerReady): boolean {
  const c = pod.spec.containers.find((x) => x.name === name);
  return c ? ready(c) : true;
}

/** A readiness probe round: running containers become ready as `ready` says (never unready again here). */
export function probedStatus(pod: Pod, now: number, ready: ContainerReady): PodStatus {
  const prev = pod.status ?? {};
  const status: PodStatus = {
    ...prev,
    containerStatuses: (prev.containerStatuses ?? []).map((s) => (s.ready || !s.state?.running || !readyByName(pod, s.name, ready) ? s : { ...s, ready: true })),
  };
  status.conditions = readiness(status, rfc3339(now));
  return status;
}

export interface ExitInput {
  container: string;
  exitCode: number;
  reason?: string;
  message?: string;
  now: number;
  /** The kubelet restarts the container after this back-off (undefined: it stays terminated). */
  restartInMs?: number;
}

/**
 * One container exited. Restarted: restartCount+1, lastState terminated, waiting (CrashLoopBackOff
 * when a back-off applies). Not restarted: terminated; when no container is left running the pod
 * reaches Succeeded (every exit 0) or Failed.
 */
export function exitedStatus(pod: Pod, e: ExitInput): PodStatus {
  const at = rfc3339(e.now);
  const prev = pod.status ?? {};
  const name = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
  const status: PodStatus = {
    ...prev,
    containerStatuses: (prev.containerStatuses ?? []).map((s) => {
      if (s.name !== e.container) return s;
      const terminated = terminatedState(e.exitCode, e.reason ?? (e.exitCode === 0 ? 'Completed' : 'Error'), s.state?.running?.startedAt, at, e.message);
      if (e.restartInMs === undefined) return { ...s, ready: false, started: false, state: { terminated } };
      const waiting =
        e.restartInMs > 0
          ? { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(e.restartInMs / 1000)}s restarting failed container=${s.name} pod=${name}` }
          : { reason: 'ContainerCreating' };
      return { ...s, ready: false, started: false, restartCount: s.restartCount + 1, lastState: { terminated }, state: { waiting } };
    }),
  };
  const cs = status.containerStatuses!;
  const done = cs.length > 0 && cs.every((s) => s.state?.terminated !== undefined);
  if (done) {
    const ok = cs.every((s) => s.state!.terminated!.exitCode === 0);
    status.phase = ok ? 'Succeeded' : 'Failed';
    status.conditions = readiness(status, at, ok ? 'PodCompleted' : 'PodFailed');
  } else {
    status.conditions = readiness(status, at);
  }
  return status;
}

export interface FailedInput {
  now: number;
  reason: string;
  message: string;
  /** Exit code recorded for containers still running (default 137, killed). */
  exitCode?: number;
  /** Adds DisruptionTarget=True with this reason (PodGC, taint manager). */
  disruption?: { reason: string; message: string };
}

/** The whole pod failed from outside its containers (node lost, deadline, garbage-collected). */
export function failedStatus(pod: Pod, f: FailedInput): PodStatus {
  const at = rfc3339(f.now);
  const prev = pod.status ?? {};
  const status: PodStatus = {
    ...prev,
    phase: 'Failed',
    reason: f.reason,
    message: f.message,
    containerStatuses: (prev.containerStatuses ?? pod.spec.containers.map((c) => waitingStatus(c, 'ContainerCreating'))).map((s) =>
      s.state?.terminated
        ? { ...s, ready: false, started: false }
        : {
            ...s,
            ready: false,
            started: false,
            state: { terminated: terminatedState(f.exitCode ?? 137, f.reason, s.state?.running?.startedAt, at) },
          },
    ),
  };
  let conds = readiness(status, at, 'PodFailed');
  if (f.disruption) conds = setCondition(conds, 'DisruptionTarget', 'True', at, f.disruption.reason, f.disruption.message);
  status.conditions = conds;
  return status;
}

/** Whether the pod's phase is final. */
export function isTerminal(pod: Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}
