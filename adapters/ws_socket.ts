/**
 * A {@linkcode WebSocketFactory} over npm `ws`, for server runtimes: `ws`
 * sets `TCP_NODELAY` on its socket (Deno's own `WebSocket` does not, and
 * Node 20 has none). Used by the `deno` and `node` adapters; never part of
 * a browser or Worker bundle (see `src/nats/socket.ts`).
 *
 * @module
 */
import type { WebSocketFactory } from "../src/nats/socket.ts";

/** The part of `ws`'s client class the factory uses. */
export type WsClientClass = new (
  url: string,
  options: { perMessageDeflate: boolean },
) => unknown;

/**
 * The factory `wsconnect` calls: a `ws` client, not yet open (the NATS
 * client installs its handlers and waits for `open` itself). Compression
 * is off, as nats-server's WebSocket is configured by default.
 */
export function wsSocket(WebSocket: WsClientClass): WebSocketFactory {
  return (url) =>
    Promise.resolve({
      socket: new WebSocket(url, { perMessageDeflate: false }) as WebSocket,
      encrypted: url.startsWith("wss:"),
    });
}
