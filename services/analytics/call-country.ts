import { countryCode } from '../../models/country.ts';

/**
 * The one decision of which country a call belongs to, for every rule that depends on it (the disclosure law, the
 * local time of the contact rules and of the dates a promise names, the peso of an amount): the call's ISO 3166
 * `country` (models/country.ts), else the country a user's region table gives its region (written as the user
 * wrote it, compared without case), else none. A region is never read as a country from its spelling: "Bogotá",
 * "Costa Rica" or "Colorado" name no country by themselves.
 */
export function callCountry(
  call: { country?: string | null; region?: string | null },
  regionCountries: Readonly<Record<string, string>> = {},
): string | null {
  const own = call.country ? countryCode(call.country) : null;
  if (own !== null) return own;
  const region = call.region?.trim().toLowerCase();
  if (!region || !Object.hasOwn(regionCountries, region)) return null;
  return countryCode(regionCountries[region]!);
}
