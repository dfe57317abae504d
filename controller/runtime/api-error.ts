// Typed API errors shaped like metav1.Status, so the store, both KubeClients and the HTTP facade
// speak one error language and callers can switch on `reason`.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }

  static fromStatus(s: Partial<Status> & { code?: number }): ApiError {
    return new ApiError(s.code ?? 500, (s.reason ?? 'InternalError') as StatusReason, s.message ?? 'unknown error', s.details);
  }
}

/** "pods", "" -> "pods"; "rayjobs", "ray.io" -> "rayjobs.ray.io": how Kubernetes names a resource in messages. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  notFound: (plural: string, group: string, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, { name, group, kind: plural }),
  alreadyExists: (plural: string, group: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group, kind: plural }),
  conflict: (plural: string, group: string, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`, { name, group, kind: plural }),
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
      { name, group, kind, causes },
    ),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (message: string) => new ApiError(415, 'UnsupportedMediaType', message),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  tooManyRequests: (message: string, retryAfterSeconds = 1) => new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds }),
  internal: (message: string) => new ApiError(500, 'InternalError', message),
};

export function isApiError(e: unknown, reason?: StatusReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}
