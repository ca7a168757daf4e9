import { buildApp } from '../app.js';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { DatabaseLockedError } from '../db/client.js';
import { DEMO_ANALYST, seedDemo } from '../demo/seed.js';
import { loadOrCreateDevKey, signToken } from '../lib/dev-issuer.js';

/**
 * Fills the service's database with a synthetic demo jurisdiction (src/demo/seed.ts says what and
 * how): `npm run seed:demo`, then `npm start`. The embedded database in DATA_DIR (migrated first
 * when new), or DATABASE_URL when set. Requests go to the application in process with tokens of
 * the development issuer (`npm run token` signs with the same key), so it is refused when an
 * external issuer or production is configured. A second run finds the jurisdiction and adds nothing.
 *
 * Only the in-process application of this command is built without rate limits (thousands of
 * requests from one clerk in a minute; they protect a listening service, and this one listens on
 * nothing) and logs at `warn` unless LOG_LEVEL says otherwise.
 */
async function main() {
  loadEnvFile();
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    RATE_LIMIT_ENABLED: 'false',
  });
  if (config.AUTH_JWKS_FILE || config.AUTH_JWKS_URL || config.NODE_ENV === 'production') {
    throw new ConfigError(
      'npm run seed:demo acts through the development issuer only; an external issuer or production is configured.',
    );
  }
  const where = config.DATABASE_URL ? 'DATABASE_URL' : `the embedded database in ${config.DATA_DIR}`;
  console.error(
    `seeding the demo jurisdiction into ${where} (opening it, and applying migrations if needed)`,
  );
  const app = await buildApp(config);
  const key = await loadOrCreateDevKey(config.DATA_DIR);
  try {
    const result = await seedDemo({
      app,
      config,
      sign: (c) => signToken(key, { sub: c.sub, roles: c.roles, org: c.org, expiresIn: '1h' }),
      log: (line) => console.error(`  ${line}`),
      concurrency: config.DATABASE_URL ? 4 : 1,
    });
    const alerts = Object.entries(result.alerts)
      .map(([rule, n]) => `    ${rule}: ${n}`)
      .join('\n');
    const c = result.counts;
    const base = `http://${config.HOST}:${config.PORT}`;
    const report = `${base}/v1/statistics/report?from=${result.period.from}&to=${result.period.to}`;
    const headline = result.alreadySeeded
      ? 'The demo jurisdiction is already seeded: nothing was added.'
      : [
          `Demo jurisdiction seeded in ${(result.ms / 1000).toFixed(1)} s (${result.requests} requests through the API):`,
          `  ${c.organizations} organisations in 4 regions, ${c.staff} staff, ${c.facilities} detention places, population figures for 2 years`,
          `  ${c.children} children, ${c.cases} cases (${c.cases_closed ?? 0} closed, ${c.cases_sealed ?? 0} sealed), ${c.hearings} hearings (${c.hearings_adjourned ?? 0} adjourned),`,
          `  ${c.diversions} diversions (${c.diversions_completed ?? 0} completed, ${c.diversions_failed ?? 0} failed), ${c.legal_aid_assignments} legal aid assignments,`,
          `  ${c.supervisions} supervisions (${c.supervision_contacts} contacts, ${c.supervision_violations ?? 0} violations),`,
          `  ${(c.custody_pre_trial ?? 0) + (c.custody_sentenced ?? 0)} custody episodes, ${c.family_visits} family visits, ${c.incidents} incidents, ${c.inspections} inspections`,
        ].join('\n');
    console.log(`${headline}
  open alerts now (all courts):
${alerts}

Next:
  npm start
  ANALYST=$(npm run -s token -- --role ${DEMO_ANALYST.roles[0]} --sub ${DEMO_ANALYST.sub} --org ${DEMO_ANALYST.org} | tail -1)
  curl -s "${report}" -H "authorization: Bearer $ANALYST" > report.html    # then open report.html
  CLERK=$(npm run -s token -- --role court_clerk --sub demo-clerk-capital --org demo-court-capital | tail -1)
  curl -s "${base}/v1/alerts?limit=20" -H "authorization: Bearer $CLERK"`);
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseLockedError) {
    console.error(err.message);
  } else {
    console.error(err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
