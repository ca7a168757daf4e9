import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver as a partner would write one: it verifies the Standard Webhooks signature of
 * every request (written here from the scheme, not with the service's code), answers 500 when the
 * test asks it to fail, and records what it accepted.
 */
export interface Receiver {
  url: string;
  secrets: string[];
  /** Decides the answer to one well-signed request (default 204). */
  respond: (msg: { id: string; attempt: number; body: any }) => number;
  attempts: Map<string, number>;
  accepted: { id: string; body: any; raw: string; timestamp: string; signature: string }[];
  badSignatures: number;
  close(): Promise<void>;
}

export function verifySignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
  header: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'),
  );
  return header.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    const given = Buffer.from(sig ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    secrets: [],
    respond: () => 204,
    attempts: new Map(),
    accepted: [],
    badSignatures: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = String(req.headers['webhook-timestamp'] ?? '');
      const signature = String(req.headers['webhook-signature'] ?? '');
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      if (
        !id ||
        !fresh ||
        !receiver.secrets.some((s) => verifySignature(s, id, timestamp, body, signature))
      ) {
        receiver.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const attempt = (receiver.attempts.get(id) ?? 0) + 1;
      receiver.attempts.set(id, attempt);
      const parsed = JSON.parse(body);
      const status = receiver.respond({ id, attempt, body: parsed });
      if (status >= 200 && status < 300)
        receiver.accepted.push({ id, body: parsed, raw: body, timestamp, signature });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Waits (generously: two busy cores) until the condition holds. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
