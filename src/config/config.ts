/**
 * The configuration that picks and tunes a transport, its zod schema and
 * its validation.
 *
 * @module
 */

import * as z from "zod/mini";
import { safeParse } from "zod/v4/core";
import type { ErrorHandler } from "../core/bus.ts";
import { ConfigError } from "../core/errors.ts";
import { toValidationIssues } from "../core/_issues.ts";
import { custom, int } from "./_checks.ts";
import {
  type NatsConfig,
  type NatsConfigInput,
  natsShape,
  normalizeNatsConfig,
} from "./nats_config.ts";

/** The transports a config may name. */
export const TRANSPORTS = ["local", "nats"] as const;
/** A transport name. */
export type TransportName = typeof TRANSPORTS[number];

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

const URI_REFERENCE = /^[^\s"<>\\^`{|}]+$/;

// The config schemas, built on first use: a bundle that never parses a
// configuration does not carry them.
let configSchemas: ReturnType<typeof buildConfigSchemas> | undefined;

function buildConfigSchemas() {
  const commonShape = {
    source: z.optional(
      z.string().check(
        custom((v) =>
          v.length > 0 && URI_REFERENCE.test(v)
            ? undefined
            : `expected a URI-reference such as "/my-app/instance-1", got ${
              JSON.stringify(v)
            }`
        ),
      ),
    ),
    validate: z.optional(z.boolean()),
    onError: z.optional(
      z.custom<ErrorHandler>((v) => typeof v === "function", {
        error: "expected a function",
      }),
    ),
  };

  // zod/mini schema of the local transport's config.
  const local = z.strictObject({
    transport: z.optional(z.literal("local")),
    history: z.optional(int(0)),
    ...commonShape,
  });

  // zod/mini schema of the nats transport's config.
  const nats = z.strictObject({
    transport: z.literal("nats"),
    nats: natsShape(),
    ...commonShape,
  });
  return { local, nats };
}

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
      message: `expected an object, got ${
        Array.isArray(input) ? "array" : input === null ? "null" : typeof input
      }`,
    }]);
  }
  const transport = (input as { transport?: unknown }).transport ?? "local";
  if (!TRANSPORTS.includes(transport as TransportName)) {
    throw new ConfigError([{
      path: "transport",
      message: `expected "local" or "nats", got ${
        typeof transport === "string"
          ? JSON.stringify(transport)
          : typeof transport
      }`,
    }]);
  }
  configSchemas ??= buildConfigSchemas();
  const schema = transport === "nats"
    ? configSchemas.nats
    : configSchemas.local;
  const result = safeParse(schema, input);
  if (!result.success) {
    throw new ConfigError(toValidationIssues("", result.error.issues, input));
  }
  const data = result.data as Record<string, unknown>;
  const out: Record<string, unknown> = { ...data, transport };
  if (transport === "nats") {
    const nats = data.nats as Record<string, unknown>;
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
