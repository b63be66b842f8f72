import { callMetadataSchema, type CallMetadata, type CallMetadataInput } from '../../models/call.ts';
import { aorUri, type RecordingMetadata } from './sip/siprec.metadata.ts';
import { parseNameAddr, parseSipUri, phoneNumberOf } from './sip/sip.headers.ts';
import type { SipRequest } from './sip/sip.message.ts';

/**
 * From what SIP and SIPREC say about a call to the archive's metadata: who the parties are, which of them is the
 * agent (left channel) and which the customer (right channel), and the call-center fields carried in headers
 * (`X-Agent-Id`, `X-Campaign`, ...) or in SIPREC extension data. Everything is kept as plain facts in the spool
 * and turned into metadata when the call is assembled, so a recovered call gets the same treatment.
 */

export type Side = 'caller' | 'callee';

export interface MetadataRules {
  /** Header whose value is the agent id (default X-Agent-Id). */
  agentHeader: string;
  /** Header (lower-case) → metadata field (`x-campaign` → `campaign`). */
  headerMap: Readonly<Record<string, MappedField>>;
  /** A party whose user part or number matches is the agent (e.g. short internal extensions). */
  agentPattern: RegExp | undefined;
  /** Who is the agent when nothing else tells (default caller: collection calls are mostly outbound). */
  defaultAgent: Side;
}

export const MAPPED_FIELDS = [
  'agentId',
  'agentName',
  'team',
  'campaign',
  'customerRef',
  'disposition',
  'reason',
  'product',
  'region',
  'country',
  'language',
  'externalId',
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

export const DEFAULT_HEADER_MAP =
  'X-Agent-Name=agentName,X-Team=team,X-Campaign=campaign,X-Account=customerRef,X-Customer-Ref=customerRef,X-Disposition=disposition,X-Reason=reason,X-Product=product,X-Country=country';
export const DEFAULT_AGENT_PATTERN = '^(?:agent|agente|operador|operator)|^[0-9]{2,6}$';

/** Parses `Header=field,Header=field`. Throws on an unknown field. */
export function parseHeaderMap(text: string): Record<string, MappedField> {
  const map: Record<string, MappedField> = Object.create(null) as Record<string, MappedField>;
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const [header = '', field = ''] = trimmed.split('=').map((s) => s.trim());
    if (!(MAPPED_FIELDS as readonly string[]).includes(field) || header === '') {
      throw new Error(
        `invalid header mapping "${trimmed}": use Header=field with field one of ${MAPPED_FIELDS.join(', ')}`,
      );
    }
    map[header.toLowerCase()] = field as MappedField;
  }
  return map;
}

export interface PartyFacts {
  uri: string | null;
  name: string | null;
  /** User part of the URI. */
  user: string | null;
  number: string | null;
}

/** SIP facts kept in the spool: what the INVITE (and later requests) said. */
export interface SipFacts {
  callId: string;
  requestUri: string;
  from: PartyFacts;
  to: PartyFacts;
  /** Headers of interest, lower-case name → last value (X- headers, the agent header, mapped headers). */
  headers: Record<string, string>;
}

export interface SiprecFacts {
  sessionId: string | null;
  /** Caller first when the metadata marks the calling party (Acme/Oracle `callingParty`, a `role`). */
  participants: Array<
    PartyFacts & { id: string; sends: string[]; extensions: Record<string, string>; calling?: boolean | null }
  >;
  streams: Array<{ id: string; label: string | null }>;
  extensions: Record<string, string>;
  agentId: string | null;
  campaign: string | null;
  account: string | null;
}

function partyOfHeader(value: string | undefined): PartyFacts {
  if (value === undefined) return { uri: null, name: null, user: null, number: null };
  try {
    const addr = parseNameAddr(value);
    let user: string | null = null;
    try {
      user = parseSipUri(addr.uri).user ?? null;
    } catch {
      user = null;
    }
    return {
      uri: addr.uri,
      name: addr.displayName ?? null,
      user,
      number: phoneNumberOf(user ?? undefined) ?? null,
    };
  } catch {
    return { uri: null, name: null, user: null, number: null };
  }
}

/** Headers kept from a request: every X- header, P-Asserted-Identity, and the configured ones. */
export function interestingHeaders(request: SipRequest, rules: MetadataRules): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const wanted = new Set([rules.agentHeader.toLowerCase(), ...Object.keys(rules.headerMap)]);
  for (const { name, value } of request.headers.entries()) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-') || wanted.has(lower) || lower === 'p-asserted-identity') {
      if (Object.keys(out).length < 64) out[lower] = value.slice(0, 1000);
    }
  }
  return out;
}

export function sipFactsOf(request: SipRequest, rules: MetadataRules): SipFacts {
  return {
    callId: request.headers.get('Call-ID') ?? '',
    requestUri: request.uri,
    from: partyOfHeader(request.headers.get('From')),
    to: partyOfHeader(request.headers.get('To')),
    headers: interestingHeaders(request, rules),
  };
}

export function siprecFactsOf(metadata: RecordingMetadata): SiprecFacts {
  const participants = metadata.participants.map((p) => {
    const party = p.aor === undefined ? partyOfHeader(undefined) : partyOfHeader(aorUri(p.aor));
    return {
      ...party,
      name: p.name ?? party.name,
      number: p.number ?? party.number,
      id: p.id,
      sends: p.sends,
      extensions: { ...p.extensions },
      calling: p.calling ?? null,
    };
  });
  // Document order is the caller first unless the metadata marks the calling party elsewhere.
  const callingAt = participants.findIndex((p) => p.calling === true);
  const calledFirst = participants.length >= 2 && participants[0]!.calling === false && callingAt < 0;
  if (callingAt > 0) participants.unshift(...participants.splice(callingAt, 1));
  else if (calledFirst) participants.push(...participants.splice(0, 1));
  return {
    sessionId: metadata.sessionId ?? null,
    participants,
    streams: metadata.streams.map((s) => ({ id: s.id, label: s.label ?? null })),
    extensions: { ...metadata.extensions },
    agentId: metadata.agentId ?? null,
    campaign: metadata.campaign ?? null,
    account: metadata.account ?? null,
  };
}

const NO_PARTY: PartyFacts = { uri: null, name: null, user: null, number: null };

/**
 * The two parties of a call: SIPREC participants when there are two or more; one participant (a single mixed
 * stream, as Intrado sends) is the caller, or the callee when marked called, and the other party is unknown (From
 * and To of a SIPREC INVITE name the recording client and server, not the call's parties); else From and To.
 */
export function partiesOf(
  sip: SipFacts,
  siprec: SiprecFacts | null,
): { caller: PartyFacts; callee: PartyFacts } {
  const p = siprec?.participants ?? [];
  if (p.length >= 2) return { caller: p[0]!, callee: p[1]! };
  if (p.length === 1 && (p[0]!.uri !== null || p[0]!.name !== null)) {
    return p[0]!.calling === false
      ? { caller: NO_PARTY, callee: p[0]! }
      : { caller: p[0]!, callee: NO_PARTY };
  }
  return { caller: sip.from, callee: sip.to };
}

function matchesAgent(party: PartyFacts, value: string): boolean {
  const v = value.toLowerCase();
  return [party.user, party.number, party.uri].some((x) => x !== null && x.toLowerCase() === v);
}

function looksLikeAgent(party: PartyFacts, pattern: RegExp | undefined): boolean {
  if (!pattern) return false;
  return [party.user, party.number].some((x) => x !== null && pattern.test(x));
}

function markedAgent(siprec: SiprecFacts | null, index: number): boolean | undefined {
  const ext = siprec?.participants[index]?.extensions;
  if (!ext) return undefined;
  for (const [key, value] of Object.entries(ext)) {
    if (!/role|type|rol$/i.test(key)) continue;
    if (/^(agent|agente|operador|operator)$/i.test(value)) return true;
    if (/^(customer|cliente|caller|callee|external)$/i.test(value)) return false;
  }
  return undefined;
}

/** Which side is the agent: agent header naming a party, SIPREC role data, the agent pattern, then the default. */
export function agentSideOf(sip: SipFacts, siprec: SiprecFacts | null, rules: MetadataRules): Side {
  const { caller, callee } = partiesOf(sip, siprec);
  const agentValue = sip.headers[rules.agentHeader.toLowerCase()];
  if (agentValue !== undefined) {
    if (matchesAgent(caller, agentValue) && !matchesAgent(callee, agentValue)) return 'caller';
    if (matchesAgent(callee, agentValue) && !matchesAgent(caller, agentValue)) return 'callee';
  }
  if ((siprec?.participants.length ?? 0) >= 2) {
    const first = markedAgent(siprec, 0);
    const second = markedAgent(siprec, 1);
    if (first === true || second === false) return 'caller';
    if (second === true || first === false) return 'callee';
  }
  const callerLooks = looksLikeAgent(caller, rules.agentPattern);
  const calleeLooks = looksLikeAgent(callee, rules.agentPattern);
  if (callerLooks && !calleeLooks) return 'caller';
  if (calleeLooks && !callerLooks) return 'callee';
  return rules.defaultAgent;
}

/** Channel of a party's voice: the agent left (0), the customer right (1). */
export function channelOf(side: Side, agent: Side): number {
  return side === agent ? 0 : 1;
}

/**
 * Whose voice a SIPREC stream carries: the participant that sends the metadata stream with the SDP label; without
 * metadata, m-line order (first caller, second callee).
 */
export function siprecStreamSide(siprec: SiprecFacts | null, label: string | null, index: number): Side {
  if (siprec && label !== null) {
    const stream = siprec.streams.find((s) => s.label === label);
    if (stream) {
      const sender = siprec.participants.findIndex((p) => p.sends.includes(stream.id));
      if (sender === 0) return 'caller';
      if (sender === 1) return 'callee';
    }
  }
  return index % 2 === 0 ? 'caller' : 'callee';
}

const CUSTOM_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function customKey(raw: string): string | undefined {
  const cleaned = raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  const key = /^[A-Za-z]/.test(cleaned) ? cleaned : `x_${cleaned}`.slice(0, 64);
  return CUSTOM_KEY.test(key) ? key : undefined;
}

export interface AssembledFacts {
  sip: SipFacts;
  siprec: SiprecFacts | null;
  startedAt: Date;
  endedAt: Date;
  /** Extra custom fields (recovered, truncated, oneWayAudio, ...). */
  custom: Record<string, string | number | boolean>;
}

/** The archive metadata of a captured call; fields that do not validate are dropped, never the call. */
export function buildCallMetadata(facts: AssembledFacts, rules: MetadataRules): CallMetadata {
  const { sip, siprec } = facts;
  const agent = agentSideOf(sip, siprec, rules);
  const { caller, callee } = partiesOf(sip, siprec);
  const agentParty = agent === 'caller' ? caller : callee;
  const customerParty = agent === 'caller' ? callee : caller;
  const input: Record<string, unknown> = {
    startedAt: facts.startedAt.toISOString(),
    endedAt: facts.endedAt.toISOString(),
    direction: agent === 'caller' ? 'outbound' : 'inbound',
    sipCallId: sip.callId || undefined,
  };
  if (caller.number) input.callerNumber = caller.number;
  if (callee.number) input.calleeNumber = callee.number;
  if (siprec?.agentId) input.agentId = siprec.agentId;
  if (siprec?.campaign) input.campaign = siprec.campaign;
  if (siprec?.account) input.customerRef = siprec.account;
  for (const [header, field] of Object.entries(rules.headerMap)) {
    const value = sip.headers[header];
    if (value !== undefined && value.trim() !== '') input[field] = value.trim();
  }
  const agentHeaderValue = sip.headers[rules.agentHeader.toLowerCase()];
  if (agentHeaderValue !== undefined && agentHeaderValue.trim() !== '')
    input.agentId = agentHeaderValue.trim();
  if (agentParty.name && input.agentName === undefined) input.agentName = agentParty.name;

  const custom: Record<string, string | number | boolean> = {};
  const addCustom = (raw: string, value: string | number | boolean): void => {
    const key = customKey(raw);
    if (key === undefined || key in custom || Object.keys(custom).length >= 50) return;
    custom[key] = typeof value === 'string' ? value.slice(0, 1000) : value;
  };
  for (const [key, value] of Object.entries(facts.custom)) addCustom(key, value);
  if (siprec?.sessionId) addCustom('siprecSession', siprec.sessionId);
  const mapped = new Set([rules.agentHeader.toLowerCase(), ...Object.keys(rules.headerMap)]);
  for (const [header, value] of Object.entries(sip.headers)) {
    if (!mapped.has(header) && header.startsWith('x-')) addCustom(header, value);
  }
  for (const [key, value] of Object.entries(siprec?.extensions ?? {})) addCustom(key, value);
  // A participant's own vendor data (Acme/Oracle realm and copied headers, Intrado role), named by its side.
  (siprec?.participants ?? []).slice(0, 2).forEach((p, i) => {
    for (const [key, value] of Object.entries(p.extensions))
      addCustom(`${i === 0 ? 'caller' : 'callee'}.${key}`, value);
  });
  if (Object.keys(custom).length > 0) input.custom = custom;

  input.participants = [
    { role: 'agent', channel: 0, name: agentParty.name ?? undefined, number: agentParty.number ?? undefined },
    {
      role: 'customer',
      channel: 1,
      name: customerParty.name ?? undefined,
      number: customerParty.number ?? undefined,
    },
  ].map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
  if (typeof input.agentId === 'string') {
    (input.participants as Array<Record<string, unknown>>)[0]!.participantRef = input.agentId;
  }
  return validLeniently(input);
}

/** Parses metadata, removing each field that fails validation until the rest passes. */
function validLeniently(input: Record<string, unknown>): CallMetadata {
  const candidate: Record<string, unknown> = { ...input };
  let participantsStripped = false;
  for (let attempt = 0; attempt < 40; attempt++) {
    const parsed = callMetadataSchema.safeParse(candidate as CallMetadataInput);
    if (parsed.success) return parsed.data;
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')));
    for (const key of bad) {
      const value = candidate[key];
      if (key === 'participants' && !participantsStripped && Array.isArray(value)) {
        // Keep the roles and channels even when a name or number is unusable.
        candidate[key] = (value as Array<Record<string, unknown>>).map((p) => ({
          role: p.role,
          channel: p.channel,
        }));
        participantsStripped = true;
      } else delete candidate[key];
    }
  }
  return callMetadataSchema.parse({});
}
