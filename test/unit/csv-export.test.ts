/**
 * The dashboard's CSV export (webview/csv.ts) neutralises CSV injection (OWASP): a text field that
 * starts with =, +, -, @, a tab or a carriage return gets a leading ' (so a spreadsheet shows it as
 * text instead of evaluating it), numbers stay numbers (negative values unprefixed), and RFC 4180
 * quoting still applies (after the prefix). Expected strings are written by hand.
 */
import * as assert from 'assert';
import { toCsv, csvField } from '../../webview/csv';
import { toCsv as toCsvFromSmooth } from '../../webview/smooth';

describe('dashboard CSV export: injection neutralised (OWASP)', () => {
  it('prefixes text fields that a spreadsheet would evaluate', () => {
    assert.strictEqual(csvField('=HYPERLINK("http://x","click")'), `"'=HYPERLINK(""http://x"",""click"")"`);
    assert.strictEqual(csvField('+1+2'), "'+1+2");
    assert.strictEqual(csvField('-2+3'), "'-2+3");
    assert.strictEqual(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.strictEqual(csvField('\tcmd'), "'\tcmd");
    assert.strictEqual(csvField('\rcmd'), `"'\rcmd"`);
  });
  it('leaves other text, numbers and absent values as they were', () => {
    assert.strictEqual(csvField('train/loss'), 'train/loss');
    assert.strictEqual(csvField('a=b'), 'a=b');
    assert.strictEqual(csvField(-0.5), '-0.5');
    assert.strictEqual(csvField(1e-7), '1e-7');
    assert.strictEqual(csvField(NaN), '');
    assert.strictEqual(csvField(null), '');
    assert.strictEqual(csvField(undefined), '');
  });
  it('whole tables: header and rows, the same function behind the old import', () => {
    const csv = toCsv(
      ['tag', 'step', 'value'],
      [
        ['=cmd|/c calc', 1, -1.5],
        ['loss', 2, 0.25],
      ],
    );
    assert.strictEqual(csv, "tag,step,value\n'=cmd|/c calc,1,-1.5\nloss,2,0.25\n");
    assert.strictEqual(toCsvFromSmooth, toCsv);
  });
});
