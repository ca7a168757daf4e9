import { parseArgs } from 'node:util';
import { isRole } from '../access/roles.js';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { loadOrCreateDevKey, signToken } from '../lib/dev-issuer.js';

/**
 * Prints a token from the development issuer (last line of output):
 *   npm run token -- --role court_clerk --sub clerk-1 --org court-1 [--scope "cases:write"] [--expires 8h]
 * Several --role flags give several roles. Refused when an external issuer or production is configured.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      org: { type: 'string' },
      scope: { type: 'string' },
      'client-id': { type: 'string' },
      expires: { type: 'string', default: '8h' },
    },
  });
  loadEnvFile();
  const config = loadConfig();
  if (config.AUTH_JWKS_FILE || config.AUTH_JWKS_URL || config.NODE_ENV === 'production') {
    throw new ConfigError(
      'npm run token signs with the development issuer only; an external issuer is configured.',
    );
  }
  const roles = values.role ?? [];
  if (roles.length === 0 || !values.sub)
    throw new ConfigError('usage: npm run token -- --role ROLE --sub SUB [--org ORG] [--scope "..."]');
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length)
    console.error(`warning: unknown role(s) ${unknown.join(', ')}: the service will answer 403`);
  const key = await loadOrCreateDevKey(config.DATA_DIR);
  const token = await signToken(key, {
    sub: values.sub,
    roles,
    org: values.org,
    scope: values.scope,
    clientId: values['client-id'],
    expiresIn: values.expires,
  });
  console.log(token);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
