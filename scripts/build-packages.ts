/**
 * `npm run build:packages`: npm-publishable copies of packages/* and of
 * bridge/ in dist/packages/<folder>/, each with ES module JavaScript
 * (dependencies left as imports, workers and worklets as files beside it),
 * declaration files from `npm run build:types`, and a package.json whose
 * `exports`, `types` and `sideEffects` point at them. Publish one with
 * `npm publish dist/packages/<folder>`.
 *
 * A package whose manifest names a Node engine (`@rtmp-web/bridge`) is
 * built for Node instead of browsers: one file per module, its `bin/`
 * folder copied as it is (the bin runs the compiled CLI when it finds it),
 * its README beside it, and its `deploy/` folder (nginx config, systemd
 * unit) when it has one.
 *
 * In the repository the packages point at their TypeScript sources, which
 * is what the workspace, the tests and the demo use; only these copies
 * point at built files. See docs/publishing.md.
 *
 *   tsx scripts/build-packages.ts [--types-dir dist/types] [--out-dir dist/packages] [--only <folder>…]
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
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
    /** Build only these folders (`rtmp-core`, `bridge`…); default: all. */
    only: { type: 'string', multiple: true },
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
  bin?: Record<string, string>;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** The package folders, relative to the repository: packages/* and the bridge. */
function packageDirs(): string[] {
  const dirs = readdirSync(join(root, 'packages'))
    .sort()
    .map((f) => `packages/${f}`)
    .concat('bridge')
    .filter((d) => existsSync(join(root, d, 'package.json')));
  const only = args.only;
  if (only === undefined) return dirs;
  const unknown = only.filter((f) => !dirs.some((d) => basename(d) === f));
  if (unknown.length > 0) throw new TypeError(`--only: no package folder ${unknown.join(', ')} (have ${dirs.map((d) => basename(d)).join(', ')})`);
  return dirs.filter((d) => only.includes(basename(d)));
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
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies });
  const builtins = new Set(builtinModules);
  return (id) => {
    if (id.startsWith('node:') || builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`))) return true;
    const workspace = /^(@rtmp-web\/[^/]+)/.exec(id)?.[1];
    if (workspace === undefined || workspace === manifest.name) return false;
    undeclared.add(workspace);
    return true;
  };
}

/**
 * The JavaScript of a Node package: one output file per source module (so
 * stack traces and the declarations line up with the sources), ES2022 for
 * Node 20, dependencies and built-ins left as imports.
 */
async function buildNodeJs(pkgDir: string, outDir: string, entries: Record<string, string>, external: (id: string) => boolean): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: pkgDir,
    // Bundle what is not external (an undeclared dependency is copied in, as for the browser packages).
    ssr: { target: 'node', noExternal: true },
    build: {
      ssr: true,
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: true,
      rollupOptions: {
        input: entries,
        external,
        output: { format: 'es', preserveModules: true, preserveModulesRoot: join(pkgDir, 'src'), entryFileNames: '[name].js' },
      },
    },
  });
}

/** Builds one package folder (`packages/rtmp-core`, `bridge`) into dist/packages/<folder>. */
async function buildPackage(dir: string): Promise<void> {
  const folder = basename(dir);
  const pkgDir = join(root, dir);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageManifest;
  const forNode = manifest.engines?.node !== undefined;
  const outDir = join(outRoot, folder);
  rmSync(outDir, { recursive: true, force: true });

  const undeclared = new Set<string>();
  const entries = Object.fromEntries(Object.entries(manifest.exports).map(([sub, file]) => [entryName(sub), join(pkgDir, file)]));
  // For Node every source module is an entry, so a bin can import the one it runs (../cli.js).
  if (forNode) {
    for (const file of readdirSync(join(pkgDir, 'src'), { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts')) entries[file.replace(/\.ts$/, '')] ??= join(pkgDir, 'src', file);
    }
    await buildNodeJs(pkgDir, outDir, entries, isExternal(manifest, undeclared));
  } else {
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
  }

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
    console.warn(`${manifest.name} imports ${name} without declaring it in ${dir}/package.json: added to the published dependencies`);
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
    // Bins are copied as they are; each runs the compiled module beside it.
    bin: manifest.bin,
    engines: manifest.engines,
    files: ['*.js', '*.js.map', 'types', ...(manifest.bin === undefined ? [] : ['bin']), ...(existsSync(join(pkgDir, 'deploy')) ? ['deploy'] : [])],
    dependencies: Object.keys(dependencies).length > 0 ? dependencies : undefined,
    optionalDependencies: manifest.optionalDependencies,
    peerDependencies: manifest.peerDependencies,
    // Scoped packages are private on the registry unless published as public.
    publishConfig: { access: 'public' },
  };
  mkdirSync(outDir, { recursive: true });
  if (manifest.bin !== undefined) cpSync(join(pkgDir, 'bin'), join(outDir, 'bin'), { recursive: true });
  // Deployment files (the bridge's nginx config and systemd unit) travel with the package, for operators.
  if (existsSync(join(pkgDir, 'deploy'))) cpSync(join(pkgDir, 'deploy'), join(outDir, 'deploy'), { recursive: true });
  // npm always packs a README; the registry shows it as the package's page.
  if (existsSync(join(pkgDir, 'README.md'))) cpSync(join(pkgDir, 'README.md'), join(outDir, 'README.md'));
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  console.log(`${outDir}: ${manifest.name}@${manifest.version}`);
}

for (const dir of packageDirs()) await buildPackage(dir);
