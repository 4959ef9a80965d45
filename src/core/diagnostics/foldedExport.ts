/**
 * A folded export diagnosed alone: `torch.onnx.export` with its defaults (training=EVAL, constant
 * folding on) folds each BatchNorm into the convolution before it, W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β
 * (Ioffe & Szegedy 2015 for the layer; the folding is the exporter's), and stores the results under
 * made-up names (`onnx::Conv_123`; the reader lists them as renamed). The function is the same at
 * inference, but the parameters are not the ones training moved: the gradient, the Hessian and
 * everything built on them are those of another parameterisation (‖∇L‖ 8.63 instead of 6.41 on a
 * ResNet-18). The marker: a Conv weight named `onnx::Conv_*`, no BatchNormalization node left in the
 * graph, and no weights-only checkpoint paired with it (a paired .pt refuses a folded export).
 */
import type { GraphModel } from '../model/graph';

export interface FoldedExport {
  /** the convolution weights the exporter renamed (BatchNorm folded into them) */
  convolutions: number;
  /** the sentence the headline and the CLI show */
  text: string;
}

export function foldedExport(model: GraphModel): FoldedExport | undefined {
  if (model.format !== 'onnx' || model.pairing) return undefined;
  if (model.nodes.some(n => n.op === 'onnx.BatchNormalization' || n.op === 'batchnorm')) return undefined;
  const folded = model.params.filter(p => /^onnx::Conv_/.test(p.name) && p.role === 'kernel');
  if (!folded.length) return undefined;
  return {
    convolutions: folded.length,
    text:
      `folded export: BatchNorm was folded into ${folded.length} convolution${folded.length > 1 ? 's' : ''} by torch.onnx.export ` +
      `(names like ${folded[0].name}), so these parameters are not the training parameters — the gradient and curvature ` +
      `are those of another parameterisation. Export with training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False ` +
      `(what Set Up PyTorch Export's helper does), or diagnose the .pt state dict with that export beside it`,
  };
}
