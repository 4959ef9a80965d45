/**
 * The theory rules read normalised op kinds (src/core/model/opKinds.ts), so the same architecture
 * reads the same whichever producer wrote it. Five architectures, each in three versions:
 *  - ONNX exported by PyTorch (test/fixtures/onnx/theory/make_theory_variants.py): Gemm/Relu/Add/Mul/Pow nodes;
 *  - TF.js layers written by tfjs-layers itself in the test (model.save through an IO handler);
 *  - Keras 3 functional configs (the config.json of a .keras archive) through the Keras config reader;
 * plus the Keras fixtures written by Keras (test/fixtures/keras): a ReLU/tanh MLP and parallel branches.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readCheckpoint } from '../../src/core/formats';
import { buildKerasGraph, WeightTensor } from '../../src/core/formats/kerasConfig';
import { theoryRules, structureOf } from '../../src/core/diagnostics/theory';
import { opKinds } from '../../src/core/model/opKinds';
import type { GraphModel } from '../../src/core/model/graph';

const ONNX = path.resolve(__dirname, '../../../test/fixtures/onnx/theory');
const KERAS = path.resolve(__dirname, '../../../test/fixtures/keras');

type Arch = 'mlp' | 'residual' | 'branches' | 'quad_mul' | 'quad_pow';
/** What every version must read: hidden activations, skip connection, and the rule statuses. */
const EXPECTED: Record<Arch, { acts: string[]; residual: boolean; rules: Record<string, string> }> = {
  mlp: {
    acts: ['relu'],
    residual: false,
    rules: {
      'piecewise-linear-spurious-minima': 'applies',
      residual: 'does not apply',
      'quadratic-activations': 'does not apply',
      'depth-width': 'applies',
    },
  },
  residual: {
    acts: ['relu'],
    residual: true,
    rules: { 'piecewise-linear-spurious-minima': 'applies', residual: 'partial', 'quadratic-activations': 'does not apply' },
  },
  branches: {
    acts: ['relu', 'tanh'],
    residual: false,
    rules: { 'piecewise-linear-spurious-minima': 'partial', residual: 'does not apply' },
  },
  quad_mul: {
    acts: ['square'],
    residual: false,
    rules: { 'quadratic-activations': 'applies', 'piecewise-linear-spurious-minima': 'partial', residual: 'does not apply' },
  }, // partial: the output (1) is narrower than the hidden layer, the activation is not piecewise linear
  quad_pow: { acts: ['square'], residual: false, rules: { 'quadratic-activations': 'applies', residual: 'does not apply' } },
};

function dense(units: number, activation: string, seed: number, name: string): tfl.layers.Layer {
  return tfl.layers.dense({ units, activation: activation as 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }), name });
}

/** The same architectures built with tfjs-layers (functional API). */
function tfjsModel(arch: Arch): tfl.LayersModel {
  const inp = tfl.input({ shape: [4] });
  const ap = (l: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => l.apply(x) as tfl.SymbolicTensor;
  let out: tfl.SymbolicTensor;
  if (arch === 'mlp') out = ap(dense(3, 'linear', 3, 'o'), ap(dense(8, 'relu', 2, 'h2'), ap(dense(16, 'relu', 1, 'h1'), inp)));
  else if (arch === 'residual') {
    const h = ap(dense(8, 'relu', 1, 'h1'), inp);
    out = ap(dense(3, 'linear', 3, 'o'), ap(tfl.layers.add(), [h, ap(dense(8, 'relu', 2, 'h2'), h)]));
  } else if (arch === 'branches')
    out = ap(dense(3, 'linear', 3, 'o'), ap(tfl.layers.add(), [ap(dense(8, 'relu', 1, 'a'), inp), ap(dense(8, 'tanh', 2, 'b'), inp)]));
  else {
    const z = ap(dense(6, 'linear', 1, 'z'), inp);
    out = ap(dense(1, 'linear', 2, 'o'), ap(tfl.layers.multiply(), [z, z]));
  }
  return tfl.model({ inputs: inp, outputs: out });
}

async function saveTfjs(model: tfl.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async art => {
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          modelTopology: art.modelTopology,
          weightsManifest: [{ paths: ['w.bin'], weights: art.weightSpecs }],
        }),
      );
      fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(art.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

/** The same architectures as Keras 3 functional configs (what config.json in a .keras archive holds), with zero weights. */
function kerasModel(arch: Arch): GraphModel {
  const layers: unknown[] = [
    { class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', name: 'in' }, inbound_nodes: [] },
  ];
  const weights = new Map<string, WeightTensor>();
  const kt = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, 0], dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const dims = new Map<string, number>([['in', 4]]);
  const denseL = (name: string, units: number, act: string, from: string) => {
    layers.push({
      module: 'keras.layers',
      class_name: 'Dense',
      config: { name, units, activation: act, use_bias: true },
      inbound_nodes: [{ args: [kt(from)], kwargs: {} }],
    });
    weights.set(`${name}/kernel`, {
      name: `${name}/kernel`,
      shape: [dims.get(from)!, units],
      values: new Float32Array(dims.get(from)! * units),
    });
    weights.set(`${name}/bias`, { name: `${name}/bias`, shape: [units], values: new Float32Array(units) });
    dims.set(name, units);
  };
  const merge = (cls: string, name: string, a: string, b: string) => {
    layers.push({ class_name: cls, config: { name }, inbound_nodes: [{ args: [[kt(a), kt(b)]], kwargs: {} }] });
    dims.set(name, dims.get(a)!);
  };
  if (arch === 'mlp') {
    denseL('h1', 16, 'relu', 'in');
    denseL('h2', 8, 'relu', 'h1');
    denseL('o', 3, 'linear', 'h2');
  } else if (arch === 'residual') {
    denseL('h1', 8, 'relu', 'in');
    denseL('h2', 8, 'relu', 'h1');
    merge('Add', 'add', 'h1', 'h2');
    denseL('o', 3, 'linear', 'add');
  } else if (arch === 'branches') {
    denseL('a', 8, 'relu', 'in');
    denseL('b', 8, 'tanh', 'in');
    merge('Add', 'add', 'a', 'b');
    denseL('o', 3, 'linear', 'add');
  } else {
    denseL('z', 6, 'linear', 'in');
    merge('Multiply', 'sq', 'z', 'z');
    denseL('o', 1, 'linear', 'sq');
  }
  return buildKerasGraph(
    { class_name: 'Functional', config: { name: arch, layers, input_layers: [['in', 0, 0]], output_layers: [['o', 0, 0]] } },
    weights,
    { file: `${arch}.keras`, format: 'keras' },
  );
}

function check(model: GraphModel, arch: Arch, label: string): void {
  const s = structureOf(model),
    e = EXPECTED[arch];
  assert.deepStrictEqual([...s.hiddenActivations].sort(), [...e.acts].sort(), `${label}: hidden activations ${s.hiddenActivations}`);
  assert.strictEqual(s.residual, e.residual, `${label}: residual`);
  const rules = new Map(theoryRules(model, 'mse').map(r => [r.id, r.status]));
  for (const [id, status] of Object.entries(e.rules)) assert.strictEqual(rules.get(id), status, `${label}: rule ${id}`);
}

describe('theory rules on normalised op kinds: ONNX, TF.js and Keras versions of the same architectures', function () {
  this.timeout(60000);
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-theory-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const arch of Object.keys(EXPECTED) as Arch[]) {
    it(`${arch}: ONNX (PyTorch export), TF.js (tfjs-layers) and Keras 3 config read alike`, async () => {
      const onnx = readCheckpoint(path.join(ONNX, `${arch}.onnx`));
      assert.ok(
        onnx.nodes.some(n => n.op.startsWith('onnx.')),
        'an ONNX graph',
      );
      check(onnx, arch, 'onnx');
      if (arch !== 'quad_pow') {
        // TF.js and Keras have no Pow layer: z² is Multiply()([z, z]) there (quad_mul)
        check(readCheckpoint(await saveTfjs(tfjsModel(arch), path.join(dir, arch))), arch, 'tfjs');
        check(kerasModel(arch), arch, 'keras');
      }
    });
  }

  it('op kinds: fused Keras activations, ONNX activations, skip vs parallel adds, Mul(h, h) and Pow(h, 2)', () => {
    const kinds = (f: string) => {
      const m = readCheckpoint(path.join(ONNX, f));
      const k = opKinds(m);
      return m.nodes.map((n, i) => ({ op: n.op, ...k[i] }));
    };
    const res = kinds('residual.onnx');
    assert.deepStrictEqual(
      res.filter(k => k.family === 'add').map(k => k.residual),
      [true],
    );
    assert.deepStrictEqual(
      res.filter(k => k.family === 'activation').map(k => k.activation),
      ['relu', 'relu'],
    );
    assert.deepStrictEqual(
      kinds('branches.onnx')
        .filter(k => k.family === 'add')
        .map(k => k.residual),
      [false],
    );
    assert.ok(kinds('quad_mul.onnx').some(k => k.family === 'mul' && k.quadratic && k.activation === 'square'));
    assert.ok(kinds('quad_pow.onnx').some(k => k.family === 'pow' && k.quadratic && k.activation === 'square'));
    const km = kerasModel('mlp'),
      kk = opKinds(km);
    assert.deepStrictEqual(
      kk.map(k => [k.family, k.activation]),
      [
        ['dense', 'relu'],
        ['dense', 'relu'],
        ['dense', 'linear'],
      ],
    );
  });

  it('Keras fixtures written by Keras: a ReLU/tanh MLP with dropout; parallel branches added (not a skip)', () => {
    const seq = structureOf(readCheckpoint(path.join(KERAS, 'sequential', 'model.keras')));
    assert.deepStrictEqual([...seq.hiddenActivations].sort(), ['relu', 'tanh']);
    assert.strictEqual(seq.residual, false);
    const fun = structureOf(readCheckpoint(path.join(KERAS, 'functional', 'model.h5')));
    assert.strictEqual(fun.residual, false, 'Add()([Dense(x), Dense(x)]) adds two branches of the input, not a block to its input');
    assert.ok(fun.hiddenActivations.includes('gelu') && fun.hiddenActivations.includes('sigmoid'));
  });
});
