/**
 * Finding checkpoint paths in source lines (pure; used by the hover and CodeLens providers and
 * unit-tested): quoted string literals in Python (with r/b/f/u prefixes), TS/JS (' " `), JSON,
 * YAML, TOML and shell, plus unquoted path-like values in YAML, TOML and shell
 * (`checkpoint: runs/a/model.json`, `landscape diagnose runs/a/model.json`). `file://` URLs
 * (tf.loadLayersModel("file://…")) are reduced to their path.
 */
export interface PathLiteral {
  text: string;
  start: number;
  end: number;
}

const QUOTED = /(["'`])((?:\\.|(?!\1).)*)\1/g;
const UNQUOTED_LANGS = new Set(['yaml', 'toml', 'shellscript', 'ini', 'properties', 'dockerfile', 'makefile']);
const CHECKPOINT_EXT = /\.(json|keras|h5|hdf5|onnx|safetensors|pt|pth|ckpt|bin)$/i;
/** Loader calls whose first string argument is a checkpoint. */
const LOADERS = [
  'torch.load',
  'tf.loadLayersModel',
  'tf.loadGraphModel',
  'loadLayersModel',
  'keras.models.load_model',
  'tf.keras.models.load_model',
  'load_model',
  'safetensors.torch.load_file',
  'load_file',
  'onnx.load',
];
export const LOADER_CALL = new RegExp(`\\b(?:${LOADERS.map(n => n.replace(/\./g, '\\.')).join('|')})\\s*\\(\\s*$`);

/** All quoted literals on the line (contents without quotes; start/end are content offsets). */
export function stringLiterals(line: string): PathLiteral[] {
  const out: PathLiteral[] = [];
  QUOTED.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = QUOTED.exec(line))) out.push({ text: m[2], start: m.index + 1, end: m.index + m[0].length - 1 });
  return out;
}

/** The string literal (quoted with ' " or `) that contains `col` on this line, if any. */
export function stringLiteralAt(line: string, col: number): PathLiteral | undefined {
  for (const l of stringLiterals(line)) if (col >= l.start - 1 && col <= l.end + 1) return l;
  return undefined;
}

/** Unquoted path-like tokens (containing a / or ending in a checkpoint extension), outside quotes and comments. */
export function unquotedPaths(line: string, languageId: string): PathLiteral[] {
  if (!UNQUOTED_LANGS.has(languageId)) return [];
  const out: PathLiteral[] = [];
  const masked = line.replace(QUOTED, s => ' '.repeat(s.length));
  const hash = masked.search(/(^|\s)#/);
  const text = hash >= 0 ? masked.slice(0, hash) : masked;
  const re = /(?:file:\/\/)?[\w.~@+\-/\\]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const t = m[0];
    if ((t.includes('/') || CHECKPOINT_EXT.test(t)) && /[A-Za-z]/.test(t) && !/^-/.test(t))
      out.push({ text: t, start: m.index, end: m.index + t.length });
  }
  return out;
}

/** The path candidate under the cursor: a quoted literal, else an unquoted path token (YAML, TOML, shell). */
export function pathCandidateAt(line: string, col: number, languageId: string): PathLiteral | undefined {
  const q = stringLiteralAt(line, col);
  if (q) return q;
  return unquotedPaths(line, languageId).find(p => col >= p.start && col <= p.end);
}

/** Every path candidate on the line (for CodeLens). */
export function pathCandidates(line: string, languageId: string): PathLiteral[] {
  return [...stringLiterals(line), ...unquotedPaths(line, languageId)].filter(l => l.text.length > 0 && l.text.length <= 1024);
}

/** Literal text → file-system path text: `file://` prefix removed, `~/` kept for the resolver. */
export function literalToPath(text: string): string {
  let p = text.trim();
  if (/^file:\/\//i.test(p)) {
    p = p.replace(/^file:\/\//i, '');
    try {
      p = decodeURIComponent(p);
    } catch {
      /* keep */
    }
  }
  return p;
}

/** True when the literal is the argument of a known loader call (torch.load, tf.loadLayersModel, keras load_model, ...). */
export function isLoaderArgument(line: string, lit: PathLiteral): boolean {
  return LOADER_CALL.test(line.slice(0, Math.max(0, lit.start - 1)));
}
