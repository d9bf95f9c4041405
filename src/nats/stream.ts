/**
 * Provisioning the JetStream stream that stores persistent events.
 *
 * @module
 */

import { nanos } from "./client.ts";
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { RetentionPolicy, StorageType } from "./client.ts";
import type { NatsConfig } from "./options.ts";
import { StreamConfigError } from "./errors.ts";
import { isStreamNotFound } from "./nats_errors.ts";

/** The stream settings the configuration asks for. */
export function wantedStream(
  config: NatsConfig,
): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: config.stream,
    subjects: [`${config.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: config.storage === "memory"
      ? StorageType.Memory
      : StorageType.File,
    num_replicas: config.replicas,
    duplicate_window: nanos(config.duplicateWindow),
    max_age: nanos(config.maxAge),
    max_msgs: config.maxMsgs,
    max_bytes: config.maxBytes,
  };
}

const COMPARED = [
  ["retention", "retention"],
  ["storage", "storage"],
  ["num_replicas", "replicas"],
  ["duplicate_window", "duplicateWindow"],
  ["max_age", "maxAge"],
  ["max_msgs", "maxMsgs"],
  ["max_bytes", "maxBytes"],
] as const;

function show(key: string, value: unknown): string {
  if (
    (key === "duplicate_window" || key === "max_age") &&
    typeof value === "number"
  ) return `${value / 1e6} ms`;
  return JSON.stringify(value);
}

/** Lists each setting of `actual` that differs from `wanted`. */
export function streamDifferences(
  wanted: Partial<StreamConfig>,
  actual: Partial<StreamConfig>,
): string[] {
  const out: string[] = [];
  const subject = (wanted.subjects ?? [])[0];
  const subjects = actual.subjects ?? [];
  if (!subjects.includes(subject) && !subjects.includes(">")) {
    out.push(
      `subjects: expected to include "${subject}", found ${
        JSON.stringify(subjects)
      }`,
    );
  }
  for (const [key, option] of COMPARED) {
    const w = wanted[key];
    const a = actual[key];
    if (w !== undefined && w !== a) {
      out.push(
        `${key} (option ${option}): expected ${show(key, w)}, found ${
          show(key, a)
        }`,
      );
    }
  }
  return out;
}

/**
 * Creates the stream if it is missing; checks an existing one.
 *
 * @throws {StreamConfigError} naming each setting that differs.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  config: NatsConfig,
): Promise<void> {
  const wanted = wantedStream(config);
  let actual: Partial<StreamConfig> | undefined;
  try {
    actual = (await jsm.streams.info(config.stream)).config;
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
  if (actual === undefined) {
    try {
      await jsm.streams.add(wanted);
      return;
    } catch (error) {
      // Another instance may have created it first: compare with that one.
      actual = (await jsm.streams.info(config.stream).catch(() => {
        throw error;
      })).config;
    }
  }
  const differences = streamDifferences(wanted, actual);
  if (differences.length > 0) {
    throw new StreamConfigError(config.stream, differences);
  }
}
