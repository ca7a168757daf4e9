/**
 * Text PostgreSQL cannot store: NUL (text and jsonb refuse it) and lone UTF-16 surrogates (jsonb
 * refuses their escapes; text would silently get U+FFFD). Input holding either is refused at the
 * edge (src/plugins/input-guard.ts); the audit writer cleans what it stores so that recording a
 * denial can never fail because of what the caller sent.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Why a string cannot be stored, or null when it can. */
export function unstorableText(s: string): 'NUL character' | 'unpaired surrogate' | null {
  if (s.includes('\u0000')) return 'NUL character';
  if (LONE_SURROGATE.test(s)) return 'unpaired surrogate';
  return null;
}

/** The string with NUL removed and lone surrogates replaced by U+FFFD, cut to `max` characters. */
export function storableText(s: string, max = 500): string {
  const cleaned = s.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}
