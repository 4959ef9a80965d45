/**
 * A requested loss that does not fit the targets, said as a clear notice (or added to the error the
 * target check raises) with the loss that fits — never a silent change of the loss:
 *  - mse on integer class labels (a .npz `y` of an integer dtype): mean squared error treats class
 *    indices as numbers (class 7 is "closer" to 8 than to 1); cross-entropy, −log softmax(z)_y, is the
 *    loss a classifier is trained with → suggest `ce` (with several outputs mse cannot even compare one
 *    label to them: the check's error then says so);
 *  - ce on float targets that are not class probabilities (a row that is not ≥ 0 and summing to 1):
 *    the targets are regression values → suggest `mse`;
 *  - bce on integer labels with more than two classes → suggest `ce`.
 */
import type { Targets } from './data/dataset';

/** The suggestion for `kind` on these targets and a model of `outDim` outputs, or undefined when the loss fits. */
export function lossAdvice(kind: string, requested: boolean, y: Targets, outDim?: number): string | undefined {
  if (kind === 'mse' && y.kind === 'labels')
    return (
      `the targets are integer class labels (${y.numClasses} classes) but the loss is mse${requested ? ' (requested)' : ''}: ` +
      `mean squared error treats class indices as numbers; a classifier's loss is cross-entropy — use loss ce` +
      `${outDim === 1 ? ' (with one output per class), or keep mse if these integers are really regression targets' : ''}`
    );
  if (kind === 'bce' && y.kind === 'labels' && y.numClasses > 2)
    return `the targets are ${y.numClasses} integer classes but the loss is bce (two classes): use loss ce`;
  if (kind === 'ce' && y.kind === 'values') {
    const per = Math.max(1, y.data.length / Math.max(1, y.shape[0] ?? 1));
    const rows = Math.min(y.shape[0] ?? 0, 256);
    for (let r = 0; r < rows; r++) {
      let s = 0,
        neg = false;
      for (let k = 0; k < per; k++) {
        const v = y.data[r * per + k];
        if (v < 0) neg = true;
        s += v;
      }
      if (neg || Math.abs(s - 1) > 1e-3)
        return (
          `the targets are real values (row ${r} ${neg ? 'has a negative entry' : `sums to ${Number(s.toPrecision(4))}`}), ` +
          `not class probabilities, but the loss is ce: for regression targets use loss mse`
        );
    }
  }
  return undefined;
}
