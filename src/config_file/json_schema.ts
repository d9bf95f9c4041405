// The JSON Schema of a configuration file, generated from the config's
// field tables (`deno task schema` writes it to
// schema/event-bus-config.schema.json).

import { natsFields } from "../config/nats_config.ts";
import { configFields, TRANSPORTS } from "../config/config.ts";
import { type Field, nonEmpty, oneOf } from "../config/_checks.ts";
import {
  BUS_KEYS,
  envVariableOf,
  type KeyInfo,
  NATS_KEYS,
  SECRET_FILE_KEYS,
  snakeCase,
} from "./keys.ts";

type JsonSchema = Record<string, unknown>;

/** Where the committed schema is published (for `"$schema"`). */
export const CONFIG_SCHEMA_FILE = "schema/event-bus-config.schema.json";

function property(field: Field, info: KeyInfo, path: string): JsonSchema {
  const out: JsonSchema = { ...field.json };
  const env = envVariableOf(path);
  out.description = `${info.description}${
    env === undefined ? "" : ` Environment: ${env}.`
  }`;
  const fallback = field.default ?? info.default;
  if (fallback !== undefined) out.default = fallback;
  return out;
}

/** The field of a file key: the config's, or a file path for `*File`. */
function fieldOf(fields: Record<string, Field>, key: string): Field {
  if (Object.hasOwn(fields, key)) return fields[key];
  if (Object.hasOwn(SECRET_FILE_KEYS, key)) return nonEmpty();
  throw new Error(`configFileJsonSchema: no field for the file key "${key}"`);
}

/** Each key under its camelCase and snake_case names. */
function withAliases(
  entries: [string, JsonSchema][],
): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [key, schema] of entries) {
    out[key] = schema;
    const snake = snakeCase(key);
    if (snake !== key) out[snake] = { $ref: `#/$defs/${section(key)}` };
  }
  return out;
}

let current = "";
function section(key: string): string {
  return `${current}.${key}`;
}

/**
 * Builds the JSON Schema of a configuration file: the event bus settings at
 * the top level, or in an `event_bus` / `eventBus` section.
 */
export function configFileJsonSchema(): Record<string, unknown> {
  const nats = natsFields();
  for (const key in nats) {
    if (!Object.hasOwn(NATS_KEYS, key)) {
      throw new Error(`configFileJsonSchema: nats.${key} is not a file key`);
    }
  }
  const defs: Record<string, JsonSchema> = {};
  const natsEntries: [string, JsonSchema][] = Object.keys(NATS_KEYS).map(
    (key) => [
      key,
      property(fieldOf(nats, key), NATS_KEYS[key], `nats.${key}`),
    ],
  );
  current = "nats";
  for (const [key, schema] of natsEntries) defs[section(key)] = schema;
  const natsProperties = withAliases(
    natsEntries.map(([key]) => [key, { $ref: `#/$defs/${section(key)}` }]),
  );
  const bus = { ...configFields().local, transport: oneOf(TRANSPORTS) };
  const busEntries: [string, JsonSchema][] = Object.keys(BUS_KEYS).map(
    (key) => [
      key,
      key === "nats"
        ? {
          type: "object",
          description: BUS_KEYS.nats.description,
          properties: natsProperties,
          additionalProperties: false,
        }
        : property(fieldOf(bus, key), BUS_KEYS[key], key),
    ],
  );
  current = "bus";
  for (const [key, schema] of busEntries) defs[section(key)] = schema;
  const busProperties = withAliases(
    busEntries.map(([key]) => [key, { $ref: `#/$defs/${section(key)}` }]),
  );
  defs.eventBus = {
    type: "object",
    description: "@mcb/event-bus settings.",
    properties: busProperties,
    additionalProperties: false,
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "@mcb/event-bus configuration file",
    description:
      "Event bus settings at the top level, or in an event_bus (or eventBus) section of an application's config file. Keys may be camelCase or snake_case. Precedence: defaults < file < MCB_EVENT_BUS_* environment < overrides.",
    anyOf: [
      {
        type: "object",
        properties: { $schema: { type: "string" }, ...busProperties },
        additionalProperties: false,
      },
      {
        type: "object",
        required: ["event_bus"],
        properties: { event_bus: { $ref: "#/$defs/eventBus" } },
      },
      {
        type: "object",
        required: ["eventBus"],
        properties: { eventBus: { $ref: "#/$defs/eventBus" } },
      },
    ],
    $defs: defs,
  };
}
