/**
 * A throwaway certificate authority made with openssl for one test: the CA's
 * key and certificate, and a server certificate for 127.0.0.1 and localhost
 * signed by it. Nothing is committed; everything lands in the given folder.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './ffmpeg.ts';

/** The files of a {@link makeTestCa} CA and what clients need to trust it. */
export interface TestCa {
  /** PEM paths. */
  caCertFile: string;
  caKeyFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** The CA certificate (PEM), for Node's `ca` option. */
  caCert: Buffer;
  /**
   * base64 SHA-256 of the server certificate's SubjectPublicKeyInfo, for
   * Chromium's `--ignore-certificate-errors-spki-list` (a browser cannot be
   * handed a CA on its command line; this trusts exactly this key).
   */
  serverSpkiSha256: string;
}

/** Makes the CA and a server certificate (P-256, valid one day) in `dir`. Each openssl call is bounded by 20 s. */
export async function makeTestCa(dir: string): Promise<TestCa> {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=rtmp-web test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', f('ca.key'), '-out', f('ca.crt')], 20_000);
  await run('openssl', ['req', ...ec, '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')], 20_000);
  writeFileSync(f('server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-days', '1', '-sha256', '-extfile', f('server.ext'), '-out', f('server.crt')], 20_000);
  const serverCert = new X509Certificate(readFileSync(f('server.crt')));
  const caCert = readFileSync(f('ca.crt'));
  if (!serverCert.verify(new X509Certificate(caCert).publicKey)) throw new Error('makeTestCa: the server certificate is not signed by the CA');
  const spki = serverCert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    caCertFile: f('ca.crt'),
    caKeyFile: f('ca.key'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    caCert,
    serverSpkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}
