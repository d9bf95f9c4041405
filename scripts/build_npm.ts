/**
 * `deno task build:npm`: does what dnt would do, with the TypeScript compiler
 * from npm (JSR, hence dnt, is out of reach here).
 *
 * 1. Installs the pinned tools (scripts/runtimes/versions.ts) and the
 *    library's npm imports at their deno.lock versions into
 *    `.cache/runtimes/build/`.
 * 2. Copies `mod.ts`, `src/` and `adapters/` into a staging dir there (so
 *    the bare specifiers `zod`, `@nats-io/*`, `ws` resolve from its
 *    node_modules), with the package.json "imports" of the repository
 *    (`#nats-socket`, chosen by runtime condition), and compiles every
 *    deno.json entry point and every "imports" target with `tsc`: ESM
 *    JavaScript plus `.d.ts` in `npm/esm/`, `.ts` specifiers rewritten by
 *    `rewriteRelativeImportExtensions`. Any type error fails the build.
 * 3. Writes `npm/package.json` generated from deno.json (fails if their
 *    "exports" differ) and the repository's package.json "imports" (paths
 *    mapped to `esm/`), and copies README.md and LICENSE.
 * 4. Packs the tarball and runs publint and @arethetypeswrong/cli on it.
 * 5. Bundles a local-only import with esbuild and fails if any NATS code is
 *    in it; prints its size (minified, gzipped).
 *
 * Usage: deno task build:npm [--quiet]
 * @module
 */
import * as V from "./runtimes/versions.ts";
import {
  CACHE,
  ensureNpmProject,
  exists,
  lockedVersions,
  lockOverrides,
  NPM_DIR,
  npmImportsOf,
  npmPath,
  PACK_DIR,
  rel,
  ROOT,
  run,
  toolsNode,
} from "./runtimes/tools.ts";
import {
  denoExports,
  type DenoJson,
  ESM_DIR,
  exportMismatches,
  packageJson,
  readDenoJson,
  splitDependencies,
} from "./npm_package/package_json.ts";
import { checkLocalOnlyBundles } from "./npm_package/bundle_check.ts";
import {
  importTargetsOf,
  npmImports,
  readSourceImports,
  type SourceImports,
} from "./npm_package/imports.ts";

/** What a build produced. */
export interface BuildResult {
  /** The packed tarball (`npm pack` of `npm/`). */
  tarball: string;
  /** The generated package.json. */
  packageJson: Record<string, unknown>;
}

const BUILD_DIR = `${CACHE}/build`;
const STAGE_DIR = `${BUILD_DIR}/stage`;

/** Runs the whole build; throws on the first failure. */
export async function buildNpm(): Promise<BuildResult> {
  const started = Date.now();
  const deno = await readDenoJson(ROOT);
  const sourceImports = await readSourceImports(ROOT);
  const entries = Object.values(denoExports(deno)).map((p) => p.slice(2));
  const importTargets = [...importTargetsOf(sourceImports)];

  step("dependencies");
  const used = await npmImportsOf([...entries, ...importTargets]);
  const locked = await lockedVersions();
  const exact = Object.fromEntries(
    [...used.keys()].map((name) => [name, locked.get(name) ?? used.get(name)!]),
  );
  const node = await toolsNode();
  await ensureNpmProject(BUILD_DIR, {
    type: "module",
    dependencies: {
      typescript: V.TYPESCRIPT,
      esbuild: V.ESBUILD,
      publint: V.PUBLINT,
      "@arethetypeswrong/cli": V.ATTW,
      // Types of `ws` for the node adapter (compile time only).
      "@types/ws": V.TYPES_WS,
      ...exact,
    },
    overrides: await lockOverrides(used.keys()),
  });
  const bin = (name: string) => `${BUILD_DIR}/node_modules/.bin/${name}`;
  console.log(
    `  library imports: ${
      [...used].map(([n, r]) => `${n} ${r} (lock ${exact[n]})`).join(", ")
    }`,
  );

  step(`compile (typescript ${V.TYPESCRIPT})`);
  await stageSources(sourceImports);
  await Deno.remove(NPM_DIR, { recursive: true }).catch(() => {});
  await Deno.writeTextFile(
    `${STAGE_DIR}/tsconfig.json`,
    JSON.stringify(tsconfig(deno, [...entries, ...importTargets]), null, 2) +
      "\n",
  );
  const tsc = await run(
    node,
    [bin("tsc"), "-p", `${STAGE_DIR}/tsconfig.json`],
    {
      check: false,
    },
  );
  if (tsc.code !== 0) {
    throw new Error(`tsc found errors:\n${tsc.stdout}${tsc.stderr}`);
  }

  step("package.json");
  const pkg = packageJson(deno, splitDependencies(used));
  pkg.imports = npmImports(sourceImports);
  for (const file of importTargetsOf(pkg.imports as SourceImports)) {
    if (!await exists(`${NPM_DIR}/${file}`)) {
      throw new Error(`package.json "imports": ${file} was not emitted`);
    }
  }
  const repository = await gitRepository();
  if (!pkg.repository && repository) pkg.repository = repository;
  const problems = exportMismatches(deno, pkg as { exports: never });
  for (const [subpath, target] of Object.entries(pkg.exports as object)) {
    for (const file of Object.values(target as Record<string, string>)) {
      if (!await exists(`${NPM_DIR}/${file}`)) {
        problems.push(`export "${subpath}": ${file} was not emitted`);
      }
    }
  }
  if (problems.length) throw new Error(problems.join("\n"));
  await Deno.writeTextFile(
    `${NPM_DIR}/package.json`,
    JSON.stringify(pkg, null, 2) + "\n",
  );
  await Deno.copyFile(`${ROOT}README.md`, `${NPM_DIR}/README.md`);
  await Deno.copyFile(`${ROOT}LICENSE`, `${NPM_DIR}/LICENSE`);
  if (!pkg.repository) {
    console.log(
      "  note: no repository URL (no git remote); set it in scripts/npm_package/metadata.ts",
    );
  }

  step("pack");
  await Deno.remove(PACK_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(PACK_DIR, { recursive: true });
  const packed = await run(await npmPath(), [
    "pack",
    "--json",
    "--pack-destination",
    PACK_DIR,
  ], { cwd: NPM_DIR });
  const [info] = JSON.parse(packed.stdout);
  const tarball = `${PACK_DIR}/${info.filename}`;
  console.log(
    `  ${rel(tarball)}: ${info.entryCount} files, ${kb(info.size)} packed, ${
      kb(info.unpackedSize)
    } unpacked`,
  );

  step(`publint ${V.PUBLINT}`);
  const publint = await run(
    node,
    [bin("publint"), "run", tarball, "--strict"],
    {
      check: false,
    },
  );
  const publintOut = (publint.stdout + publint.stderr).trim();
  console.log(indent(publintOut));
  if (publint.code !== 0 || !/All good!/.test(publintOut)) {
    throw new Error("publint reported problems");
  }

  step(`@arethetypeswrong/cli ${V.ATTW}`);
  // ESM only, Node >= 22: CommonJS `require` and node10 resolution are out of
  // scope, which is what the esm-only profile means.
  const ignored = ["node10", "node16-cjs"];
  const attw = await run(node, [
    bin("attw"),
    tarball,
    "--profile",
    "esm-only",
    "--format",
    "json",
  ], { check: false });
  const report = JSON.parse(attw.stdout);
  const found: { kind: string; entrypoint: string; resolutionKind: string }[] =
    Object.values(report.problems ?? {}).flat() as never;
  const real = found.filter((p) => !ignored.includes(p.resolutionKind));
  for (const [subpath, e] of Object.entries(report.analysis.entrypoints)) {
    const kinds = Object.keys((e as { resolutions: object }).resolutions)
      .filter((k) => !ignored.includes(k));
    const bad = real.filter((p) => p.entrypoint === subpath);
    console.log(
      `  "${subpath}": ${kinds.join(", ")}: ${
        bad.length ? bad.map((p) => `${p.resolutionKind} ${p.kind}`) : "ok"
      }`,
    );
  }
  console.log(
    `  (profile esm-only: ${ignored.join(" and ")} resolutions are ignored, ` +
      `${found.length - real.length} CommonJS/node10 findings)`,
  );
  if (attw.code !== 0 || real.length) {
    throw new Error(`@arethetypeswrong/cli reported problems:\n${attw.stderr}`);
  }

  step(`local-only bundle (esbuild ${V.ESBUILD})`);
  await checkLocalOnlyBundles({
    node,
    esbuild: bin("esbuild"),
    tarball,
    workDir: BUILD_DIR,
  });

  console.log(
    `build:npm ok in ${((Date.now() - started) / 1000).toFixed(1)} s: ${
      rel(NPM_DIR)
    }/ and ${rel(tarball)}`,
  );
  return { tarball, packageJson: pkg };
}

/** The tsconfig of the staged sources (compilerOptions from deno.json). */
function tsconfig(deno: DenoJson, entries: string[]) {
  const fromDeno = (deno as { compilerOptions?: object }).compilerOptions ?? {};
  return {
    compilerOptions: {
      ...fromDeno,
      target: "ES2022", // `using` is downleveled for Node 22
      module: "NodeNext",
      moduleResolution: "NodeNext",
      // Web-standard APIs only (architecture_test.ts): no @types/node.
      lib: ["ES2023", "ESNext.Disposable", "DOM", "DOM.Iterable"],
      types: [],
      rootDir: ".",
      outDir: `${NPM_DIR}/${ESM_DIR}`,
      declaration: true,
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      forceConsistentCasingInFileNames: true,
      skipLibCheck: false,
      noEmitOnError: true,
      newLine: "lf",
    },
    files: entries,
  };
}

/**
 * Copies mod.ts, src/ and adapters/ (no tests) into the staging dir, with
 * the repository's "imports" (tsc resolves `#nats-socket` through them).
 */
async function stageSources(imports: SourceImports): Promise<void> {
  await Deno.remove(STAGE_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(STAGE_DIR, { recursive: true });
  // type: module, so NodeNext compiles the sources as ES modules.
  await Deno.writeTextFile(
    `${STAGE_DIR}/package.json`,
    JSON.stringify({ private: true, type: "module", imports }, null, 2) +
      "\n",
  );
  await Deno.copyFile(`${ROOT}mod.ts`, `${STAGE_DIR}/mod.ts`);
  const copy = async (dir: string) => {
    await Deno.mkdir(`${STAGE_DIR}/${dir}`, { recursive: true });
    for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await copy(path);
      else if (e.name.endsWith(".ts") && !/[._]test\.ts$/.test(e.name)) {
        await Deno.copyFile(`${ROOT}${path}`, `${STAGE_DIR}/${path}`);
      }
    }
  };
  await copy("src");
  await copy("adapters");
}

/** `repository` from the git remote "origin", if there is one. */
async function gitRepository() {
  const r = await run("git", ["config", "--get", "remote.origin.url"], {
    cwd: ROOT,
    check: false,
  }).catch(() => undefined);
  const url = r?.code === 0 ? r.stdout.trim() : "";
  // Only a hosted repository belongs in package.json: a CI clone's origin is
  // a local path, which npm would publish as a broken link.
  if (!/^(https?|ssh|git):\/\/|^git@/.test(url)) return undefined;
  return { type: "git", url: url.startsWith("git@") ? url : `git+${url}` };
}

function step(what: string): void {
  console.log(`== ${what}`);
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.main) {
  try {
    await buildNpm();
  } catch (error) {
    console.error(`build:npm FAILED: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
