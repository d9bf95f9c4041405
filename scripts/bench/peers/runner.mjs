// The peers bench runner (plain JavaScript, run by Node 24 from the scratch
// project scripts/bench/peers.ts installs): `node runner.mjs '<json>'` runs,
// for each library in order, (a) the open-loop latency case and (b) the
// throughput case, each on a fresh setup with its own stream (deleted after
// the case), and prints one stdout line `@@mcb-bench {json}` with every
// result. Progress goes to stderr. A failed case is reported with its error
// and the run goes on with the next case.

import { readFileSync } from "node:fs";
import process from "node:process";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  Ledger,
  now,
  offer,
  percentiles,
  sleep,
  slidingWindow,
  withTimeout,
} from "./measure.mjs";
import { library as raw } from "./raw.mjs";
import { library as ours } from "./ours.mjs";
import { library as moleculer } from "./moleculer.mjs";
import { library as nestjs } from "./nestjs.mjs";

/**
 * One library behind the common interface.
 * @typedef {object} PeerLibrary
 * @property {string} id
 * @property {string} name
 * @property {string[]} packages Installed packages whose versions are shown.
 * @property {string} connection "TCP" or "WebSocket".
 * @property {boolean} baseline
 * @property {(o: SetupOptions) => Promise<Peer>} setup Connects a publisher
 *   and a subscriber whose handler calls `receive(data)`; resolves once the
 *   subscriber is ready, so no event sent afterwards can be missed.
 *
 * @typedef {object} SetupOptions
 * @property {string} natsUrl
 * @property {string} wsUrl
 * @property {string} tag Unique per case; part of every stream name.
 * @property {(data: { id: number, sent: number }) => void} receive
 * @property {RunnerOptions} options
 *
 * @typedef {object} Peer
 * @property {string} settings How it publishes and consumes, for the table.
 * @property {string[]} streams
 * @property {(event: object) => Promise<unknown>} send Resolves on the ack.
 * @property {() => void} [check] Throws an error the library reported.
 * @property {() => Promise<void>} close
 *
 * @typedef {object} RunnerOptions
 * @property {string} natsUrl
 * @property {string} wsUrl
 * @property {number} rate
 * @property {number} seconds
 * @property {number} warmupSeconds
 * @property {number} throughputEvents
 * @property {number} throughputRounds Rounds per library; the median counts.
 * @property {number} inFlight
 * @property {number} moleculerMaxInFlight
 * @property {object} payload
 * @property {string[]} [only] Library ids to run (default: all).
 */

const MARKER = "@@mcb-bench ";
const LIBRARIES = [raw, ours, moleculer, nestjs];
const SETUP_MS = 30_000;
const CLOSE_MS = 15_000;

/** @type {RunnerOptions} */
const options = JSON.parse(process.argv[2]);
const runId = Date.now().toString(36);
let serial = 0;

/** Errors raised outside any await of the bench; they fail the case. */
const stray = [];
process.on("unhandledRejection", (reason) => void stray.push(reason));
process.on("uncaughtException", (error) => void stray.push(error));

const log = (line) => process.stderr.write(`peers: ${line}\n`);
const message = (error) =>
  error instanceof Error ? error.message : String(error);

function installedVersion(name) {
  const file = `${process.cwd()}/node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(file, "utf8")).version;
}

/** Deletes every stream whose name contains `tag`; returns their names. */
async function deleteStreams(tag) {
  const nc = await connect({ servers: options.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const names = [];
    for await (const name of jsm.streams.names()) {
      if (name.includes(tag)) names.push(name);
    }
    for (const name of names) await jsm.streams.delete(name);
    return names;
  } finally {
    await nc.close();
  }
}

/**
 * Sets `lib` up with a fresh tag, runs `body(peer, ledger)`, closes it and
 * deletes its streams, all bounded in time.
 */
async function runCase(lib, kind, total, body) {
  const tag = `${kind}${++serial}x${runId}`;
  const label = `${lib.id} ${kind}`;
  const ledger = new Ledger(label, total);
  const receive = (data) => ledger.hit(data?.id, now() - data?.sent);
  stray.length = 0;
  let peer;
  let result;
  let failure;
  try {
    const setup = lib.setup({ ...options, tag, receive, options });
    peer = await withTimeout(setup, SETUP_MS, `${label}: setup`);
    result = await body(peer, ledger, label);
    await sleep(100); // a duplicate would arrive now
    peer.check?.();
    ledger.check();
    if (stray.length > 0) throw stray[0];
  } catch (error) {
    failure = error;
  }
  // Clean up in any case; a clean-up error fails a case that passed.
  const problems = [];
  if (peer !== undefined) {
    await withTimeout(peer.close(), CLOSE_MS, `${label}: close`)
      .catch((e) => void problems.push(e));
  }
  const deleting = withTimeout(deleteStreams(tag), CLOSE_MS, "delete");
  const deleted = await deleting.catch((e) => void problems.push(e));
  if (deleted?.length === 0 && peer !== undefined) {
    problems.push(new Error(`${label}: no stream named after ${tag}`));
  }
  if (failure !== undefined) throw failure;
  if (problems.length > 0) throw problems[0];
  return { ...result, settings: peer.settings };
}

/** Waits until `pending` sends have settled; fails on the first error. */
function sendTracker(peer, label) {
  let pending = 0;
  const errors = [];
  let wake;
  return {
    send(event) {
      pending++;
      peer.send(event).catch((e) => void errors.push(e)).finally(() => {
        if (--pending === 0) wake?.();
      });
    },
    async settled() {
      if (pending > 0) {
        const done = new Promise((resolve) => (wake = resolve));
        await withTimeout(done, CLOSE_MS, `${label}: ${pending} acks`);
      }
      if (errors.length > 0) throw errors[0];
    },
  };
}

function latencyCase(lib) {
  const { rate, seconds, warmupSeconds, payload } = options;
  const warmup = Math.round(rate * warmupSeconds);
  const count = Math.round(rate * seconds);
  return runCase(lib, "lat", warmup + count, async (peer, ledger, label) => {
    const sends = sendTracker(peer, label);
    const send = (id) => sends.send({ ...payload, sent: now(), id });
    await offer(rate, warmup, 0, send);
    await ledger.until(warmup, "warm-up");
    const started = performance.now();
    await offer(rate, count, warmup, send);
    await ledger.until(warmup + count, "timed");
    const elapsed = (performance.now() - started) / 1000;
    await sends.settled();
    return {
      rate,
      seconds: elapsed,
      ...percentiles(ledger.latency.subarray(warmup)),
    };
  });
}

function throughputCase(lib) {
  const { throughputEvents: n, inFlight, payload } = options;
  // Bounded: no library may take longer than at 100 events/s.
  const boundMs = 10_000 + n * 10;
  return runCase(lib, "tput", n, async (peer, ledger, label) => {
    const started = performance.now();
    const publish = slidingWindow(
      n,
      inFlight,
      (id) => peer.send({ ...payload, sent: now(), id }),
    );
    await withTimeout(publish, boundMs, `${label}: publishing`);
    const published = (performance.now() - started) / 1000;
    await ledger.until(n, "consumed");
    const seconds = (performance.now() - started) / 1000;
    return {
      events: n,
      inFlight,
      seconds,
      publishSeconds: published,
      eventsPerSec: n / seconds,
    };
  });
}

/** Runs `run(lib)`, logging; returns the result or records the error. */
async function attempt(result, lib, key, run) {
  log(`${lib.id}: ${key} ...`);
  try {
    const value = await run(lib);
    log(`${lib.id}: ${key}: ${JSON.stringify(value)}`);
    return value;
  } catch (error) {
    result[`${key}Error`] = message(error);
    log(`${lib.id}: ${key} FAILED: ${message(error)}`);
  }
}

const began = performance.now();
const libraries = LIBRARIES.filter((lib) =>
  options.only === undefined || options.only.includes(lib.id)
);
const results = libraries.map((lib) => {
  const packages = Object.fromEntries(
    lib.packages.map((name) => [name, installedVersion(name)]),
  );
  return {
    id: lib.id,
    library: lib.name,
    version: packages[lib.packages[0]],
    packages,
    connection: lib.connection,
    baseline: lib.baseline,
    rounds: [],
  };
});
for (const [i, lib] of libraries.entries()) {
  results[i].latency = await attempt(results[i], lib, "latency", latencyCase);
}
// Throughput rounds go round-robin over the libraries, so a slow spell of
// the machine does not fall on one library only; the median round counts.
for (let round = 0; round < options.throughputRounds; round++) {
  for (const [i, lib] of libraries.entries()) {
    if (results[i].throughputError !== undefined) continue;
    const r = await attempt(results[i], lib, "throughput", throughputCase);
    if (r !== undefined) results[i].rounds.push(r);
  }
}
for (const result of results) {
  const rounds = result.rounds.sort((a, b) => a.eventsPerSec - b.eventsPerSec);
  delete result.rounds;
  if (result.throughputError !== undefined || rounds.length === 0) continue;
  result.throughput = {
    ...rounds[Math.floor(rounds.length / 2)],
    rounds: rounds.map((r) => Math.round(r.eventsPerSec)),
  };
}
const report = {
  node: process.versions.node,
  seconds: (performance.now() - began) / 1000,
  results,
};
// Some libraries keep timers or sockets after close: exit once printed.
process.stdout.write(`${MARKER}${JSON.stringify(report)}\n`, () => {
  process.exit(0);
});
