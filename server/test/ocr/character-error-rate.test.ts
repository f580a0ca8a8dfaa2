import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { characterErrorRate, levenshtein, normaliseText } from '../fixtures/character-error-rate.ts';

describe('characterErrorRate', () => {
  it('counts edits over the normalised truth', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(normaliseText(' Total\n\n Due:  $5 \u2014 “ok” '), 'Total Due: $5 - "ok"');
    assert.deepEqual(characterErrorRate('Glucose 112\nmg/dL', 'Glucose  112 mg/dL'), {
      errors: 0,
      length: 17,
      cer: 0,
    });
    assert.equal(characterErrorRate('abcd', 'abed').cer, 0.25);
  });
});
