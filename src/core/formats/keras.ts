/**
 * Keras checkpoints → the internal model:
 *  - `.keras` (Keras 3): a zip of `config.json` (the model config), `metadata.json` and
 *    `model.weights.h5`, whose variables are `layers/<layer>/vars/<i>` in the layer's own order
 *    (Dense/Conv: kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance, less
 *    those switched off by scale/center; LayerNormalization: gamma, beta).
 *  - legacy `.h5` (Keras 2 and Keras 3's `model.save("x.h5")`): root attribute `model_config`
 *    (JSON) and datasets `model_weights/<layer>/<layer>/<name>[:0]`.
 * The architecture is rebuilt by kerasConfig.ts from an allow-list of layers; nothing is executed.
 */
import * as path from 'path';
import { readRegularFile } from '../safeFs';
import { UserInputError, isUserInputError } from '../errors';
import { readZip } from '../data/zip';
import type { GraphModel } from '../model/graph';
import { buildKerasGraph, checkKerasConfig, KerasLayerConfig, WeightTensor } from './kerasConfig';
import { openH5, floatDatasets, stringAttr, isGroup } from './hdf5';

function varRoles(l: KerasLayerConfig): string[] {
  const c = l.config ?? {};
  switch (l.class_name) {
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
      return c.use_bias === false ? ['kernel'] : ['kernel', 'bias'];
    case 'DepthwiseConv2D':
      return c.use_bias === false ? ['depthwise_kernel'] : ['depthwise_kernel', 'bias'];
    case 'SeparableConv2D':
      return c.use_bias === false ? ['depthwise_kernel', 'pointwise_kernel'] : ['depthwise_kernel', 'pointwise_kernel', 'bias'];
    case 'BatchNormalization':
      return [...(c.scale !== false ? ['gamma'] : []), ...(c.center !== false ? ['beta'] : []), 'moving_mean', 'moving_variance'];
    case 'LayerNormalization':
      return [...(c.scale !== false ? ['gamma'] : []), ...(c.center !== false ? ['beta'] : [])];
    case 'Embedding':
      return ['embeddings'];
    default:
      return [];
  }
}

/** Keras' naming.to_snake_case of a class name ("GlobalAveragePooling2D" → "global_average_pooling2d"). */
function snake(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function parseJson(text: string, file: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserInputError(`${where} is not valid JSON: ${(e as Error).message}`, { file, where });
  }
}

/** jsfive throws strings and plain objects on corrupt files: turn anything but our own errors into a UserInputError. */
function h5Guard<T>(file: string, fn: () => T): T {
  // jsfive reports attributes of types it does not implement on console.warn (with the raw, possibly
  // binary, attribute name); those attributes read as null, which the readers already handle, so
  // the warning is not passed on to the user's terminal or the extension host's console
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (!/type not implemented, set to null/.test(String(a[0]))) warn(...a);
  };
  try {
    return fn();
  } catch (e) {
    if (isUserInputError(e)) throw e;
    if (
      e instanceof TypeError ||
      e instanceof RangeError ||
      typeof e === 'string' ||
      (e && typeof e === 'object' && !(e instanceof Error)) ||
      (e instanceof Error && /HDF5|hdf5|Invalid|unknown|not implemented|Unsupported/i.test(e.message + e.name))
    ) {
      throw new UserInputError(`corrupt or unsupported HDF5 content: ${e instanceof Error ? e.message : String(e)}`, { file });
    }
    throw e;
  } finally {
    console.warn = warn;
  }
}

export function readKerasModel(file: string): GraphModel {
  const buf: Buffer = readRegularFile(file, { what: 'checkpoint' });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.keras') {
    const entries = readZip(buf, file);
    const cfgBytes = entries.get('config.json');
    if (!cfgBytes)
      throw new UserInputError(`not a Keras 3 archive: no config.json (entries: ${[...entries.keys()].join(', ')})`, {
        file,
        where: 'config.json',
      });
    const config = parseJson(new TextDecoder().decode(cfgBytes), file, 'config.json') as unknown;
    checkKerasConfig(config, file, 'config.json');
    const wBytes = entries.get('model.weights.h5');
    if (!wBytes) throw new UserInputError('not a Keras 3 archive: no model.weights.h5', { file, where: 'model.weights.h5' });
    return h5Guard(file, () => readKeras3Weights(file, config, wBytes));
  }
  return h5Guard(file, () => readLegacyH5(file, buf));
}

function readKeras3Weights(
  file: string,
  config: { class_name: string; config: { layers: KerasLayerConfig[] } },
  wBytes: Uint8Array,
): GraphModel {
  {
    const h5 = openH5(wBytes, `${file}:model.weights.h5`);
    const layersGroup = h5.keys.includes('layers') ? h5.get('layers') : undefined;
    const weights = new Map<string, WeightTensor>();
    if (layersGroup && isGroup(layersGroup)) {
      const all = floatDatasets(layersGroup, file, 'layers/');
      // Keras 3 stores each layer under a name made from its class (snake_case, uniquified in
      // layer order: conv2d, conv2d_1, …), which differs from config names like "dense_7"
      const layerList = config.config?.layers ?? [];
      const generated = (withInputs: boolean): Map<KerasLayerConfig, string> => {
        const seen = new Map<string, number>(),
          out = new Map<KerasLayerConfig, string>();
        for (const l of layerList) {
          if (l.class_name === 'InputLayer' && !withInputs) continue;
          const base = snake(l.class_name),
            k = seen.get(base) ?? 0;
          seen.set(base, k + 1);
          out.set(l, k === 0 ? base : `${base}_${k}`);
        }
        return out;
      };
      const schemes = [
        new Map(layerList.map(l => [l, String(l.config?.name ?? '')] as [KerasLayerConfig, string])),
        generated(false),
        generated(true),
      ];
      const scheme = schemes.find(sc => layerList.every(l => varRoles(l).length === 0 || all.has(`${sc.get(l)}/vars/0`))) ?? schemes[0];
      for (const l of layerList) {
        const name = String(l.config?.name ?? ''),
          stored = scheme.get(l) ?? name;
        varRoles(l).forEach((role, i) => {
          const w = all.get(`${stored}/vars/${i}`);
          if (w) weights.set(`${name}/${role}`, { name: `layers/${stored}/vars/${i}`, shape: w.shape, values: w.values });
        });
      }
    }
    return { ...buildKerasGraph(config, weights, { file, format: 'keras' }), format: 'keras' };
  }
}

function readLegacyH5(file: string, buf: Uint8Array): GraphModel {
  const h5 = openH5(buf, file);
  const mc = stringAttr(h5, 'model_config');
  if (!mc)
    throw new UserInputError("no 'model_config' attribute: this .h5 holds weights only (save the whole model with model.save)", {
      file,
      where: 'attribute model_config',
    });
  const config = parseJson(mc, file, 'attribute model_config') as unknown;
  checkKerasConfig(config, file, 'attribute model_config');
  const mw = h5.keys.includes('model_weights') ? h5.get('model_weights') : h5;
  if (!isGroup(mw)) throw new UserInputError("'model_weights' is not a group", { file, where: 'model_weights' });
  const weights = new Map<string, WeightTensor>();
  for (const [p, w] of floatDatasets(mw, file, 'model_weights/'))
    weights.set(p, { name: `model_weights/${p}`, shape: w.shape, values: w.values });
  return { ...buildKerasGraph(config, weights, { file, format: 'keras-h5' }), format: 'keras-h5' };
}
