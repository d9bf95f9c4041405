/**
 * The NATS client values the transport uses, imported from nats.js in this
 * one module (types are imported where they are used). Bundlers wrap each
 * module that imports a CommonJS package such as nats.js; one importer keeps
 * that cost, and the list of what the transport takes from the client, in
 * one place.
 *
 * @module
 */
export {
  credsAuthenticator,
  errors,
  headers,
  nanos,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  wsconnect,
} from "@nats-io/nats-core";
export {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
