// The string checks of k8s.io/apimachinery/pkg/util/validation (and .../api/validate/content, where
// the label-key and label-value checks live now), with Kubernetes' wording. Each returns the list of
// problems, empty when the value is valid. Pure: no ApiError, no field paths.
//
// This is the one home of these checks: sim/kube/names.ts builds the API server's StatusCauses from
// them and sim/kube/selectors.ts validates selector keys and values with them (sim/ may import
// controller/api, never the reverse).

const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

/** validation.MaxLenError. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** content.MaxLenError (label keys and values count bytes, and say so). */
export function maxLenBytesError(length: number): string {
  return `must be no more than ${length} bytes`;
}

/** validation.RegexError. Kubernetes renders "(e.g. 'A',  or 'B', ..." — the double space is theirs. */
export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  msg += ' (e.g. ';
  examples.forEach((e, i) => {
    if (i > 0) msg += ' or ';
    msg += `'${e}', `;
  });
  return msg + `regex used for validation is '${re}')`;
}

/** validation.EmptyError. */
export const EMPTY_ERROR = 'must be non-empty';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const LABEL_KEY_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** validation.IsDNS1123Subdomain */
export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsDNS1123Label */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRe.test(value)) {
    // A valid subdomain that is no valid label: the length was checked, so it must be the dots.
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** validation.IsDNS1035Label */
export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Memoisation of values that passed: label keys, label values and namespace names repeat on nearly
// every write to the store, and validating them with regexes was a measurable share of its cost.

const GOOD_MEMO_LIMIT = 50_000;

/**
 * `check`, remembering (up to a bound) the values it found valid. Only good values are remembered,
 * so the messages for a bad value are always computed afresh. Safe for pure checks only.
 */
export function memoiseGood(check: (value: string) => string[]): (value: string) => string[] {
  const good = new Set<string>();
  return (value: string): string[] => {
    if (good.has(value)) return [];
    const errs = check(value);
    if (errs.length === 0) {
      if (good.size >= GOOD_MEMO_LIMIT) good.clear();
      good.add(value);
    }
    return errs;
  };
}

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelKeyRe = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);

function checkQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  switch (parts.length) {
    case 1:
      name = parts[0]!;
      break;
    case 2: {
      const prefix = parts[0]!;
      name = parts[1]!;
      if (prefix.length === 0) errs.push('prefix part ' + EMPTY_ERROR);
      else for (const m of isDns1123Subdomain(prefix)) errs.push('prefix part ' + m);
      break;
    }
    default:
      return [
        'a valid label key ' + regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc') +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ];
  }
  if (name.length === 0) errs.push('name part ' + EMPTY_ERROR);
  else if (byteLen(name) > LABEL_KEY_NAME_MAX_LENGTH) errs.push('name part ' + maxLenBytesError(LABEL_KEY_NAME_MAX_LENGTH));
  if (!labelKeyRe.test(name)) errs.push('name part ' + regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc'));
  return errs;
}

function checkLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenBytesError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRe.test(value)) errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * validation.IsQualifiedName, now content.IsLabelKey (label keys, annotation keys, finalizer names):
 * an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 bytes. Memoised.
 */
export const isQualifiedName: (value: string) => string[] = memoiseGood(checkQualifiedName);

/** validation.IsValidLabelValue, now content.IsLabelValue: empty, or <= 63 bytes of the label-key shape. Memoised. */
export const isValidLabelValue: (value: string) => string[] = memoiseGood(checkLabelValue);
