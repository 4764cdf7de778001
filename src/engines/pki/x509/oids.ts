/** Object identifiers used by the PKI engine, by name. */
export const OID = {
  // Subject attributes
  commonName: '2.5.4.3', serialNumber: '2.5.4.5', country: '2.5.4.6', locality: '2.5.4.7', province: '2.5.4.8',
  streetAddress: '2.5.4.9', organization: '2.5.4.10', organizationalUnit: '2.5.4.11', postalCode: '2.5.4.17',
  userId: '0.9.2342.19200300.100.1.1', emailAddress: '1.2.840.113549.1.9.1',
  // Extensions
  subjectKeyId: '2.5.29.14', keyUsage: '2.5.29.15', subjectAltName: '2.5.29.17', basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20', crlReason: '2.5.29.21', deltaCrlIndicator: '2.5.29.27', nameConstraints: '2.5.29.30', crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32', authorityKeyId: '2.5.29.35', extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1', aiaOcsp: '1.3.6.1.5.5.7.48.1', aiaCaIssuers: '1.3.6.1.5.5.7.48.2',
  policyQualifierCps: '1.3.6.1.5.5.7.2.1', policyQualifierUnotice: '1.3.6.1.5.5.7.2.2',
  extensionRequest: '1.2.840.113549.1.9.14',
  // OCSP
  ocspBasic: '1.3.6.1.5.5.7.48.1.1', ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  // Keys and signatures
  rsaEncryption: '1.2.840.113549.1.1.1', rsaPss: '1.2.840.113549.1.1.10', mgf1: '1.2.840.113549.1.1.8',
  sha1WithRSA: '1.2.840.113549.1.1.5', sha256WithRSA: '1.2.840.113549.1.1.11', sha384WithRSA: '1.2.840.113549.1.1.12', sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1', ecdsaSha1: '1.2.840.10045.4.1', ecdsaSha256: '1.2.840.10045.4.3.2', ecdsaSha384: '1.2.840.10045.4.3.3', ecdsaSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** Go's x509.ExtKeyUsage names (as Vault's `ext_key_usage` accepts them) → OID. */
export const EXT_KEY_USAGE: Record<string, string> = {
  any: '2.5.29.37.0',
  serverauth: '1.3.6.1.5.5.7.3.1',
  clientauth: '1.3.6.1.5.5.7.3.2',
  codesigning: '1.3.6.1.5.5.7.3.3',
  emailprotection: '1.3.6.1.5.5.7.3.4',
  ipsecendsystem: '1.3.6.1.5.5.7.3.5',
  ipsectunnel: '1.3.6.1.5.5.7.3.6',
  ipsecuser: '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocspsigning: '1.3.6.1.5.5.7.3.9',
  microsoftservergatedcrypto: '1.3.6.1.4.1.311.10.3.3',
  netscapeservergatedcrypto: '2.16.840.1.113730.4.1',
  microsoftcommercialcodesigning: '1.3.6.1.4.1.311.2.1.22',
  microsoftkernelcodesigning: '1.3.6.1.4.1.311.61.1.1',
};

/** Go's x509.KeyUsage names (Vault's `key_usage`, case-insensitive, without the prefix) → bit number. */
export const KEY_USAGE_BITS: Record<string, number> = {
  digitalsignature: 0, contentcommitment: 1, keyencipherment: 2, dataencipherment: 3,
  keyagreement: 4, certsign: 5, crlsign: 6, encipheronly: 7, decipheronly: 8,
};

export const KU = { digitalSignature: 1 << 0, keyEncipherment: 1 << 2, keyAgreement: 1 << 4, certSign: 1 << 5, crlSign: 1 << 6 } as const;
