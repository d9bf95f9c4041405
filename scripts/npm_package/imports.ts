/**
 * The package's subpath imports (package.json "imports"): the repository's
 * package.json maps each `#name` to `.ts` sources by runtime condition (for
 * Deno and Bun running the sources); the npm package maps the same
 * conditions to the compiled files in `esm/`.
 * @module
 */
import { ESM_DIR } from "./package_json.ts";

/** `#name` -> condition -> `./path.ts`. */
export type SourceImports = Record<string, Record<string, string>>;

/** The "imports" of the repository's package.json at `root`. */
export async function readSourceImports(root: string): Promise<SourceImports> {
  const pkg = JSON.parse(await Deno.readTextFile(`${root}package.json`));
  const imports: SourceImports = pkg.imports ?? {};
  for (const [name, conditions] of Object.entries(imports)) {
    for (const [condition, target] of Object.entries(conditions)) {
      if (!/^\.\/[\w/.-]+\.ts$/.test(target)) {
        throw new Error(
          `package.json imports["${name}"]["${condition}"] must be a ./relative .ts file, got ${target}`,
        );
      }
    }
  }
  return imports;
}

/** Every file the imports map to, without `./`, each once. */
export function importTargetsOf(imports: SourceImports): Set<string> {
  return new Set(
    Object.values(imports).flatMap((c) =>
      Object.values(c).map((p) => p.slice(2))
    ),
  );
}

/** `./adapters/x.ts` -> `./esm/adapters/x.js`, for every condition. */
export function npmImports(imports: SourceImports): SourceImports {
  return Object.fromEntries(
    Object.entries(imports).map(([name, conditions]) => [
      name,
      Object.fromEntries(
        Object.entries(conditions).map(([condition, target]) => [
          condition,
          `./${ESM_DIR}/${target.slice(2, -3)}.js`,
        ]),
      ),
    ]),
  );
}
