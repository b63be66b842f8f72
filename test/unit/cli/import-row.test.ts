import { describe, expect, it } from 'vitest';
import { rowToMetadata } from '../../../services/cli/import.command.ts';
import { callMetadataSchema } from '../../../models/call.ts';

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

  it('takes a country column, validated as an ISO 3166-1 alpha-2 code', () => {
    expect(callMetadataSchema.parse(rowToMetadata({ file: 'a.wav', country: 'es' })).country).toBe('ES');
    expect(callMetadataSchema.safeParse(rowToMetadata({ file: 'a.wav', country: 'Spain' })).success).toBe(
      false,
    );
  });
});
