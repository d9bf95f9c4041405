/**
 * `#nats-socket` for Bun: its global `WebSocket` (see `src/nats/socket.ts`),
 * and `connectWs` of `pin_transport.ts`, since Bun runs
 * `@nats-io/transport-node` too.
 *
 * @module
 */
export { defaultSocket } from "../src/nats/socket.ts";
export { connectWs } from "./pin_transport.ts";
