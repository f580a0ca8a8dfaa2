// The team: members and their roles, pending invites, inviting someone by email, changing a role,
// removing a member, and (for owners) handing ownership to another member.

import { Alert, Button, Chip, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi, TeamInvite, TeamMember } from '../../api/partner-api.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';
import type { PartnerContext } from '../../partner-console.tsx';

const ROLES = [
  { id: 'owner', label: 'Owner', help: 'everything, including billing and ownership' },
  { id: 'admin', label: 'Admin', help: 'everything except billing; manages the team (not owners)' },
  { id: 'billing', label: 'Billing', help: 'credits, invoices and usage; no fax content' },
  { id: 'developer', label: 'Developer', help: 'numbers, keys, webhooks, sending; no inbound content' },
];

type Pending = { kind: 'remove' | 'transfer'; member: TeamMember } | null;

/** While an invitation is pending, members and invitations reload this often: an acceptance shows. */
const INVITE_WATCH_MS = 5000;

export function Team({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  // The invitee accepts in their own browser: follow the lists while someone is still invited, and
  // on coming back to the window.
  const [awaitingInvitee, setAwaitingInvitee] = useState(false);
  const follow = { refreshMs: awaitingInvitee ? INVITE_WATCH_MS : undefined, refreshOnFocus: true };
  const members = useResource(() => api.team(), [api], follow);
  const invites = useResource(() => api.invites(), [api], follow);
  const pendingCount = invites.data?.items.filter((x) => x.status === 'pending').length ?? 0;
  const lastPending = useRef(pendingCount);
  const reloadMembers = members.reload;
  useEffect(() => {
    setAwaitingInvitee(pendingCount > 0);
    // An invitation that stopped pending may be a new member: the members list follows at once.
    if (pendingCount < lastPending.current) reloadMembers();
    lastPending.current = pendingCount;
  }, [pendingCount, reloadMembers]);
  const me = useResource(() => api.me(), [api]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const manage = ctx.may.has('team:manage');
  const transfer = ctx.may.has('team:transfer');
  const myRole = me.data?.principal.role;
  // Admins may not change or remove owners; nobody acts on themselves here.
  const mayTouch = (m: TeamMember) =>
    manage &&
    m.email !== me.data?.principal.name &&
    (m.role !== 'owner' || myRole === 'owner' || myRole === null);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setProblem(null);
    try {
      await what();
      setNotice(done);
      members.reload();
      invites.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Page title="Team" subtitle="Who can sign in for your organisation, and what each role may do">
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      {notice && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setNotice(null)} data-testid="team-notice">
          {notice}
        </Alert>
      )}
      {manage && (
        <InviteForm
          api={api}
          onInvited={(i) => {
            setNotice(`Invitation sent to ${i.email}.`);
            invites.reload();
          }}
        />
      )}
      <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
        Members
      </Typography>
      <Loaded
        resource={members}
        isEmpty={(m) => m.items.length === 0}
        empty={<EmptyState title="No members yet">Invite your colleagues above.</EmptyState>}
      >
        {(m) => (
          <DataList<TeamMember>
            label="Team members"
            testId="members"
            rows={m.items}
            rowKey={(x) => x.accountId}
            columns={[
              { label: 'Member', render: (x) => x.email },
              {
                label: 'Role',
                render: (x) =>
                  mayTouch(x) ? (
                    <TextField
                      select
                      size="small"
                      value={x.role}
                      onChange={(e) =>
                        void act(
                          () => api.changeRole(x.accountId, e.target.value),
                          `${x.email} is now ${e.target.value}.`,
                        )
                      }
                      slotProps={{ htmlInput: { 'aria-label': `Role of ${x.email}` } }}
                    >
                      {ROLES.filter((r) => r.id !== 'owner' || myRole === 'owner').map((r) => (
                        <MenuItem key={r.id} value={r.id}>
                          {r.label}
                        </MenuItem>
                      ))}
                    </TextField>
                  ) : (
                    <Chip size="small" label={x.role} />
                  ),
              },
              { label: 'Joined', render: (x) => dateTime(x.joinedAt) },
            ]}
            actions={(x) => (
              <>
                {transfer && x.role !== 'owner' && (
                  <Button
                    size="small"
                    onClick={() => setPending({ kind: 'transfer', member: x })}
                    aria-label={`Make owner: ${x.email}`}
                  >
                    Make owner
                  </Button>
                )}
                {mayTouch(x) && (
                  <Button
                    size="small"
                    color="error"
                    onClick={() => setPending({ kind: 'remove', member: x })}
                    aria-label={`Remove ${x.email}`}
                  >
                    Remove
                  </Button>
                )}
              </>
            )}
          />
        )}
      </Loaded>
      <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
        Pending invitations
      </Typography>
      <Loaded
        resource={invites}
        // Accepted, revoked and expired invites are history, not work.
        isEmpty={(i) => !i.items.some((x) => x.status === 'pending')}
        empty={<EmptyState title="No pending invitations" />}
      >
        {(i) => (
          <DataList<TeamInvite>
            label="Pending invitations"
            testId="invites"
            rows={i.items.filter((x) => x.status === 'pending')}
            rowKey={(x) => x.id}
            columns={[
              { label: 'Email', render: (x) => x.email },
              { label: 'Role', render: (x) => x.role },
              { label: 'Expires', render: (x) => dateTime(x.expiresAt) },
            ]}
            actions={
              manage
                ? (x) => (
                    <Button
                      size="small"
                      onClick={() =>
                        void act(() => api.cancelInvite(x.id), `Invitation to ${x.email} canceled.`)
                      }
                      aria-label={`Cancel the invitation to ${x.email}`}
                    >
                      Cancel
                    </Button>
                  )
                : undefined
            }
          />
        )}
      </Loaded>
      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.kind === 'transfer'
            ? `Make ${pending.member.email} the owner?`
            : `Remove ${pending?.member.email}?`
        }
        confirmLabel={pending?.kind === 'transfer' ? 'Transfer ownership' : 'Remove'}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          const p = pending;
          setPending(null);
          if (!p) return;
          if (p.kind === 'transfer')
            void act(() => api.transferOwnership(p.member.accountId), `${p.member.email} is now the owner.`);
          else void act(() => api.removeMember(p.member.accountId), `${p.member.email} was removed.`);
        }}
      >
        {pending?.kind === 'transfer'
          ? 'They get every permission, including billing and the team; you become an admin.'
          : 'They lose access to this organisation at once. Their other organisations are not affected.'}
      </ConfirmDialog>
    </Page>
  );
}

function InviteForm({ api, onInvited }: { api: PartnerApi; onInvited(invite: TeamInvite): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('developer');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      onInvited(await api.invite(email.trim(), role));
      setEmail('');
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  const emailError = fieldError(problem, '/body/email');
  return (
    <Widget title="Invite someone" resource={{ data: true, error: null, loading: false, reload: () => {} }}>
      {() => (
        <Stack component="form" onSubmit={submit} sx={{ gap: 2 }}>
          {problem && !emailError && <ProblemAlert problem={problem} />}
          <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 1 }}>
            <TextField
              size="small"
              label="Email"
              name="email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={emailError !== undefined}
              helperText={
                emailError
                  ? `Email ${emailError}`
                  : 'They get a link to join (with their existing account, or a new one)'
              }
              sx={{ flexGrow: 1 }}
            />
            <TextField
              select
              size="small"
              label="Role"
              value={role}
              onChange={(e) => setRole(e.target.value)}
              sx={{ minWidth: 160 }}
            >
              {ROLES.filter((r) => r.id !== 'owner').map((r) => (
                <MenuItem key={r.id} value={r.id}>
                  {r.label}: {r.help}
                </MenuItem>
              ))}
            </TextField>
            <Button type="submit" variant="contained" disabled={busy || !email.trim()}>
              Send invitation
            </Button>
          </Stack>
        </Stack>
      )}
    </Widget>
  );
}
