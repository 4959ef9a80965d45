/**
 * The typed flags of each command: what commander hands an action, one interface per command (commander's camelCase
 * attribute names; a flag with a parser holds the parsed value, a flag without one its string). The diagnostics' own
 * flags come from their registry specs and are read through `flagReader` into `applyOptionSpecs`
 * (src/core/diagnostics/registry.ts), the one application the extension's settings share.
 */
import { Option } from 'commander';
import { ZERO_IS_A_COUNT, type OptionReader, type OptionSpec, type PresetName } from '../core/diagnostics/registry';
import { intArg, numArg } from './args';
import type { EnginePreference } from '../core/limits';

/** --backend, --ep, --threads (diagnose, compare, slice, report, special-neurons, perturb). */
export interface EngineArgs {
  backend?: EnginePreference;
  ep?: string;
  threads?: number;
}

/** Where the data comes from and how much of it (dataSettings, src/cli/data.ts). */
export interface DataArgs extends EngineArgs {
  data?: string;
  config?: string;
  root?: string;
  loss?: string;
  samples?: number;
  seed?: number;
  xKey?: string;
  yKey?: string;
  chunkSize?: number;
  maxResidentMb?: number;
  json?: boolean;
}

/** diagnose, compare and slice: the data, the engine, the outputs and the diagnostics' flags (by attribute name). */
export interface DiagnoseArgs extends DataArgs {
  target?: string;
  thresholds?: string;
  level?: PresetName;
  all?: boolean;
  out?: string;
  html?: string;
  /** diagnose: print the estimated time and memory and stop */
  estimate?: boolean;
  /** slice: the kinds (--kind), passed on as --slice */
  kind?: string;
  /** the diagnostics' flags (registry option specs): read through flagReader */
  [specFlag: string]: unknown;
}

/** report: the data and engine flags for every checkpoint under a folder (passed on to each checkpoint's diagnose options). */
export type ReportArgs = DiagnoseArgs;

export interface InspectArgs {
  json?: boolean;
  weights?: boolean;
  maxResidentMb?: number;
}

export interface LogsArgs {
  tag?: string;
  json?: boolean;
  follow?: boolean;
  interval: number;
  for?: number;
  maxResidentMb?: number;
}

export interface SpecialNeuronsArgs extends DataArgs {
  lambda?: number;
  out?: string;
  train?: number;
  lr?: number;
  optimizer?: string;
  batchSize?: number;
  snippet?: string;
}

export interface PerturbArgs extends DataArgs {
  mode: string;
  sigma?: number;
  step?: number;
  direction?: string;
  retrain?: number;
  lr?: number;
  out?: string;
}

/** The registry options' values as commander parsed them: each spec's flag under its attribute name. */
export function flagReader(o: DiagnoseArgs): OptionReader {
  return spec => o[new Option(spec.flag).attributeName()];
}

/** A commander option from a diagnostic's option spec (its parser, help and default). */
export function optionFromSpec(spec: OptionSpec): Option {
  const name = spec.flag.split(' ')[0];
  const help = spec.default !== undefined ? `${spec.help} (default ${spec.default})` : spec.help;
  const opt = new Option(spec.flag, help);
  // a count given on the command line is meant: 0 is refused where it is not a count (the settings' 0 means "the default")
  if (spec.kind === 'int') opt.argParser(intArg(name, ZERO_IS_A_COUNT.has(spec.key) ? 0 : 1));
  else if (spec.kind === 'fraction') opt.argParser(numArg(name, 0, 1));
  return opt;
}
