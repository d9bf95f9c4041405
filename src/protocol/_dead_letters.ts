// The dead letters of the nats transport in the AsyncAPI document: groups
// publish what they give up on to `<subjectPrefix>.dlq.<type>`, inside the
// stream, with the reason in `mcb-dlq-*` headers (src/nats/inbound.ts).
import type { AsyncApiDocument } from "./asyncapi_document.ts";
import type { JSONSchema } from "./json_schema.ts";
import { deadLetterSubject } from "../nats/subjects.ts";
import type { Transport } from "./transport.ts";
import { string } from "./_cloudevents.ts";

/** Adds the `dlq` channel, its message and its two operations. */
export function addDeadLetters(
  doc: AsyncApiDocument,
  transport: Transport,
  types: string[],
): void {
  const dlq = (type: string) =>
    deadLetterSubject(transport.subjectPrefix, type);
  doc.components.messages.dead_letter = {
    name: "dead_letter",
    title: "Dead letter",
    summary: "A message a group gave up on, with the reason.",
    description: "The original message (payload and headers) as it was " +
      "received, plus `mcb-dlq-*` headers. The payload may be anything, " +
      "including the invalid bytes that made it a dead letter.",
    contentType: "application/octet-stream",
    headers: headers(),
    payload: { description: "The original payload, unchanged." },
  };
  doc.channels.dlq = {
    address: dlq("{type}"),
    title: "Dead letters",
    description: `Stored in the stream ${transport.stream} with the events ` +
      `(${dlq(">")} lies inside ${transport.subjectPrefix}.>); subscriptions ` +
      `of the bus skip them.`,
    parameters: {
      type: {
        description: "The event type of the original subject.",
        examples: types,
      },
    },
    messages: { dead_letter: { $ref: "#/components/messages/dead_letter" } },
  };
  const channel = { $ref: "#/channels/dlq" };
  const messages = [{ $ref: "#/channels/dlq/messages/dead_letter" }];
  doc.operations.send_dlq = {
    action: "send",
    channel,
    title: "Dead-letter",
    summary: "A group publishes an event it cannot deliver: invalid, or " +
      "failed maxDeliver times.",
    messages,
  };
  doc.operations.receive_dlq = {
    action: "receive",
    channel,
    title: "Inspect dead letters",
    summary: "Operators and tools read dead letters from the stream.",
    messages,
  };
}

/** The headers a dead letter adds to the original message's. */
function headers(): JSONSchema {
  return {
    type: "object",
    description: "The original message's headers (its ce-* attributes " +
      "included, Nats-Msg-Id excepted) and these.",
    properties: {
      "mcb-dlq-reason": string(
        "Why the group gave up: the decoding or validation error, the " +
          "handler's last error, or 'delivery attempts exhausted'.",
      ),
      "mcb-dlq-subject": string("The subject of the original message."),
      "mcb-dlq-group": string("The group (durable consumer) that gave up."),
      "mcb-dlq-attempts": string("Delivery attempts made (a decimal number).", {
        pattern: "^[0-9]+$",
      }),
      "Nats-Msg-Id": string(
        "dlq:<group>:<stream sequence of the original>: dead-lettering the " +
          "same delivery again is a no-op.",
        { pattern: "^dlq:" },
      ),
    },
    required: [
      "mcb-dlq-reason",
      "mcb-dlq-subject",
      "mcb-dlq-group",
      "mcb-dlq-attempts",
    ],
  };
}
