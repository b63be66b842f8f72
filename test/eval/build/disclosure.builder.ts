import {
  ELEMENT_PIECES,
  FILLER_TALK,
  NAMES,
  NEAR_MISSES,
  OPENINGS,
  type Element,
  type Piece,
} from './disclosure.cases.ts';
import {
  NOISE,
  noisy,
  pick,
  rng,
  shuffle,
  timeline,
  agentSpeechBefore,
  type Lang,
  type TimedSegment,
} from './noise.ts';
import type { Party } from '../../../models/database.ts';
import { conversationStart } from '../../../services/analytics/disclosure/disclosure.detector.ts';
import {
  DISCLOSURE_PROFILES,
  type DisclosureProfileId,
} from '../../../services/analytics/disclosure/disclosure.profiles.ts';

export const PROFILE_ELEMENTS: Record<string, Element[]> = {
  generic: ['recorded', 'purpose', 'right_to_object'],
  co: ['recorded', 'purpose', 'data_treatment'],
  mx: ['recorded', 'privacy_notice'],
  us: ['recorded', 'attempt_to_collect', 'debt_collector'],
};

const LIMIT_MS: Record<Element, number> = {
  recorded: 30_000,
  purpose: 60_000,
  right_to_object: 60_000,
  data_treatment: 60_000,
  privacy_notice: 60_000,
  attempt_to_collect: 60_000,
  debt_collector: 60_000,
};

export interface DisclosureCase {
  id: string;
  split: 'dev' | 'test';
  language: Lang;
  profile: string;
  segments: TimedSegment[];
  elements: Record<string, boolean>;
  /** Elements the agent said only after the window. */
  late: Element[];
  outcome: 'disclosed' | 'late' | 'partial' | 'missing';
}

function fill(r: () => number, lang: Lang, template: string): string {
  const n = NAMES[lang];
  return template
    .replace('{name}', pick(r, n.name))
    .replace('{surname}', pick(r, n.surname))
    .replace('{company}', pick(r, n.company))
    .replace('{title}', pick(r, n.title))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Pieces whose tags (restricted to the profile) are exactly inside `wanted`, covering it greedily. */
function cover(r: () => number, pool: Piece[], profile: Element[], wanted: Set<Element>): Piece[] {
  const chosen: Piece[] = [];
  const left = new Set(wanted);
  const usable = pool.filter((pc) => {
    const t = pc.tags.filter((x) => profile.includes(x));
    return t.length > 0 && t.every((x) => wanted.has(x));
  });
  let guard = 0;
  while (left.size > 0 && guard++ < 20) {
    const options = usable.filter((pc) => pc.tags.some((t) => left.has(t)));
    if (options.length === 0) break;
    const pc = pick(r, options);
    chosen.push(pc);
    for (const t of pc.tags) left.delete(t);
  }
  if (left.size > 0) throw new Error(`cannot cover ${[...left].join(',')}`);
  return chosen;
}

export function buildDisclosure(): DisclosureCase[] {
  const plan: { profile: string; lang: Lang; n: number }[] = [
    { profile: 'generic', lang: 'es', n: 24 },
    { profile: 'generic', lang: 'en', n: 24 },
    { profile: 'co', lang: 'es', n: 30 },
    { profile: 'mx', lang: 'es', n: 24 },
    { profile: 'us', lang: 'en', n: 28 },
    { profile: 'us', lang: 'es', n: 16 },
  ];
  const out: DisclosureCase[] = [];
  let seed = 1000;
  for (const { profile, lang, n } of plan) {
    for (let k = 0; k < n; k++) {
      const split = k % 2 === 0 ? 'dev' : 'test';
      for (let attempt = 0; ; attempt++) {
        try {
          out.push(one(profile, lang, n, k, split, rng(seed++)));
          break;
        } catch (error) {
          if (attempt > 50) throw error;
        }
      }
    }
  }
  return out;
}

function one(
  profile: string,
  lang: Lang,
  n: number,
  k: number,
  split: 'dev' | 'test',
  r: () => number,
): DisclosureCase {
  {
    {
      const elements = PROFILE_ELEMENTS[profile]!;
      const kind = k < n * 0.4 ? 'full' : k < n * 0.75 ? 'partial' : k < n * 0.9 ? 'none' : 'late';
      let wanted: Element[];
      if (kind === 'full') wanted = [...elements];
      else if (kind === 'none') wanted = [];
      else {
        const sh = shuffle(r, elements);
        wanted = sh.slice(0, 1 + Math.floor(r() * (elements.length - 1)));
      }
      const present = new Set<Element>(wanted);
      const pieces = cover(r, ELEMENT_PIECES[lang][split], elements, present);
      const level = pick(r, [NOISE.low, NOISE.medium, NOISE.medium, NOISE.high]);
      const o = OPENINGS[lang];
      // `later`: the tags of a second sentence in the same turn (it starts somewhere inside the turn)
      const turns: { party: Party; text: string; tags?: Element[]; later?: Element[] }[] = [];
      turns.push({ party: 'agent', text: `${pick(r, o.greet)} ${fill(r, lang, pick(r, o.intro))}` });
      if (r() < 0.6) turns.push({ party: 'customer', text: pick(r, o.reply) });
      turns.push({ party: 'agent', text: fill(r, lang, pick(r, o.verify)) });
      turns.push({ party: 'customer', text: pick(r, o.reply) });
      // disclosure sentences, sometimes two in one agent turn
      const shuffled = shuffle(r, pieces);
      for (let i = 0; i < shuffled.length; i++) {
        const a = shuffled[i]!;
        const b = shuffled[i + 1];
        if (b && r() < 0.35) {
          turns.push({
            party: 'agent',
            text: `${a.text} ${b.text}`,
            tags: [...a.tags, ...b.tags],
            later: b.tags.filter((t) => !a.tags.includes(t)),
          });
          i++;
        } else turns.push({ party: 'agent', text: a.text, tags: a.tags });
        if (r() < 0.3) turns.push({ party: 'customer', text: pick(r, o.reply) });
      }
      if (r() < 0.45) {
        // a negated notice would contradict a real one in the same call
        const options = NEAR_MISSES[lang][split].filter(
          (x) => !(present.has('recorded') && /\bnot?\b.*(grab|record)/.test(x.text)),
        );
        const nm = pick(r, options);
        const at = 1 + Math.floor(r() * (turns.length - 1));
        turns.splice(at, 0, { party: nm.party, text: nm.text });
      }
      let lateElement: Element | undefined;
      if (kind === 'late') {
        // a long stretch of agent talk, then one more element that comes too late
        for (const f of shuffle(r, FILLER_TALK[lang])) turns.push({ party: 'agent', text: f });
        for (const f of shuffle(r, FILLER_TALK[lang]).slice(0, 3)) turns.push({ party: 'agent', text: f });
        const missing = elements.filter((e) => !present.has(e));
        lateElement = missing.length > 0 ? pick(r, missing) : undefined;
        if (lateElement) {
          const pc = cover(r, ELEMENT_PIECES[lang][split], elements, new Set([lateElement]));
          turns.push({ party: 'agent', text: pc[0]!.text, tags: [lateElement] });
        }
      }
      turns.push({ party: 'customer', text: pick(r, o.reply) });
      const texts = turns.map((t) => ({ party: t.party, text: noisy(r, lang, t.text, level) }));
      const segments = timeline(r, texts);
      // verify the in-time rule for every labelled element (guards the builder, not the detector)
      for (let i = 0; i < turns.length; i++) {
        for (const tag of turns[i]!.tags ?? []) {
          if (!elements.includes(tag) || tag === lateElement) continue;
          if (agentSpeechBefore(segments, i) > LIMIT_MS[tag] - 8000)
            throw new Error(`element ${tag} too close to limit`);
        }
      }
      if (lateElement) {
        const lastAgent = segments.length - 2;
        if (agentSpeechBefore(segments, lastAgent) < 90_000) throw new Error('late element not late enough');
      }
      // labels on the call's clock, as the law reads it: an element counts when the agent says it within the
      // profile's window from the first speech of either party; said later, it is late
      const origin = conversationStart(segments) ?? 0;
      const windowMs = DISCLOSURE_PROFILES[profile as DisclosureProfileId].windowMs;
      const saidAt = new Map<Element, number>();
      turns.forEach((t, i) => {
        const seg = segments[i]!;
        for (const tag of t.tags ?? []) {
          if (saidAt.has(tag) || !elements.includes(tag)) continue;
          // a turn's second sentence must be inside or after the window wherever in the turn it starts
          const later = t.later?.includes(tag) ?? false;
          if (later && seg.startMs - origin <= windowMs && seg.endMs - origin > windowMs) {
            throw new Error(`element ${tag} too close to the window`);
          }
          saidAt.set(tag, seg.startMs - origin);
        }
      });
      const labels: Record<string, boolean> = {};
      for (const e of elements) labels[e] = (saidAt.get(e) ?? Infinity) <= windowMs;
      const count = elements.filter((e) => labels[e]).length;
      const said = elements.filter((e) => saidAt.has(e)).length;
      const late = elements.filter((e) => saidAt.has(e) && !labels[e]);
      return {
        id: `dis-${profile}-${lang}-${String(k + 1).padStart(3, '0')}`,
        split,
        language: lang,
        profile,
        segments,
        elements: labels,
        late,
        outcome:
          count === elements.length
            ? 'disclosed'
            : said === elements.length
              ? 'late'
              : said === 0
                ? 'missing'
                : 'partial',
      };
    }
  }
}
