/**
 * A private PostgreSQL cluster for tests that stop and start the database (issue 17): initdb in a
 * temporary directory, on a free loopback port, run as the `postgres` user when the test runs as
 * root. Never touches the shared cluster on 5432.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  start(): void;
  /** pg_ctl stop -m fast: sessions are terminated (57P01), as pg_ctlcluster stop does. */
  stop(): void;
  /** SIGSTOP (true) or SIGCONT (false) to the cluster's postmaster and every child of it (a freeze). */
  freeze(frozen: boolean): void;
  destroy(): Promise<void>;
}

/** The directory of initdb/pg_ctl, or a reason there is none. */
export function postgresBinaries(): { dir: string } | { missing: string } {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return { missing: `${root} does not exist (no PostgreSQL server binaries)` };
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) return { missing: `no initdb/pg_ctl under ${root}` };
  if (process.getuid?.() === 0) {
    // initdb refuses to run as root: it runs as `postgres`, through runuser.
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' });
      execFileSync('runuser', ['--help'], { stdio: 'pipe' });
    } catch {
      return { missing: 'running as root without a postgres user or runuser to run initdb as' };
    }
  }
  return { dir: join(root, newest, 'bin') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function createPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), 'vigil-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  let uid = 0;
  let gid = 0;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(root, uid, gid);
  }
  const run = (cmd: string, args: string[]): void => {
    const full = join(binDir, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'pipe', cwd: root });
    else execFileSync(full, args, { stdio: 'pipe', cwd: root });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', '-t', '30', 'start']),
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']),
    freeze: (frozen) => {
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = childrenOf(postmaster);
      for (const pid of [postmaster, ...children]) process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    },
    destroy: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      await rm(root, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}

/** The direct children of a process, from /proc (no procps needed). */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
