/**
 * Protocol-buffer wire format (https://protobuf.dev/programming-guides/encoding/), just enough to
 * copy an ONNX ModelProto field by field: unknown and untouched fields are kept as their exact bytes.
 */

export interface WireField {
  no: number;
  wt: number;
  start: number;
  end: number;
  dataStart: number;
  dataEnd: number;
  value?: number;
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let r = 0,
    mul = 1;
  for (let i = 0; i < 10; i++) {
    const c = b[pos++];
    if (c === undefined) throw new RangeError('truncated varint');
    r += (c & 0x7f) * mul;
    mul *= 128;
    if (!(c & 0x80)) return [r, pos];
  }
  throw new RangeError('varint longer than 10 bytes');
}

/** The top-level fields of one message, in file order. */
export function wireFields(b: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const [tag, p1] = readVarint(b, pos);
    pos = p1;
    const no = Math.floor(tag / 8),
      wt = tag & 7;
    let dataStart = pos,
      dataEnd: number,
      value: number | undefined;
    if (wt === 0) {
      const [v, p2] = readVarint(b, pos);
      value = v;
      dataEnd = p2;
      pos = p2;
    } else if (wt === 1) {
      dataEnd = pos + 8;
      pos = dataEnd;
    } else if (wt === 5) {
      dataEnd = pos + 4;
      pos = dataEnd;
    } else if (wt === 2) {
      const [len, p2] = readVarint(b, pos);
      dataStart = p2;
      dataEnd = p2 + len;
      pos = dataEnd;
    } else throw new RangeError(`unsupported wire type ${wt} at byte ${start}`);
    if (pos > b.length) throw new RangeError(`field ${no} runs past the end of its message`);
    out.push({ no, wt, start, end: pos, dataStart, dataEnd, value });
  }
  return out;
}

export function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  if (v < 0) throw new RangeError('negative varint');
  do {
    let c = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) c |= 0x80;
    out.push(c);
  } while (v > 0);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const lenField = (no: number, data: Uint8Array): Uint8Array =>
  concatBytes([Uint8Array.from([...varint(no * 8 + 2), ...varint(data.length)]), data]);
export const strField = (no: number, s: string): Uint8Array => lenField(no, new TextEncoder().encode(s));
export const intField = (no: number, v: number): Uint8Array => Uint8Array.from([...varint(no * 8), ...varint(v)]);
export const fieldString = (b: Uint8Array, f: WireField): string => new TextDecoder().decode(b.subarray(f.dataStart, f.dataEnd));
