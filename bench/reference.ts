/**
 * The reference task of the curvature-engine benchmark: 1,000 samples × 784 features, 10 classes
 * (seeded Gaussian classes in a random 20-dimensional subspace plus noise; no downloads), and an
 * MLP 784-256-128-10 with ReLU and softmax cross-entropy (235,146 parameters) trained briefly by
 * tfjs-layers, saved as a TF.js layers checkpoint in a temporary folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../src/core/rng';
import { encodeNpz } from '../src/core/data/npyWrite';

export async function makeReferenceTask(
  opts: { m?: number; d?: number; k?: number; hidden?: number[]; epochs?: number; batchSize?: number; seed?: number } = {},
): Promise<{ dir: string; checkpoint: string; data: string }> {
  const m = opts.m ?? 1000,
    d = opts.d ?? 784,
    k = opts.k ?? 10,
    hidden = opts.hidden ?? [256, 128],
    seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const r = 20;
  const basis = Array.from({ length: r }, () => rng.normalVector(d));
  const centres = Array.from({ length: k }, () => rng.normalVector(r));
  const x = new Float32Array(m * d),
    y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const c = rng.int(k);
    y[i] = c;
    const z = centres[c].map(v => v + 0.8 * rng.normal());
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += z[q] * basis[q][j];
      x[i * d + j] = s / Math.sqrt(r) + 0.3 * rng.normal();
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-bench-'));
  const model = tfl.sequential();
  hidden.forEach((h, i) =>
    model.add(
      tfl.layers.dense({
        units: h,
        activation: 'relu',
        inputShape: i === 0 ? [d] : undefined,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }),
      }),
    ),
  );
  model.add(tfl.layers.dense({ units: k, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 50 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const xt = tf.tensor2d(x, [m, d]),
    yt = tf.tensor1d(y, 'float32');
  await model.fit(xt, yt, { epochs: opts.epochs ?? 3, batchSize: opts.batchSize ?? 50, shuffle: false, verbose: 0 });
  xt.dispose();
  yt.dispose();
  await model.save(
    tf.io.withSaveHandler(async art => {
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: art.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
        }),
      );
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(art.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  fs.writeFileSync(path.join(dir, 'data.npz'), encodeNpz({ x: { shape: [m, d], data: x }, y: { shape: [m], data: y } }));
  model.dispose();
  return { dir, checkpoint: path.join(dir, 'model.json'), data: path.join(dir, 'data.npz') };
}

/**
 * The small CNN of issue 26: 1×8×8 inputs (stored channels-last, 8×8×1), conv16 3×3 → pool → conv8 3×3 →
 * pool → dense 22 → dense 10 softmax (2,276 parameters), 1,024 samples of seeded Gaussian classes, trained
 * briefly by tfjs-layers; two checkpoints of the same run (after 2 and 3 epochs) in a temporary folder.
 */
export async function makeCnnTask(
  opts: { m?: number; seed?: number } = {},
): Promise<{ dir: string; checkpoints: string[]; data: string; params: number }> {
  const m = opts.m ?? 1024,
    k = 10,
    seed = opts.seed ?? 0,
    d = 64;
  const rng = new Rng(seed + 7);
  const centres = Array.from({ length: k }, () => rng.normalVector(d));
  const x = new Float32Array(m * d),
    y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const c = rng.int(k);
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c][j] + 0.8 * rng.normal();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-bench-cnn-'));
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [8, 8, 1],
      kernelInitializer: tfl.initializers.heNormal({ seed }),
    }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + 1 }),
    }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 22, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: seed + 2 }) }));
  model.add(tfl.layers.dense({ units: k, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) }));
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
  const xt = tf.tensor4d(x, [m, 8, 8, 1]),
    yt = tf.tensor1d(y, 'float32');
  const checkpoints: string[] = [];
  for (const [i, epochs] of [2, 1].entries()) {
    await model.fit(xt, yt, { epochs, batchSize: 64, shuffle: false, verbose: 0 });
    const sub = path.join(dir, `epoch${i + 1}`);
    fs.mkdirSync(sub);
    await model.save(
      tf.io.withSaveHandler(async art => {
        fs.writeFileSync(
          path.join(sub, 'model.json'),
          JSON.stringify({
            format: 'layers-model',
            modelTopology: art.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
          }),
        );
        fs.writeFileSync(path.join(sub, 'weights.bin'), Buffer.from(art.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    checkpoints.push(path.join(sub, 'model.json'));
  }
  xt.dispose();
  yt.dispose();
  const params = model.countParams();
  model.dispose();
  fs.writeFileSync(path.join(dir, 'data.npz'), encodeNpz({ x: { shape: [m, 8, 8, 1], data: x }, y: { shape: [m], data: y } }));
  return { dir, checkpoints, data: path.join(dir, 'data.npz'), params };
}
