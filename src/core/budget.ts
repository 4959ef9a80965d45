/**
 * One resource budget (issue 25): limits are checked against what input bytes expand to, not their size on
 * disk. Every allocation derived from input — a file read whole, tensor copies, decoded archive members
 * (at their inflated size, before inflating), series per tag, buffered lines and records — is charged to
 * the budget *before* it happens; past the limit the charge throws one UserInputError naming the file,
 * the quantity and the flag (`--max-resident-mb`, setting `landscapeLens.maxResidentMb`).
 *
 * The budget in force is ambient: the CLI sets one per process (`setProcessBudget`, from the flag), the
 * worker runs each job inside `withBudget` (one per job); readers call `currentBudget()`. Without either,
 * each call gets a fresh budget of the default size, so a long-lived process never accumulates charges.
 * The structural bounds that do not depend on the limit (series per log, bytes per line or record) are
 * INPUT_LIMITS.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { UserInputError } from './errors';

/** The default limit: 1 GiB (the CLI flag's default, `--max-resident-mb 1024`). */
export const DEFAULT_BUDGET_BYTES = 2 ** 30;

/** Structural bounds of parsed text and records, independent of the memory limit. */
export const INPUT_LIMITS = {
  /** distinct series (tags, columns) in one training log */
  maxSeries: 10000,
  /** bytes of one CSV/JSONL line (a longer one is skipped with a warning; parsing resumes at the next line) */
  maxLineBytes: 1 << 20,
  /** bytes of one TensorBoard record (scalars are a few dozen bytes; larger records are skipped) */
  maxRecordBytes: 16 << 20,
  /** bytes scanned for a valid TensorBoard record header after a corrupt one before the rest of the file is given up */
  maxResyncBytes: 1 << 20,
} as const;

const mb = (b: number): string => (b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1);

export class ResourceBudget {
  used = 0;
  peak = 0;
  constructor(
    readonly limit: number = DEFAULT_BUDGET_BYTES,
    readonly flag = '--max-resident-mb',
  ) {
    if (!(limit > 0)) throw new UserInputError(`${flag} must be positive, got ${limit / 2 ** 20}`, { where: flag });
  }

  /** Whether `bytes` more would fit. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  /**
   * Charge `bytes` for `what` (e.g. "inflated member 'x.npy'", "tensor 'fc.weight'") before allocating it;
   * throws (nothing charged) when the total would pass the limit.
   */
  charge(bytes: number, what: string, ctx: { file?: string; where?: string } = {}): void {
    if (!Number.isFinite(bytes) || bytes < 0) throw new UserInputError(`${what} has an impossible size (${bytes} bytes)`, ctx);
    if (this.used + bytes > this.limit)
      throw new UserInputError(
        `${what} needs ${mb(bytes)} MiB in memory, over the budget of ${mb(this.limit)} MiB ` +
          `(${mb(this.used)} MiB already in use); refused before allocating (raise ${this.flag} if this is expected)`,
        ctx,
      );
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  /** A transient allocation (a buffer read, a decode): must fit beside what is in use; nothing stays charged. */
  check(bytes: number, what: string, ctx: { file?: string; where?: string } = {}): void {
    this.charge(bytes, what, ctx);
    this.release(bytes);
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

const store = new AsyncLocalStorage<ResourceBudget>();
let processBudget: ResourceBudget | undefined;

/** The budget in force: the job's (withBudget), else the process's (CLI), else a fresh default one. */
export function currentBudget(): ResourceBudget {
  return store.getStore() ?? processBudget ?? new ResourceBudget();
}

/** Run `fn` (and everything it awaits) under `budget`. */
export function withBudget<T>(budget: ResourceBudget, fn: () => T): T {
  return store.run(budget, fn);
}

/** The CLI: one budget for the whole process (one command). `undefined` restores the default. */
export function setProcessBudget(budget: ResourceBudget | undefined): void {
  processBudget = budget;
}

/** The smallest budget: `--max-resident-mb 0` (stream every input) still reads headers and small tables. */
export const MIN_BUDGET_BYTES = 16 * 2 ** 20;

/** A budget from a limit in MiB (the flag and the setting; at least MIN_BUDGET_BYTES), default DEFAULT_BUDGET_BYTES. */
export function budgetFromMb(maxResidentMb: number | undefined): ResourceBudget {
  return new ResourceBudget(maxResidentMb !== undefined ? Math.max(MIN_BUDGET_BYTES, maxResidentMb * 2 ** 20) : DEFAULT_BUDGET_BYTES);
}
