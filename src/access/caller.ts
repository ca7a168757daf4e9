import type { Role } from './roles.js';

/** Who is calling, as proven by the verified token. Anything else in the token is ignored. */
export interface Caller {
  sub: string;
  roles: Role[];
  org: string | null;
  clientId: string | null;
  scopes: string[];
  /** For partner systems: the kind of the registered client (police, court...). */
  partnerKind?: string | null;
}

/** Everything a service needs to know about the request it serves, besides its input. */
export interface RequestContext {
  caller: Caller;
  requestId: string;
  clientAddress: string | null;
  /** The purpose of use named in the Purpose-Of-Use header, if any (checked by the access module). */
  requestedPurpose: string | null;
  /** The Court-Order-Reference header: the sealing court names its order to open a sealed case. */
  courtOrderReference?: string | null;
}
