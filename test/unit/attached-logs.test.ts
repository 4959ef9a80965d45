/**
 * *Attach Training Log to Run…*: the choice is kept in the workspace state (AttachedLogs over a Memento),
 * a log belongs to one run at a time, and core/logs/attach.ts moves the chosen log into that run (its
 * own log-only run dropped), the user's files untouched.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AttachedLogs, ATTACHED_LOGS_KEY } from '../../src/extension/attachedLogs';
import { attachLogs } from '../../src/core/logs/attach';
import { discoverRuns, parserFor } from '../../src/core/logs/runs';

class MapState {
  m = new Map<string, unknown>();
  get<T>(k: string): T | undefined {
    return this.m.get(k) as T | undefined;
  }
  update(k: string, v: unknown): Thenable<void> {
    this.m.set(k, JSON.parse(JSON.stringify(v)));
    return Promise.resolve();
  }
}

describe('attached logs (workspace state)', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-attach-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('records run → logs in the state, one run per log; detach removes it', async () => {
    const st = new MapState();
    const a = new AttachedLogs(st);
    await a.attach('/w/runs/a', '/w/logs/train.csv');
    await a.attach('/w/runs/b', '/w/logs/train.csv');
    await a.attach('/w/runs/b', '/w/logs/other.jsonl');
    assert.deepStrictEqual(st.get(ATTACHED_LOGS_KEY), { '/w/runs/b': ['/w/logs/train.csv', '/w/logs/other.jsonl'] });
    await a.detach('/w/logs/train.csv');
    assert.deepStrictEqual({ ...a.all() }, { '/w/runs/b': ['/w/logs/other.jsonl'] });
  });

  it('the chosen log joins the run (its own log-only run is dropped) and no user file is written', async () => {
    const w = path.join(tmp, 'ws');
    const run = path.join(w, 'runs', 'a');
    const side = path.join(w, 'elsewhere');
    fs.mkdirSync(run, { recursive: true });
    fs.mkdirSync(side, { recursive: true });
    fs.copyFileSync(
      path.resolve(__dirname, '../../../test/fixtures/pytorch-exports/cnn_init/opset17_unfold.onnx'),
      path.join(run, 'model.step_5.onnx'),
    );
    fs.writeFileSync(path.join(run, 'metrics.csv'), 'step,loss\n5,1\n');
    fs.writeFileSync(path.join(side, 'train_log.csv'), 'step,loss\n1,2\n5,1\n');
    fs.writeFileSync(path.join(w, 'b.csv'), 'step,x\n1,1\n'); // another log above: two runs below? no, one: stays put unless chosen
    const before = fs.readdirSync(w, { recursive: true }).sort();
    const plain = discoverRuns(w);
    assert.ok(
      plain.some(r => r.dir === side),
      'without a choice the log is a run of its own',
    );
    const st = new MapState();
    await new AttachedLogs(st).attach(run, path.join(side, 'train_log.csv'));
    const runs = attachLogs(discoverRuns(w), w, parserFor, new AttachedLogs(st).all());
    assert.ok(!runs.some(r => r.dir === side), 'the log-only run is gone');
    const a = runs.find(r => r.dir === run)!;
    assert.deepStrictEqual(a.logs.map(l => path.basename(l.file)).sort(), ['b.csv', 'metrics.csv', 'train_log.csv']);
    assert.ok(a.attached!.some(x => x.how === 'chosen' && x.file === path.join(side, 'train_log.csv')));
    assert.deepStrictEqual(fs.readdirSync(w, { recursive: true }).sort(), before, 'nothing written into the workspace');
  });
});
