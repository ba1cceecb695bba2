// Builds the two artefacts: the control-side CLI (Node >= 20, dependencies from
// node_modules) and the runtime bundle uploaded to hosts (ONE file, Node >= 18, no
// node_modules there). Run by `npm ci` (prepare) and `npm test`.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const define = { LINKDEST_VERSION: JSON.stringify(version) };
// Bundled CommonJS dependencies (nodemailer, ...) call require(); ESM output has none.
// Tests build too while other test processes run dist/: write each output beside its
// target and rename, so no process ever loads a half-written bundle.
async function buildAtomically(options) {
  const result = await build({ ...options, write: false });
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents, { mode: f.path.endsWith('.map') ? 0o644 : 0o755 });
    renameSync(tmp, f.path);
  }
  return result.outputFiles.map((f) => f.path);
}

const requireShim = "import { createRequire as __ldCreateRequire } from 'node:module'; const require = __ldCreateRequire(import.meta.url);";

const cli = await buildAtomically({
  entryPoints: { linkdest: `${root}/provision/cli.ts` },
  outdir: `${root}/dist`,
  outExtension: { '.js': '.mjs' },
  // Each command is a chunk of its own, loaded when run (provision/commands/index.ts): a
  // command reads only the code it needs. Chunk names carry their content's hash, so a
  // process that started on the previous build never loads a chunk of this one. They sit
  // beside the entry: paths made from import.meta.url (templates/, the runtime bundle) are
  // then the same from every chunk.
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies are bundled too: a few files load several times faster than hundreds of
  // modules (CLI start-up is most of a no-op reconcile). ssh2 stays external for its
  // optional native crypto binding.
  external: ['ssh2', 'cpu-features'],
  banner: { js: requireShim },
  define,
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Chunks of earlier builds: no entry of this build imports them. A CLI process of an earlier
// build that has not yet imported its command's chunk would miss it; builds of the same
// sources (the tests' own builds beside running tests) make the same names and remove none.
const built = new Set(cli.map((f) => resolve(f)));
for (const name of readdirSync(resolve(root, 'dist'))) {
  const path = resolve(root, 'dist', name);
  if (/-[A-Z0-9]{8}\.mjs(\.map)?$/.test(name) && !built.has(path)) rmSync(path, { force: true });
}

if (existsSync(`${root}/runtime/cli.ts`)) {
  await buildAtomically({
    entryPoints: [`${root}/runtime/cli.ts`],
    outfile: `${root}/dist/linkdest-runtime.mjs`,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    define,
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
    legalComments: 'none',
    logLevel: 'warning',
  });
}
