/** What the PKI engine keeps in storage. Field names are Vault's, so reads can return entries as they are. */
import type { KeyType } from './x509/keys.js';

export interface RoleEntry {
  ttl: number;
  max_ttl: number;
  allow_localhost: boolean;
  allowed_domains: string[];
  allowed_domains_template: boolean;
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_wildcard_certificates: boolean;
  allow_any_name: boolean;
  allow_token_displayname: boolean;
  enforce_hostnames: boolean;
  allow_ip_sans: boolean;
  allowed_uri_sans: string[];
  allowed_uri_sans_template: boolean;
  allowed_other_sans: string[];
  allowed_serial_numbers: string[];
  allowed_user_ids: string[];
  server_flag: boolean;
  client_flag: boolean;
  code_signing_flag: boolean;
  email_protection_flag: boolean;
  key_type: string;
  key_bits: number;
  signature_bits: number;
  use_pss: boolean;
  key_usage: string[];
  ext_key_usage: string[];
  ext_key_usage_oids: string[];
  ou: string[];
  organization: string[];
  country: string[];
  locality: string[];
  province: string[];
  street_address: string[];
  postal_code: string[];
  use_csr_common_name: boolean;
  use_csr_sans: boolean;
  require_cn: boolean;
  cn_validations: string[];
  policy_identifiers: string[];
  basic_constraints_valid_for_non_ca: boolean;
  generate_lease: boolean;
  no_store: boolean;
  not_before_duration: number;
  not_after: string;
  issuer_ref: string;
}

export interface KeyEntry {
  id: string;
  name: string;
  type: KeyType;
  bits: number;
  /** PKCS#8 PEM; lives only in the mount's (encrypted) storage. */
  private_key: string;
}

export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export const ISSUER_USAGES = ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'] as const;

export interface IssuerEntry {
  id: string;
  name: string;
  key_id: string;
  /** PEM, trimmed. */
  certificate: string;
  /** Computed chain: this issuer first, then its parents known to the mount (PEM). */
  ca_chain: string[];
  /** Issuer ids set by the operator; empty → chain is computed. */
  manual_chain: string[];
  leaf_not_after_behavior: LeafNotAfterBehavior;
  usage: string[];
  revocation_signature_algorithm: string;
  revoked: boolean;
  revocation_time: number;
  revocation_time_utc: string;
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
  enable_aia_url_templating: boolean;
  serial_number: string;
  /** Creation order (ms), for default_follows_latest_issuer and stable listings. */
  created: number;
}

export interface RevokedEntry {
  /** Base64 DER of the revoked certificate. */
  certificate: string;
  revocation_time: number;
  revocation_time_utc: string;
  issuer_id: string;
}

export interface UrlsConfig {
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
  enable_templating: boolean;
}

export interface CrlConfig {
  expiry: string;
  disable: boolean;
  ocsp_disable: boolean;
  ocsp_expiry: string;
  auto_rebuild: boolean;
  auto_rebuild_grace_period: string;
  enable_delta: boolean;
  delta_rebuild_interval: string;
  cross_cluster_revocation: boolean;
  unified_crl: boolean;
  unified_crl_on_existing_paths: boolean;
}

export const DEFAULT_CRL_CONFIG: CrlConfig = {
  expiry: '72h', disable: false, ocsp_disable: false, ocsp_expiry: '12h', auto_rebuild: false,
  auto_rebuild_grace_period: '12h', enable_delta: false, delta_rebuild_interval: '15m',
  cross_cluster_revocation: false, unified_crl: false, unified_crl_on_existing_paths: false,
};

export interface IssuersConfig { default: string; default_follows_latest_issuer: boolean }

export interface ClusterConfig { path: string; aia_path: string }
