/**
 * Closing a bus when the process is asked to stop (SIGINT, SIGTERM), for
 * Deno, Node and Bun. It is an adapter, outside the library's
 * web-standard core: browsers and Workers have no signals.
 *
 * Why it matters: a group member's bus holds the events it prefetched
 * (up to 16) until it acknowledges them. `await bus.close()` hands the
 * unhandled ones back at once, so another member gets them within a
 * second; a process that exits without it leaves them claimed until
 * `ackWait` (30 s by default) runs out. Node's `process.exit()` and the
 * default action of SIGINT/SIGTERM on every runtime end the process
 * without waiting for `close()`.
 *
 * @example Close on Ctrl-C or `kill`, then exit
 * ```ts
 * import { closeOnSignal } from "@mcb/event-bus/shutdown";
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const bus = createLocalEventBus(defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 * }));
 * // SIGINT or SIGTERM: await bus.close(), then exit with 130 or 143.
 * const handle = closeOnSignal(bus);
 * // ... later, to stop listening (e.g. in a test):
 * handle[Symbol.dispose]();
 * await bus.close();
 * ```
 *
 * @module
 */

/** Something with an async `close()`: a bus, or anything to close with it. */
export interface Closable {
  /** Releases it; resolves when done. */
  close(): Promise<void>;
}

/** The signals {@linkcode closeOnSignal} can handle. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Options of {@linkcode closeOnSignal}. */
export interface CloseOnSignalOptions {
  /** The signals to handle. @default {["SIGINT", "SIGTERM"]} */
  signals?: readonly StopSignal[];
  /**
   * Exit once closed, with the shell's code for the signal (130 for
   * SIGINT, 143 for SIGTERM, 129 for SIGHUP); `false` only closes.
   *
   * @default {true}
   */
  exit?: boolean;
  /**
   * Exit after this many ms even if a `close()` has not finished (a
   * handler that never returns). A second signal exits at once.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /** Called with the signal before closing (e.g. to log it). */
  onSignal?: (signal: StopSignal) => void;
  /** Receives a `close()` that failed; the others are still closed. */
  onError?: (error: unknown) => void;
}

/** What {@linkcode closeOnSignal} returns. */
export interface SignalHandle extends Disposable {
  /** The closing started by a signal, or `undefined` before one. */
  readonly closing: Promise<void> | undefined;
}

const NUMBERS: Record<StopSignal, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

interface Runtime {
  listen(signal: StopSignal, listener: () => void): void;
  unlisten(signal: StopSignal, listener: () => void): void;
  exit(code: number): void;
}

interface DenoSignals {
  addSignalListener(signal: StopSignal, listener: () => void): void;
  removeSignalListener(signal: StopSignal, listener: () => void): void;
  exit(code: number): never;
}

interface NodeProcess {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
  exit(code: number): never;
}

function runtime(): Runtime {
  const g = globalThis as { Deno?: DenoSignals; process?: NodeProcess };
  const deno = g.Deno;
  if (deno !== undefined && typeof deno.addSignalListener === "function") {
    return {
      listen: (s, l) => deno.addSignalListener(s, l),
      unlisten: (s, l) => deno.removeSignalListener(s, l),
      exit: (code) => deno.exit(code),
    };
  }
  const process = g.process;
  if (process !== undefined && typeof process.on === "function") {
    return {
      listen: (s, l) => process.on(s, l),
      unlisten: (s, l) => process.off(s, l),
      exit: (code) => process.exit(code),
    };
  }
  throw new TypeError(
    "closeOnSignal: this runtime has no process signals (it needs Deno, Node or Bun)",
  );
}

/**
 * On the first of `options.signals`, closes every target (in parallel),
 * then exits with the signal's exit code unless `exit` is `false`.
 *
 * @param targets The bus, or several things to close.
 * @returns A handle: dispose it to stop listening.
 * @throws {TypeError} on a runtime without process signals, or for an
 *   unknown signal name.
 */
export function closeOnSignal(
  targets: Closable | readonly Closable[],
  options: CloseOnSignalOptions = {},
): SignalHandle {
  const list: readonly Closable[] = Array.isArray(targets)
    ? targets
    : [targets as Closable];
  const signals = options.signals ?? ["SIGINT", "SIGTERM"];
  for (const s of signals) {
    if (!(s in NUMBERS)) {
      throw new TypeError(
        `closeOnSignal: signals must be "SIGINT", "SIGTERM" or "SIGHUP", got ${
          JSON.stringify(s)
        }`,
      );
    }
  }
  const rt = runtime();
  const exit = options.exit ?? true;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let closing: Promise<void> | undefined;
  const listeners = signals.map((signal) => {
    const listener = () => {
      const code = 128 + NUMBERS[signal];
      if (closing !== undefined) {
        if (exit) rt.exit(code); // a second signal: stop waiting
        return;
      }
      options.onSignal?.(signal);
      const all = Promise.all(
        list.map((t) => t.close().catch((error) => options.onError?.(error))),
      ).then(() => {});
      closing = all;
      if (!exit) return;
      const timer = setTimeout(() => rt.exit(code), timeoutMs);
      all.then(() => {
        clearTimeout(timer);
        rt.exit(code);
      });
    };
    rt.listen(signal, listener);
    return [signal, listener] as const;
  });
  return {
    get closing() {
      return closing;
    },
    [Symbol.dispose]() {
      for (const [signal, listener] of listeners) rt.unlisten(signal, listener);
    },
  };
}
