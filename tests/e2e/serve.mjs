// A static file server for the built site, on 127.0.0.1 only. Imported by the tests
// and the wasm benchmark (`startServer(dir)` → its URL, on a free port), or run by
// hand: `node tests/e2e/serve.mjs dist 8123`.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.yaml': 'text/yaml', '.json': 'application/json' };

export function startServer(dir, port = 0) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? path + 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.unref(); // never keeps a test process alive
      resolve(`http://127.0.0.1:${server.address().port}/`);
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'dist', port = '8123'] = process.argv.slice(2);
  const url = await startServer(dir, Number(port));
  console.log(`serving ${dir} at ${url}`);
  setInterval(() => {}, 1 << 30);
}
