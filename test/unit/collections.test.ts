import { describe, expect, it } from 'vitest';
import { groupBy } from '../../src/collections.ts';

describe('groupBy', () => {
  it('groups in first-seen key order, keeping input order within a group', () => {
    const groups = groupBy([3, 1, 4, 1, 5, 9, 2, 6], (n) => n % 3);
    expect([...groups]).toEqual([[0, [3, 9, 6]], [1, [1, 4, 1]], [2, [5, 2]]]);
  });
});
