/** NDJSON lines of a bulk import (POST /v1/imports), as a partner would send them. */
export function personLine(n: number, prefix: string) {
  return {
    type: 'person',
    externalId: `${prefix}-P-${n}`,
    givenName: `Given${n}`,
    familyName: `Family${n}`,
    dateOfBirth: '2010-05-01',
    sex: 'female',
    region: 'north',
  };
}

export function caseLine(n: number, prefix: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'case',
    externalId: `${prefix}-C-${n}`,
    personExternalId: `${prefix}-P-${n}`,
    intakeKind: 'arrest',
    offenceDate: '2026-10-01T10:00:00Z',
    intakeAt: '2026-10-01T12:00:00Z',
    agency: 'Police North',
    detained: true,
    charges: [
      { code: 'PC-1', description: 'Theft' },
      { code: 'PC-2', description: 'Damage' },
    ],
    custodyEpisodes: [
      {
        kind: 'pre_trial',
        facility: 'North detention centre',
        startedAt: '2026-10-01T13:00:00Z',
        releasedAt: '2026-10-03T10:00:00Z',
        releaseReason: 'Released to the mother',
      },
    ],
    hearings: [
      {
        purpose: 'first appearance',
        scheduledAt: '2026-10-02T09:00:00Z',
        heldAt: '2026-10-02T09:30:00Z',
        outcome: 'Released on conditions',
        attendees: ['child', 'mother'],
      },
    ],
    ...extra,
  };
}

export const ndjson = (lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;
