/**
 * Keeps a bus's NATS connection on the WebSocket transport in a process
 * that also opens connections with another nats.js transport.
 *
 * nats.js keeps one transport factory per process, set by the last
 * `connect`: after a `connect()` of `@nats-io/transport-node` (or
 * `-deno`), every later reconnect of a `wsconnect` connection dials its
 * `ws://` URLs with the TCP transport and times out, forever. The bus
 * restores the WebSocket transport right before each of its dials (nats.js
 * calls `reconnectToServer` before every dial). The other library's
 * connection has the same problem the other way round, and nothing outside
 * nats.js can fix both: next to the bus, open connections with `wsconnect`.
 *
 * Browsers and Workers have only the WebSocket transport: their
 * `#nats-socket` (`src/nats/socket.ts`) pins nothing.
 *
 * @module
 */
import {
  type NatsConnection,
  wsconnect,
  type WsConnectionOptions,
} from "@nats-io/nats-core";
import { setTransportFactory, wsUrlParseFn } from "@nats-io/nats-core/internal";

/**
 * `wsconnect`, with `options.reconnectToServer` set to restore the
 * WebSocket transport (the class of the connection's first transport)
 * before each dial.
 */
export async function connectWs(
  options: WsConnectionOptions,
): Promise<NatsConnection> {
  const ws: { transport?: new () => never } = {};
  options.reconnectToServer = () => {
    const T = ws.transport;
    if (T !== undefined) {
      setTransportFactory({
        defaultPort: 443,
        urlParseFn: wsUrlParseFn,
        factory: () => new T(),
      });
    }
    return null;
  };
  const nc = await wsconnect(options);
  const opened = (nc as unknown as { protocol?: { transport?: object } })
    .protocol?.transport;
  ws.transport = opened?.constructor as (new () => never) | undefined;
  return nc;
}
