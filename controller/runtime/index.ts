// The public surface of controller/runtime: controllers and composition roots import from here.
export type * from './reconciler.js';
export type * from './kube-client.js';
export * from './kube-object.js';
export * from './api-error.js';
export { WorkQueue, DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS, type WorkQueueOptions } from './work-queue.js';
export { ObjectIndex, RAY_CLUSTER_LABEL, keyOf } from './object-index.js';
export { Informer, type InformerHandlers, type InformerOptions, type InformerStats } from './informer.js';
export { InformerCache, resourceKey } from './cache.js';
export {
  KubeEventRecorder,
  MemoryEventRecorder,
  EVENT,
  DEFAULT_EVENT_CACHE_ENTRIES,
  involvedObject,
  type InvolvedObject,
  type KubeEventRecorderOptions,
  type RecordedEvent,
} from './event-recorder.js';
export { StructuredLogger, createLogger, silentLogger, parseLogLevel, LOG_LEVELS, type LoggerOptions, type LogFormat } from './logger.js';
export { Controller, ReconcileError, requestKey, parseRequestKey, type ControllerOptions, type ReconcileOutcome } from './controller.js';
export { ManagerCore, type ManagerCoreOptions } from './manager-core.js';
export { SimManager, type SimManagerOptions, type RestartOptions } from './sim-manager.js';
export { RealManager, DEFAULT_RESYNC_MS, type RealManagerOptions, type SignalHandlerOptions } from './real-manager.js';
export { LeaderElector, LEASE, microTime, type LeaderElectionConfig, type LeaderElectorOptions, type Lease, type LeaseSpec } from './leader-election.js';
export { WallTimers, wallClock } from './wall-timers.js';
