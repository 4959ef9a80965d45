/**
 * Which dataset a checkpoint is diagnosed on: the `landscapeLens.dataFile` setting (relative
 * to the workspace folder), else a conventionally named .npz next to the checkpoint or in a
 * parent folder up to the workspace root (data.npz, dataset.npz, train.npz, val.npz,
 * test.npz). The UI says which file was used.
 */
import * as fs from 'fs';
import * as path from 'path';

export const CONVENTIONAL_DATA = ['data.npz', 'dataset.npz', 'train.npz', 'val.npz', 'test.npz'];

export function resolveData(checkpoint: string, setting: string | undefined, workspaceRoot: string | undefined): { file?: string; how: string } {
  if (setting) {
    const f = path.isAbsolute(setting) ? setting : path.join(workspaceRoot ?? path.dirname(checkpoint), setting);
    return { file: f, how: 'setting landscapeLens.dataFile' };
  }
  let dir = path.dirname(path.resolve(checkpoint));
  const stop = workspaceRoot ? path.resolve(workspaceRoot) : path.parse(dir).root;
  for (;;) {
    for (const n of CONVENTIONAL_DATA) {
      const f = path.join(dir, n);
      if (fs.existsSync(f)) return { file: f, how: `found ${n} ${dir === path.dirname(path.resolve(checkpoint)) ? 'next to the checkpoint' : `in ${dir}`}` };
    }
    if (dir === stop || path.dirname(dir) === dir) break;
    dir = path.dirname(dir);
  }
  return { how: `no dataset found: set landscapeLens.dataFile or put one of ${CONVENTIONAL_DATA.join(', ')} next to the checkpoint` };
}
