/** torchvision's 91-entry COCO category list (index 0 = background). */
export const COCO_LABELS: readonly string[];
