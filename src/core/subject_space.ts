/**
 * The subject space events travel in on the nats transport, shared by the
 * transport, its configuration and the protocol tools: the default stream
 * and prefixes, and the rules that keep ephemeral events and dead letters
 * apart from the stored events.
 *
 * @module
 */
import { assertEventType } from "./subject.ts";

/** The JetStream stream of the nats transport, unless configured. */
export const DEFAULT_STREAM = "MCB_EVENTS";

/** Subject prefix of persistent events, unless configured. */
export const DEFAULT_SUBJECT_PREFIX = "mcb.events";

/** Dead letters go to `<subjectPrefix>.dlq.<type>`: no type may start so. */
export const DLQ_TOKEN = "dlq";

/** The ephemeral prefix used when none is configured. */
export function defaultEphemeralPrefix(subjectPrefix: string): string {
  return `${subjectPrefix}_ephemeral`;
}

/** What is wrong with a stream name, or undefined. */
export function streamNameProblem(stream: string): string | undefined {
  return /^[A-Za-z0-9_-]{1,255}$/.test(stream)
    ? undefined
    : `expected 1-255 characters of A-Z, a-z, 0-9, "_" or "-", got ${
      JSON.stringify(stream)
    }`;
}

/** What is wrong with a subject prefix, or undefined. */
export function subjectPrefixProblem(prefix: string): string | undefined {
  try {
    assertEventType(prefix);
  } catch {
    return `expected dot-separated tokens of A-Z, a-z, 0-9, "_" or "-" (no wildcards), got ${
      JSON.stringify(prefix)
    }`;
  }
}

/**
 * What is wrong with an ephemeral prefix beside `subjectPrefix`, or
 * undefined: it must lie outside `<subjectPrefix>.>`, or the stream would
 * store ephemeral events.
 */
export function ephemeralPrefixProblem(
  subjectPrefix: string,
  ephemeralPrefix: string,
): string | undefined {
  return ephemeralPrefix === subjectPrefix ||
      ephemeralPrefix.startsWith(`${subjectPrefix}.`)
    ? `must lie outside "${subjectPrefix}.>" (the stream would store ephemeral events), got ${
      JSON.stringify(ephemeralPrefix)
    }`
    : undefined;
}

/** Why `type` cannot travel on the nats transport, or undefined. */
export function reservedTypeProblem(type: string): string | undefined {
  return type === DLQ_TOKEN || type.startsWith(`${DLQ_TOKEN}.`)
    ? `the first token "${DLQ_TOKEN}" is reserved for dead letters by the nats transport`
    : undefined;
}
