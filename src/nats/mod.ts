/**
 * The nats transport: many instances over NATS WebSocket (`wsconnect` from
 * `@nats-io/nats-core`), with JetStream for persistence, acknowledgement,
 * replay and de-duplication. Usually reached through `createEventBus` (in
 * `@mcb/event-bus/config`) with `{ transport: "nats" }`; this entry holds
 * the transport's types and errors. The guide (connection, stream, wire
 * format, delivery guarantees, security) is `docs/nats.md`.
 *
 * @example An indexer on a NATS cluster (type-checked; it needs a nats-server)
 * ```ts
 * import { mcbEvents } from "@mcb/event-bus";
 * import { createEventBus } from "@mcb/event-bus/config";
 * import {
 *   type ConnectionStatus,
 *   PublishTimeoutError,
 * } from "@mcb/event-bus/nats";
 *
 * async function startIndexer(servers: string[]): Promise<void> {
 *   const bus = await createEventBus(mcbEvents, {
 *     transport: "nats",
 *     source: "/indexer/1",
 *     nats: { servers }, // ws:// or wss:// URLs
 *   }, {
 *     onStatus: (status: ConnectionStatus) => console.log("nats", status.type),
 *   });
 *   // One member of the group handles each event, acked once it resolved.
 *   bus.subscribe("cache.invalidate", (event) => {
 *     console.log("clear", event.data.namespace ?? "everything");
 *   }, { group: "cache-writers" });
 *   try {
 *     // Resolves once JetStream stored it.
 *     await bus.publish("indexing.started", {
 *       collection: "docs",
 *       total_files: 120,
 *     });
 *   } catch (error) {
 *     // Maybe stored: publishing again with the same `id` is safe.
 *     if (!(error instanceof PublishTimeoutError)) throw error;
 *   }
 *   await bus.close();
 * }
 * console.log(typeof startIndexer); // "function"
 * ```
 *
 * @module
 */

export { type NatsBusOptions, openNatsEventBus } from "./open_nats_bus.ts";
export type { ConnectTuning, WebSocketFactory } from "./connect.ts";
export type { NatsConnectionLike, NatsEventBus } from "./types.ts";
export type { ConnectionStatus } from "./status.ts";
export type { NatsConfig } from "./options.ts";
export { deleteGroup, resetGroup, type ResetGroupOptions } from "./groups.ts";
export {
  GroupConfigError,
  NatsConnectionError,
  PublishRejectedError,
  PublishTimeoutError,
  StreamConfigError,
} from "./errors.ts";
