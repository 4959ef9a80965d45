/**
 * The diagnostics registry: one descriptor per diagnostic, and the one preset table.
 *
 * A descriptor (`Diagnostic`) says everything about a diagnostic in one place: its id, the options
 * it reads with their single defaults, documentation and CLI flags (the CLI builds its flags from
 * them; the extension's budget settings name them), what it needs computed first (`after`), its
 * cost plan for the estimate, `run(context)` that computes it and writes its part of the result,
 * and its renderers (rows of the CLI table, hover lines). `diagnose()` is a loop over the enabled
 * descriptors in dependency order, with a per-diagnostic time and evaluation count
 * (`timings.diagnostics`); the run context (./context.ts) holds what diagnostics share —
 * objective, θ, gradient, eigenpairs — so nothing is computed twice.
 *
 * Adding a diagnostic: one file with its math and its descriptor, one line in DIAGNOSTICS below.
 */
import type { DiagnoseOptions } from './options';
import type { DiagnoseResult } from '../../shared/result';
import type { RunContext } from './context';
import { spectrumDiagnostic, traceDiagnostic, densityDiagnostic } from './hessian';
import { slicesDiagnostic } from './slices';
import { sharpnessDiagnostic } from './sharpness';
import { pacBayesDiagnostic } from './pacBayes';
import { weightsDiagnostic } from './weights';
import { pgbDiagnostic } from './pgb';
import { layerCurvatureDiagnostic } from './layerCurvature';
import { specialNeuronsDiagnostic } from './specialNeurons';
import { nullProbeDiagnostic } from './nullProbe';

/** An option a diagnostic reads: its key in DiagnoseOptions, its one default, CLI flag and help. */
export interface OptionSpec {
  key: keyof DiagnoseOptions;
  /** commander flag, e.g. '--trace-hvps <n>' or '--trace' */
  flag: string;
  help: string;
  /** how the CLI parses the value: a switch, a non-negative integer, a number in [lo, hi], a comma list */
  kind: 'switch' | 'int' | 'fraction' | 'list' | 'path';
  /** the default the computation uses when the option is absent (shown in --help) */
  default?: number;
  /** the extension setting (under `landscapeLens.`) that sets it in a full diagnosis */
  setting?: string;
}

/** HVPs and other evaluations a diagnostic plans (upper bounds; src/core/estimate.ts adds them up). */
export interface Plan {
  hvps?: number;
  gradients?: number;
  losses?: number;
  jvpVjp?: number;
  vectors?: number;
}

export interface Diagnostic {
  id: string;
  title: string;
  /** A group whose times are summed in the result's timings (`hessian`: timings.hessianMs). */
  group?: 'hessian';
  options?: readonly OptionSpec[];
  /** Whether the options ask for it. */
  enabled(o: DiagnoseOptions, ctx?: { specialNeurons: boolean }): boolean;
  /** Diagnostics that must run before this one when they are enabled (it reads their results). */
  after?: readonly string[];
  /** Runs even when the loss, gradient or an HVP was NaN/Inf (data-free diagnostics). Default false. */
  runsOnNonFinite?: boolean;
  /** Upper bounds of the work it plans for n parameters and `layers` parameterised layers. */
  plan?(o: DiagnoseOptions, n: number, layers: number): Plan;
  run(ctx: RunContext): Promise<void>;
  /** Its rows ([label, value]) in the CLI table and the dashboard's / report's "All numbers". */
  cli?(r: DiagnoseResult): [string, string][];
}

/** Every diagnostic, in dependency and display order. */
export const DIAGNOSTICS: readonly Diagnostic[] = [
  specialNeuronsDiagnostic,
  spectrumDiagnostic,
  traceDiagnostic,
  densityDiagnostic,
  slicesDiagnostic,
  sharpnessDiagnostic,
  pacBayesDiagnostic,
  weightsDiagnostic,
  pgbDiagnostic,
  layerCurvatureDiagnostic,
  nullProbeDiagnostic,
];

/**
 * The presets, the one definition used by the CLI (`--level`, `--all` = full), `landscape report
 * --level`, the extension (quick / full diagnosis; its budget settings override the counts) and the
 * docs test.
 */
export const PRESETS = {
  /** loss, gradient norm, λ_max and the λ_min estimate from the same Krylov space */
  quick: { top: 1 },
  /** + λ_min, the trace, the spectral density, sharpness (ε, ASAM, PAC-Bayes σ) and the PGB residual */
  standard: { top: 3, bottom: 1, trace: true, density: true, sharpness: true, pgb: true },
  /** everything: + per-layer curvature, weight spectra, 1-D / 2-D / eigenvector slices (+ interpolation with a second checkpoint) */
  full: {
    top: 5,
    bottom: 1,
    trace: true,
    density: true,
    sharpness: true,
    pgb: true,
    layerCurvature: true,
    weights: true,
    slices: ['1d', '2d', 'eig'],
  },
} as const satisfies Record<string, Partial<DiagnoseOptions>>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** A preset's options as a fresh, mutable object (marked with the preset's name, so its counts can fit the model). */
export function preset(name: PresetName): Partial<DiagnoseOptions> {
  const p = PRESETS[name] as Partial<DiagnoseOptions>;
  return { ...p, ...(p.slices ? { slices: [...p.slices] } : {}), preset: name };
}

/** The preset counts bounded by the parameter count P (an eigenvalue count k ≤ P). */
const PRESET_BOUNDED = [
  { key: 'top', flag: '--top', what: 'largest eigenvalues' },
  { key: 'bottom', flag: '--bottom', what: 'smallest eigenvalues' },
] as const;

/**
 * A preset fits the model: each count a preset asks for that exceeds what the model has (k eigenvalues
 * of a P-parameter Hessian, k ≤ P) is clamped to P, with a notice saying so. Only values that are the
 * preset's own are clamped (`opts.preset` names it and the value equals the preset's): an explicit flag
 * asking for more than exists keeps its value and stays an error (checkSpectrumOptions in limits.ts).
 * (A flag that repeats the preset's own value, e.g. `--all --top 5`, cannot be told from the preset and is clamped.)
 */
export function fitPreset<T extends Partial<DiagnoseOptions>>(opts: T, numParams: number): { opts: T; notices: string[] } {
  const name = opts.preset;
  if (!name || !(name in PRESETS)) return { opts, notices: [] };
  const p = PRESETS[name as PresetName] as Partial<DiagnoseOptions>;
  const out = { ...opts },
    notices: string[] = [];
  for (const b of PRESET_BOUNDED) {
    const v = opts[b.key];
    if (v === undefined || v !== p[b.key] || v <= numParams) continue;
    out[b.key] = numParams as T[typeof b.key];
    notices.push(
      `the ${name} preset asks for the ${v} ${b.what} (${b.flag} ${v}); the model has ${numParams} parameters: computed ${numParams}`,
    );
  }
  return { opts: out, notices };
}

/** Every option of every diagnostic. */
export function diagnosticOptions(): OptionSpec[] {
  return DIAGNOSTICS.flatMap(d => d.options ?? []);
}

/** The one default of an option (undefined when it has none). */
export function optionDefault(key: keyof DiagnoseOptions): number | undefined {
  return diagnosticOptions().find(s => s.key === key)?.default;
}

/** Where an option's raw value comes from: a CLI flag's parsed value, an extension setting's (undefined: not given). */
export type OptionReader = (spec: OptionSpec) => unknown;

/**
 * Counts for which 0 is a value (no bottom eigenvalues, no top ones: checkSpectrumOptions in limits.ts allows 0); every
 * other count must be ≥ 1, so 0 there is the settings' documented "0: the default"; the CLI refuses it (a flag is
 * given on purpose: src/cli/flags.ts).
 */
export const ZERO_IS_A_COUNT: ReadonlySet<keyof DiagnoseOptions> = new Set<keyof DiagnoseOptions>(['top', 'bottom']);

/**
 * One raw value as its spec's kind, or undefined for unset. The one semantics of both entrances (CLI flags, settings):
 * undefined, null, '' and NaN are unset; a list is a comma-separated string or an array of strings, trimmed, empty
 * items dropped (an empty list is unset); a switch is a boolean (true and false both apply); a count of 0 is unset
 * except where 0 is a count (ZERO_IS_A_COUNT); a path is a non-empty string.
 */
export function optionValue(spec: OptionSpec, raw: unknown): boolean | number | string | string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (spec.kind) {
    case 'switch':
      return typeof raw === 'boolean' ? raw : undefined;
    case 'int':
    case 'fraction': {
      const v = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
      if (!Number.isFinite(v)) return undefined;
      return spec.kind === 'int' && v === 0 && !ZERO_IS_A_COUNT.has(spec.key) ? undefined : v;
    }
    case 'list': {
      const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map(k => k.trim()).filter(Boolean);
      return items.length > 0 ? items : undefined;
    }
    case 'path':
      return typeof raw === 'string' ? raw : undefined;
  }
}

/**
 * The diagnostics' options read from one entrance into `target` (the CLI's flags: src/cli/flags.ts; the extension's
 * settings: src/extension/settingsOptions.ts): each spec's value through optionValue, unset values leave the target's.
 */
export function applyOptionSpecs<T extends Partial<DiagnoseOptions>>(target: T, read: OptionReader, specs = diagnosticOptions()): T {
  for (const spec of specs) {
    const v = optionValue(spec, read(spec));
    if (v !== undefined) Object.assign(target, { [spec.key]: v });
  }
  return target;
}

/** The option spec that an extension setting sets. */
export function optionForSetting(setting: string): OptionSpec | undefined {
  return diagnosticOptions().find(s => s.setting === setting);
}

/** Every diagnostic's rows for a result, in registry order: the CLI table and the dashboard's "All numbers". */
export function resultRows(r: DiagnoseResult): [string, string][] {
  return DIAGNOSTICS.flatMap(d => d.cli?.(r) ?? []);
}

/** The enabled descriptors in an order where each runs after those it reads. */
export function plannedDiagnostics(o: DiagnoseOptions, specialNeurons = false): Diagnostic[] {
  const on = DIAGNOSTICS.filter(d => d.enabled(o, { specialNeurons }));
  const ids = new Set(on.map(d => d.id));
  const out: Diagnostic[] = [],
    placed = new Set<string>();
  const visit = (d: Diagnostic, path: string[]): void => {
    if (placed.has(d.id)) return;
    if (path.includes(d.id)) throw new Error(`diagnostics registry: dependency cycle ${[...path, d.id].join(' → ')}`);
    for (const a of d.after ?? []) {
      const dep = on.find(x => x.id === a);
      if (dep && ids.has(a)) visit(dep, [...path, d.id]);
    }
    placed.add(d.id);
    out.push(d);
  };
  for (const d of on) visit(d, []);
  return out;
}
