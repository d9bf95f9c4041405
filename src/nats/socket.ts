/**
 * How the nats transport opens its WebSocket when no `wsFactory` is given,
 * and the web-standard choice: the runtime's global `WebSocket`. Browsers,
 * Workers, Bun and Node 22+ set `TCP_NODELAY` on it themselves.
 *
 * The choice is made by module resolution, not at run time: `connect.ts`
 * imports `#nats-socket`, which the package's `imports` map (package.json)
 * resolves by runtime condition: `deno` and `node` to the adapters in
 * `adapters/` (npm `ws`, which sets `TCP_NODELAY`), everything else
 * (`browser`, `worker`, `workerd`, `edge-light`, `bun`, `default`) to this
 * module. So a browser or Worker bundle never contains a server socket.
 *
 * @module
 */

/**
 * Opens a WebSocket to `url` (the shape of `wsconnect`'s `wsFactory`; the
 * second argument is the client's connection options).
 */
export type WebSocketFactory = (
  url: string,
  options: unknown,
) => Promise<{ socket: WebSocket; encrypted: boolean }>;

/**
 * This runtime's default socket: `undefined`, the global `WebSocket`
 * (browsers, Workers, Bun and Node 22+ set `TCP_NODELAY` on it themselves).
 */
export function defaultSocket(): Promise<WebSocketFactory | undefined> {
  return Promise.resolve(undefined);
}

/**
 * Opens the connection: `wsconnect` itself. Browsers and Workers have only
 * nats.js's WebSocket transport; Deno, Node and Bun also keep the
 * connection's reconnects on it when another nats.js transport connects in
 * the same process (`adapters/pin_transport.ts`).
 */
export { wsconnect as connectWs } from "./client.ts";
