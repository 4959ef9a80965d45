/**
 * TensorBoard event files (`events.out.tfevents.*`), parsed incrementally.
 * Framing (TFRecord): uint64 length (LE), uint32 masked CRC-32C of the length bytes, the data,
 * uint32 masked CRC-32C of the data — both CRCs verified. A record with a bad data CRC is skipped
 * and counted; a bad length CRC makes the reader resynchronise on the next valid header, within
 * INPUT_LIMITS.maxResyncBytes (past it the rest of the file is ignored: bounded time on 1 GiB of junk);
 * a record longer than INPUT_LIMITS.maxRecordBytes is skipped, never buffered. Never fatal.
 * The data is a `tensorflow.Event` protobuf (decoded with protobufjs from the schema
 * below, a subset of tensorflow/core/util/event.proto and summary.proto): scalars are
 * `summary.value[].simple_value` (TF1, Keras, PyTorch SummaryWriter, tensorboardX) and TF2
 * tensor scalars (`tensor` with dtype DT_FLOAT/DT_DOUBLE and one element, in `float_val`,
 * `double_val` or `tensor_content`) whose plugin is "scalars" (the plugin name is sent with a
 * tag's first value only, so it is remembered per tag).
 */
import * as protobuf from 'protobufjs/light';
import { crc32c } from './crc32c';
import { LogParser, PointSink, newStats, warn } from './series';
import { INPUT_LIMITS } from '../budget';

export function eventSchema(): protobuf.INamespace {
  return SCHEMA;
}

const SCHEMA = {
  nested: {
    Event: {
      fields: {
        wallTime: { type: 'double', id: 1 },
        step: { type: 'int64', id: 2 },
        fileVersion: { type: 'string', id: 3 },
        summary: { type: 'Summary', id: 5 },
      },
    },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    Value: {
      oneofs: { value: { oneof: ['simpleValue', 'obsoleteOldStyleHistogram', 'image', 'histo', 'audio', 'tensor'] } },
      fields: {
        nodeName: { type: 'string', id: 7 },
        tag: { type: 'string', id: 1 },
        metadata: { type: 'SummaryMetadata', id: 9 },
        simpleValue: { type: 'float', id: 2 },
        obsoleteOldStyleHistogram: { type: 'bytes', id: 3 },
        image: { type: 'bytes', id: 4 },
        histo: { type: 'bytes', id: 5 },
        audio: { type: 'bytes', id: 6 },
        tensor: { type: 'TensorProto', id: 8 },
      },
    },
    SummaryMetadata: {
      fields: {
        pluginData: { type: 'PluginData', id: 1 },
        displayName: { type: 'string', id: 2 },
        summaryDescription: { type: 'string', id: 3 },
        dataClass: { type: 'int32', id: 4 },
      },
    },
    PluginData: { fields: { pluginName: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensorShape: { type: 'TensorShapeProto', id: 2 },
        tensorContent: { type: 'bytes', id: 4 },
        floatVal: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
        doubleVal: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
      },
    },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } } },
    Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } },
  },
};

let EventType: protobuf.Type | undefined;
function eventType(): protobuf.Type {
  return (EventType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('Event'));
}

const DT_FLOAT = 1,
  DT_DOUBLE = 2;
const DATA_CLASS_SCALAR = 1;

type Long = { toNumber(): number };
const num = (v: unknown): number =>
  typeof v === 'number' ? v : v && typeof (v as Long).toNumber === 'function' ? (v as Long).toNumber() : Number(v ?? 0);

function masked(c: number): number {
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

interface DecodedValue {
  tag?: string;
  simpleValue?: number;
  value?: string;
  metadata?: { pluginData?: { pluginName?: string }; dataClass?: number };
  tensor?: {
    dtype?: number;
    tensorShape?: { dim?: { size?: unknown }[] };
    tensorContent?: Uint8Array;
    floatVal?: number[];
    doubleVal?: number[];
  };
}

export class TfEventsParser implements LogParser {
  readonly kind = 'tfevents' as const;
  stats = newStats();
  /** records skipped for a bad CRC (data) or resynchronisations (length) */
  corrupt = 0;
  private buf = new Uint8Array(0);
  private offset = 0; // file offset of buf[0]
  private plugin = new Map<string, string>();

  reset(): void {
    this.stats = newStats();
    this.corrupt = 0;
    this.buf = new Uint8Array(0);
    this.offset = 0;
    this.plugin.clear();
    this.resyncing = false;
    this.gaveUp = false;
  }

  push(bytes: Uint8Array, sink: PointSink): void {
    if (this.gaveUp) return; // the rest of a file with no valid record in reach is ignored (bounded time)
    // copy: `bytes` may be a view of a reused read buffer (Buffer.slice would be a view too)
    if (this.buf.length === 0) this.buf = Uint8Array.prototype.slice.call(bytes);
    else {
      const b = new Uint8Array(this.buf.length + bytes.length);
      b.set(this.buf);
      b.set(bytes, this.buf.length);
      this.buf = b;
    }
    const buf = this.buf;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let p = 0;
    while (buf.length - p >= 12) {
      const lenLo = dv.getUint32(p, true),
        lenHi = dv.getUint32(p + 4, true);
      if (dv.getUint32(p + 8, true) !== masked(crc32c(buf, p, p + 8))) {
        // bad length CRC: resynchronise on the next byte whose header checks out
        if (!this.resyncing) {
          this.resyncing = true;
          this.resyncFrom = this.offset + p;
          this.corrupt++;
          this.stats.skipped++;
          warn(this.stats, `bad length CRC at byte ${this.offset + p}; resynchronising`);
        } else if (this.offset + p - this.resyncFrom > INPUT_LIMITS.maxResyncBytes) {
          this.gaveUp = true;
          warn(
            this.stats,
            `no valid record within ${INPUT_LIMITS.maxResyncBytes} bytes after byte ${this.resyncFrom}; ` +
              'the rest of the file is ignored',
          );
          this.buf = new Uint8Array(0);
          return;
        }
        p++;
        continue;
      }
      this.resyncing = false;
      const len = lenHi * 2 ** 32 + lenLo;
      if (len > INPUT_LIMITS.maxRecordBytes) {
        // never buffered: a scalar record is a few dozen bytes
        this.corrupt++;
        this.stats.skipped++;
        warn(this.stats, `record at byte ${this.offset + p} claims ${len} bytes (limit ${INPUT_LIMITS.maxRecordBytes}); skipped`);
        this.resyncing = true;
        this.resyncFrom = this.offset + p;
        p++;
        continue;
      }
      if (buf.length - p < 12 + len + 4) break; // incomplete: wait for more bytes
      const dataStart = p + 12;
      if (dv.getUint32(dataStart + len, true) !== masked(crc32c(buf, dataStart, dataStart + len))) {
        this.corrupt++;
        this.stats.skipped++;
        warn(this.stats, `bad data CRC in the record at byte ${this.offset + p}; record skipped`);
        p = dataStart + len + 4;
        continue;
      }
      this.stats.records++;
      this.event(buf.subarray(dataStart, dataStart + len), sink, this.offset + p);
      p = dataStart + len + 4;
    }
    this.buf = Uint8Array.prototype.slice.call(buf, p);
    this.offset += p;
  }
  private resyncing = false;
  private resyncFrom = 0;
  private gaveUp = false;

  private event(data: Uint8Array, sink: PointSink, at: number): void {
    let ev: { wallTime?: number; step?: unknown; summary?: { value?: DecodedValue[] } };
    try {
      ev = eventType().decode(data) as unknown as typeof ev;
    } catch (e) {
      this.stats.skipped++;
      this.corrupt++;
      warn(this.stats, `record at byte ${at}: not an Event protobuf (${(e as Error).message})`);
      return;
    }
    const values = ev.summary?.value;
    if (!values) return;
    const step = num(ev.step),
      wall = ev.wallTime ?? NaN;
    for (const v of values) {
      const tag = v.tag ?? '';
      const pluginName = v.metadata?.pluginData?.pluginName;
      if (pluginName) this.plugin.set(tag, pluginName);
      else if (v.metadata?.dataClass === DATA_CLASS_SCALAR) this.plugin.set(tag, 'scalars');
      if (v.value === 'simpleValue') {
        sink(tag, step, v.simpleValue ?? 0, wall);
        this.stats.points++;
        continue;
      }
      if (v.value === 'tensor' && v.tensor) {
        const known = this.plugin.get(tag);
        if (known !== undefined && known !== 'scalars') continue;
        const x = tensorScalar(v.tensor);
        if (x !== undefined) {
          sink(tag, step, x, wall);
          this.stats.points++;
        }
      }
    }
  }
}

function tensorScalar(t: NonNullable<DecodedValue['tensor']>): number | undefined {
  const dims = t.tensorShape?.dim ?? [];
  if (dims.reduce((a, d) => a * num(d.size), 1) !== 1) return undefined;
  if (t.dtype === DT_FLOAT) {
    if (t.floatVal && t.floatVal.length) return t.floatVal[0];
    if (t.tensorContent && t.tensorContent.length >= 4)
      return new DataView(t.tensorContent.buffer, t.tensorContent.byteOffset, 4).getFloat32(0, true);
  } else if (t.dtype === DT_DOUBLE) {
    if (t.doubleVal && t.doubleVal.length) return t.doubleVal[0];
    if (t.tensorContent && t.tensorContent.length >= 8)
      return new DataView(t.tensorContent.buffer, t.tensorContent.byteOffset, 8).getFloat64(0, true);
  }
  return undefined;
}
