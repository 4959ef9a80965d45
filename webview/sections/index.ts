/**
 * The dashboard's chart sections, in grid order (like the commands table of src/extension/commands/index.ts).
 * Adding a chart: one file in this folder ({ id, title, scope, box?, draw }: ./types.ts), one line here.
 */
import type { Section } from './types';
import { eigenvaluesSection } from './eigenvalues';
import { densitySection } from './density';
import { slicesSection } from './slices';
import { slice2dSection } from './slice2d';
import { alphaSection } from './alpha';
import { layerGradientsSection } from './layerGradients';
import { layerCurvatureSection } from './layerCurvature';
import { acrossSection } from './across';
import { edgeOfStabilitySection } from './edgeOfStability';
import { pgbSection } from './pgb';
import { specialNeuronsSection } from './specialNeurons';
import { compareSection } from './compare';

export type { Section, View } from './types';

export const SECTIONS: readonly Section[] = [
  eigenvaluesSection,
  densitySection,
  slicesSection,
  compareSection,
  slice2dSection,
  alphaSection,
  layerGradientsSection,
  layerCurvatureSection,
  acrossSection,
  edgeOfStabilitySection,
  pgbSection,
  specialNeuronsSection,
];
