/**
 * Configuration: schema, environment variables, and the transport factory.
 *
 * @module
 */
export {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  parseConfig,
  redactUrl,
  TRANSPORTS,
} from "./config.ts";
export type {
  CommonConfigInput,
  EventBusConfig,
  EventBusConfigInput,
  LocalConfigInput,
  NatsConfig,
  NatsConfigInput,
  NatsTransportConfigInput,
  TransportName,
} from "./config.ts";
export { configFromEnv, ENV_ALIASES, ENV_VARIABLES } from "./env.ts";
export { createEventBus } from "./create_event_bus.ts";
export { Secret } from "./secret.ts";
