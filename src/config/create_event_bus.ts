/**
 * The factory: the one place that knows every transport. It is exported by
 * `@mcb/event-bus/config`, not by the root entry, because it imports the
 * nats transport: a program or bundle that uses only the root entry
 * (`createLocalEventBus`) never loads the NATS client.
 *
 * @module
 */

import type { EventBus } from "../core/bus.ts";
import type { ConnectTuning } from "../nats/connect.ts";
import type { ConnectionStatus } from "../nats/status.ts";
import type { NatsConnectionLike, NatsEventBus } from "../nats/types.ts";
import type { EventCatalog } from "../core/catalog.ts";
import { createLocalEventBus } from "../local/local_bus.ts";
import { openNatsEventBus } from "../nats/open_nats_bus.ts";
import {
  type EventBusConfigInput,
  type NatsTransportConfigInput,
  parseConfig,
} from "./config.ts";

/**
 * Runtime objects for the nats transport. They go in `createEventBus`'s
 * configuration object, beside the serializable settings (a third argument
 * with them is still accepted).
 */
export interface CreateEventBusOptions {
  /**
   * nats: an open `NatsConnection` to use (e.g. a TCP connection from
   * `@nats-io/transport-node`); `close()` leaves it open.
   */
  connection?: NatsConnectionLike;
  /** nats: called on every connection status change. */
  onStatus?: (status: ConnectionStatus) => void;
  /** nats: creates the WebSocket on runtimes without a global one. */
  wsFactory?: ConnectTuning["wsFactory"];
}

/**
 * Creates the bus that `config` selects: `local` (default) or `nats`.
 *
 * It imports both transports. A browser page that wants the NATS client
 * fetched only when the configuration says `nats` imports this entry
 * lazily: `(await import("@mcb/event-bus/config")).createEventBus(...)`,
 * with `createLocalEventBus` from the root entry otherwise.
 *
 * @param catalog The event catalog.
 * @param config The configuration, e.g. from `configFromEnv` or
 *   `loadConfig`, with the runtime objects of {@linkcode CreateEventBusOptions}
 *   (a NATS connection to borrow, `onStatus`, `wsFactory`) beside it.
 * @param options Deprecated: the same runtime objects (the config's win).
 * @returns The bus, connected and ready.
 * @throws {ConfigError} for an invalid configuration (as a rejection).
 * @throws {NatsConnectionError} when the nats transport cannot connect.
 * @throws {StreamConfigError} when the stream exists with other settings.
 *
 * @example Choosing the transport by configuration
 * ```ts
 * import { configFromEnv, mcbEvents } from "@mcb/event-bus";
 * import { createEventBus } from "@mcb/event-bus/config";
 *
 * const bus = await createEventBus(mcbEvents, configFromEnv({}));
 * console.log(bus.transport); // "local"
 * await bus.close();
 * ```
 */
export async function createEventBus<C extends EventCatalog>(
  catalog: C,
  config: NatsTransportConfigInput & CreateEventBusOptions,
  options?: CreateEventBusOptions,
): Promise<NatsEventBus<C>>;
/**
 * Creates the bus that `config` selects (see the overload above).
 *
 * @param catalog The event catalog.
 * @param config The configuration (`{}` selects the local transport) and
 *   the nats transport's runtime objects.
 * @param options Deprecated: the runtime objects (the config's win).
 * @returns The bus, connected and ready.
 */
export async function createEventBus<C extends EventCatalog>(
  catalog: C,
  config?: EventBusConfigInput & CreateEventBusOptions,
  options?: CreateEventBusOptions,
): Promise<EventBus<C>>;
export async function createEventBus<C extends EventCatalog>(
  catalog: C,
  config: EventBusConfigInput & CreateEventBusOptions = {},
  options: CreateEventBusOptions = {},
): Promise<EventBus<C>> {
  const {
    connection = options.connection,
    onStatus = options.onStatus,
    wsFactory = options.wsFactory,
    ...settings
  } = config;
  const parsed = parseConfig(settings);
  const { source, onError, validate } = parsed;
  if (parsed.transport === "local") {
    const { history } = parsed;
    return createLocalEventBus(catalog, { source, onError, validate, history });
  }
  return await openNatsEventBus(catalog, {
    source,
    onError,
    validate,
    config: parsed.nats,
    connection,
    onStatus,
    wsFactory,
  });
}
