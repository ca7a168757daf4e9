import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { ndjsonLines } from '../../lib/ndjson.js';
import { contextOf } from '../../plugins/auth.js';
import { Import, ImportIdParam, ImportReportQuery } from './schemas.js';
import { BodyTooLarge, importService } from './service.js';

const NDJSON = 'application/x-ndjson';

/**
 * Bulk import (issue 10.4). The body is NDJSON read as a stream: it is written to a spool file as
 * it arrives (counted against IMPORT_BODY_LIMIT_BYTES), so the request completes at network speed
 * whatever the processing takes, then read back line by line, one batch in memory at a time.
 */
export const importRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = importService(db, config);
  const tags = ['imports'];
  const spoolDir = config.IMPORT_SPOOL_DIR ?? tmpdir();
  // Imports still running when the service stops end after their current batch (`interrupted`).
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  app.addHook('preClose', async () => stopping.abort());
  app.addHook('onClose', async () => {
    await Promise.allSettled([...running]);
  });

  // The raw request stream: nothing is buffered or parsed before the handler reads it.
  app.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));

  // `ndjsonBody` documents the streamed body (src/plugins/openapi.ts); no schema validates it whole.
  const createSchema = {
    operationId: 'createImport',
    tags,
    summary:
      'Import children and cases from NDJSON, one record a line; 201 with the counts and the lines in error when done, 202 while it runs',
    ndjsonBody: ['ImportPersonLine', 'ImportCaseLine'],
    response: { 201: Import, 202: Import },
  };

  app.post(
    '/imports',
    {
      schema: createSchema,
    },
    async (request, reply) => {
      // The role first: a caller who may not import gets 403 whatever it sends.
      service.mayImport(contextOf(request));
      const body = request.body as unknown;
      if (!(body instanceof Readable)) {
        throw new AppError(
          415,
          'unsupported-media-type',
          'Unsupported Media Type',
          `Send the lines as ${NDJSON}`,
        );
      }
      const limit = config.IMPORT_BODY_LIMIT_BYTES;
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
      const ctx = contextOf(request);
      const { imp, decision } = await service.begin(ctx);
      const file = join(spoolDir, `jj-import-${imp.id}.ndjson`);
      let bytes = 0;
      try {
        await mkdir(spoolDir, { recursive: true });
        await pipeline(
          body,
          new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              bytes += chunk.length;
              callback(bytes > limit ? new BodyTooLarge(limit) : null, chunk);
            },
          }),
          createWriteStream(file, { mode: 0o600 }),
        );
      } catch (err) {
        await unlink(file).catch(() => {});
        const tooLarge = err instanceof BodyTooLarge;
        await service.fail(imp, bytes, tooLarge ? err.message : 'the body could not be received');
        throw tooLarge
          ? err
          : new AppError(400, 'validation', 'The request is not valid', 'The body could not be received');
      }
      const run = service
        .run(ctx, imp, decision, ndjsonLines(createReadStream(file), config.IMPORT_MAX_LINE_BYTES), {
          signal: stopping.signal,
          bytes: () => bytes,
          log: (code) => request.log.warn({ importId: imp.id, code }, 'import batch retried line by line'),
        })
        .finally(() => unlink(file).catch(() => {}));
      running.add(run);
      void run.finally(() => running.delete(run)).catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        run,
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), config.IMPORT_RESPONSE_WAIT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      reply.header('location', `/v1/imports/${imp.id}`);
      // Finished: the report of the lines in error; still running: follow it with GET.
      if (done) return reply.code(201).send(await service.view(done, { outcome: 'error', limit: 1000 }));
      const now = (await service.current(imp.id)) ?? imp;
      return reply.code(202).send(await service.view(now, { outcome: 'error', limit: 1000 }));
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        operationId: 'getImport',
        tags,
        summary: 'An import’s status, counts and per-line report (one page; filter by outcome)',
        params: ImportIdParam,
        querystring: ImportReportQuery,
        response: { 200: Import },
      },
    },
    async (request) => service.get(contextOf(request), request.params.id, request.query),
  );
};
