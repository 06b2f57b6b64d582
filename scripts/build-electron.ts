/**
 * `npm run build:electron`: bundles the Electron main process and the preload
 * script into electron/dist/.
 *
 * - main.js: an ES module (the package is `"type": "module"`) holding
 *   electron/ and core/; packages from node_modules stay imports, shipped as
 *   production dependencies. Code in core/ that finds files next to itself
 *   through `import.meta.url` (the .proto file, the built interface) keeps
 *   finding them: each such use is pointed back at the source file's place.
 * - preload.cjs: CommonJS in one file, because a sandboxed preload can neither
 *   be an ES module nor require files of its own.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const outDir = path.join(root, 'electron', 'dist');

/** Inside core/, `import.meta.url` means the source file's own address, as when run unbundled. */
export function keepSourceLocation(bundleDir: string): Plugin {
  return {
    name: 'keep-source-location',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]core[\\/].*\.ts$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes('import.meta.url')) return { contents, loader: 'ts' };
        const fromBundle = path.relative(bundleDir, args.path).split(path.sep).join('/');
        const sourceUrl = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: contents.replaceAll('import.meta.url', sourceUrl), loader: 'ts' };
      });
    },
  };
}

export async function buildElectron(): Promise<void> {
  await build({
    entryPoints: [path.join(root, 'electron', 'main.ts')],
    outfile: path.join(outDir, 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    plugins: [keepSourceLocation(outDir)],
    logLevel: 'warning',
  });
  await build({
    entryPoints: [path.join(root, 'electron', 'preload.ts')],
    outfile: path.join(outDir, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildElectron();
  process.stdout.write(`electron: built ${path.relative(root, outDir)}/main.js and preload.cjs\n`);
}
