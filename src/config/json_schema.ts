// The JSON Schema of a configuration file, generated from the settings
// table and its words (src/config/settings.ts, settings_docs.ts); `deno task
// schema` writes it to schema/event-bus-config.schema.json.

import {
  BUS_SETTINGS,
  envName,
  NATS_SETTINGS,
  type Setting,
} from "./settings.ts";
import {
  BUS_DOCS,
  DURATION_DOC,
  NATS_DOCS,
  type SettingDoc,
} from "./settings_docs.ts";
import { BUS_KEYS, NATS_KEYS, snakeCase } from "./keys.ts";

type JsonSchema = Record<string, unknown>;

/** Where the committed schema is published (for `"$schema"`). */
export const CONFIG_SCHEMA_FILE = "schema/event-bus-config.schema.json";

/** The JSON Schema of a setting's values, as a file holds them. */
function valueSchema(row: Setting): JsonSchema {
  switch (row.type) {
    case "nonEmpty":
    case "secret":
      return { type: "string", minLength: 1 };
    case "boolean":
      return { type: "boolean" };
    case "int":
      return { type: "integer", minimum: row.min ?? 0 };
    case "duration":
      return {
        anyOf: [
          { type: "integer", minimum: row.min ?? 0 },
          { type: "string", pattern: "^\\d+(ms|s|m|h)?$" },
        ],
      };
    case "enum":
      return { type: "string", enum: [...row.values!] };
    case "servers":
      return {
        anyOf: [
          { type: "string" },
          { minItems: 1, type: "array", items: { type: "string" } },
        ],
      };
    case "object":
      return { type: "object" };
    default:
      return { type: "string" };
  }
}

/** A file key's schema: its values, words, environment and default. */
function property(
  row: Setting,
  env: string,
  text: string,
  shown?: string,
): JsonSchema {
  const out = valueSchema(row);
  const fallback = shown === undefined || shown.startsWith("(")
    ? ""
    : ` Default: ${shown.replaceAll("`", "")}.`;
  const variable = row.env ? ` Environment: ${env}.` : "";
  const unit = row.type === "duration" ? ` ${DURATION_DOC}` : "";
  out.description = `${text}${unit}${
    row.default === undefined ? fallback : ""
  }${variable}`;
  if (row.default !== undefined) out.default = row.default;
  return out;
}

/** The schemas of a section's file keys (a secret's `<key>File` too). */
function entries(
  section: string,
  keys: readonly string[],
  rows: Record<string, Setting>,
  docs: Record<string, SettingDoc>,
): [string, JsonSchema][] {
  return keys.map((key) => {
    if (Object.hasOwn(rows, key)) {
      const doc = docs[key];
      return [
        key,
        property(rows[key], envName(section, key), doc.text, doc.shown),
      ];
    }
    const secret = key.slice(0, -"File".length);
    return [key, property({ type: "nonEmpty" }, "", docs[secret].file!)];
  });
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
  const defs: Record<string, JsonSchema> = {};
  const natsEntries = entries("nats", NATS_KEYS, NATS_SETTINGS, NATS_DOCS);
  current = "nats";
  for (const [key, schema] of natsEntries) defs[section(key)] = schema;
  const natsProperties = withAliases(
    natsEntries.map(([key]) => [key, { $ref: `#/$defs/${section(key)}` }]),
  );
  const busEntries = entries("", BUS_KEYS, BUS_SETTINGS, BUS_DOCS).map((
    [key, schema],
  ): [string, JsonSchema] =>
    key === "nats"
      ? [key, {
        type: "object",
        description: BUS_DOCS.nats.text,
        properties: natsProperties,
        additionalProperties: false,
      }]
      : [key, schema]
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
