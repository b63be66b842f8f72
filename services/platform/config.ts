import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { EscuchaError } from './errors.ts';
import { countryCode } from '../../models/country.ts';

/**
 * Escucha's configuration, validated once at start-up into a typed, frozen object. Sources, in increasing
 * precedence: defaults, an optional JSON config file (ESCUCHA_CONFIG or --config), environment variables.
 * Nothing else in the code base reads process.env.
 */

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Whether this runtime knows an IANA time zone name. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const ARCHIVE_FORMATS = ['opus', 'flac', 'wav', 'mp3'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** Whisper's beam width by default (README: the measurements behind it). */
const ASR_BEAM_SIZE_DEFAULT = 1;

const archiveSchema = z
  .object({
    format: z.enum(ARCHIVE_FORMATS).default('opus'),
    /**
     * Total bitrate for lossy formats. Opus speech at 16 kHz stays intelligible down to ~12 kbps for two channels, but
     * speech recognition of a phone call read from 16 kbps (8 per party) made twice the errors of 32 (BENCHMARKS.md).
     */
    bitrateKbps: int(12, 256).default(32),
    /** Speech recognition needs at least 16 kHz. */
    sampleRate: z.coerce
      .number()
      .int()
      .refine((v) => [16000, 22050, 24000, 32000, 44100, 48000].includes(v), {
        message: 'must be one of 16000, 22050, 24000, 32000, 44100, 48000 (ASR needs at least 16 kHz)',
      })
      .default(16000),
    /**
     * Opus encoder effort 0–10: lower is faster. 3 measured as good as 5 on telephone speech at 16 kbps while
     * transcoding ~1.35× faster (see BENCHMARKS.md); raise it when CPU is plentiful.
     */
    opusComplexity: int(0, 10).default(3),
  })
  .superRefine((a, ctx) => {
    if (a.format === 'mp3' && a.bitrateKbps < 32) {
      ctx.addIssue({ code: 'custom', path: ['bitrateKbps'], message: 'mp3 needs at least 32 kbps' });
    }
    if (a.format === 'mp3' && a.sampleRate < 32000 && a.bitrateKbps > 160) {
      ctx.addIssue({
        code: 'custom',
        path: ['bitrateKbps'],
        message:
          'mp3 below 32 kHz is limited to 160 kbps by the encoder; raise the sample rate or lower the bitrate',
      });
    }
  });

const s3Schema = z.object({
  endpoint: z.string().url().optional(),
  bucket: z.string().min(3).default('escucha'),
  region: z.string().default('us-east-1'),
  accessKeyId: z.string().optional(),
  secretAccessKey: z.string().optional(),
  forcePathStyle: bool.default(false),
  /** Server-side encryption requested on every object: none, AES256 (SSE-S3) or aws:kms (SSE-KMS). */
  serverSideEncryption: z.enum(['none', 'AES256', 'aws:kms']).default('none'),
  kmsKeyId: z.string().optional(),
  partSizeMb: int(5, 512).default(8),
  /** Create the bucket at start-up when it does not exist (MinIO, local test servers). */
  createBucket: bool.default(false),
});

const pipelineSchema = z.object({
  /** `escucha serve` also runs the analysis workers in its own process. */
  workersInServe: bool.default(true),
  /** Jobs of each stage run at the same time by one process. */
  concurrency: int(1, 64).default(2),
  /** Retries of a failed job (with exponential backoff) before it is marked failed and dead-lettered. */
  retryLimit: int(0, 20).default(3),
  retryDelaySeconds: int(1, 86_400).default(30),
  /**
   * A job running longer is taken as lost (its worker died) and retried. Keep it above the longest transcription
   * (a 2-hour call with a large model on a small machine can take most of an hour).
   */
  expireInSeconds: int(1, 86_400).default(3600),
  /** How often expired jobs are looked for. */
  maintenanceIntervalSeconds: int(1, 3600).default(60),
  /** How often an idle worker asks for jobs. */
  pollingIntervalSeconds: z.coerce.number().min(0.5).max(60).default(2),
});

/** ISO 639-1 codes, as a list or comma-separated. */
const languageList = z
  .union([z.array(z.string()), z.string()])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((l) => l.trim().toLowerCase()).filter((l) => l !== ''),
  )
  .pipe(
    z
      .array(z.string())
      .min(1, 'name at least one language')
      .refine((codes) => codes.every((l) => /^[a-z]{2}$/.test(l)), 'must be ISO 639-1 codes such as es,en'),
  );

/** Comma-separated list (or array) of trimmed, non-empty strings. */
const stringList = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''));

const cidr = /^(\*|[0-9.]+(\/\d{1,2})?|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;

/** Network capture: SIPREC/SIP server, RTP ports, spool, HEP receiver, live capture. */
const captureSchema = z.object({
  /** `escucha serve` also runs capture (SIP and HEP listeners) in its own process. */
  inServe: bool.default(true),
  /** SIP port (UDP and TCP); 0 disables the SIP server. */
  sipPort: int(0, 65535).default(5060),
  sipHost: z.string().default('0.0.0.0'),
  /** udp, tcp, tls: tls also needs sipTlsCert and sipTlsKey. */
  sipTransports: stringList
    .pipe(z.array(z.enum(['udp', 'tcp', 'tls'])).min(1, 'name udp, tcp, tls or several of them'))
    .default(['udp', 'tcp']),
  /** SIP over TLS (SIPS) port. */
  sipTlsPort: int(1, 65535).default(5061),
  /** PEM certificate (with its chain) and private key of the SIP TLS listener; read and checked at start. */
  sipTlsCert: z.string().optional(),
  sipTlsKey: z.string().optional(),
  /** PEM certificate authorities: when set, SIP TLS clients must present a certificate that chains to one. */
  sipTlsCa: z.string().optional(),
  /** Client certificate subject CN or subjectAltName DNS names allowed (needs sipTlsCa); empty: any the CA signed. */
  sipTlsClientNames: stringList.default([]),
  /** Source addresses allowed to send SIP (CIDR list); others are answered 403. */
  sipAllow: stringList
    .pipe(z.array(z.string().regex(cidr, 'must be CIDR blocks such as 10.0.0.0/8,::1/128')))
    .default(['127.0.0.0/8', '::1/128']),
  /** Address put in SDP answers (default: the address the INVITE was sent to). */
  sipMediaAddress: z.string().optional(),
  /** Accept INVITEs that are not SIPREC recording sessions, recording the offered streams as one call. */
  sipAcceptPlainInvite: bool.default(false),
  /** Header carrying the agent id. */
  sipAgentHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/)
    .default('X-Agent-Id'),
  /** Other headers → metadata fields (`Header=field,...`). */
  sipHeaders: z
    .string()
    .default(
      'X-Agent-Name=agentName,X-Team=team,X-Campaign=campaign,X-Account=customerRef,X-Customer-Ref=customerRef,X-Disposition=disposition,X-Reason=reason,X-Product=product,X-Country=country',
    ),
  /** A party whose SIP user part or number matches this regular expression is the agent. */
  sipAgentPattern: z.string().default('^(?:agent|agente|operador|operator)|^[0-9]{2,6}$'),
  /** Who is the agent when nothing else tells. */
  sipDefaultAgent: z.enum(['caller', 'callee']).default('caller'),
  /** A dialog with no RTP and no SIP for this long is ended. */
  sipMediaTimeoutSeconds: int(5, 86_400).default(300),
  /**
   * RTP streams (port pairs) one source address may hold at once; INVITEs past it are answered 503 with Retry-After.
   * Default: a quarter of the RTP range, at least 16. At least 8, one dialog's most.
   */
  sipMaxStreamsPerSource: int(8, 32_768).optional(),
  /** RTP port range (even ports for RTP, the odd one above for RTCP). */
  rtpPorts: z
    .string()
    .regex(/^\s*\d{4,5}\s*-\s*\d{4,5}\s*$/, 'must be low-high, e.g. 40000-44999')
    .default('40000-44999'),
  /**
   * How RTP ports receive: `batch` (the native recvmmsg receiver built by npm ci, Linux), `dgram` (one Node socket
   * per port), or `auto` (batch when it is built, else dgram, with a warning).
   */
  rtpReceiver: z.enum(['auto', 'batch', 'dgram']).default('auto'),
  /** In-flight calls are spooled here; default <dataDir>/spool. */
  spoolDir: z.string().default(''),
  /** How often the spool is written and fsync'd (ms, at most 1000). */
  spoolFlushMs: int(20, 1000).default(500),
  /** Replace DTMF key presses with silence in stored audio (PCI DSS). */
  dtmfSilence: bool.default(true),
  /** Keep which key was pressed (`stored`) or only when (`masked`, shown as X: card numbers typed on the keypad stay out of the database). */
  dtmfDigits: z.enum(['masked', 'stored']).default('masked'),
  /** HEP v3 receiver port (UDP and TCP); 0 disables it. */
  hepPort: int(0, 65535).default(9060),
  hepHost: z.string().default('0.0.0.0'),
  hepAuthKey: z.string().optional(),
  hepAllow: stringList
    .pipe(z.array(z.string().regex(cidr, 'must be CIDR blocks such as 10.0.0.0/8,::1/128')))
    .default(['127.0.0.0/8', '::1/128']),
  /**
   * Live capture of a SPAN/mirror port by the process that captures (`escucha serve` or `escucha capture`), so the
   * live views see those calls too; `escucha capture --interface` overrides it.
   */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, 'must be a network interface name such as eth1')
    .optional(),
  /** Live capture: capture filter given to tcpdump/dumpcap. */
  liveFilter: z.string().default('udp or tcp port 5060'),
  /** Passively captured dialogs (pcap, HEP, live) idle this long are closed. */
  idleSeconds: int(5, 86_400).default(120),
});

/** SIP over TLS settings that only make sense together. */
function checkSipTls(c: z.infer<typeof captureSchema>, ctx: z.RefinementCtx): void {
  const issue = (key: string, message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['capture', key], message });
  if (c.sipTransports.includes('tls')) {
    if (!c.sipTlsCert) issue('sipTlsCert', 'tls is in ESCUCHA_SIP_TRANSPORTS: name the PEM certificate file');
    if (!c.sipTlsKey) issue('sipTlsKey', 'tls is in ESCUCHA_SIP_TRANSPORTS: name the PEM private key file');
  } else if (c.sipTlsCert || c.sipTlsKey) {
    issue(
      'sipTransports',
      'a SIP TLS certificate or key is set but tls is not in ESCUCHA_SIP_TRANSPORTS (e.g. udp,tcp,tls)',
    );
  }
  if (c.sipTlsClientNames.length > 0 && !c.sipTlsCa) {
    issue(
      'sipTlsCa',
      'ESCUCHA_SIP_TLS_CLIENT_NAMES needs the certificate authorities that sign client certificates',
    );
  }
  if (
    c.sipTransports.includes('tls') &&
    c.sipPort > 0 &&
    c.sipTlsPort === c.sipPort &&
    c.sipTransports.includes('tcp')
  ) {
    issue('sipTlsPort', `the SIP TLS port cannot be the TCP port ${c.sipPort}`);
  }
}

const DISCLOSURE_PROFILE_IDS = ['generic', 'co', 'mx', 'es', 'us'] as const;

/** `key=value,...` (or an object in the config file) → its pairs. */
function keyValuePairs(v: string | Record<string, string | number>): [string, string][] {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => {
          const at = p.lastIndexOf('=');
          return at < 0 ? [p, ''] : [p.slice(0, at).trim(), p.slice(at + 1).trim()];
        })
    : Object.entries(v).map(([k, x]) => [k, String(x)]);
}

/** `campaign=profile,...` (or an object in the config file) → { campaign: profile }. */
const campaignProfiles = z.union([z.record(z.string(), z.string()), z.string()]).transform((v, ctx) => {
  const pairs = keyValuePairs(v);
  const out: Record<string, (typeof DISCLOSURE_PROFILE_IDS)[number]> = Object.create(null);
  for (const [campaign, profile] of pairs) {
    if (campaign === '' || !(DISCLOSURE_PROFILE_IDS as readonly string[]).includes(profile)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${campaign}=${profile}": write campaign=profile, the profile one of ${DISCLOSURE_PROFILE_IDS.join(', ')}`,
      });
      return z.NEVER;
    }
    out[campaign] = profile as (typeof DISCLOSURE_PROFILE_IDS)[number];
  }
  return out;
});

/** `profile=seconds,...` → { profile: ms }: each profile's window from the start of the conversation. */
const profileWindows = z
  .union([z.record(z.string(), z.union([z.string(), z.number()])), z.string()])
  .transform((v, ctx) => {
    const out: Partial<Record<(typeof DISCLOSURE_PROFILE_IDS)[number], number>> = Object.create(null);
    for (const [profile, seconds] of keyValuePairs(v)) {
      const n = Number(seconds);
      if (!(DISCLOSURE_PROFILE_IDS as readonly string[]).includes(profile) || !(n >= 1 && n <= 3600)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${profile}=${seconds}": write profile=seconds (1–3600), the profile one of ${DISCLOSURE_PROFILE_IDS.join(', ')}`,
        });
        return z.NEVER;
      }
      out[profile as (typeof DISCLOSURE_PROFILE_IDS)[number]] = Math.round(n * 1000);
    }
    return out;
  });

/** `region=CC,...` → { region (lower case): ISO 3166-1 alpha-2 country }, as the user configures it. */
const regionCountries = z.union([z.record(z.string(), z.string()), z.string()]).transform((v, ctx) => {
  const out: Record<string, string> = Object.create(null);
  for (const [region, country] of keyValuePairs(v)) {
    const code = countryCode(country);
    if (region === '' || code === null) {
      ctx.addIssue({
        code: 'custom',
        message: `"${region}=${country}": write region=country, the country an ISO 3166-1 alpha-2 code such as CO`,
      });
      return z.NEVER;
    }
    out[region.toLowerCase()] = code;
  }
  return out;
});

const analyticsSchema = z.object({
  /**
   * Disclosure profile of a call whose campaign has none and whose country has none (generic, co, mx, es, us);
   * unset = generic.
   */
  disclosureProfile: z
    .string()
    .trim()
    .transform((v) => (v === '' || v === 'auto' ? null : v))
    .pipe(z.enum(DISCLOSURE_PROFILE_IDS).nullable())
    .default(null),
  /** Disclosure profile per campaign (`campaign=profile,...`), before the call's country and the default. */
  disclosureByCampaign: campaignProfiles.default({}),
  /** Each profile's window in seconds from the start of the conversation (`profile=seconds,...`). */
  disclosureWindows: profileWindows.default({}),
  /** Region → country (`Bogotá=CO,...`) for calls that carry a region but no country; none unless configured. */
  disclosureRegions: regionCountries.default({}),
  /** Share of each agent's calls sent to QA every week, 0–1. */
  qaSampleRate: z.coerce.number().min(0).max(1).default(0.05),
  /** Adherence score (0–100) below which a call goes to the QA queue. */
  adherenceThreshold: z.coerce.number().min(0).max(100).default(70),
  /** Seed of the deterministic QA sample. */
  sampleSeed: z.string().min(1).default('escucha'),
  /**
   * The periodic recording tone (beep) some jurisdictions or carriers use as the recording notice. It is always
   * measured; `profile`: as the call's disclosure profile's law accepts it (us: `alternative`; the others: `off`);
   * or for every profile: `off`: shown only; `alternative`: a tone through the whole call counts as the spoken
   * "this call is recorded"; `required`: every call must have it besides the spoken notices.
   */
  recordingTone: z.enum(['profile', 'off', 'alternative', 'required']).default('profile'),
  recordingToneHz: int(200, 3800).default(1400),
  recordingToneIntervalMs: int(1000, 600_000).default(15_000),
  /**
   * What happens to a call's unredacted transcript and audio once the redacted copies exist: `keep` them (only the
   * roles that may read them do, audited), or `discard` them (unless the call is under legal hold).
   */
  redactionOriginals: z.enum(['keep', 'discard']).default('keep'),
});

/** The promise ledger (services/collections/): when a promise to pay counts as kept. */
const collectionsSchema = z.object({
  /** Days after a promise's due date in which a payment still keeps it. */
  promiseGraceDays: int(0, 90).default(3),
  /** Share of the promised amount (percent) a payment may fall short by and still keep the promise. */
  promiseTolerancePercent: z.coerce.number().min(0).max(50).default(5),
  /** Due date of a promise said without a date: this many days after the call. */
  promiseDefaultDueDays: int(0, 90).default(7),
  /**
   * The IANA time zone whose days, weeks, months and hours of day collections counts in (the ledger's today and
   * windows, the metrics' periods, the best time to call): the deployment's, e.g. America/Bogota.
   */
  timeZone: z
    .string()
    .trim()
    .default('UTC')
    .refine((v) => isTimeZone(v), 'an IANA time zone such as America/Bogota or UTC'),
});

/** Webhook delivery (services/webhooks/): attempts, their backoff, and the time a receiver has to answer. */
const webhooksSchema = z.object({
  /** Attempts of each delivery, the first included, before it is dead (a dead letter). */
  attempts: int(1, 30).default(8),
  /** Wait after the first failed attempt; it doubles after each further one (jittered), up to retryMaxMs. */
  retryBaseMs: int(1, 86_400_000).default(30_000),
  retryMaxMs: int(1, 604_800_000).default(6 * 3_600_000),
  /** How long a receiver has to answer an attempt. */
  timeoutMs: int(100, 120_000).default(10_000),
  /** Deliveries one process sends at a time. */
  concurrency: int(1, 64).default(4),
});

/** The live transcript and real-time alerts of calls in progress (services/live/), in the process that captures. */
const liveSchema = z.object({
  /** `auto`: on when capture runs in serve and the call language's model is installed; `on` says so when it is not. */
  transcript: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Utterances recognised at the same time (each takes a recogniser worker thread while it runs). */
  maxRecognitions: int(1, 64).default(1),
  /**
   * Calls given a live transcript at once: a call that starts while this many have one gets none (it is transcribed
   * after it ends, as any call), so speech detection and capture's decoding never grow with the call count. Default:
   * two per core, what two cores kept up with (`npm run bench -- live`, whisper-base: 4 calls kept up, 8 fell behind).
   */
  maxCalls: int(1, 10_000).default(() => 2 * os.availableParallelism()),
  /** Speech waiting for recognition, in seconds of audio over every call; past it a call's live transcript is left
   * incomplete (the post-call pipeline then transcribes the call whole). */
  queueSeconds: int(10, 86_400).default(1800),
});

const configSchema = z
  .object({
    dataDir: z.string().default('./var'),
    host: z.string().default('127.0.0.1'),
    port: int(0, 65535).default(8080),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    databaseUrl: z.string().optional(),
    /** Port of the embedded PostgreSQL; 0 picks a free one and records it in the data dir. */
    embeddedPgPort: int(0, 65535).default(0),
    storage: z.enum(['fs', 's3']).default('fs'),
    storageDir: z.string().optional(),
    tmpDir: z.string().optional(),
    s3: s3Schema.default(s3Schema.parse({})),
    /**
     * Envelope encryption at rest: the JSON file of master keys (`escucha archive key add` creates it). Set, every
     * object stored is encrypted (AES-256-GCM, a data key per object wrapped by the current master key).
     */
    encryptionKeyFile: z.string().optional(),
    archive: archiveSchema.default(archiveSchema.parse({})),
    uploadMaxMb: int(1, 100_000).default(2048),
    /** Web sessions and sign-in. */
    auth: z
      .object({
        /** `auto`: Secure cookies when the request arrived over HTTPS (directly or through a trusted proxy). */
        cookieSecure: z.enum(['auto', 'true', 'false']).default('auto'),
        sessionIdleMinutes: int(1, 7 * 24 * 60).default(60),
        sessionMaxHours: int(1, 24 * 30).default(12),
        /** Failed sign-ins in a row that lock an account, and for how long. */
        maxFailedLogins: int(1, 100).default(5),
        lockoutMinutes: int(1, 24 * 60).default(15),
        /** Failed sign-ins from one client address (any accounts) within the window before it gets 429 for a while. */
        maxFailedLoginsPerAddress: int(1, 10_000).default(20),
        addressWindowMinutes: int(1, 24 * 60).default(15),
        /**
         * Failed sign-ins of one account from clients without its device cookie (any addresses) before those clients
         * wait, doubling with each further one; forgotten after the window without one.
         */
        maxFailedLoginsPerAccount: int(1, 10_000).default(10),
        accountWindowMinutes: int(1, 24 * 60).default(15),
        /**
         * Express `trust proxy`: which proxies may set X-Forwarded-For/Proto (e.g. `loopback`, `10.0.0.0/8`); none by
         * default, so no client can put another address in the audit trail or around the per-address throttle.
         */
        trustProxy: z.string().default(''),
      })
      .default({
        cookieSecure: 'auto',
        sessionIdleMinutes: 60,
        sessionMaxHours: 12,
        maxFailedLogins: 5,
        lockoutMinutes: 15,
        maxFailedLoginsPerAddress: 20,
        addressWindowMinutes: 15,
        maxFailedLoginsPerAccount: 10,
        accountWindowMinutes: 15,
        trustProxy: '',
      }),
    /** `escucha serve` applies retention policies once a day. */
    retentionDaily: bool.default(true),
    /** Number of recordings transcoded at the same time by this process; default one per core. */
    ingestConcurrency: int(0, 64).default(0),
    /** Speech models (`escucha models fetch`); default <dataDir>/models. */
    modelsDir: z.string().optional(),
    /** ASR model: one name for every language, or per language `es=nemo-ctc-es,en=zipformer-en`; unset = the first installed model that speaks the call's language. */
    asrModel: z
      .string()
      .trim()
      .regex(
        /^$|^[a-z0-9][a-z0-9.-]*$|^([a-z]{2}=[a-z0-9][a-z0-9.-]*)(,\s*[a-z]{2}=[a-z0-9][a-z0-9.-]*)*$/,
        'must be a model name, or language=model pairs such as es=nemo-ctc-es,en=zipformer-en',
      )
      .optional(),
    /** Speech-recogniser worker threads per loaded model; 0 = one per core. */
    asrWorkers: int(0, 256).default(0),
    /**
     * The CPUs speech recognition and the live transcript's speech detection are kept to, as taskset reads a list
     * (`1`, `2-3`, `0,2-3`), so that capture's core is never theirs (start capture itself on the others, e.g.
     * `taskset -c 0 escucha serve`); unset: every CPU. Linux only.
     */
    recognitionCpus: z
      .string()
      .trim()
      .regex(/^$|^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'must be a CPU list such as 1, 2-3 or 0,2-3')
      .transform((v) => (v === '' ? null : v))
      .nullable()
      .default(null),
    /** Whisper beam search width; 1 decodes greedily (faster, less accurate). */
    asrBeamSize: int(1, 8).default(ASR_BEAM_SIZE_DEFAULT),
    /** Languages calls are identified among (the first is the default). */
    languages: languageList.default(['es', 'en']),
    /** Language guesses below this confidence are flagged low-confidence. */
    languageLowConfidence: z.coerce.number().min(0).max(1).default(0.65),
    pipeline: pipelineSchema.default(pipelineSchema.parse({})),
    capture: captureSchema.default(captureSchema.parse({})),
    analytics: analyticsSchema.default(analyticsSchema.parse({})),
    collections: collectionsSchema.default(collectionsSchema.parse({})),
    webhooks: webhooksSchema.default(webhooksSchema.parse({})),
    live: liveSchema.default(liveSchema.parse({})),
  })
  .superRefine((c, ctx) => {
    checkSipTls(c.capture, ctx);
    if (c.storage === 's3' && c.s3.serverSideEncryption === 'aws:kms' && !c.s3.kmsKeyId) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3', 'kmsKeyId'],
        message: 'aws:kms encryption needs a KMS key id',
      });
    }
    if (Boolean(c.s3.accessKeyId) !== Boolean(c.s3.secretAccessKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3', 'secretAccessKey'],
        message:
          'set both access key id and secret access key, or neither (to use the default AWS credential chain)',
      });
    }
  });

type ParsedConfig = z.infer<typeof configSchema>;

export interface Config extends Omit<
  ParsedConfig,
  'dataDir' | 'storageDir' | 'tmpDir' | 'modelsDir' | 'encryptionKeyFile'
> {
  /** Absolute paths. */
  readonly dataDir: string;
  readonly encryptionKeyFile: string | undefined;
  readonly storageDir: string;
  readonly tmpDir: string;
  readonly embeddedPgDir: string;
  readonly modelsDir: string;
}

/** Environment variable → config path. */
export const ENV_MAP: Record<string, string> = {
  ESCUCHA_DATA_DIR: 'dataDir',
  ESCUCHA_HOST: 'host',
  ESCUCHA_PORT: 'port',
  ESCUCHA_LOG_LEVEL: 'logLevel',
  DATABASE_URL: 'databaseUrl',
  ESCUCHA_EMBEDDED_PG_PORT: 'embeddedPgPort',
  ESCUCHA_STORAGE: 'storage',
  ESCUCHA_STORAGE_DIR: 'storageDir',
  ESCUCHA_TMP_DIR: 'tmpDir',
  ESCUCHA_S3_ENDPOINT: 's3.endpoint',
  ESCUCHA_S3_BUCKET: 's3.bucket',
  ESCUCHA_S3_REGION: 's3.region',
  ESCUCHA_S3_ACCESS_KEY_ID: 's3.accessKeyId',
  ESCUCHA_S3_SECRET_ACCESS_KEY: 's3.secretAccessKey',
  ESCUCHA_S3_FORCE_PATH_STYLE: 's3.forcePathStyle',
  ESCUCHA_S3_SSE: 's3.serverSideEncryption',
  ESCUCHA_S3_KMS_KEY_ID: 's3.kmsKeyId',
  ESCUCHA_S3_PART_SIZE_MB: 's3.partSizeMb',
  ESCUCHA_S3_CREATE_BUCKET: 's3.createBucket',
  ESCUCHA_ENCRYPTION_KEY_FILE: 'encryptionKeyFile',
  ESCUCHA_ARCHIVE_FORMAT: 'archive.format',
  ESCUCHA_ARCHIVE_BITRATE_KBPS: 'archive.bitrateKbps',
  ESCUCHA_ARCHIVE_SAMPLE_RATE: 'archive.sampleRate',
  ESCUCHA_ARCHIVE_OPUS_COMPLEXITY: 'archive.opusComplexity',
  ESCUCHA_UPLOAD_MAX_MB: 'uploadMaxMb',
  ESCUCHA_COOKIE_SECURE: 'auth.cookieSecure',
  ESCUCHA_SESSION_IDLE_MINUTES: 'auth.sessionIdleMinutes',
  ESCUCHA_SESSION_MAX_HOURS: 'auth.sessionMaxHours',
  ESCUCHA_MAX_FAILED_LOGINS: 'auth.maxFailedLogins',
  ESCUCHA_LOCKOUT_MINUTES: 'auth.lockoutMinutes',
  ESCUCHA_MAX_FAILED_LOGINS_PER_ADDRESS: 'auth.maxFailedLoginsPerAddress',
  ESCUCHA_LOGIN_ADDRESS_WINDOW_MINUTES: 'auth.addressWindowMinutes',
  ESCUCHA_MAX_FAILED_LOGINS_PER_ACCOUNT: 'auth.maxFailedLoginsPerAccount',
  ESCUCHA_LOGIN_ACCOUNT_WINDOW_MINUTES: 'auth.accountWindowMinutes',
  ESCUCHA_TRUST_PROXY: 'auth.trustProxy',
  ESCUCHA_RETENTION_DAILY: 'retentionDaily',
  ESCUCHA_INGEST_CONCURRENCY: 'ingestConcurrency',
  ESCUCHA_MODELS_DIR: 'modelsDir',
  ESCUCHA_ASR_MODEL: 'asrModel',
  ESCUCHA_ASR_WORKERS: 'asrWorkers',
  ESCUCHA_ASR_BEAM_SIZE: 'asrBeamSize',
  ESCUCHA_RECOGNITION_CPUS: 'recognitionCpus',
  ESCUCHA_LANGUAGES: 'languages',
  ESCUCHA_LANGUAGE_LOW_CONFIDENCE: 'languageLowConfidence',
  ESCUCHA_WORKERS_IN_SERVE: 'pipeline.workersInServe',
  ESCUCHA_WORKER_CONCURRENCY: 'pipeline.concurrency',
  ESCUCHA_JOB_RETRY_LIMIT: 'pipeline.retryLimit',
  ESCUCHA_JOB_RETRY_DELAY_SECONDS: 'pipeline.retryDelaySeconds',
  ESCUCHA_JOB_EXPIRE_SECONDS: 'pipeline.expireInSeconds',
  ESCUCHA_JOB_MAINTENANCE_SECONDS: 'pipeline.maintenanceIntervalSeconds',
  ESCUCHA_JOB_POLLING_SECONDS: 'pipeline.pollingIntervalSeconds',
  ESCUCHA_CAPTURE_IN_SERVE: 'capture.inServe',
  ESCUCHA_SIP_PORT: 'capture.sipPort',
  ESCUCHA_SIP_HOST: 'capture.sipHost',
  ESCUCHA_SIP_TRANSPORTS: 'capture.sipTransports',
  ESCUCHA_SIP_ALLOW: 'capture.sipAllow',
  ESCUCHA_SIP_TLS_PORT: 'capture.sipTlsPort',
  ESCUCHA_SIP_TLS_CERT: 'capture.sipTlsCert',
  ESCUCHA_SIP_TLS_KEY: 'capture.sipTlsKey',
  ESCUCHA_SIP_TLS_CA: 'capture.sipTlsCa',
  ESCUCHA_SIP_TLS_CLIENT_NAMES: 'capture.sipTlsClientNames',
  ESCUCHA_SIP_MEDIA_ADDRESS: 'capture.sipMediaAddress',
  ESCUCHA_SIP_ACCEPT_PLAIN_INVITE: 'capture.sipAcceptPlainInvite',
  ESCUCHA_SIP_AGENT_HEADER: 'capture.sipAgentHeader',
  ESCUCHA_SIP_HEADERS: 'capture.sipHeaders',
  ESCUCHA_SIP_AGENT_PATTERN: 'capture.sipAgentPattern',
  ESCUCHA_SIP_DEFAULT_AGENT: 'capture.sipDefaultAgent',
  ESCUCHA_SIP_MEDIA_TIMEOUT_SECONDS: 'capture.sipMediaTimeoutSeconds',
  ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE: 'capture.sipMaxStreamsPerSource',
  ESCUCHA_RTP_PORTS: 'capture.rtpPorts',
  ESCUCHA_RTP_RECEIVER: 'capture.rtpReceiver',
  ESCUCHA_SPOOL_DIR: 'capture.spoolDir',
  ESCUCHA_SPOOL_FLUSH_MS: 'capture.spoolFlushMs',
  ESCUCHA_DTMF_SILENCE: 'capture.dtmfSilence',
  ESCUCHA_DTMF_DIGITS: 'capture.dtmfDigits',
  ESCUCHA_HEP_PORT: 'capture.hepPort',
  ESCUCHA_HEP_HOST: 'capture.hepHost',
  ESCUCHA_HEP_AUTH_KEY: 'capture.hepAuthKey',
  ESCUCHA_HEP_ALLOW: 'capture.hepAllow',
  ESCUCHA_CAPTURE_INTERFACE: 'capture.interface',
  ESCUCHA_CAPTURE_FILTER: 'capture.liveFilter',
  ESCUCHA_CAPTURE_IDLE_SECONDS: 'capture.idleSeconds',
  ESCUCHA_DISCLOSURE_PROFILE: 'analytics.disclosureProfile',
  ESCUCHA_DISCLOSURE_CAMPAIGNS: 'analytics.disclosureByCampaign',
  ESCUCHA_DISCLOSURE_WINDOWS: 'analytics.disclosureWindows',
  ESCUCHA_DISCLOSURE_REGIONS: 'analytics.disclosureRegions',
  ESCUCHA_QA_SAMPLE_RATE: 'analytics.qaSampleRate',
  ESCUCHA_ADHERENCE_THRESHOLD: 'analytics.adherenceThreshold',
  ESCUCHA_QA_SAMPLE_SEED: 'analytics.sampleSeed',
  ESCUCHA_RECORDING_TONE: 'analytics.recordingTone',
  ESCUCHA_REDACTION_ORIGINALS: 'analytics.redactionOriginals',
  ESCUCHA_RECORDING_TONE_HZ: 'analytics.recordingToneHz',
  ESCUCHA_RECORDING_TONE_INTERVAL_MS: 'analytics.recordingToneIntervalMs',
  ESCUCHA_PROMISE_GRACE_DAYS: 'collections.promiseGraceDays',
  ESCUCHA_PROMISE_TOLERANCE_PERCENT: 'collections.promiseTolerancePercent',
  ESCUCHA_PROMISE_DEFAULT_DUE_DAYS: 'collections.promiseDefaultDueDays',
  ESCUCHA_WEBHOOK_ATTEMPTS: 'webhooks.attempts',
  ESCUCHA_WEBHOOK_RETRY_BASE_MS: 'webhooks.retryBaseMs',
  ESCUCHA_WEBHOOK_RETRY_MAX_MS: 'webhooks.retryMaxMs',
  ESCUCHA_WEBHOOK_TIMEOUT_MS: 'webhooks.timeoutMs',
  ESCUCHA_WEBHOOK_CONCURRENCY: 'webhooks.concurrency',
  ESCUCHA_TIME_ZONE: 'collections.timeZone',
  ESCUCHA_LIVE_TRANSCRIPT: 'live.transcript',
  ESCUCHA_LIVE_MAX_RECOGNITIONS: 'live.maxRecognitions',
  ESCUCHA_LIVE_MAX_CALLS: 'live.maxCalls',
  ESCUCHA_LIVE_QUEUE_SECONDS: 'live.queueSeconds',
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file; defaults to env ESCUCHA_CONFIG. */
  file?: string;
  /** Programmatic overrides (tests, CLI flags); highest precedence. */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let raw: Record<string, unknown> = {};
  const file = options.file ?? env.ESCUCHA_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `cannot read config file ${file}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, dotted] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(fromEnv, dotted, value);
  }
  raw = deepMerge(deepMerge(raw, fromEnv), options.overrides ?? {});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const envName = Object.entries(ENV_MAP).find(([, p]) => p === key || key.startsWith(`${p}.`))?.[0];
      return `${envName ?? key}: ${i.message}`;
    });
    throw new EscuchaError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  const c = parsed.data;
  const dataDir = path.resolve(cwd, c.dataDir);
  const config: Config = {
    ...c,
    dataDir,
    storageDir: path.resolve(cwd, c.storageDir ?? path.join(dataDir, 'objects')),
    tmpDir: path.resolve(cwd, c.tmpDir ?? path.join(dataDir, 'tmp')),
    encryptionKeyFile: c.encryptionKeyFile ? path.resolve(cwd, c.encryptionKeyFile) : undefined,
    embeddedPgDir: path.join(dataDir, 'postgres'),
    modelsDir: path.resolve(cwd, c.modelsDir ?? path.join(dataDir, 'models')),
    capture: {
      ...c.capture,
      spoolDir: path.resolve(cwd, c.capture.spoolDir || path.join(dataDir, 'spool')),
      ...(c.capture.sipTlsCert ? { sipTlsCert: path.resolve(cwd, c.capture.sipTlsCert) } : {}),
      ...(c.capture.sipTlsKey ? { sipTlsKey: path.resolve(cwd, c.capture.sipTlsKey) } : {}),
      ...(c.capture.sipTlsCa ? { sipTlsCa: path.resolve(cwd, c.capture.sipTlsCa) } : {}),
    },
  };
  return deepFreeze(config);
}
