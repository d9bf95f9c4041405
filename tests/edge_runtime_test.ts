// The local transport's conformance suite passes inside Vercel's
// edge-runtime VM (npm `edge-runtime`, pinned in scripts/runtimes/versions.ts),
// driven by Node 22: edge-runtime does not load under Deno's npm support.
//
// tests/fixtures/edge_runtime/conformance_entry.ts is bundled with the
// project's `deno bundle` helper; tests/fixtures/edge_runtime/host.mjs, run by
// the pinned Node 22 (scripts/runtimes/tools.ts installs it and edge-runtime
// into .cache/runtimes/ on first use), turns it into a script for Node 22's
// V8 with the pinned esbuild (Node 22 cannot parse `using`), evaluates it in
// `new EdgeRuntime({ initialCode })` and prints the VM's report. Each case
// becomes a step here, so a failing case is named. It proves that the code
// really ran in the VM (its `EdgeRuntime` global, no `process`, `require`,
// `Buffer` or `Deno`), and that every case of the suite ran there, skipped
// only where tests/conformance_local_test.ts skips it, for the same reason.
import assert from "node:assert/strict";
import { denoBundle } from "../scripts/bundle/deno_bundle.ts";
import {
  edgeRuntimeProject,
  nodeBinary,
  run,
} from "../scripts/runtimes/tools.ts";
import { NODE_VERSIONS } from "../scripts/runtimes/versions.ts";
import { conformanceCases, conformanceEvents } from "../src/testing/mod.ts";
import { createLocalEventBus } from "../mod.ts";
import {
  type HostOutput,
  NO_HISTORY,
  RESULT_KEY,
  SUITES,
} from "./fixtures/edge_runtime/report.ts";
import { withTimeout } from "./_timeouts.ts";

const ENTRY = new URL(
  "./fixtures/edge_runtime/conformance_entry.ts",
  import.meta.url,
);
const HOST = new URL("./fixtures/edge_runtime/host.mjs", import.meta.url);
/** First use downloads Node 22, edge-runtime and esbuild from npm. */
const INSTALL_MS = 300_000;
/** The whole suite in the VM (about 1.2 s when it passes). */
const VM_MS = 120_000;

const NODE_22 = NODE_VERSIONS.find((v) => v.startsWith("22."));

/** Case names of the suite, and which the no-history run must skip. */
function expectedCases(): { names: string[]; skipped: Set<string> } {
  const names = conformanceCases({
    createBus: (options) => createLocalEventBus(conformanceEvents, options),
  }).map((c) => c.name);
  // tests/conformance_local_test.ts: without history, the resume and
  // replay cases.
  return {
    names,
    skipped: new Set(
      names.filter((n) =>
        n.startsWith("position()") || n.startsWith("caughtUp")
      ),
    ),
  };
}

Deno.test("edge-runtime: the local transport's conformance suite", async (t) => {
  assert.ok(NODE_22, "versions.ts pins a Node 22");
  const dir = await Deno.makeTempDir({ prefix: "mcb-edge-runtime-" });
  try {
    const [node, project] = await withTimeout(
      Promise.all([nodeBinary(NODE_22), edgeRuntimeProject()]),
      INSTALL_MS,
      "installing Node 22, edge-runtime and esbuild",
    );
    const bundle = await denoBundle(ENTRY, {
      output: `${dir}/conformance.js`,
      platform: "browser",
      // deno 2.9's `deno bundle --minify` (esbuild 0.25) drops `using`
      // declarations, so disposal never runs (evanw/esbuild#4482).
      minify: false,
    });
    const { stdout } = await run(
      node,
      [HOST.pathname, project, bundle.path, String(VM_MS)],
      { timeoutMs: VM_MS + 30_000 },
    );
    const out = JSON.parse(stdout) as HostOutput;
    const { report } = out;
    console.log(
      `edge-runtime VM on Node ${out.nodeVersion}: ${report.cases.length} ` +
        `results in ${out.ms} ms`,
    );

    await t.step("the bundle ran inside the edge VM", () => {
      assert.match(out.nodeVersion, /^v22\./);
      assert.equal(report.edgeRuntime, "edge-runtime");
      assert.deepEqual(report.globals, {
        EdgeRuntime: "string",
        process: "undefined",
        require: "undefined",
        module: "undefined",
        Buffer: "undefined",
        Deno: "undefined",
        Bun: "undefined",
      });
      // The report promise lived on the VM's global, not on Node's.
      assert.equal(out.hostResultKey, "undefined", RESULT_KEY);
    });

    for (const r of report.cases) {
      await t.step({
        name: `${r.suite}: ${r.name}`,
        ignore: r.status === "skipped",
        fn: () => {
          if (r.status !== "passed") {
            throw new Error(`failed in the edge VM: ${r.error}`);
          }
        },
      });
    }

    await t.step(
      "every case ran; skips match conformance_local_test.ts",
      () => {
        const { names, skipped } = expectedCases();
        for (const suite of SUITES) {
          const got = report.cases.filter((r) => r.suite === suite);
          assert.deepEqual(got.map((r) => r.name), names, `${suite}: cases`);
          const skips = suite === "local" ? skipped : new Set<string>();
          for (const r of got) {
            if (skips.has(r.name)) {
              assert.equal(r.status, "skipped", `${suite}: ${r.name}`);
              assert.equal(r.reason, NO_HISTORY, `${suite}: ${r.name}`);
            } else {
              assert.notEqual(r.status, "skipped", `${suite}: ${r.name}`);
            }
          }
        }
        const ran = report.cases.filter((r) => r.status !== "skipped").length;
        assert.equal(ran, names.length * SUITES.length - skipped.size);
        assert.ok(skipped.size > 0, "the suite has resume cases");
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
