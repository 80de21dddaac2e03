// The fixed evaluation settings of COCO's detection metrics (pycocotools' Params for
// iouType 'bbox' and 'segm'). The thresholds are built the way numpy.linspace builds them
// (index * step + start, last value set to the stop) so that comparisons against them
// behave bit for bit like the reference.

function linspace(start, stop, count) {
  const step = (stop - start) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => i * step + start);
  values[count - 1] = stop;
  return values;
}

/** IoU thresholds .50:.05:.95 (10 values). */
export const IOU_THRESHOLDS = Object.freeze(linspace(0.5, 0.95, 10));

/** Recall thresholds 0:.01:1 (101 values) for the interpolated precision. */
export const RECALL_THRESHOLDS = Object.freeze(linspace(0, 1, 101));

/** Area ranges by annotation `area`; both ends are inclusive. */
export const AREA_RANGES = Object.freeze([
  Object.freeze({ label: 'all', min: 0, max: 1e10 }),
  Object.freeze({ label: 'small', min: 0, max: 32 * 32 }),
  Object.freeze({ label: 'medium', min: 32 * 32, max: 96 * 96 }),
  Object.freeze({ label: 'large', min: 96 * 96, max: 1e10 }),
]);

/** Detections kept per image and category, in ascending order. */
export const MAX_DETECTIONS = Object.freeze([1, 10, 100]);

/** The IoU types this evaluator supports. */
export const IOU_TYPES = Object.freeze(['bbox', 'segm']);
