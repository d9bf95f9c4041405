/**
 * The factory: the one place that knows every transport. Transports other
 * than `local` are loaded with a dynamic `import()`, so a local-only program
 * (or bundle) never loads the NATS client.
 *
 * @module
 */

import type { EventBus } from "../core/bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import { createLocalEventBus } from "../local/local_bus.ts";
import { type EventBusConfigInput, parseConfig } from "./config.ts";

/**
 * Creates the bus that `config` selects: `local` (default) or `nats`.
 *
 * @param catalog The event catalog.
 * @param config The configuration, e.g. from `configFromEnv`.
 * @returns The bus, connected and ready.
 * @throws {ConfigError} for an invalid configuration (as a rejection).
 *
 * @example Choosing the transport by configuration
 * ```ts
 * import { configFromEnv, createEventBus, mcbEvents } from "@mcb/event-bus";
 *
 * const bus = await createEventBus(mcbEvents, configFromEnv({}));
 * console.log(bus.transport); // "local"
 * await bus.close();
 * ```
 */
export async function createEventBus<C extends EventCatalog>(
  catalog: C,
  config: EventBusConfigInput = {},
): Promise<EventBus<C>> {
  const parsed = parseConfig(config);
  const { source, onError, validate } = parsed;
  if (parsed.transport === "local") {
    return createLocalEventBus(catalog, { source, onError, validate });
  }
  // The nats transport lands with its own module; until then say so plainly.
  await Promise.resolve();
  throw new Error(
    `transport "nats" is configured (servers: ${parsed.nats.servers.length}) but this version of @mcb/event-bus does not include the nats transport yet`,
  );
}
