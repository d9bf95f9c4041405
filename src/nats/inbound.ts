/**
 * Turning a received NATS message into a validated event, or a reason it
 * must not reach a handler; and dead-lettering what a group gives up on.
 *
 * @module
 */

import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "./client.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { readEvent } from "../core/versions.ts";
import { decodeMessage } from "./codec.ts";
import type { Received } from "./consumers.ts";
import {
  deadLetterSubject,
  isDeadLetter,
  type Subjects,
  typeOfSubject,
} from "./subjects.ts";

/** A decoded, validated event, or why the message was refused. */
export type Inbound =
  | { ok: true; event: CloudEvent }
  | { ok: false; reason: string; type?: string };

export { isDeadLetter, type Subjects, typeOfSubject };

/**
 * Decodes and validates `msg`: the envelope must be well-formed, its type
 * must match the subject and be in the catalog, and `data` must pass the
 * type's schema (the event carries zod's output).
 */
export function decodeInbound(
  catalog: EventCatalog,
  subjects: Subjects,
  msg: Received,
  maxBytes: number,
): Inbound {
  const subjectType = typeOfSubject(subjects, msg.subject);
  const fail = (reason: string): Inbound => ({
    ok: false,
    reason,
    type: subjectType,
  });
  const decoded = decodeMessage(msg, { maxBytes });
  if (!decoded.ok) return fail(decoded.reason);
  const event = decoded.event;
  if (event.type !== subjectType) {
    return fail(
      `type "${event.type}" does not match subject "${msg.subject}"`,
    );
  }
  if (!catalog.has(event.type)) {
    return fail(`unknown event type "${event.type}"`);
  }
  try {
    // Data of an older version is upcast to the current one; see `versioned`.
    return { ok: true, event: readEvent(catalog, event) };
  } catch (error) {
    return fail((error as Error).message);
  }
}

function headerSafe(text: string): string {
  // NATS header values cannot hold CR or LF; keep them short.
  return text.replace(/[\r\n]+/g, " ").slice(0, 1024);
}

/** What to record with a dead letter. */
export interface DeadLetter {
  group: string;
  reason: string;
  attempts: number;
  /** Stream sequence of the original, part of the de-duplication id. */
  seq?: number;
}

/**
 * Publishes the original message to `<prefix>.dlq.<type>` with the reason
 * in headers (`mcb-dlq-reason`, `-subject`, `-group`, `-attempts`). The
 * message id makes a repeated dead-lettering of the same delivery a no-op.
 */
export async function deadLetter(
  js: JetStreamClient,
  subjects: Subjects,
  msg: Received,
  letter: DeadLetter,
): Promise<void> {
  const type = typeOfSubject(subjects, msg.subject) ?? "unknown";
  const h = natsHeaders();
  for (const [key, values] of msg.headers ?? []) {
    if (key.toLowerCase() === "nats-msg-id") continue;
    for (const value of values) h.append(key, value);
  }
  h.set("mcb-dlq-reason", headerSafe(letter.reason));
  h.set("mcb-dlq-subject", headerSafe(msg.subject));
  h.set("mcb-dlq-group", letter.group);
  h.set("mcb-dlq-attempts", String(letter.attempts));
  await js.publish(deadLetterSubject(subjects.prefix, type), msg.data, {
    headers: h,
    msgID: `dlq:${letter.group}:${letter.seq ?? msg.subject}`,
  });
}
