/**
 * Every primitive op of the native IR (src/core/native/ir.ts PRIM_OPS) has its derivative rules (rules/index.ts
 * RULES, typed `satisfies PrimRules` so a missing rule is a type error): a JVP for every op and a VJP for every op but
 * the tangent-only ones (the adjoints of max pooling and row gathers, which only derivative graphs hold). At run time,
 * each primitive is built on a tiny graph by the Graph builder that emits it, then differentiated forward-over-reverse
 * as the HVP is (Pearlmutter 1994): L = Σ y², its VJP, and the JVP of the forward + reverse graph — every op that the
 * rules emit is again a primitive with its rules (the composition closes over the IR), and the graph serialises.
 */
import * as assert from 'assert';
import { Graph, PRIM_OPS, TANGENT_ONLY_OPS, isPrimOp, type PrimOp } from '../../src/core/native/ir';
import { RULES } from '../../src/core/native/rules';
import { vjp, jvp } from '../../src/core/native/autodiff';
import { toModelProto } from '../../src/core/native/proto';

const conv = { strides: [1, 1], pads: [1, 0, 1, 0], dilations: [1, 1], group: 1 };
/** One tiny graph per primitive: the builder that emits it on float inputs (the leaves), returning its output. */
const BUILD: Record<PrimOp, (g: Graph, x: (shape: number[]) => string) => string> = {
  Add: (g, x) => g.add(x([2, 3]), x([3])),
  Sub: (g, x) => g.sub(x([2, 3]), x([1, 3])),
  Mul: (g, x) => g.mul(x([2, 3]), x([3])),
  Div: (g, x) => g.div(x([2, 3]), g.add(g.unary('Exp', x([3])), g.scalar(1))),
  Neg: (g, x) => g.unary('Neg', x([4])),
  Identity: (g, x) => g.unary('Identity', x([4])),
  Exp: (g, x) => g.unary('Exp', x([4])),
  Log: (g, x) => g.unary('Log', g.unary('Exp', x([4]))),
  Sqrt: (g, x) => g.unary('Sqrt', g.unary('Exp', x([4]))),
  Tanh: (g, x) => g.unary('Tanh', x([4])),
  Sigmoid: (g, x) => g.unary('Sigmoid', x([4])),
  Softplus: (g, x) => g.unary('Softplus', x([4])),
  Erf: (g, x) => g.unary('Erf', x([4])),
  Relu: (g, x) => g.unary('Relu', x([4])),
  Abs: (g, x) => g.unary('Abs', x([4])),
  Pow: (g, x) => g.powc(x([4]), 3),
  Where: (g, x) => {
    const a = x([2, 3]);
    return g.where(g.greater(a, 0), a, x([3]));
  },
  Greater: (g, x) => g.mul(g.toFloat(g.greater(x([4]), 0.5)), x([4])),
  Equal: (g, x) => {
    const a = x([4]);
    return g.mul(g.toFloat(g.equal(a, a)), a);
  },
  Not: (g, x) => {
    const a = x([4]),
      b = g.greater(a, 0);
    return g.mul(g.toFloat(g.prim('Not', [b], {}, [{ shape: g.shape(b), dtype: 'bool' }])[0]), a);
  },
  ArgMax: (g, x) => {
    const [k] = g.prim('ArgMax', [x([2, 3])], { axis: 1, keepdims: 1, select_last_index: 0 }, [{ shape: [2, 1], dtype: 'int64' }]);
    return g.mul(g.toFloat(k), x([2, 1]));
  },
  Cast: (g, x) => g.mul(g.toFloat(g.greater(x([4]), 0)), x([4])),
  Sign: (g, x) => g.mul(g.unary('Sign', x([4])), x([4])),
  ReduceMax: (g, x) => {
    const a = x([2, 3]);
    return g.sub(a, g.reduceMaxNoGrad(a, [1], true));
  },
  MatMul: (g, x) => g.matmul(x([2, 3]), x([3, 4])),
  ReduceSum: (g, x) => g.reduceSum(x([2, 3]), [1], false),
  Reshape: (g, x) => g.reshape(x([2, 3]), [3, 2]),
  Transpose: (g, x) => g.transpose(x([2, 3]), [1, 0]),
  Concat: (g, x) => g.concat([x([2, 3]), x([1, 3])], 0),
  Slice: (g, x) => g.slice(x([4, 3]), [1], [3], [0]),
  Pad: (g, x) => g.pad(x([2, 3]), [1, 0, 0, 2]),
  Gather: (g, x) => g.gather(x([5, 3]), g.constI([4, 0, 4], [3])),
  ScatterND: (g, x) => g.scatterNDAdd(x([5, 3]), g.constI([1, 3], [2, 1]), x([2, 3])),
  Expand: (g, x) => g.expand(x([1, 3]), [2, 3]),
  Conv: (g, x) => g.conv(x([2, 2, 5, 4]), x([3, 2, 3, 2]), conv),
  ConvTranspose: (g, x) =>
    g.convTranspose(x([2, 3, 4, 4]), x([3, 2, 2, 3]), { ...conv, pads: [0, 0, 0, 0], strides: [2, 1], outputPadding: [1, 0] }),
  MaxPool: (g, x) => g.maxPool(x([1, 2, 4, 4]), [2, 2], [2, 2], [0, 0, 0, 0])[0],
  GatherElements: (g, x) => g.gatherElements(x([6]), g.constI([5, 0, 2], [3]), 0),
  ScatterElements: (g, x) => g.scatterAdd(x([6]), g.constI([5, 0, 5], [3]), x([3]), 0),
};

describe('native IR: every primitive has its rules, and forward-over-reverse closes over the IR', () => {
  it('RULES has a JVP for every primitive and a VJP for every one but the tangent-only ones', () => {
    const tangentOnly = new Set<string>(TANGENT_ONLY_OPS);
    assert.deepStrictEqual(Object.keys(RULES).sort(), [...PRIM_OPS].sort());
    for (const op of PRIM_OPS) {
      const r: { jvp?: unknown; vjp?: unknown } = RULES[op];
      assert.strictEqual(typeof r.jvp, 'function', `${op}: JVP`);
      assert.strictEqual(typeof r.vjp, tangentOnly.has(op) ? 'undefined' : 'function', `${op}: VJP`);
    }
  });

  const tangentOnly = new Set<string>(TANGENT_ONLY_OPS);
  for (const op of PRIM_OPS.filter(o => tangentOnly.has(o)))
    it(`${op} (tangent-only): built, its JVP formed, serialised`, () => {
      const g = new Graph();
      const leaves: string[] = [];
      const y = BUILD[op](g, shape => {
        const n = g.input(`x${leaves.length}`, shape);
        leaves.push(n);
        return n;
      });
      const t = jvp(g, g.nodes.slice(), new Map(leaves.map(l => [l, g.input(`v_${l}`, g.shape(l))])));
      const ty = t.get(y);
      assert.ok(ty !== undefined, `${op}: the output has a tangent`);
      for (const n of g.nodes) assert.ok(isPrimOp(n.op), `${op}: the rules emitted ${n.op}, not a primitive`);
      g.outputs = [y, ty];
      assert.ok(toModelProto(g).length > 0);
    });

  for (const op of PRIM_OPS.filter(o => !tangentOnly.has(o)))
    it(`${op}: built, differentiated (VJP, then JVP of forward + VJP), serialised`, () => {
      const g = new Graph();
      const leaves: string[] = [];
      const x = (shape: number[]) => {
        const n = g.input(`x${leaves.length}`, shape);
        leaves.push(n);
        return n;
      };
      const y = BUILD[op](g, x);
      assert.ok(
        g.nodes.some(n => n.op === op),
        `the builder emits ${op}`,
      );
      const axes = g.shape(y).map((_, i) => i);
      const L = g.reduceSum(g.mul(y, y), axes, false);
      const ct = vjp(g, g.nodes.slice(), L, g.scalar(1), leaves);
      const grads = leaves.map(l => ct.get(l));
      assert.ok(
        grads.some(c => c !== undefined),
        `${op}: some leaf has a gradient`,
      );
      const tangents = new Map(leaves.map(l => [l, g.input(`v_${l}`, g.shape(l))]));
      const t = jvp(g, g.nodes.slice(), tangents);
      const hv = grads.map(c => (c === undefined ? undefined : t.get(c)));
      assert.ok(
        hv.some(h => h !== undefined),
        `${op}: a Hessian-vector product is formed`,
      );
      for (const n of g.nodes) assert.ok(isPrimOp(n.op), `${op}: the rules emitted ${n.op}, not a primitive`);
      g.outputs = [L, ...grads.filter((c): c is string => c !== undefined), ...hv.filter((h): h is string => h !== undefined)];
      assert.ok(toModelProto(g).length > 0);
    });
});
