// The engine's dedicated worker in browsers (a module worker started by web/src/platform/browser.js).
import { loadBrowserEngine } from './load-browser.js';
import { serveEngine } from './serve.js';

serveEngine({
  post: (message, transfer) => self.postMessage(message, transfer),
  onMessage: (handler) => { self.onmessage = (event) => handler(event.data); },
}, loadBrowserEngine);
