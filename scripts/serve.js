// Serves the repository over http on this machine, for the demo page and the examples, with the
// headers that make a page cross-origin isolated (so the engine can run threads).
//
//   node scripts/serve.js [--port N] [--host ADDRESS]
//
// Default: 127.0.0.1, port 8080 (or the next free one); --port 0 takes any free port. Prints the
// demo's address. Only files under the repository are served; nothing is listed.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO_PATH = '/web/demo/';
const PORT_ATTEMPTS = 10;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  // A compressed model is data to the page (the package inflates it), not a Content-Encoding.
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
};

// Cross-origin isolation: the page may use SharedArrayBuffer, hence WebAssembly threads.
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const server = createServer((req, res) => {
  respond(req, res).catch((error) => {
    if (!res.headersSent) send(res, 500, `server error: ${error.message}`);
    else res.destroy();
  });
});

async function respond(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD');
  const pathname = req.url.split(/[?#]/)[0];
  if (pathname === '/') return redirect(res, DEMO_PATH);
  const file = fileFor(pathname);
  if (!file) return send(res, 404, 'not found');
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) return redirect(res, `${pathname}/`);
    return serveFile(req, res, join(file, 'index.html'));
  }
  return serveFile(req, res, file);
}

async function serveFile(req, res, file) {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return send(res, 404, 'not found');
  res.writeHead(200, {
    ...ISOLATION,
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    // The length lets the page show download progress.
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/** The file a URL path names, or null when it would leave the repository. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = resolve(ROOT, `.${decoded}`);
  const inside = relative(ROOT, file);
  if (inside.startsWith('..') || inside.split(sep).includes('..')) return null;
  if (inside.split(sep).some((part) => part.startsWith('.') && part.length > 1)) return null;  // .git and such
  return file;
}

function send(res, status, text) {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

function redirect(res, location) {
  res.writeHead(302, { ...ISOLATION, Location: location });
  res.end();
}

/** Listens on the port asked for; when it is taken (and not chosen explicitly), on the next ones. */
function listen(port, host, attemptsLeft) {
  return new Promise((done, fail) => {
    const onError = (error) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE' && port !== 0 && attemptsLeft > 1) {
        done(listen(port + 1, host, attemptsLeft - 1));
      } else {
        fail(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      done(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

const requested = Number(args.port);
if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
  console.error(`serve: --port must be a whole number from 0 to 65535, not ${args.port}`);
  process.exit(2);
}
const explicit = process.argv.includes('--port') || process.argv.some((a) => a.startsWith('--port='));
try {
  const port = await listen(requested, args.host, explicit ? 1 : PORT_ATTEMPTS);
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  console.log(`serve: demo at http://${host}:${port}${DEMO_PATH} (cross-origin isolated; Ctrl+C stops)`);
} catch (error) {
  console.error(`serve: cannot listen on ${args.host}:${args.port}: ${error.message}`);
  process.exit(1);
}
