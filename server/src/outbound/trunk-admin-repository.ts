// Trunk changes the admin API needs beyond TrunkRepository's create/read: update (secrets stay
// write-only and sealed) and delete (refused while DIDs or faxes still name the trunk). Kept here
// until the telephony domain takes them into TrunkRepository.

import type { Db } from '../storage/database.ts';
import type { MasterKey } from '../storage/master-key.ts';
import type { NewTrunk, Trunk, TrunkRepository } from '../telephony/trunks/trunk-repository.ts';

export type TrunkPatch = Partial<NewTrunk>;

const COLUMNS: Record<string, string> = {
  name: 'name',
  mode: 'mode',
  host: 'host',
  port: 'port',
  transport: 'transport',
  username: 'username',
  allowedIps: 'allowed_ips',
  outbound: 'outbound',
  codecs: 'codecs',
  t38: 't38',
};

export class TrunkAdminRepository {
  constructor(
    private readonly db: Db,
    private readonly masterKey: MasterKey,
    private readonly trunks: TrunkRepository,
  ) {}

  update(id: string, patch: TrunkPatch): Trunk | null {
    if (!this.trunks.get(id)) return null;
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
    if ('password' in patch) {
      sets.push('password_sealed = ?');
      values.push(patch.password ? this.masterKey.sealString(patch.password, `trunk:${id}`) : null);
    }
    if (sets.length > 0)
      this.db.prepare(`UPDATE trunks SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    return this.trunks.get(id);
  }

  /** 'in_use' while DIDs or faxes reference the trunk (history must keep its name). */
  delete(id: string): 'deleted' | 'not_found' | 'in_use' {
    if (!this.trunks.get(id)) return 'not_found';
    const used = this.db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM dids WHERE trunk_id = ?) + (SELECT COUNT(*) FROM faxes WHERE trunk_id = ?) AS n',
      )
      .get(id, id) as { n: number };
    if (used.n > 0) return 'in_use';
    this.db.prepare('DELETE FROM trunks WHERE id = ?').run(id);
    return 'deleted';
  }
}
