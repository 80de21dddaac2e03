#include "model/conv_layer.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/passes.h"
#include "kernels/conv2d_i8.h"
#include "kernels/winograd.h"
#include "kernels/winograd_i8.h"

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
  size_t used = (size_t)snprintf(buf, cap, "[");
  for (int i = 0; i < ndim && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (used < cap) snprintf(buf + used, cap - used, "]");
}

mrw_status mrw_find_float_tensor(const mrw_safetensors *file, const char *name, int ndim,
                                 const int64_t *shape, const mrw_tensor_view **out,
                                 mrw_error *err) {
  *out = NULL;
  const mrw_tensor_view *t = mrw_safetensors_find(file, name);
  if (!t) return mrw_error_set(err, MRW_ERR_BAD_MODEL, "model file: tensor '%s' is missing", name);
  int same = t->ndim == ndim;
  for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
  if (!same) {
    char want[128], have[128];
    format_shape(want, sizeof want, ndim, shape);
    format_shape(have, sizeof have, t->ndim, t->shape);
    return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                         "model file: tensor '%s' has shape %s, expected %s", name, have, want);
  }
  if (t->dtype == MRW_DTYPE_U8)
    return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                         "model file: tensor '%s' is U8, expected F32 or F16", name);
  *out = t;
  return MRW_OK;
}

mrw_status mrw_read_tensor_f32(const mrw_safetensors *file, const char *name, int ndim,
                               const int64_t *shape, float **out, mrw_error *err) {
  *out = NULL;
  const mrw_tensor_view *t = NULL;
  mrw_status found = mrw_find_float_tensor(file, name, ndim, shape, &t, err);
  if (found != MRW_OK) return found;
  float *data = malloc((t->count ? t->count : 1) * sizeof(float));
  if (!data)
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory reading tensor '%s'", name);
  mrw_status s = mrw_tensor_read_f32(t, data, t->count, err);
  if (s != MRW_OK) {
    free(data);
    return s;
  }
  *out = data;
  return MRW_OK;
}

/* Folds a FrozenBatchNorm into weights [out_c][rest] and a new bias [out_c], computing the
 * scale in float as torchvision does: weight * rsqrt(running_var + eps). */
mrw_status mrw_fold_batch_norm(const mrw_safetensors *file, const mrw_conv_spec *spec,
                               float *weights, float *bias, mrw_error *err) {
  static const char *parts[4] = {"weight", "bias", "running_mean", "running_var"};
  float *bn[4] = {0};
  int64_t shape[1] = {spec->out_c};
  mrw_status s = MRW_OK;
  for (int i = 0; i < 4 && s == MRW_OK; i++) {
    char name[256];
    snprintf(name, sizeof name, "%s.%s", spec->bn, parts[i]);
    s = mrw_read_tensor_f32(file, name, 1, shape, &bn[i], err);
  }
  if (s == MRW_OK) {
    size_t per_out = (size_t)spec->in_c * spec->kernel * spec->kernel;
    for (int co = 0; co < spec->out_c; co++) {
      float scale = bn[0][co] * (1.0f / sqrtf(bn[3][co] + spec->bn_eps));
      for (size_t i = 0; i < per_out; i++) weights[co * per_out + i] *= scale;
      bias[co] = bn[1][co] - bn[2][co] * scale;
    }
  }
  for (int i = 0; i < 4; i++) free(bn[i]);
  return s;
}

/* Winograd pays when its 16 GEMMs are large next to the transforms around them (which cost
 * per tile and channel, while the GEMMs save per tile and channel pair). Measured on 100x152
 * maps: with 4 or 8 channels in and out the implicit GEMM is about 12% faster, from 16 on
 * Winograd is faster (the model's 3x3 stride-1 convolutions have 64 or more). */
#define WINOGRAD_MIN_CHANNELS 16

static int use_winograd(const mrw_conv_shape *s) {
  return mrw_winograd_applies(s) && s->in_c >= WINOGRAD_MIN_CHANNELS &&
         s->out_c >= WINOGRAD_MIN_CHANNELS;
}

/* Transforming a layer's weights for F(4x4, 3x3) per call takes about 60 ns per channel pair
 * on one thread (kernel_bench: 4 ms for 256 -> 256; the 36 stores per pair bound it), and
 * F(4x4, 3x3) saves 28 of the 64 products per pair of F(2x2, 3x3) on each 4x4 tile, about
 * 0.5 ns: the transform pays for itself from about 130 tiles, 2000 pixels. Layers whose calls
 * convolve at least that keep their weights as loaded (9 floats per pair instead of 16) and
 * run F(4x4, 3x3) on calls that large; their smaller calls (the RPN head on the coarse levels)
 * transform for F(2x2, 3x3), which costs less than half as much. Layers whose calls are all
 * smaller keep F(2x2, 3x3) weights transformed at load. An int8 layer with calls that large
 * keeps F(4x4, 3x3) weights transformed at load (36 int16 per pair against 16: int8 weights
 * are small) where its weights keep the integer sums exact (kernels/winograd_i8.h). */
#define WINOGRAD_AT_RUN_PIXELS 2048
/* Layers this wide (ResNet-50's last stage: 512 -> 512) transform per call whatever their
 * maps: their F(2x2, 3x3) weights would take 16.8 MB beside the 9.4 MB block they were read
 * into, which stays a hole among the weights; in paired runs the per-call transform left
 * ResNet-50's backbone time within its noise (+-20 ms of about 1.5 s, 2 threads). */
#define WINOGRAD_AT_RUN_CHANNEL_PAIRS (512 * 512)

static int run_tile(const mrw_conv_layer *layer, const mrw_conv_shape *shape) {
  if (layer->winograd == MRW_WINOGRAD_PACKED) return 2;
  size_t pixels = (size_t)mrw_conv_batch(shape) * (size_t)shape->in_h * (size_t)shape->in_w;
  return pixels >= WINOGRAD_AT_RUN_PIXELS ? 4 : 2;
}

/* The layer's bias: its own, or zeros (for a BatchNorm to fill). */
static mrw_status load_bias(mrw_conv_layer *layer, const mrw_safetensors *file,
                            const mrw_conv_spec *spec, mrw_error *err) {
  int64_t bshape[1] = {spec->out_c};
  if (spec->bias) return mrw_read_tensor_f32(file, spec->bias, 1, bshape, &layer->bias, err);
  layer->bias = calloc((size_t)spec->out_c, sizeof(float));
  return layer->bias ? MRW_OK : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for a bias");
}

/* How an int8 weight runs: 1x1 stride-1 convolutions on the integer GEMM (the input's pixels
 * are its rows), 3x3 stride-1 ones that Winograd suits on int8 Winograd, any other on the
 * integer GEMM over gathered receptive fields (kernels/conv2d_i8.h). */
static enum mrw_int8_conv int8_path(const mrw_conv_spec *spec, const mrw_conv_shape *shape,
                                    const mrw_tensor_view *weight) {
  if (weight->dtype != MRW_DTYPE_I8) return MRW_INT8_NONE;
  if (spec->kernel == 1 && spec->stride == 1 && spec->pad == 0) return MRW_INT8_PIXELS;
  if (use_winograd(shape) && mrw_winograd_i8_applies(shape)) return MRW_INT8_WINOGRAD;
  return MRW_INT8_IM2COL;
}

/* The weight [out_c][in_c][k][k] as rows of the im2col depth order (ky, kx, channel). */
static mrw_status load_int8_im2col(mrw_conv_layer *layer, const mrw_conv_spec *spec,
                                   const mrw_tensor_view *weight, mrw_error *err) {
  size_t taps = (size_t)spec->kernel * (size_t)spec->kernel, in_c = (size_t)spec->in_c;
  int *order = malloc(taps * in_c * sizeof(int));
  if (!order) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for int8 weights");
  for (size_t t = 0; t < taps; t++)
    for (size_t ci = 0; ci < in_c; ci++) order[t * in_c + ci] = (int)(ci * taps + t);
  mrw_status s = mrw_int8_matrix_load(&layer->int8, weight, (size_t)spec->out_c, taps * in_c,
                                      order, err);
  free(order);
  return s;
}

/* An int8 convolution: its BatchNorm scales the per-channel weight scales (a folding with one
 * weight per output channel) and sets the bias. */
static mrw_status load_int8(mrw_conv_layer *layer, const mrw_safetensors *file,
                            const mrw_conv_spec *spec, const mrw_tensor_view *weight,
                            enum mrw_int8_conv path, mrw_error *err) {
  layer->int8_conv = path;
  mrw_status s =
      path == MRW_INT8_WINOGRAD
          ? mrw_int8_matrix_load_winograd(&layer->int8, weight, &layer->shape,
                                          spec->map_pixels >= WINOGRAD_AT_RUN_PIXELS, err)
      : path == MRW_INT8_IM2COL ? load_int8_im2col(layer, spec, weight, err)
                                : mrw_int8_matrix_load(&layer->int8, weight, (size_t)spec->out_c,
                                                       (size_t)spec->in_c, NULL, err);
  if (s == MRW_OK) s = load_bias(layer, file, spec, err);
  if (s == MRW_OK && spec->bn) {
    mrw_conv_spec per_channel = *spec;
    per_channel.in_c = 1;
    per_channel.kernel = 1;
    s = mrw_fold_batch_norm(file, &per_channel, layer->int8.scales, layer->bias, err);
  }
  if (s != MRW_OK) mrw_conv_layer_free(layer);
  return s;
}

/* Packs weights [out_c][in_c][k][k] (BatchNorm folded) in the layer's layout. */
static void pack_f32(const mrw_conv_layer *layer, const mrw_conv_shape *shape,
                     const float *weights, float *packed) {
  if (layer->winograd == MRW_WINOGRAD_AT_RUN)
    mrw_winograd_group_panels(shape, weights, packed);
  else if (layer->winograd)
    mrw_winograd_pack_weights(shape, 2, weights, packed, NULL);
  else
    mrw_conv_pack_weights(shape, weights, packed);
}

/* An F32 weight the file keeps in a block of its own (a streamed file), whose output channels
 * fill whole panels of 8, is folded and packed where the file's bytes were: panel j of either
 * layout that keeps 9 floats per channel pair (the GEMM's [k][8], the Winograd panels'
 * [in_c][9][8]) spans rows 8j to 8j+7 of the weight, so each panel's rows are copied aside and
 * packed back over them. No copy of the weight is made: with one per layer, ResNet-50's heap
 * ended 2.8 MB higher after loading (its largest, 9 MB, read above the file's blocks).
 * Returns 0, leaving the tensor, when the weight does not qualify. */
static int pack_f32_in_place(mrw_conv_layer *layer, const mrw_safetensors *file,
                             const mrw_conv_spec *spec, const mrw_tensor_view *weight,
                             mrw_status *s, mrw_error *err) {
  size_t row = weight->count / (size_t)spec->out_c;
  float *block = mrw_safetensors_take_block(file, weight, weight->count * sizeof(float));
  if (!block) return 0;
  layer->packed = block;
  float *rows = malloc(MRW_GEMM_NR * row * sizeof(float));
  *s = rows ? MRW_OK
            : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory packing '%s'", spec->weight);
  if (*s == MRW_OK && spec->bn) *s = mrw_fold_batch_norm(file, spec, block, layer->bias, err);
  mrw_conv_shape panel = layer->shape;
  panel.out_c = MRW_GEMM_NR;
  for (size_t first = 0; first < (size_t)spec->out_c && *s == MRW_OK; first += MRW_GEMM_NR) {
    memcpy(rows, block + first * row, MRW_GEMM_NR * row * sizeof(float));
    pack_f32(layer, &panel, rows, block + first * row);
  }
  free(rows);
  return 1;
}

static mrw_status load_f32_weights(mrw_conv_layer *layer, const mrw_safetensors *file,
                                   const mrw_conv_spec *spec, const mrw_tensor_view *weight,
                                   mrw_error *err) {
  size_t floats = layer->winograd == MRW_WINOGRAD_AT_RUN ? mrw_winograd_panel_floats(&layer->shape)
                  : layer->winograd ? mrw_winograd_packed_floats(&layer->shape, 2)
                                    : mrw_conv_packed_floats(&layer->shape);
  mrw_status s = MRW_OK;
  if (weight->dtype == MRW_DTYPE_F32 && floats == weight->count &&
      pack_f32_in_place(layer, file, spec, weight, &s, err))
    return s;
  int64_t wshape[4] = {spec->out_c, spec->in_c, spec->kernel, spec->kernel};
  float *weights = NULL;
  s = mrw_read_tensor_f32(file, spec->weight, 4, wshape, &weights, err);
  if (s == MRW_OK && spec->bn) s = mrw_fold_batch_norm(file, spec, weights, layer->bias, err);
  if (s == MRW_OK) {
    layer->packed = malloc(floats * sizeof(float));
    if (!layer->packed)
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory packing '%s'", spec->weight);
    else
      pack_f32(layer, &layer->shape, weights, layer->packed);
  }
  free(weights);
  return s;
}

mrw_status mrw_conv_layer_load(mrw_conv_layer *layer, const mrw_safetensors *file,
                               const mrw_conv_spec *spec, mrw_error *err) {
  memset(layer, 0, sizeof *layer);
  layer->shape = (mrw_conv_shape){.in_c = spec->in_c, .out_c = spec->out_c,
                                  .kernel_h = spec->kernel, .kernel_w = spec->kernel,
                                  .stride = spec->stride, .pad = spec->pad, .batch = 1};
  int64_t wshape[4] = {spec->out_c, spec->in_c, spec->kernel, spec->kernel};
  const mrw_tensor_view *weight = NULL;
  mrw_status s = mrw_find_float_tensor(file, spec->weight, 4, wshape, &weight, err);
  if (s != MRW_OK) return s;
  enum mrw_int8_conv path = int8_path(spec, &layer->shape, weight);
  if (path != MRW_INT8_NONE) return load_int8(layer, file, spec, weight, path, err);
  int wide = (long)spec->in_c * spec->out_c >= WINOGRAD_AT_RUN_CHANNEL_PAIRS;
  layer->winograd = !use_winograd(&layer->shape) ? MRW_WINOGRAD_NONE
                    : spec->map_pixels >= WINOGRAD_AT_RUN_PIXELS || wide ? MRW_WINOGRAD_AT_RUN
                                                                         : MRW_WINOGRAD_PACKED;
  s = load_bias(layer, file, spec, err);
  if (s == MRW_OK) s = load_f32_weights(layer, file, spec, weight, err);
  if (s != MRW_OK) mrw_conv_layer_free(layer);
  return s;
}

void mrw_conv_layer_free(mrw_conv_layer *layer) {
  if (!layer) return;
  free(layer->packed);
  free(layer->bias);
  mrw_int8_matrix_free(&layer->int8);
  memset(layer, 0, sizeof *layer);
}

/* The layer's shape on one image of `in`'s height and width. */
static mrw_conv_shape shape_on(const mrw_conv_layer *layer, const mrw_feature *in) {
  mrw_conv_shape shape = layer->shape;
  shape.in_h = in->h;
  shape.in_w = in->w;
  return shape;
}

/* A float Winograd layer's call: its tile, its transformed weights (the layer's own, or
 * transformed per call into the runtime's scratch) and the kernel's workspace after them. */
typedef struct winograd_call {
  int tile;
  const float *packed;
  float *workspace;
} winograd_call;

/* shape: the whole call's (it picks the tile); window: what one kernel call computes (the
 * workspace is sized for it). Returns 0 when out of memory (err set). */
static int prepare_winograd(const mrw_conv_layer *layer, const mrw_conv_shape *shape,
                            const mrw_conv_shape *window, winograd_call *call, mrw_runtime *rt,
                            mrw_error *err) {
  call->tile = run_tile(layer, shape);
  size_t packed_floats = layer->winograd == MRW_WINOGRAD_AT_RUN
                             ? mrw_winograd_packed_floats(shape, call->tile) : 0;
  size_t workspace_floats =
      mrw_winograd_workspace_floats(window, call->tile, mrw_thread_pool_size(rt->pool));
  float *ws = mrw_runtime_scratch(rt, packed_floats + workspace_floats, err);
  if (!ws) return 0;
  call->packed = layer->packed;
  if (layer->winograd == MRW_WINOGRAD_AT_RUN) {
    mrw_winograd_pack_panels(shape, call->tile, layer->packed, ws, rt->pool);
    call->packed = ws;
    ws += packed_floats;
  }
  call->workspace = ws;
  return 1;
}

/* Floats of transformed weights a layer that transforms per call holds at once (8 MB): its
 * output channels go in equal groups of whole panels within that. ResNet-50's 512 -> 512
 * layers transform for F(2x2, 3x3) in two groups of 256 channels, not 16.8 MB at once; the
 * 256 -> 256 ones (layer3, the mask head) for F(4x4, 3x3) in two of 128, not 9.4 MB. Each
 * group transforms the input tiles again (a few percent of a layer's time). Groups of 4 MB
 * (tried with the transposed convolution in passes of 8 boxes) lowered the package's heap
 * top 5 MB more at 800x1199, with the mask head about 10 % slower in paired runs. */
#define WINOGRAD_GROUP_FLOATS ((size_t)2 << 20)

/* Output channels per group of a layer transformed per call. */
static int winograd_group_channels(const mrw_conv_shape *shape, int tile) {
  size_t per_panel = (size_t)mrw_winograd_points(tile) * (size_t)shape->in_c * MRW_GEMM_NR;
  int panels = (shape->out_c + MRW_GEMM_NR - 1) / MRW_GEMM_NR;
  size_t most = WINOGRAD_GROUP_FLOATS / per_panel;
  return mrw_equal_pass_size(panels, most < (size_t)panels ? (int)most : panels) * MRW_GEMM_NR;
}

/* A layer that keeps its weights as loaded (panels of 8 output channels, 9 taps each): per
 * group of output channels, transform the group's panels into the scratch and convolve them
 * into their place in out. */
static mrw_status run_winograd_in_groups(const mrw_conv_layer *layer, const mrw_conv_shape *shape,
                                         const mrw_feature *in, const mrw_epilogue *e,
                                         mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  int tile = run_tile(layer, shape);
  int group = winograd_group_channels(shape, tile);
  mrw_conv_shape part = *shape;
  part.out_c = group < shape->out_c ? group : shape->out_c;
  size_t packed_floats = mrw_winograd_packed_floats(&part, tile);
  size_t workspace_floats =
      mrw_winograd_workspace_floats(&part, tile, mrw_thread_pool_size(rt->pool));
  float *packed = mrw_runtime_scratch(rt, packed_floats + workspace_floats, err);
  if (!packed) return MRW_ERR_OUT_OF_MEMORY;
  size_t panel_floats = (size_t)shape->in_c * 9 * MRW_GEMM_NR;
  for (int first = 0; first < shape->out_c; first += group) {
    part.out_c = shape->out_c - first < group ? shape->out_c - first : group;
    const float *panels = layer->packed + (size_t)first / MRW_GEMM_NR * panel_floats;
    mrw_winograd_pack_panels(&part, tile, panels, packed, rt->pool);
    mrw_epilogue ge = *e;
    if (ge.bias) ge.bias += first;
    if (ge.residual) ge.residual += first;
    mrw_winograd_conv2d_strided(&part, tile, in->data, packed, &ge, out->data + first,
                                (size_t)shape->out_c, packed + packed_floats, rt->pool);
  }
  return MRW_OK;
}

mrw_status mrw_conv_layer_run_batch(const mrw_conv_layer *layer, const mrw_feature *in,
                                    int batch, const mrw_feature *residual, int relu,
                                    mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  mrw_conv_shape shape = layer->shape;
  if (in->c != shape.in_c || batch < 1 || in->h % batch != 0)
    return mrw_error_set(err, MRW_ERR_INTERNAL,
                         "convolution expects %d input channels in %d images, got %dx%dx%d",
                         shape.in_c, batch, in->h, in->w, in->c);
  shape.in_h = in->h / batch;
  shape.in_w = in->w;
  shape.batch = batch;
  mrw_status s = mrw_feature_alloc(out, mrw_conv_out_h(&shape) * batch, mrw_conv_out_w(&shape),
                                   shape.out_c, err);
  if (s != MRW_OK) return s;
  if (residual && (residual->h != out->h || residual->w != out->w || residual->c != out->c)) {
    mrw_feature_free(out);
    return mrw_error_set(err, MRW_ERR_INTERNAL, "residual shape does not match the convolution");
  }
  mrw_epilogue e = {layer->bias, residual ? residual->data : NULL, (size_t)shape.out_c, relu, NULL};
  if (layer->int8_conv == MRW_INT8_WINOGRAD || layer->int8_conv == MRW_INT8_IM2COL) {
    int threads = mrw_thread_pool_size(rt->pool);
    size_t bytes = layer->int8_conv == MRW_INT8_WINOGRAD
                       ? mrw_winograd_i8_workspace_bytes(&shape, layer->int8.winograd_tile, threads)
                       : mrw_conv2d_i8_workspace_bytes(&shape, threads);
    float *ws = mrw_runtime_scratch(rt, (bytes + sizeof(float) - 1) / sizeof(float), err);
    if (!ws) {
      mrw_feature_free(out);
      return MRW_ERR_OUT_OF_MEMORY;
    }
    if (layer->int8_conv == MRW_INT8_WINOGRAD)
      mrw_winograd_i8_conv2d(&shape, layer->int8.winograd_tile, in->data, layer->int8.packed,
                             layer->int8.scales, &e, out->data, ws, rt->pool);
    else
      mrw_conv2d_i8(&shape, in->data, layer->int8.packed, layer->int8.scales, &e, out->data, ws,
                    rt->pool);
    return MRW_OK;
  }
  if (layer->int8_conv == MRW_INT8_PIXELS) {
    /* 1x1, stride 1: the input's pixels are the rows */
    s = mrw_int8_matrix_run(&layer->int8, in->data, (size_t)in->h * in->w, (size_t)in->c, &e,
                            out->data, (size_t)shape.out_c, rt, err);
    if (s != MRW_OK) mrw_feature_free(out);
    return s;
  }
  if (!layer->winograd) {
    mrw_conv2d(&shape, in->data, layer->packed, &e, out->data, rt->gemm_workspace, rt->pool);
    return MRW_OK;
  }
  if (layer->winograd == MRW_WINOGRAD_AT_RUN) {
    s = run_winograd_in_groups(layer, &shape, in, &e, out, rt, err);
    if (s != MRW_OK) mrw_feature_free(out);
    return s;
  }
  winograd_call call;
  if (!prepare_winograd(layer, &shape, &shape, &call, rt, err)) {
    mrw_feature_free(out);
    return MRW_ERR_OUT_OF_MEMORY;
  }
  mrw_winograd_conv2d(&shape, call.tile, in->data, call.packed, &e, out->data, call.workspace,
                      rt->pool);
  return MRW_OK;
}

mrw_status mrw_conv_layer_run(const mrw_conv_layer *layer, const mrw_feature *in,
                              const mrw_feature *residual, int relu, mrw_feature *out,
                              mrw_runtime *rt, mrw_error *err) {
  return mrw_conv_layer_run_batch(layer, in, 1, residual, relu, out, rt, err);
}

mrw_status mrw_conv_layer_run_onto(const mrw_conv_layer *layer, const mrw_feature *in,
                                   mrw_feature *residual, int relu, mrw_runtime *rt,
                                   mrw_error *err) {
  mrw_conv_shape shape = shape_on(layer, in);
  int same_shape = in->c == shape.in_c && residual->c == shape.out_c &&
                   residual->h == mrw_conv_out_h(&shape) && residual->w == mrw_conv_out_w(&shape);
  if (layer->int8_conv == MRW_INT8_PIXELS && same_shape) {
    /* the integer GEMM stores each output once, over the residual value it has just read */
    mrw_epilogue e = {layer->bias, residual->data, (size_t)shape.out_c, relu, NULL};
    mrw_status s = mrw_int8_matrix_run(&layer->int8, in->data, (size_t)in->h * in->w,
                                       (size_t)in->c, &e, residual->data, (size_t)shape.out_c, rt,
                                       err);
    if (s != MRW_OK) mrw_feature_free(residual);
    return s;
  }
  if (layer->int8_conv != MRW_INT8_NONE || layer->winograd || !same_shape) {
    /* a path that writes its output before it has read the residual: a new buffer */
    mrw_feature out = {0};
    mrw_status s = mrw_conv_layer_run(layer, in, residual, relu, &out, rt, err);
    mrw_feature_free(residual);
    *residual = out;
    return s;
  }
  /* the GEMM keeps each thread's block of the residual before writing over it */
  float *keep = mrw_runtime_scratch(
      rt, mrw_gemm_keep_floats((size_t)shape.out_c, mrw_thread_pool_size(rt->pool)), err);
  if (!keep) {
    mrw_feature_free(residual);
    return MRW_ERR_OUT_OF_MEMORY;
  }
  mrw_epilogue e = {layer->bias, residual->data, (size_t)shape.out_c, relu, keep};
  mrw_conv2d(&shape, in->data, layer->packed, &e, residual->data, rt->gemm_workspace, rt->pool);
  return MRW_OK;
}

int mrw_conv_layer_runs_in_bands(const mrw_conv_layer *layer) {
  return (layer->int8_conv == MRW_INT8_NONE && layer->winograd != MRW_WINOGRAD_NONE) ||
         layer->int8_conv == MRW_INT8_WINOGRAD;
}

/* The workspace of a layer's bands: a float layer's tile, transformed weights and kernel
 * workspace (prepare_winograd); an int8 one's kernel workspace. Returns 0 when out of memory. */
static int prepare_bands(const mrw_conv_layer *layer, const mrw_conv_shape *shape, int band_rows,
                         winograd_call *call, mrw_runtime *rt, mrw_error *err) {
  if (layer->int8_conv != MRW_INT8_WINOGRAD) {
    mrw_conv_shape window = mrw_winograd_window_shape(shape, band_rows);
    return prepare_winograd(layer, shape, &window, call, rt, err);
  }
  call->tile = layer->int8.winograd_tile;
  call->packed = NULL;
  size_t bytes = mrw_winograd_i8_rows_workspace_bytes(shape, call->tile, band_rows,
                                                      mrw_thread_pool_size(rt->pool));
  call->workspace = mrw_runtime_scratch(rt, (bytes + sizeof(float) - 1) / sizeof(float), err);
  return call->workspace != NULL;
}

mrw_status mrw_conv_layer_run_bands(const mrw_conv_layer *layer, const mrw_feature *in, int relu,
                                    int band_rows, mrw_band_sink sink, void *ctx,
                                    mrw_runtime *rt, mrw_error *err) {
  if (band_rows < 4 || band_rows % 4 != 0)
    return mrw_error_set(err, MRW_ERR_INTERNAL, "bands of %d rows: expected a multiple of 4",
                         band_rows);
  if (!mrw_conv_layer_runs_in_bands(layer) || in->h <= band_rows) {
    /* one band: the whole output */
    mrw_feature out = {0};
    mrw_status s = mrw_conv_layer_run(layer, in, NULL, relu, &out, rt, err);
    if (s == MRW_OK) s = sink(ctx, &out, 0, err);
    mrw_feature_free(&out);
    return s;
  }
  mrw_conv_shape shape = shape_on(layer, in);
  if (in->c != shape.in_c)
    return mrw_error_set(err, MRW_ERR_INTERNAL, "convolution expects %d input channels, got %d",
                         shape.in_c, in->c);
  winograd_call call;
  if (!prepare_bands(layer, &shape, band_rows, &call, rt, err)) return MRW_ERR_OUT_OF_MEMORY;
  mrw_feature band = {0};
  mrw_status s = mrw_feature_alloc(&band, band_rows, in->w, shape.out_c, err);
  mrw_epilogue e = {layer->bias, NULL, 0, relu, NULL};
  for (int row0 = 0; row0 < in->h && s == MRW_OK; row0 += band_rows) {
    band.h = in->h - row0 < band_rows ? in->h - row0 : band_rows;
    /* band rows start on tile rows (band_rows is a multiple of 4, so of either tile); an int8
     * layer quantizes each tile's patch on its own, so its bands too hold the whole call's bits */
    if (layer->int8_conv == MRW_INT8_WINOGRAD)
      mrw_winograd_i8_conv2d_rows(&shape, call.tile, in->data, row0, band.h, layer->int8.packed,
                                  layer->int8.scales, &e, band.data, call.workspace, rt->pool);
    else
      mrw_winograd_conv2d_rows(&shape, call.tile, in->data, row0, band.h, call.packed, &e,
                               band.data, call.workspace, rt->pool);
    s = sink(ctx, &band, row0, err);
  }
  mrw_feature_free(&band);
  return s;
}

/* Output rows written over the convolution's own input: a band's rows but its last go in at
 * once; its last row is still input to the next band, so it waits in `held` until that band
 * has been computed. */
typedef struct over_input {
  float *data; /* the input map, [h][w][c] */
  float *held; /* one row of output */
  size_t row_floats;
  int held_row; /* -1: none */
} over_input;

static mrw_status write_band_over_input(void *ctx, const mrw_feature *band, int row0,
                                        mrw_error *err) {
  (void)err;
  over_input *o = ctx;
  if (o->held_row >= 0)
    memcpy(o->data + (size_t)o->held_row * o->row_floats, o->held, o->row_floats * sizeof(float));
  memcpy(o->data + (size_t)row0 * o->row_floats, band->data,
         (size_t)(band->h - 1) * o->row_floats * sizeof(float));
  memcpy(o->held, band->data + (size_t)(band->h - 1) * o->row_floats,
         o->row_floats * sizeof(float));
  o->held_row = row0 + band->h - 1;
  return MRW_OK;
}

mrw_status mrw_conv_layer_run_over_input(const mrw_conv_layer *layer, mrw_feature *x, int relu,
                                         int band_rows, mrw_runtime *rt, mrw_error *err) {
  mrw_conv_shape shape = shape_on(layer, x);
  if (x->c != shape.in_c || shape.out_c != shape.in_c || mrw_conv_out_h(&shape) != x->h ||
      mrw_conv_out_w(&shape) != x->w) {
    mrw_feature_free(x);
    return mrw_error_set(err, MRW_ERR_INTERNAL,
                         "a convolution over its own input must keep the map's shape");
  }
  over_input o = {x->data, NULL, (size_t)x->w * x->c, -1};
  o.held = malloc(o.row_floats * sizeof(float));
  mrw_status s = o.held ? mrw_conv_layer_run_bands(layer, x, relu, band_rows,
                                                   write_band_over_input, &o, rt, err)
                        : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for a row of a map");
  if (s == MRW_OK)
    memcpy(o.data + (size_t)o.held_row * o.row_floats, o.held, o.row_floats * sizeof(float));
  else
    mrw_feature_free(x);
  free(o.held);
  return s;
}

int mrw_conv_layer_transforms_whole(const mrw_conv_layer *layer, const mrw_feature *in) {
  if (!mrw_conv_layer_runs_in_bands(layer)) return 0;
  if (layer->winograd != MRW_WINOGRAD_AT_RUN) return 1;
  mrw_conv_shape shape = shape_on(layer, in);
  return winograd_group_channels(&shape, run_tile(layer, &shape)) >= shape.out_c;
}

/* Floats of output a band of rows holds when a 1x1 layer writes over its own input in bands
 * (4 MB; C3's lateral at 800x1216 in bands of 26 rows). */
#define IN_PLACE_BAND_FLOATS ((size_t)1 << 20)

/* x = conv(x), a band of rows at a time: each band's outputs are computed into `band`, then
 * copied to their place at the front of x's buffer. Output rows [r0, r1) take the floats of
 * input rows below r1 (out_c <= in_c), which every earlier band and this one have read. A
 * 1x1 layer's rows are independent and the GEMM's depth passes do not depend on how many
 * rows it is given, so the sums are those of one call over the whole map; an int8 layer
 * (MRW_INT8_PIXELS) quantizes each row with its own scale and sums in integers, exactly, so
 * its bands change no bit either. */
static mrw_status run_over_input_in_bands(const mrw_conv_layer *layer, mrw_feature *x,
                                          mrw_runtime *rt, mrw_error *err) {
  mrw_conv_shape shape = layer->shape;
  size_t row_out = (size_t)x->w * shape.out_c, row_in = (size_t)x->w * shape.in_c;
  int band_rows = (int)(IN_PLACE_BAND_FLOATS / row_out);
  if (band_rows < 1) band_rows = 1;
  if (band_rows > x->h) band_rows = x->h;
  float *band = malloc((size_t)band_rows * row_out * sizeof(float));
  if (!band) {
    mrw_feature_free(x);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for a band of a 1x1 layer");
  }
  mrw_epilogue e = {layer->bias, NULL, 0, 0, NULL};
  mrw_status s = MRW_OK;
  shape.in_w = x->w;
  for (int r0 = 0; r0 < x->h && s == MRW_OK; r0 += band_rows) {
    shape.in_h = x->h - r0 < band_rows ? x->h - r0 : band_rows;
    const float *in = x->data + (size_t)r0 * row_in;
    if (layer->int8_conv == MRW_INT8_PIXELS)
      s = mrw_int8_matrix_run(&layer->int8, in, (size_t)shape.in_h * x->w, (size_t)shape.in_c, &e,
                              band, (size_t)shape.out_c, rt, err);
    else
      mrw_conv2d(&shape, in, layer->packed, &e, band, rt->gemm_workspace, rt->pool);
    memcpy(x->data + (size_t)r0 * row_out, band, (size_t)shape.in_h * row_out * sizeof(float));
  }
  free(band);
  if (s != MRW_OK) {
    mrw_feature_free(x);
    return s;
  }
  /* the freed tail goes back to the allocator; a failed shrink keeps the larger buffer */
  if (shape.out_c < x->c) {
    x->c = shape.out_c;
    float *shrunk = realloc(x->data, mrw_feature_count(x) * sizeof(float));
    if (shrunk) x->data = shrunk;
  }
  return MRW_OK;
}

mrw_status mrw_conv_layer_run_in_place(const mrw_conv_layer *layer, mrw_feature *x,
                                       mrw_runtime *rt, mrw_error *err) {
  mrw_conv_shape shape = shape_on(layer, x);
  size_t pixels = (size_t)x->h * x->w;
  int float_1x1 = layer->int8_conv == MRW_INT8_NONE && !layer->winograd && shape.kernel_h == 1 &&
                  shape.kernel_w == 1 && shape.stride == 1 && shape.pad == 0;
  int banded = (float_1x1 || layer->int8_conv == MRW_INT8_PIXELS) && x->c == shape.in_c &&
               shape.out_c <= shape.in_c;
  if (!banded) {
    mrw_feature out = {0};
    mrw_status s = mrw_conv_layer_run(layer, x, NULL, 0, &out, rt, err);
    mrw_feature_free(x);
    *x = out;
    return s;
  }
  if (!float_1x1 || shape.out_c < shape.in_c ||
      !mrw_gemm_reads_rows_first(pixels, (size_t)shape.out_c, (size_t)shape.in_c,
                                 mrw_thread_pool_size(rt->pool)))
    return run_over_input_in_bands(layer, x, rt, err);
  mrw_epilogue e = {layer->bias, NULL, 0, 0, NULL};
  mrw_conv2d(&shape, x->data, layer->packed, &e, x->data, rt->gemm_workspace, rt->pool);
  return MRW_OK;
}
