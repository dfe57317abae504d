// External state that reconcilers poll (a Ray head's Jobs and Serve APIs), with change
// notification where the one who owns that state can give it: the simulated Ray runtime can,
// a real Ray head cannot. With notification, a poll whose answer cannot have changed need not
// run (poll-parking.ts); without it (the real manager) every poll runs, as in KubeRay.

/** What a manager needs to know about polled state. Source names are opaque strings
 * (dashboardSource() names a Ray cluster's dashboard). */
export interface PollSources {
  /** A counter that grows with every change of any source. */
  stamp(): number;
  /** Whether `source` changed after `stamp` was taken. */
  changedSince(source: string, stamp: number): boolean;
  /** Calls `onChange` once, at the next change of `source`. Returns a function that cancels. */
  watch(source: string, onChange: () => void): () => void;
}

/** The producer side: the owner of the state calls `changed(source)` whenever an answer may differ. */
export class PollSourceRegistry implements PollSources {
  private counter = 0;
  private readonly last = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();

  stamp(): number {
    return this.counter;
  }

  changedSince(source: string, stamp: number): boolean {
    return (this.last.get(source) ?? 0) > stamp;
  }

  watch(source: string, onChange: () => void): () => void {
    let set = this.watchers.get(source);
    if (!set) this.watchers.set(source, (set = new Set()));
    // A fresh closure per watch, so one callback registered twice is two watches.
    const entry = () => onChange();
    set.add(entry);
    return () => {
      const s = this.watchers.get(source);
      if (s?.delete(entry) && s.size === 0) this.watchers.delete(source);
    };
  }

  changed(source: string): void {
    this.last.set(source, ++this.counter);
    const set = this.watchers.get(source);
    if (!set) return;
    this.watchers.delete(source);
    for (const fn of set) fn();
  }

  /** Sources with a watcher (for tests and leak checks). */
  get watched(): number {
    return this.watchers.size;
  }
}
