/**
 * Small convolutions as one dense matrix product (src/core/native/convDense.ts) and MaxPool without its
 * Indices output where nothing reads it (src/core/native/poolIndices.ts), against independent references:
 *  - the tap geometry (strides, dilations, asymmetric pads, 1×1 maps): the rewritten graph's values against
 *    ONNX Runtime's own Conv kernel on the same inputs;
 *  - a two-stage CNN like the bench's (8×8 maps, conv + ReLU + 2×2 max pooling): loss, gradient and H·v on the
 *    native engine against PyTorch's float64 double backward (/usr/bin/python3), with the rewrite on and off.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Graph, type ConvAttrs } from '../../src/core/native/ir';
import { toModelProto } from '../../src/core/native/proto';
import { convsToDense, CONV_DENSE } from '../../src/core/native/convDense';
import { dropUnusedPoolIndices, argmaxIndices } from '../../src/core/native/poolIndices';
import type { PrimNode } from '../../src/core/native/ir';
import { loadOrt } from '../../src/core/native/runtime';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { clearNativeCaches, compiledFor } from '../../src/core/native/cache';
import { decodeOnnxModel } from '../../src/core/formats/onnx';
import { encodeNpz } from '../../src/core/data/npyWrite';
import { relErr } from '../../src/core/hvpSelfTest';
import { Rng } from '../../src/core/rng';
import { resolveLoss } from '../../src/core/loss';
import { cnnTask } from '../../bench/native';
import { makeCnnTask } from '../../bench/reference';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/formats';
import { loadDataset } from '../../src/core/data/dataset';
import { FLATTEN_FOLD } from '../../src/core/native/flattenFold';

const PY = '/usr/bin/python3';
const hasTorch = (): boolean =>
  fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } }).status === 0;

async function runGraph(g: Graph, feeds: Record<string, Float32Array>): Promise<Float32Array> {
  const ort = loadOrt()!;
  const s = await ort.InferenceSession.create(toModelProto(g), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const f: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const i of g.inputs) f[i] = new ort.Tensor('float32', feeds[i], g.shape(i));
  const out = await s.run(f);
  const y = out[g.outputs[0]].data as Float32Array;
  await s.release();
  return y;
}

type Arrays = Record<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

/** The task PyTorch reads: the parameters p0…, the inputs x, the labels y, the vector v (and any `extra` arrays). */
function writeTask(
  file: string,
  model: { params: { shape: number[]; offset: number; size: number }[]; theta: Float32Array },
  data: { xShape: number[]; x: Float32Array; m: number; y: unknown },
  v: Float32Array,
  extra: Arrays = {},
): string {
  const arrays: Arrays = { ...extra };
  model.params.forEach((p, i) => (arrays[`p${i}`] = { shape: p.shape, data: model.theta.slice(p.offset, p.offset + p.size) }));
  arrays.x = { shape: data.xShape, data: data.x };
  arrays.y = { shape: [data.m], data: (data.y as { data: Int32Array }).data };
  arrays.v = { shape: [v.length], data: v };
  fs.writeFileSync(file, encodeNpz(arrays as never));
  return file;
}

/** PyTorch's float64 loss, gradient and H·v of the task, by the Python lines `script` (which print them as JSON). */
function torchReference(script: string[], task: string): { loss: number; grad: number[]; hv: number[] } {
  const r = spawnSync(PY, ['-c', script.join('\n'), task], { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { loss: number; grad: number[]; hv: number[] };
}

describe('native engine: small convolutions as one dense GEMM (convDense.ts)', function () {
  this.timeout(300000);
  const geometries: [string, number[], number[], ConvAttrs][] = [
    ['3×3 pad 1 on 8×8, 1 → 5 channels', [6, 1, 8, 8], [5, 1, 3, 3], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }],
    ['3×3 stride 2, asymmetric pads', [4, 3, 7, 6], [4, 3, 3, 3], { strides: [2, 2], pads: [0, 1, 2, 1], dilations: [1, 1], group: 1 }],
    ['2×3 dilation 2, stride (1, 2)', [3, 2, 6, 7], [3, 2, 2, 3], { strides: [1, 2], pads: [1, 0, 1, 2], dilations: [2, 2], group: 1 }],
    [
      '3×3 pad 1 on a 1×1 map (centre tap only)',
      [5, 6, 1, 1],
      [4, 6, 3, 3],
      { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 },
    ],
  ];
  for (const [name, xs, ws, a] of geometries) {
    it(`${name}: the rewritten graph equals ONNX Runtime's Conv`, async () => {
      const rng = new Rng(3);
      const x = Float32Array.from(rng.normalVector(xs.reduce((p, q) => p * q, 1)));
      const w = Float32Array.from(rng.normalVector(ws.reduce((p, q) => p * q, 1)));
      const build = (dense: boolean) => {
        const g = new Graph();
        const xi = g.input('x', xs),
          wi = g.input('w', ws);
        g.outputs = [g.conv(xi, wi, a)];
        if (dense) assert.strictEqual(convsToDense(g), 1, 'the convolution qualifies for the rewrite');
        return g;
      };
      const dense = build(true);
      assert.ok(!dense.nodes.some(n => n.op === 'Conv'), 'no Conv node is left');
      const ref = await runGraph(build(false), { x, w });
      const got = await runGraph(dense, { x, w });
      assert.strictEqual(got.length, ref.length);
      assert.ok(relErr(got, ref) < 1e-6, `relative error ${relErr(got, ref).toExponential(2)}`);
    });
  }

  it('a convolution on large maps is left to the other paths (dense matrix over the bounds)', () => {
    const g = new Graph();
    g.outputs = [
      g.conv(g.input('x', [2, 16, 32, 32]), g.input('w', [16, 16, 3, 3]), {
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        group: 1,
      }),
    ];
    assert.strictEqual(convsToDense(g), 0);
  });

  it('MaxPool loses its Indices output only where nothing reads it', () => {
    const g = new Graph();
    const [y, idx] = g.maxPool(g.input('x', [2, 3, 4, 4]), [2, 2], [2, 2], [0, 0, 0, 0]);
    g.outputs = [y];
    const g2 = new Graph();
    const [y2, idx2] = g2.maxPool(g2.input('x', [2, 3, 4, 4]), [2, 2], [2, 2], [0, 0, 0, 0]);
    g2.outputs = [y2, g2.toFloat(idx2)];
    assert.strictEqual(dropUnusedPoolIndices(g), 1);
    assert.deepStrictEqual(g.nodes[0].outputs, [y]);
    assert.ok(idx);
    assert.strictEqual(dropUnusedPoolIndices(g2), 0);
  });

  for (const [xs, k] of [
    [[3, 4, 8, 6], 2],
    [[2, 3, 6, 9], 3],
  ] as [number[], number][]) {
    it(`max pooling ${k}×${k} on [${xs}] with many ties: ArgMax indices = MaxPool's Indices (first maximum)`, async () => {
      const rng = new Rng(7);
      // values on a coarse grid: ties within a window are frequent (negative and zero ones too)
      const x = Float32Array.from(rng.normalVector(xs.reduce((p, q) => p * q, 1)), v => Math.round(v * 1.5) / 2);
      const g = new Graph();
      const xi = g.input('x', xs);
      const [, idx] = g.maxPool(xi, [k, k], [k, k], [0, 0, 0, 0]);
      const { idx: ours, perMap } = argmaxIndices(g, g.nodes[g.nodes.length - 1] as PrimNode<'MaxPool'>);
      assert.ok(perMap, 'the ArgMax path applies');
      g.outputs = [idx, ours];
      const ort = loadOrt()!;
      const s = await ort.InferenceSession.create(toModelProto(g), { executionProviders: ['cpu'] });
      const out = await s.run({ x: new ort.Tensor('float32', x, xs) });
      await s.release();
      const a = Array.from(out[idx].data as BigInt64Array, Number),
        b = Array.from(out[ours].data as BigInt64Array, Number);
      // ours: the pixel within each map ([N·C, ho·wo]); MaxPool's: flat into x ([N, C, ho, wo], the same order)
      const HW = xs[2] * xs[3];
      assert.deepStrictEqual(
        b,
        a.map(f => f % HW),
      );
      let ties = 0;
      for (let i = 0; i < a.length; i++) {
        const v = x[a[i]];
        let same = 0;
        const [, , H, W] = xs;
        const map = Math.floor(a[i] / (H * W)) * H * W,
          ph = Math.floor((a[i] % (H * W)) / W / k),
          pw = Math.floor((a[i] % W) / k);
        for (let u = 0; u < k; u++) for (let w = 0; w < k; w++) if (x[map + (ph * k + u) * W + pw * k + w] === v) same++;
        if (same > 1) ties++;
      }
      assert.ok(ties > 10, `windows with a tied maximum: ${ties}`);
    });
  }

  it('bench-like CNN (8×8 maps, conv + ReLU + max pooling, 2 stages): loss, gradient and H·v vs PyTorch float64, rewrite on and off', async function () {
    if (!hasTorch()) this.skip();
    const { model, data, spec } = cnnTask([1, 6, 4], [true, true], 96, 5, 11, { hw: 8, hidden: 7 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conv-dense-'));
    try {
      const n = model.numParams;
      const loss = resolveLoss(model, data);
      assert.strictEqual(loss.kind, 'ce');
      const v = Float32Array.from(new Rng(5).normalVector(n));
      const specJson = Buffer.from(JSON.stringify(spec));
      const task = writeTask(path.join(dir, 'task.npz'), model, data, v, {
        spec: { shape: [specJson.length], data: new Uint8Array(specJson) },
      });
      const py = [
        'import json, sys, numpy as np, torch',
        `sys.path.insert(0, ${JSON.stringify(path.resolve(__dirname, '../../../bench'))})`,
        'import torch_reference as tr',
        'z = np.load(sys.argv[1]); spec = json.loads(bytes(z["spec"]).decode())',
        'ps = [torch.tensor(z[f"p{i}"], dtype=torch.float64, requires_grad=True) for i in range(len(spec["params"]))]',
        'x = torch.tensor(z["x"], dtype=torch.float64); y = torch.tensor(z["y"]).long(); v = torch.tensor(z["v"], dtype=torch.float64)',
        'L = tr.loss_fn(spec, ps, x, y)',
        'g = torch.autograd.grad(L, ps, create_graph=True); gf = torch.cat([t.reshape(-1) for t in g])',
        'hv = torch.autograd.grad(gf @ v, ps); hf = torch.cat([t.reshape(-1) for t in hv])',
        'print(json.dumps({"loss": L.item(), "grad": gf.detach().tolist(), "hv": hf.tolist()}))',
      ];
      const ref = torchReference(py, task);
      for (const dense of [true, false]) {
        CONV_DENSE.enabled = dense;
        clearNativeCaches();
        try {
          if (dense) {
            // no convolution is left for the other paths (ORT's Conv, convGemm.ts's im2col Slices)
            const c = compiledFor({ model, spec: loss, rows: data.m, featShape: data.xShape.slice(1), kind: 'hvp' });
            const ops = (decodeOnnxModel(c.bytes, 'hvp').graph?.node ?? []).map(nd => String(nd.opType));
            for (const op of ['Conv', 'ConvTranspose', 'Pad']) assert.ok(!ops.includes(op), `${op} in the HVP graph`);
          }
          const obj = new OrtObjective(model, data, loss, { ep: 'cpu' });
          try {
            const L = await obj.loss(model.theta);
            const { gradient } = await obj.valueAndGradient(model.theta);
            const hv = await obj.hvp(model.theta, v);
            const tag = dense ? 'dense' : 'conv';
            assert.ok(Math.abs(L - ref.loss) <= 1e-6 * Math.abs(ref.loss), `${tag} loss ${L} vs ${ref.loss}`);
            assert.ok(relErr(gradient, ref.grad) <= 1e-5, `${tag} gradient relative error ${relErr(gradient, ref.grad).toExponential(2)}`);
            assert.ok(relErr(hv, ref.hv) <= 1e-5, `${tag} H·v relative error ${relErr(hv, ref.hv).toExponential(2)}`);
          } finally {
            obj.dispose();
          }
        } finally {
          CONV_DENSE.enabled = true;
        }
      }
    } finally {
      clearNativeCaches();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bench CNN itself (TF.js layers, channels-last: conv 16 and 8 on 8×8, flatten in NHWC order): loss, gradient, H·v vs PyTorch float64, transpose fold on and off', async function () {
    if (!hasTorch()) this.skip();
    await initBackend('cpu');
    const cnn = await makeCnnTask({ m: 160 });
    try {
      const model = readCheckpoint(cnn.checkpoints[0]);
      const data = loadDataset(cnn.data, { seed: 0 });
      const loss = resolveLoss(model, data);
      const n = model.numParams;
      assert.strictEqual(n, 2276);
      const v = Float32Array.from(new Rng(9).normalVector(n));
      const task = writeTask(path.join(cnn.dir, 'task.npz'), model, data, v);
      // the Keras model in PyTorch: NHWC input, HWIO kernels, 'same' padding, flatten in NHWC order, softmax folded into the CE
      const py = [
        'import json, sys, numpy as np, torch, torch.nn.functional as F',
        'z = np.load(sys.argv[1])',
        'ps = [torch.tensor(z[f"p{i}"], dtype=torch.float64, requires_grad=True) for i in range(8)]',
        'x = torch.tensor(z["x"], dtype=torch.float64).permute(0, 3, 1, 2); y = torch.tensor(z["y"]).long(); v = torch.tensor(z["v"], dtype=torch.float64)',
        'def f(p):',
        '  h = F.max_pool2d(F.relu(F.conv2d(x, p[0].permute(3, 2, 0, 1), p[1], padding=1)), 2)',
        '  h = F.max_pool2d(F.relu(F.conv2d(h, p[2].permute(3, 2, 0, 1), p[3], padding=1)), 2)',
        '  h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)',
        '  return F.cross_entropy(F.relu(h @ p[4] + p[5]) @ p[6] + p[7], y)',
        'L = f(ps); g = torch.autograd.grad(L, ps, create_graph=True); gf = torch.cat([t.reshape(-1) for t in g])',
        'hv = torch.autograd.grad(gf @ v, ps); hf = torch.cat([t.reshape(-1) for t in hv])',
        'print(json.dumps({"loss": L.item(), "grad": gf.detach().tolist(), "hv": hf.tolist()}))',
      ];
      const ref = torchReference(py, task);
      for (const fold of [true, false]) {
        FLATTEN_FOLD.enabled = fold;
        clearNativeCaches();
        const obj = new OrtObjective(model, data, loss, { ep: 'cpu' });
        try {
          const c = compiledFor({ model, spec: loss, rows: data.m, featShape: data.xShape.slice(1), kind: 'hvp' });
          const transposes = (decodeOnnxModel(c.bytes, 'hvp').graph?.node ?? []).filter(nd => String(nd.opType) === 'Transpose').length;
          const tag = fold ? 'fold' : 'no fold';
          const L = await obj.loss(model.theta);
          const { gradient } = await obj.valueAndGradient(model.theta);
          const hv = await obj.hvp(model.theta, v);
          assert.ok(Math.abs(L - ref.loss) <= 1e-6 * Math.abs(ref.loss), `${tag}: loss ${L} vs ${ref.loss}`);
          assert.ok(relErr(gradient, ref.grad) <= 1e-5, `${tag}: gradient relative error ${relErr(gradient, ref.grad).toExponential(2)}`);
          assert.ok(
            relErr(hv, ref.hv) <= 1e-5,
            `${tag}: H·v relative error ${relErr(hv, ref.hv).toExponential(2)} (${transposes} Transposes)`,
          );
        } finally {
          obj.dispose();
          FLATTEN_FOLD.enabled = true;
        }
      }
    } finally {
      clearNativeCaches();
      fs.rmSync(cnn.dir, { recursive: true, force: true });
    }
  });
});
