/**
 * Shared rules of every checkpoint writer: outputs are new files only. A default output name sits
 * beside the input with a tag before the extension (`model.json` → `model.special.json`,
 * `net.onnx` → `net.perturbed.onnx`), with a numeric suffix (`net.perturbed.2.onnx`) while a name is
 * taken; files are created with the exclusive flag 'wx', so an existing file is never replaced even
 * if it appears between the check and the write.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../../errors';
import { writeOutput } from '../../output';

/** Split a checkpoint path into folder, stem and extension (`.json`, `.onnx`, `.safetensors`). */
export function splitName(file: string): { dir: string; stem: string; ext: string } {
  const dir = path.dirname(file),
    base = path.basename(file);
  const ext = path.extname(base);
  return { dir, stem: ext ? base.slice(0, -ext.length) : base, ext };
}

/**
 * A free output path beside `input`: `<stem>.<tag><ext>`, then `<stem>.<tag>.2<ext>`, … `companions`
 * maps a candidate to further files it implies (e.g. the weights shard of a model.json); all must be free.
 */
export function defaultOutputPath(input: string, tag: string, ext?: string, companions: (p: string) => string[] = () => []): string {
  const { dir, stem, ext: e0 } = splitName(input);
  const e = ext ?? e0;
  for (let i = 1; i < 10000; i++) {
    const p = path.join(dir, `${stem}.${tag}${i === 1 ? '' : `.${i}`}${e}`);
    if ([p, ...companions(p)].every(f => !fs.existsSync(f))) return p;
  }
  throw new UserInputError(`no free output name for tag '${tag}' beside the input`, { file: input });
}

/**
 * Create a new file through the one output writer (src/core/output.ts: contained in the folder it was
 * claimed for, temporary name then link, removed on failure); refuse (UserInputError) when it exists.
 */
export function writeNewFile(file: string, data: string | Uint8Array): void {
  writeOutput(file, data);
}

/** Refuse before writing anything when any of the outputs exists, or one of them is an input. */
export function checkNew(files: string[], inputs: string[] = []): void {
  const ins = new Set(inputs.map(f => path.resolve(f)));
  for (const f of files) {
    if (ins.has(path.resolve(f))) throw new UserInputError('the output would replace an input file; refused', { file: f });
    if (fs.existsSync(f))
      throw new UserInputError('output file already exists; choose a new name (Landscape Lens never overwrites files)', { file: f });
  }
}

/** float32 → IEEE half (round to nearest even), the inverse of halfToFloat32 on representable values. */
export function float32ToHalf(v: Float32Array): Uint16Array {
  const out = new Uint16Array(v.length);
  const f = new Float32Array(1),
    u = new Uint32Array(f.buffer);
  for (let i = 0; i < v.length; i++) {
    f[0] = v[i];
    const x = u[0],
      sign = (x >>> 16) & 0x8000,
      exp = (x >>> 23) & 0xff,
      mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      const m = mant | 0x800000,
        shift = 14 - e;
      let h = m >>> shift;
      const rem = m & ((1 << shift) - 1),
        half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    out[i] = sign | h;
  }
  return out;
}

/** float32 → bfloat16 (round to nearest even). */
export function float32ToBf16(v: Float32Array): Uint16Array {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length),
    out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = u[i];
    out[i] = Number.isNaN(v[i]) ? 0x7fc0 : (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}
