#ifndef MRW_MODEL_RPN_H
#define MRW_MODEL_RPN_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's RPNHead: shared 3x3 conv + ReLU layers (conv_depth: 1, or 2 in v2), then 1x1
 * objectness (A channels) and 1x1 box deltas (4A channels), here fused into one 1x1 conv of
 * 5A channels. */
typedef struct mrw_rpn {
  mrw_conv_layer convs[MRW_MAX_RPN_CONV_DEPTH];
  int conv_depth;
  mrw_conv_layer heads; /* channels [0, A): logits; [A, 5A): deltas, anchor-major */
  int anchors;          /* A, anchors per location */
} mrw_rpn;

/* Proposals of one image, best first, in resized-image coordinates. */
typedef struct mrw_proposals {
  float *boxes; /* [count][4] */
  float *scores;
  int count;
} mrw_proposals;

mrw_status mrw_rpn_load(mrw_rpn *rpn, const mrw_safetensors *file, const mrw_config *config,
                        mrw_error *err);
void mrw_rpn_free(mrw_rpn *rpn);

/* RegionProposalNetwork.forward at inference over the config's FPN levels: per level top-k
 * logits, decode, sigmoid, clip, small-box removal, score threshold, NMS per level, then
 * the top post_nms_top_n. image_h/w: the padded input size; resized_h/w: the image inside. */
mrw_status mrw_rpn_run(const mrw_rpn *rpn, const mrw_config *config,
                       const mrw_feature levels[MRW_FPN_LEVELS], int image_h, int image_w,
                       int resized_h, int resized_w, mrw_proposals *out, mrw_runtime *rt,
                       mrw_error *err);
void mrw_proposals_free(mrw_proposals *p);

#ifdef __cplusplus
}
#endif

#endif
