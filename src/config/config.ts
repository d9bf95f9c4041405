/**
 * The configuration that picks and tunes a transport: its input types and
 * its validation against the settings table (settings.ts).
 *
 * @module
 */

import type { ErrorHandler } from "../core/bus.ts";
import { ConfigError } from "../core/errors.ts";
import { formatPath, kindOf } from "../core/_issues.ts";
import { checkSetting, pick, walk } from "./_checks.ts";
import {
  type NatsConfig,
  type NatsConfigInput,
  normalizeNatsConfig,
} from "./nats_config.ts";
import {
  BUS_SETTINGS,
  NATS_SETTINGS,
  settingsOf,
  type TransportName,
  TRANSPORTS,
} from "./settings.ts";

export { TRANSPORTS };
export type { TransportName };

/** Settings every transport shares. */
export interface CommonConfigInput {
  /** CloudEvents `source` of this instance (a URI-reference). */
  source?: string;
  /** Validate `data` at publish. @default {true} */
  validate?: boolean;
  /** Receives isolated errors. @default {console.error} */
  onError?: ErrorHandler;
}

/** `{ transport: "local" }`: one process, nothing to install. */
export interface LocalConfigInput extends CommonConfigInput {
  /**
   * Selects the local transport.
   *
   * @default {"local"}
   */
  transport?: "local";
  /**
   * Recent events kept for resume (`position()`, `from: { after }`); see
   * `LocalBusOptions.history`. The SSE bridge needs it to resume.
   *
   * @default {0}
   */
  history?: number;
}

/** `{ transport: "nats", nats: {...} }`: many instances over NATS. */
export interface NatsTransportConfigInput extends CommonConfigInput {
  /** Selects the nats transport. */
  transport: "nats";
  /** Connection and stream settings. */
  nats: NatsConfigInput;
}

/** What {@linkcode parseConfig} and `createEventBus` accept. */
export type EventBusConfigInput = LocalConfigInput | NatsTransportConfigInput;

/** A validated configuration. Safe to log and `JSON.stringify`. */
export type EventBusConfig =
  & { source?: string; validate?: boolean; onError?: ErrorHandler }
  & (
    | { transport: "local"; history?: number }
    | { transport: "nats"; nats: NatsConfig }
  );

/**
 * Validates a configuration and fills in defaults. Secrets become
 * {@linkcode Secret} objects, so the result is safe to log.
 *
 * @param input The configuration (`{}` selects the local transport).
 * @returns The validated configuration.
 * @throws {ConfigError} naming each bad field and the expected form; it
 * never contains a secret's value.
 *
 * @example
 * ```ts
 * import { parseConfig } from "@mcb/event-bus";
 * const config = parseConfig({
 *   transport: "nats",
 *   nats: { servers: "ws://127.0.0.1:8080", token: "s3cr3t" },
 * });
 * console.log(JSON.stringify(config)); // token shows as "[redacted]"
 * ```
 */
export function parseConfig(input: unknown): EventBusConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError([{
      path: "(root)",
      message: `expected an object, got ${kindOf(input)}`,
    }]);
  }
  const transport = (input as { transport?: unknown }).transport ?? "local";
  const problem = checkSetting(BUS_SETTINGS.transport, transport);
  if (problem) {
    throw new ConfigError([{ path: "transport", message: problem as string }]);
  }
  const fields = settingsOf(transport as TransportName);
  const found = walk(input, fields);
  if (found.length > 0) {
    throw new ConfigError(
      found.map(([path, message]) => ({ path: formatPath("", path), message })),
    );
  }
  const record = input as Record<string, unknown>;
  const out: Record<string, unknown> = { ...pick(record, fields), transport };
  if (transport === "nats") {
    const nats = pick(record.nats as Record<string, unknown>, NATS_SETTINGS);
    if (nats.servers === undefined) {
      throw new ConfigError([{
        path: "nats.servers",
        message:
          "expected a ws:// or wss:// URL or an array of them, but it is missing",
      }]);
    }
    out.nats = normalizeNatsConfig(nats);
  }
  return out as EventBusConfig;
}
