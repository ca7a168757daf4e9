/**
 * A typed client for the case tracking API: the types are generated from openapi/openapi.json by
 * openapi-typescript (`npm run client:generate` writes schema.ts; a test fails when it drifts) and
 * the requests are made by openapi-fetch. Every path, parameter, header, body and response,
 * problem+json errors included, is checked by the TypeScript compiler against the contract.
 *
 *   const api = createCaseApiClient({ baseUrl: 'https://cases.example', token: () => idp.token() });
 *   const { data, error, response } = await api.GET('/v1/cases/{id}', { params: { path: { id } } });
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export interface CaseApiClientOptions {
  /** Where the service is, e.g. https://cases.example (no trailing /v1: paths carry it). */
  baseUrl: string;
  /** The bearer access token, or a function that returns a current one (called for each request). */
  token: string | (() => string | Promise<string>);
  /** A fetch of your own (proxy, timeouts, tests); default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export type CaseApiClient = Client<paths>;

export function createCaseApiClient(options: CaseApiClientOptions): CaseApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}
