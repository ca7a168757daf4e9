/** One line of an NDJSON stream: its number (from 1), its text, or that it was too long to keep. */
export interface RawLine {
  lineNo: number;
  /** Null when the line exceeded the limit (its bytes were dropped as they came). */
  text: string | null;
}

/**
 * Splits a byte stream into lines as it arrives, holding at most one line (up to `maxLineBytes`)
 * in memory: a longer line is dropped while it streams and yielded with `text: null`. `\r\n` and
 * `\n` both end a line; a last line without a newline counts. Blank lines are yielded too (their
 * number counts), so report line numbers are the file's.
 */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let lineNo = 0;
  const finish = (): RawLine => {
    lineNo += 1;
    if (tooLong) {
      tooLong = false;
      return { lineNo, text: null };
    }
    let text = Buffer.concat(parts, size).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    parts = [];
    size = 0;
    return { lineNo, text };
  };
  for await (const chunk of source) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = buf.indexOf(10);
      const piece = nl === -1 ? buf : buf.subarray(0, nl);
      if (!tooLong) {
        if (size + piece.length > maxLineBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else if (piece.length) {
          // A copy: the stream may reuse its buffer for the next chunk.
          parts.push(Buffer.from(piece));
          size += piece.length;
        }
      }
      if (nl === -1) break;
      yield finish();
      buf = buf.subarray(nl + 1);
    }
  }
  if (size > 0 || tooLong) yield finish();
}
