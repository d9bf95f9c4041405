// What the demo modules share: the bus type and how they report back.
// The modules import this file and the library, never each other.
import type { EventBus, McbEvents } from "../../mod.ts";

/** The bus every demo module receives: typed by the MCB catalog. */
export type Bus = EventBus<McbEvents>;

/** One row of the final summary table. */
export interface ModuleReport {
  module: string;
  received: number;
  detail: string;
}

/** A started module: `done` settles once the bus is closed. */
export interface DemoModule {
  report(): ModuleReport;
  done?: Promise<void>;
}

/** `data` as compact JSON, cut to `max` characters. */
export function short(data: unknown, max = 80): string {
  const json = JSON.stringify(data);
  return json.length <= max ? json : `${json.slice(0, max - 1)}…`;
}

/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => String(row[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => row[i].length))
  );
  const line = (values: string[], numeric: boolean[]) =>
    values.map((v, i) =>
      numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])
    )
      .join("  ").trimEnd();
  const numeric = columns.map((c) => typeof rows[0][c] === "number");
  console.log(line(columns, numeric));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  for (const row of cells) console.log(line(row, numeric));
}
