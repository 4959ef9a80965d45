/**
 * Pure extension logic of the checkpoint views: picker ordering and labelling (checkpointLabels.ts),
 * labels of checkpoints written by surgery, and what a surgery's numbers mean (surgeryAssessment).
 */
import * as assert from 'assert';
import {
  checkpointPickItems,
  derivedLabel,
  keyNumber,
  oneLine,
  PickerCheckpoint,
  verdictCodicon,
} from '../../src/extension/checkpointLabels';
import { surgeryAssessment } from '../../src/extension/surgeryLog';
import type { SurgeryRecord } from '../../src/shared/protocol';
import type { DiagnoseResult } from '../../src/core/diagnose';

const result = (o: { loss?: number; gradNorm?: number; lambdaMax?: number; verdict?: string }): DiagnoseResult =>
  ({
    loss: o.loss ?? 0.1,
    gradNorm: o.gradNorm ?? 0.01,
    ...(o.lambdaMax !== undefined ? { hessian: { top: [{ value: o.lambdaMax }], bottom: [{ value: 1e-3 }] } } : {}),
    ...(o.verdict ? { verdict: { kind: o.verdict } } : {}),
  }) as unknown as DiagnoseResult;

describe('checkpoint pickers: order and labels', () => {
  const list: PickerCheckpoint[] = [
    {
      path: '/w/b/step_2000/model.json',
      run: 'runs/b',
      step: 2000,
      rel: 'runs/b/step_2000/model.json',
      result: result({ lambdaMax: 5.2, verdict: 'local minimum' }),
    },
    { path: '/w/a/step_2000/model.json', run: 'runs/a', step: 2000, rel: 'runs/a/step_2000/model.json' },
    {
      path: '/w/a/derived/step_0.special/model.json',
      run: 'runs/a',
      step: 0,
      rel: 'runs/a/derived/step_0.special/model.json',
      derived: { label: 'special neurons', from: '/w/a/step_0/model.json' },
    },
    {
      path: '/w/a/step_0/model.json',
      run: 'runs/a',
      step: 0,
      rel: 'runs/a/step_0/model.json',
      result: result({ gradNorm: 0.25, verdict: 'saddle' }),
    },
    { path: '/w/a/notes.onnx', run: 'runs/a', rel: 'runs/a/notes.onnx', failed: 'bad protobuf' },
    { path: '/w/b/step_500/model.json', run: 'runs/b', step: 500, rel: 'runs/b/step_500/model.json' },
  ];

  it('sorts by run, then step (no step last), a derived checkpoint right after its source', () => {
    const items = checkpointPickItems(list);
    assert.deepStrictEqual(
      items.map(i => i.path),
      [
        '/w/a/step_0/model.json',
        '/w/a/derived/step_0.special/model.json',
        '/w/a/step_2000/model.json',
        '/w/a/notes.onnx',
        '/w/b/step_500/model.json',
        '/w/b/step_2000/model.json',
      ],
    );
  });

  it('labels: step, verdict codicon, key number (λ_max, else ‖∇L‖), what a derived checkpoint is, failures', () => {
    const items = checkpointPickItems(list);
    const by = (p: string) => items.find(i => i.path === p)!;
    assert.strictEqual(by('/w/b/step_2000/model.json').label, '$(pass) step 2000');
    assert.match(by('/w/b/step_2000/model.json').description, /^runs\/b · local minimum · λ_max 5\.2$/);
    assert.strictEqual(by('/w/a/step_0/model.json').label, '$(warning) step 0');
    assert.match(by('/w/a/step_0/model.json').description, /saddle · ‖∇L‖ 0\.25/);
    assert.strictEqual(by('/w/a/derived/step_0.special/model.json').label, '$(circle-outline) step 0 · special neurons');
    assert.match(by('/w/a/step_2000/model.json').description, /not diagnosed/);
    assert.strictEqual(by('/w/a/notes.onnx').label, '$(error) notes.onnx');
    assert.match(by('/w/a/notes.onnx').description, /failed: bad protobuf/);
    assert.strictEqual(by('/w/a/step_0/model.json').detail, 'runs/a/step_0/model.json');
  });

  it("the dashboard's selected checkpoint is picked, the order unchanged", () => {
    const items = checkpointPickItems(list, '/w/b/step_500/model.json');
    assert.deepStrictEqual(
      items.filter(i => i.picked).map(i => i.path),
      ['/w/b/step_500/model.json'],
    );
    assert.deepStrictEqual(
      items.map(i => i.path),
      checkpointPickItems(list).map(i => i.path),
    );
    assert.ok(checkpointPickItems(list).every(i => !i.picked));
  });

  it('keyNumber and verdictCodicon', () => {
    assert.strictEqual(keyNumber(undefined), '');
    assert.strictEqual(keyNumber(result({ lambdaMax: 12 })), 'λ_max 12');
    assert.strictEqual(keyNumber(result({ gradNorm: 0.5 })), '‖∇L‖ 0.5');
    assert.strictEqual(verdictCodicon(undefined), '$(circle-outline)');
    assert.strictEqual(verdictCodicon(result({ verdict: 'local minimum' }), true), '$(error)');
  });

  it('oneLine: the first non-empty line, shortened', () => {
    assert.strictEqual(oneLine('\nfirst line\nsecond'), 'first line');
    assert.strictEqual(oneLine('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
  });
});

const specialRecord = (o: { first: number; last: number; peak: number; final: number; share?: number; steps?: number }): SurgeryRecord => ({
  id: 1,
  kind: 'specialNeurons',
  at: '',
  checkpoint: '/r/step_600/model.json',
  outFiles: [],
  result: {
    checkpoint: '/r/step_600/model.json',
    outFile: '/r/derived/step_600.special/model.json',
    notices: [],
    added: { lambda: 0.01 } as never,
    training: {
      steps: o.steps ?? 60,
      optimizer: 'adam',
      lr: 0.01,
      batchSize: 32,
      seed: 1,
      peakMaxAbsA: o.peak,
      finalMaxAbsA: o.final,
      outFile: '',
      files: [],
      format: 'tfjs-layers',
      curve: [
        { step: 0, objective: o.first, penalty: 0, maxAbsA: 0, originalLoss: o.first },
        { step: o.steps ?? 60, objective: o.last, penalty: 0, maxAbsA: o.final, originalLoss: o.last },
      ],
      ...(o.share !== undefined ? { report: { lambda: 0.01, a: [], maxAbsA: o.final, outputShare: o.share, samples: 64 } } : {}),
    },
  },
});

const perturbRecord = (o: {
  before: number;
  after: number;
  index?: string;
  mode?: string;
  sameBasin?: boolean;
  sigma?: number;
}): SurgeryRecord => ({
  id: 2,
  kind: 'perturb',
  at: '',
  checkpoint: '/r/step_600/model.json',
  outFiles: [],
  result: {
    mode: o.mode ?? 'eigen',
    lossBefore: o.before,
    lossAfter: o.after,
    relativeNorm: 0.01,
    parameters: { sigma: o.sigma },
    ...(o.index ? { eigen: { value: -0.5, residual: 0, index: o.index, directionalDerivative: -1 } } : {}),
    ...(o.sameBasin !== undefined
      ? {
          retrain: {
            steps: 20,
            lr: 0.1,
            lrHow: '',
            finalLoss: o.sameBasin ? o.before : 0.1,
            curve: [],
            distanceBack: 0.001,
            distanceStart: 0.01,
            sameBasin: o.sameBasin,
          },
        }
      : {}),
  } as never,
});

describe('surgery outputs: labels and what the numbers mean', () => {
  it('derivedLabel names what a checkpoint written by surgery is', () => {
    assert.strictEqual(derivedLabel([{ tag: 'special', n: 1 }]), 'special neurons');
    assert.strictEqual(
      derivedLabel(
        [
          { tag: 'special', n: 1 },
          { tag: 'trained', n: 1 },
        ],
        specialRecord({ first: 1, last: 1, peak: 1, final: 0, steps: 500 }),
      ),
      'special neurons, fine-tuned 500 steps',
    );
    assert.strictEqual(
      derivedLabel([{ tag: 'perturbed', n: 1 }], perturbRecord({ before: 1, after: 0.9, index: 'bottom' })),
      'perturbed along λ_min',
    );
    assert.strictEqual(
      derivedLabel([{ tag: 'perturbed', n: 2 }], perturbRecord({ before: 1, after: 1.1, index: 'top 1' })),
      'perturbed along λ_max #2',
    );
    assert.strictEqual(
      derivedLabel([{ tag: 'perturbed', n: 1 }], perturbRecord({ before: 1, after: 1.1, mode: 'gaussian', sigma: 0.01 })),
      'perturbed (Gaussian noise, σ 0.01)',
    );
    assert.strictEqual(
      derivedLabel(
        [
          { tag: 'perturbed', n: 1 },
          { tag: 'retrained', n: 1 },
        ],
        perturbRecord({ before: 1, after: 0.9, index: 'bottom', sameBasin: true }),
      ),
      'perturbed along λ_min, retrained 20 steps',
    );
    assert.strictEqual(derivedLabel([{ tag: 'perturbed', n: 1 }]), 'perturbed', 'without its record: what the name says');
  });

  it('special neurons that took the fit (30× worse L(θ), 572 % of the output): a warning that says the penalty has not won yet', () => {
    const a = surgeryAssessment(specialRecord({ first: 0.01, last: 0.3, peak: 40, final: 38, share: 5.72 }))!;
    assert.strictEqual(a.tone, 'warn');
    assert.match(a.text, /took the fit/);
    assert.match(a.text, /30× worse/);
    assert.match(a.text, /572 % of the output/);
    assert.match(a.text, /penalty \(λ = 0\.01\) has not won yet/);
    assert.match(a.text, /more steps \(now 60\) or with a larger λ/);
  });

  it('special neurons that vanished: good; not yet vanished: neutral', () => {
    const g = surgeryAssessment(specialRecord({ first: 0.1, last: 0.1, peak: 0.5, final: 1e-5, share: 1e-6 }))!;
    assert.strictEqual(g.tone, 'good');
    assert.match(g.text, /vanished/);
    const n = surgeryAssessment(specialRecord({ first: 0.1, last: 0.12, peak: 0.5, final: 0.2, share: 0.1 }))!;
    assert.strictEqual(n.tone, 'neutral');
    assert.match(n.text, /not vanished yet/);
  });

  it('perturbation: same basin good, left the basin or downhill along λ_min a warning', () => {
    assert.strictEqual(surgeryAssessment(perturbRecord({ before: 1, after: 1.2, index: 'bottom', sameBasin: true }))!.tone, 'good');
    assert.strictEqual(surgeryAssessment(perturbRecord({ before: 1, after: 1.2, index: 'bottom', sameBasin: false }))!.tone, 'warn');
    const down = surgeryAssessment(perturbRecord({ before: 1, after: 0.8, index: 'bottom' }))!;
    assert.strictEqual(down.tone, 'warn');
    assert.match(down.text, /saddle/);
    assert.strictEqual(surgeryAssessment(perturbRecord({ before: 1, after: 1.01, mode: 'gaussian', sigma: 0.01 }))!.tone, 'neutral');
  });
});
