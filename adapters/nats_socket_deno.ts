/**
 * `#nats-socket` under Deno (the `deno` condition): npm `ws`, because
 * Deno's own `WebSocket` client turns `TCP_NODELAY` off (strace:
 * `setsockopt(fd, SOL_TCP, TCP_NODELAY, [0])`), so paced publishes wait
 * for delayed ACKs: p50 ~20 ms at 1,000 events/s instead of ~0.3 ms.
 *
 * `ws` reads the environment variables `WS_NO_BUFFER_UTIL` and
 * `WS_NO_UTF_8_VALIDATE` when it loads. A program run without that env
 * permission would be stopped (or asked) by Deno, so the adapter asks
 * first and, if not granted, keeps Deno's `WebSocket` and says once how to
 * get the fast one.
 *
 * @module
 */
import type { WebSocketFactory } from "../src/nats/socket.ts";
import { type WsClientClass, wsSocket } from "./ws_socket.ts";

/** The variables `ws` reads when it loads. */
export const WS_ENV = ["WS_NO_BUFFER_UTIL", "WS_NO_UTF_8_VALIDATE"] as const;

let choice: Promise<WebSocketFactory | undefined> | undefined;

/** `Deno.permissions`, typed here: the npm build compiles without Deno's types. */
interface DenoPermissions {
  permissions: {
    querySync(descriptor: { name: "env"; variable: string }): {
      state: string;
    };
  };
}

function envGranted(): boolean {
  const { permissions } = (globalThis as unknown as { Deno: DenoPermissions })
    .Deno;
  return WS_ENV.every((variable) =>
    permissions.querySync({ name: "env", variable }).state === "granted"
  );
}

async function choose(): Promise<WebSocketFactory | undefined> {
  if (!envGranted()) {
    console.warn(
      "[@mcb/event-bus] nats: using Deno's WebSocket, which sends without " +
        "TCP_NODELAY (publish -> handler ~20 ms instead of < 1 ms at low " +
        "rates). Allow --allow-env=" + WS_ENV.join(",") +
        " so the bus can use npm ws.",
    );
    return undefined;
  }
  const { default: WebSocket } = await import("ws");
  return wsSocket(WebSocket as WsClientClass);
}

/**
 * Deno's default socket: npm `ws` when its env variables may be read, else
 * `undefined` (Deno's own `WebSocket`).
 */
export function defaultSocket(): Promise<WebSocketFactory | undefined> {
  return choice ??= choose();
}

export { connectWs } from "./pin_transport.ts";
