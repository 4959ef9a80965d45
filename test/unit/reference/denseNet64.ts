/**
 * Independent float64 reference for Dense networks: reads a TF.js model.json + shard with
 * its own minimal code (not the product's reader), runs the forward pass in plain float64
 * JavaScript, and computes the mean loss and its gradient by hand-written backpropagation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { denseHvp64, RefDenseLayer } from '../../../src/core/autodiff/hyperdual';
import { jacobiEigen } from '../../../src/core/linalg/jacobi';
import { loadDataset } from '../../../src/core/data/dataset';

export interface RefLayer {
  W: Float64Array;
  b: Float64Array | null;
  nIn: number;
  nOut: number;
  act: string;
}

export function readDenseNet(modelJson: string): RefLayer[] {
  const j = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  const topo = j.modelTopology.model_config ?? j.modelTopology;
  const layers = topo.config.layers ?? topo.config;
  const group = j.weightsManifest[0];
  const bytes = Buffer.concat(group.paths.map((p: string) => fs.readFileSync(path.join(path.dirname(modelJson), p))));
  const f32 = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const byName = new Map<string, Float64Array>();
  let off = 0;
  for (const w of group.weights) {
    const n = w.shape.reduce((a: number, b: number) => a * b, 1);
    byName.set(w.name, Float64Array.from(f32.subarray(off, off + n)));
    off += n;
  }
  const out: RefLayer[] = [];
  for (const l of layers) {
    if (l.class_name !== 'Dense') continue;
    const name = l.config.name;
    const W = [...byName].find(([k]) => k.startsWith(name + '/') && k.endsWith('kernel'))![1];
    const bEntry = [...byName].find(([k]) => k.startsWith(name + '/') && k.endsWith('bias'));
    const nOut = l.config.units,
      nIn = W.length / nOut;
    out.push({ W, b: bEntry ? bEntry[1] : null, nIn, nOut, act: l.config.activation ?? 'linear' });
  }
  return out;
}

function actF(a: string, z: number): number {
  switch (a) {
    case 'linear':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'elu':
      return z > 0 ? z : Math.exp(z) - 1;
    default:
      throw new Error('reference: activation ' + a);
  }
}
function actD(a: string, z: number): number {
  switch (a) {
    case 'linear':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'tanh': {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-z));
      return s * (1 - s);
    }
    case 'elu':
      return z > 0 ? 1 : Math.exp(z);
    default:
      throw new Error('reference: activation ' + a);
  }
}

/**
 * Mean loss and gradient (flattened in layer order: kernel then bias) for
 * loss 'ce' (softmax CE on the pre-softmax values; labels int), 'mse', 'bce' (on pre-sigmoid z).
 */
export function lossAndGrad64(
  layers: RefLayer[],
  x: ArrayLike<number>,
  m: number,
  y: ArrayLike<number>,
  loss: 'ce' | 'mse' | 'bce',
): { loss: number; grad: Float64Array } {
  const grads = layers.map(l => ({ W: new Float64Array(l.W.length), b: l.b ? new Float64Array(l.b.length) : null }));
  let total = 0;
  const d0 = layers[0].nIn;
  for (let i = 0; i < m; i++) {
    const as: Float64Array[] = [Float64Array.from({ length: d0 }, (_, j) => x[i * d0 + j])];
    const zs: Float64Array[] = [];
    layers.forEach((l, li) => {
      const a = as[as.length - 1];
      const z = new Float64Array(l.nOut);
      for (let o = 0; o < l.nOut; o++) {
        let s = l.b ? l.b[o] : 0;
        for (let k = 0; k < l.nIn; k++) s += a[k] * l.W[k * l.nOut + o];
        z[o] = s;
      }
      zs.push(z);
      const last = li === layers.length - 1;
      const act = last && (l.act === 'softmax' || (loss === 'bce' && l.act === 'sigmoid')) ? 'linear' : l.act;
      as.push(Float64Array.from(z, v => actF(act, v)));
    });
    const out = as[as.length - 1];
    const K = out.length;
    const delta = new Float64Array(K);
    if (loss === 'ce') {
      const mx = Math.max(...out);
      let se = 0;
      for (const v of out) se += Math.exp(v - mx);
      const lse = mx + Math.log(se);
      const c = y[i];
      total += lse - out[c];
      for (let k = 0; k < K; k++) delta[k] = Math.exp(out[k] - lse) - (k === c ? 1 : 0);
    } else if (loss === 'mse') {
      for (let k = 0; k < K; k++) {
        const e = out[k] - y[i * K + k];
        total += (e * e) / K;
        delta[k] = (2 * e) / K;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const z = out[k],
          t = y[i * K + k];
        total += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
        delta[k] = 1 / (1 + Math.exp(-z)) - t;
      }
    }
    // backprop; delta is dL/d(out of last layer after folded act) = dL/dz_last
    let dz = delta;
    for (let li = layers.length - 1; li >= 0; li--) {
      const l = layers[li],
        a = as[li];
      for (let k = 0; k < l.nIn; k++) for (let o = 0; o < l.nOut; o++) grads[li].W[k * l.nOut + o] += a[k] * dz[o];
      if (grads[li].b) for (let o = 0; o < l.nOut; o++) grads[li].b![o] += dz[o];
      if (li > 0) {
        const prev = layers[li - 1],
          zp = zs[li - 1];
        const da = new Float64Array(l.nIn);
        for (let k = 0; k < l.nIn; k++) {
          let s = 0;
          for (let o = 0; o < l.nOut; o++) s += l.W[k * l.nOut + o] * dz[o];
          da[k] = s;
        }
        dz = Float64Array.from(da, (v, k) => v * actD(prev.act, zp[k]));
      }
    }
  }
  const parts: number[] = [];
  for (const g of grads) {
    for (const v of g.W) parts.push(v / m);
    if (g.b) for (const v of g.b) parts.push(v / m);
  }
  return { loss: total / m, grad: Float64Array.from(parts) };
}

/**
 * Eigenvalues (ascending) of the float64 Hessian of a dense TF.js net's MSE loss on an .npz, built
 * column by column from hyper-dual H·e_c products and diagonalised by Jacobi (an independent reference).
 */
export function denseHessianEigenvalues(modelJson: string, dataNpz: string): number[] {
  return jacobiEigen(denseHessianMatrix(modelJson, dataNpz)).values;
}

/** The float64 Hessian itself (P × P), column c = H·e_c from the hyper-dual reference. */
export function denseHessianMatrix(modelJson: string, dataNpz: string): number[][] {
  const layers = readDenseNet(modelJson);
  const spec: RefDenseLayer[] = layers.map(l => ({ nIn: l.nIn, nOut: l.nOut, act: l.act, bias: Boolean(l.b) }));
  const theta: number[] = [];
  for (const l of layers) {
    theta.push(...l.W);
    if (l.b) theta.push(...l.b);
  }
  const data = loadDataset(dataNpz);
  const P = theta.length;
  const H = Array.from({ length: P }, () => new Array<number>(P).fill(0));
  for (let c = 0; c < P; c++) {
    const e = new Float64Array(P);
    e[c] = 1;
    const col = denseHvp64(spec, theta, e, data.x, data.m, data.y.data, 'mse').hv;
    for (let i = 0; i < P; i++) H[i][c] = col[i];
  }
  return H;
}
