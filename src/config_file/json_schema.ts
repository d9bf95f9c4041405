// The JSON Schema of a configuration file, generated from the zod schemas
// (`deno task schema` writes it to schema/event-bus-config.schema.json).

import * as z from "zod/mini";
import { toJSONSchema } from "zod/v4/core";
import { natsShape } from "../config/nats_config.ts";
import { TRANSPORTS } from "../config/config.ts";
import {
  BUS_KEYS,
  envVariableOf,
  type KeyInfo,
  NATS_KEYS,
  snakeCase,
} from "./keys.ts";

type JsonSchema = Record<string, unknown>;

/** Where the committed schema is published (for `"$schema"`). */
export const CONFIG_SCHEMA_FILE = "schema/event-bus-config.schema.json";

function property(
  schema: z.core.$ZodType,
  info: KeyInfo,
  path: string,
): JsonSchema {
  const out = toJSONSchema(schema, {
    unrepresentable: "any",
    io: "input",
  }) as JsonSchema;
  delete out.$schema;
  if (info.integerMin !== undefined) {
    out.type = "integer";
    out.minimum = info.integerMin;
  }
  const env = envVariableOf(path);
  out.description = `${info.description}${
    env === undefined ? "" : ` Environment: ${env}.`
  }`;
  if (info.default !== undefined) out.default = info.default;
  return out;
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
  const shape = natsShape().shape as Record<string, z.core.$ZodType>;
  const defs: Record<string, JsonSchema> = {};
  const fileString = z.string().check(z.minLength(1));
  const natsEntries: [string, JsonSchema][] = Object.keys(NATS_KEYS).map(
    (key) => {
      const secret = ["token", "pass", "nkeySeed", "creds"].includes(key);
      const schema = key.endsWith("File") || secret ? fileString : shape[key];
      return [key, property(schema, NATS_KEYS[key], `nats.${key}`)];
    },
  );
  current = "nats";
  for (const [key, schema] of natsEntries) defs[section(key)] = schema;
  const natsProperties = withAliases(
    natsEntries.map(([key]) => [key, { $ref: `#/$defs/${section(key)}` }]),
  );
  const busShape: Record<string, z.core.$ZodType> = {
    transport: z.enum(TRANSPORTS),
    source: z.string(),
    validate: z.boolean(),
    history: z.number(),
  };
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
        : property(busShape[key], BUS_KEYS[key], key),
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
