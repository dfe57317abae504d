// "did you mean" suggestions for unknown keys and values: the closest allowed word by edit
// distance, when it is close enough to be a plausible typo.

/** Levenshtein distance (insert, delete, substitute: cost 1 each). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within max(2, 40% of the word's length) edits (case-insensitive), else
 * the shortest candidate the word is a prefix of (3+ characters: 'goodput' -> 'goodput_pct'), or
 * undefined. Ties go to the earlier candidate, so suggestions are stable. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const near = nearest(w, candidates);
  if (near !== undefined || w.length < 3) return near;
  let prefix: string | undefined;
  for (const c of candidates) if (c.toLowerCase().startsWith(w) && (prefix === undefined || c.length < prefix.length)) prefix = c;
  return prefix;
}

function nearest(w: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.ceil(w.length * 0.4));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** "; did you mean 'x'?" or "" (for appending to a message). */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean '${c}'?`;
}
