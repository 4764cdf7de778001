/**
 * IAM principal ARNs as GetCallerIdentity returns them, and Vault's "canonical" form: an
 * assumed role (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) stands for its role
 * (arn:aws:iam::ACCOUNT:role/NAME). The role's path is not in an assumed-role ARN, so the
 * canonical form drops paths altogether, as Vault does.
 */
export interface IamEntity {
  partition: string;
  accountNumber: string;
  type: string;
  path: string;
  friendlyName: string;
  sessionInfo: string;
}

const TYPES = ['user', 'role', 'instance-profile', 'assumed-role'];

/** Parses a principal ARN; throws with Vault's wording when it is not one. */
export function parseIamArn(arn: string): IamEntity {
  const full = arn.split(':');
  if (full.length !== 6) throw new Error(`unrecognized arn: contains ${full.length} colon-separated parts, expected 6`);
  if (full[0] !== 'arn') throw new Error('unrecognized arn: does not begin with "arn:"');
  if (full[2] !== 'iam' && full[2] !== 'sts') throw new Error(`unrecognized service: ${full[2]}, not one of iam or sts`);
  const parts = full[5]!.split('/');
  if (parts.length < 2) throw new Error(`unrecognized arn: "${full[5]}" contains fewer than 2 slash-separated parts`);
  const e: IamEntity = {
    partition: full[1]!, accountNumber: full[4]!, type: parts[0]!,
    path: parts.slice(1, -1).join('/'), friendlyName: parts[parts.length - 1]!, sessionInfo: '',
  };
  if (!TYPES.includes(e.type)) throw new Error(`unrecognized principal type: "${e.type}"`);
  if (e.type === 'assumed-role') {
    if (parts.length < 3) throw new Error(`unrecognized arn: "${full[5]}" contains fewer than 3 slash-separated parts`);
    e.path = '';
    e.friendlyName = parts[1]!;
    e.sessionInfo = parts[2]!;
  }
  return e;
}

export function canonicalArn(e: IamEntity): string {
  const type = e.type === 'assumed-role' ? 'role' : e.type;
  return `arn:${e.partition}:iam::${e.accountNumber}:${type}/${e.friendlyName}`;
}

/**
 * The ARN with its path when the caller's ARN carries one (users and roles); for an assumed
 * role AWS does not say the path, and Vault asks IAM (GetRole) for it. Coffer does not call IAM,
 * so there the canonical ARN (without path) is all that is known.
 */
export function knownFullArn(e: IamEntity): string {
  if (e.type === 'assumed-role') return canonicalArn(e);
  return `arn:${e.partition}:iam::${e.accountNumber}:${e.type}/${e.path ? `${e.path}/` : ''}${e.friendlyName}`;
}
