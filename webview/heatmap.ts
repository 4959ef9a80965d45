/**
 * Heat-map helpers (pure, unit-tested): a perceptually ordered colour map (viridis, 9 stops,
 * linearly interpolated) and marching-squares contour segments on a grid of values.
 */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Colour for u ∈ [0, 1] (clamped) as an rgb() string. */
export function heatmapColor(u: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x)),
    f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + (VIRIDIS[i + 1][k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Contour segments of `grid` (rows j, columns i) at `level`: each [x1, y1, x2, y2] in grid
 * coordinates (x = column index, y = row index), linearly interpolated along cell edges.
 */
export function contourSegments(grid: number[][], level: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  const rows = grid.length,
    cols = grid[0]?.length ?? 0;
  const lerp = (a: number, b: number) => (level - a) / (b - a || 1e-300);
  for (let j = 0; j + 1 < rows; j++)
    for (let i = 0; i + 1 < cols; i++) {
      const v0 = grid[j][i],
        v1 = grid[j][i + 1],
        v2 = grid[j + 1][i + 1],
        v3 = grid[j + 1][i];
      if (![v0, v1, v2, v3].every(Number.isFinite)) continue;
      const idx = (v0 > level ? 1 : 0) | (v1 > level ? 2 : 0) | (v2 > level ? 4 : 0) | (v3 > level ? 8 : 0);
      if (idx === 0 || idx === 15) continue;
      // edge points: bottom (0-1), right (1-2), top (3-2), left (0-3)
      const e = {
        b: [i + lerp(v0, v1), j] as [number, number],
        r: [i + 1, j + lerp(v1, v2)] as [number, number],
        t: [i + lerp(v3, v2), j + 1] as [number, number],
        l: [i, j + lerp(v0, v3)] as [number, number],
      };
      const seg = (p: [number, number], q: [number, number]) => out.push([p[0], p[1], q[0], q[1]]);
      switch (idx) {
        case 1:
        case 14:
          seg(e.l, e.b);
          break;
        case 2:
        case 13:
          seg(e.b, e.r);
          break;
        case 3:
        case 12:
          seg(e.l, e.r);
          break;
        case 4:
        case 11:
          seg(e.r, e.t);
          break;
        case 6:
        case 9:
          seg(e.b, e.t);
          break;
        case 7:
        case 8:
          seg(e.l, e.t);
          break;
        case 5:
          seg(e.l, e.t);
          seg(e.b, e.r);
          break; // saddle cells: both pairs
        case 10:
          seg(e.l, e.b);
          seg(e.r, e.t);
          break;
      }
    }
  return out;
}
