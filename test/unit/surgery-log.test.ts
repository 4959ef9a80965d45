/**
 * The surgery log (src/extension/surgeryLog.ts): records persist across instances (a reload),
 * are capped, are found for a run by input or output path, and summarise the measured effects.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SurgeryLog, MAX_RECORDS, surgerySummary } from '../../src/extension/surgeryLog';
import type { SurgeryRecord } from '../../src/shared/protocol';

const perturbResult = (lossBefore: number, lossAfter: number) => ({
  mode: 'eigen' as const,
  seed: 0,
  parameters: { step: 0.1, direction: 'bottom' },
  lossBefore,
  lossAfter,
  deltaNorm: 0.1,
  relativeNorm: 0.02,
  eigen: { value: -0.03, residual: 1e-5, index: 'bottom', directionalDerivative: -1e-4 },
  retrain: {
    steps: 20,
    lr: 0.1,
    lrHow: '1/λ_max',
    finalLoss: 0.1,
    curve: [0.18, 0.1],
    distanceBack: 0.05,
    distanceStart: 0.02,
    sameBasin: false,
    barrier: 0,
    criterion: '',
  },
  checkpoint: '/r/a/model.json',
  outFile: '/r/a/model.perturbed.json',
  files: ['/r/a/model.perturbed.json'],
  format: 'tfjs-layers',
  formatReason: 'input format',
  lossFunction: { kind: 'mse', reason: '' },
  backend: 'cpu',
  notices: [],
});

describe('surgery log', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'surgery-log-'));
  });

  it('persists records across instances (a window reload) with increasing ids', () => {
    const a = new SurgeryLog(dir);
    const r1 = a.add({
      kind: 'perturb',
      checkpoint: '/r/a/model.json',
      outFiles: ['/r/a/model.perturbed.json'],
      result: perturbResult(0.19, 0.18) as never,
    });
    const r2 = a.add({
      kind: 'perturb',
      checkpoint: '/r/b/model.json',
      outFiles: ['/q/model.perturbed.json'],
      result: perturbResult(0.2, 0.3) as never,
    });
    assert.strictEqual(r2.id, r1.id + 1);
    const b = new SurgeryLog(dir);
    assert.deepStrictEqual(
      b.all.map(r => r.id),
      [r1.id, r2.id],
    );
    assert.ok(!Number.isNaN(Date.parse(b.all[0].at)));
  });

  it("finds a run's records by input or output path, and keeps at most MAX_RECORDS", () => {
    const a = new SurgeryLog(dir);
    a.add({
      kind: 'perturb',
      checkpoint: '/r/a/model.json',
      outFiles: ['/r/a/model.perturbed.json'],
      result: perturbResult(1, 1) as never,
    });
    a.add({ kind: 'perturb', checkpoint: '/elsewhere/model.json', outFiles: ['/r/b/model.json'], result: perturbResult(1, 1) as never });
    a.add({ kind: 'perturb', checkpoint: '/s/model.json', outFiles: ['/s/model.p.json'], result: perturbResult(1, 1) as never });
    assert.strictEqual(a.forRun('/r').length, 2);
    assert.strictEqual(a.forRun('/rr').length, 0, 'a sibling folder with a common prefix is another run');
    assert.strictEqual(a.forRun('/t', ['/s/model.json']).length, 1);
    for (let i = 0; i < MAX_RECORDS + 5; i++)
      a.add({ kind: 'perturb', checkpoint: `/x/${i}`, outFiles: [], result: perturbResult(1, 1) as never });
    assert.strictEqual(new SurgeryLog(dir).all.length, MAX_RECORDS);
  });

  it('summaries state the measured effects (loss change, relative norm, basin; max|a| peak → final, L(θ))', () => {
    const p = surgerySummary({
      id: 1,
      at: '',
      kind: 'perturb',
      checkpoint: '',
      outFiles: [],
      result: perturbResult(0.1859, 0.1801) as never,
    } as SurgeryRecord);
    assert.match(p[0], /loss 0\.1859 → 0\.1801 \(−0\.0058\)/);
    assert.match(p[0], /‖δ‖\/‖θ‖ = 2 %/);
    assert.match(p[1], /left the basin/);
    const curve = [
      { step: 0, objective: 0.5, penalty: 0, maxAbsA: 0, originalLoss: 0.5 },
      { step: 10, objective: 0.3, penalty: 1e-4, maxAbsA: 0.4, originalLoss: 0.45 },
      { step: 20, objective: 0.2, penalty: 1e-6, maxAbsA: 0.01, originalLoss: 0.44 },
    ];
    const s = surgerySummary({
      id: 2,
      at: '',
      kind: 'specialNeurons',
      checkpoint: '',
      outFiles: [],
      result: {
        checkpoint: '',
        outFile: '',
        notices: [],
        added: {
          checkpoint: '',
          outFile: '',
          files: [],
          format: 'tfjs-layers',
          reason: '',
          lambda: 0.01,
          units: 1,
          inputDim: 2,
          addedParams: 4,
          check: { maxAbsDiff: 0, inputs: 64 },
          notices: [],
        },
        training: {
          steps: 20,
          optimizer: 'adam',
          lr: 0.01,
          batchSize: 100,
          seed: 0,
          curve,
          peakMaxAbsA: 0.4,
          finalMaxAbsA: 0.01,
          outFile: '',
          files: [],
          format: 'tfjs-layers',
        },
      },
    } as SurgeryRecord);
    assert.match(s[0], /added 1 special neuron over 2 inputs \(λ = 0\.01, \+4 parameters\)/);
    assert.match(s[1], /max\|a_k\| peak 0\.4 → final 0\.01; original-network loss L\(θ\) 0\.5 → 0\.44/);
  });

  it('starts empty on an unreadable file', () => {
    fs.writeFileSync(path.join(dir, 'surgery.json'), '{not json');
    assert.strictEqual(new SurgeryLog(dir).all.length, 0);
  });
});
