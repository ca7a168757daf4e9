import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every setting is parsed and checked here once;
 * a bad value stops startup with a message that names the variable.
 */
const intFromEnv = (def: number) => z.coerce.number().int().nonnegative().default(def);

const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: intFromEnv(10),
    /** Named prepared statements on every connection; off behind a pooler in transaction mode. */
    DATABASE_PREPARED_STATEMENTS: z.stringbool().default(true),
    /** A streaming replica for reads that tolerate lag (audit queries, the disclosure ledger, indicators, the event feed); PostgreSQL only. */
    DATABASE_READ_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** statement_timeout and lock_timeout of every connection (0: none), and the wait for a connection. */
    DATABASE_STATEMENT_TIMEOUT_MS: intFromEnv(15_000),
    DATABASE_LOCK_TIMEOUT_MS: intFromEnv(10_000),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** /readyz answers 503 when the database has not answered a ping within this time. */
    READINESS_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1_000),
    /** Whole request (headers and body), headers alone, and socket inactivity, on the HTTP server. */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    HTTP_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
    DATA_DIR: z.string().min(1).default('./data'),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_JWKS_FILE: z.string().min(1).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_CLOCK_TOLERANCE_SECONDS: intFromEnv(30),
    /** Claim names of the identity provider's tokens (a dotted path reaches a nested claim, e.g. realm_access.roles). */
    AUTH_ROLES_CLAIM: z.string().min(1).max(100).default('roles'),
    AUTH_ORG_CLAIM: z.string().min(1).max(100).default('org'),
    /** How far past the database clock a reported event time may be (a client clock running ahead). */
    CLOCK_SKEW_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
    /** How long a verified token is remembered (never past its exp); 0 verifies every request. */
    AUTH_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
    /** Age from which a child may grant consent alone (SPEC 4.4). */
    CONSENT_AGE: intFromEnv(16),
    AGE_OF_MAJORITY: intFromEnv(18),
    /** Minimum age of criminal responsibility and the juvenile upper age (SPEC 6). */
    MIN_AGE_CRIMINAL_RESPONSIBILITY: intFromEnv(14),
    JUVENILE_UPPER_AGE: intFromEnv(17),
    BREAK_GLASS_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60),
    /** Organisations allowed to assign staff not specialised in juvenile cases (comma-separated ids). */
    ALLOW_UNSPECIALISED_STAFF_ORGS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
    /** Private JWK (JSON) file that signs audit checkpoints; a development key is kept in DATA_DIR otherwise. */
    AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    AUDIT_RETENTION_YEARS: z.coerce.number().int().min(1).default(7),
    /** Deadline alerts (SPEC 7): the limits each rule watches, evaluated at the database clock. */
    ALERT_FIRST_HEARING_HOURS: z.coerce.number().int().min(1).default(24),
    ALERT_LEGAL_AID_ASSIGNMENT_HOURS: z.coerce.number().int().min(1).default(24),
    ALERT_LEGAL_AID_ACCEPTANCE_HOURS: z.coerce.number().int().min(1).default(24),
    ALERT_PRE_TRIAL_MAX_DAYS: z.coerce.number().int().min(1).default(60),
    ALERT_PRE_TRIAL_WARNING_DAYS: z.coerce.number().int().min(0).default(7),
    ALERT_SUPERVISION_CONTACT_DAYS: z.coerce.number().int().min(1).default(30),
    ALERT_VIOLATION_DECISION_DAYS: z.coerce.number().int().min(1).default(14),
    ALERT_HEARING_OUTCOME_DAYS: z.coerce.number().int().min(1).default(2),
    ALERT_DIVERSION_PROGRESS_DAYS: z.coerce.number().int().min(1).default(30),
    /** Statistics: counts of children below this are suppressed (with complementary suppression). */
    STATISTICS_MIN_CELL: z.coerce.number().int().min(2).max(100).default(5),
    /** How often alerts that started or stopped holding are written to the event feed. */
    ALERT_EVENTS_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
    /** Events (the outbox behind GET /v1/events and webhooks) older than this are pruned. */
    EVENTS_RETENTION_DAYS: z.coerce.number().int().min(90).default(90),
    /** How often each instance prunes events, webhook deliveries, idempotency keys and rate-limit windows. */
    EVENTS_PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(3600),
    /** Stored Idempotency-Key responses (which may hold personal data) older than this are deleted. */
    IDEMPOTENCY_RETENTION_HOURS: z.coerce
      .number()
      .int()
      .min(24)
      .max(24 * 30)
      .default(48),
    /**
     * Sealing eligibility (README "Sealing eligibility"): a case closed as diverted or dismissed,
     * this many months after it closed with no new case for the child since; 0 turns the rule off.
     */
    SEALING_DIVERTED_DISMISSED_MONTHS: intFromEnv(12),
    /** A young person's juvenile record, this many years after they reached AGE_OF_MAJORITY; 0: off. */
    SEALING_AFTER_MAJORITY_YEARS: intFromEnv(3),
    /**
     * Client addresses behind a load balancer: `true` trusts X-Forwarded-For from anyone (only when
     * nothing else can reach the service), a number the count of proxy hops, otherwise the proxies'
     * addresses or CIDRs, comma-separated. Off: the address of the TCP peer.
     */
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v): boolean | number | string[] =>
        v === 'true'
          ? true
          : v === 'false'
            ? false
            : /^\d+$/.test(v)
              ? Number(v)
              : v
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
      ),
    /** Bearer token /metrics requires; unset: open (it holds no personal data, only counts). */
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    /** Serve /metrics on this port only (not on PORT); 0 picks a free one. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).optional(),
    /** Rate limits, kept in PostgreSQL so they hold across instances (src/plugins/rate-limit.ts). */
    RATE_LIMIT_ENABLED: z.stringbool().default(true),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    /** Requests per window per token holder (its client_id, else its sub). */
    RATE_LIMIT_PER_CLIENT: z.coerce.number().int().min(1).default(600),
    /** Requests per window per client address without a valid token. */
    RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(60),
    /** How often a long-polling GET /v1/events looks for new events (no connection is held between looks). */
    EVENTS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(10_000).default(1000),
    /** Webhook targets on private, loopback or link-local addresses are refused unless this is true. */
    WEBHOOK_ALLOW_PRIVATE_TARGETS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** How often each instance's webhook worker fans events out and sends what is due. */
    WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    /** First retry delay; each further retry doubles it (with jitter) up to WEBHOOK_RETRY_MAX_DELAY_MS. */
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
    WEBHOOK_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(10).default(3_600_000),
    /** A message is retried for at least this long before it is marked failed. */
    WEBHOOK_RETRY_HOURS: z.coerce.number().int().min(24).default(24),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** After a secret rotation, the previous secret also signs for this long. */
    WEBHOOK_SECRET_ROTATION_HOURS: z.coerce.number().int().min(0).default(24),
    /** Bulk import (POST /v1/imports): the largest NDJSON body accepted (413 beyond). */
    IMPORT_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(2 ** 31 - 1)
      .default(512 * 1024 * 1024),
    /** The longest line of an import; a longer one is reported as an error and skipped. */
    IMPORT_MAX_LINE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /** Lines created per transaction (with their audit rows and report). */
    IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
    /** How long POST /v1/imports waits for the import to finish before answering 202 (then follow it). */
    IMPORT_RESPONSE_WAIT_MS: z.coerce.number().int().min(0).default(20_000),
    /** Where a received import body is kept while it is processed (deleted after); default the OS temp dir. */
    IMPORT_SPOOL_DIR: z.string().min(1).optional(),
    /**
     * Processes serving the port on this host (src/workers.ts): Node runs JavaScript on one core per
     * process, so one process leaves the other cores to the database. PostgreSQL only.
     */
    WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  })
  .superRefine((c, ctx) => {
    if (c.AUTH_JWKS_URL && c.AUTH_JWKS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWKS_FILE'],
        message: 'set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both',
      });
    }
    const external = Boolean(c.AUTH_JWKS_URL || c.AUTH_JWKS_FILE);
    if (external && (!c.AUTH_ISSUER || !c.AUTH_AUDIENCE)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.AUTH_ISSUER ? 'AUTH_AUDIENCE' : 'AUTH_ISSUER'],
        message: 'required when a JWKS is configured',
      });
    }
    if (c.NODE_ENV === 'production') {
      if (!external) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_JWKS_URL'],
          message: 'production needs AUTH_JWKS_URL or AUTH_JWKS_FILE with AUTH_ISSUER and AUTH_AUDIENCE',
        });
      }
      if (!c.DATABASE_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['DATABASE_URL'],
          message: 'production needs a PostgreSQL server',
        });
      }
      if (!c.AUDIT_SIGNING_KEY_FILE) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUDIT_SIGNING_KEY_FILE'],
          message: 'production needs a checkpoint signing key',
        });
      }
    }
    if (c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HEADERS_TIMEOUT_MS'],
        message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
      });
    }
    if (c.ALERT_PRE_TRIAL_WARNING_DAYS >= c.ALERT_PRE_TRIAL_MAX_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_PRE_TRIAL_WARNING_DAYS'],
        message: 'must be less than ALERT_PRE_TRIAL_MAX_DAYS',
      });
    }
    if (c.WORKERS > 1 && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKERS'],
        message:
          'more than one worker needs DATABASE_URL: the embedded database is opened by one process only',
      });
    }
    if (c.MIN_AGE_CRIMINAL_RESPONSIBILITY > c.JUVENILE_UPPER_AGE) {
      ctx.addIssue({
        code: 'custom',
        path: ['MIN_AGE_CRIMINAL_RESPONSIBILITY'],
        message: 'must not exceed JUVENILE_UPPER_AGE',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set": shells and .env files often leave them behind.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Loads `.env` from the working directory when present (the format of `.env.example`). The
 * environment wins: a variable already set, even to an empty string, is left as it is. Returns
 * the file's path when one was read.
 */
export function loadEnvFile(
  path = '.env',
  env: Record<string, string | undefined> = process.env,
): string | null {
  if (!existsSync(path)) return null;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
  return path;
}
