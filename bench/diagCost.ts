/**
 * `npm run bench -- diagcost` (issue 26): where a diagnosis' time goes, per diagnostic — passes over the
 * data (loss / gradient / HVP / JVP / VJP, single and block, timed at the objective) against the
 * diagnostic's own arithmetic (its wall time less its passes) — and the cost estimate against the measured
 * time, on the reference MLP (--all, quick, top-5) and the 2,276-parameter CNN (--level full, two
 * checkpoints of one run in one process). All in one process, side by side; ratios, never assertions.
 */
import * as fs from 'fs';

type Acc = Record<string, number>;

export async function run(): Promise<void> {
  const { initBackend } = await import('../src/core/backend');
  await initBackend('cpu'); // tfjs-layers trains the models; the diagnoses run on ONNX Runtime
  const { makeReferenceTask, makeCnnTask } = await import('./reference');
  const { diagnose } = await import('../src/core/diagnose');
  const { preset, fitPreset } = await import('../src/core/diagnostics/registry');
  const { openProblem, engineOptions } = await import('../src/core/problem');
  const { estimateCost, plans, measuredSeconds } = await import('../src/core/estimate');
  const { measurePassTimes } = await import('../src/core/estimateProbe');
  const { OrtObjective } = await import('../src/core/native/ortObjective');
  const { RunContext } = await import('../src/core/diagnostics/context');
  type Opts = Parameters<typeof diagnose>[0];

  // pass time at the objective (outermost call only: a block that loops over single passes counts once)
  const acc: Acc = {};
  let depth = 0;
  const proto = OrtObjective.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const m of ['loss', 'valueAndGradient', 'hvp', 'hvpBlock', 'lossBlock', 'gradientBlock', 'jvp', 'vjp', 'outputs']) {
    const f = proto[m];
    proto[m] = async function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      depth++;
      try {
        return await f.apply(this, a);
      } finally {
        depth--;
        if (depth === 0) acc[m] = (acc[m] ?? 0) + performance.now() - t;
      }
    };
  }
  // the diagnostics' boundaries: RunContext.enter starts each one (in the order of timings.diagnostics)
  const marks: Acc[] = [];
  const ctxProto = RunContext.prototype as unknown as { enter: (...a: unknown[]) => void };
  const enter = ctxProto.enter;
  ctxProto.enter = function (this: unknown, ...a: unknown[]) {
    marks.push({ ...acc });
    return enter.apply(this, a);
  };
  const sum = (a: Acc, b: Acc = {}) => Object.keys(a).reduce((s, k) => s + a[k] - (b[k] ?? 0), 0);

  const mlp = await makeReferenceTask();
  const cnn = await makeCnnTask();
  const cases: [string, string, string, Opts][] = [
    ['MLP', '--all', mlp.checkpoint, { ...preset('full'), checkpoint: mlp.checkpoint, data: mlp.data, seed: 0 } as Opts],
    ['MLP', 'top-5', mlp.checkpoint, { top: 5, checkpoint: mlp.checkpoint, data: mlp.data, seed: 0 } as Opts],
    ['MLP', 'quick', mlp.checkpoint, { ...preset('quick'), checkpoint: mlp.checkpoint, data: mlp.data, seed: 0 } as Opts],
    ...cnn.checkpoints.map(
      (c, i) =>
        ['CNN', `--level full, checkpoint ${i + 1}`, c, { ...preset('full'), checkpoint: c, data: cnn.data, seed: 0 } as Opts] as [
          string,
          string,
          string,
          Opts,
        ],
    ),
  ];
  const summary: string[] = [];
  for (const [model, what, , opts] of cases) {
    // the estimate: measured pass times on this checkpoint (its sessions are the diagnosis' own) × the plan
    const tp = performance.now();
    const problem = await openProblem({ ...opts, engine: engineOptions(opts) });
    const fitted = fitPreset(opts, problem.model.numParams).opts;
    const passes = await measurePassTimes(problem.engine.obj, problem.model.theta);
    const layers = problem.model.layers.filter(l => l.params > 0).length;
    const est = estimateCost(fitted, { params: problem.model.numParams, layers, passes });
    const probeMs = performance.now() - tp;
    const n = problem.model.numParams;
    // the diagnosis, timed
    marks.length = 0;
    const a0 = { ...acc };
    const t0 = performance.now();
    const r = await diagnose(opts);
    const ms = performance.now() - t0;
    marks.push({ ...acc });
    const ids = Object.keys(r.timings.diagnostics ?? {});
    const byPlan = plans(fitted, n, layers);
    console.log(
      `\n== ${model} (${n.toLocaleString('en-US')} parameters) ${what}: ${(ms / 1000).toFixed(1)} s measured, ` +
        `estimate ${est.seconds!.toFixed(1)} s (ratio ${(est.seconds! / (ms / 1000)).toFixed(2)}; measuring the passes took ${(probeMs / 1000).toFixed(1)} s) ==`,
    );
    console.log(
      `   pass times (ms): HVP ${passes.hvp.toFixed(1)}, HVP in a block ${passes.hvpBlock.toFixed(1)}, loss ${passes.loss.toFixed(1)}, ` +
        `block loss ${passes.lossBlock.toFixed(1)}, gradient ${passes.gradient.toFixed(1)}, block gradient ${passes.gradientBlock.toFixed(1)}, ` +
        `JVP ${passes.jvp.toFixed(1)}, VJP ${passes.vjp.toFixed(1)}; axpy ${passes.axpyNs.toFixed(2)} ns/element, normal ${passes.normalNs.toFixed(1)} ns`,
    );
    console.log(
      `   total passes ${(sum(acc, a0) / 1000).toFixed(1)} s of ${(ms / 1000).toFixed(1)} s; gradient at θ ${r.timings.gradientMs.toFixed(0)} ms`,
    );
    console.log(
      `   ${'diagnostic'.padEnd(15)} ${'wall ms'.padStart(8)} ${'passes'.padStart(8)} ${'own'.padStart(8)} ${'est. ms'.padStart(8)}  evaluations`,
    );
    ids.forEach((id, i) => {
      const t = r.timings.diagnostics![id];
      const p = marks[i + 1] ? sum(marks[i + 1], marks[i]) : 0;
      const e = byPlan[id] ? measuredSeconds(id, byPlan[id], n, passes) * 1000 : 0;
      const ev = `${t.hvp} HVPs, ${t.loss} losses, ${t.gradient} gradients, ${t.jvp} JVPs, ${t.vjp} VJPs`;
      console.log(
        `   ${id.padEnd(15)} ${t.ms.toFixed(0).padStart(8)} ${p.toFixed(0).padStart(8)} ${(t.ms - p).toFixed(0).padStart(8)} ${e.toFixed(0).padStart(8)}  ${ev}`,
      );
    });
    summary.push(
      `  ${Math.abs(est.seconds! / (ms / 1000) - 1) <= 0.3 ? 'MET   ' : 'MISSED'} estimate within 30 %, ${model} ${what}: ` +
        `estimate ${est.seconds!.toFixed(1)} s vs measured ${(ms / 1000).toFixed(1)} s (×${(est.seconds! / (ms / 1000)).toFixed(2)})`,
    );
    problem.engine.obj.dispose();
  }
  console.log('\nTargets (diagcost):');
  for (const s of summary) console.log(s);
  fs.rmSync(mlp.dir, { recursive: true, force: true });
  fs.rmSync(cnn.dir, { recursive: true, force: true });
}
