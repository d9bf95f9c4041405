/**
 * `deno task test:node`: the test suite under Node 22 and Node 24 against
 * the BUILT package, the way dnt runs tests under Node.
 *
 * 1. `build:npm` (unless --no-build), which packs the tarball.
 * 2. A scratch npm project (`.cache/runtimes/node-tests/`) installs the
 *    tarball as `@mcb/event-bus`, the Deno shims (@deno/shim-deno,
 *    @deno/shim-deno-test), TypeScript, @types/node and the tests' own npm
 *    imports at their deno.lock versions.
 * 3. The test files (scripts/runtimes/test_plan.ts) and the test-side
 *    modules they import are copied into `tree/` unchanged. Their imports of
 *    the library (`../mod.ts`, `../src/testing/mod.ts`, ...) are mapped to the
 *    package by generated modules at those paths, one per library module
 *    the tests import (found by Deno's module graph): `tree/mod.ts` is
 *    `export * from "@mcb/event-bus"`, `tree/src/testing/mod.ts` is
 *    `export * from "@mcb/event-bus/testing"` (from deno.json "exports");
 *    a module that is not an export (e.g. src/nats/codec.ts for the codec
 *    unit tests) maps to the installed package's own compiled file. `npm:`
 *    specifiers get ambient module declarations (types) and a resolve hook
 *    (tests/runtimes/npm_specifiers.mjs). No test source is rewritten.
 * 4. `tsc` type-checks all of it against the package's .d.ts files and emits
 *    JavaScript (`.ts` imports rewritten by rewriteRelativeImportExtensions);
 *    a second `tsc` checks tests/runtimes/consumer.ts as a plain Node
 *    project (no DOM lib).
 * 5. Each test file runs in its own process under each Node:
 *    `node --import deno_shim.mjs run_file.mjs <file>`.
 *
 * Usage: deno task test:node [--no-build] [--verbose] [--node=22] [--only=<substring>]
 * @module
 */
import * as V from "./versions.ts";
import {
  CACHE,
  ensureNpmProject,
  exists,
  libraryNpmPackages,
  lockedVersions,
  lockOverrides,
  nodeBinary,
  packedTarball,
  rel,
  ROOT,
  run,
  sha256File,
} from "./tools.ts";
import { planTests, testGraph } from "./test_plan.ts";
import { type FileRun, finish, printPlan, runSuite } from "./suite.ts";
import { buildNpm } from "../build_npm.ts";
import {
  ESM_DIR,
  npmSpecifierOf,
  readDenoJson,
} from "../npm_package/package_json.ts";
import { bareOfNpmSpecifier } from "../../tests/runtimes/npm_specifiers.mjs";

const SCRATCH = `${CACHE}/node-tests`;
const TREE = `${SCRATCH}/tree`;
const OUT = `${SCRATCH}/out`;
const PACKAGE_DIR = `${SCRATCH}/node_modules/@mcb/event-bus`;
const PEER_FIXTURE = "tests/fixtures/nats_peer.ts";
const CONSUMER = "tests/runtimes/consumer.ts";
/**
 * What runs under Node 20 (end of life, below the package's engines): the
 * files of the nats transport whose buses use the default socket (npm
 * `ws`), which is what makes Node 20 work: it has no global `WebSocket`.
 * Not run there: nats_inbound_test.ts, nats_connection_test.ts and
 * nats_server_test.ts, whose own raw `wsconnect` clients need a global
 * `WebSocket` (and the last one's `npm:` specifiers a resolve hook Node 20
 * lacks).
 */
const NODE20_FILES =
  /^tests\/(conformance_nats|nats_(auth|codec|delivery\w*|ephemeral|processes|socket))_test\.ts$/;
/** Runtime-side files used as they are (JavaScript). */
const RUNTIME_FILES = [
  "tests/runtimes/deno_shim.mjs",
  "tests/runtimes/run_file.mjs",
  "tests/runtimes/npm_specifiers.mjs",
];

/** Types of the `Deno.*` names the tests use as types (values are `any`). */
const DENO_TYPE_NAMES = [
  "Addr",
  "ChildProcess",
  "CommandOptions",
  "CommandOutput",
  "CommandStatus",
  "Conn",
  "DirEntry",
  "FileInfo",
  "Listener",
  "NetAddr",
  "Signal",
  "TestContext",
  "TestDefinition",
];

async function main(): Promise<number> {
  const started = Date.now();
  const flags = parseFlags(Deno.args);
  const tarball = flags.build
    ? (await buildNpm()).tarball
    : await existingTarball();

  const plan = await planTests("node");
  if (flags.only) plan.run = plan.run.filter((f) => f.includes(flags.only!));
  printPlan("node", plan);
  const graph = await testGraph([...plan.run, PEER_FIXTURE, CONSUMER]);

  console.log("== scratch project");
  const locked = await lockedVersions();
  const tarballSha = await sha256File(tarball);
  await ensureNpmProject(SCRATCH, {
    type: "module",
    dependencies: {
      "@mcb/event-bus": `file:${tarball}`,
      "@deno/shim-deno": V.SHIM_DENO,
      "@deno/shim-deno-test": V.SHIM_DENO_TEST,
      typescript: V.TYPESCRIPT,
      "@types/node": V.TYPES_NODE,
      "@types/emscripten": V.TYPES_EMSCRIPTEN,
      ...Object.fromEntries(
        [...graph.npmPackages].sort().map((n) => [n, locked.get(n)!]),
      ),
    },
    overrides: await lockOverrides([
      ...graph.npmPackages,
      ...await libraryNpmPackages(),
    ]),
    // Not an npm field: makes a rebuilt tarball a different manifest.
    mcbTarballSha256: tarballSha,
  }, {
    // npm would keep an installed package of the same version.
    beforeInstall: () =>
      Deno.remove(PACKAGE_DIR, { recursive: true }).catch(() => {}),
  });
  console.log(`  ${rel(PACKAGE_DIR)} from ${rel(tarball)}`);

  console.log("== test tree (library imports mapped to the package)");
  await writeTree(graph);

  const node = await nodeBinary(V.NODE_VERSIONS[V.NODE_VERSIONS.length - 1]);
  const tsc = `${SCRATCH}/node_modules/typescript/bin/tsc`;
  console.log(`== tsc ${V.TYPESCRIPT}: type-check the tests and compile them`);
  await tscOrThrow(node, tsc, `${SCRATCH}/tsconfig.json`);
  for (const file of RUNTIME_FILES) {
    await Deno.copyFile(`${ROOT}${file}`, `${OUT}/${file}`);
  }
  console.log(
    `== tsc ${V.TYPESCRIPT}: consumer type-check (Node project, no DOM)`,
  );
  await tscOrThrow(node, tsc, `${SCRATCH}/tsconfig.consumer.json`);
  console.log(`  ${CONSUMER}: ok`);

  const results = [];
  for (const version of [V.NODE20, ...V.NODE_VERSIONS]) {
    if (flags.node && !version.startsWith(`${flags.node}.`)) continue;
    const selected = version === V.NODE20
      ? plan.run.filter((f) => NODE20_FILES.test(f))
      : plan.run;
    const bin = await nodeBinary(version);
    const consumer = await run(bin, [js(CONSUMER)], { cwd: SCRATCH });
    console.log(`node ${version}: ${CONSUMER} runs: ${consumer.stdout.trim()}`);
    const preload = ["--import", js("tests/runtimes/deno_shim.mjs")];
    const files: FileRun[] = selected.map((file) => ({
      label: file,
      command: bin,
      args: [...preload, js("tests/runtimes/run_file.mjs"), js(file), file],
      cwd: SCRATCH,
      env: {
        MCB_PEER_COMMAND: JSON.stringify([bin, ...preload, js(PEER_FIXTURE)]),
      },
    }));
    results.push(await runSuite(`node ${version}`, files, flags));
  }
  return finish(results, started);
}

/** Writes tree/: test-side copies, library stubs, declarations, tsconfigs. */
async function writeTree(graph: Awaited<ReturnType<typeof testGraph>>) {
  await Deno.remove(TREE, { recursive: true }).catch(() => {});
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  for (const file of [...graph.testModules].sort()) {
    await Deno.mkdir(dirname(`${TREE}/${file}`), { recursive: true });
    await Deno.copyFile(`${ROOT}${file}`, `${TREE}/${file}`);
  }
  await Deno.mkdir(`${OUT}/tests/runtimes`, { recursive: true });

  // Library modules imported by the tests -> the installed package.
  const exportOf = npmSpecifierOf(await readDenoJson(ROOT));

  for (const file of [...graph.libraryImports].sort()) {
    const publicSpecifier = exportOf.get(file);
    const target = publicSpecifier ?? relative(
      dirname(`${TREE}/${file}`),
      `${PACKAGE_DIR}/${ESM_DIR}/${file.replace(/\.ts$/, ".js")}`,
    );
    const kind = publicSpecifier
      ? "export"
      : "not an export: the installed package's compiled file";
    console.log(`  ${file} -> ${target} (${kind})`);
    await Deno.mkdir(dirname(`${TREE}/${file}`), { recursive: true });
    await Deno.writeTextFile(
      `${TREE}/${file}`,
      `// Generated by scripts/runtimes/test_node.ts: ${file} of the built package.\n` +
        `export * from ${JSON.stringify(target)};\n`,
    );
  }

  // Types for `npm:` specifiers (resolved at run time by npm_specifiers.mjs).
  const npmDecls = [...graph.npmSpecifiers].sort().map((spec) =>
    `declare module ${JSON.stringify(spec)} {\n  export * from ${
      JSON.stringify(bareOfNpmSpecifier(spec))
    };\n}\n`
  );
  await Deno.writeTextFile(
    `${TREE}/npm_specifiers.d.ts`,
    "// Generated by scripts/runtimes/test_node.ts.\n" + npmDecls.join(""),
  );
  for (const spec of graph.npmSpecifiers) {
    console.log(`  ${spec} -> ${bareOfNpmSpecifier(spec)} (resolve hook)`);
  }
  // Packages that ship no types are `any` to `deno check`; the same here
  // (else tsc stops at "Could not find a declaration file").
  const untyped = [];
  for (const name of [...graph.npmPackages].sort()) {
    if (!await shipsTypes(name)) untyped.push(name);
  }
  await Deno.writeTextFile(
    `${TREE}/untyped_packages.d.ts`,
    "// Generated by scripts/runtimes/test_node.ts: npm packages without\n" +
      "// types, `any` as under `deno check`.\n" +
      untyped.map((n) =>
        `declare module ${JSON.stringify(n)};\n` +
        `declare module ${JSON.stringify(`${n}/*`)};\n`
      ).join(""),
  );
  for (const name of untyped) console.log(`  ${name}: no types, any`);
  await Deno.writeTextFile(
    `${TREE}/deno_globals.d.ts`,
    "// Generated by scripts/runtimes/test_node.ts: the `Deno` global of the\n" +
      "// tests (tests/runtimes/deno_shim.mjs) is untyped; the library's types\n" +
      "// are what this compilation checks.\n" +
      "declare global {\n" +
      "  // deno-lint-ignore no-explicit-any\n" +
      "  const Deno: any;\n" +
      "  namespace Deno {\n" +
      DENO_TYPE_NAMES.map((n) => `    type ${n} = any;\n`).join("") +
      "  }\n}\nexport {};\n",
  );

  const common = {
    target: "ES2022", // Node 22 has no `using`: downleveled
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noImplicitOverride: true,
    skipLibCheck: false,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    forceConsistentCasingInFileNames: true,
    types: ["node"],
  };
  await writeJson(`${SCRATCH}/tsconfig.json`, {
    compilerOptions: {
      ...common,
      lib: [
        "ES2023",
        "ESNext.Disposable",
        "DOM",
        "DOM.Iterable",
        "DOM.AsyncIterable",
      ],
      // pglite's .d.ts use the Emscripten globals (see versions.ts).
      types: ["node", "emscripten"],
      rootDir: "tree",
      outDir: "out",
      noEmitOnError: true,
    },
    include: ["tree/**/*.ts"],
  });
  await writeJson(`${SCRATCH}/tsconfig.consumer.json`, {
    compilerOptions: {
      ...common,
      lib: ["ES2023", "ESNext.Disposable"],
      noEmit: true,
    },
    files: [`tree/${CONSUMER}`],
  });
}

/** Whether the installed npm package `name` has its own declarations. */
async function shipsTypes(name: string): Promise<boolean> {
  const dir = `${SCRATCH}/node_modules/${name}`;
  const pkg = JSON.parse(await Deno.readTextFile(`${dir}/package.json`));
  if (pkg.types || pkg.typings) return true;
  if (/"types"\s*:/.test(JSON.stringify(pkg.exports ?? {}))) return true;
  const main = String(pkg.main ?? "index.js").replace(/\.[cm]?js$/, "");
  return await exists(`${dir}/${main}.d.ts`) ||
    await exists(`${dir}/index.d.ts`);
}

async function tscOrThrow(node: string, tsc: string, project: string) {
  const r = await run(node, [tsc, "-p", project], {
    cwd: SCRATCH,
    check: false,
  });
  if (r.code !== 0) {
    throw new Error(
      `tsc -p ${rel(project)} found errors:\n${r.stdout}${r.stderr}`,
    );
  }
}

function js(file: string): string {
  return `${OUT}/${file.replace(/\.ts$/, ".js")}`;
}

async function existingTarball(): Promise<string> {
  const tarball = await packedTarball();
  if (tarball !== undefined) return tarball;
  throw new Error(
    "no tarball: run without --no-build (or deno task build:npm)",
  );
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** Relative path from directory `from` to `to` (both absolute), "./"-prefixed. */
function relative(from: string, to: string): string {
  const a = from.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const up = a.slice(i).map(() => "..");
  const path = [...up, ...b.slice(i)].join("/");
  return up.length ? path : `./${path}`;
}

async function writeJson(path: string, value: unknown) {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}

/** Flags shared by test:node and test:bun. */
export function parseFlags(args: string[]) {
  const flags: {
    build: boolean;
    verbose: boolean;
    node?: string;
    only?: string;
  } = { build: true, verbose: false };
  for (const arg of args) {
    if (arg === "--no-build") flags.build = false;
    else if (arg === "--verbose") flags.verbose = true;
    else if (arg.startsWith("--node=")) flags.node = arg.slice(7);
    else if (arg.startsWith("--only=")) flags.only = arg.slice(7);
    else throw new Error(`unknown flag ${arg}`);
  }
  return flags;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`test:node FAILED: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
