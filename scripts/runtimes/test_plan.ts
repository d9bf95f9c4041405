/**
 * Which test files run under Node and Bun, which do not and why, and the
 * module graph of those that run (from `deno info --json`, i.e. Deno's own
 * resolver): the test-side modules to copy and the imports that cross into
 * the library (mod.ts, src/), which the Node run maps to the built package.
 * @module
 */
import { packageName, ROOT, run } from "./tools.ts";

/** The runtimes of `test:node` and `test:bun`. */
export type Runtime = "node" | "bun";

/** Test files of the library API (beyond the conformance and NATS files). */
const API_TESTS = [
  "config_file_test.ts",
  "sse_nats_test.ts",
  "catalog_test.ts",
  "config_env_test.ts",
  "config_secret_test.ts",
  "config_test.ts",
  "envelope_test.ts",
  "local_bus_test.ts",
  "mcb_events_test.ts",
  "publish_envelope_test.ts",
  "subject_test.ts",
  "versions_test.ts",
  "config_guidance_test.ts",
  "errors_reference_test.ts",
  "event_type_errors_test.ts",
  // The outbox and inbox (@mcb/event-bus/outbox): node:sqlite, PGlite and a
  // private PostgreSQL (through postgres.js and pg), and its test helper.
  "outbox_nats_test.ts",
  "outbox_sqlite_test.ts",
  "outbox_stores_test.ts",
  "outbox_types_test.ts",
  "postgres_server_test.ts",
];

/** Files run in place of a test file that cannot run as it is. */
export const REPLACEMENTS: Record<string, { by: string; why: string }> = {};

/** The same reason for Node and Bun. */
const both = (why: string) => ({ node: why, bun: why });

/** Test files not run on a runtime, with the reason. */
export const NOT_RUN: Record<string, Partial<Record<Runtime, string>>> = {
  "tests/architecture_test.ts": {
    node: "a static check of the .ts sources in src/ (imports, no Deno.*); " +
      "the built package has no .ts sources (it runs under Bun, on the source)",
  },
  "tests/worker_test.ts": {
    node: "Deno-only subject: a Deno Web Worker with " +
      '`deno: { permissions: "none" }` started via `Deno.execPath() run ' +
      "--unstable-worker-options`; Node has no such permission sandbox",
    bun: "Deno-only subject: a Deno Web Worker with " +
      '`deno: { permissions: "none" }` started via `Deno.execPath() run ' +
      "--unstable-worker-options`; Bun has no such permission sandbox",
  },
  "tests/browser_admin_panel_test.ts": {
    node:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "and builds the page with Deno (scripts/build_admin_panel.ts)",
    bun:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "and builds the page with Deno (scripts/build_admin_panel.ts)",
  },
  "tests/sse_test.ts": {
    node: "its end-to-end cases serve the bridge with Deno.serve (the " +
      "framing, token and resume logic runs on Node in sse_nats_test.ts)",
    bun: "its end-to-end cases serve the bridge with Deno.serve (the " +
      "framing, token and resume logic runs on Bun in sse_nats_test.ts)",
  },
  "tests/config_file_test.ts": {
    node: "some of its cases drive Deno programs (scripts/cli.ts, " +
      "scripts/schema.ts); it runs on Bun, where loadConfig is the same code",
  },
  "tests/cli_test.ts": {
    node: "its subject is scripts/cli.ts, a Deno command-line program",
    bun: "its subject is scripts/cli.ts, a Deno command-line program",
  },
  "tests/browser_sse_panel_test.ts": {
    node:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "against examples/sse-server.ts, a Deno server",
    bun:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "against examples/sse-server.ts, a Deno server",
  },
  "tests/outbox_sqlite_processes_test.ts": {
    node: "its child processes are `deno eval` programs; the same store code " +
      "runs on Node in outbox_sqlite_test.ts and outbox_stores_test.ts",
    bun: "its child processes are `deno eval` programs; the same store code " +
      "runs on Bun in outbox_sqlite_test.ts and outbox_stores_test.ts",
  },
  "tests/outbox_docs_test.ts": {
    node: "it runs docs/outbox.md's programs as written with `deno run " +
      "--check` from a scratch Deno project; the same stores run on Node in " +
      "outbox_stores_test.ts",
    bun: "it runs docs/outbox.md's programs as written with `deno run " +
      "--check` from a scratch Deno project; the same stores run on Bun in " +
      "outbox_stores_test.ts",
  },
  "tests/browser_outbox_pglite_test.ts": {
    node:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "(the outbox and inbox on PGlite, on the page and in a Worker) and " +
      "bundles the page with deno bundle",
    bun:
      "its subject is the browser: it drives Chromium with playwright-core " +
      "(the outbox and inbox on PGlite, on the page and in a Worker) and " +
      "bundles the page with deno bundle",
  },
  "tests/edge_workerd_test.ts": {
    node: "its subject is Cloudflare's workerd, driven by miniflare from Deno",
    bun: "its subject is Cloudflare's workerd, driven by miniflare from Deno",
  },
  "tests/nats_server_test.ts": {
    bun: "it imports `npm:@nats-io/...@^3.4.0` specifiers, which Bun 1.4 " +
      "cannot resolve (neither natively nor through a runtime plugin); it " +
      "tests the test helper tests/nats_server.ts, which every NATS file " +
      "exercises under Bun anyway. Runs under Node (npm: mapped by a resolve " +
      "hook)",
  },
  "tests/versions_replay_test.ts": {
    node: "its old and future producers are Deno programs started with " +
      "Deno.execPath() (tests/fixtures/versions/old_producer.ts); the " +
      "upcasting it replays runs on Node in the conformance version cases",
    bun: "its old and future producers are Deno programs started with " +
      "Deno.execPath() (tests/fixtures/versions/old_producer.ts); the " +
      "upcasting it replays runs on Bun in the conformance version cases",
  },
  "tests/bundle_budget_test.ts": {
    node: "it measures browser bundles built with deno bundle; sizes do not " +
      "depend on the runtime that runs the test",
    bun: "it measures browser bundles built with deno bundle; sizes do not " +
      "depend on the runtime that runs the test",
  },
  "tests/edge_runtime_test.ts": {
    node:
      "its subject is Vercel's edge-runtime VM, which it drives with Node 22 " +
      "from Deno",
    bun:
      "its subject is Vercel's edge-runtime VM, which it drives with Node 22 " +
      "from Deno",
  },
  "tests/protocol_asyncapi_test.ts": {
    node: "it validates with @asyncapi/parser (heavy: Spectral and its " +
      "rulesets), runs `deno fmt --check` on the Markdown it generates and " +
      "reads the committed protocol/mcb/ files; the generator is " +
      "web-standard code whose output does not depend on the runtime",
    bun: "it validates with @asyncapi/parser (heavy: Spectral and its " +
      "rulesets), runs `deno fmt --check` on the Markdown it generates and " +
      "reads the committed protocol/mcb/ files; the generator is " +
      "web-standard code whose output does not depend on the runtime",
  },
  "tests/protocol_compatibility_test.ts": {
    node: "its CLI cases drive scripts/protocol.ts, a Deno program, and it " +
      "reads the committed protocol/mcb/ snapshot; the gate is web-standard " +
      "code whose verdicts do not depend on the runtime",
    bun: "its CLI cases drive scripts/protocol.ts, a Deno program, and it " +
      "reads the committed protocol/mcb/ snapshot; the gate is web-standard " +
      "code whose verdicts do not depend on the runtime",
  },
  "tests/close_on_signal_test.ts": both(
    "it drives its subject from Deno: member processes of Deno " +
      "(tests/fixtures/signal_member.ts, via Deno.execPath()) and, for the " +
      "Node branch, of the pinned Node 24 (nodeBinary of " +
      "scripts/runtimes/tools.ts, a Deno script)",
  ),
  "tests/config_docs_test.ts": both(
    "it compares the committed docs/configuration.md and schema/ with what " +
      "the settings table generates; that text does not depend on the " +
      "runtime that runs the check",
  ),
  "tests/config_host_test.ts": both(
    "its subject is loadConfig's Deno host (adapters/config_host_deno.ts) " +
      "and Deno's --allow-env (it runs Deno.execPath() without it); Node " +
      "and Bun use adapters/config_host_node.ts",
  ),
  "tests/docs_links_test.ts": both(
    "a static check of the links in README.md and docs/ (it imports no " +
      "library code); the result does not depend on the runtime",
  ),
  "tests/errors_reference_test.ts": {
    node: "it imports every deno.json entry point's .ts source by path at " +
      "run time to compare with docs/errors.md; the built package has no " +
      ".ts sources (it runs under Bun, on the source)",
  },
  "tests/pattern_types_test.ts": both(
    "its subject is `deno check`: type-level cases and the message " +
      "`deno check` (run via Deno.execPath()) prints for a bad pattern",
  ),
  "tests/readme_quickstart_test.ts": both(
    "it drives each runtime itself from Deno: README's quick starts in " +
      "scratch projects (Deno, Node 22 from the tarball, Bun, Chromium)",
  ),
  "tests/setup_test.ts": both(
    "its subject is scripts/setup.ts (`deno task setup`), a Deno program",
  ),
};

/** The plan for one runtime. */
export interface TestPlan {
  /** Repository-relative test files to run, in order. */
  run: string[];
  /** Files not run, with why (replaced ones included). */
  notRun: { file: string; why: string }[];
  /** Test files found but not classified here (printed as NOT COVERED). */
  unclassified: string[];
}

function wanted(name: string): boolean {
  return /^(conformance|nats)_.*_test\.ts$/.test(name) ||
    API_TESTS.includes(name);
}

/** The plan for `runtime`, from the test files now in tests/. */
export async function planTests(runtime: Runtime): Promise<TestPlan> {
  const files: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}tests`)) {
    if (e.isFile && /_test\.ts$/.test(e.name)) files.push(e.name);
  }
  files.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const plan: TestPlan = { run: [], notRun: [], unclassified: [] };
  for (const name of files) {
    const file = `tests/${name}`;
    const replaced = REPLACEMENTS[file];
    const skip = NOT_RUN[file]?.[runtime];
    if (replaced) {
      plan.run.push(replaced.by);
      plan.notRun.push({
        file,
        why: `replaced by ${replaced.by}: ${replaced.why}`,
      });
    } else if (skip) plan.notRun.push({ file, why: skip });
    // Listed in NOT_RUN for another runtime only: meant to run here.
    else if (wanted(name) || file in NOT_RUN) plan.run.push(file);
    else plan.unclassified.push(file);
  }
  return plan;
}

/** Conformance first, then NATS, then the rest. */
function order(name: string): number {
  return name.startsWith("conformance_") ? 0 : name.startsWith("nats_") ? 1 : 2;
}

/** The module graph of test files, seen from the test side. */
export interface TestGraph {
  /** Repository-relative test-side modules (under `side`, tests/) to copy. */
  testModules: Set<string>;
  /** Repository-relative library modules imported from the test side. */
  libraryImports: Set<string>;
  /** `npm:` specifiers used by test-side modules. */
  npmSpecifiers: Set<string>;
  /** npm package names in the whole graph (tests and library). */
  npmPackages: Set<string>;
}

const FILE_ROOT = `file://${ROOT}`;

/**
 * Walks the graphs of `roots` (repository-relative) and stops at the
 * library boundary: anything under `side` (tests/ by default) is test side,
 * everything else it imports (mod.ts, src/) is the library. The bench's
 * `runtimes` suite passes "scripts/bench/".
 */
export async function testGraph(
  roots: string[],
  side = "tests/",
): Promise<TestGraph> {
  const graph: TestGraph = {
    testModules: new Set(),
    libraryImports: new Set(),
    npmSpecifiers: new Set(),
    npmPackages: new Set(),
  };
  const infos = await Promise.all(roots.map(async (root) => {
    const { stdout } = await run(Deno.execPath(), ["info", "--json", root], {
      cwd: ROOT,
    });
    return JSON.parse(stdout) as {
      modules: {
        kind?: string;
        npmPackage?: string;
        specifier: string;
        dependencies?: {
          specifier: string;
          code?: { specifier: string };
          type?: { specifier: string };
        }[];
      }[];
    };
  }));
  for (const info of infos) {
    for (const m of info.modules) {
      if (m.kind === "npm" && m.npmPackage) {
        graph.npmPackages.add(packageName(m.npmPackage));
      }
      const path = m.specifier.startsWith(FILE_ROOT)
        ? m.specifier.slice(FILE_ROOT.length)
        : undefined;
      if (!path?.startsWith(side)) continue;
      graph.testModules.add(path);
      for (const dep of m.dependencies ?? []) {
        if (dep.specifier.startsWith("npm:")) {
          graph.npmSpecifiers.add(dep.specifier);
        }
        const target = dep.code?.specifier ?? dep.type?.specifier;
        if (!target?.startsWith(FILE_ROOT)) continue;
        const rel = target.slice(FILE_ROOT.length);
        if (!rel.startsWith(side)) graph.libraryImports.add(rel);
      }
    }
  }
  return graph;
}
