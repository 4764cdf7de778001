import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError, hasTemplate, renderTemplate, type IdentityContext } from '../../../src/core/acl/index.js';

const ctx: IdentityContext = {
  entity: {
    id: 'ent-1',
    name: 'alice',
    metadata: { env: 'prod', empty: '' },
    aliases: [
      { id: 'al-1', name: 'alice', mountAccessor: 'auth_userpass_aaa', metadata: { team: 'blue' }, customMetadata: { site: 'par' } },
      { id: 'al-2', name: 'payments/api', mountAccessor: 'auth_kubernetes_bbb' },
    ],
  },
  groups: [
    { id: 'grp-1', name: 'team-a', metadata: { cost: 'c42' } },
    { id: 'grp-2', name: 'ops' },
  ],
  now: Date.UTC(2025, 0, 1, 0, 0, 0),
};

const rendered: [string, string][] = [
  ['plain/path', 'plain/path'],
  ['e/{{identity.entity.id}}', 'e/ent-1'],
  ['e/{{ identity.entity.name }}/x', 'e/alice/x'],
  ['m/{{identity.entity.metadata.env}}', 'm/prod'],
  ['a/{{identity.entity.aliases.auth_userpass_aaa.name}}', 'a/alice'],
  ['a/{{identity.entity.aliases.auth_userpass_aaa.id}}', 'a/al-1'],
  ['a/{{identity.entity.aliases.auth_userpass_aaa.metadata.team}}', 'a/blue'],
  ['a/{{identity.entity.aliases.auth_userpass_aaa.custom_metadata.site}}', 'a/par'],
  ['k/{{identity.entity.aliases.auth_kubernetes_bbb.name}}/*', 'k/payments/api/*'],
  ['g/{{identity.groups.ids.grp-1.name}}', 'g/team-a'],
  ['g/{{identity.groups.names.team-a.id}}', 'g/grp-1'],
  ['g/{{identity.groups.names.team-a.metadata.cost}}', 'g/c42'],
  ['two/{{identity.entity.id}}/{{identity.groups.names.ops.id}}', 'two/ent-1/grp-2'],
  ['t/{{time.now}}', `t/${Date.UTC(2025, 0, 1) / 1000}`],
  ['t/{{time.now.plus.1h}}', `t/${Date.UTC(2025, 0, 1) / 1000 + 3600}`],
  ['t/{{time.now.minus.1.5h}}', `t/${Date.UTC(2025, 0, 1) / 1000 - 5400}`],
];

for (const [tpl, want] of rendered) {
  test(`render ${tpl}`, () => {
    assert.equal(renderTemplate(tpl, ctx), want);
  });
}

const failures: [string, IdentityContext, RegExp][] = [
  ['x/{{identity.entity.id}}', {}, /no entity was provided/],
  ['x/{{identity.groups.names.team-a.id}}', { entity: ctx.entity }, /no groups were provided/],
  ['x/{{identity.groups.names.nope.id}}', ctx, /not a member of group "nope"/],
  ['x/{{identity.groups.names.team-a}}', ctx, /invalid groups accessor/],
  ['x/{{identity.groups.other.team-a.id}}', ctx, /invalid groups selector/],
  ['x/{{identity.groups.ids.grp-2.metadata.cost}}', ctx, /no value could be found/],
  ['x/{{identity.entity.metadata.missing}}', ctx, /no value could be found/],
  ['x/{{identity.entity.metadata.empty}}', ctx, /no value could be found/],
  ['x/{{identity.entity.metadata}}', ctx, /no value could be found/],
  ['x/{{identity.entity.groups.names}}', ctx, /no value could be found/],
  ['x/{{identity.entity.aliases.auth_none.name}}', ctx, /alias not found/],
  ['x/{{identity.entity.aliases.auth_userpass_aaa}}', ctx, /invalid alias selector/],
  ['x/{{identity.entity.aliases.auth_kubernetes_bbb.metadata.team}}', ctx, /no value could be found/],
  ['x/{{unknown.thing}}', ctx, /no value could be found/],
  ['x/{{time.now.plus}}', ctx, /missing time operand/],
  ['x/{{time.now.times.1h}}', ctx, /invalid time operator/],
  ['x/{{time.now.plus.soon}}', ctx, /invalid duration/],
  ['x/{{identity.entity.id', ctx, /unbalanced/],
  ['x/}}{{identity.entity.id}}', ctx, /unbalanced/],
  ['x/{{identity.entity.id}}}}', ctx, /unbalanced/],
  ['x/{{identity.entity.name}}', { entity: { id: 'e', name: 'a*' } }, /forbidden value "\*"/],
  ['x/{{identity.entity.name}}', { entity: { id: 'e', name: 'a+b' } }, /forbidden value "\+"/],
];

for (const [tpl, c, re] of failures) {
  test(`render fails: ${tpl}`, () => {
    assert.throws(() => renderTemplate(tpl, c), (e: unknown) => e instanceof TemplateError && re.test(e.message));
  });
}

test('blocked substitutions are configurable', () => {
  assert.equal(renderTemplate('x/{{identity.entity.name}}', { entity: { id: 'e', name: 'a*' } }, []), 'x/a*');
  assert.throws(() => renderTemplate('x/{{identity.entity.aliases.auth_kubernetes_bbb.name}}', ctx, ['/']), /forbidden value "\/"/);
});

test('hasTemplate', () => {
  assert.equal(hasTemplate('a/b'), false);
  assert.equal(hasTemplate('a/{{identity.entity.id}}'), true);
  assert.throws(() => hasTemplate('a/{{x'), TemplateError);
});
