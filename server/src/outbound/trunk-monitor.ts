// Keeps the appliance known to its carriers: a registration (with digest, refresh and status) for
// every trunk in `register` mode, and an OPTIONS keepalive to every outbound trunk whose last answer
// is what `GET /api/admin/trunks/{id}/status` reports. In a cluster one node at a time runs it (a
// singleton, see appliance.ts): the carrier sees one registration and one keepalive, not one a node.

import type { Logger } from 'pino';
import {
  type Registration,
  type RegistrationState,
  RegistrationStatus,
} from '../telephony/sip/registration.ts';
import type { UserAgent } from '../telephony/sip/user-agent.ts';
import type { Trunk, TrunkRepository } from '../telephony/trunks/trunk-repository.ts';
import type { OptionsProbe, TrunkStatus } from '../telephony/trunks/trunk-schema.ts';

interface Binding {
  registration: Registration;
  /** What the binding was made with: a change of any of these re-registers. */
  fingerprint: string;
  aor: string;
  at: string;
}

/** How often the holder re-reads the trunks table. */
const RESYNC_MS = 30_000;

export class TrunkMonitor {
  private readonly bindings = new Map<string, Binding>();
  private readonly probes = new Map<string, OptionsProbe>();
  private timer: NodeJS.Timeout | null = null;
  private resync: NodeJS.Timeout | null = null;

  constructor(
    private readonly ua: UserAgent,
    private readonly trunks: TrunkRepository,
    private readonly log: Logger,
    private readonly keepaliveSeconds: number,
    private readonly registerExpires = 600,
  ) {}

  /** Whether this node registers and probes (holds the singleton); stopped: sync() does nothing. */
  get running(): boolean {
    return this.resync !== null;
  }

  start(): void {
    if (this.running) return;
    // Trunks changed through another node's API reach this one by the periodic re-read.
    this.resync = setInterval(() => this.resyncSafely(), RESYNC_MS);
    this.resync.unref();
    this.sync();
    if (this.keepaliveSeconds > 0) {
      this.timer = setInterval(() => void this.keepalive(), this.keepaliveSeconds * 1000);
      this.timer.unref();
      void this.keepalive();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.resync) clearInterval(this.resync);
    this.timer = null;
    this.resync = null;
    for (const b of this.bindings.values()) b.registration.stop();
    this.bindings.clear();
  }

  /** The periodic re-read: a timer must not throw, and the database may be away (a restart). */
  private resyncSafely(): void {
    try {
      this.sync();
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'trunks could not be re-read; registrations kept as they are',
      );
    }
  }

  /** Brings registrations in line with the trunks table (after a create, update or delete). */
  sync(): void {
    if (!this.running) return;
    const wanted = new Map<string, Trunk>();
    for (const t of this.trunks.list()) if (t.mode === 'register' && t.username) wanted.set(t.id, t);
    for (const [id, b] of this.bindings) {
      const trunk = wanted.get(id);
      if (!trunk || this.fingerprint(trunk) !== b.fingerprint) {
        b.registration.stop();
        if (!trunk) void b.registration.unregister().catch(() => {});
        this.bindings.delete(id);
      }
    }
    for (const [id, trunk] of wanted) if (!this.bindings.has(id)) this.register(trunk);
    for (const id of this.probes.keys()) if (!this.trunks.get(id)) this.probes.delete(id);
  }

  status(trunkId: string): TrunkStatus {
    const b = this.bindings.get(trunkId);
    return {
      registration: b ? { ...b.registration.state, aor: b.aor, at: b.at } : null,
      lastOptions: this.probes.get(trunkId) ?? null,
    };
  }

  /** Sends one OPTIONS now and records the answer. */
  async probe(trunk: Trunk): Promise<OptionsProbe> {
    const started = performance.now();
    const status = await this.ua.options({ host: trunk.host, port: trunk.port, transport: trunk.transport });
    const probe = {
      at: new Date().toISOString(),
      status,
      latencyMs: Math.round(performance.now() - started),
    };
    if (this.trunks.get(trunk.id)) this.probes.set(trunk.id, probe);
    return probe;
  }

  /** Resolves when the registration of `trunkId` next reports a final state (tests, the admin API). */
  registered(trunkId: string): Promise<RegistrationState> | null {
    const b = this.bindings.get(trunkId);
    if (!b) return null;
    if (b.registration.state.status !== RegistrationStatus.Registering)
      return Promise.resolve(b.registration.state);
    return new Promise((resolve) => {
      const onStatus = (state: RegistrationState) => {
        if (state.status === RegistrationStatus.Registering) return;
        b.registration.off('status', onStatus);
        resolve(state);
      };
      b.registration.on('status', onStatus);
    });
  }

  private register(trunk: Trunk): void {
    const password = this.trunks.password(trunk.id);
    const aor = `sip:${trunk.username}@${trunk.host}`;
    const registration = this.ua.register({
      registrar: { host: trunk.host, port: trunk.port, transport: trunk.transport },
      aor,
      credentials: password ? { username: trunk.username!, password } : undefined,
      expires: this.registerExpires,
    });
    const binding: Binding = {
      registration,
      fingerprint: this.fingerprint(trunk),
      aor,
      at: new Date().toISOString(),
    };
    registration.on('status', (state) => {
      binding.at = new Date().toISOString();
      if (state.status === RegistrationStatus.Failed)
        this.log.warn({ trunkId: trunk.id, code: state.code }, 'trunk registration failed');
      else if (state.status === RegistrationStatus.Registered)
        this.log.info({ trunkId: trunk.id, expires: state.expires }, 'trunk registered');
    });
    this.bindings.set(trunk.id, binding);
    void registration.start();
  }

  private fingerprint(trunk: Trunk): string {
    // Held in memory only: a new password must re-register like a new host does.
    return JSON.stringify([
      trunk.host,
      trunk.port,
      trunk.transport,
      trunk.username,
      this.trunks.password(trunk.id),
    ]);
  }

  private async keepalive(): Promise<void> {
    let trunks: Trunk[];
    try {
      trunks = this.trunks.list().filter((t) => t.outbound);
    } catch {
      return; // the database is away: the next keepalive reads the trunks again
    }
    await Promise.all(trunks.map((t) => this.probe(t).catch(() => null)));
  }
}
