import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The areas a push's CPU is summed into, first match wins. A native function is counted where
 * its name says (JSON.parse/stringify); everything else by the file it runs in.
 */
const AREAS: [string, (frame: ProfileNode['callFrame']) => boolean][] = [
  ['idle (waiting)', (f) => f.functionName === '(idle)'],
  ['GC', (f) => f.functionName === '(garbage collector)'],
  [
    'JSON',
    (f) =>
      (f.url === '' &&
        ['parse', 'stringify', 'JSONParse', 'JSONStringify'].includes(f.functionName)) ||
      /server\/http\/body\.ts/.test(f.url),
  ],
  ['load generator (undici, bench)', (f) => /undici|\/bench\//.test(f.url)],
  ['driver (postgres.js)', (f) => /node_modules\/postgres\//.test(f.url)],
  [
    'validation (zod, event checks)',
    (f) =>
      /zod|server\/push\/(prepare|storable)\.ts|server\/http\/validate\.ts|\/schema\//.test(f.url),
  ],
  ['routing (hono, node adapter)', (f) => /hono/.test(f.url)],
  ['push logic and SQL building', (f) => /server\/(push|store|changelog|spaces)\//.test(f.url)],
  ['node http/net/streams', (f) => /^node:/.test(f.url)],
  ['program (V8/native, unattributed)', (f) => f.functionName === '(program)'],
];

/** `node bench/profile-summary.ts <file.cpuprofile>`: self time by area, % of the total. */
async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('give a .cpuprofile');
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  // A native or node: internal function (a socket write, a stream) counts for the area of the
  // nearest caller in a file of its own, marked as spent inside Node.
  const areaOf = (id: number): string => {
    const own = byId.get(id)!.callFrame;
    const direct = AREAS.find(([, test]) => test(own))?.[0];
    if (direct && direct !== 'node http/net/streams') return direct;
    for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url === '' || frame.url.startsWith('node:')) continue;
      const area = AREAS.find(([, test]) => test(frame))?.[0] ?? 'other';
      return `${area}, inside Node`;
    }
    return direct ?? 'other';
  };
  const totals = new Map<string, number>();
  const functions = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    const area = areaOf(id);
    totals.set(area, (totals.get(area) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    all += us;
  });
  const busy = all - (totals.get('idle (waiting)') ?? 0);
  console.log(`total ${(all / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms`);
  for (const [area, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`${area.padEnd(36)} ${((100 * us) / all).toFixed(1).padStart(5)} % of all`);
  }
  console.log('\ntop functions (self):');
  for (const [fn, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((100 * us) / all).toFixed(1).padStart(5)} %  ${fn}`);
  }
}

await main();
