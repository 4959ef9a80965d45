/**
 * Duplicate keys in JSON: `JSON.parse` keeps the last of two equal keys without a word, so a header
 * naming a tensor twice would silently drop one. This scanner (run after JSON.parse accepted the
 * text, so the text is valid JSON) returns the first key that appears twice in the same object.
 */
export function duplicateKey(text: string): { key: string; path: string } | undefined {
  type Frame = { obj: boolean; keys: Set<string>; path: string; last?: string };
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const tok = text.slice(i, j + 1);
      let k = j + 1;
      while (k < n && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
      const top = stack[stack.length - 1];
      if (top && top.obj && text[k] === ':') {
        const key = JSON.parse(tok) as string;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.last = key;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.obj ? `${parent.path}.${parent.last ?? ''}` : `${parent.path}[]`) : '';
      stack.push({ obj: c === '{', keys: new Set(), path });
    } else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return undefined;
}
