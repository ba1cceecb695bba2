// Builds the two artefacts: the control-side CLI (Node >= 20, dependencies from
// node_modules) and the runtime bundle uploaded to hosts (ONE file, Node >= 18, no
// node_modules there). Run by `npm ci` (prepare) and `npm test`.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const define = { LINKDEST_VERSION: JSON.stringify(version) };
// Bundled CommonJS dependencies (nodemailer, ...) call require(); ESM output has none.
const requireShim = "import { createRequire as __ldCreateRequire } from 'node:module'; const require = __ldCreateRequire(import.meta.url);";

await build({
  entryPoints: [`${root}/provision/cli.ts`],
  outfile: `${root}/dist/linkdest.mjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies are bundled too: one file loads several times faster than hundreds of
  // modules (CLI start-up is most of a no-op reconcile). ssh2 stays external for its
  // optional native crypto binding.
  external: ['ssh2', 'cpu-features'],
  banner: { js: requireShim },
  define,
  sourcemap: 'linked',
  logLevel: 'warning',
});

if (existsSync(`${root}/runtime/cli.ts`)) {
  await build({
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
