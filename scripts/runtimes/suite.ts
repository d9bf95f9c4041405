/**
 * Runs test files one process each under a runtime (tests/runtimes/run_file.mjs
 * does the in-process part), keeps each file's output in
 * `.cache/runtimes/logs/`, prints one line per file and the runtime's summary
 * line (`node 22.23.3: N passed, 0 failed`).
 * @module
 */
import { CACHE, rel, run } from "./tools.ts";
import type { TestPlan } from "./test_plan.ts";

/** How to run one test file. */
export interface FileRun {
  /** Shown in the output, e.g. "tests/conformance_local_test.ts". */
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
}

/** Counts of one runtime. */
export interface SuiteResult {
  runtime: string;
  passed: number;
  failed: number;
  ignored: number;
  files: { label: string; passed: number; failed: number; ms: number }[];
}

/** Longest a single test file may take (its process is killed after). */
const FILE_TIMEOUT_MS = 180_000;

/** Prints the plan: which files run, which do not and why. */
export function printPlan(runtime: string, plan: TestPlan): void {
  console.log(`${runtime}: ${plan.run.length} test files`);
  for (const { file, why } of plan.notRun) {
    console.log(`  not run: ${file}: ${why}`);
  }
  for (const file of plan.unclassified) {
    console.log(
      `  NOT COVERED: ${file} is new to scripts/runtimes/test_plan.ts ` +
        "(add it to the run list or to NOT_RUN with a reason)",
    );
  }
}

/** Runs the files in order; returns the counts (never throws on failures). */
export async function runSuite(
  runtime: string,
  files: FileRun[],
  options: { verbose?: boolean } = {},
): Promise<SuiteResult> {
  const slug = runtime.replace(/[^A-Za-z0-9.]+/g, "-");
  const logDir = `${CACHE}/logs/${slug}`;
  await Deno.remove(logDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(logDir, { recursive: true });
  const result: SuiteResult = {
    runtime,
    passed: 0,
    failed: 0,
    ignored: 0,
    files: [],
  };
  console.log(`== ${runtime}`);
  for (const file of files) {
    const started = Date.now();
    const out = await run(file.command, file.args, {
      cwd: file.cwd,
      env: file.env,
      check: false,
      timeoutMs: FILE_TIMEOUT_MS,
    });
    const ms = Date.now() - started;
    const output = out.stdout + out.stderr;
    const log = `${logDir}/${file.label.replace(/\//g, "_")}.log`;
    await Deno.writeTextFile(log, output);
    const marker = output.split("\n").find((l) =>
      l.startsWith("@@mcb-result ")
    );
    let counts = {
      passed: 0,
      failed: 1,
      ignored: 0,
      failures: ["(no result)"],
    };
    if (marker) counts = JSON.parse(marker.slice("@@mcb-result ".length));
    else if (out.code === 0) counts.failures = ["(exit 0 without a result)"];
    if (!marker || out.code !== 0 && counts.failed === 0) {
      counts.failed = Math.max(counts.failed, 1);
      counts.failures.push(
        `(process exit ${out.code}${out.signal ? ` ${out.signal}` : ""})`,
      );
    }
    result.passed += counts.passed;
    result.failed += counts.failed;
    result.ignored += counts.ignored;
    result.files.push({
      label: file.label,
      passed: counts.passed,
      failed: counts.failed,
      ms,
    });
    const status = counts.failed ? "FAILED" : "ok";
    console.log(
      `  ${
        status.padEnd(6)
      } ${file.label}: ${counts.passed} passed, ${counts.failed} failed` +
        `${counts.ignored ? `, ${counts.ignored} ignored` : ""} (${
          (ms / 1000).toFixed(1)
        } s)`,
    );
    if (counts.failed || options.verbose) {
      const body = output.split("\n").filter((l) =>
        !l.startsWith("@@mcb-result")
      )
        .join("\n");
      console.log(body.split("\n").map((l) => `      | ${l}`).join("\n"));
      console.log(`      (log: ${rel(log)})`);
    }
  }
  return result;
}

/** The summary line of one runtime. */
export function summaryLine(r: SuiteResult): string {
  return `${r.runtime}: ${r.passed} passed, ${r.failed} failed` +
    (r.ignored ? `, ${r.ignored} skipped` : "");
}

/** Prints every runtime's summary line; exit code 1 if anything failed. */
export function finish(results: SuiteResult[], started: number): number {
  console.log(
    `== summary (${((Date.now() - started) / 1000).toFixed(0)} s, logs in ${
      rel(CACHE)
    }/logs/)`,
  );
  for (const r of results) console.log(summaryLine(r));
  const total = results.reduce(
    (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed }),
    { passed: 0, failed: 0 },
  );
  // The plain closing line, for tools that read the last line.
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed ? 1 : 0;
}
