/**
 * An EC2 API test server: `DescribeInstances` for one instance id (Query API, form body), after
 * checking the SigV4 signature (service ec2) against a table of test access keys, answering
 * EC2's XML (reservationSet/instancesSet, instanceState, subnet, VPC, instance profile, tags) or
 * its error document. Test infrastructure, never used in a production path.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AwsTestError, readBody, verifySigV4 } from './sigv4-verify.js';
import { xmlEscape } from './sts-server.js';

export interface TestInstance {
  imageId: string;
  state?: 'pending' | 'running' | 'stopped' | 'terminated';
  subnetId?: string;
  vpcId?: string;
  iamInstanceProfileArn?: string;
  ownerId?: string;
  launchTime?: string;
  tags?: Record<string, string>;
}

export interface Ec2TestServer { url: string; requests: number; close(): Promise<void> }

const STATE_CODES: Record<string, number> = { pending: 0, running: 16, stopped: 80, terminated: 48 };

function instanceXml(id: string, i: TestInstance): string {
  const e = xmlEscape;
  const state = i.state ?? 'running';
  const tags = Object.entries(i.tags ?? {}).map(([k, v]) => `<item><key>${e(k)}</key><value>${e(v)}</value></item>`).join('');
  const profile = i.iamInstanceProfileArn ? `<iamInstanceProfile><arn>${e(i.iamInstanceProfileArn)}</arn><id>AIPATESTPROFILE</id></iamInstanceProfile>` : '';
  return `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>${randomUUID()}</requestId>
  <reservationSet>
    <item>
      <reservationId>r-0test</reservationId>
      <ownerId>${e(i.ownerId ?? '123456789012')}</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>${e(id)}</instanceId>
          <imageId>${e(i.imageId)}</imageId>
          <instanceState><code>${STATE_CODES[state]}</code><name>${state}</name></instanceState>
          <launchTime>${e(i.launchTime ?? '2026-12-01T08:00:00.000Z')}</launchTime>
          ${i.subnetId ? `<subnetId>${e(i.subnetId)}</subnetId>` : ''}
          ${i.vpcId ? `<vpcId>${e(i.vpcId)}</vpcId>` : ''}
          ${profile}
          <groupSet><item><groupId>sg-0test</groupId><groupName>default</groupName></item></groupSet>
          <tagSet>${tags}</tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>
`;
}

const errorXml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>\n`;

export async function startEc2TestServer(keys: Record<string, { secretAccessKey: string }>, instances: Record<string, TestInstance>): Promise<Ec2TestServer> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      state.requests++;
      let status = 200;
      let text: string;
      try {
        verifySigV4(req, body, keys, 'ec2', new Date());
        const params = new URLSearchParams(body.toString('utf8'));
        if (params.get('Action') !== 'DescribeInstances') throw new AwsTestError(400, 'InvalidAction', `The action ${params.get('Action') ?? ''} is not valid for this web service.`);
        const id = params.get('InstanceId.1') ?? '';
        const inst = instances[id];
        if (!inst) throw new AwsTestError(400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        text = instanceXml(id, inst);
      } catch (e) {
        if (!(e instanceof AwsTestError)) throw e;
        status = e.status;
        text = errorXml(e.code, e.message);
      }
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(text);
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() { return state.requests; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
