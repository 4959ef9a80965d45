/**
 * The training losses of src/core/loss.ts as native IR, weighted per sample: the graph computes
 * Σ_i w_i ℓ_i with w_i = 1/(m·d) (mse, bce: mean over the d outputs, then the m samples) or 1/m (ce),
 * and w_i = 0 for the rows that pad the last chunk. Inputs: logits z [n, d], targets y [n, d]
 * (one-hot for integer labels), weights w [n, 1].
 *  mse: Σ w (z − y)²;  ce: −Σ w y · log softmax(z);  bce: Σ w (relu(z) − z·y + softplus(−|z|)).
 */
import type { Graph } from '../ir';
import type { LossKind } from '../../loss';
import { logSoftmax } from './activations';

export function lossGraph(g: Graph, kind: LossKind, z: string, y: string, w: string): string {
  let per: string;
  switch (kind) {
    case 'mse': {
      const d = g.sub(z, y);
      per = g.mul(d, d);
      break;
    }
    case 'ce':
      per = g.neg(g.mul(y, logSoftmax(g, z)));
      break;
    case 'bce':
      per = g.add(g.sub(g.unary('Relu', z), g.mul(z, y)), g.unary('Softplus', g.neg(g.unary('Abs', z))));
      break;
  }
  return g.reduceSum(g.mul(per, w), [0, 1], false);
}
