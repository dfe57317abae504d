// One import for the ray.io/v1 and core shapes: `import type { RayJob, Pod } from '../api/types.js'`.
// The const objects (JobDeploymentStatus, RayClusterConditionType, ...) are values too.

export * from './core-types.js';
export * from './raycluster-types.js';
export * from './rayjob-types.js';
export * from './rayservice-types.js';
export * from './raycronjob-types.js';
