// The bundle budget (scripts/bundle/budget.ts): what the library itself
// adds to a browser bundle, measured as the bundle minus the same bundle of
// its bare dependencies (zod mini or classic, nats-core + jetstream) with the
// same schemas. Fails when a figure is over its budget by more than 10%.
// Sizes are deterministic for a given deno.lock, so this is not a timing
// test; `deno task bundle:budget` prints the same table.
import assert from "node:assert/strict";
import {
  CASES,
  formatBudget,
  measureBudget,
  SERVER_SOCKET_MARKERS,
  serverSocketIn,
} from "../scripts/bundle/budget.ts";
import { denoBundle } from "../scripts/bundle/deno_bundle.ts";

Deno.test("bundle budget: the library's own weight stays within budget", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bundle-budget-test-" });
  try {
    const lines = await measureBudget(dir);
    console.log(formatBudget(lines));
    assert.equal(lines.length, CASES.length);
    for (const line of lines) {
      // The baseline is a real bundle of the dependencies, smaller than the
      // bundle with the library, or the difference would mean nothing.
      assert.ok(
        line.baseline.gzipped > 1_000 &&
          line.own.gzipped > 1_000 && line.own.minified > 1_000,
        `${line.case.label}: implausible sizes ${JSON.stringify(line)}`,
      );
    }
    assert.deepEqual(lines.flatMap((l) => l.over), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundle budget: browser bundles of the nats transport hold no server socket; a Deno-platform bundle does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bundle-socket-test-" });
  try {
    const entry = new URL(
      "../scripts/bundle/entries/local_nats.ts",
      import.meta.url,
    );
    const browser = await denoBundle(entry, { output: `${dir}/browser.js` });
    assert.deepEqual(serverSocketIn(browser.code), []);
    // The markers are real: resolved for Deno (the `deno` condition of
    // #nats-socket), the same entry carries the ws adapter.
    const deno = await denoBundle(entry, {
      output: `${dir}/deno.js`,
      platform: "deno",
      minify: false,
    });
    assert.deepEqual(serverSocketIn(deno.code), [...SERVER_SOCKET_MARKERS]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
