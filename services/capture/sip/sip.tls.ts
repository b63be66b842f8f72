import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { EscuchaError, errorMessage } from '../../platform/errors.ts';

/**
 * SIP over TLS (SIPS): the server's certificate and key, and the optional client-certificate check, read and
 * checked once when the listener starts, so a missing, unreadable or mismatched file stops start-up with
 * CONFIG_INVALID naming the file instead of failing the first SBC that connects.
 */

export interface SipTlsFiles {
  /** Listening port (0: any free port). */
  port: number;
  /** PEM certificate (chain) of the server. */
  cert: string;
  /** PEM private key of the server. */
  key: string;
  /** PEM certificate authorities that client certificates must chain to; unset: no client certificate asked for. */
  ca?: string;
  /** Subject CN / subjectAltName DNS names a client certificate must carry one of (needs `ca`); empty: any. */
  clientNames?: readonly string[];
}

export interface SipTlsCredentials {
  /** Options for `tls.createServer`: certificate, key, CA, TLS 1.2 at least. */
  server: SecureContextOptions & { requestCert: boolean; rejectUnauthorized: false };
  clientCertificates: boolean;
  clientNames: readonly string[];
  /** The server certificate's subject and expiry, for the start-up log. */
  subject: string;
  validTo: string;
}

export const MIN_TLS_VERSION = 'TLSv1.2';

function readPem(file: string, variable: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new EscuchaError(
      'CONFIG_INVALID',
      `${variable}: cannot read the ${what} ${file}: ${errorMessage(error)}`,
    );
  }
  if (!data.includes('-----BEGIN ')) {
    throw new EscuchaError(
      'CONFIG_INVALID',
      `${variable}: ${file} is not a PEM file (the ${what} is expected)`,
    );
  }
  return data;
}

export function loadSipTlsCredentials(files: SipTlsFiles): SipTlsCredentials {
  const cert = readPem(files.cert, 'ESCUCHA_SIP_TLS_CERT', 'certificate');
  const key = readPem(files.key, 'ESCUCHA_SIP_TLS_KEY', 'private key');
  const ca = files.ca ? readPem(files.ca, 'ESCUCHA_SIP_TLS_CA', 'certificate authority') : undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new EscuchaError(
      'CONFIG_INVALID',
      `ESCUCHA_SIP_TLS_CERT: ${files.cert} holds no readable certificate: ${errorMessage(error)}`,
    );
  }
  if (ca) {
    try {
      new X509Certificate(ca);
    } catch (error) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `ESCUCHA_SIP_TLS_CA: ${files.ca} holds no readable certificate: ${errorMessage(error)}`,
      );
    }
  }
  const server: SipTlsCredentials['server'] = {
    cert,
    key,
    minVersion: MIN_TLS_VERSION,
    requestCert: ca !== undefined,
    // Checked after the handshake (sip.transport.ts), so that every refusal is counted and logged alike.
    rejectUnauthorized: false,
    ...(ca ? { ca } : {}),
  };
  try {
    createSecureContext(server);
  } catch (error) {
    const message = errorMessage(error);
    const which = /key values mismatch/i.test(message)
      ? `the private key ${files.key} (ESCUCHA_SIP_TLS_KEY) does not belong to the certificate ${files.cert} (ESCUCHA_SIP_TLS_CERT)`
      : `cannot use the certificate ${files.cert} (ESCUCHA_SIP_TLS_CERT) with the key ${files.key} (ESCUCHA_SIP_TLS_KEY)${
          files.ca ? ` and the authorities ${files.ca} (ESCUCHA_SIP_TLS_CA)` : ''
        }`;
    throw new EscuchaError('CONFIG_INVALID', `SIP over TLS: ${which}: ${message}`);
  }
  return {
    server,
    clientCertificates: ca !== undefined,
    clientNames: (files.clientNames ?? []).map((n) => n.toLowerCase()),
    subject: leaf.subject.replace(/\n/g, ', '),
    validTo: leaf.validTo,
  };
}

/**
 * Why a connected client may not send SIP, or undefined when it may: with client certificates asked for, the
 * certificate must chain to the configured authorities and, when names are listed, carry one of them as subject CN
 * or subjectAltName DNS name.
 */
export function clientCertificateRefusal(
  socket: TLSSocket,
  credentials: SipTlsCredentials,
): string | undefined {
  if (!credentials.clientCertificates) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return 'no client certificate';
  if (!socket.authorized) {
    return `client certificate not trusted (${String(socket.authorizationError ?? 'unverified')})`;
  }
  if (credentials.clientNames.length === 0) return undefined;
  const names = certificateNames(peer.subject?.CN, peer.subjectaltname);
  if (names.some((n) => credentials.clientNames.includes(n))) return undefined;
  return `client certificate names ${names.length > 0 ? names.join(', ') : '(none)'} are not in ESCUCHA_SIP_TLS_CLIENT_NAMES`;
}

/** Subject CN(s) and subjectAltName DNS names of a certificate, lower case. */
export function certificateNames(cn: string | string[] | undefined, altNames: string | undefined): string[] {
  const names = new Set<string>();
  for (const n of Array.isArray(cn) ? cn : cn ? [cn] : []) names.add(n.toLowerCase());
  for (const part of (altNames ?? '').split(',')) {
    const match = /^\s*DNS:(.+?)\s*$/i.exec(part);
    if (match?.[1]) names.add(match[1].toLowerCase());
  }
  return [...names];
}
