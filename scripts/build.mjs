#!/usr/bin/env node
// Compiles src/ to dist/ (one JavaScript file per source file, ESM, with source maps), so that the
// service and its command-line tools start with plain `node`, without a transpiler at run time.
//   node scripts/build.mjs            build now
//   node scripts/build.mjs --if-stale build only when dist/ is missing or older than a source file
// esbuild only strips types; `npm run typecheck` is what checks them.
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = sources(src);
if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  const inputs = [...files, join(root, 'package.json')];
  if (inputs.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error(
    'dist/ is missing or out of date and esbuild is not installed: run `npm install`, then `npm run build`.',
  );
  process.exit(1);
}
const started = performance.now();
rmSync(dist, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files,
  outdir: dist,
  outbase: src,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
writeFileSync(stamp, new Date().toISOString());
const ms = Math.round(performance.now() - started);
// stderr: the command-line tools print their result on stdout (`npm run -s token | tail -1`).
console.error(
  `built ${files.length} files from ${relative(root, src)}/ into ${relative(root, dist)}/ in ${ms} ms`,
);
