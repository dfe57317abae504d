// The public surface of sim/core; other layers import from here rather than from individual files.
export { type Clock, type Rng, rfc3339 } from './clock.js';
export { EventHeap, type HeapEntry } from './heap.js';
export {
  Simulation,
  SimulationError,
  PRIORITIES,
  PRIORITY_ORDER,
  DEFAULT_START_TIME,
  type Priority,
  type EventCallback,
  type TimerOptions,
  type TimerHandle,
  type Timers,
  type SimulationOptions,
  type RunOptions,
  type RunResult,
} from './simulation.js';
export { createRng, exponential, normal, lognormal, pick, weighted, type Weighted } from './rng.js';
export {
  TRACE_VERSION,
  TRACE_HEADER_TYPE,
  TraceWriter,
  MemorySink,
  FileSink,
  TraceParseError,
  parseTrace,
  serializeRecord,
  type ObjectRef,
  type TraceRef,
  type TraceRecord,
  type TraceEvent,
  type TraceSink,
  type TraceWriterOptions,
} from './trace.js';
