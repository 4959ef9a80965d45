/**
 * The record of what the surgery commands did (add special neurons, perturb weights): one entry
 * per command run with the input checkpoint, the files written and the measured effects (the
 * worker job's JSON result). Kept in the extension's storage (never in the user's folders) as one
 * JSON file, newest last, at most MAX_RECORDS; the dashboard of a run shows the entries whose
 * input or output lies in that run. No VS Code dependency, so it is unit-tested directly.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SpecialNeuronsJobResult, PerturbJobResult } from '../core/surgery/jobs';

export const MAX_RECORDS = 200;

export type SurgeryRecord =
  | { id: number; kind: 'specialNeurons'; at: string; checkpoint: string; outFiles: string[]; result: SpecialNeuronsJobResult }
  | { id: number; kind: 'perturb'; at: string; checkpoint: string; outFiles: string[]; result: PerturbJobResult };

export type NewSurgeryRecord = SurgeryRecord extends infer R ? R extends SurgeryRecord ? Omit<R, 'id' | 'at'> : never : never;

export class SurgeryLog {
  private records: SurgeryRecord[] = [];
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'surgery.json');
    try {
      const j = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { records?: SurgeryRecord[] };
      if (Array.isArray(j.records)) this.records = j.records.filter(r => r && typeof r.checkpoint === 'string' && Array.isArray(r.outFiles));
    } catch { /* none yet, or unreadable: start empty */ }
  }

  get all(): readonly SurgeryRecord[] { return this.records; }

  add(r: NewSurgeryRecord): SurgeryRecord {
    const rec = { ...r, id: (this.records[this.records.length - 1]?.id ?? 0) + 1, at: new Date().toISOString() } as SurgeryRecord;
    this.records.push(rec);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    this.save();
    return rec;
  }

  /** Entries whose input or any output lies under `dir`, or is one of `checkpoints`. */
  forRun(dir: string, checkpoints: string[] = []): SurgeryRecord[] {
    const root = path.resolve(dir) + path.sep;
    const set = new Set(checkpoints.map(c => path.resolve(c)));
    const inRun = (p: string) => { const r = path.resolve(p); return set.has(r) || r.startsWith(root); };
    return this.records.filter(r => inRun(r.checkpoint) || r.outFiles.some(inRun));
  }

  clear(): number { const n = this.records.length; this.records = []; this.save(); return n; }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, records: this.records }));
    fs.renameSync(tmp, this.file);
  }
}

const f = (x: number, d = 4) => (Number.isFinite(x) ? (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(d)) : String(x));

/** One-line summaries of a record's measured effects (the notification and the dashboard use them). */
export function surgerySummary(r: SurgeryRecord): string[] {
  const out: string[] = [];
  if (r.kind === 'specialNeurons') {
    const a = r.result.added;
    if (a) out.push(`added ${a.units} special neuron${a.units === 1 ? '' : 's'} over ${a.inputDim} inputs (λ = ${a.lambda}, +${a.addedParams} parameters), written as ${a.format}; outputs equal the original's (max |Δf| = ${f(a.check.maxAbsDiff, 2)} on ${a.check.inputs} random inputs)`);
    const t = r.result.training;
    if (t) {
      const c = t.curve, first = c[0], last = c[c.length - 1];
      out.push(`fine-tuned ${t.steps} steps (${t.optimizer}, lr ${t.lr}, batch ${t.batchSize}, seed ${t.seed}): max|a_k| peak ${f(t.peakMaxAbsA, 3)} → final ${f(t.finalMaxAbsA, 3)}; original-network loss L(θ) ${f(first.originalLoss)} → ${f(last.originalLoss)}; penalty ${f(last.penalty, 3)}`);
    }
  } else {
    const p = r.result;
    const d = p.lossAfter - p.lossBefore;
    out.push(`${p.mode}${p.eigen ? ` (${p.eigen.index} eigenvector, λ = ${f(p.eigen.value)})` : ''}: loss ${f(p.lossBefore)} → ${f(p.lossAfter)} (${d <= 0 ? '−' : '+'}${f(Math.abs(d), 3)}), ‖δ‖/‖θ‖ = ${f(100 * p.relativeNorm, 3)} %`);
    if (p.retrain) out.push(`retrained ${p.retrain.steps} steps (lr ${f(p.retrain.lr, 3)}): loss ${f(p.retrain.finalLoss)}, distance back to θ ${f(100 * p.retrain.distanceBack, 3)} % of ‖θ‖ (from ${f(100 * p.retrain.distanceStart, 3)} %) — ${p.retrain.sameBasin ? 'same basin' : 'left the basin'}`);
  }
  return out;
}
