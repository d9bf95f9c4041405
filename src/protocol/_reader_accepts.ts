/**
 * Whether a reader's JSON Schema accepts every value a writer's accepts: the
 * structural check behind the compatibility gate, over the JSON Schema zod 4
 * emits (`type`, `properties`, `required`, `additionalProperties`, `items`,
 * `prefixItems`, `enum`, `const`, `anyOf`, `oneOf`, `allOf`, local `$ref`,
 * string, number and array constraints).
 *
 * It reports what it can tell, each with the JSON path into the event's
 * `data`. It errs towards reporting: a keyword it does not analyse counts as
 * a change whenever the reader's value differs from the writer's. A writer
 * object without `additionalProperties` is taken to send its declared fields
 * only (zod strips unknown keys before publishing).
 *
 * @module
 */
import {
  ALL_TYPES,
  ANNOTATIONS,
  branch,
  byType,
  child,
  isAny,
  isNever,
  isObject,
  list,
  merge,
  own,
  props,
  resolve,
  same,
  type SchemaNode,
  typeOfValue,
  typesOf,
  valuesOf,
  within,
  without,
} from "./_schema_nodes.ts";
import {
  acceptsValue,
  type Change,
  type Direction,
  issue,
  numbers,
  type SchemaIssue,
  sizes,
  strings,
  unique,
  Wording,
} from "./_schema_issues.ts";
import type { JSONSchema } from "./json_schema.ts";

export type {
  Direction,
  SchemaIssue,
  SchemaIssueKind,
} from "./_schema_issues.ts";

// Keywords compared below; any other that differs is reported as changed.
const HANDLED = new Set(
  ("type enum const properties required additionalProperties propertyNames " +
    "minProperties maxProperties items prefixItems minItems maxItems " +
    "uniqueItems minLength maxLength pattern format minimum maximum " +
    "exclusiveMinimum exclusiveMaximum multipleOf anyOf oneOf allOf")
    .split(" "),
);

const MAX_DEPTH = 64;

/**
 * Every way `reader` fails to accept what `writer` accepts; empty when it
 * accepts all of it.
 */
export function readerAccepts(
  reader: JSONSchema,
  writer: JSONSchema,
  direction: Direction = "backward",
  path = "data",
): SchemaIssue[] {
  return new Comparison(reader, writer, direction).run(reader, writer, path, 0);
}

class Comparison {
  #reader: JSONSchema;
  #writer: JSONSchema;
  #say: Wording;
  #active = new Map<object, Set<object>>();

  constructor(reader: JSONSchema, writer: JSONSchema, direction: Direction) {
    this.#reader = reader;
    this.#writer = writer;
    this.#say = new Wording(direction);
  }

  run(r: SchemaNode, w: SchemaNode, path: string, depth: number) {
    if (depth > MAX_DEPTH) {
      return [
        issue(path, "too-deep", `not compared below ${MAX_DEPTH} levels`),
      ];
    }
    if (!isObject(r) || !isObject(w)) return this.#compare(r, w, path, depth);
    // A pair already under comparison up the stack (a recursive schema).
    const pending = this.#active.get(r) ?? new Set<object>();
    if (pending.has(w)) return [];
    this.#active.set(r, pending.add(w));
    try {
      return unique(this.#compare(r, w, path, depth));
    } finally {
      pending.delete(w);
    }
  }

  #compare(
    reader: SchemaNode,
    writer: SchemaNode,
    path: string,
    depth: number,
  ): SchemaIssue[] {
    const r = resolve(reader, this.#reader);
    const w = this.#flatten(resolve(writer, this.#writer));
    const next = depth + 1;
    if (w === false || r === true || isAny(r)) return [];
    if (r === false) return [issue(path, "type-changed", "no value accepted")];
    const wn: JSONSchema = w === true ? {} : w;
    const wUnion = wn.anyOf ?? wn.oneOf;
    if (Array.isArray(wUnion)) {
      const all = wUnion.flatMap((b) => this.run(r, branch(wn, b), path, next));
      const lost = (i: SchemaIssue) =>
        i.path === path && i.kind === "type-changed";
      if (!all.some(lost)) return all;
      // One message for the union's types the reader no longer accepts.
      const types = this.#types(wn, this.#writer);
      const rt = this.#types(r, this.#reader);
      return [this.#say.type(path, types, rt), ...all.filter((i) => !lost(i))];
    }
    if (Array.isArray(r.allOf)) {
      return [without(r, "allOf"), ...r.allOf]
        .flatMap((m) => this.run(m, wn, path, next));
    }
    const rUnion = r.anyOf ?? r.oneOf;
    if (Array.isArray(rUnion)) return this.#union(r, rUnion, wn, path, next);
    const issues: SchemaIssue[] = [];
    const wt = typesOf(wn);
    const rt = typesOf(r);
    const kept = (wt ?? ALL_TYPES).filter((t) => within(t, rt));
    if (kept.length < (wt ?? ALL_TYPES).length) {
      issues.push(this.#say.type(path, wt, rt));
    }
    if (kept.length === 0) return issues;
    const wv = valuesOf(wn);
    const rv = valuesOf(r);
    if (wv !== undefined) {
      const lost = wv.filter((v) =>
        within(typeOfValue(v), kept) && !acceptsValue(r, v)
      );
      if (lost.length > 0) {
        issues.push(this.#say.values(path, lost, rv !== undefined));
      }
      return issues;
    }
    if (rv !== undefined) return [...issues, this.#say.restricted(path, rv)];
    const changes: Change[] = [];
    if (kept.includes("string")) strings(r, wn, changes);
    if (kept.includes("number") || kept.includes("integer")) {
      numbers(r, wn, !kept.includes("number"), changes);
    }
    if (kept.includes("array")) {
      issues.push(...this.#arrays(r, wn, path, next, changes));
    }
    if (kept.includes("object")) {
      issues.push(...this.#objects(r, wn, path, next, changes));
    }
    if (changes.length > 0) issues.push(this.#say.constraints(path, changes));
    for (const key of Object.keys(r)) {
      if (
        !HANDLED.has(key) && !ANNOTATIONS.has(key) && !same(r[key], wn[key])
      ) {
        issues.push(this.#say.keyword(path, key, wn[key], r[key]));
      }
    }
    return issues;
  }

  /** The writer with its `allOf` merged into one node. */
  #flatten(node: SchemaNode): SchemaNode {
    for (let i = 0; isObject(node) && Array.isArray(node.allOf) && i < 8; i++) {
      let acc: SchemaNode = without(node, "allOf");
      for (const member of node.allOf as SchemaNode[]) {
        const m = resolve(member, this.#writer);
        if (m === false) return false;
        if (isObject(m)) acc = merge(acc, m);
      }
      node = acc;
    }
    return node;
  }

  #union(
    r: JSONSchema,
    branches: SchemaNode[],
    w: JSONSchema,
    path: string,
    depth: number,
  ): SchemaIssue[] {
    const wt = typesOf(w);
    if (wt !== undefined && wt.length > 1) {
      // One writer type at a time: each may match a different branch.
      return wt.flatMap((t) => this.run(r, byType(w, t), path, depth));
    }
    const tries = branches.map((b) => this.run(branch(r, b), w, path, depth));
    if (tries.some((t) => t.length === 0)) return [];
    const typed = tries.filter((t) =>
      !t.some((i) => i.path === path && i.kind === "type-changed")
    );
    if (typed.length > 0) {
      // The closest branch: a discriminator's value agrees, then fewest.
      const cost = (t: SchemaIssue[]) =>
        t.filter((i) => i.kind === "enum-value-removed").length * 1000 +
        t.length;
      return typed.reduce((a, b) => cost(b) < cost(a) ? b : a);
    }
    return [this.#say.type(path, wt, this.#types(r, this.#reader))];
  }

  /** The types a node allows, through its unions; undefined when any. */
  #types(node: SchemaNode, root: JSONSchema, depth = 0): string[] | undefined {
    const n = resolve(node, root);
    if (n === false) return [];
    if (!isObject(n) || depth > 8) return undefined;
    const union = n.anyOf ?? n.oneOf;
    if (!Array.isArray(union)) return typesOf(n);
    const types = union.map((b) => this.#types(b, root, depth + 1));
    return types.some((t) => t === undefined)
      ? undefined
      : [...new Set(types.flat() as string[])];
  }

  #arrays(
    r: JSONSchema,
    w: JSONSchema,
    path: string,
    depth: number,
    changes: Change[],
  ): SchemaIssue[] {
    const rp = list(r.prefixItems) as SchemaNode[];
    const wp = list(w.prefixItems) as SchemaNode[];
    const rItems = (r.items ?? true) as SchemaNode;
    const wItems = (w.items ?? true) as SchemaNode;
    const issues: SchemaIssue[] = [];
    for (let i = 0; i < Math.max(rp.length, wp.length); i++) {
      const at = `${path}[${i}]`;
      issues.push(...this.run(rp[i] ?? rItems, wp[i] ?? wItems, at, depth));
    }
    issues.push(...this.run(rItems, wItems, `${path}[]`, depth));
    sizes(r, w, "minItems", "maxItems", changes);
    if (r.uniqueItems === true && w.uniqueItems !== true) {
      changes.push(["uniqueItems", "false", "true"]);
    }
    return issues;
  }

  #objects(
    r: JSONSchema,
    w: JSONSchema,
    path: string,
    depth: number,
    changes: Change[],
  ): SchemaIssue[] {
    const [rp, wp] = [props(r), props(w)];
    const rRequired = new Set(list(r.required));
    const wRequired = new Set(list(w.required));
    // A writer without additionalProperties sends its declared fields only.
    const wExtra = w.additionalProperties as SchemaNode | undefined;
    const extras = wExtra !== undefined && !isNever(wExtra);
    const rExtra = r.additionalProperties as SchemaNode | undefined;
    const strict = rExtra !== undefined &&
      isNever(resolve(rExtra, this.#reader));
    const rOpen = rExtra === undefined || strict ? undefined : rExtra;
    const issues: SchemaIssue[] = [];
    const keys = new Set([
      ...Object.keys(wp),
      ...Object.keys(rp),
      ...(rRequired as Set<string>),
    ]);
    for (const key of keys) {
      const at = child(path, key);
      const [rs, ws] = [own(rp, key), own(wp, key)];
      const rResolved = rs === undefined
        ? undefined
        : resolve(rs, this.#reader);
      if (
        rRequired.has(key) && !wRequired.has(key) &&
        !(isObject(rResolved) && "default" in rResolved)
      ) {
        issues.push(this.#say.required(at, ws !== undefined));
      }
      if (ws !== undefined) {
        if (rs !== undefined) issues.push(...this.run(rs, ws, at, depth));
        else if (strict) issues.push(this.#say.strict(at, false));
        else if (rOpen !== undefined) {
          issues.push(...this.run(rOpen, ws, at, depth));
        }
      } else if (rs !== undefined && extras) {
        issues.push(...this.run(rs, wExtra, at, depth));
      }
    }
    if (extras) {
      const at = `${path}.*`;
      if (strict) issues.push(this.#say.strict(at, true));
      else if (rOpen !== undefined) {
        issues.push(...this.run(rOpen, wExtra, at, depth));
      }
      const [rNames, wNames] = [r.propertyNames, w.propertyNames];
      if (rNames !== undefined) {
        const at = `${path}.<key>`;
        const names = (wNames ?? { type: "string" }) as SchemaNode;
        issues.push(...this.run(rNames as SchemaNode, names, at, depth));
      }
    }
    sizes(r, w, "minProperties", "maxProperties", changes);
    return issues;
  }
}
