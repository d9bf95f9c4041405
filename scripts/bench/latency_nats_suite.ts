/**
 * The NATS part of `deno task bench --suite latency`: the cases of
 * `nats_latency.ts` on every runtime against one nats-server, in one run:
 * Deno in this process, Node 22, Node 24 and Bun in their own processes
 * (`runtimes_nats.ts`), Chromium in a page (`browser_latency.ts`). One
 * table, a row per runtime, case and rate; and the targets: the bus, with
 * its default configuration, at 1,000 events/s has p50 <= 1 ms and
 * p99 <= 3 ms on every server runtime.
 *
 * @module
 */
import { alignTable, formatUs } from "./harness.ts";
import { type NatsLatencyResult, runNatsLatency } from "./nats_latency.ts";
import { SERVER_LATENCY_CASES } from "./nats_latency_tcp.ts";
import { type NatsRuntime, runNatsRuntimes } from "./runtimes_nats.ts";
import { runBrowserLatency } from "./browser_latency.ts";

/** The runtimes the suite can run on. */
export const LATENCY_RUNTIMES = [
  "deno",
  "node22",
  "node24",
  "bun",
  "chromium",
] as const;
export type LatencyRuntime = typeof LATENCY_RUNTIMES[number];

/** What the suite runs. */
export interface NatsLatencySuiteOptions {
  rates: number[];
  seconds: number;
  warmupSeconds: number;
  trials: number;
  runtimes: LatencyRuntime[];
  filter?: string;
}

/** One runtime's results. */
export interface RuntimeLatency {
  runtime: string;
  results: NatsLatencyResult[];
}

/** A target judged on the results, as main.ts prints them. */
export interface LatencyTarget {
  target: string;
  measured: string;
  met: boolean;
}

/** Runs every selected runtime, Deno first, one after another. */
export async function runNatsLatencySuite(
  target: { wsUrl: string; natsUrl: string },
  options: NatsLatencySuiteOptions,
): Promise<RuntimeLatency[]> {
  const runs: RuntimeLatency[] = [];
  const want = (r: LatencyRuntime) => options.runtimes.includes(r);
  if (want("deno")) {
    const runtime = `deno ${Deno.version.deno}`;
    const results = await runNatsLatency(
      target,
      options,
      SERVER_LATENCY_CASES,
      (r) =>
        console.error(
          `  ${runtime}: ${r.case} at ${r.rate}/s: p50 ${
            formatUs(r.p50Us)
          }, p99 ${formatUs(r.p99Us)}`,
        ),
    );
    runs.push({ runtime, results });
  }
  const others = options.runtimes.filter((r) =>
    r === "node22" || r === "node24" || r === "bun"
  ) as NatsRuntime[];
  if (others.length > 0) {
    const reports = await runNatsRuntimes({ ...options, target }, others);
    for (const report of reports) {
      runs.push({ runtime: report.runtime, results: report.results });
    }
  }
  if (want("chromium")) {
    const page = await runBrowserLatency(target.wsUrl, options);
    const version = /Chrome\/([\d.]+)/.exec(page.agent)?.[1] ?? "?";
    runs.push({ runtime: `chromium ${version}`, results: page.results });
  }
  return runs;
}

/** The table: a row per runtime, case and rate. */
export function formatNatsLatencyTable(runs: RuntimeLatency[]): string {
  const header = [
    "runtime",
    "case",
    "offered",
    "p50",
    "p99",
    "p99.9",
    "max",
    "p99 of each trial",
  ];
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [
      run.runtime,
      r.case,
      `${r.rate.toLocaleString("en-US")}/s x ${r.samples / r.rate} s`,
      formatUs(r.p50Us),
      formatUs(r.p99Us),
      formatUs(r.p999Us),
      formatUs(r.maxUs),
      r.trialsP99Us.map((us) => (us / 1000).toFixed(2)).join(" / ") + " ms",
    ])
  );
  return alignTable(header, rows);
}

/**
 * The targets: for each server runtime, each bus case at 1,000/s
 * has p50 <= 1 ms and p99 <= 3 ms (Chromium is reported, not judged).
 */
export function judgeLatency(runs: RuntimeLatency[]): LatencyTarget[] {
  const targets: LatencyTarget[] = [];
  for (const run of runs) {
    if (run.runtime.startsWith("chromium")) continue;
    for (const r of run.results) {
      if (!r.case.startsWith("bus ") || r.rate !== 1000) continue;
      targets.push({
        target: `${run.runtime}: ${r.case} at 1,000/s p50 <= 1 ms, p99 <= 3 ms`,
        measured: `p50 ${formatUs(r.p50Us)}, p99 ${formatUs(r.p99Us)}`,
        met: r.p50Us <= 1000 && r.p99Us <= 3000,
      });
    }
  }
  return targets;
}
