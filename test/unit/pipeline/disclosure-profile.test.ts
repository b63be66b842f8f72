import { describe, expect, it } from 'vitest';
import { disclosureProfileFor } from '../../../services/analysis/analysis.service.ts';

describe(disclosureProfileFor.name, () => {
  const config = { disclosureProfile: null, disclosureByCampaign: { 'mora-us': 'us' as const } };

  it("takes the campaign's profile first, then the deployment's, then the region's", () => {
    expect(disclosureProfileFor({ campaign: 'mora-us', region: 'CO' }, config)).toBe('us');
    expect(disclosureProfileFor({ campaign: 'other', region: 'CO' }, config)).toBe('co');
    expect(disclosureProfileFor({ campaign: null, region: 'MX' }, config)).toBe('mx');
    expect(disclosureProfileFor({ campaign: null, region: null }, config)).toBe('generic');
    const fixed = { ...config, disclosureProfile: 'generic' as const };
    expect(disclosureProfileFor({ campaign: 'other', region: 'CO' }, fixed)).toBe('generic');
    expect(disclosureProfileFor({ campaign: 'mora-us', region: 'CO' }, fixed)).toBe('us');
  });

  it('does not read inherited properties as campaigns', () => {
    expect(disclosureProfileFor({ campaign: 'toString', region: 'MX' }, config)).toBe('mx');
  });
});
