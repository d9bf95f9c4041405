/**
 * Benchmark entry point (`deno task bench`). Runs every bench module's cases
 * and prints one table per transport; `--json PATH` also writes the results.
 *
 *   deno run --allow-write --allow-read --allow-env=PATH --allow-net=127.0.0.1
 *     --allow-run=nats-server,/usr/sbin/nats-server,... scripts/bench/main.ts
 *     [--events 500000] [--rounds 7] [--warmup 200000] [--filter TEXT]
 *     [--json PATH] [--no-nats] [--nats-scale 1] [--nats-rounds 5]
 *
 * `--events`, `--rounds` and `--warmup` apply to the local cases; the NATS
 * cases have their own counts (see `nats.ts`), multiplied by `--nats-scale`,
 * with `--nats-rounds` rounds. `--filter TEXT` keeps the cases whose name
 * contains TEXT (every NATS case name starts with "nats ", so `--filter nats`
 * runs only them). The NATS cases start their own `nats-server` (JetStream
 * in a temp dir, WebSocket, loopback only; `tests/nats_server.ts`) and stop
 * it at the end; `--no-nats` skips them, and then only `--allow-write` (for
 * `--json`) is needed.
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
import { localCases, payload } from "./local.ts";
import {
  formatNatsTable,
  type NatsSuite,
  natsSuites,
  type NatsTarget,
} from "./nats.ts";
import { startNatsServer } from "../../tests/nats_server.ts";

interface Args extends BenchOptions {
  json?: string;
  filter?: string;
  nats: boolean;
  natsScale: number;
  natsRounds: number;
}

const USAGE = "usage: main.ts [--events N] [--rounds N] [--warmup N] " +
  "[--filter TEXT] [--json PATH] [--no-nats] [--nats-scale F] [--nats-rounds N]";

function parseArgs(argv: string[]): Args {
  const args: Args = {
    events: 500_000,
    rounds: 7,
    warmup: 200_000,
    nats: true,
    natsScale: 1,
    natsRounds: 5,
  };
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
    else if (flag === "--no-nats") args.nats = false;
    else if (flag === "--nats-rounds") args.natsRounds = count();
    else if (flag === "--nats-scale") {
      args.natsScale = Number(value());
      if (!(args.natsScale > 0)) {
        throw new Error(`--nats-scale: expected a positive number\n${USAGE}`);
      }
    } else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (args.events < 1 || args.rounds < 1 || args.natsRounds < 1) {
    throw new Error(`--events, --rounds and --nats-rounds must be >= 1`);
  }
  return args;
}

const keep = (filter: string | undefined) => (c: BenchCase) =>
  filter === undefined || c.name.includes(filter);

function onResult(r: BenchResult): void {
  const rate = Math.round(r.medianEventsPerSec).toLocaleString("en-US");
  console.error(`  done: ${r.name} x${r.subscribers}: ${rate} events/s`);
}

/** Starts nats-server, runs the suites (one `runCases` each), stops it. */
async function runNats(
  suites: NatsSuite[],
  target: NatsTarget,
): Promise<{ results: BenchResult[]; server: string; seconds: number }> {
  const started = performance.now();
  await using server = await startNatsServer();
  target.wsUrl = server.wsUrl;
  const varz = await fetch(`http://127.0.0.1:${server.monitorPort}/varz`);
  const version = (await varz.json()).version as string;
  console.error(`nats-server ${version} at ${server.wsUrl}`);
  const results: BenchResult[] = [];
  for (const s of suites) {
    results.push(...await runCases(s.cases, s.options, onResult));
  }
  return {
    results,
    server: version,
    seconds: (performance.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const cases: BenchCase[] = localCases().filter(keep(args.filter));
  const target: NatsTarget = { wsUrl: "" };
  const suites = !args.nats ? [] : natsSuites(target, {
    scale: args.natsScale,
    rounds: args.natsRounds,
  }).map((s) => ({ ...s, cases: s.cases.filter(keep(args.filter)) }))
    .filter((s) => s.cases.length > 0);
  if (cases.length === 0 && suites.length === 0) {
    throw new Error(`no case matches --filter ${JSON.stringify(args.filter)}`);
  }
  console.log(
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, ${Deno.build.os}-${Deno.build.arch}; ` +
      `payload ${JSON.stringify(payload).length} bytes of JSON`,
  );
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    deno: Deno.version,
    platform: `${Deno.build.os}-${Deno.build.arch}`,
    // The local counts, kept at the top level as before the NATS suites.
    options: { events: args.events, rounds: args.rounds, warmup: args.warmup },
    payloadBytes: JSON.stringify(payload).length,
  };
  const results: BenchResult[] = [];
  if (cases.length > 0) {
    const local = await runCases(cases, args, onResult);
    results.push(...local);
    const table = formatTable(local);
    console.log(
      `\nlocal: ${
        args.events.toLocaleString("en-US")
      } events x ${args.rounds} rounds ` +
        `after ${args.warmup.toLocaleString("en-US")} warm-up\n\n${table}`,
    );
    console.log(
      "\nevents/s = publishes per second (each reaches every subscriber); " +
        "ratio = vs raw EventTarget at the same subscriber count",
    );
    report.local = { table };
  }
  if (suites.length > 0) {
    const nats = await runNats(suites, target);
    results.push(...nats.results);
    const table = formatNatsTable(nats.results, suites);
    console.log(
      `\nnats: nats-server ${nats.server} on loopback (WebSocket, JetStream ` +
        `file store), each case after warm-up, median of rounds ` +
        `(${nats.seconds.toFixed(1)} s in all)\n\n${table}`,
    );
    console.log(
      "\nevents/s = events received by the subscriber on another connection " +
        "(fan-out) or publishes acknowledged by JetStream (durable), " +
        "end to end; ratio = vs the suite's raw @nats-io baseline",
    );
    report.nats = {
      server: nats.server,
      seconds: nats.seconds,
      suites: suites.map((s) => ({
        suite: s.suite,
        inFlight: s.inFlight,
        options: s.options,
      })),
      table,
    };
  }
  if (args.json !== undefined) {
    report.results = results;
    await Deno.writeTextFile(args.json, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
}

await main();
