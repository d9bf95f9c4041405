/**
 * The public types of a nats transport bus: the bus, and what opening one
 * takes.
 *
 * @module
 */

import type { EventBus } from "../core/bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { BusOptions } from "../core/base_bus.ts";
import type { ConnectTuning } from "./connect.ts";
import type { NatsConfig } from "./options.ts";
import type { ConnectionStatus } from "./status.ts";

/**
 * The part of a `NatsConnection` (from `@nats-io/nats-core`) that this
 * library names in its types. Any `NatsConnection` fits, whatever its
 * transport (WebSocket, or TCP from `@nats-io/transport-node`); cast
 * `bus.connection` to `NatsConnection` for the client's full API.
 */
export interface NatsConnectionLike {
  /** The server currently connected to. */
  getServer(): string;
  /** Whether the connection is closed. */
  isClosed(): boolean;
  /** Round trip to the server: everything sent before has been processed. */
  flush(): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
  /** Resolves when the connection closes. */
  closed(): Promise<void | Error>;
}

/** An {@linkcode EventBus} over NATS, with connection status. */
export interface NatsEventBus<C extends EventCatalog = EventCatalog>
  extends EventBus<C> {
  /** The NATS connection (owned unless it was passed in). */
  readonly connection: NatsConnectionLike;
  /** Connection status changes, from now until the bus closes. */
  status(): AsyncIterableIterator<ConnectionStatus>;
}

/** Everything `openNatsEventBus` needs besides the catalog. */
export interface NatsBusOptions extends BusOptions, ConnectTuning {
  /** Validated settings (see `parseConfig`). */
  config: NatsConfig;
  /** An open `NatsConnection` to use instead of connecting; `close()` leaves it open. */
  connection?: NatsConnectionLike;
  /** Called on every connection status change. */
  onStatus?: (status: ConnectionStatus) => void;
}
