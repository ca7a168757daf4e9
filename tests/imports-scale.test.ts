import { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { caseLine, personLine } from './helpers/imports.js';
import { type ServiceProcess, spawnService } from './helpers/service-process.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';

/**
 * Issue 10.4: an import of 100,000 lines runs in constant memory. The service runs as its own
 * process (PostgreSQL only: it is long, and PGlite is one process); the test streams a 100,000-line
 * file (about 60 MB) to POST /v1/imports and samples the service's resident memory from
 * /proc/<pid>/status while it works. Loading the body, or the report, would grow it by far more
 * than the file's size; streaming it keeps the growth to a batch and the runtime's own drift.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';
const LINES = 100_000;

describe.skipIf(!onPostgres)('an import of 100,000 lines (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let issuer: TestIssuer;
  let service: ServiceProcess;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    issuer = await createTestIssuer();
    service = await spawnService(testDb.url!, issuer, {
      IMPORT_RESPONSE_WAIT_MS: '1000',
      IMPORT_BATCH_SIZE: '500',
      // A heap far smaller than the file parsed: holding the body or the report would not fit.
      NODE_OPTIONS: '--max-old-space-size=128',
      // The body arrives within the request timeout; processing continues after the 202.
      HTTP_REQUEST_TIMEOUT_MS: '120000',
    });
  }, 180_000);
  afterAll(async () => {
    await service?.kill();
    await testDb?.drop();
  });

  const rssKiB = (pid: number) =>
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);

  it(
    'streams the file, creates every line, and the service memory stays flat',
    async () => {
      const db = testDb.database.db;
      const court = uid('court');
      await db.execute(
        sql`INSERT INTO organizations (id, name, kind, region) VALUES (${court}, 'Court', 'court', 'north')`,
      );
      const token = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      // 50,000 children and their 50,000 cases.
      const file = join(mkdtempSync(join(tmpdir(), 'jj-import-')), 'big.ndjson');
      const prefix = uid('big');
      const chunks: string[] = [];
      // One charge, no custody or hearing: the test is about the stream, on two busy cores
      // (tests/imports.test.ts covers custody episodes and hearings).
      const light = { charges: [{ code: 'PC-1', description: 'Theft' }], custodyEpisodes: [], hearings: [] };
      for (let n = 0; n < LINES / 2; n++) {
        chunks.push(JSON.stringify(personLine(n, prefix)), JSON.stringify(caseLine(n, prefix, light)));
      }
      writeFileSync(file, `${chunks.join('\n')}\n`);
      chunks.length = 0;
      const size = statSync(file).size;
      expect(size).toBeGreaterThan(20 * 1024 * 1024);

      const pid = service.child.pid!;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(rssKiB(pid)), 250);
      const before = rssKiB(pid);
      try {
        const posted = await new Promise<{ status: number; body: any }>((resolve, reject) => {
          const req = request(
            `${service.base}/v1/imports`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${token}`,
                'content-type': 'application/x-ndjson',
                'content-length': size,
              },
            },
            (res) => {
              let text = '';
              res.on('data', (c) => {
                text += c;
              });
              res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
            },
          );
          req.on('error', reject);
          createReadStream(file).pipe(req);
        });
        // Long imports answer 202 and are followed with GET.
        expect([201, 202]).toContain(posted.status);
        let status = posted.body;
        const deadline = Date.now() + 15 * 60_000;
        while (status.status === 'running' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 2000));
          const res = await fetch(`${service.base}/v1/imports/${posted.body.id}?limit=1`, {
            headers: { authorization: `Bearer ${token}` },
          });
          status = await res.json();
        }
        expect(status).toMatchObject({
          status: 'completed',
          lines: LINES,
          created: LINES,
          errors: 0,
          bytes: size,
        });
      } finally {
        clearInterval(sampler);
      }
      const counted = rowsOf<{ n: number }>(
        await db.execute(sql`SELECT count(*)::int AS n FROM cases WHERE court_org_id = ${court}`),
      )[0].n;
      expect(counted).toBe(LINES / 2);
      // Memory: flat once the first batches ran. The peak of the second half of the import against
      // the peak of its first half: whatever grew with the lines read would double between them
      // (the V8 heap settles at its own size early; a batch's garbage comes and goes).
      const valid = samples.filter(Number.isFinite);
      const half = Math.floor(valid.length / 2);
      const firstHalf = Math.max(...valid.slice(0, half));
      const secondHalf = Math.max(...valid.slice(half));
      console.log(
        `100,000-line import: file ${(size / 1048576).toFixed(1)} MiB, service RSS before ${(before / 1024).toFixed(0)} MiB, peak in the first half ${(firstHalf / 1024).toFixed(0)} MiB, in the second half ${(secondHalf / 1024).toFixed(0)} MiB (${valid.length} samples)`,
      );
      expect(valid.length).toBeGreaterThan(10);
      expect((secondHalf - firstHalf) / 1024).toBeLessThan(32);
    },
    20 * 60_000,
  );
});
