import type { FastifyInstance } from 'fastify';

/** Who a demo request is made as: the claims of a development-issuer token. */
export interface DemoCaller {
  sub: string;
  roles: string[];
  org?: string;
}

export type Sign = (caller: DemoCaller) => Promise<string>;

/** A request the seed expected to succeed did not: names the step, never the body it sent. */
export class DemoSeedError extends Error {}

/**
 * One person's requests to the application in process (`app.inject`): the same routes, access
 * decisions, rules and audit rows as a request over HTTP. Each call names the statuses it expects
 * and throws otherwise, with the answer's problem detail (synthetic data only).
 */
export interface DemoClient {
  sub: string;
  get(url: string, expected?: number[]): Promise<{ status: number; body: any; headers: Record<string, any> }>;
  send(
    method: 'POST' | 'PUT' | 'PATCH',
    url: string,
    body: unknown,
    expected?: number[],
    headers?: Record<string, string>,
  ): Promise<any>;
  post(url: string, body?: unknown): Promise<any>;
  put(url: string, body: unknown): Promise<any>;
}

export function demoClients(app: FastifyInstance, sign: Sign) {
  const tokens = new Map<string, Promise<string>>();
  let requests = 0;
  const tokenOf = (c: DemoCaller) => {
    const key = `${c.sub}|${c.roles.join(',')}|${c.org ?? ''}`;
    let t = tokens.get(key);
    if (!t) {
      t = sign(c);
      tokens.set(key, t);
    }
    return t;
  };
  const fail = (method: string, url: string, status: number, body: string) => {
    let detail = body.slice(0, 600);
    try {
      const p = JSON.parse(body);
      detail = JSON.stringify({ title: p.title, detail: p.detail, errors: p.errors, openItems: p.openItems });
    } catch {}
    // Ids in the URL are replaced: the message says which step failed, not which record.
    const route = url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');
    return new DemoSeedError(`demo seed: ${method} ${route} answered ${status}: ${detail}`);
  };
  return {
    get requests() {
      return requests;
    },
    as(caller: DemoCaller): DemoClient {
      const inject = async (
        method: 'GET' | 'POST' | 'PUT' | 'PATCH',
        url: string,
        body: unknown,
        headers: Record<string, string> = {},
      ) => {
        requests += 1;
        return app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${await tokenOf(caller)}`, ...headers },
          ...(body === undefined ? {} : { payload: body as object }),
        });
      };
      const client: DemoClient = {
        sub: caller.sub,
        async get(url, expected = [200]) {
          const res = await inject('GET', url, undefined);
          if (!expected.includes(res.statusCode)) throw fail('GET', url, res.statusCode, res.body);
          const type = String(res.headers['content-type'] ?? '');
          return {
            status: res.statusCode,
            body: type.includes('json') ? res.json() : res.body,
            headers: res.headers,
          };
        },
        async send(method, url, body, expected = [200, 201], headers = {}) {
          const res = await inject(method, url, body, headers);
          if (!expected.includes(res.statusCode)) throw fail(method, url, res.statusCode, res.body);
          return res.body ? res.json() : null;
        },
        post: (url, body = {}) => client.send('POST', url, body),
        put: (url, body) => client.send('PUT', url, body),
      };
      return client;
    },
  };
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same jurisdiction. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer from `min` to `max` inclusive. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    between: (min: number, max: number) => min + next() * (max - min),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}
export type Rng = ReturnType<typeof prng>;
