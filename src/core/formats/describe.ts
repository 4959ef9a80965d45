/**
 * A short, safe text for a value decoded from an untrusted file (for error messages): never
 * recurses more than a few levels, never loops on a cycle, never grows past `maxLen` characters,
 * and never calls a value's own toString / toJSON. JSON.stringify and String() do all of these on
 * hostile input (a self-referencing list, a 200,000-deep nesting) and so cannot be used there.
 */
const MAX_DEPTH = 4;
const MAX_ITEMS = 8;

export function describeValue(v: unknown, maxLen = 120): string {
  const out: string[] = [];
  let len = 0;
  const ancestors = new Set<object>();
  const emit = (s: string): boolean => {
    if (len >= maxLen) return false;
    out.push(s);
    len += s.length;
    return len < maxLen;
  };
  const walk = (x: unknown, depth: number): boolean => {
    if (x === null || x === undefined) return emit(String(x));
    switch (typeof x) {
      case 'string':
        return emit(JSON.stringify(x.length > maxLen ? x.slice(0, maxLen) : x));
      case 'number':
      case 'boolean':
        return emit(String(x));
      case 'bigint':
        return emit(`${x}n`);
      case 'function':
      case 'symbol':
        return emit(`<${typeof x}>`);
    }
    const o = x as object;
    if (ancestors.has(o)) return emit('<cycle>');
    if (depth >= MAX_DEPTH) return emit('…');
    let items: Iterable<unknown>;
    let open = '[',
      close = ']';
    if (Array.isArray(o)) items = o;
    else if (o instanceof Map) {
      items = o.entries();
      open = '{';
      close = '}';
    } else if (o instanceof Set) {
      items = o.values();
      open = 'set(';
      close = ')';
    } else if (ArrayBuffer.isView(o)) return emit(`<${o.constructor?.name ?? 'bytes'} of ${(o as Uint8Array).length ?? '?'}>`);
    else {
      // plain objects of the decoders (globals, storages): their own enumerable keys only
      items = Object.keys(o).map(k => [k, (o as Record<string, unknown>)[k]] as const);
      open = '{';
      close = '}';
    }
    ancestors.add(o);
    try {
      if (!emit(open)) return false;
      let i = 0;
      for (const it of items) {
        if (i > 0 && !emit(', ')) return false;
        if (i >= MAX_ITEMS) {
          emit('…');
          break;
        }
        const pair = open === '{' && Array.isArray(it) && it.length === 2;
        if (pair) {
          if (!walk(it[0], depth + 1) || !emit(': ') || !walk(it[1], depth + 1)) return false;
        } else if (!walk(it, depth + 1)) return false;
        i++;
      }
      return emit(close);
    } finally {
      ancestors.delete(o);
    }
  };
  walk(v, 0);
  let s = out.join('');
  if (len >= maxLen) s = s.slice(0, maxLen) + '…';
  return s;
}
