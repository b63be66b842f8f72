// Builds the batched UDP receiver addon (udp_batch.c → build/udp_batch.node) with the system C compiler and the
// headers that ship with Node. Run by `npm ci` (postinstall). Where it cannot be built (no compiler, not Linux),
// it says so and exits 0: capture then receives RTP through Node's dgram sockets. `--strict` makes that an error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, 'udp_batch.c');
const target = path.join(here, 'build', 'udp_batch.node');
const strict = process.argv.includes('--strict');

function giveUp(reason) {
  const message = `escucha: batched RTP receiver not built: ${reason}. Capture will use Node's dgram sockets.`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (process.platform !== 'linux') giveUp(`it needs Linux (this is ${process.platform})`);
if (
  existsSync(target) &&
  statSync(target).mtimeMs >= statSync(source).mtimeMs &&
  !process.argv.includes('--force')
) {
  process.exit(0);
}
const includes = [
  process.env.ESCUCHA_NODE_INCLUDE,
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
].filter(Boolean);
const include = includes.find((dir) => existsSync(path.join(dir, 'node_api.h')));
if (!include) giveUp(`no node_api.h in ${includes.join(' or ')} (set ESCUCHA_NODE_INCLUDE)`);
const compiler = process.env.CC || 'cc';
mkdirSync(path.dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
const run = spawnSync(
  compiler,
  [
    '-O2',
    '-Wall',
    '-shared',
    '-fPIC',
    '-fvisibility=hidden',
    '-DNAPI_VERSION=8',
    `-I${include}`,
    '-o',
    partial,
    source,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (run.error) giveUp(`${compiler}: ${run.error.message}`);
if (run.status !== 0) giveUp(`${compiler} exited with ${run.status}`);
renameSync(partial, target);
console.log(`escucha: built ${path.relative(process.cwd(), target)}`);
