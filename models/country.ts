import { z } from 'zod';

/**
 * ISO 3166-1 alpha-2: the 249 officially assigned country codes. A call's `country` decides which law its recording
 * notices are judged against (services/analytics/disclosure), so only assigned codes are accepted, in either case,
 * and stored upper case.
 */
const ASSIGNED =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI ' +
  'BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN ' +
  'CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK ' +
  'FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
  'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
  'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ' +
  'ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP ' +
  'NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF ' +
  'TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
  'VN VU WF WS YE YT ZA ZM ZW';

export const COUNTRY_CODES: ReadonlySet<string> = new Set(ASSIGNED.split(' '));

/** The code upper-cased when it is an assigned ISO 3166-1 alpha-2 code, else null. */
export function countryCode(value: string): string | null {
  const code = value.trim().toUpperCase();
  return COUNTRY_CODES.has(code) ? code : null;
}

/** A country as metadata, a filter or configuration: an assigned ISO 3166-1 alpha-2 code, returned upper case. */
export const countrySchema = z
  .string()
  .trim()
  .refine((v) => countryCode(v) !== null, {
    message: 'must be an ISO 3166-1 alpha-2 country code such as CO, MX, ES or US',
  })
  .transform((v) => v.toUpperCase());
