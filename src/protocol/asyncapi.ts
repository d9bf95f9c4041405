/**
 * An AsyncAPI 3.0 document of a catalog on the nats transport: a channel
 * per event type (its NATS subject), a message per type and version (a
 * CloudEvent with its `ce-*` headers and the JSON Schema of `data`), and
 * the operations each side performs.
 *
 * @module
 */
import type * as z from "zod/v4/core";
import { safeParse } from "zod/v4/core";
import type { EventCatalog } from "../core/catalog.ts";
import { type JSONSchema, versionJSONSchema } from "./json_schema.ts";
import {
  catalogFacts,
  resolveTransport,
  type Transport,
  type TransportSettings,
  type TypeFacts,
  type VersionFacts,
} from "./transport.ts";
import { binaryHeaders, structuredEnvelope } from "./_cloudevents.ts";
import { addDeadLetters } from "./_dead_letters.ts";
import { deliveryText, protocolText, receiveText } from "./_texts.ts";
import type {
  AsyncApiDocument,
  AsyncApiObject,
  AsyncApiServer,
} from "./asyncapi_document.ts";

export type { AsyncApiDocument, AsyncApiObject, AsyncApiServer };

/** Options of {@linkcode asyncApiDocument}. */
export interface AsyncApiOptions extends TransportSettings {
  /** The API's title (`info.title`). */
  title: string;
  /** The version of the API, i.e. of this document (`info.version`). */
  version: string;
  /** Put before the generated description of the protocol. */
  description?: string;
  /** A URI identifying the application (the document's `id`). */
  id?: string;
  /** Servers by name. */
  servers?: Record<string, AsyncApiServer>;
}

/**
 * The AsyncAPI 3.0.0 document of `catalog` on the nats transport.
 *
 * Ids are the event type with `.` replaced by `_`: channel `indexing_started`,
 * messages `indexing_started_v1`, ..., operations `send_indexing_started` and
 * `receive_indexing_started`. Persistent events are messages in CloudEvents
 * binary content mode (payload: `data`; headers: `ce-*`, `content-type`,
 * `Nats-Msg-Id`); ephemeral ones, by default, the whole CloudEvent as the
 * payload. Each type's `send` lists the version publishers send, its
 * `receive` every version consumers read. With persistent types, a `dlq`
 * channel describes the dead letters groups publish.
 *
 * @param catalog The event catalog.
 * @param options Title, version, servers and transport settings (the nats
 * transport's defaults apply).
 * @returns The document, as plain JSON.
 * @throws {TypeError} for malformed settings, a type reserved by the nats
 * transport (`dlq`), two types with the same id (`a.b_c`, `a_b.c`), or a
 * data schema that JSON Schema cannot express.
 *
 * @example
 * ```ts
 * import { mcbEvents } from "@mcb/event-bus";
 * import { asyncApiDocument } from "@mcb/event-bus/protocol";
 *
 * const doc = asyncApiDocument(mcbEvents, { title: "MCB events", version: "1.0.0" });
 * console.log(doc.channels.indexing_started.address); // "mcb.events.indexing.started"
 * console.log(Object.keys(doc.components.messages).includes("indexing_started_v1")); // true
 * ```
 */
export function asyncApiDocument(
  catalog: EventCatalog,
  options: AsyncApiOptions,
): AsyncApiDocument {
  const transport = resolveTransport(options);
  const facts = catalogFacts(catalog, transport);
  const ids = typeIds(facts);
  const doc: AsyncApiDocument = {
    asyncapi: "3.0.0",
    ...(options.id === undefined ? {} : { id: options.id }),
    info: {
      title: options.title,
      version: options.version,
      description: [options.description, protocolText(transport)]
        .filter(Boolean).join("\n\n"),
    },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    defaultContentType: "application/json",
    channels: {},
    operations: {},
    components: { schemas: {}, messages: {} },
  };
  for (const f of facts) {
    const id = ids.get(f.type)!;
    const refs: Record<string, { $ref: string }> = {};
    for (const v of f.versions) {
      const key = `${id}_v${v.version}`;
      const { schema, optional } = dataSchema(catalog, f.type, v.version, key);
      doc.components.schemas[key] = schema;
      doc.components.messages[key] = message(f, v, key, transport, optional);
      refs[key] = { $ref: `#/components/messages/${key}` };
    }
    doc.channels[id] = {
      address: f.subject,
      title: f.type,
      ...(f.description === undefined ? {} : { summary: f.description }),
      description: deliveryText(f, transport),
      messages: refs,
    };
    const channel = { $ref: `#/channels/${id}` };
    const ref = (v: VersionFacts) => ({
      $ref: `#/channels/${id}/messages/${id}_v${v.version}`,
    });
    const current = f.versions[f.versions.length - 1];
    doc.operations[`send_${id}`] = {
      action: "send",
      channel,
      title: `Publish ${f.type}`,
      summary: `Publishers send version ${current.version}.`,
      messages: [ref(current)],
    };
    doc.operations[`receive_${id}`] = {
      action: "receive",
      channel,
      title: `Consume ${f.type}`,
      summary: receiveText(f),
      messages: f.versions.map(ref),
    };
  }
  const persistent = facts.filter((f) => !f.ephemeral).map((f) => f.type);
  if (persistent.length > 0) addDeadLetters(doc, transport, persistent);
  return doc;
}

/** Type -> id (`.` replaced by `_`), refusing two types with one id. */
function typeIds(facts: TypeFacts[]): Map<string, string> {
  const ids = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const { type } of facts) {
    const id = type.replaceAll(".", "_");
    const other = owners.get(id);
    if (other !== undefined) {
      throw new TypeError(
        `asyncApiDocument: "${other}" and "${type}" would both have the id "${id}"`,
      );
    }
    owners.set(id, type);
    ids.set(type, id);
  }
  return ids;
}

/**
 * The draft-07 schema of `data` at `version`, made to live at
 * `#/components/schemas/<key>`: no `$schema` nor `$id` (the document's own
 * format applies, and `$id` would move the base of its `$ref`s), and its
 * `$ref`s (`#`, `#/definitions/...`) rebased onto that location.
 */
function dataSchema(
  catalog: EventCatalog,
  type: string,
  version: number,
  key: string,
): { schema: JSONSchema; optional: boolean } {
  const json = versionJSONSchema(catalog, type, version, "draft-7");
  const { $schema: _s, $id: _i, ...rest } = json;
  const known = catalog.versions(type).find((v) => v.version === version)!;
  const optional = safeParse(known.schema as unknown as z.$ZodType, undefined)
    .success;
  return {
    schema: rebase(rest, `#/components/schemas/${key}`) as JSONSchema,
    optional,
  };
}

function rebase(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebase(v, base));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#")
      ? base + v.slice(1)
      : rebase(v, base);
  }
  return out;
}

function message(
  f: TypeFacts,
  v: VersionFacts,
  key: string,
  transport: Transport,
  dataOptional: boolean,
): AsyncApiObject {
  const data = { $ref: `#/components/schemas/${key}` };
  const bare = f.ephemeral && transport.ephemeralEncoding === "structured";
  const current = f.versions[f.versions.length - 1].version;
  const lines = [
    bare
      ? "The whole CloudEvent (JSON event format) is the payload; there are " +
        "no headers."
      : "CloudEvents binary content mode: the payload is `data` as JSON, the " +
        "attributes are `ce-*` headers.",
  ];
  if (!v.current) {
    lines.push(
      `An older version: publishers now send version ${current}; ` +
        `consumers upcast this one to it.`,
    );
  }
  return {
    name: key,
    title: `${f.type} v${v.version}`,
    summary: f.description ?? `The ${f.type} event.`,
    description: lines.join(" "),
    contentType: bare ? "application/cloudevents+json" : "application/json",
    ...(bare ? {} : { headers: binaryHeaders(f, v) }),
    payload: bare ? structuredEnvelope(f, v, data, !dataOptional) : data,
    ...(v.current ? {} : { deprecated: true }),
  };
}
