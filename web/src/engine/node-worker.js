// The engine's worker thread in Node (load({ worker: true })).
import { parentPort } from 'node:worker_threads';

import { loadNodeEngine } from './load-node.js';
import { serveEngine } from './serve.js';

serveEngine({
  post: (message, transfer) => parentPort.postMessage(message, transfer),
  onMessage: (handler) => parentPort.on('message', handler),
}, loadNodeEngine);
