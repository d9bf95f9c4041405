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
import { assertEventType } from "../core/subject.ts";

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

/** The nats transport's default stream. */
export const DEFAULT_STREAM = "MCB_EVENTS";
/** The nats transport's default subject prefix. */
export const DEFAULT_SUBJECT_PREFIX = "mcb.events";
/** First token of dead-letter subjects: `<subjectPrefix>.dlq.<type>`. */
export const DLQ_TOKEN = "dlq";

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
    `${subjectPrefix}_ephemeral`;
  const stream = settings.stream ?? DEFAULT_STREAM;
  const ephemeralEncoding = settings.ephemeralEncoding ?? "structured";
  const prefixes = { subjectPrefix, ephemeralPrefix };
  for (const [name, prefix] of Object.entries(prefixes)) {
    try {
      assertEventType(prefix);
    } catch (error) {
      throw new TypeError(`${name}: ${(error as Error).message}`);
    }
  }
  if (
    ephemeralPrefix === subjectPrefix ||
    ephemeralPrefix.startsWith(`${subjectPrefix}.`)
  ) {
    throw new TypeError(
      `ephemeralPrefix must lie outside "${subjectPrefix}.>", got "${ephemeralPrefix}"`,
    );
  }
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(stream)) {
    throw new TypeError(
      `stream: expected 1-255 characters of A-Z, a-z, 0-9, "_" or "-", got ${
        JSON.stringify(stream)
      }`,
    );
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
    if (type === DLQ_TOKEN || type.startsWith(`${DLQ_TOKEN}.`)) {
      throw new TypeError(
        `"${type}": the first token "${DLQ_TOKEN}" is reserved for dead letters by the nats transport`,
      );
    }
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
