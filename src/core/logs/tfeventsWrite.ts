/**
 * Writes TensorBoard event files (TFRecord framing with masked CRC-32C; `Event` protobufs with
 * TF1-style `simple_value` scalars) — for the demo workspace, benchmarks and tests. Appends only.
 */
import * as fs from 'fs';
import * as protobuf from 'protobufjs/light';
import { maskedCrc32c } from './crc32c';
import { eventSchema } from './tfevents';

let EventType: protobuf.Type | undefined;

export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length, true);
  dv.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  dv.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export function encodeScalarEvent(step: number, wallTime: number, scalars: Record<string, number>): Uint8Array {
  EventType ??= protobuf.Root.fromJSON(eventSchema()).lookupType('Event');
  const msg = EventType.create({
    wallTime,
    step,
    summary: { value: Object.entries(scalars).map(([tag, simpleValue]) => ({ tag, simpleValue })) },
  });
  return frameRecord(EventType.encode(msg).finish());
}

export function encodeFileVersion(wallTime: number): Uint8Array {
  EventType ??= protobuf.Root.fromJSON(eventSchema()).lookupType('Event');
  return frameRecord(EventType.encode(EventType.create({ wallTime, fileVersion: 'brain.Event:2' })).finish());
}

export function appendScalars(file: string, step: number, wallTime: number, scalars: Record<string, number>): void {
  if (!fs.existsSync(file)) fs.writeFileSync(file, encodeFileVersion(wallTime), { flag: 'wx' });
  fs.appendFileSync(file, encodeScalarEvent(step, wallTime, scalars));
}
