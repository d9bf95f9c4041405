/**
 * What the root entry (`mod.ts`) exports from the configuration: validation
 * and environment variables, which load no NATS code (the factory,
 * `createEventBus`, and `loadConfig` are in `@mcb/event-bus/config`,
 * `mod.ts` of this folder).
 *
 * @module
 */
export { parseConfig, TRANSPORTS } from "./config.ts";
export {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  normalizeNatsConfig,
} from "./nats_config.ts";
export type {
  Duration,
  DurationSetting,
  NatsConfig,
  NatsConfigInput,
} from "./nats_config.ts";
export type {
  CommonConfigInput,
  EventBusConfig,
  EventBusConfigInput,
  LocalConfigInput,
  NatsTransportConfigInput,
  TransportName,
} from "./config.ts";
export { configFromEnv, ENV_ALIASES, ENV_VARIABLES } from "./env.ts";
export type { NatsConnectionLike, NatsEventBus } from "../nats/types.ts";
export type { ConnectionStatus } from "../nats/status.ts";
export type { ConnectTuning, WebSocketFactory } from "../nats/connect.ts";
