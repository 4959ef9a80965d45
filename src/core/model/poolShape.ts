/**
 * Pooling with ceil_mode = 1 (PyTorch's `ceil_mode=True`, exported to ONNX MaxPool/AveragePool):
 * out = ⌈(H + p_begin + p_end − k)/s⌉ + 1, less one when the last window would start past the
 * input and its begin padding (PyTorch's rule, aten/src/ATen/native/Pool.h pooling_output_shape).
 * Both engines pool in floor mode over the input with `extra` more rows/columns of end padding;
 * the extra cells are never maxima (max pooling pads with −∞) and never counted (average pooling
 * divides by the cells inside the input, or inside input + explicit pads with count_include_pad).
 */
export function ceilModeExtra(size: number[], k: number[], s: number[], pads: number[]): number[] {
  return size.map((H, i) => {
    const span = H + pads[i] + pads[i + size.length] - k[i];
    let out = Math.ceil(span / s[i]) + 1;
    if ((out - 1) * s[i] >= H + pads[i]) out--;
    return Math.max(0, (out - 1) * s[i] + k[i] - (H + pads[i] + pads[i + size.length]));
  });
}
