/**
 * `npm run build:packages`: npm-publishable copies of packages/* in
 * dist/packages/<folder>/, each with ES module JavaScript (dependencies left
 * as imports, workers and worklets as files beside it), declaration files
 * from `npm run build:types`, and a package.json whose `exports`, `types` and
 * `sideEffects` point at them. Publish one with `npm publish dist/packages/<folder>`.
 *
 * In the repository the packages point at their TypeScript sources, which
 * is what the workspace, the tests and the demo use; only these copies
 * point at built files. See docs/publishing.md.
 *
 *   tsx scripts/build-packages.ts [--types-dir dist/types] [--out-dir dist/packages]
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    /** Where `npm run build:types` wrote the declarations. */
    'types-dir': { type: 'string', default: join(root, 'dist/types') },
    /** Where the package folders go. */
    'out-dir': { type: 'string', default: join(root, 'dist/packages') },
  },
});
const typesDir = resolve(args['types-dir']);
const outRoot = resolve(args['out-dir']);

/** The fields of a package.json this script reads. */
interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  sideEffects?: boolean | string[];
  exports: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** `./src/foo/bar.ts` → `foo/bar` (the output name of an entry). */
function entryName(subpath: string): string {
  return subpath === '.' ? 'index' : subpath.replace(/^\.\//, '');
}

/**
 * True for imports that stay imports: dependencies (and their subpaths),
 * Node built-ins, and every `@rtmp-web/*` package, which must never be
 * copied into another (two copies of RtmpError break `instanceof`).
 * Workspace packages imported without being declared are reported in `undeclared`.
 */
function isExternal(manifest: PackageManifest, undeclared: Set<string>): (id: string) => boolean {
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
  const builtins = new Set(builtinModules);
  return (id) => {
    if (id.startsWith('node:') || builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`))) return true;
    const workspace = /^(@rtmp-web\/[^/]+)/.exec(id)?.[1];
    if (workspace === undefined || workspace === manifest.name) return false;
    undeclared.add(workspace);
    return true;
  };
}

/** Builds one package folder into dist/packages/<folder>. */
async function buildPackage(folder: string): Promise<void> {
  const pkgDir = join(root, 'packages', folder);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageManifest;
  const outDir = join(outRoot, folder);
  rmSync(outDir, { recursive: true, force: true });

  const undeclared = new Set<string>();
  const entries = Object.fromEntries(Object.entries(manifest.exports).map(([sub, file]) => [entryName(sub), join(pkgDir, file)]));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: pkgDir,
    // Relative URLs for worker and worklet files: found beside the module, wherever it is served from.
    base: './',
    // Self-contained worker files (dynamic imports inlined): an app's bundler
    // copies them as assets (new URL('x.js', import.meta.url)) and would not
    // copy chunks they import.
    worker: { format: 'es', rollupOptions: { output: { inlineDynamicImports: true } } },
    build: {
      lib: { entry: entries, formats: ['es'], fileName: (_format, name) => `${name}.js` },
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: true,
      assetsDir: '',
      rollupOptions: { external: isExternal(manifest, undeclared) },
    },
  });

  // Declarations: dist/types/<folder>/src/x.d.ts → dist/packages/<folder>/types/x.d.ts.
  const typesFrom = join(typesDir, folder, 'src');
  if (!existsSync(typesFrom)) throw new Error(`no declarations in ${typesFrom}: run npm run build:types first`);
  cpSync(typesFrom, join(outDir, 'types'), { recursive: true });

  const exportsMap: Record<string, { types: string; default: string }> = {};
  for (const [sub, file] of Object.entries(manifest.exports)) {
    exportsMap[sub] = {
      types: `./types/${file.replace(/^\.\/src\//, '').replace(/\.ts$/, '.d.ts')}`,
      default: `./${entryName(sub)}.js`,
    };
  }
  const main = exportsMap['.'];
  const dependencies = { ...manifest.dependencies };
  for (const name of undeclared) {
    dependencies[name] = manifest.version;
    console.warn(`${manifest.name} imports ${name} without declaring it in packages/${folder}/package.json: added to the published dependencies`);
  }
  // Registration (customElements.define) is a side effect of the entry
  // modules; the protocol packages have none and can be tree-shaken.
  const sideEffects = manifest.sideEffects === false ? false : Object.values(exportsMap).map((e) => e.default);
  const published: Record<string, unknown> = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license ?? 'MIT',
    type: 'module',
    sideEffects,
    exports: exportsMap,
    ...(main ? { module: main.default, types: main.types } : {}),
    files: ['*.js', '*.js.map', 'types'],
    dependencies: Object.keys(dependencies).length > 0 ? dependencies : undefined,
    peerDependencies: manifest.peerDependencies,
    // Scoped packages are private on the registry unless published as public.
    publishConfig: { access: 'public' },
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  console.log(`${outDir}: ${manifest.name}@${manifest.version}`);
}

for (const folder of readdirSync(join(root, 'packages')).sort()) {
  if (existsSync(join(root, 'packages', folder, 'package.json'))) await buildPackage(folder);
}
