/**
 * The one EC2 API call the method makes: DescribeInstances for one instance id (Query API,
 * SigV4-signed with config/client's keys, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN from the environment), to `endpoint` or https://ec2.<region>.amazonaws.com.
 * Without credentials there is no EC2 API for Coffer, and callers say so.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientConfig } from './config-client.js';
import { signRequest, type Credentials } from './sigv4.js';
import { all, child, parseXml, textAt } from './xml.js';

export interface InstanceDescription {
  instanceId: string;
  imageId: string;
  state: string;
  subnetId: string;
  vpcId: string;
  iamInstanceProfileArn: string;
  launchTime: string;
  tags: Record<string, string>;
}

export function ec2Credentials(config: ClientConfig | undefined, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  if (config?.access_key && config.secret_key) return { accessKeyId: config.access_key, secretAccessKey: config.secret_key };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  }
  return undefined;
}

function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const fn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4 << 20) req.destroy(new Error('EC2 response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** AWS's error answer: `<Response><Errors><Error><Code>…</Code><Message>…</Message>`. */
function awsError(xml: string): string {
  try {
    const doc = parseXml(xml.trim());
    const err = all(doc, 'Errors/Error')[0] ?? child(doc, 'Error');
    if (err) return `${textAt(err, 'Code')}: ${textAt(err, 'Message')}`;
  } catch { /* not XML: say only the status */ }
  return 'unexpected answer';
}

/** Parses a DescribeInstancesResponse; throws Vault's messages for missing parts. */
export function parseDescribeInstances(xml: string, instanceId: string): InstanceDescription {
  let doc;
  try {
    doc = parseXml(xml.trim());
  } catch {
    throw new Error('nil output from describe instances');
  }
  const reservations = all(doc, 'reservationSet/item');
  if (!reservations.length) throw new Error('no reservations found in instance description');
  const inst = all(reservations[0], 'instancesSet/item')[0];
  if (!inst) throw new Error('no instance details found in reservations');
  const desc: InstanceDescription = {
    instanceId: textAt(inst, 'instanceId'), imageId: textAt(inst, 'imageId'), state: textAt(inst, 'instanceState/name'),
    subnetId: textAt(inst, 'subnetId'), vpcId: textAt(inst, 'vpcId'), iamInstanceProfileArn: textAt(inst, 'iamInstanceProfile/arn'),
    launchTime: textAt(inst, 'launchTime'),
    tags: Object.fromEntries(all(inst, 'tagSet/item').map((t) => [textAt(t, 'key'), textAt(t, 'value')])),
  };
  if (desc.instanceId !== instanceId) throw new Error('expected instance ID not matching the instance ID in the instance description');
  if (!desc.state) throw new Error('instance state in instance description is nil');
  return desc;
}

export interface DescribeOptions { config: ClientConfig | undefined; credentials: Credentials; region: string; now?: Date; timeoutMs?: number }

/** DescribeInstances for one instance, which must be running (Vault's validateInstance). */
export async function describeRunningInstance(opts: DescribeOptions, instanceId: string): Promise<InstanceDescription> {
  const endpoint = opts.config?.endpoint || `https://ec2.${opts.region}.amazonaws.com`;
  const url = new URL(endpoint.replace(/\/+$/, '') + '/');
  const body = new URLSearchParams({ Action: 'DescribeInstances', Version: '2016-11-15', 'InstanceId.1': instanceId }).toString();
  const headers = signRequest({
    method: 'POST', url: url.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    region: opts.region, service: 'ec2', date: opts.now ?? new Date(),
  }, opts.credentials);
  let answer: { status: number; body: string };
  try {
    answer = await post(url, headers, body, opts.timeoutMs ?? 15000);
  } catch (e) {
    throw new Error(`error fetching description for instance ID "${instanceId}": ${(e as Error).message}`);
  }
  if (answer.status !== 200) throw new Error(`error fetching description for instance ID "${instanceId}": ${answer.status} ${awsError(answer.body)}`);
  const desc = parseDescribeInstances(answer.body, instanceId);
  if (desc.state !== 'running') throw new Error("instance is not in 'running' state");
  return desc;
}
