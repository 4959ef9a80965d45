/**
 * Every command of the extension, registered by `activate` from this one table. The ids are
 * exactly package.json's `contributes.commands` (test/unit/commands.test.ts checks both ways).
 * One command per file; a command's file says what it does.
 */
import * as vscode from 'vscode';
import type { Command, CommandContext } from './context';
import addSpecialNeurons from './addSpecialNeurons';
import attachTrainingLog from './attachTrainingLog';
import cancelAllJobs from './cancelAllJobs';
import clearCache from './clearCache';
import comparePrevious from './comparePrevious';
import compareWith from './compareWith';
import copySpecialNeuronsCode from './copySpecialNeuronsCode';
import createDemoWorkspace from './createDemoWorkspace';
import diagnoseCheckpoint from './diagnoseCheckpoint';
import diagnoseQuick from './diagnoseQuick';
import diagnoseRun from './diagnoseRun';
import openDashboard from './openDashboard';
import perturbWeights from './perturbWeights';
import refreshRuns from './refreshRuns';
import retryDiagnosis from './retryDiagnosis';
import revealInExplorer from './revealInExplorer';
import setupPytorchExport from './setupPytorchExport';
import pickArchitecture from './pickArchitecture';
import chooseDataFile from './chooseDataFile';
import writeReport from './writeReport';
import installCli from './installCli';
import showJobs from './showJobs';
import showLog from './showLog';
import showResult from './showResult';
import showSlice from './showSlice';

export type { Command, CommandContext };

export const COMMANDS: readonly Command[] = [
  diagnoseCheckpoint,
  diagnoseQuick,
  diagnoseRun,
  openDashboard,
  compareWith,
  comparePrevious,
  showSlice,
  addSpecialNeurons,
  copySpecialNeuronsCode,
  perturbWeights,
  revealInExplorer,
  refreshRuns,
  showJobs,
  cancelAllJobs,
  showLog,
  retryDiagnosis,
  showResult,
  setupPytorchExport,
  pickArchitecture,
  chooseDataFile,
  attachTrainingLog,
  writeReport,
  installCli,
  clearCache,
  createDemoWorkspace,
];

/** Register every command of the table with `ctx`; the disposables unregister them. */
export function registerCommands(ctx: CommandContext, commands: readonly Command[] = COMMANDS): vscode.Disposable[] {
  return commands.map(c => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(ctx, ...args)));
}
