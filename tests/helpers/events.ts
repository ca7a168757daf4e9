import type { Client } from './app.js';

export type FeedEvent = {
  id: string;
  type: string;
  occurredAt: string;
  caseId: string;
  resourceType: string;
  resourceId: string | null;
};

/**
 * Reads the caller's feed from `after` until a short page, long-polling until `until` holds for
 * what was read (events become readable once every older transaction on the server has finished,
 * which other test files' transactions can delay by a few milliseconds).
 */
export async function readFeed(
  client: Client,
  opts: {
    after?: string;
    types?: string;
    headers?: Record<string, string>;
    until?: (events: FeedEvent[]) => boolean;
  } = {},
): Promise<{ events: FeedEvent[]; cursor: string }> {
  const events: FeedEvent[] = [];
  let cursor = opts.after;
  for (let attempt = 0; attempt < 40; attempt++) {
    const q = new URLSearchParams({ limit: '100', wait: attempt === 0 ? '0' : '1' });
    if (cursor) q.set('after', cursor);
    if (opts.types) q.set('types', opts.types);
    const res = await client.get(`/v1/events?${q}`, opts.headers);
    if (res.statusCode !== 200) throw new Error(`feed: ${res.statusCode} ${res.body}`);
    const page = res.json();
    events.push(...page.items);
    cursor = page.nextCursor;
    if (page.items.length === 100) continue;
    if (!opts.until || opts.until(events)) return { events, cursor: cursor! };
  }
  throw new Error(`feed: condition not met; read ${JSON.stringify(events.map((e) => e.type))}`);
}
