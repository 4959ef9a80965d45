/**
 * GPU checks of the native engine (`npm run test:gpu`): on each GPU execution provider that starts
 * here (CUDA, WebGPU), loss, gradient and H·v equal the CPU provider's on the reference-sized MLP
 * and the bench CNN, and a speed table is printed. Where no GPU exists every check skips with a
 * message (this suite is not part of `npm test`: CI machines have no GPU).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { resolveLoss } from '../../src/core/loss';
import { relErr } from '../../src/core/hvpSelfTest';
import { cnnTask } from '../../bench/native';

const gpu = fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/dri/renderD128');
const TOL = 1e-4; // float32 on both sides, different reduction orders (and TF32 where the provider uses it)

async function timeHvp(o: OrtObjective, theta: Float32Array, v: Float32Array): Promise<number> {
  await o.hvp(theta, v);
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await o.hvp(theta, v);
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[2];
}

describe('native engine on GPU execution providers', function () {
  this.timeout(600000);
  const table: string[] = [];
  after(() => {
    if (table.length) console.log(`\n      provider  model  HVP (median of 5)\n${table.map(l => `      ${l}`).join('\n')}`);
  });
  for (const ep of ['cuda', 'webgpu'] as const) {
    for (const [name, make] of [
      ['linear', () => cnnTask([3], [], 1000, 10, 3)],
      ['cnn', () => cnnTask([3, 32, 64], [true, true], 256, 10, 1)],
    ] as const) {
      it(`${ep}: ${name} — loss, gradient and H·v equal the CPU provider's`, async function () {
        if (!gpu) {
          console.log(`      (no GPU device on this machine: ${ep} not checked)`);
          this.skip();
        }
        const t = make();
        const spec = resolveLoss(t.model, t.data);
        const cpu = new OrtObjective(t.model, t.data, spec, { ep: 'cpu' });
        const dev = new OrtObjective(t.model, t.data, spec, { ep });
        try {
          const v = Float32Array.from({ length: t.model.numParams }, (_, i) => Math.sin(i));
          const [a, b] = [await cpu.valueAndGradient(t.model.theta), await dev.valueAndGradient(t.model.theta)];
          if (dev.ep !== ep) {
            console.log(`      (${ep} could not start here: ${dev.notices.join('; ')})`);
            this.skip();
          }
          assert.ok(Math.abs(a.loss - b.loss) / Math.abs(a.loss) < TOL, `loss ${b.loss} vs cpu ${a.loss}`);
          assert.ok(relErr(b.gradient, a.gradient) < TOL, `gradient rel. err ${relErr(b.gradient, a.gradient)}`);
          const [ha, hb] = [await cpu.hvp(t.model.theta, v), await dev.hvp(t.model.theta, v)];
          assert.ok(relErr(hb, ha) < TOL, `H·v rel. err ${relErr(hb, ha)}`);
          table.push(`${'cpu'.padEnd(8)}  ${name.padEnd(5)}  ${(await timeHvp(cpu, t.model.theta, v)).toFixed(1)} ms`);
          table.push(`${ep.padEnd(8)}  ${name.padEnd(5)}  ${(await timeHvp(dev, t.model.theta, v)).toFixed(1)} ms`);
        } finally {
          cpu.dispose();
          dev.dispose();
        }
      });
    }
  }
});
