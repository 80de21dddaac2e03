// Reading a COCO annotations file and a results file the way pycocotools' COCO and
// COCO.loadRes read them, into plain records the evaluation works on. Inputs are not changed.

import { segmentationToCounts } from './segmentation.js';
import { countsArea, countsToBbox } from './rle-counts.js';

/** Unique ids in ascending order (numerically for numbers), as numpy.unique orders them. */
export function sortedIds(ids) {
  const unique = [...new Set(ids)];
  return unique.every((id) => typeof id === 'number')
    ? unique.sort((a, b) => a - b)
    : unique.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function requireList(dataset, key) {
  const list = dataset?.[key];
  if (!Array.isArray(list)) throw new TypeError(`annotations must have a '${key}' array`);
  return list;
}

function imageSize(image, what) {
  const { height, width } = image;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new TypeError(`image ${image.id} needs integer 'height' and 'width' to read ${what}`);
  }
  return [height, width];
}

/**
 * Run lengths of a record's segmentation; polygons are rasterized at its image's size.
 * @param {{ image_id: unknown, segmentation?: unknown }} record
 * @param {Map<unknown, { id: unknown, height?: number, width?: number }>} images
 * @param {string} label names the record in error messages
 */
export function maskOf(record, images, label) {
  if (record.segmentation === undefined) throw new TypeError(`${label} has no segmentation`);
  let size = [0, 0]; // RLE objects carry their own size
  if (Array.isArray(record.segmentation)) {
    const image = images.get(record.image_id);
    if (!image) throw new RangeError(`${label} is on image_id ${JSON.stringify(record.image_id)}, which is not listed`);
    size = imageSize(image, 'polygons');
  }
  try {
    return segmentationToCounts(record.segmentation, size[0], size[1]);
  } catch (error) {
    throw new TypeError(`${label}: ${error.message}`);
  }
}

/**
 * The ground truth: images and categories by id, and the annotations that lie on a listed
 * image and category. `area` is taken from the file (it decides the area range) and
 * computed only when missing; `bbox` likewise. As in pycocotools, `ignore` follows `iscrowd`
 * alone (its _prepare overwrites any `ignore` key with the crowd flag).
 * @param {object} dataset parsed COCO annotations JSON
 */
export function indexGroundTruth(dataset) {
  const images = new Map(requireList(dataset, 'images').map((image) => [image.id, image]));
  const categories = new Map(requireList(dataset, 'categories').map((category) => [category.id, category]));
  const annotations = [];
  for (const ann of requireList(dataset, 'annotations')) {
    if (!images.has(ann.image_id) || !categories.has(ann.category_id)) continue;
    const crowd = Boolean(ann.iscrowd);
    let { area, bbox } = ann;
    if ((area === undefined || bbox === undefined) && ann.segmentation !== undefined) {
      const { size, counts } = maskOf(ann, images, `annotation ${ann.id}`);
      area ??= countsArea(counts);
      bbox ??= countsToBbox(counts, size[0], size[1]);
    }
    if (area === undefined && Array.isArray(bbox)) area = bbox[2] * bbox[3];
    if (typeof area !== 'number') throw new TypeError(`annotation ${ann.id} has no area, bbox or segmentation`);
    annotations.push({
      id: ann.id, image_id: ann.image_id, category_id: ann.category_id,
      area, bbox, crowd, ignore: crowd, segmentation: ann.segmentation,
    });
  }
  return {
    images,
    categories,
    imageIds: sortedIds([...images.keys()]),
    categoryIds: sortedIds([...categories.keys()]),
    annotations,
  };
}

/**
 * Detections from a results list, as COCO.loadRes prepares them. The first result decides
 * how all are read: if it has a (non-empty) `bbox`, every area is the box's w * h (also for
 * mask evaluation) and a missing segmentation becomes the box's polygon; otherwise each
 * needs a `segmentation` whose pixel count is the area and whose extent is the bbox when
 * none is given. Ids are 1-based positions in the list.
 * @param {ReturnType<typeof indexGroundTruth>} gt
 * @param {unknown} results parsed results JSON
 */
export function loadResults(gt, results) {
  if (!Array.isArray(results)) throw new TypeError('results must be an array of detections');
  for (const [i, result] of results.entries()) {
    if (!result || typeof result !== 'object') throw new TypeError(`result ${i} is not an object`);
    if (!gt.images.has(result.image_id)) {
      throw new RangeError(`result ${i} is for image_id ${JSON.stringify(result.image_id)}, which is not an image of the annotations`);
    }
    if (typeof result.score !== 'number' || Number.isNaN(result.score)) throw new TypeError(`result ${i} has no numeric score`);
    if (result.category_id === undefined) throw new TypeError(`result ${i} has no category_id`);
  }
  if (results.length === 0) return [];
  const first = results[0];
  const byBox = 'bbox' in first && !(Array.isArray(first.bbox) && first.bbox.length === 0);
  if (!byBox && !('segmentation' in first)) throw new TypeError('results need a bbox or a segmentation');

  return results.map((result, i) => {
    const detection = { id: i + 1, image_id: result.image_id, category_id: result.category_id, score: result.score };
    if (byBox) {
      const box = result.bbox;
      if (!Array.isArray(box) || box.length !== 4) throw new TypeError(`result ${i} has no bbox [x, y, width, height]`);
      const [x1, y1] = box;
      const [x2, y2] = [box[0] + box[2], box[1] + box[3]];
      detection.segmentation = result.segmentation ?? [[x1, y1, x1, y2, x2, y2, x2, y1]];
      detection.area = box[2] * box[3];
      detection.bbox = box;
    } else {
      if (result.segmentation === undefined) throw new TypeError(`result ${i} has no segmentation`);
      detection.segmentation = result.segmentation;
      const { size, counts } = maskOf(detection, gt.images, `result ${i}`);
      detection.area = countsArea(counts);
      detection.bbox = result.bbox ?? countsToBbox(counts, size[0], size[1]);
    }
    return detection;
  });
}
