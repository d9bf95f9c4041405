/**
 * Provisioning the JetStream stream that stores persistent events.
 *
 * @module
 */

import { nanos } from "./client.ts";
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { JetStreamApiCodes, RetentionPolicy, StorageType } from "./client.ts";
import type { NatsConfig } from "./options.ts";
import { StreamConfigError } from "./errors.ts";
import { isApiError } from "./nats_errors.ts";

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
  const actual = await ensureCreated(
    () => jsm.streams.info(config.stream),
    () => jsm.streams.add(wanted),
    JetStreamApiCodes.StreamNotFound,
  );
  if (actual === undefined) return;
  const differences = streamDifferences(wanted, actual);
  if (differences.length > 0) {
    throw new StreamConfigError(config.stream, differences);
  }
}

/**
 * The config of a JetStream stream or consumer (`info`), or creates it
 * (`add`) when the server answers API error `missing` and returns
 * undefined. When the creation fails, another instance may have created it
 * first: returns that one's config (or rethrows the creation's error when
 * there is none).
 */
export async function ensureCreated<T>(
  info: () => Promise<{ config: T }>,
  add: () => Promise<unknown>,
  missing: number,
): Promise<T | undefined> {
  try {
    return (await info()).config;
  } catch (error) {
    if (!isApiError(error, missing)) throw error;
  }
  try {
    await add();
  } catch (error) {
    return (await info().catch(() => {
      throw error;
    })).config;
  }
}
