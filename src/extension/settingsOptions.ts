/**
 * The extension settings' side of the registry options (no `vscode` here, so the unit tests read it): the budget
 * settings (`budget.*`, `full.*`) name the registry options they set (OptionSpec.setting); a quick diagnosis reads
 * only the Lanczos budget. Applied by applyOptionSpecs (src/core/diagnostics/registry.ts), the one application the
 * CLI's flags share: one semantics for lists and unset values at both entrances.
 */
import type { OptionReader } from '../core/diagnostics/registry';

export type DiagnoseMode = 'quick' | 'full';

/** The settings' values of the registry options, `get` reading one setting (under `landscapeLens.`). */
export function settingsReader(get: (setting: string) => unknown, mode: DiagnoseMode): OptionReader {
  return spec => (!spec.setting || (mode === 'quick' && spec.setting !== 'budget.lanczosSteps') ? undefined : get(spec.setting));
}
