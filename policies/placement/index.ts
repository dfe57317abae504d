// Placement: pure decisions over a ClusterSnapshot (kube-scheduler's filters and
// NodeResourcesFit scoring strategies). Controllers apply them; nothing here calls the API.
export * from './pod-info.js';
export * from './cluster-snapshot.js';
export * from './filters.js';
export * from './placement-policy.js';
export * from './registry.js';
export * from './decide.js';
