// The npm package.json generator of `deno task build:npm`
// (scripts/npm_package/package_json.ts): generated from deno.json, and the build
// fails when the "exports" of deno.json and package.json differ.
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import {
  type DenoJson,
  exportMismatches,
  npmExports,
  packageJson,
  splitDependencies,
} from "../../scripts/npm_package/package_json.ts";
import { bareOfNpmSpecifier } from "./npm_specifiers.mjs";

const deno = denoJson as DenoJson;
const used = new Map([
  ["@nats-io/jetstream", "^3.4.0"],
  ["@nats-io/nats-core", "^3.4.0"],
  ["zod", "^4.1.12"],
]);

Deno.test("npm package.json: every deno.json export, with types and import conditions", () => {
  const exports = npmExports(deno);
  assert.deepEqual(Object.keys(exports), Object.keys(deno.exports));
  assert.deepEqual(exports["."], {
    types: "./esm/mod.d.ts",
    import: "./esm/mod.js",
  });
  assert.deepEqual(exports["./nats"], {
    types: "./esm/src/nats/mod.d.ts",
    import: "./esm/src/nats/mod.js",
  });
  assert.deepEqual(exportMismatches(deno, { exports }), []);
});

Deno.test("npm package.json: fields from deno.json, zod a peer, nats dependencies", () => {
  const pkg = packageJson(deno, splitDependencies(used));
  assert.equal(pkg.name, deno.name);
  assert.equal(pkg.version, deno.version);
  assert.equal(pkg.license, deno.license);
  assert.equal(pkg.type, "module");
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(pkg.engines, { node: ">=22" });
  assert.deepEqual(pkg.dependencies, {
    "@nats-io/jetstream": "^3.4.0",
    "@nats-io/nats-core": "^3.4.0",
  });
  assert.deepEqual(pkg.peerDependencies, { zod: "^4.1.12" });
  assert.deepEqual(pkg.devDependencies, { zod: "^4.1.12" });
});

Deno.test("npm package.json: an export missing on either side is reported", () => {
  const exports = npmExports(deno);
  const { "./testing": _dropped, ...withoutTesting } = exports;
  assert.deepEqual(exportMismatches(deno, { exports: withoutTesting }), [
    'deno.json export "./testing" is missing from package.json',
  ]);
  const extra = { ...exports, "./extra": { types: "x", import: "y" } };
  assert.deepEqual(exportMismatches(deno, { exports: extra }), [
    'package.json export "./extra" is missing from deno.json',
  ]);
  const moved = { ...exports, ".": { types: "./a.d.ts", import: "./a.js" } };
  assert.equal(exportMismatches(deno, { exports: moved }).length, 1);
});

Deno.test("npm package.json: a peer dependency the library does not import is an error", () => {
  assert.throws(
    () => splitDependencies(new Map([["@nats-io/nats-core", "^3.4.0"]])),
    /peer dependency zod is not imported/,
  );
});

Deno.test("npm: specifiers map to bare package specifiers (Node resolve hook)", () => {
  assert.equal(
    bareOfNpmSpecifier("npm:@nats-io/jetstream@^3.4.0"),
    "@nats-io/jetstream",
  );
  assert.equal(bareOfNpmSpecifier("npm:/zod@^4.1.12/mini"), "zod/mini");
  assert.equal(bareOfNpmSpecifier("npm:zod"), "zod");
  assert.equal(bareOfNpmSpecifier("npm:@scope/name/sub"), "@scope/name/sub");
});
