/**
 * The nats transport: many instances over NATS WebSocket (`wsconnect` from
 * `@nats-io/nats-core`), with JetStream for persistence, acknowledgement,
 * replay and de-duplication. Usually reached through `createEventBus` (in
 * `@mcb/event-bus/config`) with `{ transport: "nats" }`; this entry holds
 * the transport's types and errors.
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
