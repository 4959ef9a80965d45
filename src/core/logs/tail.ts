/**
 * Live tailing of a log file: each poll reads only the bytes appended since the last one and
 * feeds them to the format's incremental parser (a partial last line or record stays buffered
 * there). A rewrite is detected and everything restarts from zero, with a `reset` event: the file
 * was replaced (inode/birth time change), it shrank, or it was truncated in place and grew past its
 * old size before this poll (the first bytes, or the bytes just before the read position, are not
 * those seen last time). Reads are bounded (256 KiB at a time), so a huge log is parsed in constant
 * extra memory. Only regular files are read (a FIFO is never opened blocking).
 */
import * as fs from 'fs';
import { EventEmitter } from 'events';
import { LogParser, SeriesStore } from './series';
import { readAt, tryOpenRegular } from '../safeFs';

export interface TailUpdate {
  newPoints: number;
  reset: boolean;
  bytes: number;
}
export type ResetReason = 'replaced' | 'shrank' | 'rewritten';

/** Bytes compared at the start of the file and just before the read position to detect rewrites. */
const PROBE = 4096;

export class LogTail extends EventEmitter {
  readonly store: SeriesStore;
  private pos = 0;
  private ino = -1;
  private birth = -1;
  /** the file's first bytes and the bytes before `pos`, as read last time */
  private head = Buffer.alloc(0);
  private before = Buffer.alloc(0);
  private readonly chunk: Buffer;

  constructor(
    readonly file: string,
    readonly parser: LogParser,
    chunkBytes = 1 << 18,
  ) {
    super();
    this.store = new SeriesStore(file);
    this.chunk = Buffer.alloc(chunkBytes);
  }

  /** Read whatever was appended since the last call; emits 'reset' (with the reason) when the file was rewritten. */
  poll(): TailUpdate {
    // a regular file only (safeFs): a missing file, a folder or a FIFO in its place is no new data, never an error
    const f = tryOpenRegular(this.file);
    if (!f) return { newPoints: 0, reset: false, bytes: 0 };
    const fd = f.fd;
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return { newPoints: 0, reset: false, bytes: 0 };
      let why: ResetReason | undefined;
      if (this.ino !== -1 && (st.ino !== this.ino || st.birthtimeMs !== this.birth)) why = 'replaced';
      else if (st.size < this.pos) why = 'shrank';
      else if (
        this.pos > 0 &&
        (!readAt(fd, 0, this.head.length).equals(this.head) ||
          !readAt(fd, this.pos - this.before.length, this.before.length).equals(this.before))
      )
        why = 'rewritten';
      if (why) {
        this.parser.reset();
        this.store.clear();
        this.pos = 0;
        this.head = Buffer.alloc(0);
        this.before = Buffer.alloc(0);
      }
      this.ino = st.ino;
      this.birth = st.birthtimeMs;
      if (why) this.emit('reset', why);
      const reset = why !== undefined;
      if (st.size === this.pos) return { newPoints: 0, reset, bytes: 0 };
      const before = this.parser.stats.points;
      let read = 0;
      for (;;) {
        const n = fs.readSync(fd, this.chunk, 0, this.chunk.length, this.pos);
        if (n <= 0) break;
        this.parser.push(this.chunk.subarray(0, n), this.store.sink);
        this.pos += n;
        read += n;
      }
      this.head = readAt(fd, 0, Math.min(PROBE, this.pos));
      this.before = readAt(fd, Math.max(0, this.pos - PROBE), Math.min(PROBE, this.pos));
      return { newPoints: this.parser.stats.points - before, reset, bytes: read };
    } finally {
      fs.closeSync(fd);
    }
  }

  get position(): number {
    return this.pos;
  }
}
