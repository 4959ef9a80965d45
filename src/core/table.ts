/**
 * Lookup tables keyed by names that come from files (dtypes, storage types, layer classes): a plain
 * object literal inherits `__proto__`, `constructor`, `toString`, … so `SIZES['constructor']` is a
 * function and arithmetic on it gives `NaN bytes`. `table()` makes a frozen null-prototype copy: only
 * the table's own keys are ever found (issue 25).
 */
export function table<V>(entries: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}
