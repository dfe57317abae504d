// Durations as scenario files write them: a number of seconds (90, 0.5) or a string of one or
// more number+unit parts ("30s", "5m", "2h", "30d", "1h30m", "250ms", "2w"). Converted to
// virtual milliseconds. The grammar is DURATION_PATTERN, which schema.json repeats verbatim (a
// test holds them equal).

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)/g;

/** Milliseconds, or undefined when the value is not a duration. Negative numbers are not. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  if (typeof v !== 'string' || !DURATION_RE.test(v)) return undefined;
  let ms = 0;
  for (const m of v.matchAll(PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** "2h30m", "45s", "1d", "250ms": the shortest exact form, for messages and summaries. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 0) parts.push(`${Math.round(rest * 1000) / 1000}ms`);
  return sign + parts.join('');
}
