import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Caller, RequestContext } from '../access/caller.js';
import { ensureAuditPartitions } from '../audit/partitions.js';
import { loadConfig, loadEnvFile } from '../config.js';
import { databaseOptionsFrom, openDatabase } from '../db/client.js';
import { ndjsonLines } from '../lib/ndjson.js';
import { importService } from '../modules/imports/service.js';
import { partnerClientQueries } from '../modules/partner-clients/service.js';

/**
 * The bulk import from the command line: the same service as POST /v1/imports (the same access
 * decision, batches, audit rows and per-line report), reading the file as a stream.
 *   npm run import -- FILE --court court-1            as a clerk of that court
 *   npm run import -- FILE --client-id police-rms     as that registered partner client (imports:write)
 * Against DATABASE_URL, or the embedded database in DATA_DIR (stop the service first: PGlite
 * allows one process). Prints progress on stderr and a JSON summary on stdout; exits 0 when every
 * line was created or a duplicate, 1 when some line is in error, 2 when it could not run.
 */
async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      court: { type: 'string' },
      'client-id': { type: 'string' },
      sub: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || Boolean(values.court) === Boolean(values['client-id'])) {
    throw new Error('usage: npm run import -- FILE (--court ORG | --client-id CLIENT) [--sub WHO]');
  }
  const size = statSync(file).size;
  loadEnvFile();
  const config = loadConfig();
  const database = openDatabase(databaseOptionsFrom(config));
  try {
    await database.migrate();
    await ensureAuditPartitions(database.db);
    const sub = values.sub ?? `cli:${userInfo().username}`;
    let caller: Caller;
    if (values.court) {
      caller = { sub, roles: ['court_clerk'], org: values.court, clientId: 'import-cli', scopes: [] };
    } else {
      const client = await partnerClientQueries.get(database.db, values['client-id']!);
      if (!client) throw new Error('the partner client is not registered');
      caller = {
        sub,
        roles: ['partner_system'],
        org: client.orgId,
        clientId: client.clientId,
        scopes: client.allowedScopes,
        partnerKind: client.kind,
      };
    }
    const ctx: RequestContext = {
      caller,
      requestId: randomUUID(),
      clientAddress: null,
      requestedPurpose: null,
    };
    const service = importService(database.db, config);
    const { imp, decision } = await service.begin(ctx);
    const input = createReadStream(file);
    let bytes = 0;
    input.on('data', (chunk) => {
      bytes += chunk.length;
    });
    const started = performance.now();
    const tty = process.stderr.isTTY;
    const done = await service.run(ctx, imp, decision, ndjsonLines(input, config.IMPORT_MAX_LINE_BYTES), {
      bytes: () => bytes,
      log: (code) => console.error(`a batch was retried line by line (${code})`),
      onProgress: (p) => {
        const pct = size ? Math.min(100, Math.round((bytes / size) * 100)) : 100;
        const width = 30;
        const bar = '#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.');
        const line = `[${bar}] ${pct}% ${p.lines} lines: ${p.created} created, ${p.duplicates} duplicate, ${p.errors} error`;
        if (tty) process.stderr.write(`\r${line}`);
        else console.error(line);
      },
    });
    if (tty) process.stderr.write('\n');
    const report = await service.view(done, { outcome: 'error', limit: 1000 });
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    console.log(
      JSON.stringify(
        {
          id: report.id,
          status: report.status,
          lines: report.lines,
          created: report.created,
          duplicates: report.duplicates,
          errors: report.errors,
          problem: report.problem,
          seconds,
          errorLines: report.report.items.map((r) => ({
            line: r.line,
            externalId: r.externalId,
            problems: r.problems,
          })),
        },
        null,
        2,
      ),
    );
    process.exitCode = report.status !== 'completed' ? 2 : report.errors > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
