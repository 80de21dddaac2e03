#ifndef MRW_MODEL_MASK_HEAD_H
#define MRW_MODEL_MASK_HEAD_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/int8_matrix.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MRW_MASK_POOLED 14
#define MRW_MASK_SIZE 28

/* torchvision's mask branch: MultiScaleRoIAlign 14x14 (sampling 2), MaskRCNNHeads (3x3
 * convs, each followed by a BatchNorm in v2, with ReLU), MaskRCNNPredictor (2x2 stride-2
 * transposed conv + ReLU, 1x1 conv to one logit map per class), and the sigmoid of the
 * predicted class's map. */
typedef struct mrw_mask_head {
  mrw_conv_layer *convs;
  int conv_count;
  float *deconv_packed; /* GEMM operand [in][(dy, dx, out)]; NULL for an int8 file's */
  float *deconv_bias;   /* [(dy, dx, out)]: the bias repeated per position */
  /* An int8 file's transposed conv: its weight [in][out][2][2] has a scale per input channel
   * (the stored tensor's rows), so the integer GEMM runs [(dy, dx, out)][in] with unit
   * column scales on an input whose channels were first multiplied by those scales. */
  mrw_int8_matrix deconv_int8;
  float *deconv_input_scales; /* [in] */
  int channels;         /* mask head width (the transposed conv's input) */
  int reduced;          /* the predictor's dim_reduced (the transposed conv's output) */
  float *logit_weights; /* [classes][reduced] */
  float *logit_bias;    /* [classes] */
  int classes;
  int roi_levels;       /* FPN levels the RoIAlign pools from (all but "pool") */
} mrw_mask_head;

mrw_status mrw_mask_head_load(mrw_mask_head *head, const mrw_safetensors *file,
                              const mrw_config *config, mrw_error *err);
void mrw_mask_head_free(mrw_mask_head *head);

/* probs: [count][28][28], the mask probability of each box's label. boxes in
 * resized-image coordinates. */
mrw_status mrw_mask_head_run(const mrw_mask_head *head, const mrw_feature levels[MRW_FPN_LEVELS],
                             int resized_h, const float *boxes, const int *labels, int count,
                             float *probs, mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
