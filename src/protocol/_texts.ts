// Sentences the AsyncAPI document and the event reference share, so both
// say the same about subjects, delivery and versions.
import { deadLetterSubject } from "../nats/subjects.ts";
import type { Transport, TypeFacts } from "./transport.ts";

/** The protocol in one paragraph, with the actual prefixes and stream. */
export function protocolText(t: Transport): string {
  const ephemeral = t.ephemeralEncoding === "structured"
    ? "travel as bare structured JSON: the whole CloudEvent as the payload, " +
      "without headers"
    : "use the same binary content mode, without Nats-Msg-Id";
  return [
    `Events are CloudEvents 1.0 on NATS. Persistent types travel on ` +
    `\`${t.subjectPrefix}.<type>\`, stored in the JetStream stream ` +
    `\`${t.stream}\` (at-least-once); ephemeral types on ` +
    `\`${t.ephemeralPrefix}.<type>\`, with core NATS (at-most-once, not ` +
    `stored).`,
    `Persistent events use the CloudEvents NATS protocol binding in binary ` +
    `content mode: the payload is the event's \`data\` as JSON, each ` +
    `attribute a percent-encoded \`ce-<name>\` header, \`content-type: ` +
    `application/json\`, and \`Nats-Msg-Id\` is the event id (JetStream ` +
    `de-duplication). Ephemeral events ${ephemeral}. Receivers read binary, ` +
    `structured and bare structured messages on every subject.`,
    `A versioned type names its version in \`dataschema\` ` +
    `(\`<schemaBase><type>/v<N>\`): consumers read every version listed, ` +
    `upcast to the current one before a handler runs; an event without ` +
    `\`dataschema\` reads as the oldest version.`,
  ].join(" ");
}

/** How a type's events are delivered (a channel's description). */
export function deliveryText(f: TypeFacts, t: Transport): string {
  return f.ephemeral
    ? "Ephemeral: core NATS, at-most-once, not stored. Subscribers " +
      "connected when an event is published receive it; a group is a NATS " +
      "queue group (each event reaches one member)."
    : `Persistent: stored in the JetStream stream ${t.stream}, ` +
      "at-least-once. Each subscriber reads every event (an ordered " +
      "consumer); a group shares a durable consumer (each event reaches one " +
      "member, is retried on failure, then dead-lettered on " +
      `${deadLetterSubject(t.subjectPrefix, f.type)}).`;
}

/** What consumers do with the versions of a type. */
export function receiveText(f: TypeFacts): string {
  const all = f.versions.map((v) => v.version);
  const current = all[all.length - 1];
  if (all.length === 1) {
    return `Consumers read version ${current}; invalid data never reaches ` +
      "a handler.";
  }
  return `Consumers read versions ${all.join(", ")}, upcasting older ones ` +
    `step by step to version ${current}; an event without dataschema reads ` +
    `as version ${all[0]}.`;
}

/** A type's delivery in a few words (the event reference). */
export function deliveryBrief(f: TypeFacts, t: Transport): string {
  if (!f.ephemeral) {
    return `persistent (JetStream stream \`${t.stream}\`, at-least-once; ` +
      `a group dead-letters on \`${
        deadLetterSubject(t.subjectPrefix, f.type)
      }\`)`;
  }
  return "ephemeral (core NATS, at-most-once, not stored; " +
    (t.ephemeralEncoding === "structured"
      ? "the whole CloudEvent as JSON, no headers)"
      : "binary content mode)");
}
