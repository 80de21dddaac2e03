#ifndef MRW_MODEL_DETECTOR_H
#define MRW_MODEL_DETECTOR_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/box_head.h"
#include "model/config.h"
#include "model/fpn.h"
#include "model/instance.h"
#include "model/mask_head.h"
#include "model/mobilenet_v3.h"
#include "model/paste.h"
#include "model/preprocess.h"
#include "model/resnet.h"
#include "model/rpn.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's MaskRCNN (eval mode) bound to one model file. */
typedef struct mrw_detector {
  mrw_config config;
  mrw_resnet resnet;          /* bound when config.backbone is MRW_BACKBONE_RESNET */
  mrw_mobilenet_v3 mobilenet; /* bound when it is MRW_BACKBONE_MOBILENET_V3_LARGE */
  mrw_fpn fpn;
  mrw_rpn rpn;
  mrw_box_head box_head;
  mrw_mask_head mask_head;
} mrw_detector;

/* The backbone's returned stages (4 for ResNet, config.fpn_levels - 1 for MobileNetV3, the
 * rest zeroed), owned by the caller: the FPN's inputs. */
mrw_status mrw_detector_backbone(const mrw_detector *d, const mrw_feature *image,
                                 mrw_feature stages[4], mrw_runtime *rt, mrw_error *err);

/* Builds the network from the file, releasing each part's tensors once it is built (from a
 * file that keeps tensors apart, mrw_safetensors_release), so the file and the built weights
 * are never both whole in memory; F32 weights are built into their tensors' own blocks where
 * they fit (mrw_safetensors_offer_blocks). The file is spent for any other reader. */
mrw_status mrw_detector_load(mrw_detector *d, mrw_safetensors *file, mrw_error *err);
void mrw_detector_free(mrw_detector *d);

/* Runs the model; keeps instances with score >= score_threshold, at most max_instances, in a
 * new result (boxes, labels, scores, mask probabilities and stage times; no class names or
 * binary masks yet). release (may be NULL) is freed (free()) once preprocessing has read the
 * image, whatever the outcome: the caller's copy of the pixels, when it is one, is not held
 * through the run. Only the image's sizes are read after that. */
mrw_status mrw_detector_run(const mrw_detector *d, const mrw_image_view *image, void *release,
                            float score_threshold, int max_instances, struct mrw_result **out,
                            mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
