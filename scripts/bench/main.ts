/**
 * Benchmark entry point (`deno task bench`). Runs every bench module's cases
 * and prints one table; `--json PATH` also writes the results.
 *
 *   deno run --allow-write scripts/bench/main.ts [--events 500000]
 *     [--rounds 7] [--warmup 200000] [--filter TEXT] [--json PATH]
 *
 * Needs no permission except `--allow-write` (for `--json`). Add future
 * transports (NATS) as sibling modules exporting `BenchCase[]`.
 *
 * @module
 */

import {
  type BenchCase,
  type BenchOptions,
  formatTable,
  runCases,
} from "./harness.ts";
import { localCases, payload } from "./local.ts";

interface Args extends BenchOptions {
  json?: string;
  filter?: string;
}

const USAGE =
  "usage: main.ts [--events N] [--rounds N] [--warmup N] [--filter TEXT] [--json PATH]";

function parseArgs(argv: string[]): Args {
  const args: Args = { events: 500_000, rounds: 7, warmup: 200_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v) throw new Error(`${flag}: missing value\n${USAGE}`);
      return v;
    };
    const count = () => {
      const n = Number(value().replaceAll("_", ""));
      if (!Number.isInteger(n) || n < 0) {
        throw new Error(`${flag}: expected a count\n${USAGE}`);
      }
      return n;
    };
    if (flag === "--events") args.events = count();
    else if (flag === "--rounds") args.rounds = count();
    else if (flag === "--warmup") args.warmup = count();
    else if (flag === "--json") args.json = value();
    else if (flag === "--filter") args.filter = value();
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (args.events < 1 || args.rounds < 1) {
    throw new Error(`--events and --rounds must be >= 1`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  // One entry per bench module; a NATS module would add `...natsCases()`.
  let cases: BenchCase[] = [...localCases()];
  if (args.filter) cases = cases.filter((c) => c.name.includes(args.filter!));
  console.log(
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, ${Deno.build.os}-${Deno.build.arch}; ` +
      `${args.events.toLocaleString("en-US")} events x ${args.rounds} rounds ` +
      `after ${args.warmup.toLocaleString("en-US")} warm-up; ` +
      `payload ${JSON.stringify(payload).length} bytes of JSON`,
  );
  const results = await runCases(cases, args, (r) => {
    const rate = Math.round(r.medianEventsPerSec).toLocaleString("en-US");
    console.error(`  done: ${r.name} x${r.subscribers}: ${rate} events/s`);
  });
  console.log("\n" + formatTable(results));
  console.log(
    "\nevents/s = publishes per second (each reaches every subscriber); " +
      "ratio = vs raw EventTarget at the same subscriber count",
  );
  if (args.json !== undefined) {
    const report = {
      date: new Date().toISOString(),
      deno: Deno.version,
      platform: `${Deno.build.os}-${Deno.build.arch}`,
      options: {
        events: args.events,
        rounds: args.rounds,
        warmup: args.warmup,
      },
      payloadBytes: JSON.stringify(payload).length,
      results,
    };
    await Deno.writeTextFile(args.json, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
}

await main();
