/**
 * Tiny TF.js Dense models written to a temporary folder (model.json + shard + data.npz), for
 * tests that need a model of an exact parameter count (2, 5, 50 …): Sequential Dense layers,
 * tanh between them, a linear output and a regression target (MSE). Weights and data are seeded.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../../src/core/rng';
import { encodeNpz } from '../../../src/core/data/npyWrite';

/** widths = [input, hidden…, output]; params = Σ (w_i + 1)·w_{i+1}. */
export function tinyDense(widths: number[], samples = 64, seed = 1): { dir: string; model: string; data: string; params: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tiny-dense-${widths.join('-')}-`));
  const rng = new Rng(seed);
  const layers = [],
    specs = [],
    values: number[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const [a, b] = [widths[i], widths[i + 1]];
    const name = `dense_${i}`;
    layers.push({
      class_name: 'Dense',
      config: {
        units: b,
        activation: i + 2 < widths.length ? 'tanh' : 'linear',
        use_bias: true,
        name,
        trainable: true,
        ...(i === 0 ? { batch_input_shape: [null, a] } : {}),
        dtype: 'float32',
      },
    });
    specs.push({ name: `${name}/kernel`, shape: [a, b], dtype: 'float32' }, { name: `${name}/bias`, shape: [b], dtype: 'float32' });
    for (let k = 0; k < a * b; k++) values.push(rng.normal() / Math.sqrt(a));
    for (let k = 0; k < b; k++) values.push(0.1 * rng.normal());
  }
  const json = {
    format: 'layers-model',
    generatedBy: 'test/unit/reference/tinyDense.ts',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'tiny', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['w.bin'], weights: specs }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(Float32Array.from(values).buffer));
  const d = widths[0],
    o = widths[widths.length - 1];
  const x = new Float32Array(samples * d),
    y = new Float32Array(samples * o);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < d; j++) x[s * d + j] = rng.normal();
    for (let j = 0; j < o; j++) y[s * o + j] = Math.sin(x[s * d + (j % d)]) + 0.3 * rng.normal();
  }
  fs.writeFileSync(
    path.join(dir, 'data.npz'),
    encodeNpz({ x: { shape: [samples, d], data: x }, y: { shape: [samples, o], data: y } }, true),
  );
  return { dir, model: path.join(dir, 'model.json'), data: path.join(dir, 'data.npz'), params: values.length };
}
