// JSON Schemas (draft-07, AsyncAPI's default schema format) of a CloudEvent
// on NATS: the `ce-*` headers of binary content mode and the whole envelope
// of structured mode.
import type { JSONSchema } from "./json_schema.ts";
import type { TypeFacts, VersionFacts } from "./transport.ts";

/** The W3C traceparent the envelope accepts. */
const TRACEPARENT = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$";
/** JSON media types (receivers accept them in any case). */
const JSON_MEDIA = "^application/(.+\\+)?json(;.*)?$";

export const string = (
  description: string,
  extra: JSONSchema = {},
): JSONSchema => ({
  type: "string",
  ...extra,
  description,
});

/** One attribute's schema, and whether a receiver requires it. */
type Attribute = [name: string, schema: JSONSchema, required: boolean];

/**
 * The CloudEvents attributes of `type` at `version`, in the order of the
 * NATS binding. `dataschema` names the version: required for a versioned
 * type's versions after the oldest, since an event without it reads as the
 * oldest one.
 */
function attributes(facts: TypeFacts, version: VersionFacts): Attribute[] {
  const oldest = facts.versions[0].version;
  const dataschema: Attribute = facts.versioned
    ? [
      "dataschema",
      string(
        `Names version ${version.version} of the data` +
          (version.version === oldest
            ? "; an event without it reads as this version."
            : "."),
        { const: version.uri },
      ),
      version.version !== oldest,
    ]
    : [
      "dataschema",
      string(
        "URI of the data's schema; publishers of this library leave it out " +
          "(the type is not versioned).",
        { format: "uri-reference" },
      ),
      false,
    ];
  return [
    ["specversion", string("CloudEvents version.", { const: "1.0" }), true],
    ["id", string("Unique per source.", { minLength: 1 }), true],
    [
      "source",
      string("URI-reference naming the publishing instance.", {
        minLength: 1,
        format: "uri-reference",
      }),
      true,
    ],
    ["type", string("The event type.", { const: facts.type }), true],
    [
      "time",
      string(
        "When it happened (RFC 3339); receivers use their clock when " +
          "it is missing.",
        { format: "date-time" },
      ),
      false,
    ],
    ["subject", string("What the event is about inside the source."), false],
    dataschema,
    [
      "traceparent",
      string("W3C trace context (distributed-tracing extension).", {
        pattern: TRACEPARENT,
      }),
      false,
    ],
    [
      "tracestate",
      string("W3C trace context (distributed-tracing extension)."),
      false,
    ],
  ];
}

/**
 * The NATS headers of binary content mode: each attribute as a
 * percent-encoded `ce-<name>` header, `content-type`, and for persistent
 * types the JetStream de-duplication id.
 */
export function binaryHeaders(
  facts: TypeFacts,
  version: VersionFacts,
): JSONSchema {
  const properties: Record<string, JSONSchema> = {};
  const required: string[] = [];
  for (const [name, schema, needed] of attributes(facts, version)) {
    properties[`ce-${name}`] = schema;
    if (needed) required.push(`ce-${name}`);
  }
  properties["content-type"] = string(
    "The media type of the payload (the event's datacontenttype): " +
      "publishers send application/json; receivers accept any JSON type.",
    { pattern: JSON_MEDIA },
  );
  if (!facts.ephemeral) {
    properties["Nats-Msg-Id"] = string(
      "The event id: JetStream drops a repeated publish within the " +
        "stream's duplicate window.",
      { minLength: 1 },
    );
  }
  return {
    type: "object",
    description: "CloudEvents attributes as NATS headers (binary content " +
      "mode); values are percent-encoded.",
    properties,
    required,
  };
}

/**
 * The whole CloudEvent as JSON (structured content mode): the payload of an
 * ephemeral event sent bare, without headers.
 *
 * @param data The schema of `data` (a `$ref`).
 * @param dataRequired Whether the data schema rejects a missing `data`.
 */
export function structuredEnvelope(
  facts: TypeFacts,
  version: VersionFacts,
  data: JSONSchema,
  dataRequired: boolean,
): JSONSchema {
  const properties: Record<string, JSONSchema> = {};
  const required: string[] = [];
  for (const [name, schema, needed] of attributes(facts, version)) {
    properties[name] = schema;
    if (needed) required.push(name);
    if (name === "time") {
      properties.datacontenttype = string(
        "The media type of data: publishers send application/json; " +
          "receivers accept any JSON type.",
        { pattern: JSON_MEDIA },
      );
    }
  }
  properties.data = data;
  if (dataRequired) required.push("data");
  return {
    type: "object",
    description: "A CloudEvent in the JSON event format (structured content " +
      "mode), sent as the whole payload without headers.",
    properties,
    required,
  };
}
