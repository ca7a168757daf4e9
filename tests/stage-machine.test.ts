import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CASE_STAGES } from '../src/db/schema/cases.js';
import { STAGE_MOVES, nextStages, stageAfter, stageMachineMarkdown } from '../src/modules/cases/stages.js';

describe('the case stage machine', () => {
  it('is the table the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const match = readme.match(/<!-- stage-machine:start -->\n([\s\S]*?)<!-- stage-machine:end -->/);
    expect(match, 'README.md has the stage-machine markers').not.toBeNull();
    expect(match?.[1]).toBe(stageMachineMarkdown());
  });

  it('lets nothing happen to a closed case', () => {
    expect(nextStages('closed')).toEqual([]);
    for (const m of STAGE_MOVES) expect(m.from).not.toContain('closed');
    expect(stageAfter('closed', 'hearing_scheduled', 'court_clerk')).toMatchObject({
      ok: false,
      reason: 'stage',
      allowedNextStages: [],
    });
  });

  it('reaches every stage from intake and closure from every stage', () => {
    const reached = new Set<string>(['intake']);
    for (let i = 0; i < CASE_STAGES.length; i++) {
      for (const s of [...reached]) for (const n of nextStages(s as never)) reached.add(n);
    }
    expect([...reached].sort()).toEqual([...CASE_STAGES].sort());
    for (const s of CASE_STAGES.filter((x) => x !== 'closed')) {
      const canClose = (from: string, seen = new Set<string>()): boolean =>
        from === 'closed' ||
        (!seen.has(from) && nextStages(from as never).some((n) => canClose(n, new Set([...seen, from]))));
      expect(canClose(s), s).toBe(true);
    }
  });

  it('names who may make each move', () => {
    expect(stageAfter('pre_trial', 'hearing_held', 'court_clerk')).toEqual({
      ok: true,
      to: 'adjudication',
      moves: true,
    });
    expect(stageAfter('pre_trial', 'hearing_held', 'legal_aid_lawyer')).toMatchObject({
      ok: false,
      reason: 'role',
    });
    expect(stageAfter('diversion', 'diversion_failed', 'prosecutor')).toMatchObject({
      ok: true,
      to: 'pre_trial',
    });
    expect(stageAfter('diversion', 'case_closed', 'court_clerk')).toMatchObject({
      ok: false,
      allowedNextStages: ['pre_trial', 'closed'],
    });
  });
});
