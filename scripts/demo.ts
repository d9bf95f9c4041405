/**
 * A tour of @mcb/event-bus for newcomers: an indexer publishes Memory Context
 * Browser events, and separate modules (logging, metrics, cache, audit and a
 * broken notifier) react without knowing each other or the indexer.
 *
 * Run with `deno task demo` (no permissions needed). The modules live in
 * `scripts/demo/`, one file each. `--config FILE` takes the bus settings from
 * a `.json`, `.jsonc` or `.toml` file (see `loadConfig`); reading it needs
 * `deno run --allow-read scripts/demo.ts --config examples/config/local.toml`
 * (and a nats transport needs `--allow-net` as well).
 *
 * @module
 */

import {
  ConfigError,
  type ErrorHandler,
  type EventBusConfigInput,
  mcbEvents,
  ValidationError,
} from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { loadConfig } from "../src/config/mod.ts";
import { startAudit } from "./demo/audit.ts";
import { startCache } from "./demo/cache.ts";
import { runIndexer } from "./demo/indexer.ts";
import { startLogging } from "./demo/logging.ts";
import { startMetrics } from "./demo/metrics.ts";
import { startNotifier } from "./demo/notifier.ts";
import { type Bus, type DemoModule, printTable } from "./demo/shared.ts";

/** Every isolated error lands here: a throwing handler, an invalid event... */
const onError: ErrorHandler = (error, context) => {
  const message = error instanceof Error ? error.message : String(error);
  console.log(
    `[onError]  ${context.kind} error in "${context.pattern}" ` +
      `for ${context.event?.type}: ${message}`,
  );
};

/** A publish whose data breaks the schema is rejected before delivery. */
async function showValidation(bus: Bus): Promise<void> {
  try {
    await bus.publish("indexing.progress", {
      collection: "",
      processed: -1,
      total: 1.5,
    });
    throw new Error("the invalid publish was accepted");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.log(`[indexer]  rejected: ${error.message}`);
  }
}

function heading(text: string): void {
  console.log(`\n── ${text} ${"─".repeat(Math.max(0, 66 - text.length))}`);
}

/** The bus settings: `--config FILE`, or the local transport. */
async function demoConfig(args: string[]): Promise<EventBusConfigInput> {
  const at = args.findIndex((a) =>
    a === "--config" || a.startsWith("--config=")
  );
  if (at === -1) {
    return { transport: "local", source: "/demo/indexer", onError };
  }
  const file = args[at].includes("=")
    ? args[at].slice("--config=".length)
    : args[at + 1];
  if (file === undefined) throw new Error("--config needs a FILE");
  const config = await loadConfig({
    file,
    readTextFile: (path) => Deno.readTextFile(path),
    overrides: { onError },
  });
  return {
    ...config,
    source: config.source ?? "/demo/indexer",
  } as EventBusConfigInput;
}

async function main(): Promise<void> {
  const bus = await createEventBus(mcbEvents, await demoConfig(Deno.args));

  // Each module gets the bus and nothing else. The broken notifier subscribes
  // first: the modules after it still receive the event it throws on.
  const modules: DemoModule[] = [
    startNotifier(bus),
    startLogging(bus),
    startMetrics(bus),
    startCache(bus),
    startAudit(bus),
  ];

  heading(`the indexer publishes (transport: ${bus.transport})`);
  await runIndexer(bus);

  heading("an invalid publish is rejected");
  await showValidation(bus);

  heading("close: waits for async handlers, ends events() iterators");
  await bus.close();
  await Promise.all(modules.map((m) => m.done));

  heading("summary");
  printTable(modules.map((m) => ({ ...m.report() })));
  console.log("\nbus.stats()");
  printTable([{ ...bus.stats() }]);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`demo: ${error.message}`);
  Deno.exit(2);
}
