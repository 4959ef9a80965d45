/**
 * Clean terminal text (issue 25): names read from files (tags, tensors, layers, nodes, quoted parse
 * errors) may hold escape sequences — `\x1b[2J` clears the screen, OSC `\x1b]0;…\x07` retitles it,
 * bidi overrides reorder what the user reads. One function escapes every such character as the
 * visible text `\uXXXX`: C0 controls (U+0000–U+001F, except the line breaks a text keeps), DEL
 * (U+007F), C1 controls (U+0080–U+009F), the bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), the marks U+200E, U+200F, U+061C, and the line/paragraph separators U+2028/U+2029.
 * The `\uXXXX` form keeps JSON valid: inside a JSON string it is the same character's escape.
 * No dependency: shared by the CLI and the extension.
 */

// eslint-disable-next-line no-control-regex -- the control characters are what this matches
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const esc = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** One line: every control character escaped, line breaks included (error messages, names). */
export function termLine(s: string): string {
  return String(s).replace(UNSAFE_ALL, esc);
}

/** Multi-line text: as termLine, but `\n` and `\t` are kept. */
export function termText(s: string): string {
  return String(s).replace(UNSAFE_TEXT, esc);
}

/** Whether `s` holds a character termLine would escape. */
export function hasControl(s: string): boolean {
  UNSAFE_ALL.lastIndex = 0;
  const r = UNSAFE_ALL.test(s);
  UNSAFE_ALL.lastIndex = 0;
  return r;
}

type Write = (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

/**
 * Route everything written to `stream` through termText (the CLI installs it on stdout and stderr for
 * the whole run, so no printing path can forget it). Returns the stream's original write, for the
 * few writes that are the program's own control text (the progress bar's carriage returns).
 */
export function guardStream(stream: NodeJS.WriteStream): (s: string) => boolean {
  const s = stream as unknown as { write: Write; __termGuard?: (s: string) => boolean };
  if (s.__termGuard) return s.__termGuard;
  const raw = s.write.bind(stream) as Write;
  s.write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    return typeof encoding === 'function' ? raw(termText(text), encoding) : raw(termText(text), encoding, cb);
  };
  s.__termGuard = (t: string) => raw(t);
  return s.__termGuard;
}
