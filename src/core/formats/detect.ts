/** Checkpoint format detection by file name (cheap: no reader is loaded). The formats: registry.ts. */
import { checkpointGlob } from './registry';

export type { CheckpointFormat } from './registry';
export { detectFormat, looksLikeCheckpoint } from './registry';

/** Glob (VS Code syntax) of files that may be checkpoints. */
export const CHECKPOINT_GLOB = checkpointGlob();
