import { describe, expect, it } from 'vitest';
import { rowToMetadata } from '../../../services/cli/import.command.ts';

describe(rowToMetadata.name, () => {
  it('turns CSV cells into typed metadata and custom.* columns into custom fields', () => {
    expect(
      rowToMetadata({
        file: 'a.wav',
        agentId: 'A1',
        daysPastDue: '30',
        amountDue: '1500.25',
        'custom.tier': 'gold',
        reason: '',
      }),
    ).toEqual({ agentId: 'A1', daysPastDue: 30, amountDue: 1500.25, custom: { tier: 'gold' } });
  });
});
