/**
 * The words of the settings table (settings.ts): what each setting does,
 * and for a secret what its `<key>File` file key does. Kept apart from the
 * rows so bundles that parse a configuration do not carry them; the
 * compiler checks that every row has its words and no words lack a row.
 * The JSON Schema and the README's settings table are built from both.
 *
 * @module
 */

import type { BUS_SETTINGS, NATS_SETTINGS } from "./settings.ts";

/** What a setting does, as the JSON Schema and the README show it. */
export interface SettingDoc {
  /** One or two sentences. */
  text: string;
  /** A secret's `<key>File` key: what it holds. */
  file?: string;
  /** The default as the README shows it, when the row has none. */
  shown?: string;
}

/**
 * What every `duration` setting (a "..., ms." row) also accepts, said once:
 * the JSON Schema adds it to those settings' descriptions.
 */
export const DURATION_DOC =
  'A number of milliseconds, or a whole number with a unit: "500ms", "30s", "2m", "1h".';

/** The words of the event bus settings. */
export const BUS_DOCS = {
  transport: {
    text:
      'The transport: "local" (one process) or "nats"; in the environment `tokio`, `memory` and `inprocess` mean local.',
  },
  source: {
    text:
      'CloudEvents `source` of this instance, a URI-reference such as "/my-app/instance-1".',
    shown: "`/mcb/event-bus/<random>`",
  },
  validate: { text: "Validate `data` at publish." },
  onError: {
    text: "Receives isolated errors `(error, { kind, pattern, event })`.",
    shown: "`console.error`",
  },
  history: {
    text:
      "local only: recent events kept for resume (`position()`, `from: { after }`).",
  },
  nats: { text: "nats transport: connection and stream settings." },
} as const satisfies Record<keyof typeof BUS_SETTINGS, SettingDoc>;

/** The words of the `nats` settings. */
export const NATS_DOCS = {
  servers: {
    text:
      "WebSocket URLs (ws:// or wss://): an array, or one string (comma-separated in the environment). Required for nats.",
    shown: "(required for nats)",
  },
  token: {
    text: "Token authentication (secret; prefer token_file).",
    file:
      "A file holding the token (e.g. /run/secrets/nats_token); trailing whitespace is removed.",
  },
  user: { text: "User for user/password authentication (needs pass)." },
  pass: {
    text:
      "Password for user/password authentication (secret; prefer pass_file).",
    file: "A file holding the password.",
  },
  nkeySeed: {
    text: "NKey seed (SU...) for nkey authentication (secret).",
    file: "A file holding the NKey seed.",
  },
  creds: {
    text: "The text of a .creds file (secret; prefer creds_file).",
    file: "A NATS .creds file (JWT and nkey seed).",
  },
  stream: { text: "JetStream stream name." },
  subjectPrefix: { text: "Events travel on `<subjectPrefix>.<type>`." },
  ephemeralPrefix: {
    text:
      "Subject prefix of ephemeral events, outside `<subjectPrefix>.>`; they are not stored.",
    shown: "`<subjectPrefix>_ephemeral`",
  },
  ephemeralEncoding: {
    text:
      'How ephemeral events are encoded: "structured" (the event as JSON, no headers) or "binary" (`ce-*` headers).',
  },
  provision: { text: "Create or check the stream at start." },
  duplicateWindow: { text: "JetStream de-duplication window, ms." },
  maxAge: { text: "Drop events older than this, ms; 0 keeps them." },
  maxMsgs: { text: "Most events kept; -1 for no limit." },
  maxBytes: { text: "Most bytes kept; -1 for no limit." },
  storage: { text: "Stream storage." },
  replicas: { text: "Stream replicas (1, 3 or 5 in a cluster)." },
  publishTimeout: { text: "How long publish retries before it rejects, ms." },
  ackWait: {
    text: "Group consumers: time to handle an event before redelivery, ms.",
  },
  maxDeliver: {
    text: "Group consumers: attempts before the dead-letter subject.",
  },
  maxEventBytes: { text: "Largest inbound event accepted, bytes." },
  name: {
    text: "Connection name shown by the server.",
    shown: "the `source`",
  },
  connectTimeout: { text: "First connection timeout, ms." },
  reconnectTimeWait: {
    text: "Wait between reconnect attempts, ms (plus jitter).",
  },
  reconnectJitter: {
    text: "Upper bound of the random jitter added to each wait, ms.",
  },
  maxReconnectAttempts: { text: "Reconnect attempts; -1 is unlimited." },
} as const satisfies Record<keyof typeof NATS_SETTINGS, SettingDoc>;
