/**
 * Globs of landscape.json (`**` any path, `**` + `/` zero or more folders, `*` within a segment,
 * `?` one character, `{a,b}` alternatives, nested) matched in linear time: braces are expanded
 * (a bounded number of alternatives) and each alternative is run as a small NFA over the path,
 * one set of states per character — O(pattern × path), never the exponential backtracking a
 * RegExp built from `**a**a…` gets (picomatch compiles to such a RegExp too). Patterns longer
 * than MAX_GLOB_LENGTH are refused.
 */
import { UserInputError } from './errors';

export const MAX_GLOB_LENGTH = 1000;
/** Alternatives a pattern's braces may expand to, and their total length. */
const MAX_ALTERNATIVES = 1024;
const MAX_EXPANDED_CHARS = 64 * 1024;

export interface GlobMatcher {
  readonly glob: string;
  test(path: string): boolean;
}

function expandBraces(glob: string, fail: (msg: string) => never): string[] {
  let total = 0;
  const out: string[] = [];
  const rec = (s: string, from: number): void => {
    for (let i = s.indexOf('{', from); i >= 0; i = s.indexOf('{', i + 1)) {
      let depth = 0,
        end = -1;
      const commas: number[] = [];
      for (let j = i; j < s.length; j++) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}') {
          if (--depth === 0) {
            end = j;
            break;
          }
        } else if (s[j] === ',' && depth === 1) commas.push(j);
      }
      if (end < 0) continue; // an unmatched '{' is a literal character
      const parts: string[] = [];
      let a = i + 1;
      for (const c of [...commas, end]) {
        parts.push(s.slice(a, c));
        a = c + 1;
      }
      for (const p of parts) {
        const next = s.slice(0, i) + p + s.slice(end + 1);
        rec(next, i);
        if (out.length > MAX_ALTERNATIVES) fail(`its braces expand to more than ${MAX_ALTERNATIVES} alternatives`);
      }
      return;
    }
    out.push(s);
    total += s.length;
    if (total > MAX_EXPANDED_CHARS) fail(`its braces expand to more than ${MAX_EXPANDED_CHARS} characters`);
  };
  rec(glob, 0);
  return out;
}

interface State {
  eps: number[];
  test?: (ch: string) => boolean;
  to?: number;
}

function compileAlternative(p: string): { states: State[]; accept: number } {
  const states: State[] = [];
  const add = (): number => {
    states.push({ eps: [] });
    return states.length - 1;
  };
  let cur = add();
  const any = (): boolean => true,
    notSlash = (ch: string): boolean => ch !== '/';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '*' && p[i + 1] === '*') {
      let j = i;
      while (p[j] === '*') j++;
      if (p[j] === '/') {
        // `**/`: zero or more whole folders
        const loop = add(),
          slash = add(),
          next = add();
        states[cur].eps.push(next, loop);
        states[loop].test = any;
        states[loop].to = loop;
        states[loop].eps.push(slash);
        states[slash].test = c => c === '/';
        states[slash].to = next;
        cur = next;
        i = j;
      } else {
        // `**`: anything
        const next = add();
        states[cur].test = any;
        states[cur].to = cur;
        states[cur].eps.push(next);
        cur = next;
        i = j - 1;
      }
    } else if (ch === '*') {
      const next = add();
      states[cur].test = notSlash;
      states[cur].to = cur;
      states[cur].eps.push(next);
      cur = next;
    } else {
      const next = add();
      states[cur].test = ch === '?' ? notSlash : (c: string) => c === ch;
      states[cur].to = next;
      cur = next;
    }
  }
  return { states, accept: cur };
}

function runNfa(nfa: { states: State[]; accept: number }, s: string): boolean {
  const n = nfa.states.length;
  let on = new Uint8Array(n),
    nextOn = new Uint8Array(n);
  const close = (set: Uint8Array, start: number): void => {
    const stack = [start];
    while (stack.length) {
      const k = stack.pop()!;
      if (set[k]) continue;
      set[k] = 1;
      for (const e of nfa.states[k].eps) if (!set[e]) stack.push(e);
    }
  };
  close(on, 0);
  for (const ch of s) {
    nextOn.fill(0);
    let any = false;
    for (let k = 0; k < n; k++)
      if (on[k]) {
        const st = nfa.states[k];
        if (st.test && st.test(ch)) {
          close(nextOn, st.to!);
          any = true;
        }
      }
    if (!any) return false;
    [on, nextOn] = [nextOn, on];
  }
  return on[nfa.accept] === 1;
}

/** A matcher for `glob`; a UserInputError (with `ctx`) when the pattern is too long or expands too far. */
export function compileGlob(glob: string, ctx: { file?: string; where?: string } = {}): GlobMatcher {
  const fail = (msg: string): never => {
    throw new UserInputError(`glob '${glob.slice(0, 60)}${glob.length > 60 ? '…' : ''}' is refused: ${msg}`, ctx);
  };
  if (glob.length > MAX_GLOB_LENGTH) fail(`it is ${glob.length} characters long (limit ${MAX_GLOB_LENGTH})`);
  const nfas = expandBraces(glob, fail).map(compileAlternative);
  return { glob, test: (s: string) => nfas.some(nfa => runNfa(nfa, s)) };
}
