/**
 * Live tailing of a log file: each poll reads only the bytes appended since the last one and
 * feeds them to the format's incremental parser (a partial last line or record stays buffered
 * there). If the file shrinks or is replaced (inode/birth time change), everything restarts from
 * zero. Reads are bounded (256 KiB at a time), so a huge log is parsed in constant extra memory.
 */
import * as fs from 'fs';
import { LogParser, SeriesStore } from './series';

export interface TailUpdate { newPoints: number; reset: boolean; bytes: number }

export class LogTail {
  readonly store = new SeriesStore();
  private pos = 0;
  private ino = -1;
  private birth = -1;
  private readonly chunk: Buffer;

  constructor(readonly file: string, readonly parser: LogParser, chunkBytes = 1 << 18) { this.chunk = Buffer.alloc(chunkBytes); }

  /** Read whatever was appended since the last call. */
  poll(): TailUpdate {
    let st: fs.Stats;
    try { st = fs.statSync(this.file); } catch { return { newPoints: 0, reset: false, bytes: 0 }; }
    let reset = false;
    if ((this.ino !== -1 && (st.ino !== this.ino || st.birthtimeMs !== this.birth)) || st.size < this.pos) {
      this.parser.reset(); this.store.clear(); this.pos = 0; reset = true;
    }
    this.ino = st.ino; this.birth = st.birthtimeMs;
    if (st.size === this.pos) return { newPoints: 0, reset, bytes: 0 };
    const before = this.parser.stats.points;
    const fd = fs.openSync(this.file, 'r');
    let read = 0;
    try {
      for (;;) {
        const n = fs.readSync(fd, this.chunk, 0, this.chunk.length, this.pos);
        if (n <= 0) break;
        this.parser.push(this.chunk.subarray(0, n), this.store.sink);
        this.pos += n; read += n;
      }
    } finally { fs.closeSync(fd); }
    return { newPoints: this.parser.stats.points - before, reset, bytes: read };
  }

  get position(): number { return this.pos; }
}
