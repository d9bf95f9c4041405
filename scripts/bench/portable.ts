/**
 * The local and async cases (`local.ts`, `async.ts`) as one run that any
 * runtime can execute: web APIs and the imported packages only, no `Deno.*`,
 * no `process`. The `runtimes` suite (`runtimes.ts`) runs this file under
 * Node (against the built npm package) and Bun (against the source) through
 * a small generated launcher that passes the options and sets the
 * runtime's unhandled-rejection trap; Deno runs the same cases in
 * `main.ts`'s `local` and `async` suites.
 *
 * `runPortable` prints progress and the runtime's own tables (ratios vs the
 * baselines measured in the same process) on stderr, and one line
 * `@@mcb-bench {json}` on stdout with every result, for the parent.
 *
 * @module
 */

import {
  type BenchCase,
  type BenchOptions,
  type BenchResult,
  formatTable,
  runCases,
} from "./harness.ts";
import { localCases } from "./local.ts";
import { asyncCases } from "./async.ts";

export { setRejectionTrap } from "./harness.ts";

/** Prefix of the stdout line that carries the results. */
export const MARKER = "@@mcb-bench ";

/** The case groups, in the order they run. */
export const GROUPS = ["local", "async"] as const;
export type Group = typeof GROUPS[number];

/** What the parent asks a runtime to run. */
export interface PortableOptions {
  /** Counts per group; a group without counts is not run. */
  local?: BenchOptions;
  async?: BenchOptions;
  /** Keep the cases whose name contains this text. */
  filter?: string;
}

/** What a runtime sends back. */
export interface PortableReport {
  /** E.g. "node 24.21.0", from the launcher. */
  runtime: string;
  /** E.g. "v8 13.6.233.17", from the launcher. */
  engine: string;
  /** Every result, ratios filled per group (vs the group's baseline). */
  results: BenchResult[];
  /** The runtime's own table per group that ran. */
  tables: Partial<Record<Group, string>>;
  seconds: number;
}

/** The selected cases per group (the same names in every runtime). */
export function portableCases(
  options: PortableOptions,
): Record<Group, BenchCase[]> {
  const keep = (c: BenchCase) =>
    options.filter === undefined || c.name.includes(options.filter);
  return {
    local: options.local ? localCases().filter(keep) : [],
    async: options.async ? asyncCases().filter(keep) : [],
  };
}

/** Runs the selected cases; prints as described in the module doc. */
export async function runPortable(
  options: PortableOptions & { runtime: string; engine: string },
): Promise<PortableReport> {
  const began = performance.now();
  const cases = portableCases(options);
  const report: PortableReport = {
    runtime: options.runtime,
    engine: options.engine,
    results: [],
    tables: {},
    seconds: 0,
  };
  for (const group of GROUPS) {
    const counts = options[group];
    if (!counts || cases[group].length === 0) continue;
    const rows = await runCases(cases[group], counts, (r) => {
      const rate = Math.round(r.medianEventsPerSec).toLocaleString("en-US");
      console.error(
        `  ${options.runtime}: done: ${r.name} x${r.subscribers}: ${rate} events/s`,
      );
    });
    report.results.push(...rows);
    report.tables[group] = formatTable(rows);
    console.error(
      `\n${options.runtime} (${options.engine}), ${group}: ${
        counts.events.toLocaleString("en-US")
      } events x ${counts.rounds} rounds after ${
        counts.warmup.toLocaleString("en-US")
      } warm-up\n\n${report.tables[group]}\n`,
    );
  }
  report.seconds = (performance.now() - began) / 1000;
  console.log(MARKER + JSON.stringify(report));
  return report;
}
