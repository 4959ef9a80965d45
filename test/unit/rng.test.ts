/**
 * The seeded generator (src/core/rng.ts): fillNormal, the bulk Gaussian draw, gives exactly the numbers
 * of the same count of normal() calls (bit for bit, Float64Array and Float32Array), continues the same
 * stream afterwards (the Box–Muller spare included), and its draws have the moments of N(0, 1).
 */
import * as assert from 'assert';
import { Rng } from '../../src/core/rng';

describe('seeded random numbers (rng.ts)', () => {
  it('fillNormal equals normal() called a.length times, and the streams continue alike', () => {
    for (const seed of [0, 1, 7, 2 ** 32 - 1])
      for (const lengths of [[1], [2], [5, 3], [1000, 1, 4], [0, 7], [3, 3, 3]]) {
        const byOne = new Rng(seed),
          bulk = new Rng(seed);
        for (const n of lengths) {
          const a = Array.from({ length: n }, () => byOne.normal());
          const b = new Float64Array(n);
          bulk.fillNormal(b);
          assert.deepStrictEqual(Array.from(b), a, `seed ${seed}, lengths ${lengths}`);
        }
        assert.strictEqual(bulk.normal(), byOne.normal(), 'the spare and the state continue alike');
        assert.strictEqual(bulk.nextU32(), byOne.nextU32());
      }
    const f32 = new Float32Array(9);
    new Rng(3).fillNormal(f32);
    assert.deepStrictEqual(f32, Float32Array.from(new Rng(3).normalVector(9)));
  });

  it('normalVector: mean 0, variance 1, fourth moment 3 (10^6 draws, 5 standard errors)', () => {
    const n = 1e6,
      v = new Rng(11).normalVector(n);
    let m1 = 0,
      m2 = 0,
      m4 = 0;
    for (const x of v) {
      m1 += x;
      m2 += x * x;
      m4 += x ** 4;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    assert.ok(Math.abs(m1) < 5 / Math.sqrt(n), `mean ${m1}`);
    assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `variance ${m2}`);
    assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `fourth moment ${m4}`);
  });
});
