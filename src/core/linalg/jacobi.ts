/**
 * Dense symmetric eigensolver by cyclic Jacobi rotations (Jacobi 1846; Golub & Van Loan §8.5).
 * O(n³) per sweep: meant for small matrices (tests, reference spectra of ≤ a few hundred
 * parameters). Returns eigenvalues ascending with eigenvectors as columns.
 */
export function jacobiEigen(A: number[][], maxSweeps = 100): { values: number[]; vectors: number[][] } {
  const n = A.length;
  const a = A.map(r => r.slice());
  const V = Array.from({ length: n }, (_, i) => {
    const r = new Array<number>(n).fill(0);
    r[i] = 1;
    return r;
  });
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0,
      total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        total += a[i][j] ** 2;
        if (i !== j) off += a[i][j] ** 2;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p],
            akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k],
            aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p],
            vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
  }
  const d = a.map((r, i) => r[i]);
  const order = d.map((_, i) => i).sort((x, y) => d[x] - d[y]);
  return { values: order.map(i => d[i]), vectors: V.map(row => order.map(j => row[j])) };
}
