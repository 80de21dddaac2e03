// A small static file server for the tests, on 127.0.0.1: files under mounted directories,
// routes made in memory, optional cross-origin isolation headers, and optional slow bodies
// (to abort a download half-way).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.css': 'text/css',
};

/**
 * mounts: { '/prefix/': directory }; routes: { '/path': { body, type } }; isolated: send
 * COOP/COEP on every response (the page becomes cross-origin isolated).
 * Returns { url(path), requests, close() }. A request with ?slow in its query gets its body
 * trickled.
 */
export async function startServer({ mounts = {}, routes = {}, isolated = false } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(url.pathname);
    const path = url.pathname;
    const headers = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    try {
      const route = routes[path];
      if (route) {
        const body = typeof route.body === 'function' ? await route.body() : route.body;
        res.writeHead(200, { ...headers, 'Content-Type': route.type ?? 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      const file = resolveFile(mounts, path);
      const info = file && await stat(file).catch(() => null);
      if (!info || !info.isFile()) {
        res.writeHead(404, headers);
        res.end('not found');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
      if (url.searchParams.has('slow')) {
        trickle(createReadStream(file, { highWaterMark: 64 * 1024 }), res);
      } else {
        createReadStream(file).pipe(res);
      }
    } catch (e) {
      res.writeHead(500, headers);
      res.end(String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

function resolveFile(mounts, path) {
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!path.startsWith(prefix)) continue;
    const rest = normalize(decodeURIComponent(path.slice(prefix.length)) || '.');
    if (rest.split(sep).includes('..')) return null;
    return path.endsWith('/') ? join(dir, rest, 'index.html') : join(dir, rest);
  }
  return null;
}

// 64 KB every 20 ms: a 64 MB model would take about 20 s, long enough to abort half-way.
function trickle(stream, res) {
  stream.on('data', (chunk) => {
    stream.pause();
    res.write(chunk);
    setTimeout(() => stream.resume(), 20);
  });
  stream.on('end', () => res.end());
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
}
