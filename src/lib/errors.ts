import type { AuditEntry } from '../audit/writer.js';

/**
 * Typed errors thrown anywhere and turned into problem+json in one handler (src/plugins/problem.ts).
 * `detail` must never carry personal data: it is shown to the caller and logged.
 * `audit` lets a service record a denial after its transaction rolled back (see runAudited).
 */
export class AppError extends Error {
  audit?: Omit<AuditEntry, 'outcome'> & { outcome?: 'denied' | 'error' };
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
  withAudit(entry: AppError['audit']): this {
    this.audit = entry;
    return this;
  }
}

export type FieldError = { path: string; message: string };

export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new AppError(400, 'validation', 'The request is not valid', detail, errors.length ? { errors } : {});
export const unauthorized = (detail = 'A valid bearer token is required') =>
  new AppError(401, 'unauthorized', 'Unauthorized', detail);
export const forbidden = (detail = 'Your role may not take this action') =>
  new AppError(403, 'forbidden', 'Forbidden', detail);
export const notFound = (what = 'resource') =>
  new AppError(404, 'not-found', 'Not found', `No ${what} with that id is available to you`);
export const conflict = (detail: string, extensions: Record<string, unknown> = {}) =>
  new AppError(409, 'conflict', 'Conflict', detail, extensions);
export const preconditionFailed = () =>
  new AppError(
    412,
    'precondition-failed',
    'Precondition failed',
    'If-Match does not match the current version; read it again',
  );
export const preconditionRequired = () =>
  new AppError(
    428,
    'precondition-required',
    'Precondition required',
    'Send If-Match with the ETag of the version you read',
  );
export const unprocessable = (detail: string, errors: FieldError[] = []) =>
  new AppError(422, 'unprocessable', 'Unprocessable content', detail, errors.length ? { errors } : {});
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(
    429,
    'rate-limited',
    'Too many requests',
    `The request limit was reached; retry in ${retryAfterSeconds} s`,
  );
export const serviceUnavailable = (detail = 'The database is not answering; try again shortly') =>
  new AppError(503, 'unavailable', 'Service unavailable', detail);
