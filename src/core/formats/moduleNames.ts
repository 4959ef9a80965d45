/**
 * Layer names users wrote, for ONNX models exported from PyTorch (`torch.onnx.export`, producer
 * "pytorch"): the module path of `model.named_modules()` (`conv1`, `layer1.0.conv2`, `fc`) instead of
 * the ONNX node name (`/conv1/Conv`, `/layer1/layer1.0/conv2/Conv`).
 *
 * Two sources, in this order:
 *  1. the initializer names of the node's parameters: PyTorch names them as `named_parameters()`
 *     does (`layer1.0.conv2.weight`), so the module is the name without its last component — when
 *     every named parameter of the node agrees (a tied weight used by another module's op does not);
 *  2. the node name: PyTorch (≥ 1.13) names a node by its module scope, one segment per nesting
 *     level — the attribute name, or for a child of a Sequential / ModuleList its container's
 *     segment and index (`/layer2/layer2.0/downsample/downsample.0/Conv`) — then the op type;
 *     parameters renamed by constant folding (`onnx::Conv_193`: BatchNorm folded into the
 *     convolution) only have this one.
 * Anything else (another exporter, nodes outside any module such as `/Add`, unnamed nodes) gets no
 * module name: the reader keeps the node name.
 */

/** The part of an ONNX node this needs. */
export interface OnnxNodeNames {
  name?: string;
  opType?: string;
}

/** `a.b.weight` → `a.b`; names the exporter made up (`onnx::…`), or without a module part, → undefined. */
export function moduleOfParameter(param: string): string | undefined {
  if (param.startsWith('onnx::') || param.includes('/') || param.includes(':')) return undefined;
  const dot = param.lastIndexOf('.');
  return dot > 0 && dot < param.length - 1 ? param.slice(0, dot) : undefined;
}

/** `/layer1/layer1.0/conv2/Conv` → `layer1.0.conv2`; `/Add`, `Identity_0`, `` → undefined. */
export function moduleOfNodeName(node: string): string | undefined {
  if (!node.startsWith('/')) return undefined;
  const scopes = node.slice(1).split('/').slice(0, -1); // the last segment is the op (`Conv`, `Conv_1`)
  let path = '',
    prev = '';
  for (const s of scopes) {
    if (!s) return undefined;
    // a child of a Sequential / ModuleList is named after its container (`layer2.0` under `layer2`, `downsample.0` under
    // `downsample`): the index extends the path; any other scope is an attribute of the previous one
    path = !path ? s : s.startsWith(`${prev}.`) ? path + s.slice(prev.length) : `${path}.${s}`;
    prev = s;
  }
  return path || undefined;
}

/**
 * The module path of the layer `node` computes, for a model whose producer is PyTorch; undefined
 * otherwise (the caller keeps the node name). `params`: the names of the node's parameters.
 */
export function pytorchModuleName(node: OnnxNodeNames, params: readonly string[], producer: string | undefined): string | undefined {
  if ((producer ?? '').toLowerCase() !== 'pytorch') return undefined;
  const fromParams = new Set(params.map(moduleOfParameter).filter((m): m is string => m !== undefined));
  const named = params.filter(p => moduleOfParameter(p) !== undefined).length;
  if (fromParams.size === 1 && named === params.filter(p => !p.startsWith('onnx::')).length) return [...fromParams][0];
  return moduleOfNodeName(node.name ?? '') ?? (fromParams.size === 1 ? [...fromParams][0] : undefined);
}

/**
 * The layer name of the node that uses a parameter, from the reader's parameter-use map (initializer
 * → the node that consumes it): the module path for PyTorch exports, else undefined.
 */
export function onnxLayerName<N extends OnnxNodeNames>(
  node: N,
  use: ReadonlyMap<string, { node: N }>,
  producer: string | undefined,
): string | undefined {
  const params = [...use].filter(([, u]) => u.node === node).map(([name]) => name);
  return pytorchModuleName(node, params, producer);
}
