// Deep copy, equality (shared with the controllers, in controller/runtime/deep-copy.ts) and deep
// freeze for plain JSON values.

export { deepClone, deepEqual } from '../../controller/runtime/deep-copy.js';

/** Freezes a JSON value recursively; used in tests to catch callers that mutate shared objects. */
export function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const k in v as Record<string, unknown>) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}
