// Running a segmenter over a COCO dataset's images and writing its output as COCO results
// (the records pycocotools' loadRes reads): bbox [x, y, w, h], category_id found by class
// name among the annotations' categories, score, and the full-image mask as compressed RLE
// (the engine's own encoding: segment(..., { rle: true })).

import path from 'node:path';

/**
 * Category ids by name.
 * @param {{ id: number, name: string }[]} categories
 * @returns {Map<string, number>}
 */
export function categoryIdsByName(categories) {
  return new Map(categories.map((category) => [category.name, category.id]));
}

/**
 * One image's segmentation result as COCO result records. Instances whose class name is not
 * a category of the annotations are left out and their names returned. A mask with its
 * compressed RLE (mask.rle) becomes the record's segmentation.
 * @param {{ instances: { box: number[], className: string, score: number, mask?: { rle?: string } }[] }} result
 * @param {{ imageId: number, width: number, height: number, categoryIdByName: Map<string, number> }} image
 */
export function resultToCoco(result, { imageId, width, height, categoryIdByName }) {
  const records = [];
  const unknownClasses = [];
  for (const instance of result.instances) {
    const categoryId = categoryIdByName.get(instance.className);
    if (categoryId === undefined) { unknownClasses.push(instance.className); continue; }
    const [x1, y1, x2, y2] = instance.box;
    const record = { image_id: imageId, category_id: categoryId, bbox: [x1, y1, x2 - x1, y2 - y1], score: instance.score };
    if (instance.mask?.rle !== undefined) record.segmentation = { size: [height, width], counts: instance.mask.rle };
    records.push(record);
  }
  return { records, unknownClasses };
}

/**
 * Segments every image of a COCO dataset and returns the results.
 * @param {object} options
 * @param {{ segment: Function }} options.segmenter
 * @param {{ images: { id: number, file_name: string, width?: number, height?: number }[], categories: { id: number, name: string }[] }} options.dataset
 * @param {string} options.imagesDir folder the images' file_name values are relative to
 * @param {(file: string) => Promise<{ data: Uint8Array | Uint8ClampedArray, width: number, height: number }>} options.readImage
 *   decodes a PNG or JPEG file to RGBA
 * @param {number} [options.scoreThreshold]
 * @param {number} [options.maxInstances]
 * @param {(progress: { index: number, total: number, file: string, instances: number }) => void} [options.onImage]
 * @returns {Promise<{ results: object[], unknownClasses: Map<string, number> }>}
 */
export async function predictDataset({
  segmenter, dataset, imagesDir, readImage, scoreThreshold = 0.05, maxInstances = 100, onImage,
}) {
  const categoryIdByName = categoryIdsByName(dataset.categories);
  const results = [];
  const unknownClasses = new Map();
  for (const [index, image] of dataset.images.entries()) {
    if (typeof image.file_name !== 'string') throw new TypeError(`image ${image.id} has no file_name`);
    const file = path.join(imagesDir, image.file_name);
    const pixels = await readImage(file);
    if ((image.width !== undefined && image.width !== pixels.width) ||
        (image.height !== undefined && image.height !== pixels.height)) {
      throw new RangeError(`${file} is ${pixels.width}x${pixels.height} but the annotations say ${image.width}x${image.height}`);
    }
    const result = await segmenter.segment(
      { data: pixels.data, width: pixels.width, height: pixels.height },
      { scoreThreshold, maxInstances, rle: true },
    );
    const coco = resultToCoco(result, { imageId: image.id, width: pixels.width, height: pixels.height, categoryIdByName });
    results.push(...coco.records);
    for (const name of coco.unknownClasses) unknownClasses.set(name, (unknownClasses.get(name) ?? 0) + 1);
    onImage?.({ index, total: dataset.images.length, file, instances: coco.records.length });
  }
  return { results, unknownClasses };
}
