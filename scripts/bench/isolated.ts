/**
 * Runs each local case in a fresh isolate (a module `Worker`), so that no
 * case inherits another's JIT state. Run one after another in one isolate,
 * the same bus case measured 1.4 M/s or 2.3 M/s depending on which cases
 * ran before it (type feedback of the shared bus code, GC state), which
 * made ratios a matter of order. Each isolate warms up, times its rounds
 * and reports them; the whole list is gone through `repeats` times,
 * interleaved, so that a noisy moment on a shared machine lands on every
 * case alike. The median is over every round of every repeat.
 *
 * @module
 */

import {
  type BenchCase,
  type BenchOptions,
  type BenchResult,
  fillRatios,
  resultOf,
} from "./harness.ts";

/** What the worker is asked to measure. */
export interface IsolatedRequest {
  /** Index of the case in `localCases()`. */
  index: number;
  /** Its name and subscriber count, checked by the worker. */
  name: string;
  subscribers: number;
  options: BenchOptions;
}

/** What the worker answers. */
export type IsolatedReply =
  | { ok: true; result: BenchResult }
  | { ok: false; error: string };

const WORKER = new URL("./local_worker.ts", import.meta.url);

function measureInWorker(request: IsolatedRequest): Promise<BenchResult> {
  const worker = new Worker(WORKER, { type: "module" });
  return new Promise<BenchResult>((resolve, reject) => {
    worker.onmessage = (message: MessageEvent<IsolatedReply>) => {
      const reply = message.data;
      if (reply.ok) resolve(reply.result);
      else reject(new Error(`${request.name}: ${reply.error}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`${request.name}: worker failed: ${event.message}`));
    };
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

/**
 * Measures `cases` (a subset of `localCases()`, whose indexes in it are
 * given by `indexOf`) each in its own isolate, `repeats` times.
 */
export async function runIsolated(
  cases: BenchCase[],
  indexOf: (c: BenchCase) => number,
  options: BenchOptions,
  repeats: number,
  onResult?: (result: BenchResult) => void,
): Promise<BenchResult[]> {
  const rounds = new Map<BenchCase, number[]>();
  for (let r = 0; r < repeats; r++) {
    for (const c of cases) {
      const result = await measureInWorker({
        index: indexOf(c),
        name: c.name,
        subscribers: c.subscribers,
        options,
      });
      const all = rounds.get(c) ?? [];
      all.push(...result.roundsEventsPerSec);
      rounds.set(c, all);
    }
  }
  const results = cases.map((c) => resultOf(c, rounds.get(c)!));
  fillRatios(results);
  for (const result of results) onResult?.(result);
  return results;
}
