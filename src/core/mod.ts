/**
 * The transport-independent core: catalog, envelope, patterns, the bus
 * contract and its errors. Imports no transport.
 *
 * @module
 */
export { defineEvents } from "./catalog.ts";
export type {
  CatalogOptions,
  CatalogVersion,
  EventCatalog,
  EventData,
  EventDefinition,
  EventDefinitions,
  EventInput,
  EventSchema,
  EventType,
  SchemaInput,
  SchemaOutput,
  SchemasOf,
} from "./catalog.ts";
export { DEFAULT_SCHEMA_BASE, versioned } from "./versions.ts";
export type {
  NewerVersionPolicy,
  OlderVersion,
  VersionedDefinition,
  VersionedInput,
  VersionParser,
  VersionReader,
} from "./versions.ts";
export {
  CLOUDEVENTS_JSON,
  decodeCloudEvent,
  encodeCloudEvent,
  parseCloudEvent,
} from "./envelope.ts";
export type { CloudEvent, EnvelopeOptions } from "./envelope.ts";
export {
  assertEventType,
  assertPattern,
  isWildcard,
  matchesPattern,
  MAX_TYPE_LENGTH,
  MAX_TYPE_TOKENS,
} from "./subject.ts";
export type {
  KnownPattern,
  MatchingTypes,
  PatternTokens,
  TokensMatch,
} from "./subject.ts";
export type {
  BusHealth,
  BusStats,
  CaughtUp,
  ErrorContext,
  ErrorHandler,
  EventBus,
  EventHandler,
  EventOf,
  EventsOptions,
  EventStream,
  MatchedEvent,
  OnceOptions,
  OverflowPolicy,
  PatternOf,
  PublishOptions,
  ResumeGap,
  StartFrom,
  SubscribeOptions,
  Subscription,
} from "./bus.ts";
export {
  BusClosedError,
  ConfigError,
  EventTypeError,
  OverflowError,
  TimeoutError,
  ValidationError,
} from "./errors.ts";
export type { ValidationIssue } from "./errors.ts";
export type { BusOptions } from "./base_bus.ts";
export { Secret } from "./secret.ts";
export { redactUrl } from "./redact.ts";
