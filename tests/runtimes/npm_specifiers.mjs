// Deno's `npm:<name>@<range>[/<subpath>]` specifiers for Node: a module
// resolve hook maps them to the bare `<name>[/<subpath>]`, resolved from the
// scratch project's node_modules (installed at the deno.lock versions). The
// generated import map of the Node run, for the few test files that use
// `npm:` specifiers directly. Not used by Bun (Bun 1.4 has no such hook)
// nor by Deno (which resolves them itself).
import module from "node:module";
import process from "node:process";

/** `npm:/@scope/name@^1.2.3/sub` -> `@scope/name/sub`. */
export function bareOfNpmSpecifier(specifier) {
  const rest = specifier.slice(4).replace(/^\//, "");
  const at = rest.indexOf("@", 1);
  if (at < 0) return rest;
  const slash = rest.indexOf("/", at);
  return rest.slice(0, at) + (slash < 0 ? "" : rest.slice(slash));
}

const isNode = !process.versions.bun && !process.versions.deno;
if (isNode && typeof module.registerHooks === "function") {
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      return nextResolve(
        specifier.startsWith("npm:")
          ? bareOfNpmSpecifier(specifier)
          : specifier,
        context,
      );
    },
  });
}
