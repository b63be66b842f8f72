import { describe, expect, it } from 'vitest';
import { disclosureProfileFor } from '../../../services/analysis/analysis.service.ts';

describe(disclosureProfileFor.name, () => {
  const config = {
    disclosureProfile: null,
    disclosureByCampaign: { 'mora-us': 'us' as const },
    disclosureRegions: {},
  };
  const call = (campaign: string | null, country: string | null, region: string | null = null) => ({
    campaign,
    country,
    region,
  });

  it("takes the campaign's profile first, then the call's country's, then the configured default", () => {
    expect(disclosureProfileFor(call('mora-us', 'CO'), config)).toBe('us');
    expect(disclosureProfileFor(call('other', 'CO'), config)).toBe('co');
    expect(disclosureProfileFor(call(null, 'MX'), config)).toBe('mx');
    expect(disclosureProfileFor(call(null, 'ES'), config)).toBe('es');
    expect(disclosureProfileFor(call(null, 'US'), config)).toBe('us');
    expect(disclosureProfileFor(call(null, null), config)).toBe('generic');
    const withDefault = { ...config, disclosureProfile: 'co' as const };
    expect(disclosureProfileFor(call(null, null), withDefault)).toBe('co');
    expect(disclosureProfileFor(call(null, 'FR'), withDefault)).toBe('co');
    expect(disclosureProfileFor(call('other', 'MX'), withDefault)).toBe('mx');
    expect(disclosureProfileFor(call('mora-us', 'MX'), withDefault)).toBe('us');
  });

  it('never guesses a country from the spelling of a region', () => {
    for (const region of ['Costa Rica', 'Colorado', 'CO', 'co-ant', 'Bogotá', 'Mexico', 'US-CA', 'España']) {
      expect(disclosureProfileFor(call(null, null, region), config)).toBe('generic');
    }
    expect(disclosureProfileFor(call(null, 'CR', 'Costa Rica'), config)).toBe('generic');
    expect(disclosureProfileFor(call(null, 'US', 'Colorado'), config)).toBe('us');
  });

  it('maps a region to a country only through the table a user configured', () => {
    const table = {
      ...config,
      disclosureRegions: { bogotá: 'CO', antioquia: 'CO', 'ciudad de méxico': 'MX' },
    };
    expect(disclosureProfileFor(call(null, null, 'Bogotá'), table)).toBe('co');
    expect(disclosureProfileFor(call(null, null, ' Ciudad de México '), table)).toBe('mx');
    expect(disclosureProfileFor(call(null, null, 'Costa Rica'), table)).toBe('generic');
    expect(disclosureProfileFor(call(null, null, 'Colorado'), table)).toBe('generic');
    // The call's own country wins over the table.
    expect(disclosureProfileFor(call(null, 'ES', 'Bogotá'), table)).toBe('es');
  });

  it('does not read inherited properties as campaigns or regions', () => {
    expect(disclosureProfileFor(call('toString', 'MX'), config)).toBe('mx');
    expect(disclosureProfileFor(call(null, null, 'constructor'), config)).toBe('generic');
  });
});
