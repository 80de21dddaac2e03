#include "model/mask_head.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/passes.h"
#include "kernels/gemm.h"
#include "model/conv_norm_layer.h"
#include "model/roi_pool.h"

/* Most boxes per pass of the convolution stack: its 14x14 maps are chunk x 196 x channels
 * floats (12.8 MB for 64 boxes of 256 channels), and one pass convolves enough pixels for a
 * float layer's weights to be transformed per call (see mask_conv_pixels). The passes are of
 * equal size (100 boxes in two of 50). */
#define MASK_CONV_CHUNK 64
/* Boxes per pass of the transposed convolution: bounds its 28x28 maps and the GEMM's rows
 * (chunk x 784 x channels floats each: 6.4 MB for 8 boxes of 256 channels). Against 16 boxes
 * the mask head took the same time in paired runs, and the package's WebAssembly memory for
 * ResNet-50 at 800x1199 with 1 thread went from 333 to 309 MiB (the pass's map was in the
 * run's largest live set). */
#define MASK_CHUNK 8

#define DECONV_WEIGHT "roi_heads.mask_predictor.conv5_mask.weight"

/* ConvTranspose2d weight [in][out][dy][dx] as the float GEMM's [in][(dy, dx, out)]. */
static mrw_status load_deconv_f32(mrw_mask_head *head, const mrw_safetensors *file,
                                  const int64_t wshape[4], mrw_error *err) {
  int c = head->channels, r = head->reduced;
  size_t n = (size_t)4 * r;
  float *w = NULL, *matrix = NULL;
  mrw_status s = mrw_read_tensor_f32(file, DECONV_WEIGHT, 4, wshape, &w, err);
  if (s == MRW_OK) {
    matrix = malloc((size_t)c * n * sizeof(float));
    head->deconv_packed = malloc(mrw_gemm_packed_b_floats((size_t)c, n) * sizeof(float));
    if (!matrix || !head->deconv_packed)
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the mask predictor");
  }
  if (s == MRW_OK) {
    for (int ci = 0; ci < c; ci++)
      for (int co = 0; co < r; co++)
        for (int d = 0; d < 4; d++) matrix[(size_t)ci * n + (size_t)d * r + co] = w[((size_t)ci * r + co) * 4 + d];
    mrw_gemm_pack_b(matrix, n, (size_t)c, n, head->deconv_packed);
  }
  free(w);
  free(matrix);
  return s;
}

/* The I8 weight t [in][out][dy][dx] (a scale per input channel) as the integer GEMM's
 * [(dy, dx, out)][in] with unit scales, its scales kept for the input (see mask_head.h). */
static mrw_status load_deconv_i8(mrw_mask_head *head, const mrw_tensor_view *t, mrw_error *err) {
  int c = head->channels, r = head->reduced;
  size_t n = (size_t)4 * r;
  const int8_t *q = t->data;
  int8_t *rows = malloc(n * (size_t)c);
  float *ones = malloc(n * sizeof(float));
  head->deconv_input_scales = malloc((size_t)c * sizeof(float));
  mrw_status s = MRW_OK;
  if (!rows || !ones || !head->deconv_input_scales)
    s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the mask predictor");
  if (s == MRW_OK) {
    for (int ci = 0; ci < c; ci++)
      for (int co = 0; co < r; co++)
        for (int d = 0; d < 4; d++) rows[((size_t)d * r + co) * c + ci] = q[((size_t)ci * r + co) * 4 + d];
    for (size_t j = 0; j < n; j++) ones[j] = 1.0f;
    /* little-endian F32, possibly unaligned in the file */
    memcpy(head->deconv_input_scales, t->scales, (size_t)c * sizeof(float));
    s = mrw_int8_matrix_pack(&head->deconv_int8, rows, n, (size_t)c, ones, err);
  }
  free(rows);
  free(ones);
  return s;
}

static mrw_status load_deconv(mrw_mask_head *head, const mrw_safetensors *file, mrw_error *err) {
  int c = head->channels, r = head->reduced;
  int64_t wshape[4] = {c, r, 2, 2}, bshape[1] = {r};
  const mrw_tensor_view *t = NULL;
  mrw_status s = mrw_find_float_tensor(file, DECONV_WEIGHT, 4, wshape, &t, err);
  if (s == MRW_OK)
    s = t->dtype == MRW_DTYPE_I8 ? load_deconv_i8(head, t, err) : load_deconv_f32(head, file, wshape, err);
  float *b = NULL;
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, "roi_heads.mask_predictor.conv5_mask.bias", 1, bshape, &b, err);
  size_t n = (size_t)4 * r;
  if (s == MRW_OK) {
    head->deconv_bias = malloc(n * sizeof(float));
    if (!head->deconv_bias) s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the mask predictor");
  }
  if (s == MRW_OK)
    for (int d = 0; d < 4; d++) memcpy(head->deconv_bias + (size_t)d * r, b, (size_t)r * sizeof(float));
  free(b);
  return s;
}

/* The map_pixels a mask head convolution is loaded with. A float layer's calls convolve up to
 * a whole pass of boxes (MASK_CONV_CHUNK x 196 pixels), so its weights stay as loaded and each
 * call transforms them: F(4x4, 3x3) from 11 boxes on, F(2x2, 3x3) for fewer (a live frame's
 * handful), where the transform costs little next to the saved products. An int8 layer keeps
 * F(2x2, 3x3) weights transformed at load (0), the tile its quantization is defined on. */
static int mask_conv_pixels(const mrw_safetensors *file, const char *weight) {
  const mrw_tensor_view *t = mrw_safetensors_find(file, weight);
  return t && t->dtype == MRW_DTYPE_I8 ? 0 : MASK_CONV_CHUNK * MRW_MASK_POOLED * MRW_MASK_POOLED;
}

mrw_status mrw_mask_head_load(mrw_mask_head *head, const mrw_safetensors *file,
                              const mrw_config *config, mrw_error *err) {
  memset(head, 0, sizeof *head);
  head->channels = config->mask_head_channels;
  head->reduced = config->mask_predictor_channels;
  head->roi_levels = config->fpn_levels - 1;
  head->classes = config->num_classes;
  head->conv_count = config->mask_head_layers;
  head->convs = calloc((size_t)head->conv_count, sizeof *head->convs);
  if (!head->convs) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the mask head");
  mrw_status s = MRW_OK;
  int in_c = config->fpn_channels;
  for (int i = 0; i < head->conv_count && s == MRW_OK; i++) {
    if (config->legacy_names) {
      char weight[128], bias[128];
      snprintf(weight, sizeof weight, "roi_heads.mask_head.mask_fcn%d.weight", i + 1);
      snprintf(bias, sizeof bias, "roi_heads.mask_head.mask_fcn%d.bias", i + 1);
      mrw_conv_spec spec = {weight, bias, NULL, 0.0f, in_c, head->channels, 3, 1, 1,
                            mask_conv_pixels(file, weight)};
      s = mrw_conv_layer_load(&head->convs[i], file, &spec, err);
    } else {
      /* v2: no bias, a BatchNorm at .1 (config.mask_head_norm) */
      char prefix[64], weight[80];
      snprintf(prefix, sizeof prefix, "roi_heads.mask_head.%d", i);
      snprintf(weight, sizeof weight, "%s.0.weight", prefix);
      s = mrw_conv_norm_layer_load(&head->convs[i], file, prefix, config->mask_head_norm,
                                   config->bn_eps, in_c, head->channels, 3,
                                   mask_conv_pixels(file, weight), err);
    }
    in_c = head->channels;
  }
  if (s == MRW_OK) s = load_deconv(head, file, err);
  int64_t lw[4] = {head->classes, head->reduced, 1, 1}, lb[1] = {head->classes};
  if (s == MRW_OK)
    s = mrw_read_tensor_f32(file, "roi_heads.mask_predictor.mask_fcn_logits.weight", 4, lw,
                            &head->logit_weights, err);
  if (s == MRW_OK)
    s = mrw_read_tensor_f32(file, "roi_heads.mask_predictor.mask_fcn_logits.bias", 1, lb,
                            &head->logit_bias, err);
  if (s != MRW_OK) mrw_mask_head_free(head);
  return s;
}

void mrw_mask_head_free(mrw_mask_head *head) {
  if (!head) return;
  if (head->convs)
    for (int i = 0; i < head->conv_count; i++) mrw_conv_layer_free(&head->convs[i]);
  free(head->convs);
  free(head->deconv_packed);
  free(head->deconv_bias);
  mrw_int8_matrix_free(&head->deconv_int8);
  free(head->deconv_input_scales);
  free(head->logit_weights);
  free(head->logit_bias);
  memset(head, 0, sizeof *head);
}

/* The 2x2 stride-2 transposed conv as one GEMM per chunk: every 14x14 input pixel gives a
 * row of (dy, dx, channel) values, scattered into the 28x28 map with ReLU already applied. */
static mrw_status run_deconv(const mrw_mask_head *head, mrw_feature *x, mrw_feature *out,
                             mrw_runtime *rt, mrw_error *err) {
  int c = head->channels, r = head->reduced, batch = x->h / MRW_MASK_POOLED;
  size_t pixels = (size_t)x->h * x->w, n = (size_t)4 * r;
  float *rows = malloc(pixels * n * sizeof(float));
  mrw_status s = rows ? mrw_feature_alloc(out, batch * MRW_MASK_SIZE, MRW_MASK_SIZE, r, err)
                      : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the mask predictor");
  mrw_epilogue e = {head->deconv_bias, NULL, 0, 1, NULL};
  if (s == MRW_OK && head->deconv_int8.packed) {
    /* x is this chunk's own and spent after this: scaled in place (see mask_head.h) */
    for (size_t p = 0; p < pixels; p++)
      for (int ci = 0; ci < c; ci++) x->data[p * c + ci] *= head->deconv_input_scales[ci];
    s = mrw_int8_matrix_run(&head->deconv_int8, x->data, pixels, (size_t)c, &e, rows, n, rt, err);
  } else if (s == MRW_OK) {
    mrw_dense_a dense = {x->data, (size_t)c};
    mrw_gemm_a a = {.pack = mrw_pack_a_dense, .ctx = &dense};
    mrw_gemm(pixels, n, (size_t)c, a, head->deconv_packed, &e, rows, n, rt->gemm_workspace, rt->pool);
  }
  if (s == MRW_OK) {
    /* x rows are (roi * 14 + y), so output row 2 * row + dy is roi * 28 + 2y + dy */
    for (size_t p = 0; p < pixels; p++) {
      size_t row = p / MRW_MASK_POOLED, col = p % MRW_MASK_POOLED;
      for (int dy = 0; dy < 2; dy++)
        memcpy(out->data + ((2 * row + dy) * MRW_MASK_SIZE + 2 * col) * r, rows + p * n + (size_t)dy * 2 * r,
               (size_t)2 * r * sizeof(float));
    }
  }
  free(rows);
  return s;
}

/* The transposed conv and each box's label map for boxes [first, first + count) of a pass,
 * whose conv stack output x holds them at rows first * 14 on. */
static mrw_status run_predictor(const mrw_mask_head *head, const mrw_feature *x, int first,
                                int count, const int *labels, float *probs, mrw_runtime *rt,
                                mrw_error *err) {
  size_t row = (size_t)x->w * x->c;
  mrw_feature slice = {x->data + (size_t)first * MRW_MASK_POOLED * row, count * MRW_MASK_POOLED,
                       x->w, x->c};
  mrw_feature y = {0};
  mrw_status s = run_deconv(head, &slice, &y, rt, err);
  if (s == MRW_OK) {
    int c = head->reduced;
    for (int r = 0; r < count; r++) {
      const float *w = head->logit_weights + (size_t)labels[r] * c;
      for (int p = 0; p < MRW_MASK_SIZE * MRW_MASK_SIZE; p++) {
        const float *v = y.data + ((size_t)r * MRW_MASK_SIZE * MRW_MASK_SIZE + p) * c;
        float logit = head->logit_bias[labels[r]];
        for (int ch = 0; ch < c; ch++) logit += v[ch] * w[ch];
        probs[(size_t)r * MRW_MASK_SIZE * MRW_MASK_SIZE + p] = 1.0f / (1.0f + expf(-logit));
      }
    }
  }
  mrw_feature_free(&y);
  return s;
}

/* One pass of boxes: RoIAlign and the conv stack over all of them, then the predictor in
 * chunks of MASK_CHUNK. */
static mrw_status run_pass(const mrw_mask_head *head, const mrw_feature levels[MRW_FPN_LEVELS],
                           int resized_h, const float *boxes, const int *labels, int count,
                           float *probs, mrw_runtime *rt, mrw_error *err) {
  int in_c = levels[0].c;
  mrw_feature x = {0}, y = {0};
  /* The pass is one tall image of count stacked 14x14 maps, convolved as a batch. */
  mrw_status s = mrw_feature_alloc(&x, count * MRW_MASK_POOLED, MRW_MASK_POOLED, in_c, err);
  if (s == MRW_OK)
    mrw_multiscale_roi_align(levels, head->roi_levels, resized_h, boxes, count, MRW_MASK_POOLED, 2, x.data, rt);
  for (int i = 0; i < head->conv_count && s == MRW_OK; i++) {
    s = mrw_conv_layer_run_batch(&head->convs[i], &x, count, NULL, 1, &y, rt, err);
    if (s == MRW_OK) {
      mrw_feature_free(&x);
      x = y;
      memset(&y, 0, sizeof y);
    }
  }
  /* the stack's scratch (its weights transformed per call) is not held beside the
   * predictor's maps */
  mrw_runtime_release_scratch(rt);
  for (int first = 0; first < count && s == MRW_OK; first += MASK_CHUNK) {
    int n = count - first < MASK_CHUNK ? count - first : MASK_CHUNK;
    s = run_predictor(head, &x, first, n, labels + first,
                      probs + (size_t)first * MRW_MASK_SIZE * MRW_MASK_SIZE, rt, err);
  }
  mrw_feature_free(&x);
  return s;
}

mrw_status mrw_mask_head_run(const mrw_mask_head *head, const mrw_feature levels[MRW_FPN_LEVELS],
                             int resized_h, const float *boxes, const int *labels, int count,
                             float *probs, mrw_runtime *rt, mrw_error *err) {
  mrw_status s = MRW_OK;
  int chunk = mrw_equal_pass_size(count, MASK_CONV_CHUNK);
  for (int first = 0; first < count && s == MRW_OK; first += chunk) {
    int n = count - first < chunk ? count - first : chunk;
    s = run_pass(head, levels, resized_h, boxes + (size_t)first * 4, labels + first, n,
                 probs + (size_t)first * MRW_MASK_SIZE * MRW_MASK_SIZE, rt, err);
  }
  return s;
}
