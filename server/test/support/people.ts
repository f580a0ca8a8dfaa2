// People for tests, made through the real endpoints: a partner's owner who set a password from the
// verification link, members invited by email in each role, and signed-in browser sessions that
// carry their cookie and CSRF token the way the console does.

import type { CallOptions, CallResult, TestAppliance } from './test-appliance.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Browser {
  /** The session cookie as `name=value`. */
  cookie: string;
  csrfToken: string;
  signedIn: any;
  /** A call with the cookie, the CSRF token on writes (unless `csrf: false`) and `x-faxseal-partner` when given. */
  call(
    method: string,
    path: string,
    options?: CallOptions & { csrf?: boolean; partner?: string },
  ): Promise<CallResult>;
}

export interface Owner {
  partnerId: string;
  apiKey: string;
  email: string;
  password: string;
}

/** The token in the newest email of `kind` sent to `to`. */
export function tokenFromEmail(app: TestAppliance, to: string, kind: string): string {
  // sentTo is newest first.
  const email = app.services.emails.sentTo(to).find((e) => e.kind === kind);
  if (!email) throw new Error(`no ${kind} email to ${to}`);
  return /token=([\w-]+)/.exec(email.text)![1];
}

/** Onboards a partner and sets its owner's password through the link partner verify returns. */
export async function onboardOwner(app: TestAppliance, companyName?: string): Promise<Owner> {
  const { partnerId, apiKey } = await app.onboardPartner(companyName);
  const partner = app.services.partners.get(partnerId)!;
  const verifiedEmail = partner.email;
  const owner = app.services.memberships.ofPartner(partnerId)[0];
  // The verify response carried the setup link; tests re-issue one the same way onboarding does.
  const setup = app.services.portalAccounts.issuePasswordSetup(owner.accountId);
  const token = new URL(setup.url).searchParams.get('token')!;
  const confirmed = await app.call('POST', '/api/auth/password-reset/confirm', {
    body: { token, password: PASSWORD },
  });
  if (confirmed.status !== 200) throw new Error(`password setup failed: ${confirmed.text}`);
  return { partnerId, apiKey, email: verifiedEmail, password: PASSWORD };
}

/** Invites `email` as `role` with the owner's key and accepts the invite (creating the account when needed). */
export async function addMember(
  app: TestAppliance,
  owner: Owner,
  email: string,
  role: 'owner' | 'admin' | 'billing' | 'developer',
): Promise<void> {
  const invited = await app.call('POST', '/api/partner/team/invites', {
    key: owner.apiKey,
    body: { email, role },
  });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.text}`);
  const token = tokenFromEmail(app, email, 'team_invite');
  const accepted = await app.call('POST', '/api/auth/invites/accept', {
    body: { token, password: PASSWORD },
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.text}`);
}

/** Signs in on `/api/auth/sign-in` (or the operator endpoint) and returns a browser holding the cookie. */
export async function signIn(
  app: TestAppliance,
  credentials: Record<string, string>,
  path = '/api/auth/sign-in',
): Promise<Browser> {
  const res = await fetch(app.httpUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${text}`);
  const cookie = res.headers.getSetCookie()[0].split(';')[0];
  const signedIn = JSON.parse(text);
  return browser(app, cookie, signedIn.csrfToken, signedIn);
}

export function browser(
  app: TestAppliance,
  cookie: string,
  csrfToken: string,
  signedIn: any = null,
): Browser {
  return {
    cookie,
    csrfToken,
    signedIn,
    call(method, path, options = {}) {
      const headers: Record<string, string> = { cookie, ...options.headers };
      if (method !== 'GET' && options.csrf !== false) headers['x-csrf-token'] = csrfToken;
      if (options.partner) headers['x-faxseal-partner'] = options.partner;
      return app.call(method, path, { ...options, headers });
    },
  };
}
