/**
 * The CloudEvents NATS protocol binding: events to NATS messages (binary or
 * structured content mode) and back.
 *
 * @see https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/nats-protocol-binding.md
 * @module
 */

import type { MsgHdrs } from "@nats-io/nats-core";
import { headers as natsHeaders } from "./client.ts";
import {
  type CloudEvent,
  CLOUDEVENTS_JSON,
  encodeCloudEvent,
  parseCloudEvent,
} from "../core/envelope.ts";
import { ValidationError } from "../core/errors.ts";
import { ATTRIBUTES } from "../core/_envelope_rules.ts";

/**
 * Attribute names carried in headers, in order: `specversion` and the
 * envelope's string attributes but `datacontenttype` (its header is
 * `content-type`). The first four are required.
 */
export const CE_ATTRIBUTES: readonly string[] = [
  "specversion",
  ...ATTRIBUTES.filter((name) => name !== "datacontenttype"),
];

/** A message ready to publish: the payload and its NATS headers. */
export interface WireMessage {
  /** The message body. */
  payload: Uint8Array;
  /** The NATS headers. */
  headers: MsgHdrs;
}

/** The outcome of {@linkcode decodeMessage}. */
export type DecodeResult =
  | { ok: true; event: CloudEvent; mode: "binary" | "structured" }
  | { ok: false; reason: string };

/** Limits applied by {@linkcode decodeMessage}. */
export interface DecodeOptions {
  /** Largest payload accepted, checked before decoding. @default {1048576} */
  maxBytes?: number;
  /** Deepest nesting of arrays and objects in `data`. @default {64} */
  maxDepth?: number;
}

/** Deepest nesting of arrays and objects in `data` that receivers accept. */
export const MAX_DEPTH = 64;

const CONTENT_TYPE = "content-type";
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
// Characters the binding requires to be percent-encoded: space, DQUOTE, "%"
// and everything outside printable US-ASCII (a surrogate pair is one match).
const UNSAFE = /[^\x21\x23\x24\x26-\x7E]/gu;

/**
 * Percent-encodes a header value as the binding requires: space, `"`, `%`
 * and every character outside U+0021-U+007E become `%XY` per UTF-8 byte,
 * with upper-case hex.
 *
 * @param value The attribute's canonical string.
 * @returns A printable US-ASCII string.
 * @throws {TypeError} if `value` holds a lone surrogate (not Unicode text).
 *
 * @example
 * ```ts
 * import { percentEncode } from "./codec.ts";
 * console.log(percentEncode("Euro € 😀")); // "Euro%20%E2%82%AC%20%F0%9F%98%80"
 * ```
 */
export function percentEncode(value: string): string {
  try {
    return value.replace(UNSAFE, encodeURIComponent);
  } catch {
    throw new TypeError("Cannot percent-encode a string with a lone surrogate");
  }
}

/**
 * Reverses {@linkcode percentEncode}: one round of percent-decoding. Accepts
 * lower-case hex and characters needlessly encoded or not encoded at all.
 *
 * @param value A header value.
 * @returns The decoded string.
 * @throws {TypeError} on a `%` not followed by two hex digits, or on bytes
 * that are not valid UTF-8 (such as the overlong `%C0%A0`).
 */
export function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new TypeError(`Malformed percent-encoding in ${show(value)}`);
  }
}

// Removes RFC 7230 quoted-strings (with backslash escapes), which receivers
// must accept from producers of older versions of the binding. Returns
// undefined on an unterminated quoted-string.
function unquote(value: string): string | undefined {
  if (!value.includes('"')) return value;
  let out = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted && ch === "\\" && i + 1 < value.length) out += value[++i];
    else out += ch;
  }
  return quoted ? undefined : out;
}

/**
 * Encodes an event in binary content mode: the payload is the UTF-8 JSON of
 * `data` (empty when `data` is `undefined`), every attribute present becomes
 * a percent-encoded `ce-<name>` header, and `content-type` carries
 * `datacontenttype` (`application/json`).
 *
 * @param event A valid event.
 * @returns The payload and headers.
 * @throws {TypeError} if `data` cannot be serialized to JSON.
 */
export function encodeBinary(event: CloudEvent): WireMessage {
  const headers = natsHeaders();
  for (const name of CE_ATTRIBUTES) {
    const value =
      (event as unknown as Record<string, string | undefined>)[name];
    if (value !== undefined) headers.append(`ce-${name}`, percentEncode(value));
  }
  headers.append(CONTENT_TYPE, "application/json");
  const json: string | undefined = JSON.stringify(event.data);
  return { payload: encoder.encode(json ?? ""), headers };
}

/**
 * Encodes an event in structured content mode: the payload is the JSON of
 * the whole event, `content-type` is `application/cloudevents+json`.
 *
 * @param event A valid event.
 * @returns The payload and headers.
 * @throws {TypeError} if the event cannot be serialized to JSON.
 */
export function encodeStructured(event: CloudEvent): WireMessage {
  const headers = natsHeaders();
  headers.set(CONTENT_TYPE, CLOUDEVENTS_JSON);
  return { payload: encoder.encode(encodeCloudEvent(event)), headers };
}

/**
 * Encodes an event as bare structured JSON: the payload is the JSON of the
 * whole event and there are no headers, the form `nats pub` and the Go
 * SDK's JetStream binding use. NATS headers cost more than the rest of a
 * small message (about half of core publish throughput), so ephemeral
 * events travel this way by default; {@linkcode decodeMessage} reads it.
 *
 * @param event A valid event.
 * @returns The payload.
 */
export function encodeBare(event: CloudEvent): Uint8Array {
  return encoder.encode(encodeCloudEvent(event));
}

class Rejection extends Error {}

function reject(reason: string): never {
  throw new Rejection(reason);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

// The only value of header `name` (any case), or undefined.
/** Header name (lower case) -> values, built in one pass over the headers. */
type HeaderIndex = Map<string, string[]>;

function indexHeaders(headers: MsgHdrs | undefined): HeaderIndex {
  const index: HeaderIndex = new Map();
  if (headers === undefined) return index;
  for (const [key, values] of headers) {
    const name = key.toLowerCase();
    const known = index.get(name);
    if (known === undefined) index.set(name, [...values]);
    else known.push(...values);
  }
  return index;
}

function header(headers: HeaderIndex, name: string) {
  const values = headers.get(name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) {
    reject(`header ${name} appears ${values.length} times`);
  }
  return values[0];
}

function attribute(headers: HeaderIndex, name: string) {
  const raw = header(headers, `ce-${name}`);
  if (raw === undefined) return undefined;
  const value = unquote(raw);
  if (value === undefined) {
    reject(`header ce-${name} has an unterminated quoted-string`);
  }
  try {
    return percentDecode(value);
  } catch {
    reject(`header ce-${name} is not valid percent-encoding`);
  }
}

// Whether arrays/objects nest deeper than `limit` (walked without recursion).
/** Whether `root` nests objects or arrays deeper than `limit` levels. */
export function tooDeep(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top;
    if (value === null || typeof value !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === "object") {
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

// `extra` levels (the structured envelope) do not count against maxDepth.
function parseJson(payload: Uint8Array, maxDepth: number, extra: number) {
  let text = "";
  try {
    text = utf8.decode(payload);
  } catch {
    reject("payload is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    reject(`payload is not valid JSON: ${(error as Error).message}`);
  }
  if (tooDeep(value, maxDepth + extra)) {
    reject(`JSON nesting deeper than ${maxDepth} levels`);
  }
  return value;
}

function validate(value: Record<string, unknown>): CloudEvent {
  if (value.specversion !== "1.0") {
    reject(
      value.specversion === undefined
        ? "missing attribute specversion"
        : `unsupported specversion ${show(value.specversion)} (expected "1.0")`,
    );
  }
  try {
    return parseCloudEvent(value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const detail = error.issues.map((i) =>
      `${i.path || "(root)"}: ${i.message}`
    );
    reject(`invalid event: ${detail.join("; ")}`);
  }
}

function decodeStructured(payload: Uint8Array, maxDepth: number): CloudEvent {
  if (payload.length === 0) reject("payload is empty");
  const value = parseJson(payload, maxDepth, 1);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    reject("payload is not a JSON object");
  }
  return validate(value as Record<string, unknown>);
}

function decodeBinary(
  payload: Uint8Array,
  headers: HeaderIndex,
  maxDepth: number,
): CloudEvent {
  const attributes: Record<string, unknown> = {};
  CE_ATTRIBUTES.forEach((name, i) => {
    const value = attribute(headers, name);
    if (value !== undefined) attributes[name] = value;
    else if (i < 4) reject(`missing header ce-${name}`);
  });
  // The binding maps datacontenttype to ce-datacontenttype; accept both.
  attributes.datacontenttype = attribute(headers, "datacontenttype") ??
    header(headers, CONTENT_TYPE);
  const envelope = validate(attributes);
  // An empty payload is an event without data (CloudEvents data is optional).
  const data = payload.length === 0
    ? undefined
    : parseJson(payload, maxDepth, 0);
  return { ...envelope, data };
}

/**
 * Decodes a received message; never throws. Structured mode when
 * `content-type` is `application/cloudevents+json` (any case, parameters
 * allowed), or when there is neither a content-type nor a `ce-specversion`
 * header (tools such as `nats pub` send structured events bare); binary
 * mode otherwise. Other `application/cloudevents*` types
 * (batch, non-JSON formats) are rejected. Header names match in any case.
 *
 * @param msg The received message.
 * @param options Size and nesting limits.
 * @returns The event and its mode, or the reason it was rejected.
 */
export function decodeMessage(
  msg: { data: Uint8Array; headers?: MsgHdrs },
  options: DecodeOptions = {},
): DecodeResult {
  const { maxBytes = 1048576, maxDepth = MAX_DEPTH } = options;
  try {
    const payload = msg?.data;
    if (!(payload instanceof Uint8Array)) reject("payload is missing");
    if (payload.length > maxBytes) {
      reject(`payload of ${payload.length} bytes exceeds ${maxBytes}`);
    }
    const headers = indexHeaders(msg.headers);
    const contentType = header(headers, CONTENT_TYPE);
    const media = contentType?.split(";")[0].trim().toLowerCase() ?? "";
    // Tools that publish structured events often send no headers at all
    // (`nats pub`, the Go SDK's JetStream binding): without a content-type
    // and without ce-specversion the message can only be structured.
    const headerless = contentType === undefined &&
      header(headers, "ce-specversion") === undefined;
    if (media === CLOUDEVENTS_JSON || headerless) {
      const event = decodeStructured(payload, maxDepth);
      return { ok: true, event, mode: "structured" };
    }
    if (media.startsWith("application/cloudevents")) {
      reject(`unsupported content-type ${show(contentType)}`);
    }
    const event = decodeBinary(payload, headers, maxDepth);
    return { ok: true, event, mode: "binary" };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    return { ok: false, reason: `cannot decode message: ${String(error)}` };
  }
}
