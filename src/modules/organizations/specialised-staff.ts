import type { Role } from '../../access/roles.js';
import type { Config } from '../../config.js';
import type { Executor } from '../../db/client.js';
import { unprocessable } from '../../lib/errors.js';
import { type StaffRow, staffRepository } from './repository.js';

/**
 * The staff member a case may be given (a lawyer, probation officer or social worker): listed in
 * the directory, active, holding the role, and specialised in juvenile cases unless their
 * organisation is allowed by configuration to assign unspecialised staff. Refusals are 422.
 */
export async function assignableStaff(
  tx: Executor,
  config: Config,
  sub: string,
  role: Role,
  path: string,
): Promise<StaffRow> {
  const member = await staffRepository.get(tx, sub);
  if (!member?.active || !member.roles.includes(role)) {
    throw unprocessable(`No active ${role} with that id in the staff directory`, [
      { path, message: `not an active ${role}` },
    ]);
  }
  if (!member.juvenileSpecialised && !config.ALLOW_UNSPECIALISED_STAFF_ORGS.includes(member.orgId)) {
    throw unprocessable('Only staff specialised in juvenile cases may be assigned', [
      { path, message: 'not specialised in juvenile cases' },
    ]);
  }
  return member;
}
