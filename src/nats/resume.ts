/**
 * Resume positions of the nats transport: `n:<stream>:<sequence>`, and how
 * `from: { after }` turns into the sequence a consumer starts at.
 * @module
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { ResumeGap, StartFrom } from "../core/bus.ts";

/** The position of stream sequence `seq`: `n:<stream>:<seq>`. */
export function positionOf(stream: string, seq: number): string {
  return `n:${stream}:${seq}`;
}

/** Where {@linkcode resolveAfter} reports. */
export interface ResumeReports {
  /** The stream cannot serve the position exactly. */
  gap(gap: ResumeGap): void;
  /** The stream's bounds could not be read. */
  error(error: unknown): void;
}

/**
 * Turns `from: { after }` into the stream sequence to start at, telling
 * `gap` when the stream cannot serve it exactly: a position of another
 * stream or a malformed one starts with new events; one past the stream's
 * end (the stream was recreated?) starts after its end; one older than the
 * stream's first message starts there (JetStream does).
 */
export async function resolveAfter(
  jsm: JetStreamManager,
  stream: string,
  after: string,
  reports: ResumeReports,
): Promise<StartFrom> {
  const prefix = positionOf(stream, 0).slice(0, -1);
  const digits = after.startsWith(prefix) ? after.slice(prefix.length) : "";
  if (!/^\d{1,15}$/.test(digits)) {
    reports.gap({
      after,
      reason: "unknown",
      message:
        `"${after}" is not a position in stream ${stream} (expected "${prefix}<sequence>"); starting with new events`,
    });
    return "new";
  }
  const seq = Number(digits);
  let state: { first_seq: number; last_seq: number };
  try {
    state = (await jsm.streams.info(stream)).state;
  } catch (error) {
    // Without the stream's bounds, resume blindly; reading reports why the
    // stream is unreachable if it is.
    reports.error(error);
    return { sequence: seq + 1 };
  }
  if (seq > state.last_seq) {
    reports.gap({
      after,
      reason: "unknown",
      message:
        `"${after}" is past the end of stream ${stream} (last sequence ${state.last_seq}; was the stream recreated?); starting with new events`,
    });
    return { sequence: state.last_seq + 1 };
  }
  if (seq + 1 < state.first_seq) {
    reports.gap({
      after,
      reason: "expired",
      message: `stream ${stream} no longer holds sequences ${seq + 1} to ${
        state.first_seq - 1
      } (limits or a purge removed them); resuming from ${state.first_seq}`,
    });
  }
  return { sequence: seq + 1 };
}
