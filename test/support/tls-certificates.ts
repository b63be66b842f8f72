import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Test certificate authorities and certificates made with the openssl command-line tool (P-256 keys, valid two
 * days): for the TLS listeners' tests, which need real certificates and real handshakes.
 */

export interface TestCertificate {
  cert: string;
  key: string;
  /** PEM contents, for tls.connect. */
  certPem: Buffer;
  keyPem: Buffer;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the openssl command is needed to make test certificates: apt-get install openssl');
    }
    throw error;
  }
}

function loaded(cert: string, key: string): TestCertificate {
  return { cert, key, certPem: readFileSync(cert), keyPem: readFileSync(key) };
}

const keyArgs = (key: string) => [
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-keyout',
  key,
];

/** A self-signed certificate authority named `name` in `dir`. */
export function makeCa(dir: string, name: string): TestCertificate {
  const base = path.join(dir, name.replace(/\W+/g, '-'));
  openssl(
    [
      'req',
      '-x509',
      ...keyArgs(`${base}.key`),
      '-out',
      `${base}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return loaded(`${base}.pem`, `${base}.key`);
}

/**
 * A certificate for `name` (subject CN and subjectAltName DNS name, plus `ips` as IP names) signed by `ca`, good
 * for TLS servers and clients.
 */
export function makeCertificate(
  dir: string,
  ca: TestCertificate,
  name: string,
  ips: string[] = [],
): TestCertificate {
  const base = path.join(dir, name.replace(/\W+/g, '-'));
  openssl(['req', '-new', ...keyArgs(`${base}.key`), '-out', `${base}.csr`, '-subj', `/CN=${name}`], dir);
  writeFileSync(
    `${base}.ext`,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${[`DNS:${name}`, ...ips.map((ip) => `IP:${ip}`)].join(',')}`,
      '',
    ].join('\n'),
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ],
    dir,
  );
  return loaded(`${base}.pem`, `${base}.key`);
}
