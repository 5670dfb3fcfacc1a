/** Ports of the identity module. Implemented in storage/. */
export interface SetupCredentialRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly consumedAt: string | null;
}

export interface SetupCredentialStore {
  insert(row: SetupCredentialRow): Promise<void>;
  /** Unconsumed credentials that have not expired at `now`. */
  findUsable(now: string): Promise<SetupCredentialRow[]>;
  findByHash(tokenHash: string): Promise<SetupCredentialRow | undefined>;
  /** Marks every unconsumed credential as consumed (a new one replaces them). */
  retireAll(now: string): Promise<number>;
  markConsumed(id: string, now: string): Promise<boolean>;
}

/** Small key/value facts about the installation (e.g. when setup completed). */
export interface SystemMetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, now: string): Promise<void>;
}
