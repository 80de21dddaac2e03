// The worker side of RemoteEngine: runs the engine on this thread, one message at a time.

/** port: { post(message, transfer), onMessage(handler) }; loadEngine(args) -> Engine. */
export function serveEngine(port, loadEngine) {
  let engine = null;
  let queue = Promise.resolve();
  port.onMessage((message) => {
    queue = queue.then(() => answer(message));
  });

  async function answer({ id, op, args }) {
    try {
      const [value, transfer] = await run(op, args);
      port.post({ id, ok: true, value }, transfer);
    } catch (e) {
      port.post({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  async function run(op, args) {
    switch (op) {
      case 'init': {
        const onProgress = (event) => port.post({ op: 'progress', event });
        engine = await loadEngine({ ...args, onProgress });
        return [{ threads: engine.threads }, []];
      }
      case 'loadModel':
        return [live().loadModel(args.bytes), []];
      case 'beginModel':
        return [live().beginModel(), []];
      case 'writeModel':
        return [live().writeModel(args.part), []];
      case 'finishModel':
        return [live().finishModel(), []];
      case 'segment': {
        const result = live().segment(args.data, args.width, args.height, args.options);
        return [result, maskBuffers(result)];
      }
      case 'memory':
        return [live().memory(), []];
      case 'dispose':
        engine?.dispose();
        engine = null;
        return [true, []];
      default:
        throw new Error(`unknown engine operation '${op}'`);
    }
  }

  function live() {
    if (!engine) throw new Error('the engine is not running');
    return engine;
  }
}

function maskBuffers(result) {
  const buffers = [];
  for (const { mask } of result.instances) {
    buffers.push(mask.data.buffer);
    if (mask.probabilities) buffers.push(mask.probabilities.buffer);
  }
  return buffers;
}
