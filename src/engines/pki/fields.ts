/** Field declarations shared by several PKI paths (Vault's fields.go groups them the same way). */
import type { FieldTable } from '../../framework/fields.js';

export const subjectFields: FieldTable = {
  ou: { type: 'strings', description: 'If set, OU (OrganizationalUnit) will be set to this value.' },
  organization: { type: 'strings', description: 'If set, O (Organization) will be set to this value.' },
  country: { type: 'strings', description: 'If set, Country will be set to this value.' },
  locality: { type: 'strings', description: 'If set, Locality will be set to this value.' },
  province: { type: 'strings', description: 'If set, Province will be set to this value.' },
  street_address: { type: 'strings', description: 'If set, Street Address will be set to this value.' },
  postal_code: { type: 'strings', description: 'If set, Postal Code will be set to this value.' },
};

/** Names a certificate request may carry (issue, sign, CA generation). */
export const nameFields: FieldTable = {
  common_name: { type: 'string', description: 'The requested common name.' },
  alt_names: { type: 'string', description: 'The requested Subject Alternative Names, if any, in a comma-delimited list. May contain both DNS names and email addresses.' },
  ip_sans: { type: 'strings', description: 'The requested IP SANs, if any, in a comma-delimited list.' },
  uri_sans: { type: 'strings', description: 'The requested URI SANs, if any, in a comma-delimited list.' },
  other_sans: { type: 'strings', description: 'Requested other SANs, in an array with the format <oid>;UTF8:<utf8 string value> for each entry.' },
  exclude_cn_from_sans: { type: 'bool', default: false, description: 'If true, the Common Name will not be included in DNS or Email Subject Alternate Names.' },
  serial_number: { type: 'string', description: "The Subject's requested serial number, if any." },
  ttl: { type: 'duration', description: 'The requested Time To Live for the certificate; sets the expiration date.' },
  not_after: { type: 'string', description: 'Set the not after field of the certificate with specified date value (RFC 3339).' },
};

export const formatFields: FieldTable = {
  format: { type: 'string', default: 'pem', description: 'Format for returned data. Can be "pem", "der", or "pem_bundle".' },
  private_key_format: { type: 'string', default: 'der', description: 'Format for the returned private key: "der" (default: type-specific PEM) or "pkcs8".' },
};

export const issueFields: FieldTable = {
  ...nameFields,
  ...formatFields,
  user_ids: { type: 'strings', description: 'The requested user_ids value to place in the subject.' },
  remove_roots_from_chain: { type: 'bool', default: false, description: 'Whether or not to remove self-signed CA certificates in the output of the ca_chain field.' },
  key_type: { type: 'string', description: 'Key type for a role with key_type "any".' },
  key_bits: { type: 'int', description: 'Key size for a role with key_type "any".' },
};

/** Parameters for generating a CA key and certificate (root/generate, intermediate/generate). */
export const caGenerationFields: FieldTable = {
  ...nameFields,
  ...subjectFields,
  ...formatFields,
  exported: { type: 'string', description: 'Must be "internal", "exported", "existing" or "kms".' },
  key_type: { type: 'string', default: 'rsa', description: 'The type of key to use; defaults to RSA. "rsa" "ec" and "ed25519" are the only valid values.' },
  key_bits: { type: 'int', default: 0, description: 'The number of bits to use; 0 selects the default for the key type.' },
  signature_bits: { type: 'int', default: 0, description: 'The number of bits to use in the signature algorithm.' },
  use_pss: { type: 'bool', default: false, description: 'Whether or not to use PSS signatures when using a RSA key-type issuer.' },
  max_path_length: { type: 'int', default: -1, description: 'The maximum allowable path length.' },
  permitted_dns_domains: { type: 'strings', description: 'Domains for which this certificate is allowed to sign or issue child certificates.' },
  not_before_duration: { type: 'duration', default: 30, description: 'The duration before now which the certificate needs to be backdated by.' },
  key_name: { type: 'string', description: 'Provide a name to the generated or existing key.' },
  key_ref: { type: 'string', default: 'default', description: 'Reference to an existing key for "existing" generation.' },
  issuer_name: { type: 'string', description: 'Provide a name to the generated or existing issuer.' },
  managed_key_name: { type: 'string', description: 'Enterprise only.' },
  managed_key_id: { type: 'string', description: 'Enterprise only.' },
  add_basic_constraints: { type: 'bool', default: false, description: 'Whether to add a Basic Constraints extension with CA: true to the CSR (intermediate only).' },
  key_usage: { type: 'strings', description: 'Key usages for the CA certificate (only DigitalSignature is honoured besides CertSign and CRLSign).' },
};

export const signIntermediateFields: FieldTable = {
  ...nameFields,
  ...subjectFields,
  ...formatFields,
  csr: { type: 'string', default: '', description: 'PEM-format CSR to be signed.' },
  use_csr_values: { type: 'bool', default: false, description: 'If true, then: 1) Subject information, including names and alternate names, will be preserved from the CSR rather than using values provided in the other parameters to this path; 2) Any key usages requested in the CSR will be added to the basic set of key usages used for CA certs signed by this path.' },
  max_path_length: { type: 'int', description: 'The maximum allowable path length.' },
  permitted_dns_domains: { type: 'strings', description: 'Domains for which this certificate is allowed to sign or issue child certificates.' },
  signature_bits: { type: 'int', default: 0, description: 'The number of bits to use in the signature algorithm.' },
  use_pss: { type: 'bool', default: false, description: 'Whether or not to use PSS signatures.' },
  skid: { type: 'string', default: '', description: 'Value for the Subject Key Identifier field (hex).' },
  not_before_duration: { type: 'duration', default: 30, description: 'The duration before now which the certificate needs to be backdated by.' },
  issuer_ref: { type: 'string', default: 'default', description: 'Reference to the issuer used to sign requests.' },
  key_usage: { type: 'strings', description: 'Key usages for the CA certificate.' },
};
