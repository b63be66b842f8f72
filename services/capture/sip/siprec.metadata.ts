import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EscuchaError } from '../../platform/errors.ts';
import { badInput } from '../parse-result.ts';
import { parseNameAddr, parseSipUri, phoneNumberOf } from './sip.headers.ts';

/**
 * Recording metadata (RFC 7865, `application/rs-metadata+xml`) → the participants, streams and vendor data a
 * recording needs. Elements are matched by local name, so the default namespace
 * `urn:ietf:params:xml:ns:recording:1`, the drafts' `urn:ietf:params:xml:ns:recording`, a prefixed one
 * (`<tns:recording>`) and un-namespaced documents all work. The older draft form (namespace
 * `urn:ietf:params:xml:ns:siprec`, root `<recording_metadata>`, as BroadWorks and Cisco send it) is read the same
 * way, as are the attribute spellings of the drafts (`id`, `session`, `<aor>`, inline `<send>`/`<recv>`) and AORs
 * without a URI scheme (`2249888500@172.16.198.55`, Sonus and Intrado). Everything outside the standard elements is
 * vendor extension data (Acme/Oracle `apkt:`, Sonus `callData`, BroadWorks, Avaya UCID, ...), flattened into
 * string key/values.
 */

export interface SiprecParticipant {
  id: string;
  /** The AOR as the document writes it (a URI, or `user@host` without a scheme). */
  aor: string | undefined;
  name: string | undefined;
  /** The AOR's user part when it is a phone number. */
  number: string | undefined;
  /** Stream ids this participant sends / receives (RFC 7865 participantstreamassoc). */
  sends: string[];
  receives: string[];
  /** Vendor extension data found inside this participant. */
  extensions: Record<string, string>;
  /**
   * Whether this participant placed the call, when the metadata says (Acme/Oracle `callingParty`, a `role` of
   * `calling`/`called`); undefined otherwise.
   */
  calling: boolean | undefined;
}

export interface SiprecStream {
  id: string;
  /** Matches the SDP `a=label` of the stream (RFC 4574). */
  label: string | undefined;
  sessionId: string | undefined;
}

export interface SiprecSession {
  id: string;
  sipSessionIds: string[];
  groupRef: string | undefined;
  startTime: string | undefined;
  stopTime: string | undefined;
}

export interface RecordingMetadata {
  dataMode: 'complete' | 'partial' | undefined;
  /** Id of the first communication session. */
  sessionId: string | undefined;
  sessions: SiprecSession[];
  groups: Array<{ id: string }>;
  participants: SiprecParticipant[];
  streams: SiprecStream[];
  /** Extension data outside participants (recording, group, session and stream level). */
  extensions: Record<string, string>;
  /** Recognised from extension data named in common ways (`agentId`, `X-Agent-ID`, `agente`, ...). */
  agentId: string | undefined;
  campaign: string | undefined;
  account: string | undefined;
}

export interface MetadataOptions {
  /** Largest document accepted, in bytes (default 256 KiB). */
  maxBytes?: number;
}

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const MAX_DEPTH = 48;
const MAX_EXTENSION_KEYS = 512;
const MAX_VALUE_LENGTH = 2048;

/** Standard elements per parent (lower-cased local names); anything else is extension data. */
const STANDARD: Record<string, Set<string>> = {
  recording: new Set([
    'datamode',
    'group',
    'session',
    'participant',
    'stream',
    'sessionrecordingassoc',
    'participantsessionassoc',
    'participantstreamassoc',
  ]),
  group: new Set(['associate-time', 'disassociate-time']),
  session: new Set([
    'sipsessionid',
    'group-ref',
    'start-time',
    'stop-time',
    'associate-time',
    'disassociate-time',
  ]),
  participant: new Set(['nameid', 'aor', 'name', 'send', 'recv', 'associate-time', 'disassociate-time']),
  stream: new Set(['label', 'mode', 'associate-time', 'disassociate-time']),
};

/** Root elements: RFC 7865's, and the older drafts' (`urn:ietf:params:xml:ns:siprec`). */
const ROOTS = new Set(['recording', 'recording_metadata']);

/** Wrapper names that add nothing to an extension key. */
const WRAPPERS = new Set(['extensiondata', 'extension', 'extensions', 'vendordata', 'vendor']);

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  preserveOrder: true,
  processEntities: true,
});

export function parseRecordingMetadata(
  input: Buffer | string,
  options: MetadataOptions = {},
): RecordingMetadata {
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes)
    throw new EscuchaError('PAYLOAD_TOO_LARGE', `recording metadata over ${maxBytes} bytes`);
  const xml = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw badInput('recording metadata must not declare a DTD or entities');
  if (nestingDepth(xml) > MAX_DEPTH) throw badInput(`recording metadata nested deeper than ${MAX_DEPTH}`);

  let root: XmlNode | undefined;
  try {
    const valid = XMLValidator.validate(xml);
    if (valid !== true)
      throw badInput(`invalid recording metadata XML: ${valid.err.msg} (line ${valid.err.line})`);
    root = toNodes(xmlParser.parse(xml) as unknown[]).find((n) => !n.name.startsWith('?'));
  } catch (error) {
    if (error instanceof EscuchaError) throw error;
    throw badInput('invalid recording metadata XML', { reason: String(error) });
  }
  if (!root || !ROOTS.has(root.name.toLowerCase()))
    throw badInput("recording metadata without <recording> (or the drafts' <recording_metadata>)");
  return interpret(root);
}

/** Element nesting depth from one linear scan; guards the recursive steps against deeply nested input. */
function nestingDepth(xml: string): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    let close = '>';
    if (xml.startsWith('<!--', lt)) close = '-->';
    else if (xml.startsWith('<![CDATA[', lt)) close = ']]>';
    const gt = xml.indexOf(close, lt + 1);
    if (gt < 0) break;
    i = gt + close.length;
    const next = xml[lt + 1];
    if (close !== '>' || next === '?' || next === '!') continue;
    if (next === '/') depth--;
    else if (xml[gt - 1] !== '/') depth++;
    max = Math.max(max, depth);
  }
  return max;
}

function toNodes(items: unknown[]): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === ':@' || key === '#text') continue;
      const attrSource = (record[':@'] ?? {}) as Record<string, unknown>;
      const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [a, v] of Object.entries(attrSource)) {
        if (a === 'xmlns' || a.startsWith('xmlns')) continue;
        attrs[a] = String(v);
      }
      const childItems = Array.isArray(value) ? (value as unknown[]) : [];
      const text = childItems
        .map((c) =>
          typeof c === 'object' && c !== null ? (c as Record<string, unknown>)['#text'] : undefined,
        )
        .filter((t) => t !== undefined)
        .map(String)
        .join('')
        .trim();
      nodes.push({ name: key, attrs, children: toNodes(childItems), text });
    }
  }
  return nodes;
}

const lower = (n: XmlNode): string => n.name.toLowerCase();
const childrenNamed = (n: XmlNode, name: string): XmlNode[] => n.children.filter((c) => lower(c) === name);
const childText = (n: XmlNode, name: string): string | undefined => {
  const text = childrenNamed(n, name)[0]?.text;
  return text === undefined || text === '' ? undefined : text;
};
const attr = (n: XmlNode, ...names: string[]): string | undefined => {
  for (const name of names) {
    const value = n.attrs[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
};

function interpret(root: XmlNode): RecordingMetadata {
  const extensions = new ExtensionBag();
  collectExtensions(root, 'recording', extensions);

  const dataModeText = childText(root, 'datamode')?.toLowerCase();
  const dataMode = dataModeText === 'complete' || dataModeText === 'partial' ? dataModeText : undefined;

  const groups = childrenNamed(root, 'group').map((g) => {
    collectExtensions(g, 'group', extensions);
    return { id: attr(g, 'group_id', 'id') ?? '' };
  });

  const sessions: SiprecSession[] = childrenNamed(root, 'session').map((s) => {
    collectExtensions(s, 'session', extensions);
    return {
      id: attr(s, 'session_id', 'id', 'session') ?? '',
      sipSessionIds: childrenNamed(s, 'sipsessionid')
        .map((c) => c.text)
        .filter((t) => t !== ''),
      groupRef: childText(s, 'group-ref'),
      startTime: childText(s, 'start-time'),
      stopTime: childText(s, 'stop-time'),
    };
  });

  const streams: SiprecStream[] = childrenNamed(root, 'stream').map((s) => {
    collectExtensions(s, 'stream', extensions);
    return {
      id: attr(s, 'stream_id', 'id', 'streamid') ?? '',
      label: childText(s, 'label') ?? attr(s, 'label'),
      sessionId: attr(s, 'session_id', 'session'),
    };
  });

  const participants: SiprecParticipant[] = childrenNamed(root, 'participant').map((p) => {
    const own = new ExtensionBag();
    collectExtensions(p, 'participant', own);
    const nameId = childrenNamed(p, 'nameid')[0];
    const aor = (nameId && attr(nameId, 'aor')) ?? childText(p, 'aor');
    const name = (nameId && childText(nameId, 'name')) ?? childText(p, 'name') ?? attr(p, 'name');
    return {
      id: attr(p, 'participant_id', 'id') ?? '',
      aor,
      name,
      number: numberOfAor(aor),
      sends: childrenNamed(p, 'send').map((c) => c.text),
      receives: childrenNamed(p, 'recv').map((c) => c.text),
      extensions: own.values,
      calling: callingOf(own.values),
    };
  });

  // Sets keep the association step linear however many participants and streams a document lists.
  const byId = new Map<string, { sends: Set<string>; receives: Set<string> }>();
  for (const p of participants) {
    if (!byId.has(p.id)) byId.set(p.id, { sends: new Set(p.sends), receives: new Set(p.receives) });
  }
  for (const assoc of childrenNamed(root, 'participantstreamassoc')) {
    const sets = byId.get(attr(assoc, 'participant_id', 'id') ?? '');
    if (!sets) continue;
    for (const send of childrenNamed(assoc, 'send')) sets.sends.add(send.text);
    for (const recv of childrenNamed(assoc, 'recv')) sets.receives.add(recv.text);
  }
  for (const p of participants) {
    const sets = byId.get(p.id);
    p.sends = [...(sets?.sends ?? [])].filter((s) => s !== '');
    p.receives = [...(sets?.receives ?? [])].filter((s) => s !== '');
  }

  const sources = [extensions.values, ...participants.map((p) => p.extensions)];
  return {
    dataMode,
    sessionId: sessions[0]?.id || undefined,
    sessions,
    groups,
    participants,
    streams,
    extensions: extensions.values,
    agentId: recognise(sources, AGENT_KEYS),
    campaign: recognise(sources, CAMPAIGN_KEYS),
    account: recognise(sources, ACCOUNT_KEYS),
  };
}

/**
 * The AOR as a URI: `user@host` without a scheme (Sonus, Intrado, some SEMS builds) is read as a SIP URI, and a
 * bare number as a `tel:` one (visual separators removed).
 */
export function aorUri(aor: string): string {
  const trimmed = aor.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('<') || trimmed.includes('"'))
    return trimmed;
  if (/^\+?[0-9][0-9\-.() ]*$/.test(trimmed)) return `tel:${trimmed.replace(/[\s\-.()]/g, '')}`;
  return `sip:${trimmed}`;
}

function numberOfAor(aor: string | undefined): string | undefined {
  if (aor === undefined) return undefined;
  try {
    return phoneNumberOf(parseSipUri(parseNameAddr(aorUri(aor)).uri).user);
  } catch {
    return undefined;
  }
}

/** Calling-party markers of participant extension data: `callingParty` (Acme/Oracle), `role` (Intrado, ...). */
function callingOf(extensions: Record<string, string>): boolean | undefined {
  for (const [key, raw] of Object.entries(extensions)) {
    const name = normaliseKey(key.split('.').pop() ?? key);
    const value = raw.trim().toLowerCase();
    if (name === 'callingparty' || name === 'iscaller' || name === 'caller') {
      if (value === 'true') return true;
      if (value === 'false') return false;
    }
    if (name === 'role' || name === 'partyrole' || name === 'direction') {
      if (/^(calling|caller|originator|orig|from|a[-_]?party)$/.test(value)) return true;
      if (/^(called|callee|terminator|term|to|b[-_]?party)$/.test(value)) return false;
    }
  }
  return undefined;
}

class ExtensionBag {
  readonly values: Record<string, string> = Object.create(null) as Record<string, string>;
  private count = 0;

  add(key: string, value: string): void {
    if (this.count >= MAX_EXTENSION_KEYS || key === '') return;
    let unique = key;
    for (let n = 2; unique in this.values; n++) unique = `${key}[${n}]`;
    this.values[unique] = value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
    this.count++;
  }
}

/** Non-standard children of a standard element are extension data; flatten each subtree. */
function collectExtensions(node: XmlNode, kind: keyof typeof STANDARD, bag: ExtensionBag): void {
  const standard = STANDARD[kind] ?? new Set<string>();
  for (const child of node.children) {
    if (!standard.has(lower(child))) flatten(child, [], bag);
  }
}

/**
 * Keys are the dotted path of local names below the extension root, wrappers (`extensiondata`) left out.
 * An element named by an attribute (`<header name="X-Agent-ID">7</header>`, `<entry key="k" value="v"/>`)
 * uses that attribute as its key.
 */
function flatten(node: XmlNode, path: string[], bag: ExtensionBag): void {
  const here = WRAPPERS.has(lower(node)) ? path : [...path, node.name];
  const namedBy = attr(node, 'name', 'label', 'key');
  const valueAttr = attr(node, 'value');
  if (namedBy !== undefined && node.children.length === 0) {
    bag.add(namedBy, node.text !== '' ? node.text : (valueAttr ?? ''));
    return;
  }
  // `<apkt:header label="Call-ID"><value>...</value></apkt:header>` (Acme/Oracle, Avaya SBCE).
  if (namedBy !== undefined && node.children.every((c) => lower(c) === 'value' && c.children.length === 0)) {
    for (const value of node.children) bag.add(namedBy, value.text);
    return;
  }
  const key = here.join('.');
  for (const [name, value] of Object.entries(node.attrs)) {
    if (name === 'lang') continue;
    bag.add(key === '' ? name : `${key}.${name}`, value);
  }
  if (node.children.length === 0) {
    if (node.text !== '' && key !== '') bag.add(key, node.text);
    return;
  }
  for (const child of node.children) flatten(child, here, bag);
}

function normaliseKey(key: string): string {
  return key
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/^x-/, '')
    .replace(/[^a-z0-9]/g, '');
}

const AGENT_KEYS = new Set([
  'agentid',
  'agent',
  'agentlogin',
  'agentloginid',
  'agentcode',
  'agentnumber',
  'agentuser',
  'agentusername',
  'operatorid',
  'operator',
  'agente',
  'idagente',
  'codagente',
  'codigoagente',
  'operador',
  'idoperador',
]);
const CAMPAIGN_KEYS = new Set([
  'campaign',
  'campaignid',
  'campaignname',
  'campaigncode',
  'campana',
  'idcampana',
  'codcampana',
  'nombrecampana',
]);
const ACCOUNT_KEYS = new Set([
  'account',
  'accountid',
  'accountnumber',
  'accountno',
  'acct',
  'acctid',
  'acctnum',
  'customeraccount',
  'cuenta',
  'idcuenta',
  'numerocuenta',
  'nrocuenta',
  'numcuenta',
]);

/** First value whose key (its last path segment, or the whole key) is one of the known names. */
function recognise(sources: Array<Record<string, string>>, names: Set<string>): string | undefined {
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (value === '') continue;
      const base = key.replace(/\[\d+\]$/, '');
      const last = base.split('.').pop() ?? base;
      if (names.has(normaliseKey(last)) || names.has(normaliseKey(base))) return value;
    }
  }
  return undefined;
}
