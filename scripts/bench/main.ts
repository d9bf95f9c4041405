/**
 * Benchmark entry point (`deno task bench`). Runs the selected suites and
 * prints one table per suite, then the issue's targets with met / not met;
 * `--json PATH` also writes every result.
 *
 *   deno run --allow-write --allow-read --allow-env=PATH,DEBUG
 *     --allow-net=127.0.0.1 --allow-run scripts/bench/main.ts
 *     [--suite local,nats,latency,async,memory,runtimes,outbox] [--quick]
 *     [--filter TEXT]
 *     [--json PATH] [--no-nats]
 *     [--events N] [--rounds N] [--warmup N] [--local-repeats N]
 *     [--nats-scale F] [--nats-rounds N]
 *     [--latency-samples N] [--latency-rates N,N] [--latency-seconds S]
 *     [--latency-runtimes deno,node22,node24,bun,chromium] [--latency-trials N]
 *     [--async-events N] [--memory-scale F]
 *     [--outbox-events N] [--outbox-relay-events N] [--outbox-rounds N]
 *
 * Suites (all by default; `--suite` takes a comma-separated list):
 *
 * - `local`: local throughput vs raw EventTarget, raw EventTarget plus the
 *   same zod parse (the floor of a validating bus), eventemitter3, mitt
 *   (`local.ts`); each case in a fresh isolate, the list gone through
 *   `--local-repeats` times (`isolated.ts`); `--events`, `--rounds`,
 *   `--warmup`.
 * - `nats`: NATS throughput vs raw @nats-io (`nats.ts`); counts times
 *   `--nats-scale`, `--nats-rounds` rounds.
 * - `latency`: p50/p99/max, local publish -> handler and -> `events()`
 *   (`--latency-samples` after a quarter as many warm-up events;
 *   `latency.ts`), and NATS end to end at each of `--latency-rates`
 *   events/s for `--latency-seconds` on every runtime of
 *   `--latency-runtimes` against one nats-server: Deno here, Node 22,
 *   Node 24 and Bun in their own processes, Chromium in a page, each with
 *   its raw clients beside the bus; each case and rate `--latency-trials`
 *   times, the median run reported (`latency_nats_suite.ts`).
 * - `async`: `await publish` with async handlers and `events()` vs emittery
 *   `await emit` (`async.ts`); `--async-events` per round, `--rounds`.
 * - `memory`: heap and RSS before/after, one child process per scenario
 *   (`memory.ts`); counts times `--memory-scale`.
 * - `outbox`: the transactional outbox and the idempotent inbox
 *   (`outbox.ts`) on SQLite and a private PostgreSQL (started by the suite
 *   with `tests/postgres_server.ts`; its cases are skipped with a note when
 *   PostgreSQL is not installed), through a local and a nats bus: a
 *   transaction with `outbox.add` vs commit-then-`await bus.publish`, µs
 *   per event; a relay draining `--outbox-relay-events` committed events vs
 *   direct publishes, events/s; an `idempotent()` handler vs the same write
 *   in a plain transaction, µs per event; `--outbox-events` per round,
 *   `--outbox-rounds` rounds, the cases of a group interleaved.
 * - `runtimes`: the local and async cases under Node 24 (the built npm
 *   package; `build:npm` first if there is no tarball or it is older than
 *   the sources) and Bun (the source), each in its own process running the
 *   same runtime-neutral code (`portable.ts`, `runtimes.ts`), ratios vs the
 *   baselines of that process; the local and async counts. The runtimes are
 *   installed from the npm registry into `.cache/runtimes/` on first use
 *   (scripts/runtimes/tools.ts).
 *
 * They run in the order local, async, latency, nats, outbox, memory,
 * runtimes: the
 * suites that time local buses in this process come before any NATS bus has
 * made the shared bus code (`BaseEventBus.publish`, `deliver`) polymorphic;
 * run after the NATS suites, the local bus's async rows were a third or more
 * slower on the development machine. The runtimes suite comes last: it only
 * waits for its child processes, and its first run installs tools.
 *
 * `--quick` shortens everything for a CI smoke run (under a minute); flags
 * given explicitly still win. `--filter TEXT` keeps the cases whose name
 * contains TEXT (NATS case names start with "nats ", memory ones with
 * "memory:", async ones with "async:", local latency ones with "latency";
 * the runtimes suite filters the local and async names).
 * `--no-nats` drops every case that needs a nats-server. The NATS cases
 * start their own `nats-server` (JetStream in a temp dir, WebSocket,
 * loopback only; `tests/nats_server.ts`) once, and stop it at the end.
 *
 * Permissions: `--allow-run` for the memory suite's child processes
 * (`Deno.execPath()` when it is allowed, else `deno` from PATH), nats-server
 * for the NATS cases, and the runtimes suite's npm, Node and Bun binaries
 * under `.cache/runtimes/` (and `build:npm`'s tools), whose paths a fixed
 * list cannot name; `--allow-env=DEBUG` because emittery reads
 * `process.env.DEBUG` on every `emit`, `PATH` to find npm.
 *
 * The bench fails (exits non-zero) when a case delivers a wrong count; a
 * missed performance target is only reported.
 *
 * @module
 */

import {
  type BenchCase,
  type BenchOptions,
  type BenchResult,
  formatBytes,
  formatTable,
  formatUs,
  runCases,
} from "./harness.ts";
import { formatLocalTable, localCases, payload } from "./local.ts";
import { runIsolated } from "./isolated.ts";
import { defaultSocket } from "../../adapters/nats_socket_deno.ts";
import {
  formatNatsTable,
  type NatsSuite,
  natsSuites,
  type NatsTarget,
} from "./nats.ts";
import {
  formatLatencyTable,
  latencyCases,
  type LatencyOptions,
  runLatencyCases,
} from "./latency.ts";
import {
  formatNatsLatencyTable,
  judgeLatency,
  LATENCY_RUNTIMES,
  type LatencyRuntime,
  runNatsLatencySuite,
} from "./latency_nats_suite.ts";
import { asyncCases } from "./async.ts";
import {
  formatMemoryTable,
  HEAP_BOUND,
  memoryScenarios,
  runMemoryScenario,
} from "./memory.ts";
import {
  formatRuntimesTable,
  runRuntimes,
  type RuntimesOptions,
} from "./runtimes.ts";
import { portableCases } from "./portable.ts";
import {
  formatOutboxTable,
  type OutboxBenchOptions,
  runOutboxSuite,
} from "./outbox.ts";
import { type NatsServer, startNatsServer } from "../../tests/nats_server.ts";

const SUITES = [
  "local",
  "nats",
  "latency",
  "async",
  "memory",
  "runtimes",
  "outbox",
] as const;
type Suite = typeof SUITES[number];

interface Counts extends BenchOptions {
  natsScale: number;
  natsRounds: number;
  latencySamples: number;
  latencyRates: number[];
  latencySeconds: number;
  latencyRuntimes: LatencyRuntime[];
  /** NATS latency: runs per case and rate, the median one reported. */
  latencyTrials: number;
  asyncEvents: number;
  memoryScale: number;
  /** Times the local list is gone through, each case in a fresh isolate. */
  localRepeats: number;
  /** Outbox: events per round of the publish and inbox cases. */
  outboxEvents: number;
  /** Outbox: committed events a relay drains per round. */
  outboxRelayEvents: number;
  outboxRounds: number;
}

interface Args extends Counts {
  suites: Set<Suite>;
  quick: boolean;
  json?: string;
  filter?: string;
  nats: boolean;
}

const FULL: Counts = {
  events: 500_000,
  rounds: 7,
  warmup: 200_000,
  natsScale: 1,
  natsRounds: 5,
  latencySamples: 200_000,
  latencyRates: [1000, 10_000],
  latencySeconds: 3,
  latencyRuntimes: [...LATENCY_RUNTIMES],
  latencyTrials: 3,
  asyncEvents: 100_000,
  memoryScale: 1,
  localRepeats: 3,
  outboxEvents: 500,
  outboxRelayEvents: 2000,
  outboxRounds: 5,
};

const QUICK: Counts = {
  events: 50_000,
  rounds: 3,
  warmup: 20_000,
  natsScale: 0.1,
  natsRounds: 2,
  latencySamples: 20_000,
  latencyRates: [1000],
  latencySeconds: 2,
  latencyRuntimes: ["deno"],
  latencyTrials: 1,
  asyncEvents: 20_000,
  memoryScale: 0.1,
  localRepeats: 1,
  outboxEvents: 100,
  outboxRelayEvents: 300,
  outboxRounds: 2,
};

const USAGE = "usage: main.ts [--suite " + SUITES.join(",") + "] [--quick] " +
  "[--filter TEXT] [--json PATH] [--no-nats] [--events N] [--rounds N] " +
  "[--warmup N] [--local-repeats N] [--nats-scale F] [--nats-rounds N] [--latency-samples N] " +
  "[--latency-rates N,N] [--latency-seconds S] " +
  "[--latency-runtimes deno,node22,node24,bun,chromium] [--latency-trials N] " +
  "[--async-events N] " +
  "[--memory-scale F] [--outbox-events N] [--outbox-relay-events N] " +
  "[--outbox-rounds N]";

function parseArgs(argv: string[]): Args {
  const given: Partial<Counts> = {};
  const args = {
    suites: new Set<Suite>(SUITES),
    quick: false,
    nats: true,
  } as Args;
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
    const positive = () => {
      const n = Number(value());
      if (!(n > 0) || !Number.isFinite(n)) {
        throw new Error(`${flag}: expected a positive number\n${USAGE}`);
      }
      return n;
    };
    if (flag === "--events") given.events = count();
    else if (flag === "--rounds") given.rounds = count();
    else if (flag === "--local-repeats") given.localRepeats = count();
    else if (flag === "--warmup") given.warmup = count();
    else if (flag === "--json") args.json = value();
    else if (flag === "--filter") args.filter = value();
    else if (flag === "--no-nats") args.nats = false;
    else if (flag === "--quick") args.quick = true;
    else if (flag === "--nats-rounds") given.natsRounds = count();
    else if (flag === "--nats-scale") given.natsScale = positive();
    else if (flag === "--latency-samples") given.latencySamples = count();
    else if (flag === "--latency-rates") {
      given.latencyRates = value().split(",").map((v) => {
        const n = Number(v);
        if (!(n > 0)) throw new Error(`--latency-rates: ${v}\n${USAGE}`);
        return n;
      });
    } else if (flag === "--latency-runtimes") {
      given.latencyRuntimes = value().split(",").map((v) => {
        if (!(LATENCY_RUNTIMES as readonly string[]).includes(v)) {
          throw new Error(`--latency-runtimes: unknown ${v}\n${USAGE}`);
        }
        return v as LatencyRuntime;
      });
    } else if (flag === "--latency-seconds") given.latencySeconds = positive();
    else if (flag === "--async-events") given.asyncEvents = count();
    else if (flag === "--memory-scale") given.memoryScale = positive();
    else if (flag === "--outbox-events") given.outboxEvents = count();
    else if (flag === "--outbox-relay-events") {
      given.outboxRelayEvents = count();
    } else if (flag === "--outbox-rounds") given.outboxRounds = count();
    else if (flag === "--suite") {
      const names = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const name of names) {
        if (!(SUITES as readonly string[]).includes(name)) {
          throw new Error(`--suite: unknown suite ${name}\n${USAGE}`);
        }
      }
      args.suites = new Set(names as Suite[]);
    } else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  Object.assign(args, args.quick ? QUICK : FULL, given);
  if (
    args.events < 1 || args.rounds < 1 || args.natsRounds < 1 ||
    args.latencySamples < 1 || args.asyncEvents < 1 ||
    args.outboxEvents < 1 || args.outboxRelayEvents < 1 ||
    args.outboxRounds < 1
  ) {
    throw new Error(
      `--events, --rounds, --nats-rounds, --latency-samples, --async-events and the --outbox- counts must be >= 1`,
    );
  }
  return args;
}

const keep = (filter: string | undefined) => (c: { name: string }) =>
  filter === undefined || c.name.includes(filter);

function onResult(r: BenchResult): void {
  const rate = Math.round(r.medianEventsPerSec).toLocaleString("en-US");
  const latency = r.latency === undefined
    ? ""
    : `, p50 ${formatUs(r.latency.p50Us)}, p99 ${formatUs(r.latency.p99Us)}`;
  console.error(
    `  done: ${r.name} x${r.subscribers}: ${rate} events/s${latency}`,
  );
}

/** Starts nats-server on first use; `stop()` stops it if it was started. */
class LazyServer {
  #server: NatsServer | undefined;
  version = "";

  async wsUrl(): Promise<string> {
    if (this.#server === undefined) {
      this.#server = await startNatsServer();
      const varz = await fetch(
        `http://127.0.0.1:${this.#server.monitorPort}/varz`,
      );
      this.version = (await varz.json()).version as string;
      console.error(`nats-server ${this.version} at ${this.#server.wsUrl}`);
    }
    return this.#server.wsUrl;
  }

  /** The TCP URL of the server started by `wsUrl()`. */
  get natsUrl(): string | undefined {
    return this.#server?.natsUrl;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server?.[Symbol.asyncDispose]();
  }
}

interface Target {
  target: string;
  /** The case(s) it is judged on, and what they showed. */
  measured: string;
  met: boolean;
}

/** The issue's targets, judged on this run's results (when they ran). */
function judgeTargets(results: BenchResult[]): Target[] {
  const targets: Target[] = [];
  const find = (name: string, subscribers = 1) =>
    results.find((r) => r.name === name && r.subscribers === subscribers);
  const asyncRows = results.filter((r) =>
    r.suite === "async" && r.name.startsWith("async: local bus")
  );
  if (asyncRows.length > 0) {
    const worst = Math.min(...asyncRows.map((r) => r.ratio ?? 0));
    targets.push({
      target: "async paths >= 3x emittery await emit",
      measured: asyncRows.map((r) =>
        `${
          r.name.replace("async: local bus await publish, ", "")
        } x${r.subscribers}: ${r.ratio?.toFixed(2)}x`
      ).join("; "),
      met: worst >= 3,
    });
  }
  const handler = find(
    "latency local, publish -> handler: local bus, validate on",
  );
  if (handler?.latency) {
    targets.push({
      target: "local p99 publish -> handler < 50 µs",
      measured: `validate on: p99 ${formatUs(handler.latency.p99Us)} (p50 ${
        formatUs(handler.latency.p50Us)
      }, max ${formatUs(handler.latency.maxUs)})`,
      met: handler.latency.p99Us < 50,
    });
  }
  const churn = results.find((r) =>
    r.suite === "memory" && r.name.includes("churn")
  );
  if (churn?.memory) {
    const m = churn.memory;
    targets.push({
      target: `no memory growth after warm-up in the churn case (heap < ${
        HEAP_BOUND / 1024 / 1024
      } MiB)`,
      measured: `heap ${formatBytes(m.heapGrowth)} over ${
        m.units.toLocaleString("en-US")
      } cycles after ${m.warmupUnits.toLocaleString("en-US")} warm-up, then ${
        formatBytes(m.heapGrowthAgain)
      } over as many again (RSS ${formatBytes(m.rssGrowth)}, then ${
        formatBytes(m.rssGrowthAgain)
      })`,
      met: m.met,
    });
  }
  return targets;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const want = (s: Suite) => args.suites.has(s);
  const f = keep(args.filter);
  const target: NatsTarget = { wsUrl: "" };
  const local: BenchCase[] = want("local") ? localCases().filter(f) : [];
  const suites = !want("nats") || !args.nats ? [] : natsSuites(target, {
    scale: args.natsScale,
    rounds: args.natsRounds,
  }).map((s): NatsSuite => ({ ...s, cases: s.cases.filter(f) }))
    .filter((s) => s.cases.length > 0);
  const latencyOptions: LatencyOptions = {
    samples: args.latencySamples,
    warmup: Math.ceil(args.latencySamples / 4),
  };
  const latency = !want("latency") ? [] : latencyCases(latencyOptions)
    .filter(f);
  const natsLatency = want("latency") && args.nats
    ? {
      rates: args.latencyRates,
      seconds: args.latencySeconds,
      warmupSeconds: args.quick ? 0.5 : 2,
      trials: args.latencyTrials,
      runtimes: args.latencyRuntimes,
      ...(args.filter === undefined ? {} : { filter: args.filter }),
    }
    : undefined;
  const asyncList: BenchCase[] = want("async") ? asyncCases().filter(f) : [];
  const asyncOptions: BenchOptions = {
    events: args.asyncEvents,
    rounds: args.rounds,
    warmup: Math.ceil(args.asyncEvents / 5),
  };
  const localOptions: BenchOptions = {
    events: args.events,
    rounds: args.rounds,
    warmup: args.warmup,
  };
  const runtimesOptions: RuntimesOptions = {
    local: localOptions,
    async: asyncOptions,
    ...(args.filter === undefined ? {} : { filter: args.filter }),
  };
  const runtimes = want("runtimes")
    ? Object.values(portableCases(runtimesOptions)).flat()
    : [];
  const memory = !want("memory") ? [] : memoryScenarios(args.memoryScale)
    .filter(f).filter((s) => args.nats || !s.nats);
  const outbox: OutboxBenchOptions | undefined = want("outbox")
    ? {
      events: args.outboxEvents,
      relayEvents: args.outboxRelayEvents,
      rounds: args.outboxRounds,
      nats: args.nats,
      ...(args.filter === undefined ? {} : { filter: args.filter }),
    }
    : undefined;
  if (
    local.length + suites.length + latency.length + asyncList.length +
          memory.length + runtimes.length === 0 &&
    natsLatency === undefined &&
    outbox === undefined
  ) {
    throw new Error(
      `no case selected (--suite ${[...args.suites].join(",")}, --filter ${
        JSON.stringify(args.filter)
      })`,
    );
  }
  const began = performance.now();
  console.log(
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, ${Deno.build.os}-${Deno.build.arch}; ` +
      `payload ${JSON.stringify(payload).length} bytes of JSON` +
      (args.quick ? "; --quick (short counts, for smoke runs)" : ""),
  );
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    deno: Deno.version,
    platform: `${Deno.build.os}-${Deno.build.arch}`,
    // The local counts, kept at the top level as before the other suites.
    options: { events: args.events, rounds: args.rounds, warmup: args.warmup },
    quick: args.quick,
    suites: [...args.suites],
    payloadBytes: JSON.stringify(payload).length,
  };
  const results: BenchResult[] = [];
  const extraTargets: Target[] = [];
  await using server = new LazyServer();

  if (local.length > 0) {
    const all = localCases();
    const rows = await runIsolated(
      local,
      (c) =>
        all.findIndex((x) =>
          x.name === c.name && x.subscribers === c.subscribers
        ),
      localOptions,
      args.localRepeats,
      onResult,
    );
    results.push(...rows);
    const table = formatLocalTable(rows);
    console.log(
      `\nlocal: ${
        args.events.toLocaleString("en-US")
      } events x ${args.rounds} rounds ` +
        `after ${args.warmup.toLocaleString("en-US")} warm-up, each case ` +
        `in a fresh isolate, ${args.localRepeats} times interleaved\n\n${table}`,
    );
    console.log(
      "\nevents/s = publishes per second (each reaches every subscriber); " +
        "ratio = vs raw EventTarget at the same subscriber count; vs floor = " +
        "a validating bus vs the raw dispatch plus the same zod parse",
    );
    report.local = { table };
  }

  if (asyncList.length > 0) {
    const options = asyncOptions;
    const rows = await runCases(asyncList, options, onResult);
    results.push(...rows);
    const table = formatTable(rows);
    console.log(
      `\nasync: ${
        options.events.toLocaleString("en-US")
      } events x ${options.rounds} rounds after ${
        options.warmup.toLocaleString("en-US")
      } warm-up, the publisher awaiting each\n\n${table}`,
    );
    console.log(
      "\nevents/s = awaited publishes per second, each seen by every listener, " +
        "handler or iterator; ratio = vs emittery await emit with as many listeners",
    );
    report.async = { options, table };
  }

  if (latency.length > 0) {
    const started = performance.now();
    const rows = await runLatencyCases(latency, onResult);
    const seconds = (performance.now() - started) / 1000;
    results.push(...rows);
    const table = formatLatencyTable(rows, latency);
    console.log(
      `\nlatency local: ${
        latencyOptions.samples.toLocaleString("en-US")
      } samples after ${
        latencyOptions.warmup.toLocaleString("en-US")
      } warm-up (${seconds.toFixed(1)} s)\n\n${table}`,
    );
    console.log(
      "\npublish call -> handler entry / for-await body, one event at a time; " +
        "events/s = rate achieved while sampling; p50 ratio = p50 / the " +
        "suite baseline's p50 (lower is better)",
    );
    report.latency = { options: latencyOptions, seconds, table };
  }

  if (natsLatency !== undefined) {
    const started = performance.now();
    const wsUrl = await server.wsUrl();
    const runs = await runNatsLatencySuite(
      { wsUrl, natsUrl: server.natsUrl! },
      natsLatency,
    );
    const seconds = (performance.now() - started) / 1000;
    const table = formatNatsLatencyTable(runs);
    console.log(
      `\nlatency nats: publish -> handler on another connection, offered ` +
        `open loop after ${natsLatency.warmupSeconds} s of warm-up at the ` +
        `same rate; nats-server ${server.version} on loopback, 176-byte ` +
        `payload (${seconds.toFixed(1)} s)\n\n${table}`,
    );
    console.log(
      "\nraw wsconnect = nats-core over the runtime's global WebSocket; " +
        "raw js.publish = JetStream publish with msgID + consume(); bus = " +
        "createEventBus with its default configuration (Deno and Node: npm " +
        "ws, TCP_NODELAY; Bun and Chromium: their own WebSocket)",
    );
    extraTargets.push(...judgeLatency(runs));
    report.latencyNats = { options: natsLatency, seconds, table, runs };
  }

  if (suites.length > 0) {
    const started = performance.now();
    target.wsUrl = await server.wsUrl();
    // The raw baselines use the bus's socket (see rawOptions in nats.ts).
    target.wsFactory = await defaultSocket();
    const rows: BenchResult[] = [];
    for (const s of suites) {
      rows.push(...await runCases(s.cases, s.options, onResult));
    }
    const seconds = (performance.now() - started) / 1000;
    results.push(...rows);
    const table = formatNatsTable(rows, suites);
    console.log(
      `\nnats: nats-server ${server.version} on loopback (WebSocket, JetStream ` +
        `file store), each case after warm-up, median of rounds ` +
        `(${seconds.toFixed(1)} s in all)\n\n${table}`,
    );
    console.log(
      "\nevents/s = events received by the subscriber on another connection " +
        "(fan-out) or publishes acknowledged by JetStream (durable), " +
        "end to end; ratio = vs the suite's raw @nats-io baseline",
    );
    report.nats = {
      server: server.version,
      seconds,
      suites: suites.map((s) => ({
        suite: s.suite,
        inFlight: s.inFlight,
        options: s.options,
      })),
      table,
    };
  }

  if (outbox !== undefined) {
    const started = performance.now();
    const run = await runOutboxSuite(outbox, () => server.wsUrl(), onResult);
    const seconds = (performance.now() - started) / 1000;
    for (const note of run.skipped) console.log(`\noutbox: ${note}`);
    if (run.results.length > 0) {
      results.push(...run.results);
      const table = formatOutboxTable(run);
      console.log(
        `\noutbox: SQLite ${run.sqliteVersion} (node:sqlite, a WAL file, ` +
          `synchronous=NORMAL)${
            run.postgresVersion
              ? `, PostgreSQL ${run.postgresVersion} (private, loopback, ` +
                `fsync=off; postgres.js)`
              : ""
          }${
            server.version
              ? `, nats-server ${server.version} (file stream)`
              : ""
          }; each group's cases interleaved, median of rounds after a ` +
          `warm-up of a quarter round (${
            seconds.toFixed(1)
          } s in all)\n\n${table}`,
      );
      console.log(
        "\npublish: one event at a time, each awaited; direct = BEGIN, " +
          "INSERT the app row, COMMIT, then await bus.publish; outbox = BEGIN, " +
          "INSERT the app row, outbox.add, COMMIT (publishing is the relay's " +
          "job, measured in the relay rows); the third row also waits until " +
          "the running relay's bus.publish of that event has resolved. " +
          "relay: N events committed beforehand (not timed; over 16 subjects, " +
          "or all on one), then one relay (batch 100) timed from startRelay " +
          "until all N are published and it has stopped; direct = N awaited bus.publish on the same bus. inbox: " +
          "the handler called directly; plain = BEGIN IMMEDIATE (SQLite) / " +
          "sql.begin, INSERT one effect row, COMMIT. median = µs/event (or " +
          "events/s) of the median round; p50/p99/max = single events over " +
          "all timed rounds; ratio = µs/event over the group's first row's " +
          "(cost, higher is costlier) or events/s over its (rate)",
      );
      report.outbox = {
        options: outbox,
        seconds,
        sqlite: run.sqliteVersion,
        postgres: run.postgresVersion ?? null,
        skipped: run.skipped,
        table,
      };
    }
  }

  if (memory.length > 0) {
    const started = performance.now();
    const rows: BenchResult[] = [];
    for (const scenario of memory) {
      const wsUrl = scenario.nats ? await server.wsUrl() : "";
      const row = await runMemoryScenario(scenario, wsUrl);
      rows.push(row);
      const m = row.memory!;
      console.error(
        `  done: ${row.name}: heap growth ${formatBytes(m.heapGrowth)}, ` +
          `then ${formatBytes(m.heapGrowthAgain)}; RSS growth ${
            formatBytes(m.rssGrowth)
          }, then ${formatBytes(m.rssGrowthAgain)}`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    results.push(...rows);
    const table = formatMemoryTable(rows);
    console.log(
      `\nmemory: one fresh deno process per case, gc() before each reading ` +
        `(${seconds.toFixed(1)} s in all)\n\n${table}`,
    );
    console.log(
      "\nheap used / heap total / RSS from Deno.memoryUsage() after gc(): start = after " +
        "set-up, warm = after the warm-up, end = after the run, 2nd = after a second " +
        "run of the same size; growth = end - warm and 2nd - end; the bound applies to " +
        "heap used in both runs; RSS is shown, not bounded (V8 keeps the pages it grew into)",
    );
    report.memory = { heapBound: HEAP_BOUND, seconds, table };
  }

  if (runtimes.length > 0) {
    const started = performance.now();
    const options = runtimesOptions;
    const runs = await runRuntimes(options);
    const seconds = (performance.now() - started) / 1000;
    for (const run of runs) results.push(...run.results);
    // This process's local and async rows, for comparison.
    const denoRows = results
      .filter((r) => r.suite === "local" || r.suite === "async")
      .map((r) => ({ ...r, runtimeSuite: r.suite }));
    const deno = denoRows.length === 0 ? [] : [{
      label: `deno ${Deno.version.deno}`,
      results: denoRows,
    }];
    const table = formatRuntimesTable(runs, deno);
    console.log(
      `\nruntimes: the same local and async cases, each runtime in its own ` +
        `process: ${
          runs.map((r) => `${r.runtime} (${r.engine}) on ${r.library}`)
            .join("; ")
        }${
          deno.length ? "; deno columns: the local and async suites above" : ""
        }. Local ${localOptions.events.toLocaleString("en-US")} events x ` +
        `${localOptions.rounds} rounds after ${
          localOptions.warmup.toLocaleString("en-US")
        } warm-up; async ${asyncOptions.events.toLocaleString("en-US")} x ` +
        `${asyncOptions.rounds} after ${
          asyncOptions.warmup.toLocaleString("en-US")
        } (${seconds.toFixed(1)} s in all)\n\n${table}`,
    );
    console.log(
      "\nevents/s as in the local and async tables; ratio = vs the raw " +
        "EventTarget + new CustomEvent row (local cases) or the emittery " +
        "await emit row (async: cases) measured by the SAME runtime in the " +
        "same process, at the same subscriber count",
    );
    report.runtimes = {
      options,
      seconds,
      runtimes: runs.map(({ results: _, ...run }) => run),
      table,
    };
  }

  const targets = [...judgeTargets(results), ...extraTargets];
  if (targets.length > 0) {
    console.log("\ntargets (reported, never failing the bench):\n");
    for (const t of targets) {
      console.log(`- ${t.met ? "met" : "NOT MET"}: ${t.target}: ${t.measured}`);
    }
  }
  const seconds = (performance.now() - began) / 1000;
  console.log(`\ntotal ${seconds.toFixed(1)} s`);
  if (args.json !== undefined) {
    report.seconds = seconds;
    report.targets = targets;
    report.results = results;
    await Deno.writeTextFile(args.json, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
}

await main();
