/**
 * The record of what the surgery commands did (add special neurons, perturb weights): one entry
 * per command run with the input checkpoint, the files written and the measured effects (the
 * worker job's JSON result). Kept in the extension's storage (never in the user's folders) as one
 * JSON file, newest last, at most MAX_RECORDS; the dashboard of a run shows the entries whose
 * input or output lies in that run. No VS Code dependency, so it is unit-tested directly.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SurgeryRecord, Tone } from '../shared/protocol';
import { fmt } from '../shared/format';
import { basinTest, type BasinTest } from '../core/surgery/basin';

export const MAX_RECORDS = 200;

export type NewSurgeryRecord = SurgeryRecord extends infer R ? (R extends SurgeryRecord ? Omit<R, 'id' | 'at'> : never) : never;

export class SurgeryLog {
  private records: SurgeryRecord[] = [];
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'surgery.json');
    try {
      // eslint-disable-next-line no-restricted-properties -- the extension's own storage folder, not a user file
      const j = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { records?: SurgeryRecord[] };
      if (Array.isArray(j.records))
        this.records = j.records.filter(r => r && typeof r.checkpoint === 'string' && Array.isArray(r.outFiles));
    } catch {
      /* none yet, or unreadable: start empty */
    }
  }

  get all(): readonly SurgeryRecord[] {
    return this.records;
  }

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
    const inRun = (p: string) => {
      const r = path.resolve(p);
      return set.has(r) || r.startsWith(root);
    };
    return this.records.filter(r => inRun(r.checkpoint) || r.outFiles.some(inRun));
  }

  /** The newest record that wrote `file`. */
  recordFor(file: string): SurgeryRecord | undefined {
    const p = path.resolve(file);
    for (let i = this.records.length - 1; i >= 0; i--)
      if (this.records[i].outFiles.some(f => path.resolve(f) === p)) return this.records[i];
    return undefined;
  }

  clear(): number {
    const n = this.records.length;
    this.records = [];
    this.save();
    return n;
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    // eslint-disable-next-line no-restricted-properties -- the extension's own storage folder (temporary name, then rename)
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, records: this.records }));
    fs.renameSync(tmp, this.file);
  }
}

/** One-line summaries of a record's measured effects (the notification and the dashboard use them). */
export function surgerySummary(r: SurgeryRecord): string[] {
  const out: string[] = [];
  if (r.kind === 'specialNeurons') {
    const a = r.result.added;
    if (a)
      out.push(
        `added ${a.units} special neuron${a.units === 1 ? '' : 's'} over ${a.inputDim} inputs ` +
          `(λ = ${a.lambda}, +${a.addedParams} parameters), written as ${a.format}; ` +
          `outputs equal the original's (max |Δf| = ${fmt(a.check.maxAbsDiff, 2)} on ${a.check.inputs} random inputs)`,
      );
    const t = r.result.training;
    if (t) {
      const c = t.curve,
        first = c[0],
        last = c[c.length - 1];
      out.push(
        `fine-tuned ${t.steps} steps (${t.optimizer}, lr ${t.lr}, batch ${t.batchSize}, seed ${t.seed}): ` +
          `max|a_k| peak ${fmt(t.peakMaxAbsA, 3)} → final ${fmt(t.finalMaxAbsA, 3)}; ` +
          `original-network loss L(θ) ${fmt(first.originalLoss)} → ${fmt(last.originalLoss)}; penalty ${fmt(last.penalty, 3)}`,
      );
    }
  } else {
    const p = r.result;
    const d = p.lossAfter - p.lossBefore;
    out.push(
      `${p.mode}${p.eigen ? ` (${p.eigen.index} eigenvector, λ = ${fmt(p.eigen.value)})` : ''}: ` +
        `loss ${fmt(p.lossBefore)} → ${fmt(p.lossAfter)} (${d <= 0 ? '−' : '+'}${fmt(Math.abs(d), 3)}), ` +
        `‖δ‖/‖θ‖ = ${fmt(100 * p.relativeNorm, 3)} %`,
    );
    if (p.retrain)
      out.push(
        `retrained ${p.retrain.steps} steps (lr ${fmt(p.retrain.lr, 3)}): loss ${fmt(p.retrain.finalLoss)}, ` +
          `distance back to θ ${fmt(100 * p.retrain.distanceBack, 3)} % of ‖θ‖ (from ${fmt(100 * p.retrain.distanceStart, 3)} %) — ` +
          `${basinOf(p.retrain, p.lossBefore).conclusion}`,
      );
  }
  return out;
}

/**
 * What a record's numbers mean, in one plain sentence with a tone (the notification picks its icon
 * from it; the tree colours the new checkpoint's icon). Special neurons (Kawaguchi & Kaelbling 2020):
 * at a local minimum of the augmented loss a = 0, so max|a_k| vanishing under fine-tuning is the good
 * outcome; a large share of the output and a worse original loss mean the special neurons took the fit
 * and the penalty has not won yet. Perturbation: the loss change, and whether retraining came back.
 */
export function surgeryAssessment(r: SurgeryRecord): { tone: Tone; text: string } | undefined {
  if (r.kind === 'specialNeurons') {
    const t = r.result.training;
    if (!t)
      return r.result.added
        ? {
            tone: 'neutral',
            text: 'the new neurons start at a = w = b = 0, so the model is unchanged; fine-tune it to see whether max|a_k| vanishes',
          }
        : undefined;
    const c = t.curve,
      first = c[0],
      last = c[c.length - 1];
    const lam = r.result.added?.lambda ?? t.report?.lambda;
    const share = t.report?.outputShare;
    const ratio = first && last && first.originalLoss > 0 ? last.originalLoss / first.originalLoss : 1;
    const vanished =
      t.finalMaxAbsA <= 1e-3 || (t.peakMaxAbsA > 0 && t.finalMaxAbsA <= 0.01 * t.peakMaxAbsA && (share === undefined || share < 0.01));
    if (vanished) {
      return {
        tone: 'good',
        text:
          `the special neurons vanished (max|a_k| ${fmt(t.finalMaxAbsA, 3)}` +
          `${share !== undefined ? `, ${fmt(100 * share, 3)} % of the output` : ''}): ` +
          `the original network fits without them, as the theorem predicts at a local minimum` +
          `${ratio < 0.9 ? `; its loss also improved ${fmt(1 / ratio, 2)}×` : ''}`,
      };
    }
    const took = (share !== undefined && share > 0.5) || ratio > 2;
    if (took) {
      const parts: string[] = [];
      if (ratio > 2)
        parts.push(
          `the original network's loss L(θ) is ${ratio >= 10 ? Math.round(ratio) : fmt(ratio, 2)}× worse ` +
            `(${fmt(first.originalLoss)} → ${fmt(last.originalLoss)})`,
        );
      if (share !== undefined && share > 0.5)
        parts.push(`max|a_k| ${fmt(t.finalMaxAbsA, 3)} makes the special neurons ${fmt(100 * share, 3)} % of the output`);
      return {
        tone: 'warn',
        text:
          `the special neurons took the fit: ${parts.join(' and ')}. ` +
          `The penalty${lam !== undefined ? ` (λ = ${lam})` : ''} has not won yet, so nothing is concluded about the original minimum: ` +
          `fine-tune for more steps (now ${t.steps}) or with a larger λ`,
      };
    }
    return {
      tone: 'neutral',
      text:
        `max|a_k| has not vanished yet (peak ${fmt(t.peakMaxAbsA, 3)}, final ${fmt(t.finalMaxAbsA, 3)}` +
        `${share !== undefined ? `, ${fmt(100 * share, 3)} % of the output` : ''}): ` +
        `the penalty is still pulling a_k to 0; more fine-tuning steps (now ${t.steps}) or a larger λ will tell`,
    };
  }
  const p = r.result;
  const d = p.lossAfter - p.lossBefore;
  if (p.retrain) {
    const b = basinOf(p.retrain, p.lossBefore);
    // returned: θ is a stable minimum along this direction; drifted: a flat valley; lower / barrier: another basin; higher: undecided
    const tone: Tone = b.outcome === 'returned' || b.outcome === 'drifted' ? 'good' : b.outcome === 'higher' ? 'neutral' : 'warn';
    return { tone, text: b.conclusion };
  }
  if (p.mode === 'eigen' && p.eigen?.index === 'bottom') {
    return d < 0
      ? {
          tone: 'warn',
          text:
            `the loss went down along the most negative curvature direction (${fmt(p.lossBefore)} → ${fmt(p.lossAfter)}): ` +
            `a way out, θ is a saddle or not yet a minimum`,
        }
      : {
          tone: 'good',
          text:
            `the loss went up along the lowest-curvature direction (${fmt(p.lossBefore)} → ${fmt(p.lossAfter)}): ` +
            `no descent there at this step size`,
        };
  }
  return {
    tone: 'neutral',
    text:
      `the loss changed by ${d <= 0 ? '−' : '+'}${fmt(Math.abs(d), 3)} ` +
      `(${p.lossBefore > 0 ? `${fmt((100 * Math.abs(d)) / p.lossBefore, 3)} %` : 'of 0'})`,
  };
}

/**
 * The basin test of a perturbation's retraining (src/core/surgery/basin.ts): the one in the record, or for a
 * record written before the test existed, the test recomputed from the record's own numbers (its old
 * sameBasin flag ignored: it looked at the barrier only and called a loss that fell 0.73 → 0.0079 "the same basin").
 */
export function basinOf(
  rt: {
    finalLoss: number;
    distanceBack: number;
    distanceStart: number;
    steps: number;
    barrier?: number;
    sameBasin?: boolean;
    basin?: BasinTest;
  },
  lossBefore: number,
): BasinTest {
  if (rt.basin && typeof rt.basin.conclusion === 'string') return rt.basin;
  const barrier = typeof rt.barrier === 'number' ? rt.barrier : rt.sameBasin ? 0 : Infinity;
  return basinTest({
    lossBefore,
    finalLoss: rt.finalLoss,
    barrier,
    distanceBack: rt.distanceBack,
    distanceStart: rt.distanceStart,
    steps: rt.steps,
  });
}
