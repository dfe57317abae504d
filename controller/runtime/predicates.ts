// Update predicates for Reconciler.forUpdate, after controller-runtime's pkg/predicate.

import { deepEqual } from './deep-copy.js';
import type { KubeObject } from './kube-object.js';

/**
 * predicate.Or(GenerationChangedPredicate, LabelChangedPredicate, AnnotationChangedPredicate), as
 * KubeRay's RayCluster and RayService controllers watch their own kind: a status-only write (the
 * controller's own, mostly) does not come back as a reconcile. A deletion that finalizers hold
 * passes too (the API server bumps the generation when it sets deletionTimestamp).
 */
export function specLabelsOrAnnotationsChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  const a = oldObj.metadata;
  const b = newObj.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !deepEqual(a.labels ?? {}, b.labels ?? {}) ||
    !deepEqual(a.annotations ?? {}, b.annotations ?? {})
  );
}
