import type { ElementId } from './disclosure.phrases.ts';

/**
 * Jurisdiction profiles: which notices an agent must give at the start of a call, and how soon. Time limits are
 * counted in seconds of the agent's own speech (the sum of agent segments before the notice starts), so a long
 * customer greeting does not eat the agent's time.
 *
 * - generic: GDPR-like — the call is recorded, why, and that the customer may object.
 * - co: Colombia — recorded, why, and the data-treatment notice of Ley 1581 de 2012 (habeas data). The contact
 *   rules of Ley 2300 de 2023 (hours, frequency) are checked by collections/contact-time.ts.
 * - mx: Mexico — recorded, and the aviso de privacidad (Ley Federal de Protección de Datos Personales).
 * - us: United States — recorded (all-party-consent states), and the FDCPA "mini-Miranda": this is an attempt to
 *   collect a debt, any information obtained will be used for that purpose, this communication is from a debt
 *   collector.
 */

export interface DisclosureElement {
  id: ElementId;
  description: string;
  /** Latest start, in ms of agent speech. */
  limitMs: number;
}

export interface DisclosureProfile {
  id: DisclosureProfileId;
  name: string;
  elements: DisclosureElement[];
}

export const DISCLOSURE_PROFILE_IDS = ['generic', 'co', 'mx', 'us'] as const;
export type DisclosureProfileId = (typeof DISCLOSURE_PROFILE_IDS)[number];

const recorded: DisclosureElement = {
  id: 'recorded',
  description: 'the agent says the call is recorded',
  limitMs: 30_000,
};
const purpose: DisclosureElement = {
  id: 'purpose',
  description: 'the agent says why the call is recorded or the data processed',
  limitMs: 60_000,
};

export const DISCLOSURE_PROFILES: Record<DisclosureProfileId, DisclosureProfile> = {
  generic: {
    id: 'generic',
    name: 'Generic (GDPR-like)',
    elements: [
      recorded,
      purpose,
      {
        id: 'right_to_object',
        description: 'the agent says the customer may object or exercise data rights',
        limitMs: 60_000,
      },
    ],
  },
  co: {
    id: 'co',
    name: 'Colombia (Ley 1581 de 2012)',
    elements: [
      recorded,
      purpose,
      {
        id: 'data_treatment',
        description:
          'the agent gives the personal-data treatment notice (Ley 1581, habeas data, data policy)',
        limitMs: 60_000,
      },
    ],
  },
  mx: {
    id: 'mx',
    name: 'Mexico (aviso de privacidad)',
    elements: [
      recorded,
      { id: 'privacy_notice', description: 'the agent mentions the aviso de privacidad', limitMs: 60_000 },
    ],
  },
  us: {
    id: 'us',
    name: 'United States (FDCPA mini-Miranda)',
    elements: [
      recorded,
      {
        id: 'attempt_to_collect',
        description: 'the agent says this is an attempt to collect a debt',
        limitMs: 60_000,
      },
      {
        id: 'debt_collector',
        description: 'the agent says the communication is from a debt collector',
        limitMs: 60_000,
      },
    ],
  },
};

/** The profile for a call's region when the deployment does not fix one (ESCUCHA_DISCLOSURE_PROFILE). */
export function profileForRegion(region: string | null | undefined): DisclosureProfileId {
  const country = region?.slice(0, 2).toUpperCase();
  if (country === 'CO') return 'co';
  if (country === 'MX') return 'mx';
  if (country === 'US') return 'us';
  return 'generic';
}
