/**
 * Byte-level mutations for the parsers' fuzz tests: each edit (position, value, op) overwrites a byte
 * (op 0), deletes one (op 1) or truncates the file there (op 2); a file is never cut below one byte.
 */
export function mutate(seed: ArrayLike<number>, edits: [number, number, number][]): Uint8Array {
  const b = Array.from(seed);
  for (const [pos, val, op] of edits) {
    if (b.length < 2) break;
    const i = pos % b.length;
    if (op === 0) b[i] = val;
    else if (op === 1) b.splice(i, 1);
    else b.length = Math.max(1, i);
  }
  return Uint8Array.from(b);
}
