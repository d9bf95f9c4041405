/**
 * Outbound: an event encoded for the wire, refused early when receivers or
 * the server would refuse it.
 * @module
 */
import type { MsgHdrs } from "@nats-io/nats-core";
import type { CloudEvent } from "../core/envelope.ts";
import { ValidationError } from "../core/errors.ts";
import { encodeBare, encodeBinary, MAX_DEPTH, tooDeep } from "./codec.ts";
import { PublishRejectedError } from "./errors.ts";

/** Bytes NATS counts for `headers` against `max_payload`. */
function headerBytes(headers: MsgHdrs | undefined): number {
  if (headers === undefined) return 0;
  let bytes = 12; // "NATS/1.0\r\n" and the closing "\r\n"
  for (const [key, values] of headers) {
    for (const value of values) bytes += key.length + value.length + 4;
  }
  return bytes;
}

/** How {@linkcode encodeOutbound} encodes. */
export interface OutboundOptions {
  /** Core NATS (no `Nats-Msg-Id` header) rather than JetStream. */
  ephemeral: boolean;
  /** Encoding of ephemeral events. */
  encoding: "structured" | "binary";
  /** The server's `max_payload`, when known. */
  maxPayload: number | undefined;
}

/**
 * Encodes `event` for the wire, refusing what receivers would refuse or
 * the server would reject: nesting deeper than receivers accept, data JSON
 * cannot encode, and messages (headers included) above `max_payload`.
 *
 * @throws {ValidationError} for data too deep or not encodable as JSON.
 * @throws {PublishRejectedError} for a message above `max_payload`.
 */
export function encodeOutbound(
  event: CloudEvent,
  options: OutboundOptions,
): { payload: Uint8Array; headers?: MsgHdrs } {
  const { ephemeral } = options;
  if (tooDeep(event.data, MAX_DEPTH)) {
    throw new ValidationError(event.type, [{
      path: "data",
      message: `nested deeper than ${MAX_DEPTH} levels, which receivers refuse`,
    }]);
  }
  let wire: { payload: Uint8Array; headers?: MsgHdrs };
  try {
    wire = ephemeral && options.encoding === "structured"
      ? { payload: encodeBare(event) }
      : encodeBinary(event);
  } catch (error) {
    throw new ValidationError(event.type, [{
      path: "data",
      message: `cannot be encoded as JSON (${(error as Error)?.message})`,
    }]);
  }
  const max = options.maxPayload;
  const size = wire.payload.length + headerBytes(wire.headers) +
    (ephemeral ? 0 : 15 + event.id.length); // + "Nats-Msg-Id: <id>\r\n"
  if (max !== undefined && size > max) {
    throw new PublishRejectedError(
      event.type,
      `the event is ${size} bytes with its headers, above the server's max_payload of ${max}`,
    );
  }
  return wire;
}
