/**
 * The validated settings the nats transport runs with.
 *
 * @module
 */

import type { Secret } from "../core/secret.ts";

/** Validated nats settings; secrets are wrapped in {@linkcode Secret}. */
export interface NatsConfig {
  /** WebSocket URLs (empty only when a connection is passed in). */
  servers: string[];
  /** Token authentication. */
  token?: Secret;
  /** User for user/password authentication. */
  user?: string;
  /** Password for user/password authentication. */
  pass?: Secret;
  /** NKey seed. */
  nkeySeed?: Secret;
  /** `.creds` file contents. */
  creds?: Secret;
  /** JetStream stream name. */
  stream: string;
  /** Subject prefix of persistent events. */
  subjectPrefix: string;
  /** Subject prefix of ephemeral events. */
  ephemeralPrefix: string;
  /** How ephemeral events are encoded. */
  ephemeralEncoding: "structured" | "binary";
  /** Create or check the stream at start. */
  provision: boolean;
  /** De-duplication window, ms. */
  duplicateWindow: number;
  /** Maximum age, ms (0: none). */
  maxAge: number;
  /** Maximum messages (-1: none). */
  maxMsgs: number;
  /** Maximum bytes (-1: none). */
  maxBytes: number;
  /** Stream storage. */
  storage: "file" | "memory";
  /** Stream replicas. */
  replicas: number;
  /** Publish retry deadline, ms. */
  publishTimeout: number;
  /** Group ack wait, ms. */
  ackWait: number;
  /** Group delivery attempts before dead-lettering. */
  maxDeliver: number;
  /** Largest inbound event, bytes. */
  maxEventBytes: number;
  /** Connection name. */
  name?: string;
  /** First connection timeout, ms. */
  connectTimeout: number;
  /** Wait between reconnect attempts, ms. */
  reconnectTimeWait: number;
  /** Random jitter added to each wait, ms. */
  reconnectJitter: number;
  /** Reconnect attempts; -1 is unlimited. */
  maxReconnectAttempts: number;
}
