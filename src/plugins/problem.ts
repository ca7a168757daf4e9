import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isDatabaseTimeout, isDatabaseUnavailable } from '../db/errors.js';
import { AppError, type FieldError } from '../lib/errors.js';

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="jj-case-api"');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `/problems/${slug}`,
      title,
      status,
      ...(detail ? { detail } : {}),
      instance: request.url.split('?')[0],
      requestId: String(request.id),
      ...extensions,
    });
}

/** Turns every error into RFC 9457 problem+json; 5xx bodies never carry internal messages. */
export default fp(
  async function problem(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof AppError) {
        if (err.status >= 500) request.log.error({ err }, 'request failed');
        return sendProblem(reply, request, err.status, err.slug, err.title, err.detail, err.extensions);
      }
      if (hasZodFastifySchemaValidationErrors(err)) {
        const errors: FieldError[] = err.validation.map((v) => ({
          path: [
            err.validationContext,
            ...String(v.instancePath ?? '')
              .split('/')
              .filter(Boolean),
          ].join('.'),
          message: v.message ?? 'invalid',
        }));
        // Property rule (SPEC 4.7): a body that tries to set a field the caller may not set is refused
        // with 422 and changes nothing, rather than having the field silently dropped.
        const setsForbidden =
          err.validationContext === 'body' && err.validation.some((v) => v.keyword === 'unrecognized_keys');
        if (setsForbidden) {
          return sendProblem(
            reply,
            request,
            422,
            'forbidden-fields',
            'Fields you may not set',
            'The body sets fields that are not writable here',
            {
              errors,
            },
          );
        }
        return sendProblem(
          reply,
          request,
          400,
          'validation',
          'The request is not valid',
          `${errors.length} invalid field(s)`,
          {
            errors,
          },
        );
      }
      if (isResponseSerializationError(err)) {
        request.log.error({ err, issues: err.cause?.issues }, 'response did not match its schema');
        return sendProblem(reply, request, 500, 'internal', 'Internal error');
      }
      if (isDatabaseTimeout(err)) {
        request.log.warn({ err }, 'database time limit reached');
        reply.header('retry-after', '1');
        return sendProblem(
          reply,
          request,
          503,
          'unavailable',
          'Service unavailable',
          'The database did not answer in time; try again shortly',
        );
      }
      if (isDatabaseUnavailable(err)) {
        request.log.error({ err }, 'database unavailable');
        reply.header('retry-after', '1');
        return sendProblem(
          reply,
          request,
          503,
          'unavailable',
          'Service unavailable',
          'The database is not answering; try again shortly',
        );
      }
      const status = err.statusCode ?? 500;
      if (status === 413)
        return sendProblem(
          reply,
          request,
          413,
          'too-large',
          'Content too large',
          'The body exceeds the size limit',
        );
      if (status === 415) {
        return sendProblem(
          reply,
          request,
          415,
          'unsupported-media-type',
          'Unsupported media type',
          'Send application/json',
        );
      }
      if (status >= 400 && status < 500) {
        // Fastify's own client errors (malformed JSON, empty body...): their messages name no data.
        return sendProblem(reply, request, status, 'bad-request', 'Bad request', err.message);
      }
      request.log.error({ err }, 'unhandled error');
      return sendProblem(
        reply,
        request,
        500,
        'internal',
        'Internal error',
        'The request could not be completed',
      );
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, request, 404, 'not-found', 'Not found', 'No such route'),
    );
  },
  { name: 'problem' },
);
