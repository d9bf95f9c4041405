/**
 * Helpers over JSON Schema nodes as zod 4 emits them, for the reader/writer
 * comparison in `_reader_accepts.ts`: local `$ref` resolution, `allOf`
 * merging, union branches, the types and literal values a node allows.
 *
 * @module
 */
import type { JSONSchema } from "./json_schema.ts";

/** A schema node: an object, or `true` / `false` (anything / nothing). */
export type SchemaNode = JSONSchema | boolean;

/** Keywords that describe but do not constrain. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "$defs",
  "definitions",
  "id",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "contentEncoding",
  "contentMediaType",
]);

/** Every JSON type; `integer` is within `number`. */
export const ALL_TYPES: readonly string[] = [
  "null",
  "boolean",
  "object",
  "array",
  "number",
  "string",
];

/** Bounds zod writes for `z.int()`: no bound in practice. */
const SAFE = Number.MAX_SAFE_INTEGER;

/** Whether `value` is a schema object (not a boolean schema). */
export function isObject(value: unknown): value is JSONSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether the node accepts every value (`true`, `{}`, annotations only). */
export function isAny(node: SchemaNode | undefined): boolean {
  return node === true || node === undefined ||
    (isObject(node) && Object.keys(node).every((k) => ANNOTATIONS.has(k)));
}

/** Whether the node accepts no value (`false`, `{ not: {} }`). */
export function isNever(node: SchemaNode | undefined): boolean {
  return node === false || (isObject(node) && "not" in node &&
    isAny(node.not as SchemaNode));
}

/** `record[key]` if it is an own property (`"constructor"` is a field name). */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `node` without `keys`. */
export function without(node: JSONSchema, ...keys: string[]): JSONSchema {
  const out = { ...node };
  for (const key of keys) delete out[key];
  return out;
}

/** The node a local `$ref` (`#`, `#/$defs/x`) points to in `root`. */
function pointer(root: JSONSchema, ref: string): SchemaNode | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(
      /~0/g,
      "~",
    );
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return typeof node === "boolean" || isObject(node) ? node : undefined;
}

/**
 * The node with its local `$ref`s followed (sibling keywords kept), draft-07
 * tuples rewritten as `prefixItems`, and `pattern` as a list that includes
 * the patterns of pattern-only `allOf` members.
 */
export function resolve(node: SchemaNode, root: JSONSchema): SchemaNode {
  let current = node;
  for (let hops = 0; isObject(current) && hops < 32; hops++) {
    const ref = current.$ref;
    if (typeof ref !== "string") break;
    const target = pointer(root, ref);
    if (target === undefined) break;
    const rest = without(current, "$ref");
    if (target === false) return false;
    current = target === true ? rest : { ...target, ...rest };
  }
  if (!isObject(current)) return current;
  if (isNever(current)) return false;
  const out = { ...current };
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items;
    out.items = out.additionalItems;
    delete out.additionalItems;
  }
  const patterns = list(out.pattern);
  if (Array.isArray(out.allOf)) {
    // zod writes several patterns as allOf: [{ pattern }, ...]: one list.
    const only = (m: unknown) =>
      isObject(m) && typeof m.pattern === "string" &&
      Object.keys(m).every((k) => k === "pattern" || ANNOTATIONS.has(k));
    patterns.push(...out.allOf.filter(only).map((m) => m.pattern));
    const rest = out.allOf.filter((m) => !only(m));
    if (rest.length > 0) out.allOf = rest;
    else delete out.allOf;
  }
  if (patterns.length > 0) out.pattern = patterns;
  return out;
}

/** A value as a list. */
export function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const SUBSCHEMAS = ["additionalProperties", "items", "propertyNames", "not"];
const LOWER = ["minimum", "exclusiveMinimum", "minLength", "minItems"];
const UPPER = ["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

/**
 * One node that accepts at most what `a` and `b` both accept, for a
 * writer's `allOf`. It may accept more than the exact intersection (a
 * conflicting keyword it cannot combine keeps `a`'s value;
 * `additionalProperties` applies to the merged `properties`), which makes
 * the writer look wider: the comparison then errs towards reporting.
 */
export function merge(a: JSONSchema, b: JSONSchema): JSONSchema {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    if (mine === undefined) out[key] = value;
    else if (key === "pattern") out[key] = [...list(mine), ...list(value)];
    else if (key === "required") {
      out[key] = [...new Set([...list(mine), ...list(value)])];
    } else if (key === "properties" && isObject(mine) && isObject(value)) {
      const both: JSONSchema = { ...value, ...mine };
      for (const name of Object.keys(mine)) {
        if (Object.hasOwn(value, name)) {
          both[name] = { allOf: [mine[name], value[name]] };
        }
      }
      out[key] = both;
    } else if (SUBSCHEMAS.includes(key)) {
      out[key] = { allOf: [mine, value] };
    } else if (key === "type") {
      const both = list(mine).filter((t) => list(value).includes(t));
      out[key] = both.length > 0 ? both : mine;
    } else if (LOWER.includes(key) && typeof value === "number") {
      out[key] = Math.max(mine as number, value);
    } else if (UPPER.includes(key) && typeof value === "number") {
      out[key] = Math.min(mine as number, value);
    }
  }
  return out;
}

/** The literal values a node allows (`enum` / `const`), if it lists them. */
export function valuesOf(node: JSONSchema): unknown[] | undefined {
  if ("const" in node) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

/** The JSON type of a value (`integer` for whole numbers). */
export function typeOfValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") {
    return Number.isInteger(value) ? "integer" : "number";
  }
  return typeof value;
}

/** The types a node allows; undefined when any. */
export function typesOf(node: JSONSchema): string[] | undefined {
  if (node.type !== undefined) return list(node.type) as string[];
  const values = valuesOf(node);
  return values && [...new Set(values.map(typeOfValue))];
}

/** Whether type `t` is among `types` (undefined: any); integer ⊂ number. */
export function within(t: string, types: readonly string[] | undefined) {
  return types === undefined || types.includes(t) ||
    (t === "integer" && types.includes("number"));
}

/** Deep equality of JSON values. */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A numeric bound: its value and whether it excludes the value. */
export interface Bound {
  /** The bound's value. */
  value: number;
  /** True for `exclusiveMinimum` / `exclusiveMaximum`. */
  exclusive: boolean;
}

/**
 * The tighter of a node's inclusive and exclusive bounds on one side;
 * for whole numbers (`integers`) normalised to an inclusive whole bound.
 * zod's safe-integer bounds count as none.
 */
export function bound(
  node: JSONSchema,
  side: "min" | "max",
  integers: boolean,
): Bound | undefined {
  const low = side === "min";
  const inclusive = node[low ? "minimum" : "maximum"];
  const exclusive = node[low ? "exclusiveMinimum" : "exclusiveMaximum"];
  const candidates: Bound[] = [];
  if (typeof inclusive === "number" && Math.abs(inclusive) < SAFE) {
    candidates.push({ value: inclusive, exclusive: false });
  }
  if (typeof exclusive === "number" && Math.abs(exclusive) < SAFE) {
    candidates.push({ value: exclusive, exclusive: true });
  }
  const normal = candidates.map((b): Bound =>
    !integers ? b : {
      value: low
        ? (b.exclusive ? Math.floor(b.value) + 1 : Math.ceil(b.value))
        : (b.exclusive ? Math.ceil(b.value) - 1 : Math.floor(b.value)),
      exclusive: false,
    }
  );
  const tighter = (a: Bound, b: Bound) =>
    (low ? a.value > b.value : a.value < b.value) ||
    (a.value === b.value && a.exclusive);
  return normal.reduce<Bound | undefined>(
    (best, b) => best === undefined || tighter(b, best) ? b : best,
    undefined,
  );
}

/** Whether `a` is a whole multiple of `b`. */
export function isMultiple(a: number, b: number): boolean {
  const q = a / b;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

/** A union branch with the union's sibling keywords. */
export function branch(parent: JSONSchema, b: SchemaNode): SchemaNode {
  const siblings = without(parent, "anyOf", "oneOf");
  return isAny(siblings) ? b : { allOf: [siblings, b] };
}

/** The part of `w` of one type (its literal values of that type only). */
export function byType(w: JSONSchema, t: string): JSONSchema {
  const values = valuesOf(w);
  const out = without(w, "const", "enum");
  out.type = t;
  if (values) out.enum = values.filter((v) => within(typeOfValue(v), [t]));
  return out;
}

/** The path of field `key` under `path`. */
export function child(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

/** The `properties` of a node (none when absent). */
export function props(node: JSONSchema): Record<string, SchemaNode> {
  return (isObject(node.properties) ? node.properties : {}) as Record<
    string,
    SchemaNode
  >;
}
