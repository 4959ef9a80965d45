/**
 * The basin test of `perturb --retrain N`: what gradient descent from the perturbed point θ' found,
 * decided from the numbers the result shows — L(θ), L(θ_N), the loss barrier on the segment θ → θ_N
 * and the distances ‖θ_N − θ‖, ‖θ' − θ‖ (relative to ‖θ‖). Linear mode connectivity (Frankle, Dziugaite,
 * Roy & Carbin, ICML 2020): θ and θ_N are in one basin when the loss along (1−s)θ + sθ_N has no barrier,
 * barrier = max_s L(s) − ((1−s)L(θ) + sL(θ_N)) ≤ 1e-3·(1 + |L(θ)|). The same basin also needs the same
 * level: |L(θ_N) − L(θ)| ≤ 5 % of |L(θ)| (+ the barrier tolerance, for losses near 0) — a loss that fell
 * further means θ was not the bottom: the perturbed weights found a lower minimum, barrier or not.
 * Outcomes, tested in this order:
 *  - barrier:  barrier > tolerance                        → left the basin (a ridge separates θ_N from θ)
 *  - lower:    L(θ_N) < L(θ) − loss tolerance             → left the basin: a lower minimum
 *  - higher:   L(θ_N) > L(θ) + loss tolerance             → undecided: not back down to L(θ) in N steps
 *  - returned: ‖θ_N − θ‖ ≤ ‖θ' − θ‖                       → returned to the same basin
 *  - drifted:  otherwise (same level, no barrier, farther) → same basin, along a flat valley
 */
import { fmtText } from '../../shared/format';

export type BasinOutcome = 'barrier' | 'lower' | 'higher' | 'returned' | 'drifted';

export interface BasinInput {
  lossBefore: number;
  finalLoss: number;
  barrier: number;
  /** ‖θ_N − θ‖/‖θ‖ and ‖θ' − θ‖/‖θ‖ */
  distanceBack: number;
  distanceStart: number;
  steps: number;
}

export interface BasinTest {
  outcome: BasinOutcome;
  /** true for returned and drifted (same level, no barrier) */
  sameBasin: boolean;
  barrierTolerance: number;
  lossTolerance: number;
  /** the test as stated to the user, with its tolerances */
  test: string;
  /** one sentence: what was found, with the numbers it rests on */
  conclusion: string;
}

/** Relative loss tolerance of "the same level". */
export const LOSS_LEVEL_TOLERANCE = 0.05;

const pct = (f: number) => `${fmtText(100 * f, 3)} % of ‖θ‖`;

export function basinTest(i: BasinInput): BasinTest {
  const L = i.lossBefore,
    LN = i.finalLoss;
  const barrierTolerance = 1e-3 * (1 + Math.abs(L));
  const lossTolerance = LOSS_LEVEL_TOLERANCE * Math.abs(L) + barrierTolerance;
  const test =
    `same basin when the loss on the segment θ → θ_N has no barrier (≤ ${fmtText(barrierTolerance, 3)} = 1e-3·(1 + L(θ)), 11 points) ` +
    `and L(θ_N) is within ${fmtText(lossTolerance, 3)} (5 % of L(θ) + that) of L(θ); returned when also ‖θ_N − θ‖ ≤ ‖θ' − θ‖`;
  const loss = `${fmtText(L)} → ${fmtText(LN)}`;
  const barrier = i.barrier <= barrierTolerance ? `barrier ${fmtText(Math.max(0, i.barrier), 3)} along the path` : '';
  const distance = `distance to θ ${pct(i.distanceBack)}, from ${pct(i.distanceStart)}`;
  let outcome: BasinOutcome, conclusion: string;
  if (!(i.barrier <= barrierTolerance)) {
    outcome = 'barrier';
    conclusion =
      `left the basin: a loss barrier of ${fmtText(i.barrier, 3)} on the path θ → θ_N separates them (loss ${loss}, ${distance})` +
      (LN < L - lossTolerance ? ' — the perturbed weights found a lower minimum in another basin' : ' — θ is a minimum of its own basin');
  } else if (LN < L - lossTolerance) {
    outcome = 'lower';
    conclusion = `left the basin: loss fell ${loss} (${barrier}) — the perturbed weights found a lower minimum; θ was not at the bottom`;
  } else if (LN > L + lossTolerance) {
    outcome = 'higher';
    conclusion =
      `not decided: after ${i.steps} steps the loss is ${fmtText(LN)}, ` +
      `still above L(θ) = ${fmtText(L)} by more than ${fmtText(lossTolerance, 3)} ` +
      `(${distance}) — more retraining steps or a larger learning rate will tell`;
  } else if (i.distanceBack <= i.distanceStart) {
    outcome = 'returned';
    conclusion = `returned to the same basin: ${distance}, loss within ${fmtText(lossTolerance, 3)} of L(θ) (${loss}), ${barrier}`;
  } else {
    outcome = 'drifted';
    conclusion =
      `same basin, along a flat valley: loss within ${fmtText(lossTolerance, 3)} of L(θ) (${loss}) and ${barrier}, ` +
      `but gradient descent moved farther from θ (${distance})`;
  }
  return { outcome, sameBasin: outcome === 'returned' || outcome === 'drifted', barrierTolerance, lossTolerance, test, conclusion };
}
