/**
 * Where the nats transport puts a catalog's events (subjects, stream,
 * encoding of ephemeral events) and what each type's versions are: the
 * facts the AsyncAPI document and the event reference are written from.
 *
 * The defaults repeat the nats transport's (this layer imports only the
 * core); tests/protocol_asyncapi_test.ts keeps them equal.
 *
 * @module
 */
import type { EventCatalog } from "../core/catalog.ts";
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  defaultEphemeralPrefix,
  DLQ_TOKEN,
  ephemeralPrefixProblem,
  reservedTypeProblem,
  streamNameProblem,
  subjectPrefixProblem,
} from "../nats/subjects.ts";

/** The transport settings a protocol description is written for. */
export interface TransportSettings {
  /**
   * Subject prefix of persistent events: `<subjectPrefix>.<type>`.
   *
   * @default {"mcb.events"}
   */
  subjectPrefix?: string;
  /**
   * Subject prefix of ephemeral events: `<ephemeralPrefix>.<type>`.
   *
   * @default {"<subjectPrefix>_ephemeral"}
   */
  ephemeralPrefix?: string;
  /**
   * The JetStream stream that stores persistent events.
   *
   * @default {"MCB_EVENTS"}
   */
  stream?: string;
  /**
   * How publishers encode ephemeral events: `"structured"` (the whole
   * CloudEvent as JSON, no headers) or `"binary"` (`ce-*` headers).
   *
   * @default {"structured"}
   */
  ephemeralEncoding?: "structured" | "binary";
}

export { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, DLQ_TOKEN };

/** Settings with every default applied. */
export type Transport = Required<TransportSettings>;

/** One version of a type, as a protocol description lists it. */
export interface VersionFacts {
  /** The version number. */
  readonly version: number;
  /** Its `dataschema` URI. */
  readonly uri: string;
  /** Whether this is the current version (the one publishers send). */
  readonly current: boolean;
}

/** What a protocol description says about one event type. */
export interface TypeFacts {
  /** The event type. */
  readonly type: string;
  /** The type's description in the catalog, if any. */
  readonly description: string | undefined;
  /** Declared ephemeral (core NATS, at-most-once). */
  readonly ephemeral: boolean;
  /** The NATS subject its events travel on. */
  readonly subject: string;
  /** Declared with `versioned()`: publishers send `dataschema`. */
  readonly versioned: boolean;
  /** Every version consumers read, oldest first, the current one last. */
  readonly versions: readonly VersionFacts[];
}

/**
 * Applies the defaults and checks the settings.
 *
 * @throws {TypeError} for a malformed prefix or stream name, or an
 * ephemeral prefix inside `<subjectPrefix>.>`.
 */
export function resolveTransport(settings: TransportSettings = {}): Transport {
  const subjectPrefix = settings.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  const ephemeralPrefix = settings.ephemeralPrefix ??
    defaultEphemeralPrefix(subjectPrefix);
  const stream = settings.stream ?? DEFAULT_STREAM;
  const ephemeralEncoding = settings.ephemeralEncoding ?? "structured";
  const problems = [
    ["subjectPrefix: ", subjectPrefixProblem(subjectPrefix)],
    ["ephemeralPrefix: ", subjectPrefixProblem(ephemeralPrefix)],
    [
      "ephemeralPrefix ",
      ephemeralPrefixProblem(subjectPrefix, ephemeralPrefix),
    ],
    ["stream: ", streamNameProblem(stream)],
  ];
  for (const [what, problem] of problems) {
    if (problem !== undefined) throw new TypeError(what + problem);
  }
  if (ephemeralEncoding !== "structured" && ephemeralEncoding !== "binary") {
    throw new TypeError(
      `ephemeralEncoding must be "structured" or "binary", got ${
        JSON.stringify(ephemeralEncoding)
      }`,
    );
  }
  return { subjectPrefix, ephemeralPrefix, stream, ephemeralEncoding };
}

/**
 * The facts of every type of `catalog`, in definition order.
 *
 * @throws {TypeError} for a type whose first token is `dlq` (reserved for
 * dead letters by the nats transport).
 */
export function catalogFacts(
  catalog: EventCatalog,
  transport: Transport,
): TypeFacts[] {
  return catalog.types.map((type) => {
    const problem = reservedTypeProblem(type);
    if (problem !== undefined) throw new TypeError(`"${type}": ${problem}`);
    const ephemeral = catalog.isEphemeral(type);
    const current = catalog.version(type);
    return {
      type,
      description: catalog.describe(type),
      ephemeral,
      subject: `${
        ephemeral ? transport.ephemeralPrefix : transport.subjectPrefix
      }.${type}`,
      versioned: catalog.publishedDataschema(type) !== undefined,
      versions: catalog.versions(type).map(({ version }) => ({
        version,
        uri: catalog.dataschema(type, version),
        current: version === current,
      })),
    };
  });
}
