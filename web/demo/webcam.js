// Webcam mode: live video from the camera; every new video frame is offered to
// segmentLatest, which keeps one frame in flight and only the newest one waiting (older ones
// resolve to null: skipped). Results arrive as fast as the engine goes, the video never waits.
import { FpsMeter } from './fps-meter.js';

export class WebcamSession {
  #video;
  #hooks;
  #stream = null;
  #session = 0;  // results of an earlier session are ignored
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
    const session = ++this.#session;
    this.#meter.reset();
    this.#stats = { segmented: 0, skipped: 0, fps: 0 };
    this.#video.srcObject = stream;
    await this.#video.play();
    if (session === this.#session) this.#nextFrame(session);
  }

  stop() {
    this.#session += 1;
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#video.srcObject = null;
  }

  #nextFrame(session) {
    const video = this.#video;
    const onFrame = () => {
      if (session !== this.#session) return;
      this.#offer(session);
      this.#nextFrame(session);
    };
    if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(onFrame);
    else requestAnimationFrame(onFrame);
  }

  #offer(session) {
    const segmenter = this.#hooks.segmenter();
    if (!segmenter || this.#video.readyState < 2) return;
    segmenter.segmentLatest(this.#video, this.#hooks.options()).then((result) => {
      if (session !== this.#session) return;
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
      if (session === this.#session && segmenter === this.#hooks.segmenter()) this.#hooks.onError(error);
    });
  }
}
