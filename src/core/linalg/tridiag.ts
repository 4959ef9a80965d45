/**
 * Eigen-decomposition of a symmetric tridiagonal matrix T (diagonal α, off-diagonal β) by the
 * implicit QL method with Wilkinson shifts (tql2 of EISPACK, Bowdler, Martin, Reinsch &
 * Wilkinson 1968, as in JAMA). Returns eigenvalues ascending and the eigenvector matrix
 * (column j of `vectors` is the eigenvector of values[j]; vectors[i][j] is its i-th component).
 */
export interface TridiagEigen {
  values: number[];
  vectors: number[][];
}

export function tridiagEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>): TridiagEigen {
  const r = tridiagEigenRows(
    alpha,
    beta,
    Array.from({ length: alpha.length }, (_, i) => i),
  );
  return { values: r.values, vectors: r.rows };
}

/**
 * The eigenvalues (ascending) and only the given rows of the eigenvector matrix (row i = the i-th
 * component of every eigenvector): the rotations act on each row independently, so the cost is
 * O(n²·(1 + rows/n)) instead of O(n³). Lanczos needs only the last row per step (the residuals
 * β_j|e_jᵀ s_i|), SLQ only the first (the quadrature weights).
 */
export function tridiagEigenRows(
  alpha: ArrayLike<number>,
  beta: ArrayLike<number>,
  rows: number[],
): { values: number[]; rows: number[][] } {
  const n = alpha.length;
  const d = Array.from(alpha);
  const e = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) e[i - 1] = beta[i - 1];
  const V: number[][] = rows.map(i => {
    const r = new Array<number>(n).fill(0);
    r[i] = 1;
    return r;
  });
  const nr = V.length;
  const eps = 2 ** -52;
  let f = 0,
    tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('tridiagEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1,
          c2 = c,
          c3 = c;
        const el1 = e[l + 1];
        let s = 0,
          s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < nr; k++) {
            const row = V[k];
            h = row[i + 1];
            row[i + 1] = s * row[i] + c * h;
            row[i] = c * row[i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  const order = d.map((_, i) => i).sort((a, b) => d[a] - d[b]);
  return { values: order.map(i => d[i]), rows: V.map(row => order.map(j => row[j])) };
}
