/**
 * `deno task test:bun`: the test suite under Bun, against the SOURCE (Bun
 * runs TypeScript as it is).
 *
 * The repository has no node_modules (Deno keeps npm packages in its own
 * cache), so a scratch npm project (`.cache/runtimes/bun-tests/`) installs
 * the Deno shims and the npm packages of the tests' module graph at their
 * deno.lock versions, and `tree` there is a link to the repository. Bun
 * runs with `--preserve-symlinks`, so a
 * bare specifier of deno.json "imports" (`zod/mini`, `@nats-io/jetstream`,
 * ...) imported from `tree/src/...` resolves from the scratch node_modules.
 * (NODE_PATH would avoid the links, but Bun 1.4 ignores it for packages
 * that have "exports" and no "main", such as @nats-io/*.) `--no-install`
 * keeps Bun from fetching anything on its own. Each test file runs in its
 * own process: `bun run.mjs <file>` (run.mjs loads deno_shim.mjs and
 * run_file.mjs from the tree).
 *
 * Usage: deno task test:bun [--verbose] [--only=<substring>]
 * @module
 */
import * as V from "./versions.ts";
import {
  bunBinary,
  CACHE,
  ensureNpmProject,
  libraryNpmPackages,
  lockedVersions,
  lockOverrides,
  ROOT,
} from "./tools.ts";
import { planTests, testGraph } from "./test_plan.ts";
import { type FileRun, finish, printPlan, runSuite } from "./suite.ts";
import { parseFlags } from "./test_node.ts";

const SCRATCH = `${CACHE}/bun-tests`;
const PEER_FIXTURE = "tests/fixtures/nats_peer.ts";

async function main(): Promise<number> {
  const started = Date.now();
  const flags = parseFlags(Deno.args);
  const plan = await planTests("bun");
  if (flags.only) plan.run = plan.run.filter((f) => f.includes(flags.only!));
  printPlan("bun", plan);
  const graph = await testGraph([...plan.run, PEER_FIXTURE]);

  const locked = await lockedVersions();
  await ensureNpmProject(SCRATCH, {
    type: "module",
    dependencies: {
      "@deno/shim-deno": V.SHIM_DENO,
      "@deno/shim-deno-test": V.SHIM_DENO_TEST,
      ...Object.fromEntries(
        [...graph.npmPackages].sort().map((n) => [n, locked.get(n)!]),
      ),
    },
    overrides: await lockOverrides([
      ...graph.npmPackages,
      ...await libraryNpmPackages(),
    ]),
  });
  const bun = await bunBinary();
  const tree = `${SCRATCH}/tree`;
  // One link to the repository: Bun keeps the path of a file reached
  // through a linked directory, not that of a linked file.
  await Deno.remove(tree, { recursive: true }).catch(() => {});
  await Deno.symlink(ROOT.slice(0, -1), tree);
  // Entry points outside the links (Bun keeps the main module's real path).
  await Deno.writeTextFile(
    `${SCRATCH}/run.mjs`,
    'import "./tree/tests/runtimes/run_file.mjs";\n',
  );
  await Deno.writeTextFile(
    `${SCRATCH}/peer.mjs`,
    'import "./tree/tests/runtimes/deno_shim.mjs";\n' +
      `await import("./tree/${PEER_FIXTURE}");\n`,
  );
  const flagsOf = ["--no-install", "--preserve-symlinks"];
  const env = {
    // Bun's transpiler cache stays in .cache/ too (not in ~/.bun).
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: `${CACHE}/bun-transpiler-cache`,
    MCB_PEER_COMMAND: JSON.stringify([bun, ...flagsOf, `${SCRATCH}/peer.mjs`]),
  };
  const files: FileRun[] = plan.run.map((file) => ({
    label: file,
    command: bun,
    args: [...flagsOf, `${SCRATCH}/run.mjs`, `${tree}/${file}`, file],
    cwd: SCRATCH,
    env,
  }));
  const result = await runSuite(`bun ${V.BUN}`, files, flags);
  return finish([result], started);
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`test:bun FAILED: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
