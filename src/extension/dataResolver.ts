/**
 * Which dataset (and settings) a checkpoint is diagnosed with: the `landscapeLens.dataFile`
 * setting (relative to the workspace folder) if set, else the first matching entry of a
 * `landscape.json` in the checkpoint's folder or a parent (src/core/config.ts), else a
 * conventionally named .npz next to the checkpoint or in a parent folder up to the workspace
 * root. The UI says which.
 */
import * as path from 'path';
import { resolveSettings, ResolvedSettings, CONVENTIONAL_DATA } from '../core/config';

export { CONVENTIONAL_DATA };

export function resolveData(
  checkpoint: string,
  setting: string | undefined,
  workspaceRoot: string | undefined,
): ResolvedSettings & { file?: string } {
  if (setting) {
    const f = path.isAbsolute(setting) ? setting : path.join(workspaceRoot ?? path.dirname(checkpoint), setting);
    return { file: f, dataFile: f, how: 'setting landscapeLens.dataFile' };
  }
  const r = resolveSettings(checkpoint, { stop: workspaceRoot });
  return { ...r, file: r.dataFile };
}
