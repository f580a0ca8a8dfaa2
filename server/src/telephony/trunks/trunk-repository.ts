// SIP trunks: the carriers (or the loopback lab trunk) the appliance exchanges calls with. A peer
// trunk is recognised by the source address of its requests; passwords are sealed at rest and
// never read back through the API. All SQL on the `trunks` table is here.

import { BlockList, isIP } from 'node:net';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../storage/database.ts';
import { newId } from '../../storage/ids.ts';
import type { MasterKey } from '../../storage/master-key.ts';
import type { Codec, NewTrunk, SipTransportName, Trunk, TrunkMode, TrunkPatch } from './trunk-schema.ts';

export type { Codec, NewTrunk, SipTransportName, Trunk, TrunkMode, TrunkPatch };

interface TrunkRow {
  id: string;
  name: string;
  mode: TrunkMode;
  host: string;
  port: number;
  /** 'tcp' for TLS trunks too (see `tls` and migration 037). */
  transport: 'udp' | 'tcp';
  tls: number;
  username: string | null;
  password_sealed: string | null;
  allowed_ips: string;
  outbound: number;
  codecs: string;
  t38: number;
  created_at: string;
}

const toTrunk = (r: TrunkRow): Trunk => ({
  id: r.id,
  name: r.name,
  mode: r.mode,
  host: r.host,
  port: r.port,
  transport: r.tls === 1 ? 'tls' : r.transport,
  username: r.username,
  hasPassword: r.password_sealed !== null,
  allowedIps: JSON.parse(r.allowed_ips),
  outbound: r.outbound === 1,
  codecs: JSON.parse(r.codecs),
  t38: r.t38 === 1,
  createdAt: r.created_at,
});

/** TLS runs over TCP: stored as transport 'tcp' with the tls flag (migration 037). */
const transportColumns = (transport: SipTransportName) => ({
  transport: transport === 'udp' ? 'udp' : 'tcp',
  tls: transport === 'tls' ? 1 : 0,
});

/** Patchable fields and their columns (transport is two columns, written apart). */
const COLUMNS: Record<keyof Omit<TrunkPatch, 'password' | 'transport'>, string> = {
  name: 'name',
  mode: 'mode',
  host: 'host',
  port: 'port',
  username: 'username',
  allowedIps: 'allowed_ips',
  outbound: 'outbound',
  codecs: 'codecs',
  t38: 't38',
};

/** The loopback trunk of the embedded defaults: the bundled fax simulator calls in through it. */
export const LAB_TRUNK: NewTrunk = {
  name: 'lab',
  mode: 'peer',
  host: '127.0.0.1',
  port: 5062,
  transport: 'udp',
  username: null,
  allowedIps: ['127.0.0.0/8', '::1/128'],
  outbound: true,
  codecs: ['pcmu', 'pcma'],
  t38: true,
};

/**
 * How long the source-address allow-lists are trusted without a query. Our own writes clear them at once;
 * this bounds how long a change made elsewhere (another node of a cluster, the CLI on the same database)
 * takes to reach the SIP intake.
 */
export const ALLOW_LISTS_TTL_MS = 1000;

export class TrunkRepository {
  /** Every request from a stranger asks `matchSource`: a flood must not cost a query and a parse each. */
  #allowLists: { builtAt: number; entries: { trunk: Trunk; list: BlockList }[] } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly masterKey: MasterKey,
  ) {}

  create(trunk: NewTrunk): Trunk {
    const id = newId('trk');
    this.db
      .prepare(
        `INSERT INTO trunks (id, name, mode, host, port, transport, tls, username, password_sealed, allowed_ips, outbound, codecs, t38, created_at)
         VALUES (@id, @name, @mode, @host, @port, @transport, @tls, @username, @password, @allowedIps, @outbound, @codecs, @t38, @now)`,
      )
      .run({
        id,
        name: trunk.name,
        mode: trunk.mode,
        host: trunk.host,
        port: trunk.port,
        ...transportColumns(trunk.transport),
        username: trunk.username,
        password: trunk.password ? this.masterKey.sealString(trunk.password, `trunk:${id}`) : null,
        allowedIps: JSON.stringify(trunk.allowedIps),
        outbound: trunk.outbound ? 1 : 0,
        codecs: JSON.stringify(trunk.codecs),
        t38: trunk.t38 ? 1 : 0,
        now: this.clock.now().toISOString(),
      });
    this.#allowLists = null;
    return this.get(id)!;
  }

  /** Creates the lab trunk when no trunk exists yet (first start). */
  seedLabTrunk(): Trunk | null {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM trunks').get() as { n: number }).n;
    return count === 0 ? this.create(LAB_TRUNK) : null;
  }

  get(id: string): Trunk | null {
    const row = this.db.prepare('SELECT * FROM trunks WHERE id = ?').get(id) as TrunkRow | undefined;
    return row ? toTrunk(row) : null;
  }

  list(): Trunk[] {
    return (this.db.prepare('SELECT * FROM trunks ORDER BY name').all() as TrunkRow[]).map(toTrunk);
  }

  /** Changes the fields present in `patch` (`password: null` removes it); null when there is no such trunk. */
  update(id: string, patch: TrunkPatch): Trunk | null {
    if (!this.get(id)) return null;
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(COLUMNS)) {
      if (!(key in patch)) continue;
      const value = patch[key as keyof TrunkPatch];
      sets.push(`${column} = ?`);
      if (key === 'allowedIps' || key === 'codecs') values.push(JSON.stringify(value));
      else if (key === 'outbound' || key === 't38') values.push(value ? 1 : 0);
      else values.push(value ?? null);
    }
    if (patch.transport !== undefined) {
      const { transport, tls } = transportColumns(patch.transport);
      sets.push('transport = ?', 'tls = ?');
      values.push(transport, tls);
    }
    if ('password' in patch) {
      sets.push('password_sealed = ?');
      values.push(patch.password ? this.masterKey.sealString(patch.password, `trunk:${id}`) : null);
    }
    if (sets.length > 0)
      this.db.prepare(`UPDATE trunks SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    this.#allowLists = null;
    return this.get(id);
  }

  /** Refused (`in_use`) while DIDs or faxes name the trunk: history must keep its name. */
  delete(id: string): 'deleted' | 'not_found' | 'in_use' {
    if (!this.get(id)) return 'not_found';
    const used = this.db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM dids WHERE trunk_id = ?) + (SELECT COUNT(*) FROM faxes WHERE trunk_id = ?) AS n',
      )
      .get(id, id) as { n: number };
    if (used.n > 0) return 'in_use';
    this.db.prepare('DELETE FROM trunks WHERE id = ?').run(id);
    this.#allowLists = null;
    return 'deleted';
  }

  /** The trunk the DID behind a partner's number is routed through, if it has one. */
  ofNumber(numberId: string): Trunk | null {
    const row = this.db
      .prepare(
        `SELECT t.* FROM numbers n JOIN dids d ON d.id = n.did_id JOIN trunks t ON t.id = d.trunk_id
         WHERE n.id = ?`,
      )
      .get(numberId) as TrunkRow | undefined;
    return row ? toTrunk(row) : null;
  }

  /** Digest password for a registering or authenticating trunk (never exposed through the API). */
  password(id: string): string | null {
    const row = this.db.prepare('SELECT password_sealed FROM trunks WHERE id = ?').get(id) as
      | { password_sealed: string | null }
      | undefined;
    return row?.password_sealed ? this.masterKey.openString(row.password_sealed, `trunk:${id}`) : null;
  }

  /** The trunk a request from `sourceIp` belongs to, or null when no trunk allows that address. */
  matchSource(sourceIp: string): Trunk | null {
    const family = isIP(sourceIp);
    if (family === 0) return null;
    const now = performance.now();
    if (!this.#allowLists || now - this.#allowLists.builtAt > ALLOW_LISTS_TTL_MS)
      this.#allowLists = {
        builtAt: now,
        entries: this.list().map((trunk) => ({ trunk, list: allowListOf(trunk) })),
      };
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return this.#allowLists.entries.find((e) => e.list.check(sourceIp, type))?.trunk ?? null;
  }
}

function allowListOf(trunk: Trunk): BlockList {
  const list = new BlockList();
  for (const entry of trunk.allowedIps) {
    const [address, bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}
