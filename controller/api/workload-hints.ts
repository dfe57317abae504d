// Annotations a scenario puts on the RayJobs it generates, telling the simulated Ray runtime what
// the application would do (how long it computes, whether and when it fails, how often it
// checkpoints). Real Ray ignores them; they are the contract between sim/ray and scenarios.

/** Compute the job needs, in virtual ms (integer string). */
export const WORK_MS_ANNOTATION = 'raysim.io/work-ms';
/** "true" when the application fails (every attempt: it is the program, not the infrastructure). */
export const FAIL_ANNOTATION = 'raysim.io/fail';
/** With FAIL_ANNOTATION "true": after how many ms of compute the application fails. */
export const FAIL_AFTER_MS_ANNOTATION = 'raysim.io/fail-after-ms';
/** Checkpoint period in ms: after an infrastructure failure the job resumes from its last checkpoint. */
export const CHECKPOINT_INTERVAL_MS_ANNOTATION = 'raysim.io/checkpoint-interval-ms';
