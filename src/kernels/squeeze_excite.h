#ifndef MRW_KERNELS_SQUEEZE_EXCITE_H
#define MRW_KERNELS_SQUEEZE_EXCITE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The three steps of torchvision's SqueezeExcitation (MobileNetV3's SE with hardsigmoid):
 * global average pool, the two 1x1 convolutions on the pooled vector, the channel scale. */

/* x: [pixels, C] channels-last; mean: [C] = sum over pixels (in pixel order) / pixels. */
void mrw_global_avg_pool(const float *x, size_t pixels, int channels, float *mean);
void mrw_global_avg_pool_ref(const float *x, size_t pixels, int channels, float *mean);

/* mean: [C]; w1: [S, C] (torch [S][C][1][1]), b1: [S]; w2: [C, S], b2: [C];
 * hidden: [S] scratch; scale: [C] = hardsigmoid(w2 relu(w1 mean + b1) + b2). */
void mrw_excite_scale(const float *mean, int channels, int squeeze, const float *w1,
                      const float *b1, const float *w2, const float *b2, float *hidden,
                      float *scale);
void mrw_excite_scale_ref(const float *mean, int channels, int squeeze, const float *w1,
                          const float *b1, const float *w2, const float *b2, float *hidden,
                          float *scale);

/* x: [pixels, C] channels-last, in place: x[p][c] = scale[c] * x[p][c]. */
void mrw_channel_scale(float *x, size_t pixels, int channels, const float *scale);
void mrw_channel_scale_ref(float *x, size_t pixels, int channels, const float *scale);

#ifdef __cplusplus
}
#endif

#endif
