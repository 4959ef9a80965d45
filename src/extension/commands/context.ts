/**
 * What every command gets: the extension's services (one `CommandContext`, built once in
 * `activate`) and the shape of a command — an id from package.json's `contributes.commands` and
 * the function it runs. The table of all commands is `./index.ts`.
 */
import type * as vscode from 'vscode';
import type { ResultsCache } from '../cache';
import type { DashboardHost } from '../panel';
import type { Service } from '../service';
import type { RunsTree } from '../runsTree';
import type { JobStatusBar } from '../statusBar';
import type { SurgeryContext } from '../surgery';

export interface CommandContext {
  context: vscode.ExtensionContext;
  service: Service;
  cache: ResultsCache;
  tree: RunsTree;
  statusBar: JobStatusBar;
  log: vscode.LogOutputChannel;
  /** what the dashboard needs */
  host: DashboardHost;
  /** what the surgery commands need */
  surgery: SurgeryContext;
  /** the logs the user attached to runs (workspace state) */
  attachedLogs?: import('../attachedLogs').AttachedLogs;
  /** import the seeded results of a demo workspace (all workspace folders, or `only` that one) */
  importSeeds(only?: string): void;
}

/** A command: `run` gets the context, then the arguments VS Code (or a caller) passed. */
export interface Command {
  readonly id: string;
  run(ctx: CommandContext, ...args: unknown[]): unknown;
}

/** A command whose arguments are typed (callers pass them through `executeCommand`; none is checked). */
export function command<A extends unknown[]>(id: string, run: (ctx: CommandContext, ...args: Partial<A>) => unknown): Command {
  return { id, run: run as Command['run'] };
}
