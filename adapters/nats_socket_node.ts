/**
 * `#nats-socket` under Node (the `node` condition): npm `ws`, which sets
 * `TCP_NODELAY` and works on Node 20, which has no global `WebSocket`.
 *
 * @module
 */
import WebSocket from "ws";
import type { WebSocketFactory } from "../src/nats/socket.ts";
import { type WsClientClass, wsSocket } from "./ws_socket.ts";

const factory = wsSocket(WebSocket as unknown as WsClientClass);

/** Node's default socket: npm `ws`. */
export function defaultSocket(): Promise<WebSocketFactory> {
  return Promise.resolve(factory);
}

export { connectWs } from "./pin_transport.ts";
