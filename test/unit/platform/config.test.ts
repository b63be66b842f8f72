import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCLOSURE_PROFILE_IDS, RECORDING_TONE_MODES } from '../../../services/analytics/index.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { EscuchaError } from '../../../services/platform/errors.ts';

describe(loadConfig.name, () => {
  it('gives defaults that need nothing installed', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(config.dataDir).toBe('/srv/app/var');
    expect(config.storage).toBe('fs');
    expect(config.storageDir).toBe('/srv/app/var/objects');
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.archive).toEqual({ format: 'opus', bitrateKbps: 32, sampleRate: 16000, opusComplexity: 3 });
  });

  it('reads ESCUCHA_* variables and DATABASE_URL', () => {
    const config = loadConfig({
      env: {
        ESCUCHA_DATA_DIR: '/data',
        ESCUCHA_PORT: '9090',
        DATABASE_URL: 'postgres://u:p@db/escucha',
        ESCUCHA_STORAGE: 's3',
        ESCUCHA_S3_BUCKET: 'calls',
        ESCUCHA_S3_FORCE_PATH_STYLE: 'true',
        ESCUCHA_S3_ENDPOINT: 'http://127.0.0.1:9000',
        ESCUCHA_ARCHIVE_FORMAT: 'mp3',
        ESCUCHA_ARCHIVE_BITRATE_KBPS: '64',
      },
    });
    expect(config.dataDir).toBe('/data');
    expect(config.port).toBe(9090);
    expect(config.databaseUrl).toBe('postgres://u:p@db/escucha');
    expect(config.s3.bucket).toBe('calls');
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.archive.format).toBe('mp3');
    expect(config.archive.bitrateKbps).toBe(64);
    expect(config.tmpDir).toBe(path.join('/data', 'tmp'));
  });

  it('is frozen', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.archive)).toBe(true);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ env: { ESCUCHA_PORT: 'eighty' } })).toThrow(/ESCUCHA_PORT/);
    expect(() => loadConfig({ env: { ESCUCHA_ARCHIVE_SAMPLE_RATE: '8000' } })).toThrow(
      /ASR needs at least 16 kHz/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_ARCHIVE_BITRATE_KBPS: '999' } })).toThrow(EscuchaError);
    expect(() => loadConfig({ env: { ESCUCHA_STORAGE: 'ftp' } })).toThrow(/ESCUCHA_STORAGE/);
    expect(() => loadConfig({ env: { ESCUCHA_RECORDING_TONE: 'sometimes' } })).toThrow(
      /ESCUCHA_RECORDING_TONE/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_RECORDING_TONE_HZ: '8000' } })).toThrow(
      /ESCUCHA_RECORDING_TONE_HZ/,
    );
  });

  it('reads the per-source RTP stream cap, at least one dialog (8 streams)', () => {
    expect(loadConfig({ env: {} }).capture.sipMaxStreamsPerSource).toBeUndefined();
    expect(
      loadConfig({ env: { ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE: '200' } }).capture.sipMaxStreamsPerSource,
    ).toBe(200);
    expect(() => loadConfig({ env: { ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE: '4' } })).toThrow(
      /ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE/,
    );
  });

  it('reads the interface the capturing process captures live, a name and nothing else', () => {
    expect(loadConfig({ env: {} }).capture.interface).toBeUndefined();
    expect(loadConfig({ env: { ESCUCHA_CAPTURE_INTERFACE: 'eth1' } }).capture.interface).toBe('eth1');
    expect(loadConfig({ env: { ESCUCHA_CAPTURE_INTERFACE: 'bond0.120' } }).capture.interface).toBe(
      'bond0.120',
    );
    expect(() => loadConfig({ env: { ESCUCHA_CAPTURE_INTERFACE: 'eth1 -w /tmp/x' } })).toThrow(
      /ESCUCHA_CAPTURE_INTERFACE: must be a network interface name/,
    );
  });

  it('reads the CPUs recognition is kept to, as a CPU list and nothing else', () => {
    expect(loadConfig({ env: {} }).recognitionCpus).toBeNull();
    expect(loadConfig({ env: { ESCUCHA_RECOGNITION_CPUS: '1' } }).recognitionCpus).toBe('1');
    expect(loadConfig({ env: { ESCUCHA_RECOGNITION_CPUS: ' 0,2-3 ' } }).recognitionCpus).toBe('0,2-3');
    expect(loadConfig({ env: { ESCUCHA_RECOGNITION_CPUS: '' } }).recognitionCpus).toBeNull();
    expect(() => loadConfig({ env: { ESCUCHA_RECOGNITION_CPUS: '1; rm -rf /' } })).toThrow(
      /ESCUCHA_RECOGNITION_CPUS: must be a CPU list/,
    );
  });

  it('reads SIP over TLS: port 5061 by default, files resolved, settings that need each other named', () => {
    expect(loadConfig({ env: {} }).capture.sipTlsPort).toBe(5061);
    const tls = loadConfig({
      cwd: '/srv/app',
      env: {
        ESCUCHA_SIP_TRANSPORTS: 'udp,tcp,tls',
        ESCUCHA_SIP_TLS_PORT: '5071',
        ESCUCHA_SIP_TLS_CERT: 'tls/sip.pem',
        ESCUCHA_SIP_TLS_KEY: '/etc/escucha/sip.key',
        ESCUCHA_SIP_TLS_CA: 'tls/sbc-ca.pem',
        ESCUCHA_SIP_TLS_CLIENT_NAMES: 'sbc1.example.net, SBC2.example.net',
      },
    }).capture;
    expect(tls).toMatchObject({
      sipTransports: ['udp', 'tcp', 'tls'],
      sipTlsPort: 5071,
      sipTlsCert: '/srv/app/tls/sip.pem',
      sipTlsKey: '/etc/escucha/sip.key',
      sipTlsCa: '/srv/app/tls/sbc-ca.pem',
      sipTlsClientNames: ['sbc1.example.net', 'SBC2.example.net'],
    });
    expect(() => loadConfig({ env: { ESCUCHA_SIP_TRANSPORTS: 'tls' } })).toThrow(
      /ESCUCHA_SIP_TLS_CERT: .*ESCUCHA_SIP_TLS_KEY: /,
    );
    expect(() =>
      loadConfig({ env: { ESCUCHA_SIP_TLS_CERT: 'a.pem', ESCUCHA_SIP_TLS_KEY: 'a.key' } }),
    ).toThrow(/ESCUCHA_SIP_TRANSPORTS: .*tls is not in/);
    expect(() =>
      loadConfig({
        env: {
          ESCUCHA_SIP_TRANSPORTS: 'tls',
          ESCUCHA_SIP_TLS_CERT: 'a.pem',
          ESCUCHA_SIP_TLS_KEY: 'a.key',
          ESCUCHA_SIP_TLS_CLIENT_NAMES: 'sbc1',
        },
      }),
    ).toThrow(/ESCUCHA_SIP_TLS_CA/);
    expect(() => loadConfig({ env: { ESCUCHA_SIP_TRANSPORTS: 'udp,sctp' } })).toThrow(
      /ESCUCHA_SIP_TRANSPORTS/,
    );
  });

  it('reads the per-account sign-in limit for clients without a device cookie', () => {
    expect(loadConfig({ env: {} }).auth).toMatchObject({
      maxFailedLoginsPerAccount: 10,
      accountWindowMinutes: 15,
    });
    expect(
      loadConfig({
        env: { ESCUCHA_MAX_FAILED_LOGINS_PER_ACCOUNT: '25', ESCUCHA_LOGIN_ACCOUNT_WINDOW_MINUTES: '60' },
      }).auth,
    ).toMatchObject({ maxFailedLoginsPerAccount: 25, accountWindowMinutes: 60 });
    expect(() => loadConfig({ env: { ESCUCHA_MAX_FAILED_LOGINS_PER_ACCOUNT: '0' } })).toThrow(
      /ESCUCHA_MAX_FAILED_LOGINS_PER_ACCOUNT/,
    );
  });

  it('reads disclosure profiles per campaign and names a wrong one', () => {
    expect(
      loadConfig({ env: { ESCUCHA_DISCLOSURE_CAMPAIGNS: 'mora-us=us, cartera-co=co' } }).analytics
        .disclosureByCampaign,
    ).toEqual({ 'mora-us': 'us', 'cartera-co': 'co' });
    expect(loadConfig({ env: {} }).analytics.disclosureByCampaign).toEqual({});
    expect(() => loadConfig({ env: { ESCUCHA_DISCLOSURE_CAMPAIGNS: 'mora-us=fr' } })).toThrow(
      /ESCUCHA_DISCLOSURE_CAMPAIGNS[\s\S]*mora-us=fr/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_DISCLOSURE_CAMPAIGNS: 'mora-us' } })).toThrow(
      /ESCUCHA_DISCLOSURE_CAMPAIGNS/,
    );
  });

  it("reads the recording-tone settings, as each profile's law says at 1400 Hz every 15 s by default", () => {
    expect(loadConfig({ env: {} }).analytics).toMatchObject({
      recordingTone: 'profile',
      redactionOriginals: 'keep',
      recordingToneHz: 1400,
      recordingToneIntervalMs: 15_000,
    });
    expect(
      loadConfig({
        env: {
          ESCUCHA_RECORDING_TONE: 'required',
          ESCUCHA_RECORDING_TONE_HZ: '1000',
          ESCUCHA_RECORDING_TONE_INTERVAL_MS: '12000',
        },
      }).analytics,
    ).toMatchObject({ recordingTone: 'required', recordingToneHz: 1000, recordingToneIntervalMs: 12_000 });
  });

  it('lets environment variables win over the config file', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/escucha-config-');
    const file = path.join(dir, 'escucha.json');
    await writeFile(file, JSON.stringify({ port: 7000, host: '0.0.0.0', archive: { format: 'flac' } }));
    const config = loadConfig({ env: { ESCUCHA_CONFIG: file, ESCUCHA_PORT: '7001' } });
    expect(config.port).toBe(7001);
    expect(config.host).toBe('0.0.0.0');
    expect(config.archive.format).toBe('flac');
    expect(config.archive.bitrateKbps).toBe(32);
  });

  it('takes every disclosure profile and recording-tone mode the analytics define', () => {
    for (const profile of DISCLOSURE_PROFILE_IDS) {
      expect(loadConfig({ env: { ESCUCHA_DISCLOSURE_PROFILE: profile } }).analytics.disclosureProfile).toBe(
        profile,
      );
      expect(
        loadConfig({ env: { ESCUCHA_DISCLOSURE_CAMPAIGNS: `c=${profile}` } }).analytics.disclosureByCampaign,
      ).toEqual({ c: profile });
    }
    for (const mode of RECORDING_TONE_MODES) {
      expect(loadConfig({ env: { ESCUCHA_RECORDING_TONE: mode } }).analytics.recordingTone).toBe(mode);
    }
  });

  it("reads each profile's window in seconds and the user's region → country table", () => {
    const analytics = loadConfig({
      env: {
        ESCUCHA_DISCLOSURE_WINDOWS: 'co=45, us=90',
        ESCUCHA_DISCLOSURE_REGIONS: 'Bogotá=co,Ciudad de México=MX',
      },
    }).analytics;
    expect(analytics.disclosureWindows).toEqual({ co: 45_000, us: 90_000 });
    expect(analytics.disclosureRegions).toEqual({ bogotá: 'CO', 'ciudad de méxico': 'MX' });
    expect(loadConfig({ env: {} }).analytics).toMatchObject({ disclosureWindows: {}, disclosureRegions: {} });
    expect(() => loadConfig({ env: { ESCUCHA_DISCLOSURE_WINDOWS: 'pe=30' } })).toThrow(
      /ESCUCHA_DISCLOSURE_WINDOWS/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_DISCLOSURE_WINDOWS: 'co=0' } })).toThrow(
      /ESCUCHA_DISCLOSURE_WINDOWS/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_DISCLOSURE_REGIONS: 'Atlantis=XX' } })).toThrow(
      /ESCUCHA_DISCLOSURE_REGIONS/,
    );
  });
});
