/**
 * "Copy code": ready snippets that add the same special neurons (Kawaguchi & Kaelbling, "Elimination
 * of all bad local minima in deep learning", AISTATS 2020) to a user's own model, so they can train
 * with them in their own code:  f̃_k(x) = f_k(x) + a_k·exp(w_kᵀ vec(x) + b_k),  loss += (λ/2)Σ_k a_k²,
 * with f the pre-activation outputs (logits) and a = w = b = 0 at the start. PyTorch (an nn.Module
 * wrapper with a penalty() method), Keras (a serialisable layer; the penalty is an L2 regulariser
 * λ/2 on a) and TF.js (a registered `SpecialNeurons` layer class — the one our TF.js writer emits —
 * with the same L2 regulariser). Tests compile the TypeScript and py_compile the Python.
 */

export interface SnippetOptions {
  lambda?: number;
  /** Flattened input size D and output units K, when known (filled into the usage lines). */
  inputDim?: number;
  units?: number;
  /** The model's final activation, applied after the special neurons. */
  activation?: 'softmax' | 'sigmoid';
}

export interface Snippets {
  pytorch: string;
  keras: string;
  tfjs: string;
}

const PAPER = 'Kawaguchi & Kaelbling, "Elimination of all bad local minima in deep learning", AISTATS 2020';

export function pytorchSnippet(o: SnippetOptions = {}): string {
  const lam = o.lambda ?? 0.01,
    D = o.inputDim ?? 'D',
    K = o.units ?? 'K';
  return `import torch
import torch.nn as nn


class SpecialNeurons(nn.Module):
    """${PAPER}.

    f~_k(x) = f_k(x) + a_k * exp(w_k . vec(x) + b_k); add penalty() = (lam/2) * sum_k a_k^2 to the loss.
    \`model\` must return pre-activation outputs (logits); apply softmax/sigmoid afterwards
    (or use a loss on logits such as nn.CrossEntropyLoss / nn.BCEWithLogitsLoss).
    """

    def __init__(self, model: nn.Module, in_features: int, out_features: int, lam: float = ${lam}):
        super().__init__()
        self.model = model
        self.lam = lam
        self.w = nn.Parameter(torch.zeros(out_features, in_features))
        self.b = nn.Parameter(torch.zeros(out_features))
        self.a = nn.Parameter(torch.zeros(out_features))  # a = w = b = 0: outputs equal the original's

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.model(x)
        s = self.a * torch.exp(torch.flatten(x, 1) @ self.w.t() + self.b)
        return f + s.reshape(f.shape)

    def penalty(self) -> torch.Tensor:
        return 0.5 * self.lam * (self.a ** 2).sum()


# usage:
#   net = SpecialNeurons(net, in_features=${D}, out_features=${K}, lam=${lam})
#   optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
#   loss = criterion(net(x), y) + net.penalty()
#   # the theorem's check: net.a.abs().max() -> 0 as training converges
`;
}

export function kerasSnippet(o: SnippetOptions = {}): string {
  const lam = o.lambda ?? 0.01,
    K = o.units ?? 'K';
  const act = o.activation ? `"${o.activation}"` : 'None';
  return `import numpy as np
import tensorflow as tf
from tensorflow import keras

_register = getattr(getattr(keras, "saving", None), "register_keras_serializable", None) or keras.utils.register_keras_serializable


@_register(package="landscape")
class SpecialNeurons(keras.layers.Layer):
    """${PAPER}.

    Inputs [x, f]: the network input and its pre-activation outputs (logits).
    Output f + a * exp(flatten(x) @ kernel + bias); penalty (lambda/2) * sum(a^2) as an L2 regulariser.
    """

    def __init__(self, units, **kwargs):
        self.lam = float(kwargs.pop("lambda", ${lam}))
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        x_shape = input_shape[0]
        d = int(np.prod(x_shape[1:]))
        self.kernel = self.add_weight(name="kernel", shape=(d, self.units), initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.a = self.add_weight(name="a", shape=(self.units,), initializer="zeros",
                                 regularizer=keras.regularizers.L2(0.5 * self.lam))

    def call(self, inputs):
        x, f = inputs
        flat = tf.reshape(x, (tf.shape(x)[0], -1))
        return f + self.a * tf.exp(tf.matmul(flat, self.kernel) + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "lambda": self.lam}


def add_special_neurons(logits_model, units=${K}, lam=${lam}, activation=${act}):
    """logits_model: your model without its final softmax/sigmoid."""
    inp = keras.Input(shape=logits_model.input_shape[1:])
    f = logits_model(inp)
    out = SpecialNeurons(units, **{"lambda": lam})([inp, f])
    if activation:
        out = keras.layers.Activation(activation)(out)
    return keras.Model(inp, out)


# usage:
#   model = add_special_neurons(logits_model)
#   model.compile(optimizer="adam", loss=...)  # the penalty enters through the regulariser
#   # the theorem's check: max |a_k| -> 0 as training converges
`;
}

export function tfjsSnippet(o: SnippetOptions = {}): string {
  const lam = o.lambda ?? 0.01;
  const act = o.activation ? `'${o.activation}'` : 'undefined';
  const signature =
    `export function addSpecialNeurons(logits: tf.LayersModel, lambda = ${lam}, ` +
    `activation: 'softmax' | 'sigmoid' | undefined = ${act}): tf.LayersModel {`;
  return `import * as tf from '@tensorflow/tfjs';

/**
 * ${PAPER}.
 * Inputs [x, f]: the network input and its pre-activation outputs (logits);
 * output f + a·exp(flatten(x)·kernel + bias); penalty (λ/2)·Σa² as an L2 regulariser on a.
 * Register it before tf.loadLayersModel to load models written by \`landscape special-neurons\`.
 */
export class SpecialNeurons extends tf.layers.Layer {
  static className = 'SpecialNeurons';
  readonly units: number;
  readonly lambda: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;
  private a!: tf.LayerVariable;

  constructor(config: { units: number; lambda?: number; name?: string; trainable?: boolean }) {
    super(config);
    this.units = config.units;
    this.lambda = config.lambda ?? ${lam};
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const xShape = (inputShape as tf.Shape[])[0];
    const d = xShape.slice(1).reduce((p: number, q) => p * (q ?? 1), 1);
    this.kernel = this.addWeight('kernel', [d, this.units], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.a = this.addWeight('a', [this.units], 'float32', tf.initializers.zeros(), tf.regularizers.l2({ l2: 0.5 * this.lambda }));
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return (inputShape as tf.Shape[])[1];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, f] = inputs as tf.Tensor[];
      const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
      const e = tf.exp(tf.add(tf.matMul(flat, this.kernel.read() as tf.Tensor2D), this.bias.read()));
      return tf.add(f, tf.reshape(tf.mul(this.a.read(), e), f.shape));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, lambda: this.lambda };
  }
}
tf.serialization.registerClass(SpecialNeurons);

/** \`logits\`: your model without its final softmax/sigmoid. */
${signature}
  const input = logits.inputs[0];
  const f = logits.outputs[0];
  const units = f.shape[f.shape.length - 1] as number;
  let y = new SpecialNeurons({ units, lambda }).apply([input, f]) as tf.SymbolicTensor;
  if (activation) y = tf.layers.activation({ activation }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y });
}
// the theorem's check: max |a_k| → 0 as training converges
`;
}

export function specialNeuronSnippets(o: SnippetOptions = {}): Snippets {
  return { pytorch: pytorchSnippet(o), keras: kerasSnippet(o), tfjs: tfjsSnippet(o) };
}
