// The keys a configuration file may hold, with their snake_case aliases,
// descriptions and environment variables (used for the JSON Schema and for
// error messages); their checks and the nats defaults are the config's
// fields (src/config/).

import { ENV_VARIABLES } from "../config/env.ts";

/** What is known about one key of the file. */
export interface KeyInfo {
  /** What the key does. */
  description: string;
  /**
   * Its default, for the event bus keys (the `nats` keys' defaults are in
   * their fields, `natsFields()`).
   */
  default?: unknown;
}

/** The keys of the event bus section (camelCase, as `parseConfig` takes). */
export const BUS_KEYS: Record<string, KeyInfo> = {
  transport: {
    description: 'The transport: "local" (one process) or "nats".',
    default: "local",
  },
  source: {
    description:
      'CloudEvents `source` of this instance, a URI-reference such as "/my-app/instance-1". Default: /mcb/event-bus/<random>.',
  },
  validate: { description: "Validate `data` at publish.", default: true },
  history: {
    description:
      "local only: recent events kept for resume (position(), from: { after }).",
    default: 0,
  },
  nats: { description: "nats transport: connection and stream settings." },
};

/** Keys of the `nats` section read from files instead of written inline. */
export const SECRET_FILE_KEYS = {
  tokenFile: "token",
  passFile: "pass",
  nkeySeedFile: "nkeySeed",
  credsFile: "creds",
} as const;

/** The keys of the `nats` section (camelCase). */
export const NATS_KEYS: Record<string, KeyInfo> = {
  servers: {
    description:
      "WebSocket URLs (ws:// or wss://): an array, or one string (comma-separated in the environment). Required for nats.",
  },
  token: { description: "Token authentication (secret; prefer token_file)." },
  tokenFile: {
    description:
      "A file holding the token (e.g. /run/secrets/nats_token); trailing whitespace is removed.",
  },
  user: { description: "User for user/password authentication (needs pass)." },
  pass: {
    description:
      "Password for user/password authentication (secret; prefer pass_file).",
  },
  passFile: { description: "A file holding the password." },
  nkeySeed: {
    description: "NKey seed (SU...) for nkey authentication (secret).",
  },
  nkeySeedFile: { description: "A file holding the NKey seed." },
  creds: {
    description: "The text of a .creds file (secret; prefer creds_file).",
  },
  credsFile: { description: "A NATS .creds file (JWT and nkey seed)." },
  stream: { description: "JetStream stream name." },
  subjectPrefix: { description: "Events travel on <subjectPrefix>.<type>." },
  ephemeralPrefix: {
    description:
      "Subject prefix of ephemeral events, outside <subjectPrefix>.>. Default: <subjectPrefix>_ephemeral.",
  },
  ephemeralEncoding: { description: "How ephemeral events are encoded." },
  provision: { description: "Create or check the stream at start." },
  duplicateWindow: { description: "JetStream de-duplication window, ms." },
  maxAge: { description: "Drop events older than this, ms; 0 keeps them." },
  maxMsgs: { description: "Most events kept; -1 for no limit." },
  maxBytes: { description: "Most bytes kept; -1 for no limit." },
  storage: { description: "Stream storage." },
  replicas: { description: "Stream replicas (1, 3 or 5 in a cluster)." },
  publishTimeout: {
    description: "How long publish retries before it rejects, ms.",
  },
  ackWait: {
    description:
      "Group consumers: time to handle an event before redelivery, ms.",
  },
  maxDeliver: {
    description: "Group consumers: attempts before the dead-letter subject.",
  },
  maxEventBytes: { description: "Largest inbound event accepted, bytes." },
  name: {
    description: "Connection name shown by the server. Default: the source.",
  },
  connectTimeout: { description: "First connection timeout, ms." },
  reconnectTimeWait: {
    description: "Wait between reconnect attempts, ms (plus jitter).",
  },
  reconnectJitter: {
    description: "Upper bound of the random jitter added to each wait, ms.",
  },
  maxReconnectAttempts: { description: "Reconnect attempts; -1 is unlimited." },
};

/** `subjectPrefix` -> `subject_prefix`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The environment variable of a config path (`nats.stream`), if any. */
export function envVariableOf(path: string): string | undefined {
  return Object.entries(ENV_VARIABLES).find(([, p]) => p === path)?.[0];
}

/**
 * The camelCase key a file key names (`subject_prefix` and `subjectPrefix`
 * both name `subjectPrefix`), or undefined when it names none.
 */
export function canonicalKey(
  key: string,
  known: Record<string, KeyInfo>,
): string | undefined {
  if (Object.hasOwn(known, key)) return key;
  return Object.keys(known).find((k) => snakeCase(k) === key);
}

/** The closest known key (for "did you mean"), in the file's style. */
export function suggest(
  key: string,
  known: Record<string, KeyInfo>,
): string | undefined {
  const snake = key.includes("_") || key === key.toLowerCase();
  const candidates = Object.keys(known).map((k) => snake ? snakeCase(k) : k);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4))
    ? best
    : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j] + 1,
        row[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length];
}
