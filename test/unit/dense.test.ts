/**
 * The one ONNX Runtime matrix-product helper (src/core/native/dense.ts, issue 26) against a float64
 * JS reference (plain triple loops written here): every transposition, odd shapes, float32 and
 * float64, below and above the size switch (GEMM_ORT_MIN_WORK: the loops below, ONNX Runtime above; one
 * thread or every core by GEMM_THREADS_MIN_SIDE),
 * operands that are prefixes of a larger buffer (a workspace's first k rows), and the CGS pass
 * `projectOut`; the workspace's ORT reorthogonalisation leaves a vector orthogonal to its rows.
 */
import * as assert from 'assert';
import { gemm, gemmJs, projectOut, gemmStats, GEMM_ORT_MIN_WORK, gramRows, dotRows, mulSmall } from '../../src/core/native/dense';
import { KrylovSpace, ortStats } from '../../src/core/linalg/workspace';
import { loadOrt } from '../../src/core/native/runtime';
import { Rng } from '../../src/core/rng';

/** C = op(A) op(B) in float64, from the definitions. */
function ref(A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? A[p * m + i] : A[i * k + p]) * (tB ? B[j * k + p] : B[p * n + j]);
      C[i * n + j] = s;
    }
  return C;
}

function fill(rng: Rng, len: number, f32: boolean): Float32Array | Float64Array {
  const a = f32 ? new Float32Array(len) : new Float64Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.normal();
  return a;
}

describe('dense matrix products on ONNX Runtime (one helper)', function () {
  this.timeout(600000);
  const shapes: [number, number, number][] = [
    [1, 7, 1], // tiny: the loops
    [3, 5, 2],
    [13, 1, 9],
    [7, 40009, 5], // above the switch
    [1, 60001, 17],
    [33, 4099, 3],
    [20, 601, 17], // both outer sides ≥ GEMM_THREADS_MIN_SIDE: every core
  ];
  for (const f32 of [true, false])
    for (const [m, k, n] of shapes)
      it(`${f32 ? 'float32' : 'float64'} ${m}×${k}·${k}×${n} (${m * k * n >= GEMM_ORT_MIN_WORK ? 'ONNX Runtime' : 'loops'}), every transposition`, async () => {
        const rng = new Rng(m * 1000 + k + n);
        for (const tA of [false, true])
          for (const tB of [false, true]) {
            // operands as prefixes of larger buffers (a workspace passes its first rows)
            const A = fill(rng, m * k + 11, f32),
              B = fill(rng, k * n + 5, f32);
            const before = gemmStats.ort;
            const C = await gemm(A, B, m, k, n, { transA: tA, transB: tB });
            if (m * k * n >= GEMM_ORT_MIN_WORK && loadOrt()) assert.ok(gemmStats.ort > before, 'ONNX Runtime ran');
            assert.strictEqual(C.length, m * n);
            assert.strictEqual(C instanceof Float32Array, f32);
            const R = ref(A, B, m, k, n, tA, tB);
            const J = gemmJs(A, B, m, k, n, { transA: tA, transB: tB });
            // error relative to √k (Gaussian entries: |C_ij| ~ √k); float32: MLAS accumulates in float32
            const tol = (f32 ? 2e-6 : 1e-12) * Math.sqrt(k) * 10;
            for (let i = 0; i < m * n; i++) {
              assert.ok(Math.abs(C[i] - R[i]) <= tol, `${tA}${tB} C[${i}] ${C[i]} vs ${R[i]}`);
              assert.ok(Math.abs(J[i] - R[i]) <= tol, `loops ${tA}${tB} [${i}] ${J[i]} vs ${R[i]}`);
            }
          }
      });

  it('gramRows, dotRows, mulSmall (the float64 API the diagnostics use) equal the reference', async () => {
    const rng = new Rng(3);
    for (const [p, n] of [
      [3, 17],
      [9, 30011],
    ]) {
      const X = fill(rng, p * n, false) as Float64Array,
        W = fill(rng, 2 * p, false) as Float64Array;
      const G = await gramRows(X, p, n),
        Gr = ref(X, X, p, n, p, false, true);
      G.forEach((x, i) => assert.ok(Math.abs(x - Gr[i]) < 1e-10 * n, `gram ${i}`));
      const G2 = fill(rng, 2 * n, false) as Float64Array;
      const D = await dotRows(G2, 2, X, p, n),
        Dr = ref(G2, X, 2, n, p, false, true);
      D.forEach((x, i) => assert.ok(Math.abs(x - Dr[i]) < 1e-10 * n, `dotRows ${i}`));
      const Y = await mulSmall(W, 2, X, p, n),
        Yr = ref(W, X, 2, p, n, false, false);
      Y.forEach((x, i) => assert.ok(Math.abs(x - Yr[i]) < 1e-12 * p * 10, `mul ${i}`));
    }
  });

  for (const f32 of [true, false])
    it(`projectOut (${f32 ? 'float32' : 'float64'}): c = Qv and v − Qᵀc, below and above the switch; the workspace's ORT CGS2 leaves v orthogonal`, async () => {
      const rng = new Rng(f32 ? 5 : 6);
      for (const [k, n] of [
        [3, 101],
        [12, 50021],
      ]) {
        const Q = fill(rng, (k + 4) * n, f32),
          v = fill(rng, n, f32);
        const { c, v: y } = await projectOut(Q, k, n, v);
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += Q[j * n + i] * v[i];
          assert.ok(Math.abs(c[j] - s) < (f32 ? 2e-6 : 1e-12) * Math.sqrt(n) * 10, `c[${j}] ${c[j]} vs ${s}`);
        }
        for (let i = 0; i < n; i += 97) {
          let s = v[i];
          for (let j = 0; j < k; j++) s -= c[j] * Q[j * n + i];
          assert.ok(Math.abs(y[i] - s) < (f32 ? 1e-4 : 1e-10) * (1 + Math.abs(s)), `y[${i}]`);
        }
      }
      // the workspace: orthonormal rows by its own CGS2, then a vector orthogonalised through ONNX Runtime
      const n = 70001,
        W = new KrylovSpace(n, 8, f32 ? 'float32' : 'float64');
      for (let j = 0; j < 6; j++) {
        const q = W.newVec();
        q.set(rng.normalVector(n));
        const r = await W.orthogonaliseAsync(q);
        q.forEach((x, i) => (q[i] = x / r));
        W.push(q);
      }
      const before = ortStats.calls;
      const u = W.newVec();
      u.set(rng.normalVector(n));
      const nu = await W.orthogonaliseAsync(u);
      if (loadOrt()) assert.ok(ortStats.calls > before, 'the ORT path ran');
      for (let j = 0; j < 6; j++) {
        let s = 0;
        const q = W.row(j);
        for (let i = 0; i < n; i++) s += q[i] * u[i];
        assert.ok(Math.abs(s) < (f32 ? 1e-5 : 1e-12) * nu, `row ${j}: ${s}`);
      }
    });
});
