/** checkJsonShape: the limits are counted on structure, never on text inside strings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJsonShape, type JsonLimits } from './json-body-parser.js';

const LIMITS: JsonLimits = { maxDepth: 3, maxKeys: 3 };

describe('checkJsonShape', () => {
  const cases: ReadonlyArray<readonly [string, string, ReturnType<typeof checkJsonShape>]> = [
    ['ok/flat object', '{"a":1,"b":2,"c":3}', null],
    ['ok/depth 3', '{"a":[{"b":1}]}', null],
    ['fail/depth 4', '{"a":[{"b":[1]}]}', 'depth'],
    ['fail/4 keys across objects', '{"a":{"b":1},"c":{"d":2}}', 'keys'],
    ['ok/brackets and colons inside strings do not count', '{"a":"[[[[:::]]]]{{{{"}', null],
    ['ok/escaped quotes do not end a string', '{"a":"\\"[[[[:::\\\\"}', null],
    ['fail/escaped backslash before a quote ends the string', '{"a":"\\\\","b":[[[1]]]}', 'depth'],
    ['ok/sibling arrays reuse depth', '[[[1]],[[2]],[[3]]]', null],
    ['ok/scalar', '"[[[[[[["', null],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      assert.equal(checkJsonShape(text, LIMITS), expected);
    });
  }
});
