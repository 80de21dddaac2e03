#ifndef MRW_KERNELS_ROI_ALIGN_H
#define MRW_KERNELS_ROI_ALIGN_H

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision.ops.roi_align with aligned=False on one channels-last feature map.
 * features: [h][w][c]; box: x1, y1, x2, y2 in image coordinates (scaled by spatial_scale);
 * out: [pooled_h][pooled_w][c]. sampling_ratio > 0 samples that many points per bin side,
 * otherwise ceil(roi size / pooled size) as torchvision does. Arithmetic in float, in
 * torchvision's order, so results agree with it to rounding. */
void mrw_roi_align(const float *features, int h, int w, int c, float spatial_scale,
                   int sampling_ratio, const float box[4], int pooled_h, int pooled_w, float *out);

/* Scalar reference: one channel at a time, no precomputed samples. */
void mrw_roi_align_ref(const float *features, int h, int w, int c, float spatial_scale,
                       int sampling_ratio, const float box[4], int pooled_h, int pooled_w,
                       float *out);

#ifdef __cplusplus
}
#endif

#endif
