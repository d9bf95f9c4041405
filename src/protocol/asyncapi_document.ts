/**
 * The shape of an AsyncAPI 3.0.0 document as `asyncApiDocument` builds it:
 * plain JSON, typed. Types only, so the modules that fill parts of a
 * document (`asyncapi.ts`, `_dead_letters.ts`) import it one way.
 *
 * @module
 */
import type { JSONSchema } from "./json_schema.ts";

/** A server of the document: where clients connect. */
export interface AsyncApiServer {
  /** Host name and port, e.g. `"localhost:8080"`. */
  host: string;
  /** `ws`/`wss` (nats-server's WebSocket listener) or `nats`. */
  protocol: "ws" | "wss" | "nats";
  /** The path on the host, e.g. `"/nats"`. */
  pathname?: string;
  /** A sentence about the server. */
  description?: string;
}

/** A plain AsyncAPI object (channel, operation, message, ...). */
export type AsyncApiObject = Record<string, unknown>;

/** An AsyncAPI 3.0.0 document as plain JSON. */
export interface AsyncApiDocument {
  /** The AsyncAPI version. */
  asyncapi: "3.0.0";
  /** The application's URI, when given. */
  id?: string;
  /** Title, version and description. */
  info: { title: string; version: string; description: string };
  /** Servers by name, when given. */
  servers?: Record<string, AsyncApiServer>;
  /** The content type of messages that name none. */
  defaultContentType: "application/json";
  /** One channel per event type, plus `dlq` for dead letters. */
  channels: Record<string, AsyncApiObject>;
  /** `send_<id>` and `receive_<id>` per type (and dead letters). */
  operations: Record<string, AsyncApiObject>;
  /** The messages and the data schemas they refer to. */
  components: {
    schemas: Record<string, JSONSchema>;
    messages: Record<string, AsyncApiObject>;
  };
}
