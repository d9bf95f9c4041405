/**
 * Opening the NATS WebSocket connection from validated settings.
 *
 * @module
 */

import type { NatsConnection, WsConnectionOptions } from "@nats-io/nats-core";
import {
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "./client.ts";
import { connectWs, defaultSocket } from "#nats-socket";
import type { NatsConfig } from "./options.ts";
import { redactUrl } from "../core/redact.ts";
import { NatsConnectionError } from "./errors.ts";
import type { WebSocketFactory } from "./socket.ts";
import { isAuthFailure, isTimeout } from "./nats_errors.ts";

export type { WebSocketFactory };

/** Connection options that are code, not configuration. */
export interface ConnectTuning {
  /**
   * Creates the WebSocket. By default Deno and Node use npm `ws` (it sets
   * `TCP_NODELAY`; Deno's own `WebSocket` does not, Node 20 has none), and
   * browsers, Workers and Bun their global `WebSocket`.
   */
  wsFactory?: WebSocketFactory;
}

/**
 * Connects over WebSocket with the configured credentials.
 *
 * @throws {NatsConnectionError} naming the servers and the reason, never a
 * secret.
 */
export async function connectNats(
  config: NatsConfig,
  tuning: ConnectTuning = {},
): Promise<NatsConnection> {
  const servers = config.servers.map(redactUrl).join(", ");
  if (config.servers.length === 0) {
    throw new NatsConnectionError(
      "nats.servers is empty: give ws:// or wss:// URLs, or pass an open connection",
    );
  }
  const chosen = tuning.wsFactory ?? await defaultSocket();
  const seen: SocketFailure = {};
  const wsFactory = chosen && observing(chosen, seen);
  if (
    wsFactory === undefined &&
    typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function"
  ) {
    throw new NatsConnectionError(
      "This runtime has no global WebSocket: pass `wsFactory` or an open `connection`",
    );
  }
  const options: WsConnectionOptions = {
    servers: config.servers,
    name: config.name,
    timeout: config.connectTimeout,
    maxReconnectAttempts: config.maxReconnectAttempts,
    reconnectTimeWait: config.reconnectTimeWait,
    reconnectJitter: config.reconnectJitter,
    reconnectJitterTLS: config.reconnectJitter,
    wsFactory: wsFactory as WsConnectionOptions["wsFactory"],
    // A stack trace per JetStream request cost ~20% of publish CPU.
    noAsyncTraces: true,
  };
  // Authenticators keep secrets out of nc.options (and console.log(bus)).
  const { token, pass } = config;
  if (token) options.authenticator = tokenAuthenticator(() => token.reveal());
  if (config.user) {
    options.authenticator = usernamePasswordAuthenticator(
      config.user,
      () => pass?.reveal() ?? "",
    );
  }
  if (config.nkeySeed) {
    options.authenticator = nkeyAuthenticator(
      new TextEncoder().encode(config.nkeySeed.reveal()),
    );
  }
  if (config.creds) {
    options.authenticator = credsAuthenticator(
      new TextEncoder().encode(config.creds.reveal()),
    );
  }
  try {
    // wsconnect; on Deno, Node and Bun it also keeps this connection's
    // reconnects on WebSocket when another nats.js transport connects.
    return await connectWs(options);
  } catch (error) {
    // A reason in our words comes with the error as its cause; an error
    // we cannot explain is quoted instead (its cause would repeat it).
    const reason = describeConnectError(error, seen.code);
    const message = `Cannot connect to NATS at ${servers}: `;
    throw reason !== undefined
      ? new NatsConnectionError(message + reason, { cause: error })
      : new NatsConnectionError(
        message +
          ((error as Error)?.message || "the WebSocket could not be opened") +
          CHECK,
      );
  }
}

/** What the sockets of a dial reported (npm ws on Deno and Node). */
interface SocketFailure {
  /** The last socket error's `code`, e.g. `ECONNREFUSED`. */
  code?: string;
}

/** `factory`, noting the `code` of the errors its sockets report. */
function observing(
  factory: WebSocketFactory,
  seen: SocketFailure,
): WebSocketFactory {
  return async (url, options) => {
    const made = await factory(url, options);
    made.socket.addEventListener("error", (event) => {
      const code = (event as { error?: { code?: unknown } }).error?.code;
      if (typeof code === "string") seen.code = code;
    });
    return made;
  };
}

/** Said with an error we cannot explain (browsers, Bun: no socket code). */
const CHECK =
  " (check the URL: the websocket listener, not the client port 4222; that the server runs; ws:// vs wss://)";

function describeConnectError(
  error: unknown,
  socketCode: string | undefined,
): string | undefined {
  if (isAuthFailure(error)) {
    return "the server refused the credentials (authorization violation)";
  }
  if (isTimeout(error)) return "timed out";
  // llhttp's parse errors: the server answered, but not with HTTP.
  if (socketCode?.startsWith("HPE_")) {
    return "the server there does not speak WebSocket: is the URL aimed at the NATS client port (4222 by default) instead of its websocket listener?";
  }
  if (socketCode === "ECONNREFUSED") {
    return "nothing listens there (connection refused)";
  }
  return undefined;
}
