import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TargetRefused, checkedLookup, resolveAllowed } from './target.js';

export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * One POST of a webhook message. Only the status matters; the receiver's body is read and thrown
 * away. Redirects are not followed (a 3xx is a failure). The address is checked before connecting.
 */
export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(target);
    await resolveAllowed(url.hostname, opts.allowPrivate);
  } catch (err) {
    return {
      ok: false,
      status: null,
      error: err instanceof TargetRefused ? err.message : 'not a valid target',
    };
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'jj-case-api-webhooks/1',
        },
        lookup: checkedLookup(opts.allowPrivate) as never,
        timeout: opts.timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () =>
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status }
              : { ok: false, status, error: `HTTP ${status}` },
          ),
        );
        res.on('error', () => resolve({ ok: false, status, error: 'response interrupted' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        status: null,
        error:
          err instanceof TargetRefused
            ? err.message
            : err.message === 'timeout'
              ? 'timed out'
              : `connection failed (${err.code ?? 'error'})`,
      }),
    );
    req.end(body);
  });
}
