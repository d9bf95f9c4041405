/**
 * Where a subscription starts, and what it is told about the history it
 * replays: {@linkcode StartFrom}, {@linkcode ResumeGap},
 * {@linkcode CaughtUp}. Re-exported by `bus.ts`.
 *
 * @module
 */

/**
 * Where a subscription starts: `"new"` (events published after it is
 * ready), `"all"` (the whole history), a time, a stream sequence, or just
 * after a position returned by `EventBus.position` (resume).
 *
 * Which transports accept what: nats accepts all of them; local accepts
 * `"all"` and `{ after }` only when created with `history` (its bounded
 * ring of recent events), and `"new"` always.
 */
export type StartFrom =
  | "new"
  | "all"
  | { time: Date | string }
  | { sequence: number }
  | { after: string };

/**
 * Why a subscription made with `from: { after }` could not start exactly
 * after that position. Reported to `onGap` before the first resumed event.
 */
export interface ResumeGap {
  /** The position asked for. */
  after: string;
  /**
   * `"expired"`: the history no longer reaches back to it (local: the ring
   * was overwritten; nats: the stream no longer holds the events after it);
   * delivery starts with the oldest event still kept, so some events may be
   * missing. `"unknown"`: it is not a position of this bus (malformed,
   * another transport, another local bus, another stream, or past the
   * stream's end); delivery starts with new events.
   */
  reason: "expired" | "unknown";
  /** A readable explanation. */
  message: string;
}

/**
 * What `Subscription.caughtUp` and
 * `EventStream.caughtUp` resolve with: the replay of the history
 * is over.
 */
export interface CaughtUp {
  /**
   * Events of the history delivered before catching up (`0` for a
   * live-only subscription or an empty history). An event the transport
   * could not decode or validate is reported, not delivered, and not
   * counted.
   */
  replayed: number;
  /**
   * The resume position of the last of them (see
   * `EventBus.position`); `undefined` when none was replayed or
   * it has no position.
   */
  position: string | undefined;
}
