import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronSyntaxError, cronError, cronMatches, isValidTimeZone, nextAfter, nextTimes, parseCron, parseGoDuration, timeZoneOffsetMs } from '../../controller/api/cron.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));
const next = (expr: string, from: string, tz?: string): string | null => iso(nextAfter(expr, at(from), tz));
const series = (expr: string, from: string, n: number, tz?: string): (string | null)[] => nextTimes(expr, at(from), n, tz).map(iso);

describe('nextAfter (UTC)', () => {
  const cases: [name: string, expr: string, from: string, want: string | null][] = [
    ['every minute, strictly after a whole minute', '* * * * *', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'],
    ['every minute, from mid-minute', '* * * * *', '2026-01-01T00:00:30.500Z', '2026-01-01T00:01:00Z'],
    ['step over the whole range', '*/15 * * * *', '2026-01-01T00:00:00Z', '2026-01-01T00:15:00Z'],
    ['step wraps into the next hour', '*/15 * * * *', '2026-01-01T00:50:00Z', '2026-01-01T01:00:00Z'],
    ['N/step means N-max/step', '5/20 * * * *', '2026-01-01T00:46:00Z', '2026-01-01T01:05:00Z'],
    ['range with step', '10-20/5 3 * * *', '2026-01-01T03:15:00Z', '2026-01-01T03:20:00Z'],
    ['range with step wraps to the next day', '10-20/5 3 * * *', '2026-01-01T03:20:00Z', '2026-01-02T03:10:00Z'],
    ['list of values', '0 6,18 * * *', '2026-01-01T07:00:00Z', '2026-01-01T18:00:00Z'],
    ['hour wraps into the next day', '0 6,18 * * *', '2026-01-01T18:00:00Z', '2026-01-02T06:00:00Z'],
    ['first of the month across a month boundary', '0 0 1 * *', '2026-01-31T12:00:00Z', '2026-02-01T00:00:00Z'],
    ['31st skips months without one', '0 0 31 * *', '2026-01-31T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['31st skips April too', '0 0 31 * *', '2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z'],
    ['30th skips February', '0 0 30 * *', '2026-01-30T00:00:00Z', '2026-03-30T00:00:00Z'],
    ['Feb 29 waits for a leap year', '0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['year wrap', '0 0 1 1 *', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['last minute of the year', '59 23 31 12 *', '2026-12-31T23:58:00Z', '2026-12-31T23:59:00Z'],
    ['from the last minute of the year', '* * * * *', '2026-12-31T23:59:00Z', '2027-01-01T00:00:00Z'],
    ['weekday range (2026-01-02 is a Friday)', '0 12 * * MON-FRI', '2026-01-02T12:00:00Z', '2026-01-05T12:00:00Z'],
    ['weekday numbers', '0 12 * * 1-5', '2026-01-03T00:00:00Z', '2026-01-05T12:00:00Z'],
    ['Sunday is 0', '0 0 * * 0', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z'],
    ['month names, any case', '0 0 1 JAN,jul *', '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z'],
    ['month name range', '0 0 1 mar-May *', '2026-05-01T00:00:00Z', '2027-03-01T00:00:00Z'],
    ['day-of-week star: day-of-month alone', '0 0 13 * *', '2026-01-01T00:00:00Z', '2026-01-13T00:00:00Z'],
    ['day-of-month star: day-of-week alone (Fridays)', '0 0 * * 5', '2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z'],
    ['both restricted: either matches (13th OR Friday)', '0 0 13 * 5', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
    ['both restricted: the 13th when it comes first', '0 0 13 * 5', '2026-01-09T00:00:00Z', '2026-01-13T00:00:00Z'],
    ['? is a star', '0 0 ? * 5', '2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z'],
    ['*/1 keeps the star (AND)', '0 0 */1 * 5', '2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z'],
    ['1-31 is not a star (OR: every day)', '0 0 1-31 * 5', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'],
    ['*/2 drops the star (OR: odd days or Fridays)', '0 0 */2 * 5', '2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z'],
    ['never: February 30', '0 0 30 2 *', '2026-01-01T00:00:00Z', null],
    ['whitespace between fields is free', '  0   0 * *\t* ', '2026-01-01T12:00:00Z', '2026-01-02T00:00:00Z'],
    ['@hourly', '@hourly', '2026-01-01T00:30:00Z', '2026-01-01T01:00:00Z'],
    ['@daily', '@daily', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
    ['@midnight', '@midnight', '2026-01-01T23:59:59Z', '2026-01-02T00:00:00Z'],
    ['@weekly is Sunday midnight', '@weekly', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z'],
    ['@monthly', '@monthly', '2026-01-15T00:00:00Z', '2026-02-01T00:00:00Z'],
    ['@yearly', '@yearly', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['@annually', '@annually', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['@every truncates the start to the second', '@every 90s', '2026-01-01T00:00:00.750Z', '2026-01-01T00:01:30Z'],
    ['@every with compound duration', '@every 1h30m', '2026-01-01T00:00:00Z', '2026-01-01T01:30:00Z'],
    ['@every below a second is a second', '@every 500ms', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'],
    ['@every drops sub-second parts', '@every 2.5s', '2026-01-01T00:00:00Z', '2026-01-01T00:00:02Z'],
  ];
  it.each(cases)('%s: %s after %s', (_name, expr, from, want) => {
    expect(next(expr, from)).toBe(want);
  });

  it('lists successive fire times', () => {
    expect(series('0 0 13 * 5', '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-09T00:00:00Z',
      '2026-01-13T00:00:00Z',
      '2026-01-16T00:00:00Z',
      '2026-01-23T00:00:00Z',
    ]);
    expect(series('*/20 23 31 12 *', '2026-12-31T22:00:00Z', 4)).toEqual([
      '2026-12-31T23:00:00Z',
      '2026-12-31T23:20:00Z',
      '2026-12-31T23:40:00Z',
      '2027-12-31T23:00:00Z',
    ]);
    expect(series('0 0 30 2 *', '2026-01-01T00:00:00Z', 3)).toEqual([]);
  });

  it('accepts a parsed schedule and time zone aliases of UTC', () => {
    const s = parseCron('*/10 * * * *');
    expect(iso(nextAfter(s, at('2026-01-01T00:05:00Z')))).toBe('2026-01-01T00:10:00Z');
    for (const tz of ['UTC', 'Etc/UTC', 'GMT', 'Local']) expect(iso(nextAfter(s, at('2026-01-01T00:05:00Z'), tz))).toBe('2026-01-01T00:10:00Z');
  });

  it('gives up after five years, as robfig/cron does', () => {
    // 2096-02-29 is the last leap day before 2104; from 2097 it is more than five years away.
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBeNull();
    expect(next('0 0 29 2 *', '2095-03-01T00:00:00Z')).toBe('2096-02-29T00:00:00Z');
  });

  it('handles times before 1970', () => {
    expect(next('0 0 1 1 *', '1969-06-01T00:00:00Z')).toBe('1970-01-01T00:00:00Z');
  });
});

describe('nextAfter with time zones', () => {
  it('evaluates the wall clock of the zone', () => {
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Kolkata')).toBe('2026-01-01T03:30:00Z');
    expect(next('0 9 * * *', '2026-01-01T04:00:00Z', 'Asia/Kolkata')).toBe('2026-01-02T03:30:00Z');
    expect(next('0 0 * * *', '2026-01-01T00:00:00Z', 'America/New_York')).toBe('2026-01-01T05:00:00Z');
    expect(next('0 0 * * *', '2026-07-01T00:00:00Z', 'America/New_York')).toBe('2026-07-01T04:00:00Z');
  });

  it('day of week and month follow the zone, not UTC', () => {
    // 2026-01-02T03:00Z is still Thursday Jan 1 in New York.
    expect(next('0 23 * * 4', '2026-01-02T00:00:00Z', 'America/New_York')).toBe('2026-01-02T04:00:00Z');
    // Auckland is UTC+13 in January: 2026-01-31T10:00Z is 23:00 on Jan 31, 12:00Z is already Feb 1.
    expect(next('0 0 1 * *', '2026-01-31T10:00:00Z', 'Pacific/Auckland')).toBe('2026-01-31T11:00:00Z');
    expect(next('0 0 1 * *', '2026-01-31T12:00:00Z', 'Pacific/Auckland')).toBe('2026-02-28T11:00:00Z');
  });

  it('skips a wall time that does not exist (spring forward)', () => {
    // 2026-03-08 02:00 EST -> 03:00 EDT in New York.
    expect(next('30 2 * * *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-09T06:30:00Z');
    expect(next('0 3 * * *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08T07:00:00Z');
  });

  it('fires twice in a repeated hour (fall back), as robfig/cron does', () => {
    // 2026-11-01 02:00 EDT -> 01:00 EST in New York.
    expect(series('30 1 * * *', '2026-11-01T04:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
  });

  it('fires every real minute across both changes', () => {
    expect(series('* * * * *', '2026-11-01T05:58:00Z', 3, 'America/New_York')).toEqual(['2026-11-01T05:59:00Z', '2026-11-01T06:00:00Z', '2026-11-01T06:01:00Z']);
    expect(series('* * * * *', '2026-03-08T06:58:00Z', 3, 'America/New_York')).toEqual(['2026-03-08T06:59:00Z', '2026-03-08T07:00:00Z', '2026-03-08T07:01:00Z']);
  });

  it('crosses a change far ahead (yearly schedule)', () => {
    expect(next('0 0 1 1 *', '2026-07-01T00:00:00Z', 'America/New_York')).toBe('2027-01-01T05:00:00Z');
    expect(next('0 12 1 7 *', '2026-01-01T00:00:00Z', 'Europe/Berlin')).toBe('2026-07-01T10:00:00Z');
  });

  it('reports offsets and knows zone names', () => {
    expect(timeZoneOffsetMs(at('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * 3600_000);
    expect(timeZoneOffsetMs(at('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3600_000);
    expect(timeZoneOffsetMs(at('2026-07-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3600_000);
    expect(timeZoneOffsetMs(at('2026-07-15T12:00:00Z'), 'UTC')).toBe(0);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Local')).toBe(true);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => nextAfter('* * * * *', 0, 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => nextAfter('* * * * *', Number.NaN)).toThrow(RangeError);
  });
});

describe('cronMatches', () => {
  it('tells whether the minute containing the instant fires', () => {
    expect(cronMatches('30 2 * * *', at('2026-01-01T02:30:59Z'))).toBe(true);
    expect(cronMatches('30 2 * * *', at('2026-01-01T02:31:00Z'))).toBe(false);
    expect(cronMatches('30 2 * * *', at('2026-01-01T07:30:00Z'), 'America/New_York')).toBe(true);
    expect(cronMatches('@every 1m', at('2026-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('parse errors (robfig/cron wording)', () => {
  const cases: [expr: string, message: string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * 32 * *', 'end of range (32) above maximum (31): 32'],
    ['* * * 0 *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['1,,2 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['* * * FOO *', 'failed to parse int from FOO: strconv.Atoi: parsing "FOO": invalid syntax'],
    ['* * * * MON-FOO', 'failed to parse int from FOO: strconv.Atoi: parsing "FOO": invalid syntax'],
    ['*/x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@HOURLY', 'unrecognized descriptor: @HOURLY'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every ', 'failed to parse duration @every : time: invalid duration ""'],
    ['CRON_TZ=UTC * * * * *', 'TZ= and CRON_TZ= prefixes are not supported: use the timeZone field'],
  ];
  it.each(cases)('%j', (expr, message) => {
    expect(cronError(expr)).toBe(message);
    expect(() => parseCron(expr)).toThrow(CronSyntaxError);
  });

  it('accepts what robfig/cron accepts', () => {
    for (const ok of ['0 0 * * *', '0-59 0-23 1-31 1-12 0-6', '*/5 1,2,3 ? * SUN', '+5 * * * *', '*-5 * * * *', 'MON * * * *'.replace('MON', '0'), '@every 1h', '@every -5s', '@every 0'])
      expect(cronError(ok), ok).toBeUndefined();
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5400e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('.5s')).toBe(0.5e9);
    expect(parseGoDuration('-2m')).toBe(-120e9);
    expect(parseGoDuration('300ms')).toBe(300e6);
    expect(parseGoDuration('2µs')).toBe(2e3);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('.s')).toThrow('time: invalid duration ".s"');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: nextAfter agrees with a minute-by-minute scan using cronMatches.
// ---------------------------------------------------------------------------------------------

function fieldArb(min: number, max: number, star: string[]): fc.Arbitrary<string> {
  const v = fc.integer({ min, max });
  const range = fc.tuple(v, v).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: Math.max(1, max - min) });
  const item = fc.oneof(
    fc.constantFrom(...star),
    v.map(String),
    range,
    fc.tuple(fc.constantFrom(...star), step).map(([s, k]) => `${s}/${k}`),
    fc.tuple(v, step).map(([a, k]) => `${a}/${k}`),
    fc.tuple(range, step).map(([r, k]) => `${r}/${k}`),
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));
}

const exprArb = fc
  .tuple(fieldArb(0, 59, ['*']), fieldArb(0, 23, ['*']), fieldArb(1, 31, ['*', '?']), fieldArb(1, 12, ['*']), fieldArb(0, 6, ['*', '?']))
  .map((f) => f.join(' '));

function scanCheck(expr: string, from: number, tz: string, limitMinutes: number): void {
  const got = nextAfter(expr, from, tz);
  let t = Math.floor(from / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < limitMinutes; i++, t += 60_000) {
    if (got !== null && t >= got) break;
    expect(cronMatches(expr, t, tz), `${expr} from ${iso(from)} in ${tz}: ${iso(t)} fires before ${iso(got)}`).toBe(false);
  }
  if (got !== null) {
    expect(got).toBeGreaterThan(from);
    expect(got % 60_000).toBe(0);
    expect(cronMatches(expr, got, tz), `${expr}: ${iso(got)} does not fire`).toBe(true);
  }
}

describe('nextAfter agrees with a brute-force scan', () => {
  it('in UTC', () => {
    fc.assert(
      fc.property(exprArb, fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }), (expr, from) => scanCheck(expr, from, 'UTC', 2 * 1440)),
      { numRuns: 150, seed: 42 },
    );
  });

  it('in America/New_York around the DST changes', () => {
    const around = fc.constantFrom(at('2026-03-08T07:00:00Z'), at('2026-11-01T06:00:00Z'), at('2027-03-14T07:00:00Z'));
    fc.assert(
      fc.property(exprArb, around, fc.integer({ min: -30 * 60, max: 30 * 60 }), (expr, base, minutes) => scanCheck(expr, base + minutes * 60_000, 'America/New_York', 300)),
      { numRuns: 60, seed: 7 },
    );
  });
});
