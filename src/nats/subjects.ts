/**
 * The NATS subject space of the nats transport, in one place for the
 * transport, its configuration, the protocol tools and the CLI: the default
 * stream and prefixes, the rules that keep ephemeral events and dead letters
 * apart from stored events, and building and parsing the subjects.
 *
 * Persistent events travel on `<prefix>.<type>` (stored in the stream),
 * ephemeral ones on `<ephemeral prefix>.<type>` (core NATS), dead letters on
 * `<prefix>.dlq.<type>` (stored, never delivered as events).
 *
 * Imports nothing from the NATS client: the protocol tools and the
 * configuration load it without the transport.
 *
 * @module
 */
import { assertEventType } from "../core/subject.ts";

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

/** The subject layout of one bus. */
export interface Subjects {
  /** `<prefix>` of persistent events. */
  prefix: string;
  /** `<prefix>` of ephemeral events. */
  ephemeral: string;
}

/**
 * The subject of events of `typeOrPattern` (a type, or a pattern with `*`
 * and `>`): `<prefix>.<type>`, or `<ephemeral>.<type>` for ephemeral ones.
 */
export function eventSubject(
  subjects: Subjects,
  typeOrPattern: string,
  ephemeral = false,
): string {
  return `${ephemeral ? subjects.ephemeral : subjects.prefix}.${typeOrPattern}`;
}

/** Where a group dead-letters events of `type`: `<prefix>.dlq.<type>`. */
export function deadLetterSubject(prefix: string, type: string): string {
  return `${prefix}.${DLQ_TOKEN}.${type}`;
}

/** The event type a subject carries, or undefined outside both prefixes. */
export function typeOfSubject(
  subjects: Subjects,
  subject: string,
): string | undefined {
  for (const prefix of [subjects.prefix, subjects.ephemeral]) {
    if (subject.startsWith(prefix) && subject[prefix.length] === ".") {
      return subject.slice(prefix.length + 1);
    }
  }
  return undefined;
}

/** Whether `subject` is a dead-letter subject under `subjects.prefix`. */
export function isDeadLetter(subjects: Subjects, subject: string): boolean {
  return subject.startsWith(deadLetterSubject(subjects.prefix, ""));
}
