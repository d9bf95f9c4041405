/**
 * The table name option of the stores, checked once for every database.
 *
 * @module
 */

/** Checks a table name option; it is written into SQL unquoted. */
export function tableName(store: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(
      `Cannot create the ${store}: table must be a plain SQL identifier, received ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}
