/**
 * What theory says about this architecture: a small rule table evaluated on the model's structure
 * (layers, activations, widths, skip connections, special neurons) and the loss. Each rule cites
 * its paper, states its assumptions, and says whether the structural part of the assumptions holds
 * here; data assumptions are named but not checked. No rule claims more than its paper.
 * The structure is read from normalised op kinds (src/core/model/opKinds.ts), so ONNX graphs
 * (onnx.Relu, onnx.Add, Mul(h, h), Pow(h, 2)) read like Keras / TF.js layer graphs.
 */
import type { GraphModel } from '../model/graph';
import { opKinds } from '../model/opKinds';

export interface TheoryRule {
  id: string;
  paper: string;
  assumptions: string;
  /** applies: the structural assumptions hold; does not apply: they do not; partial: some hold. */
  status: 'applies' | 'does not apply' | 'partial';
  statement: string;
  evidence: string;
}

const PIECEWISE_LINEAR = new Set(['relu', 'leaky_relu', 'prelu', 'relu6', 'clip', 'linear', 'hardtanh', 'abs']);
const OUTPUT_ACTS = new Set(['softmax', 'sigmoid', 'linear', 'log_softmax']);

export interface Structure {
  inputDim: number;
  /** Output widths of the weight layers (dense units / conv filters), in order. */
  widths: number[];
  hiddenActivations: string[];
  residual: boolean;
  specialNeurons: boolean;
  depth: number;
}

export function structureOf(model: GraphModel): Structure {
  const inputDim = (model.inputs[0]?.shape.slice(1) ?? []).reduce<number>((a, b) => a * (b ?? 1), 1);
  const widths: number[] = [];
  const seen = new Set<string>();
  for (const p of model.params) {
    if (p.role !== 'kernel' || seen.has(p.layer)) continue;
    seen.add(p.layer);
    widths.push(p.shape[p.outAxis ?? p.shape.length - 1]);
  }
  // normalised op kinds (src/core/model/opKinds.ts): the same for ONNX, Keras and TF.js graphs
  const kinds = opKinds(model);
  const acts: string[] = [];
  let residual = false;
  const finalNode = model.nodes.find(n => n.outputs.includes(model.outputs[0]));
  model.nodes.forEach((n, i) => {
    const k = kinds[i];
    const a = k.activation;
    if (a && a !== 'linear' && !(n === finalNode && OUTPUT_ACTS.has(a))) acts.push(a);
    if (k.residual) residual = true;
  });
  const specialNeurons =
    model.layers.some(l => /special/i.test(l.kind)) || Boolean((model as GraphModel & { penalty?: unknown[] }).penalty?.length);
  return { inputDim, widths, hiddenActivations: [...new Set(acts)], residual, specialNeurons, depth: widths.length };
}

export function theoryRules(model: GraphModel, loss: string): TheoryRule[] {
  const s = structureOf(model);
  const rules: TheoryRule[] = [];
  const hidden = s.widths.slice(0, -1),
    out = s.widths[s.widths.length - 1];
  const acts = s.hiddenActivations.length ? s.hiddenActivations.join(', ') : 'none (linear)';

  rules.push({
    id: 'special-neurons',
    paper: 'Kawaguchi & Kaelbling, "Elimination of all bad local minima in deep learning", AISTATS 2020',
    assumptions:
      'one special neuron a_k·exp(w_kᵀx + b_k) per output unit added to the output, the ' +
      'penalty (λ/2)Σa_k² in the loss, λ > 0; the loss is differentiable and convex in the ' +
      "output (squared loss, cross-entropy and others covered by the paper's conditions)",
    status: s.specialNeurons ? 'applies' : 'does not apply',
    statement: s.specialNeurons
      ? 'at every local minimum of the augmented loss the special neurons vanish (a_k = 0) and the ' +
        'original parameters θ are a global minimum of the original loss; a local minimum with |a_k| ' +
        '> 0 is impossible, so non-vanishing a_k means training has not reached a local minimum'
      : 'no special neurons: the elimination theorem says nothing here; "Add special neurons" builds the augmented model',
    evidence: s.specialNeurons ? 'special-neuron layer / penalty found in the model' : 'no SpecialNeurons layer or a² penalty in the model',
  });

  const pwl =
    s.hiddenActivations.length > 0 &&
    s.hiddenActivations.every(a => PIECEWISE_LINEAR.has(a)) &&
    s.hiddenActivations.some(a => a !== 'linear' && a !== 'identity');
  const narrow = hidden.length > 0 && out !== undefined && hidden.every(w => out < w);
  rules.push({
    id: 'piecewise-linear-spurious-minima',
    paper: 'He, Li & Tao, "Piecewise linear activations substantially shape the loss surfaces of neural networks", ICLR 2020',
    assumptions:
      'piecewise-linear (non-linear) activations, an output layer narrower ' +
      'than every hidden layer, most common losses, and training data that ' +
      'no linear model fits exactly (the data assumption is not checked here)',
    status: pwl && narrow ? 'applies' : pwl || narrow ? 'partial' : 'does not apply',
    statement:
      'the loss surface has infinitely many spurious (non-global) local minima; it is partitioned ' +
      'into smooth multilinear cells, and the local minima in a cell form connected valleys of equal ' +
      'loss — a "flat valley" verdict is expected, and a local minimum is not necessarily global',
    evidence:
      `hidden activations: ${acts}; widths ${s.widths.join(' → ') || '-'} ` +
      `(output ${out ?? '-'}${hidden.length ? `, narrowest hidden ${Math.min(...hidden)}` : ''})`,
  });

  const quad = s.hiddenActivations.length > 0 && s.hiddenActivations.every(a => a === 'square');
  const wide = hidden.length > 0 && hidden.every(w => w >= s.inputDim);
  rules.push({
    id: 'quadratic-activations',
    paper: 'Kazemipour, Larsen & Druckmann, "Avoiding spurious local minima in deep quadratic networks", 2019',
    assumptions: 'quadratic activations σ(z) = z², squared loss, hidden layers at least as wide as the input',
    status: quad && wide ? 'applies' : quad ? 'partial' : 'does not apply',
    statement:
      'spurious local minima are escapable: the landscape has no spurious local minimum ' +
      'that gradient methods cannot leave (see the paper for the precise conditions)',
    evidence: `hidden activations: ${acts}; input dimension ${s.inputDim}; hidden widths ${hidden.join(', ') || '-'}`,
  });

  rules.push({
    id: 'depth-width',
    paper: 'Kawaguchi, Huang & Kaelbling, "Effect of depth and width on local minima in deep learning", Neural Computation 2019',
    assumptions:
      'deep non-linear networks with squared loss; the guarantee is stated relative to a locally ' +
      'induced structure and improves with depth and width (no over-parameterisation assumption)',
    status: loss === 'mse' && s.depth >= 2 ? 'applies' : s.depth >= 2 ? 'partial' : 'does not apply',
    statement:
      'the quality of local minima (their loss relative to the global minimum ' +
      'of the induced model) improves as depth and width grow; local minima are ' +
      'no worse than the corresponding classical (linear-in-features) models',
    evidence:
      `${s.depth} weight layer(s), widths ${s.widths.join(' → ') || '-'}; ` +
      `loss ${loss}${loss !== 'mse' ? ' (the theorem is stated for squared loss)' : ''}`,
  });

  rules.push({
    id: 'residual',
    paper: 'Kawaguchi & Bengio, "Depth with nonlinearity creates no bad local minima in ResNets", Neural Networks 2019',
    assumptions:
      "a residual network (skip connections adding a block's input to its output) " +
      'with the output structure of the paper; arbitrary nonlinearity and depth',
    status: s.residual ? 'partial' : 'does not apply',
    statement:
      'every local minimum is no worse than the global minimum of the best ' +
      'linear predictor (and of the shallower model), with a bound that ' +
      'improves with depth; it does not say every local minimum is global',
    evidence: s.residual
      ? 'a skip connection (an add of a tensor and a tensor computed from it, h + ' +
        'F(h)) found; the exact output structure the theorem needs is not checked'
      : 'no skip connection (an add of h and a tensor computed from h) in the graph',
  });
  return rules;
}
