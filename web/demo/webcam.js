// Webcam mode: live video from the camera; every new video frame is offered to
// segmentLatest, which keeps one frame in flight and only the newest one waiting (older ones
// resolve to null: skipped). Results arrive as fast as the engine goes, the video never waits.
import { FpsMeter } from './fps-meter.js';

export class WebcamLoop {
  #video;
  #hooks;
  #stream = null;
  #run = 0;  // results of an earlier start are ignored
  #meter = new FpsMeter();
  #stats = { segmented: 0, skipped: 0, fps: 0 };

  /**
   * video: the <video> to show the camera in; hooks: { segmenter() -> Segmenter or null,
   * options() -> segment options, onResult(result), onStats({ segmented, skipped, fps }),
   * onError(error) }.
   */
  constructor(video, hooks) {
    this.#video = video;
    this.#hooks = hooks;
  }

  get running() { return this.#stream !== null; }

  async start() {
    if (this.#stream) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      throw Object.assign(new Error('this page cannot reach a camera'), { name: 'SecurityError' });
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    this.#stream = stream;
    const run = ++this.#run;
    this.#meter.reset();
    this.#stats = { segmented: 0, skipped: 0, fps: 0 };
    this.#video.srcObject = stream;
    await this.#video.play();
    if (run === this.#run) this.#nextFrame(run);
  }

  stop() {
    this.#run += 1;
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#video.srcObject = null;
  }

  #nextFrame(run) {
    const video = this.#video;
    const onFrame = () => {
      if (run !== this.#run) return;
      this.#offer(run);
      this.#nextFrame(run);
    };
    if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(onFrame);
    else requestAnimationFrame(onFrame);
  }

  #offer(run) {
    const segmenter = this.#hooks.segmenter();
    if (!segmenter || this.#video.readyState < 2) return;
    segmenter.segmentLatest(this.#video, this.#hooks.options()).then((result) => {
      if (run !== this.#run) return;
      if (result === null) {
        this.#stats.skipped += 1;
      } else {
        this.#stats.segmented += 1;
        this.#meter.tick();
        this.#stats.fps = this.#meter.fps;
        this.#hooks.onResult(result);
      }
      this.#hooks.onStats({ ...this.#stats });
    }, (error) => {
      // A model switch disposes the old segmenter under its frames: not an error to show.
      if (run === this.#run && segmenter === this.#hooks.segmenter()) this.#hooks.onError(error);
    });
  }
}
