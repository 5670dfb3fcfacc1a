/** The two SQL dialects Vigil runs on. Stores branch on this only where SQL differs. */
export type SqlDialect = 'sqlite' | 'postgres';
