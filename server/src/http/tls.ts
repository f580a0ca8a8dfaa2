// HTTPS for the API, portal and console from FAXSEAL_TLS_CERT and FAXSEAL_TLS_KEY (PEM files). The
// pair is checked at start-up, so a wrong key or an unreadable file stops the appliance with a
// message naming it rather than failing every handshake later.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '../config/config.ts';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** The certificate's subject and expiry, for the start-up log. */
  subject: string;
  validTo: Date;
}

/** Reads and checks the certificate and key; throws InvalidConfigError naming what is wrong. */
export function loadTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const read = (knob: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new InvalidConfigError([`${knob}: cannot read ${file}: ${(err as Error).message}`]);
    }
  };
  const cert = read('FAXSEAL_TLS_CERT', certFile);
  const key = read('FAXSEAL_TLS_KEY', keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new InvalidConfigError([
      `FAXSEAL_TLS_CERT: ${certFile} is not a PEM certificate (${(err as Error).message})`,
    ]);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new InvalidConfigError([
      `FAXSEAL_TLS_KEY: ${keyFile} is not an unencrypted PEM private key (${(err as Error).message})`,
    ]);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new InvalidConfigError([
      `FAXSEAL_TLS_KEY: ${keyFile} is not the private key of the certificate in ${certFile} (${x509.subject.replace(/\n/g, ', ')})`,
    ]);
  }
  return { cert, key, subject: x509.subject.replace(/\n/g, ', '), validTo: new Date(x509.validTo) };
}
