/**
 * The NATS latency suite on the other runtimes: Node 22 and Node 24
 * (against the built package, `prepareNode`) and Bun (against the source,
 * `prepareBun`), each in its own process running `portable_nats.ts`
 * against the nats-server of this run, one after another, so the figures
 * of every runtime come from the same server and the same hour as Deno's.
 *
 * @module
 */
import * as V from "../runtimes/versions.ts";
import { testGraph } from "../runtimes/test_plan.ts";
import type {
  PortableNatsOptions,
  PortableNatsReport,
} from "./portable_nats.ts";
import {
  launcher,
  prepareBun,
  type Prepared,
  prepareNode,
  runPrepared,
  toStderr,
} from "./runtimes.ts";

const ENTRY = "scripts/bench/portable_nats.ts";

const LAUNCHER = launcher("runtimes_nats.ts", ENTRY, "runPortableNats");

/** A runtime this module can start: `node22`, `node24` or `bun`. */
export type NatsRuntime = `node${string}` | "bun";

/** Runs the NATS latency cases under each of `which`, in order. */
export async function runNatsRuntimes(
  options: PortableNatsOptions,
  which: NatsRuntime[],
): Promise<PortableNatsReport[]> {
  const graph = await testGraph([ENTRY], "scripts/bench/");
  const preparers = which.map((name): () => Promise<Prepared> => {
    if (name === "bun") return () => prepareBun(graph, LAUNCHER, "-nats");
    const version = V.NODE_VERSIONS.find((v) =>
      v.startsWith(`${name.slice(4)}.`)
    );
    if (version === undefined) throw new Error(`no pinned ${name}`);
    return () => prepareNode(graph, version, LAUNCHER, "-nats");
  });
  // Every case at every rate, warm-up included, plus set-up, per runtime.
  const perCase = options.seconds + options.warmupSeconds + 10;
  const timeoutMs = 1000 *
    (60 + perCase * options.rates.length * 5 * (options.trials ?? 1));
  const reports: PortableNatsReport[] = [];
  for (const prepare of preparers) {
    const prepared = await toStderr(prepare);
    console.error(`${prepared.label}: ${prepared.library}`);
    reports.push(
      await runPrepared<PortableNatsReport>(prepared, options, timeoutMs),
    );
  }
  return reports;
}
