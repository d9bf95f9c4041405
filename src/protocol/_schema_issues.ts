/**
 * What `_reader_accepts.ts` reports: issue kinds, their wording (from the
 * older schema to the newer one, whichever side reads), the leaf constraint
 * checks (lengths, sizes, patterns, formats, bounds) and a validator for
 * literal values.
 *
 * @module
 */
import {
  type Bound,
  bound,
  isMultiple,
  list,
  same,
  typeOfValue,
  typesOf,
  valuesOf,
  within,
} from "./_schema_nodes.ts";
import type { JSONSchema } from "./json_schema.ts";

/**
 * What a reader fails to accept, by kind: the kinds of
 * `BreakingChangeKind` found by comparing two schemas of a type.
 */
export type SchemaIssueKind =
  | "required-added"
  | "type-changed"
  | "enum-value-removed"
  | "constraint-narrowed"
  | "field-removed-strict"
  | "keyword-changed"
  | "too-deep";

/** One thing a reader does not accept, at a JSON path into `data`. */
export interface SchemaIssue {
  /** Where, e.g. `data.items[].id`. */
  path: string;
  /** What kind of incompatibility. */
  kind: SchemaIssueKind;
  /** What changed, worded from the older schema to the newer one. */
  message: string;
}

/**
 * Which schema is the older one: `"backward"` when the reader is newer (a
 * new consumer reads old data), `"forward"` when the writer is (old
 * consumers read new data). Only the wording of messages depends on it.
 */
export type Direction = "backward" | "forward";

/** A constraint the reader adds: keyword, writer's value, reader's value. */
export type Change = [keyword: string, writer: string, reader: string];

/** Builds issues worded from the older schema to the newer one. */
export class Wording {
  #backward: boolean;

  constructor(direction: Direction) {
    this.#backward = direction === "backward";
  }

  /** `old -> new`. */
  arrow(writer: string, reader: string): string {
    return this.#backward ? `${writer} -> ${reader}` : `${reader} -> ${writer}`;
  }

  /** The writer has types the reader lacks. */
  type(path: string, wt?: string[], rt?: string[]): SchemaIssue {
    const [old, now] = this.#backward ? [wt, rt] : [rt, wt];
    const verb = subset(now, old)
      ? "narrowed"
      : subset(old, now)
      ? "widened"
      : "changed";
    const label = (t?: string[]) => t?.join("|") ?? "any";
    const text = `type ${verb} from ${label(old)} to ${label(now)}`;
    return issue(path, "type-changed", text);
  }

  /** The reader rejects some of the writer's literal values. */
  values(path: string, lost: unknown[], enumerated: boolean): SchemaIssue {
    const s = lost.length > 1 ? "s" : "";
    if (enumerated) {
      const verb = this.#backward ? "removed" : "added";
      return issue(
        path,
        "enum-value-removed",
        `enum value${s} ${show(lost)} ${verb}`,
      );
    }
    const how = this.#backward
      ? "no longer accepted"
      : "not accepted by the older schema";
    return issue(path, "constraint-narrowed", `value${s} ${show(lost)} ${how}`);
  }

  /** The reader lists values, the writer does not. */
  restricted(path: string, values: unknown[]): SchemaIssue {
    const text = `${this.#backward ? "now" : "no longer"} restricted to`;
    return issue(path, "constraint-narrowed", `${text} ${show(values)}`);
  }

  /** The reader requires a field (without default) the writer does not. */
  required(path: string, writerHasField: boolean): SchemaIssue {
    const text = this.#backward
      ? (writerHasField
        ? "optional field became required (no default)"
        : "new required field without a default")
      : (writerHasField
        ? "required field became optional"
        : "required field removed");
    return issue(path, "required-added", text);
  }

  /** The writer sends a field (or any field) a strict reader rejects. */
  strict(path: string, any: boolean): SchemaIssue {
    const text = this.#backward
      ? (any
        ? "additional fields no longer accepted (additionalProperties: false)"
        : "field removed, while additionalProperties: false rejects data that still has it")
      : (any
        ? "additional fields allowed, rejected as unknown (additionalProperties: false)"
        : "new field, rejected as unknown (additionalProperties: false)");
    return issue(path, "field-removed-strict", text);
  }

  /** The reader's constraints are tighter. */
  constraints(path: string, changes: Change[]): SchemaIssue {
    const verb = this.#backward ? "narrowed" : "widened";
    const what = changes.map(([k, w, r]) => `${k} ${this.arrow(w, r)}`);
    const text = `constraints ${verb}: ${what.join(", ")}`;
    return issue(path, "constraint-narrowed", text);
  }

  /** A keyword this check does not analyse differs. */
  keyword(path: string, key: string, writer: unknown, reader: unknown) {
    const change = this.arrow(json(writer), json(reader));
    return issue(
      path,
      "keyword-changed",
      `keyword "${key}" changed (not analysed): ${change}`,
    );
  }
}

/** An issue. */
export function issue(
  path: string,
  kind: SchemaIssueKind,
  message: string,
): SchemaIssue {
  return { path, kind, message };
}

/** The issues without repeats. */
export function unique(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\0${i.kind}\0${i.message}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

/** Whether every type of `a` is within `b` (undefined: any). */
function subset(a?: string[], b?: string[]): boolean {
  return a === undefined ? b === undefined : a.every((t) => within(t, b));
}

function json(value: unknown): string {
  return value === undefined ? "none" : short(JSON.stringify(value));
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function show(values: unknown[]): string {
  const shown = values.slice(0, 10).map((v) => short(JSON.stringify(v)));
  return shown.join(", ") + (values.length > 10 ? ", …" : "");
}

/** A lower (`min`) or upper (`max`) size keyword the reader tightens. */
export function sizes(
  r: JSONSchema,
  w: JSONSchema,
  min: string,
  max: string,
  changes: Change[],
): void {
  const [rMin, wMin] = [(r[min] as number) ?? 0, (w[min] as number) ?? 0];
  if (rMin > wMin) changes.push([min, json(w[min]), String(rMin)]);
  const rMax = (r[max] as number) ?? Infinity;
  const wMax = (w[max] as number) ?? Infinity;
  if (rMax < wMax) {
    changes.push([max, wMax === Infinity ? "none" : String(wMax), `${rMax}`]);
  }
}

/** zod's formats that only name the pattern written beside them. */
const PATTERN_FORMATS = new Set([
  "starts_with",
  "ends_with",
  "includes",
  "lowercase",
  "uppercase",
  "regex",
]);

/** String keywords the reader tightens. */
export function strings(r: JSONSchema, w: JSONSchema, changes: Change[]) {
  sizes(r, w, "minLength", "maxLength", changes);
  const patterned = PATTERN_FORMATS.has(r.format as string) &&
    r.pattern !== undefined;
  if (r.format !== undefined && r.format !== w.format && !patterned) {
    changes.push(["format", json(w.format), json(r.format)]);
  }
  const [rp, wp] = [list(r.pattern), list(w.pattern)];
  const added = rp.filter((p) => !wp.includes(p));
  if (added.length > 0) {
    const text = (ps: unknown[]) =>
      ps.length === 0 ? "none" : ps.map((p) => short(`/${p}/`)).join(" ");
    changes.push([
      "pattern",
      text(wp.filter((p) => !rp.includes(p))),
      text(added),
    ]);
  }
}

/** Number keywords the reader tightens (`integers`: the writer's are). */
export function numbers(
  r: JSONSchema,
  w: JSONSchema,
  integers: boolean,
  changes: Change[],
): void {
  const text = (b: Bound | undefined, op: string) =>
    b === undefined ? "none" : `${op}${b.exclusive ? "" : "="}${b.value}`;
  const tighter = (a: Bound, b: Bound | undefined, low: boolean) =>
    b === undefined || (low ? a.value > b.value : a.value < b.value) ||
    (a.value === b.value && a.exclusive && !b.exclusive);
  for (
    const [side, label, op] of [["min", "lower", ">"], ["max", "upper", "<"]]
  ) {
    const rb = bound(r, side as "min", integers);
    const wb = bound(w, side as "min", integers);
    if (rb !== undefined && tighter(rb, wb, side === "min")) {
      changes.push([`${label} bound`, text(wb, op), text(rb, op)]);
    }
  }
  const step = r.multipleOf;
  if (typeof step === "number") {
    const ws = w.multipleOf;
    const ok = (typeof ws === "number" && isMultiple(ws, step)) ||
      (integers && isMultiple(1, step));
    if (!ok) changes.push(["multipleOf", json(ws), String(step)]);
  }
}

function matches(pattern: unknown, text: string): boolean {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(String(pattern), flags).test(text);
    } catch {
      // Not valid with these flags; try the next.
    }
  }
  return false;
}

/**
 * Whether the node (a reader, already resolved and without unions)
 * accepts the literal `value`: type, values, string and number keywords.
 */
export function acceptsValue(node: JSONSchema, value: unknown): boolean {
  if (!within(typeOfValue(value), typesOf(node))) return false;
  const values = valuesOf(node);
  if (values && !values.some((v) => same(v, value))) return false;
  if (typeof value === "string") {
    const length = [...value].length;
    if (length < ((node.minLength as number) ?? 0)) return false;
    if (length > ((node.maxLength as number) ?? Infinity)) return false;
    return list(node.pattern).every((p) => matches(p, value));
  }
  if (typeof value === "number") {
    const min = bound(node, "min", false);
    const max = bound(node, "max", false);
    if (min && (value < min.value || (min.exclusive && value === min.value))) {
      return false;
    }
    if (max && (value > max.value || (max.exclusive && value === max.value))) {
      return false;
    }
    const step = node.multipleOf;
    return typeof step !== "number" || isMultiple(value, step);
  }
  return true;
}
