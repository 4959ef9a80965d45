/**
 * Registers TF.js's stock gradient functions. tfjs-core's CommonJS bundle (what plain Node
 * loads) ships without them; its ESM build has `dist/register_all_gradients`. In the webpack
 * bundles we import that module; under plain Node (unit tests) the CommonJS bundle of
 * tfjs-layers registers the same configs into the shared global registry.
 * The corrected second-order gradients (src/core/autodiff) are registered after these.
 */
declare const __webpack_require__: unknown;
declare const __non_webpack_require__: NodeRequire | undefined;

let done = false;
export function registerStockGradients(): void {
  if (done) return;
  done = true;
  if (typeof __webpack_require__ === 'function') require('@tensorflow/tfjs-core/dist/register_all_gradients');
  else (typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require)('@tensorflow/tfjs-layers');
}
