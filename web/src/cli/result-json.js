// The CLI's JSON for one image: instances with full-image binary masks as COCO compressed
// RLE ({ size: [height, width], counts }), as pycocotools reads them.

export function resultJson(result) {
  return {
    width: result.width,
    height: result.height,
    instances: result.instances.map((instance) => ({
      box: instance.box,
      label: instance.label,
      className: instance.className,
      score: instance.score,
      mask: { size: [result.height, result.width], counts: instance.mask.rle },
    })),
  };
}
