// A progress bar on stderr for folders: redrawn in place on a terminal, a line per step
// otherwise (logs, CI).

export function createProgress(total, stream = process.stderr) {
  const width = 30;
  let done = 0;
  return {
    /** One more item finished; note says which and how it went. */
    step(note) {
      done++;
      const filled = Math.round((done / total) * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${bar} ${note}`);
        if (done === total) stream.write('\n');
      } else {
        stream.write(`${bar} ${note}\n`);
      }
    },
  };
}
