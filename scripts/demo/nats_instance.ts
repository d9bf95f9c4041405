/**
 * One instance of the NATS demo (`deno task demo:nats` starts two of them,
 * A and B, as separate processes). Each is a bus over NATS with the Memory
 * Context Browser catalog, configured only from environment variables
 * (`configFromEnv`), as an application would be:
 *
 * - A (the indexer) publishes indexing events and six `search.executed`.
 * - B (the cache) reacts to `indexing.completed` by publishing
 *   `cache.invalidate`, which A receives; afterwards a late subscriber on B
 *   replays the indexing history with `from: "all"`.
 * - Both join the group `search-audit`: each `search.executed` is handled by
 *   exactly one of them.
 *
 * The instances find each other through the bus: each announces
 * `service.state_changed { state: "ready" }` and waits for the other's,
 * subscribed with `from: "all"` so the order of start-up does not matter.
 * The parent writes `stop` on stdin when the demo is over.
 *
 *   deno run --allow-env --allow-net=127.0.0.1 scripts/demo/nats_instance.ts --name A
 *
 * @module
 */

import { configFromEnv, type ErrorHandler, mcbEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import { short } from "./shared.ts";

const name = Deno.args[Deno.args.indexOf("--name") + 1];
if (name !== "A" && name !== "B") {
  console.error("usage: nats_instance.ts --name A|B");
  Deno.exit(2);
}
const peer = name === "A" ? "B" : "A";
const log = (text: string) => console.log(text);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const onError: ErrorHandler = (error, context) => {
  const message = error instanceof Error ? error.message : String(error);
  log(`onError: ${context.kind} error in "${context.pattern}": ${message}`);
};

// MCB_EVENT_BUS_TRANSPORT, _SOURCE and _NATS_SERVERS come from the parent.
const bus = await createEventBus(mcbEvents, {
  ...configFromEnv(Deno.env.toObject()),
  onError,
});
log(`bus up: transport ${bus.transport}, source ${bus.source}`);

/** A promise and its resolver. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

// Both: the shared group. Each event reaches one member; the handler is
// async and the event is acked once it resolves.
const handled: string[] = [];
const group = bus.subscribe("search.executed", async (event) => {
  await sleep(40); // "store" the audit record
  handled.push(event.data.query);
  log(
    `group "search-audit": handled search "${event.data.query}" ` +
      `(published by ${event.source})`,
  );
}, { group: "search-audit" });

// Both: wait for the other instance, whenever it announced itself.
const peerReady = signal();
const presence = bus.subscribe("service.state_changed", (event) => {
  if (event.data.name === `instance-${peer}` && event.data.state === "ready") {
    peerReady.resolve();
  }
}, { from: "all" });

const mine: Promise<void>[] = [group.ready, presence.ready];

if (name === "A") {
  // A: the indexer. Receives B's cache.invalidate.
  const invalidated = signal();
  const cache = bus.subscribe("cache.invalidate", (event) => {
    log(
      `received cache.invalidate ${short(event.data)} from ${event.source}`,
    );
    invalidated.resolve();
  });
  mine.push(cache.ready);
  await Promise.all(mine);
  await announce();
  await peerReady.promise;
  log(`instance ${peer} is ready; indexing "docs"`);

  const collection = "docs";
  const total = 120;
  await bus.publish("indexing.started", { collection, total_files: total });
  for (const processed of [40, 80, 120]) {
    await bus.publish("indexing.progress", { collection, processed, total });
  }
  await bus.publish("indexing.completed", {
    collection,
    chunks: 1834,
    duration_ms: 2150,
  });
  log("published indexing.started, indexing.progress x3, indexing.completed");
  for (let i = 1; i <= 6; i++) {
    await bus.publish("search.executed", {
      query: `query ${i}`,
      collection,
      results: i,
      duration_ms: 10 + i,
    });
  }
  log("published search.executed x6 (for the search-audit group)");
  await invalidated.promise;
} else {
  // B: the cache. Reacts to indexing events; later replays their history.
  const completed = signal();
  const indexing = bus.subscribe("indexing.*", async (event) => {
    log(`${event.type.padEnd(19)} ${short(event.data)} from ${event.source}`);
    if (event.type === "indexing.completed") {
      await bus.publish("cache.invalidate", { namespace: "search" });
      log(`published cache.invalidate {"namespace":"search"}`);
      completed.resolve();
    }
  });
  mine.push(indexing.ready);
  await Promise.all(mine);
  await announce();
  await peerReady.promise;
  log(`instance ${peer} is ready`);
  await completed.promise;

  // A late subscriber: everything stored on indexing.*, from the start.
  const replayed: string[] = [];
  for await (const event of bus.events("indexing.*", { from: "all" })) {
    replayed.push(event.type.replace("indexing.", ""));
    if (event.type === "indexing.completed") break;
  }
  log(
    `replay complete: a late subscriber (from: "all") got ${replayed.length} ` +
      `stored events: ${replayed.join(", ")}`,
  );
}

async function announce(): Promise<void> {
  await bus.publish("service.state_changed", {
    name: `instance-${name}`,
    state: "ready",
    previous_state: "starting",
  });
}

// Wait for the parent's "stop" (or for stdin to close), then shut down.
const decoder = new TextDecoder();
let input = "";
for await (const chunk of Deno.stdin.readable) {
  input += decoder.decode(chunk, { stream: true });
  if (input.includes("stop")) break;
}
await bus.close();
const stats = bus.stats();
log(
  `closed; group handled ${handled.length} [${handled.join(", ")}]; ` +
    `stats: published ${stats.published}, delivered ${stats.delivered}, ` +
    `invalid ${stats.invalid}, handler errors ${stats.handlerErrors}`,
);
Deno.exit(0);
