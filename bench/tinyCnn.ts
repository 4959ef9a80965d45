/**
 * `npm run bench -- tinycnn` (issue 26): where one pass of the 2,276-parameter bench CNN (bench/reference.ts
 * makeCnnTask: 1,024 samples of 1×8×8, conv 16 and 8 channels on 8×8 / 4×4 maps) spends its time.
 *  - the compiled graphs: node counts by op type per graph kind;
 *  - pass times (median ms) of loss, gradient, HVP, lossBlock and hvpBlock (per point), JVP and VJP for each
 *    compiler variant, interleaved in one process: `before` (none of the rewrites below), `dense-conv`
 *    (convDense.ts), `pool-argmax` (poolIndices.ts), `dense+pool`, `current` (both and flattenFold.ts),
 *    `current-1thr` (one intra-op thread), `ort-extended` (ORT's graph optimisation 'extended': no NCHWc layout). Options: --reps=N, --threads=N, --block=B, --variants=a,b, --profile;
 *  - with `--profile`: ONNX Runtime's per-op profile of each graph kind (share of kernel time by op type and
 *    the largest nodes with their shapes), and the share of a session run spent outside the kernels.
 * Ratios in one run on a loaded machine; never assertions.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as Ort from 'onnxruntime-node';
import { median } from './timing';

interface Variant {
  name: string;
  on: () => void;
  off: () => void;
}

interface ProfEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

function summarise(file: string, runs: number): string[] {
  const ev = JSON.parse(fs.readFileSync(file, 'utf8')) as ProfEvent[];
  const byOp = new Map<string, { us: number; n: number }>();
  const byNode = new Map<string, { us: number; op: string; shapes: string }>();
  let kernel = 0,
    run = 0;
  for (const e of ev) {
    if (e.cat === 'Session' && e.name === 'model_run') run += e.dur;
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    kernel += e.dur;
    const o = byOp.get(op) ?? { us: 0, n: 0 };
    o.us += e.dur;
    o.n++;
    byOp.set(op, o);
    const shapes = (e.args?.input_type_shape ?? []).map(s => Object.values(s)[0]?.join('×')).join(', ');
    const nn = byNode.get(e.name) ?? { us: 0, op, shapes };
    nn.us += e.dur;
    byNode.set(e.name, nn);
  }
  const lines = [
    `   per run: session ${(run / runs / 1000).toFixed(2)} ms, kernels ${(kernel / runs / 1000).toFixed(2)} ms ` +
      `(${((100 * kernel) / Math.max(1, run)).toFixed(0)} %), ${byNode.size || 0} kernel nodes`,
  ];
  for (const [op, o] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 12))
    lines.push(
      `     ${op.padEnd(22)} ${((100 * o.us) / kernel).toFixed(1).padStart(5)} %  ${(o.n / runs).toFixed(0).padStart(4)} nodes/run`,
    );
  lines.push('   largest nodes:');
  for (const [name, o] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 8))
    lines.push(
      `     ${((100 * o.us) / kernel).toFixed(1).padStart(5)} %  ${o.op.padEnd(14)} ${o.shapes.slice(0, 80)}  (${name.replace('_kernel_time', '').slice(0, 30)})`,
    );
  return lines;
}

export async function run(args: string[] = process.argv.slice(3)): Promise<void> {
  const { initBackend } = await import('../src/core/backend');
  await initBackend('cpu');
  const { makeCnnTask } = await import('./reference');
  const { readCheckpoint } = await import('../src/core/formats');
  const { loadDataset } = await import('../src/core/data/dataset');
  const { resolveLoss } = await import('../src/core/loss');
  const { OrtObjective } = await import('../src/core/native/ortObjective');
  const { clearNativeCaches, compiledFor } = await import('../src/core/native/cache');
  const { SESSION_TUNING } = await import('../src/core/native/runtime');
  const { CONV_DENSE } = await import('../src/core/native/convDense');
  const { POOL_INDICES } = await import('../src/core/native/poolIndices');
  const { FLATTEN_FOLD } = await import('../src/core/native/flattenFold');
  const { Rng } = await import('../src/core/rng');
  const { decodeOnnxModel } = await import('../src/core/formats/onnx');

  const profile = args.includes('--profile');
  const reps = Number(args.find(a => a.startsWith('--reps='))?.slice(7) ?? 7);
  const thr = args.find(a => a.startsWith('--threads='));
  const threads = thr ? Number(thr.slice(10)) : undefined;
  const bs = args.find(a => a.startsWith('--block='));
  const blockSize = bs ? Number(bs.slice(8)) : undefined;
  const only = args
    .find(a => a.startsWith('--variants='))
    ?.slice(11)
    ?.split(',');
  const cnn = await makeCnnTask();
  const model = readCheckpoint(cnn.checkpoints[0]);
  const data = loadDataset(cnn.data, { seed: 0 });
  const spec = resolveLoss(model, data);
  const n = model.numParams;
  const theta = model.theta.slice();
  const rng = new Rng(1);
  const v = Float32Array.from(rng.normalVector(n));
  const B = 8;
  const thetas = new Float32Array(B * n);
  for (let j = 0; j < B; j++) for (let i = 0; i < n; i++) thetas[j * n + i] = theta[i] + 0.01 * rng.normal();
  const Vs = Float32Array.from(rng.normalVector(B * n));
  const u = Float32Array.from(rng.normalVector(data.m * 10));

  const set =
    (dense: boolean, pool: boolean, fold = dense) =>
    () => {
      CONV_DENSE.enabled = dense;
      POOL_INDICES.dropUnused = pool;
      POOL_INDICES.argmax = pool;
      FLATTEN_FOLD.enabled = fold;
    };
  const variants: Variant[] = [
    { name: 'before', on: set(false, false), off: set(true, true) },
    { name: 'dense-conv', on: set(true, false, false), off: set(true, true) },
    { name: 'pool-argmax', on: set(false, true), off: set(true, true) },
    { name: 'dense+pool', on: set(true, true, false), off: set(true, true) },
    { name: 'current', on: () => undefined, off: () => undefined },
    { name: 'current-1thr', on: () => undefined, off: () => undefined },
    { name: 'ort-extended', on: () => (SESSION_TUNING.optLevel = 'extended'), off: () => (SESSION_TUNING.optLevel = undefined) },
  ].filter(x => !only || only.includes(x.name));

  // graph sizes (current compiler)
  clearNativeCaches();
  console.log(`\n== tiny CNN: ${n} parameters, ${data.m} samples of ${data.xShape.slice(1).join('×')} ==`);
  for (const kind of ['loss', 'grad', 'hvp', 'jvp', 'vjp', 'lossBlock'] as const) {
    const c = compiledFor({
      model,
      spec,
      rows: Math.min(1024, data.m),
      featShape: data.xShape.slice(1),
      kind,
      block: kind === 'lossBlock' ? B : 1,
    });
    const ops = new Map<string, number>();
    for (const nd of decodeOnnxModel(c.bytes, kind).graph?.node ?? []) ops.set(String(nd.opType), (ops.get(String(nd.opType)) ?? 0) + 1);
    const hist = [...ops.entries()].sort((a, b) => b[1] - a[1]).map(([o, k]) => `${o} ${k}`);
    console.log(`  ${kind.padEnd(10)} ${String(c.nodes).padStart(4)} nodes: ${hist.join(', ')}`);
  }

  const kinds: [string, (o: InstanceType<typeof OrtObjective>) => Promise<unknown>, number][] = [
    ['loss', o => o.loss(theta), 1],
    ['grad', o => o.valueAndGradient(theta), 1],
    ['hvp', o => o.hvp(theta, v), 1],
    [`lossBlock/${B}`, o => o.lossBlock(thetas), B],
    [`hvpBlock/${B}`, o => o.hvpBlock(theta, Vs), B],
    ['jvp', o => o.jvp(theta, v), 1],
    ['vjp', o => o.vjp(theta, u), 1],
  ];
  const table = new Map<string, number[]>();
  for (let round = 0; round < 2; round++)
    for (const va of variants) {
      clearNativeCaches();
      va.on();
      const obj = new OrtObjective(model, data, spec, { ep: 'cpu', threads: va.name.endsWith('1thr') ? 1 : threads, blockSize });
      const row = table.get(va.name) ?? kinds.map(() => Infinity);
      for (const [i, [, f, per]] of kinds.entries()) row[i] = Math.min(row[i], (await median(reps, () => f(obj))) / per);
      table.set(va.name, row);
      obj.dispose();
      clearNativeCaches();
      va.off();
    }
  console.log(`\n  pass times (ms, best of 2 interleaved medians of ${reps}; lossBlock per point):`);
  console.log(`  ${'variant'.padEnd(16)} ${kinds.map(k => k[0].padStart(12)).join('')}`);
  for (const [name, row] of table) console.log(`  ${name.padEnd(16)} ${row.map(t => t.toFixed(2).padStart(12)).join('')}`);

  if (profile) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinycnn-prof-'));
    for (const va of variants.filter(x => !x.name.endsWith('1thr'))) {
      va.on();
      SESSION_TUNING.profilePrefix = path.join(dir, va.name);
      const runs = 10;
      for (const [k, f] of kinds) {
        clearNativeCaches();
        const obj = new OrtObjective(model, data, spec, { ep: 'cpu', threads });
        for (let i = 0; i < runs; i++) await f(obj);
        const sessions = (obj as unknown as { sessions: Map<string, Promise<{ s: Ort.InferenceSession }>> }).sessions;
        for (const p of sessions.values()) (await p).s.endProfiling();
        const files = fs.readdirSync(dir).map(f2 => path.join(dir, f2));
        console.log(`\n  profile ${va.name} ${k} (${runs} calls, ${files.length} session):`);
        for (const file of files) for (const l of summarise(file, runs)) console.log(l);
        for (const file of files) fs.rmSync(file);
        obj.dispose();
        clearNativeCaches();
      }
      SESSION_TUNING.profilePrefix = undefined;
      va.off();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.rmSync(cnn.dir, { recursive: true, force: true });
}
