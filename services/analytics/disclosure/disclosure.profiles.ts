import { callCountry } from '../call-country.ts';
import type { ElementId } from './disclosure.phrases.ts';

/**
 * Jurisdiction profiles: which notices an agent must give at the start of a call, and how soon. Every element must
 * start within the profile's window, counted on the call's clock from the start of the conversation (the first
 * speech of either party): the law asks that the parties know from the start, so a notice after long customer turns
 * is late however little the agent had said. The window is set per profile (ESCUCHA_DISCLOSURE_WINDOWS).
 *
 * - generic: GDPR-like — the call is recorded, why, and that the customer may object.
 * - co: Colombia — recorded, why, and the data-treatment notice of Ley 1581 de 2012 (habeas data; Decreto 1377 de
 *   2013 asks that the authorisation be obtained when the data are collected). The contact rules of Ley 2300 de
 *   2023 (hours, frequency) are checked by collections/contact-rules.ts.
 * - mx: Mexico — recorded, and the aviso de privacidad (Ley Federal de Protección de Datos Personales en Posesión
 *   de los Particulares, arts. 15–17: the notice is given when the data are collected).
 * - es: Spain — recorded, why, and the data-protection rights (RGPD art. 13 and LOPDGDD art. 11: the basic
 *   information — purpose and the rights of access, rectification, erasure and objection — at the moment of
 *   collection).
 * - us: United States — recorded (all-party-consent states), and the FDCPA "mini-Miranda" (15 U.S.C. § 1692e(11)):
 *   this is an attempt to collect a debt, any information obtained will be used for that purpose, this
 *   communication is from a debt collector. A regular beep tone is one of the notices of recording the FCC
 *   accepts (47 CFR § 64.501), so the tone sounding throughout may stand for the spoken recording notice.
 *
 * How the periodic recording tone (measured by the vad stage) counts under each law is the profile's `recordingTone`:
 * `alternative` (the tone throughout stands for the spoken recording notice), `required` (one more element), `off`
 * (not accepted as a notice; still reported). ESCUCHA_RECORDING_TONE set to a mode applies it to every profile.
 */

export type RecordingToneMode = 'off' | 'alternative' | 'required';

export interface DisclosureElement {
  id: ElementId;
  description: string;
}

export interface DisclosureProfile {
  id: DisclosureProfileId;
  name: string;
  /** The ISO 3166-1 alpha-2 country whose law it is (null for the generic profile). */
  country: string | null;
  /** Latest start of every element, in ms from the first speech of the call. */
  windowMs: number;
  /** How a periodic recording tone counts (see above). */
  recordingTone: RecordingToneMode;
  elements: DisclosureElement[];
}

export const DISCLOSURE_PROFILE_IDS = ['generic', 'co', 'mx', 'es', 'us'] as const;
export type DisclosureProfileId = (typeof DISCLOSURE_PROFILE_IDS)[number];

const recorded: DisclosureElement = { id: 'recorded', description: 'the agent says the call is recorded' };
const purpose: DisclosureElement = {
  id: 'purpose',
  description: 'the agent says why the call is recorded or the data processed',
};
const rightToObject: DisclosureElement = {
  id: 'right_to_object',
  description: 'the agent says the customer may object or exercise data rights',
};

export const DISCLOSURE_PROFILES: Readonly<Record<DisclosureProfileId, DisclosureProfile>> = {
  generic: {
    id: 'generic',
    name: 'Generic (GDPR-like)',
    country: null,
    windowMs: 30_000,
    recordingTone: 'off',
    elements: [recorded, purpose, rightToObject],
  },
  co: {
    id: 'co',
    name: 'Colombia (Ley 1581 de 2012)',
    country: 'CO',
    windowMs: 30_000,
    recordingTone: 'off',
    elements: [
      recorded,
      purpose,
      {
        id: 'data_treatment',
        description:
          'the agent gives the personal-data treatment notice (Ley 1581, habeas data, data policy)',
      },
    ],
  },
  mx: {
    id: 'mx',
    name: 'Mexico (aviso de privacidad)',
    country: 'MX',
    windowMs: 30_000,
    recordingTone: 'off',
    elements: [recorded, { id: 'privacy_notice', description: 'the agent mentions the aviso de privacidad' }],
  },
  es: {
    id: 'es',
    name: 'Spain (RGPD art. 13, LOPDGDD art. 11)',
    country: 'ES',
    windowMs: 30_000,
    recordingTone: 'off',
    elements: [recorded, purpose, rightToObject],
  },
  us: {
    id: 'us',
    name: 'United States (FDCPA mini-Miranda)',
    country: 'US',
    windowMs: 60_000,
    recordingTone: 'alternative',
    elements: [
      recorded,
      { id: 'attempt_to_collect', description: 'the agent says this is an attempt to collect a debt' },
      { id: 'debt_collector', description: 'the agent says the communication is from a debt collector' },
    ],
  },
};

/** The profile of a country's law, when Escucha has one. */
export function profileForCountry(country: string | null | undefined): DisclosureProfileId | null {
  if (!country) return null;
  const code = country.toUpperCase();
  for (const id of DISCLOSURE_PROFILE_IDS) if (DISCLOSURE_PROFILES[id].country === code) return id;
  return null;
}

/** What a deployment sets about profiles (services/platform/config.ts). */
export interface DisclosureSettings {
  /** ESCUCHA_DISCLOSURE_CAMPAIGNS: a campaign's own profile comes first. */
  byCampaign: Readonly<Record<string, DisclosureProfileId>>;
  /** ESCUCHA_DISCLOSURE_PROFILE: the profile of a call whose campaign and country name none (default generic). */
  defaultProfile: DisclosureProfileId | null;
  /** ESCUCHA_DISCLOSURE_REGIONS: region → country, only as the user wrote it, for calls without a country. */
  regionCountries: Readonly<Record<string, string>>;
}

/**
 * The one decision of which law a call is judged against: its campaign's profile (configured), else its country's
 * (the call's ISO 3166 `country`, or the country the user's region table gives its region), else the configured
 * default, else generic. A region is never guessed from its spelling.
 */
export function chooseProfile(
  call: { campaign: string | null; country: string | null; region: string | null },
  settings: DisclosureSettings,
): DisclosureProfileId {
  if (call.campaign !== null && Object.hasOwn(settings.byCampaign, call.campaign)) {
    return settings.byCampaign[call.campaign]!;
  }
  return (
    profileForCountry(callCountry(call, settings.regionCountries)) ?? settings.defaultProfile ?? 'generic'
  );
}

/** A profile with the deployment's window (ESCUCHA_DISCLOSURE_WINDOWS) and recording-tone mode applied. */
export function configuredProfile(
  id: DisclosureProfileId,
  overrides: { windowMs?: number; recordingTone?: RecordingToneMode } = {},
): DisclosureProfile {
  const base = DISCLOSURE_PROFILES[id];
  if (overrides.windowMs === undefined && overrides.recordingTone === undefined) return base;
  return {
    ...base,
    windowMs: overrides.windowMs ?? base.windowMs,
    recordingTone: overrides.recordingTone ?? base.recordingTone,
  };
}
