// The scheduler controller: kube-scheduler's queue and binding cycle over the placement policies.
export { Scheduler, createScheduler, schedulerNameOf, isTerminal, DEFAULT_SCHEDULER_NAME, type SchedulerOptions, type SchedulingDecision, type PodRef } from './scheduler.js';
export {
  SchedulingQueue,
  QueuedPod,
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
  DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS,
  type SchedulingQueueOptions,
  type QueueName,
  type QueueCounts,
} from './scheduling-queue.js';
export { IndexedHeap, type HeapItem } from './indexed-heap.js';
