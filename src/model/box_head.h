#ifndef MRW_MODEL_BOX_HEAD_H
#define MRW_MODEL_BOX_HEAD_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/linear.h"
#include "model/rpn.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's box branch: MultiScaleRoIAlign 7x7 (sampling 2), a box head and
 * FastRCNNPredictor (cls_score and bbox_pred, bound as one GEMM). The box head is TwoMLPHead
 * (fc6, fc7 with ReLU; v1) or FastRCNNConvFCHead (v2: 3x3 conv (+ BatchNorm) + ReLU layers on
 * the 7x7 RoI features, then one fully connected layer + ReLU, here fc6 with fc7 unbound). */
typedef struct mrw_box_head {
  mrw_conv_layer *convs; /* FastRCNNConvFCHead's, conv_count of them */
  int conv_count;
  mrw_linear fc6, fc7, predictor;
  int classes;
} mrw_box_head;

/* The box branch's output for one image: boxes, scores and labels, best first, in
 * resized-image coordinates (the detector turns the kept ones into a result's instances). */
typedef struct mrw_box_detections {
  float *boxes; /* [count][4] */
  float *scores;
  int *labels;
  int count;
} mrw_box_detections;

mrw_status mrw_box_head_load(mrw_box_head *head, const mrw_safetensors *file,
                             const mrw_config *config, mrw_error *err);
void mrw_box_head_free(mrw_box_head *head);

/* The head and predictor on the proposals: predictions [count][5 * classes], each row the class
 * logits then the box deltas (4 per class); nothing to do for no proposals. */
mrw_status mrw_box_head_predict(const mrw_box_head *head, const mrw_config *config,
                                const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                                const mrw_proposals *proposals, float *predictions,
                                mrw_runtime *rt, mrw_error *err);

/* RoIHeads.postprocess_detections after the head: softmax, per-class decode with weights
 * (10, 10, 5, 5), clip, drop background, score > threshold, drop boxes under min size,
 * class-wise NMS, the best detections_per_img. */
mrw_status mrw_box_head_run(const mrw_box_head *head, const mrw_config *config,
                            const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                            int resized_w, const mrw_proposals *proposals, mrw_box_detections *out,
                            mrw_runtime *rt, mrw_error *err);
void mrw_box_detections_free(mrw_box_detections *d);

#ifdef __cplusplus
}
#endif

#endif
