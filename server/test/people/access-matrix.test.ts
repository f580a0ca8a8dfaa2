// The access table, checked route by route: every operation in the OpenAPI document, called by
// every partner role (through a portal session), a full and a narrowed API key, and every operator
// role. Each call is either allowed (it reaches the handler: no 401, no access refusal, no 5xx) or 403
// `forbidden` naming the route's permission — nothing in between. The expectations below are
// written from docs/people.md (the catalog), not read from the code: a route missing here, or
// declaring another permission, fails.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addMember, type Browser, type Owner, onboardOwner, PASSWORD, signIn } from '../support/people.ts';
import { type CallResult, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

const PARTNER_ROLE_MATRIX: Record<string, string[]> = {
  owner: [
    'usage:read',
    'numbers:read',
    'numbers:manage',
    'inbox:read',
    'fax:send',
    'credits:balance',
    'credits:read',
    'billing:read',
    'billing:manage',
    'developers:manage',
    'team:read',
    'team:manage',
    'team:transfer',
  ],
  admin: [
    'usage:read',
    'numbers:read',
    'numbers:manage',
    'inbox:read',
    'fax:send',
    'credits:balance',
    'credits:read',
    'developers:manage',
    'team:read',
    'team:manage',
  ],
  billing: [
    'usage:read',
    'numbers:read',
    'credits:balance',
    'credits:read',
    'billing:read',
    'billing:manage',
  ],
  developer: [
    'usage:read',
    'numbers:read',
    'numbers:manage',
    'fax:send',
    'credits:balance',
    'developers:manage',
  ],
};

const OPERATOR_ROLE_MATRIX: Record<string, string[]> = {
  superadmin: ['admin:read', 'admin:write', 'operators:manage', 'audit:read'],
  operator: ['admin:read', 'admin:write', 'audit:read'],
  auditor: ['audit:read'],
};

const NARROWED_SCOPES = ['numbers:read', 'fax:send'];

/** Every documented operation and who may call it. A new route is added here or this test fails. */
const EXPECTED_ACCESS: Record<string, string> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'POST /partners/apply': 'public',
  'GET /partners/verify': 'public',
  'GET /files/faxes/{faxId}.pdf': 'public',
  'POST /api/auth/sign-in': 'public',
  'POST /api/auth/password-reset': 'public',
  'POST /api/auth/password-reset/confirm': 'public',
  'POST /api/auth/verify-email': 'public',
  'POST /api/auth/invites/accept': 'public',
  'GET /api/auth/session': 'account-self',
  'POST /api/auth/sign-out': 'account-self',
  'POST /api/auth/sign-out-everywhere': 'account-self',
  'GET /api/auth/sessions': 'account-self',
  'DELETE /api/auth/sessions/{id}': 'account-self',
  'GET /api/auth/totp': 'account-self',
  'POST /api/auth/totp/setup': 'account-self',
  'POST /api/auth/totp/enable': 'account-self',
  'POST /api/auth/totp/recovery-codes': 'account-self',
  'POST /api/auth/totp/disable': 'account-self',
  'POST /api/auth/password': 'account-self',
  'POST /api/auth/email': 'account-self',
  'DELETE /api/auth/memberships/{partnerId}': 'account-self',
  'POST /api/partner/numbers': 'numbers:manage',
  'GET /api/partner/numbers': 'numbers:read',
  'GET /api/partner/numbers/{externalUserId}': 'numbers:read',
  'DELETE /api/partner/numbers/{externalUserId}': 'numbers:manage',
  'GET /api/partner/settings': 'developers:manage',
  'PATCH /api/partner/settings': 'developers:manage',
  'POST /api/partner/settings/webhook-secret': 'developers:manage',
  'GET /api/partner/keys': 'developers:manage',
  'POST /api/partner/keys': 'developers:manage',
  'DELETE /api/partner/keys/{id}': 'developers:manage',
  'GET /api/partner/webhooks/deliveries': 'developers:manage',
  'GET /api/partner/webhooks/deliveries/{id}': 'developers:manage',
  'POST /api/partner/webhooks/deliveries/{id}/replay': 'developers:manage',
  'POST /api/partner/webhooks/test': 'developers:manage',
  'POST /api/partner/fax': 'fax:send',
  'GET /api/partner/fax': 'fax:send',
  'GET /api/partner/fax/{id}': 'fax:send',
  'DELETE /api/partner/fax/{id}': 'fax:send',
  'GET /api/partner/credits': 'credits:balance',
  'GET /api/partner/credits/log': 'credits:read',
  'GET /api/partner/credits/bundles': 'billing:read',
  'POST /api/partner/credits/purchase': 'billing:manage',
  'GET /api/partner/billing': 'billing:read',
  'GET /api/partner/invoices': 'billing:read',
  'POST /stripe/webhook': 'public',
  'GET /api/partner/inbox': 'inbox:read',
  'GET /api/partner/faxes/{id}': 'inbox:read',
  'POST /api/partner/faxes/{id}/re-extract': 'inbox:read',
  'GET /api/partner/usage': 'usage:read',
  'GET /api/partner/team': 'team:read',
  'GET /api/partner/team/invites': 'team:read',
  'POST /api/partner/team/invites': 'team:manage',
  'DELETE /api/partner/team/invites/{id}': 'team:manage',
  'PATCH /api/partner/team/{accountId}': 'team:manage',
  'DELETE /api/partner/team/{accountId}': 'team:manage',
  'POST /api/partner/team/transfer-ownership': 'team:transfer',
  'POST /api/admin/auth/sign-in': 'public',
  'GET /api/admin/auth/session': 'operator-self',
  'POST /api/admin/auth/password': 'operator-self',
  'POST /api/admin/auth/sign-out': 'operator-self',
  'POST /api/admin/auth/sign-out-everywhere': 'operator-self',
  'GET /api/admin/auth/sessions': 'operator-self',
  'DELETE /api/admin/auth/sessions/{id}': 'operator-self',
  'GET /api/admin/auth/totp': 'operator-self',
  'POST /api/admin/auth/totp/setup': 'operator-self',
  'POST /api/admin/auth/totp/enable': 'operator-self',
  'POST /api/admin/auth/totp/recovery-codes': 'operator-self',
  'POST /api/admin/auth/totp/disable': 'operator-self',
  'GET /api/admin/auth/tokens': 'operator-self',
  'POST /api/admin/auth/tokens': 'operator-self',
  'DELETE /api/admin/auth/tokens/{id}': 'operator-self',
  'GET /api/admin/dids': 'admin:read',
  'POST /api/admin/dids/import': 'admin:write',
  'GET /api/admin/partners': 'audit:read',
  'POST /api/admin/partners/{id}/suspend': 'admin:write',
  'POST /api/admin/partners/{id}/reinstate': 'admin:write',
  'POST /api/admin/partners/{id}/credits': 'admin:write',
  'GET /api/admin/billing/prices': 'admin:read',
  'PUT /api/admin/billing/prices': 'admin:write',
  'GET /api/admin/billing/bundles': 'admin:read',
  'PUT /api/admin/billing/bundles': 'admin:write',
  'GET /api/admin/partners/{id}/billing': 'admin:read',
  'POST /api/admin/partners/{id}/billing/status': 'admin:write',
  'GET /api/admin/billing/closes': 'audit:read',
  'GET /api/admin/billing/closes/{id}': 'audit:read',
  'PATCH /api/admin/keys/{id}': 'admin:write',
  'GET /api/admin/operators': 'operators:manage',
  'POST /api/admin/operators': 'operators:manage',
  'PATCH /api/admin/operators/{id}': 'operators:manage',
  'GET /api/admin/operators/{id}/tokens': 'operators:manage',
  'DELETE /api/admin/operators/{id}/tokens/{tokenId}': 'operators:manage',
  'GET /api/admin/audit': 'audit:read',
  'GET /api/admin/audit/export': 'audit:read',
  'GET /api/admin/audit/verify': 'audit:read',
  'GET /api/admin/retention/reports': 'audit:read',
  'GET /api/admin/trunks': 'admin:read',
  'POST /api/admin/trunks': 'admin:write',
  'GET /api/admin/trunks/{id}': 'admin:read',
  'PATCH /api/admin/trunks/{id}': 'admin:write',
  'DELETE /api/admin/trunks/{id}': 'admin:write',
  'GET /api/admin/trunks/{id}/status': 'admin:read',
  'POST /api/admin/trunks/{id}/test-call': 'admin:write',
  'GET /api/admin/models': 'admin:read',
  // The console's own endpoints.
  'GET /api/partner/me': 'usage:read',
  'GET /api/partner/usage/daily': 'usage:read',
  'GET /api/partner/webhooks/health': 'usage:read',
  'GET /api/partner/webhooks/deliveries/{id}/request': 'developers:manage',
  'GET /api/partner/faxes/{id}/pages/{page}/image': 'inbox:read',
  'POST /api/partner/extraction/trial': 'inbox:read',
  'GET /api/partner/fax/{id}/timeline': 'fax:send',
  'GET /api/partner/fax/{id}/report': 'fax:send',
  'GET /api/partner/fax/{id}/pages/{page}/image': 'fax:send',
  'GET /api/admin/me': 'operator-self',
  'GET /api/admin/queues': 'admin:read',
  'GET /api/admin/calls': 'admin:read',
  'GET /api/admin/calls/stream': 'admin:read',
  'GET /api/admin/partners/{id}': 'admin:read',
};

interface Operation {
  name: string;
  method: string;
  path: string;
  declared: string | undefined;
  responses: string[];
}

interface Caller {
  label: string;
  permissions: string[];
  call(op: Operation): Promise<CallResult>;
}

let app: TestAppliance;
let owner: Owner;
let operations: Operation[];
const members: Record<string, string> = {};

before(async () => {
  // Every refused credential below counts against the address's failure budget: lift it here.
  app = await startTestAppliance({ authFailuresPerMinute: 1_000_000 });
  owner = await onboardOwner(app, 'Matrix Health');
  for (const role of ['admin', 'billing', 'developer'] as const) {
    members[role] = `${role}@matrix.test`;
    await addMember(app, owner, members[role], role);
  }
  members.owner = owner.email;
  const spec = (await app.call('GET', '/docs/json')).body;
  operations = Object.entries<Record<string, any>>(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const access = op['x-faxseal-access'] as Record<string, string> | undefined;
      return {
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        declared: access && (access.permission ?? access.operatorPermission ?? access.access),
        responses: Object.keys(op.responses ?? {}),
      };
    }),
  );
});
after(() => app.shutdown());

/** A concrete URL: path parameters get a harmless value (permission is checked before validation). */
const urlOf = (op: Operation) => op.path.replace(/\{[^}]+\}/g, 'x');
const bodyOf = (op: Operation) => (['POST', 'PATCH', 'PUT'].includes(op.method) ? {} : undefined);

/** The refusals of the access layer; any other answer came from the route's own handler. */
const ACCESS_REFUSALS = [
  'forbidden',
  'csrf_token_invalid',
  'partner_suspended',
  'not_a_member',
  'password_change_required',
];

function assertAllowed(caller: string, op: Operation, res: CallResult): void {
  assert.ok(
    res.status < 500 &&
      res.status !== 401 &&
      !(res.status === 403 && ACCESS_REFUSALS.includes(res.body?.code)),
    `${caller} → ${op.name}: expected to reach the handler, got ${res.status} ${res.text.slice(0, 200)}`,
  );
}

function assertRefused(caller: string, op: Operation, res: CallResult): void {
  assert.equal(
    res.status,
    403,
    `${caller} → ${op.name}: expected 403, got ${res.status} ${res.text.slice(0, 200)}`,
  );
  assert.equal(res.body.code, 'forbidden', `${caller} → ${op.name}: ${res.text}`);
  assert.equal(res.body.permission, op.declared, `${caller} → ${op.name} names the permission`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
}

test('every documented route declares the access the catalog gives it', () => {
  assert.ok(operations.length >= 90, `${operations.length} operations documented`);
  for (const op of operations) {
    assert.ok(op.declared, `${op.name} declares no access (x-faxseal-access)`);
    assert.equal(op.declared, EXPECTED_ACCESS[op.name], `${op.name}: declared ${op.declared}`);
    if (op.declared !== 'public')
      for (const status of ['401', '403'])
        assert.ok(op.responses.includes(status), `${op.name} documents its ${status} answer`);
  }
  const documented = new Set(operations.map((op) => op.name));
  for (const name of Object.keys(EXPECTED_ACCESS)) assert.ok(documented.has(name), `${name} is documented`);
});

test('partner routes × owner, admin, billing, developer, a full key and a narrowed key', async () => {
  const browsers: Record<string, Browser> = {};
  for (const [role, email] of Object.entries(members))
    browsers[role] = await signIn(app, { email, password: PASSWORD });
  const narrowed = await app.call('POST', '/api/partner/keys', {
    key: owner.apiKey,
    body: { name: 'narrow', scopes: NARROWED_SCOPES },
  });
  assert.equal(narrowed.status, 201);
  const callers: Caller[] = [
    ...Object.entries(browsers).map(([role, b]) => ({
      label: `${role} (session)`,
      permissions: PARTNER_ROLE_MATRIX[role],
      call: (op: Operation) => b.call(op.method, urlOf(op), { body: bodyOf(op) }),
    })),
    {
      label: 'full key',
      permissions: PARTNER_ROLE_MATRIX.owner,
      call: (op) => app.call(op.method, urlOf(op), { key: owner.apiKey, body: bodyOf(op) }),
    },
    {
      label: 'narrowed key',
      permissions: NARROWED_SCOPES,
      call: (op) => app.call(op.method, urlOf(op), { key: narrowed.body.apiKey, body: bodyOf(op) }),
    },
  ];
  const partnerOps = operations.filter((op) => op.path.startsWith('/api/partner/'));
  let cells = 0;
  for (const op of partnerOps) {
    for (const caller of callers) {
      const res = await caller.call(op);
      if (caller.permissions.includes(op.declared!)) assertAllowed(caller.label, op, res);
      else assertRefused(caller.label, op, res);
      cells++;
    }
  }
  assert.equal(cells, partnerOps.length * 6);
  // An operator token opens no partner route.
  const anyPartnerOp = partnerOps[0];
  assert.equal(
    (await app.call(anyPartnerOp.method, urlOf(anyPartnerOp), { key: app.firstRunOperator!.token })).status,
    401,
  );
});

/** An event stream never ends: its status (and a refusal's problem) is the answer. */
async function callStream(op: Operation, token: string): Promise<CallResult> {
  const abort = new AbortController();
  const res = await fetch(app.httpUrl + urlOf(op), {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (res.status === 200) {
    abort.abort();
    return { status: 200, headers: res.headers, text: '', body: null };
  }
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

test('admin routes × superadmin, operator and auditor', async () => {
  const tokens: Record<string, string> = { superadmin: app.firstRunOperator!.token };
  for (const role of ['operator', 'auditor'] as const)
    tokens[role] = app.services.operators.create(`matrix-${role}`, role).token;
  const adminOps = operations.filter((op) => op.path.startsWith('/api/admin/') && op.declared !== 'public');
  for (const op of adminOps) {
    for (const [role, token] of Object.entries(tokens)) {
      const res = op.path.endsWith('/stream')
        ? await callStream(op, token)
        : await app.call(op.method, urlOf(op), { key: token, body: bodyOf(op) });
      if (op.declared === 'operator-self' || OPERATOR_ROLE_MATRIX[role].includes(op.declared!))
        assertAllowed(role, op, res);
      else assertRefused(role, op, res);
    }
    // A partner key opens no admin route.
    assert.equal(
      (await app.call(op.method, urlOf(op), { key: owner.apiKey, body: bodyOf(op) })).status,
      401,
      op.name,
    );
  }
});

test('public routes answer without credentials; self routes need a session of their kind', async () => {
  for (const op of operations.filter((o) => o.declared === 'public')) {
    const res = await app.call(op.method, urlOf(op), { body: bodyOf(op) });
    assertAllowed('anonymous', op, res);
  }
  const destructive = (op: Operation) => /sign-out/.test(op.path);
  const selfOps = operations.filter((o) => o.declared === 'account-self');
  for (const op of selfOps) {
    assert.equal(
      (await app.call(op.method, urlOf(op), { body: bodyOf(op) })).status,
      401,
      `${op.name} without a session`,
    );
    assert.equal(
      (await app.call(op.method, urlOf(op), { key: owner.apiKey, body: bodyOf(op) })).status,
      401,
      `${op.name} with a key`,
    );
  }
  for (const [role, email] of Object.entries(members)) {
    const b = await signIn(app, { email, password: PASSWORD });
    for (const op of selfOps.filter((o) => !destructive(o)))
      assertAllowed(`${role} (session)`, op, await b.call(op.method, urlOf(op), { body: bodyOf(op) }));
    // Signing out ends the session: each of those gets a fresh one.
    for (const op of selfOps.filter(destructive)) {
      const fresh = await signIn(app, { email, password: PASSWORD });
      assertAllowed(`${role} (session)`, op, await fresh.call(op.method, urlOf(op), { body: bodyOf(op) }));
    }
  }
});
