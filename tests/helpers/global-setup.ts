import { execFileSync } from 'node:child_process';

/**
 * Tests that start the service or a command-line tool as a process run the compiled JavaScript
 * (`dist/`), as `npm start` does: no transpiler at run time, so they start quickly on a busy
 * machine. Built once here, before any test file runs (a no-op when dist/ is up to date).
 */
export default function setup() {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
}
