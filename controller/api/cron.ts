// A small cron evaluator for RayCronJob schedules, with the grammar and semantics of
// github.com/robfig/cron/v3 `ParseStandard` (what KubeRay and Kubernetes CronJobs use):
// - five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or JAN-DEC)
//   day-of-week (0-6 or SUN-SAT); each a comma list of `*`/`?`, `a`, `a-b`, with an optional `/step`
//   (`a/step` means `a-max/step`); names are case-insensitive; 7 is not Sunday;
// - day-of-month and day-of-week: if either field is `*`/`?` (without a step > 1) both must match,
//   otherwise either may match (Vixie cron's rule);
// - descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, and `@every <duration>`
//   (a Go duration, at least 1 s, whole seconds);
// - a minute fires when the wall clock of the time zone shows matching fields, so across a DST
//   change a time that does not exist is skipped and a repeated one fires twice (robfig's behaviour).
// Time is always passed in (epoch milliseconds); nothing here reads the clock.
//
// Why not a cron library: a RayCronJob must fire exactly when KubeRay's would, and the npm ones
// differ from robfig on the points above (croner and cron-parser accept seconds fields, `L`/`W`/`#`
// and treat 7 as Sunday; their day-of-month/day-of-week rule and DST handling differ), so we would
// need this module's validation and tests anyway. The evaluator is a minute scan over matching
// fields, checked against a brute-force scan in test/api/cron.test.ts.

export class CronSyntaxError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

export interface CronFieldsSchedule {
  kind: 'fields';
  source: string;
  /** minute[m] is true when minute m matches; likewise hour, dom (1-31), month (1-12), dow (0-6). */
  minute: readonly boolean[];
  hour: readonly boolean[];
  dom: readonly boolean[];
  month: readonly boolean[];
  dow: readonly boolean[];
  /** The day-of-month / day-of-week field was `*` or `?` (robfig's star bit). */
  domStar: boolean;
  dowStar: boolean;
}

export interface CronEverySchedule {
  kind: 'every';
  source: string;
  /** Whole seconds, at least 1000. */
  delayMs: number;
}

export type CronSchedule = CronFieldsSchedule | CronEverySchedule;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: MONTH_NAMES };
const DOW: Bounds = { min: 0, max: 6, names: DOW_NAMES };

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Parses a schedule; throws CronSyntaxError with robfig/cron's wording. */
export function parseCron(expression: string): CronSchedule {
  const fail = (msg: string): never => {
    throw new CronSyntaxError(expression, msg);
  };
  if (expression.length === 0) fail('empty spec string');
  if (/^(CRON_)?TZ=/.test(expression)) fail('TZ= and CRON_TZ= prefixes are not supported: use the timeZone field');
  if (expression.startsWith('@')) {
    const every = '@every ';
    if (expression.startsWith(every)) {
      let ns: number;
      try {
        ns = parseGoDuration(expression.slice(every.length));
      } catch (e) {
        return fail(`failed to parse duration ${expression}: ${(e as Error).message}`);
      }
      const sec = Math.max(1, Math.trunc(ns / 1e9));
      return { kind: 'every', source: expression, delayMs: sec * 1000 };
    }
    const fields = DESCRIPTORS[expression];
    if (fields === undefined) fail(`unrecognized descriptor: ${expression}`);
    return { ...parseFields(fields!, expression), source: expression };
  }
  return parseFields(expression, expression);
}

function parseFields(spec: string, source: string): CronFieldsSchedule {
  const fields = spec.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) throw new CronSyntaxError(source, `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const f = (i: number, b: Bounds) => getField(source, fields[i]!, b);
  const minute = f(0, MINUTE);
  const hour = f(1, HOUR);
  const dom = f(2, DOM);
  const month = f(3, MONTH);
  const dow = f(4, DOW);
  return {
    kind: 'fields',
    source,
    minute: minute.bits,
    hour: hour.bits,
    dom: dom.bits,
    month: month.bits,
    dow: dow.bits,
    domStar: dom.star,
    dowStar: dow.star,
  };
}

function getField(source: string, field: string, b: Bounds): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const part of field.split(',')) {
    const r = getRange(source, part, b);
    for (let v = r.start; v <= r.end; v += r.step) bits[v] = true;
    star ||= r.star;
  }
  return { bits, star };
}

function getRange(source: string, expr: string, b: Bounds): { start: number; end: number; step: number; star: boolean } {
  const fail = (msg: string): never => {
    throw new CronSyntaxError(source, msg);
  };
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    // As robfig/cron: anything after "*-" is ignored.
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(source, lowAndHigh[0]!, b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(source, lowAndHigh[1]!, b.names);
    else return fail(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(source, rangeAndStep[1]!);
    if (singleDigit) end = b.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    fail(`too many slashes: ${expr}`);
  }
  if (start < b.min) fail(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) fail(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) fail(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) fail(`step of range should be a positive number: ${expr}`);
  return { start, end, step, star };
}

function parseIntOrName(source: string, expr: string, names: Bounds['names']): number {
  if (names) {
    const n = names[expr.toLowerCase()];
    if (n !== undefined) return n;
  }
  return mustParseInt(source, expr);
}

function mustParseInt(source: string, expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronSyntaxError(source, `failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronSyntaxError(source, `negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** The robfig/cron error for a schedule, or undefined when it parses. */
export function cronError(expression: string): string | undefined {
  try {
    parseCron(expression);
    return undefined;
  } catch (e) {
    if (e instanceof CronSyntaxError) return e.message;
    throw e;
  }
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds (as a float: precision is not a concern here). */
export function parseGoDuration(s: string): number {
  const orig = s;
  const quoted = JSON.stringify(orig);
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(s)!;
    const [whole = '', , frac = ''] = [num[1], num[2], num[3]];
    if (whole === '' && frac === '') throw new Error(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) throw new Error(`time: missing unit in duration ${quoted}`);
    const unit = unitMatch[0];
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    total += Number(`${whole || '0'}.${frac || '0'}`) * scale;
  }
  return neg ? -total : total;
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'Etc/UCT', 'UCT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/Greenwich', 'Greenwich']);
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** "Local" is the operator's zone, which in raysim is UTC. */
function zoneName(timeZone: string): string {
  return timeZone === 'Local' ? 'UTC' : timeZone;
}

/** Whether the zone name is known (IANA names via Intl; "UTC"; "Local"). "" is not a zone. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone === '') return false;
  try {
    formatter(zoneName(timeZone));
    return true;
  } catch {
    return false;
  }
}

const utcZones = new Map<string, boolean>();

function isUtc(timeZone: string): boolean {
  let u = utcZones.get(timeZone);
  if (u === undefined) {
    const z = zoneName(timeZone);
    u = UTC_NAMES.has(z) || UTC_NAMES.has(formatter(z).resolvedOptions().timeZone);
    utcZones.set(timeZone, u);
  }
  return u;
}

/** Offset of the zone from UTC at that instant, in milliseconds (wall clock = epoch + offset). */
export function timeZoneOffsetMs(epochMs: number, timeZone: string): number {
  if (isUtc(timeZone)) return 0;
  const seconds = Math.floor(epochMs / 1000) * 1000;
  const parts = formatter(zoneName(timeZone)).formatToParts(new Date(seconds));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - seconds;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** robfig/cron gives up this many years after the start. */
const YEAR_LIMIT = 5;

function toSchedule(expr: string | CronSchedule): CronSchedule {
  return typeof expr === 'string' ? parseCron(expr) : expr;
}

function dayMatches(s: CronFieldsSchedule, dom: number, dow: number): boolean {
  const domMatch = s.dom[dom] === true;
  const dowMatch = s.dow[dow] === true;
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

function wallMatches(s: CronFieldsSchedule, wallMs: number): boolean {
  const d = new Date(wallMs);
  return (
    s.month[d.getUTCMonth() + 1] === true &&
    dayMatches(s, d.getUTCDate(), d.getUTCDay()) &&
    s.hour[d.getUTCHours()] === true &&
    s.minute[d.getUTCMinutes()] === true
  );
}

/** Whether the schedule fires in the minute that contains epochMs (`@every` schedules: never). */
export function cronMatches(expr: string | CronSchedule, epochMs: number, timeZone = 'UTC'): boolean {
  const s = toSchedule(expr);
  if (s.kind === 'every') return false;
  const minute = Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
  return wallMatches(s, minute + timeZoneOffsetMs(minute, timeZone));
}

/** Smallest matching wall-clock minute >= start (a UTC-arithmetic wall time), or null after yearLimit. */
function searchWall(s: CronFieldsSchedule, start: number, yearLimit: number): number | null {
  let t = start;
  for (;;) {
    const d = new Date(t);
    const y = d.getUTCFullYear();
    if (y > yearLimit) return null;
    const mo = d.getUTCMonth();
    const day = d.getUTCDate();
    const h = d.getUTCHours();
    if (!s.month[mo + 1]) {
      t = Date.UTC(y, mo + 1, 1);
      continue;
    }
    if (!dayMatches(s, day, d.getUTCDay())) {
      t = Date.UTC(y, mo, day + 1);
      continue;
    }
    if (!s.hour[h]) {
      t = Date.UTC(y, mo, day, h + 1);
      continue;
    }
    let m = d.getUTCMinutes();
    while (m < 60 && !s.minute[m]) m++;
    if (m === 60) {
      t = Date.UTC(y, mo, day, h + 1);
      continue;
    }
    return Date.UTC(y, mo, day, h, m);
  }
}

/** First whole minute in (from, to] whose offset differs from `offset`, or null (days probed, then bisected). */
function firstOffsetChange(from: number, to: number, offset: number, timeZone: string): number | null {
  if (to <= from) return null;
  let lo = from;
  let hi: number;
  for (;;) {
    const probe = Math.min(lo + DAY_MS, to);
    if (timeZoneOffsetMs(probe, timeZone) !== offset) {
      hi = probe;
      break;
    }
    if (probe >= to) return null;
    lo = probe;
  }
  // offset(lo) == offset, offset(hi) != offset; both whole minutes.
  while (hi - lo > MINUTE_MS) {
    const mid: number = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (timeZoneOffsetMs(mid, timeZone) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The first time strictly after `epochMs` at which the schedule fires, in epoch milliseconds, or
 * null if it never does within robfig/cron's 5-year horizon (e.g. "0 0 30 2 *"). For field
 * schedules that is a whole minute; `@every d` gives epochMs truncated to the second, plus d.
 * Throws CronSyntaxError for an invalid expression and RangeError for an unknown time zone.
 */
export function nextAfter(expr: string | CronSchedule, epochMs: number, timeZone = 'UTC'): number | null {
  if (!Number.isFinite(epochMs)) throw new RangeError(`nextAfter: time must be a finite number of milliseconds, got ${epochMs}`);
  const s = toSchedule(expr);
  if (s.kind === 'every') return Math.floor(epochMs / 1000) * 1000 + s.delayMs;
  let cur = Math.floor(epochMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  if (isUtc(timeZone)) return searchWall(s, cur, new Date(cur).getUTCFullYear() + YEAR_LIMIT);
  const yearLimit = new Date(cur + timeZoneOffsetMs(cur, timeZone)).getUTCFullYear() + YEAR_LIMIT;
  for (;;) {
    const offset = timeZoneOffsetMs(cur, timeZone);
    const wall = searchWall(s, cur + offset, yearLimit);
    if (wall === null) return null;
    const candidate = wall - offset;
    const change = firstOffsetChange(cur, candidate, offset, timeZone);
    if (change === null) return candidate;
    cur = change;
  }
}

/** The next `count` fire times after epochMs (stops early if the schedule ends). */
export function nextTimes(expr: string | CronSchedule, epochMs: number, count: number, timeZone = 'UTC'): number[] {
  const s = toSchedule(expr);
  const out: number[] = [];
  let t = epochMs;
  while (out.length < count) {
    const n = nextAfter(s, t, timeZone);
    if (n === null) break;
    out.push(n);
    t = n;
  }
  return out;
}
