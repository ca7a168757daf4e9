import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../db/client.js';
import { type FieldError, unprocessable } from './errors.js';

/** Something an event depends on (it may not precede it) or a period end (it may not follow it). */
export interface TimeBound {
  /** Unknown bounds (an event not recorded yet) are skipped. */
  at: Date | null | undefined;
  /** What the bound is, in the domain's words: "the hearing was held", "the supervision starts". */
  what: string;
}

export interface TimeCheck {
  /** The field named in the 422, e.g. `body.heldAt`. */
  path: string;
  at: Date;
  notBefore?: TimeBound[];
  notAfter?: TimeBound[];
  /** A planned time (a supervision's first day): only the bounds apply, not the clock. */
  planned?: boolean;
}

/**
 * The rule for every time a caller reports as the time something happened in the world (SPEC: one
 * source of truth): nothing happened after the database clock (plus `CLOCK_SKEW_TOLERANCE_SECONDS`,
 * for a client whose clock runs a little ahead), and nothing precedes what it depends on. The clock
 * is the database's, read in the request's transaction, so every instance judges alike whatever its
 * own clock says. One instance per transaction: `readEventClock(tx, config)`.
 */
export class EventClock {
  constructor(
    /** The database clock when it was read. */
    readonly now: Date,
    readonly toleranceSeconds: number,
  ) {}

  /** The time a body reports, or now when it reports none. */
  at(value: string | null | undefined): Date {
    return value ? new Date(value) : this.now;
  }

  /** The field errors of `checks`; empty when every time can be true. */
  problems(checks: TimeCheck[]): FieldError[] {
    const latest = new Date(this.now.getTime() + this.toleranceSeconds * 1000);
    const errors: FieldError[] = [];
    for (const c of checks) {
      if (!c.planned && c.at > latest) {
        errors.push({
          path: c.path,
          message: `in the future: after the database clock (${this.now.toISOString()}, tolerance ${this.toleranceSeconds} s)`,
        });
        continue;
      }
      const early = c.notBefore?.find((b) => b.at && c.at < b.at);
      if (early?.at) {
        errors.push({ path: c.path, message: `before ${early.what} (${early.at.toISOString()})` });
        continue;
      }
      const late = c.notAfter?.find((b) => b.at && c.at > b.at);
      if (late?.at) errors.push({ path: c.path, message: `after ${late.what} (${late.at.toISOString()})` });
    }
    return errors;
  }

  /** 422 naming every field whose time cannot be true; changes nothing. */
  check(...checks: TimeCheck[]): void {
    const errors = this.problems(checks);
    if (errors.length) {
      throw unprocessable('A reported time cannot be true', errors);
    }
  }
}

/** Reads the database clock (`clock_timestamp()`, not the transaction's start) for the rule above. */
export async function readEventClock(
  tx: Executor,
  config: { CLOCK_SKEW_TOLERANCE_SECONDS: number },
): Promise<EventClock> {
  const [row] = rowsOf<{ ms: string | number }>(
    await tx.execute(sql`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`),
  );
  return new EventClock(new Date(Math.floor(Number(row.ms))), config.CLOCK_SKEW_TOLERANCE_SECONDS);
}

/** A calendar date (YYYY-MM-DD, UTC) as the moment its day starts, and as the moment it ends. */
export const startOfDay = (date: string) => new Date(`${date}T00:00:00.000Z`);
export const endOfDay = (date: string) => new Date(`${date}T23:59:59.999Z`);
