// Runs the Deno.test definitions of ONE test file under Node or Bun, like
// dnt's test runner: load the Deno shim, import the file (its Deno.test
// calls only record definitions), then run them one by one in order.
//
//   node --import ./deno_shim.mjs run_file.mjs <test file> [label]
//   bun --preload ./bun_preload.mjs run_file.mjs <test file> [label]
//
// Prints one line per test ("name ... ok (12ms)", "... FAILED", "...
// ignored"), the errors, and a last line "@@mcb-result {json}" with the
// counts for scripts/runtimes/suite.ts. Exits 1 if anything failed. Like
// `deno test`, an error thrown or rejected outside a test's own promise
// while the test runs (uncaught exception, unhandled rejection) fails it.
// Sanitizers (sanitizeOps/Resources/Exit) have no equivalent here and are
// ignored; `permissions` too.
import process from "node:process";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import "./deno_shim.mjs";

const TEST_TIMEOUT_MS = Number(process.env.MCB_TEST_TIMEOUT_MS ?? 120_000);
const file = process.argv[2];
const label = process.argv[3] ?? file;
if (!file) {
  console.error("usage: run_file.mjs <test file> [label]");
  process.exit(2);
}

/** @type {{ name: string, fn: Function, ignore?: boolean, only?: boolean }[]} */
const definitions = globalThis[Symbol.for("mcb.runtimes.testDefinitions")];
const results = { passed: 0, failed: 0, ignored: 0, failures: [] };
/**
 * Errors raised outside the running test's promise and not handled by a
 * global "error" / "unhandledrejection" listener (deno_shim.mjs).
 */
const STRAY = Symbol.for("mcb.runtimes.strayErrors");

const show = (error) =>
  error instanceof Error ? (error.stack ?? String(error)) : inspect(error);

function fail(name, errors, ms) {
  results.failed++;
  results.failures.push(name);
  console.log(`${name} ... FAILED (${ms}ms)`);
  for (const error of errors) {
    console.log(
      show(error).split("\n").map((line) => `    ${line}`).join("\n"),
    );
  }
}

/** A minimal `Deno.TestContext` (with nested steps). */
function context(name, parent) {
  return {
    name,
    origin: pathToFileURL(file).href,
    parent,
    async step(nameOrDef, maybeFn) {
      const def = typeof nameOrDef === "string"
        ? { name: nameOrDef, fn: maybeFn }
        : typeof nameOrDef === "function"
        ? { name: nameOrDef.name, fn: nameOrDef }
        : nameOrDef;
      if (def.ignore) return false;
      try {
        await def.fn(context(def.name, this));
        console.log(`  step ${def.name} ... ok`);
        return true;
      } catch (error) {
        console.log(`  step ${def.name} ... FAILED`);
        throw error;
      }
    },
  };
}

async function runOne(def) {
  const started = Date.now();
  globalThis[STRAY].length = 0;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`test timed out after ${TEST_TIMEOUT_MS} ms`)),
      TEST_TIMEOUT_MS,
    );
  });
  let error;
  try {
    await Promise.race([def.fn(context(def.name)), timeout]);
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(timer);
  }
  // Let errors queued by the test's last turn surface, as Deno would report.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const errors = [
    ...(error === undefined ? [] : [error]),
    ...globalThis[STRAY].splice(0),
  ];
  const ms = Date.now() - started;
  if (errors.length) fail(def.name, errors, ms);
  else {
    results.passed++;
    console.log(`${def.name} ... ok (${ms}ms)`);
  }
}

async function main() {
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    fail(`(loading ${label})`, [error], 0);
    return;
  }
  const only = definitions.filter((d) => d.only);
  const selected = only.length ? only : definitions;
  console.log(`running ${selected.length} tests from ${label}`);
  for (const def of selected) {
    if (def.ignore) {
      results.ignored++;
      console.log(`${def.name} ... ignored`);
      continue;
    }
    await runOne(def);
  }
  if (only.length) {
    fail("(test.only is not allowed in the suite)", [
      new Error(`${only.length} test(s) use only`),
    ], 0);
  }
}

await main();
console.log(`@@mcb-result ${JSON.stringify({ label, ...results })}`);
process.exit(results.failed ? 1 : 0);
