// How the simulated cluster's components write trace records (catalogue: sim/core/trace-events.ts).
// A component gets an optional TraceWriter; `elapsed` supplies the record time (virtual ms since
// the start) when the writer has no clock of its own. Without a writer nothing is written.

import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { TraceType } from '../core/trace-events.js';
import type { ObjectRef, TraceWriter } from '../core/trace.js';

export interface ClusterTraceOptions {
  trace?: TraceWriter;
  /** Virtual ms since the start, normally `() => sim.elapsed()`; default: the writer's own clock. */
  elapsed?: () => number;
}

export class ClusterTrace {
  constructor(
    private readonly actor: string,
    private readonly opts: ClusterTraceOptions = {},
  ) {}

  get enabled(): boolean {
    return this.opts.trace !== undefined;
  }

  emit(type: TraceType, ref: ObjectRef | string | undefined, data?: Record<string, unknown>, reason?: string): void {
    const w = this.opts.trace;
    if (!w) return;
    w.emit({ t: this.opts.elapsed?.(), type, actor: this.actor, ref, reason, data });
  }
}

/** {kind, namespace, name, uid} of an object, for a record's ref. */
export function refOf(obj: KubeObject): ObjectRef {
  const m = obj.metadata;
  const ref: ObjectRef = { kind: obj.kind, name: m.name ?? '' };
  if (m.namespace) ref.namespace = m.namespace;
  if (m.uid) ref.uid = m.uid;
  return ref;
}
