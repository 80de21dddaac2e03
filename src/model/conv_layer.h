#ifndef MRW_MODEL_CONV_LAYER_H
#define MRW_MODEL_CONV_LAYER_H

#include "base/status.h"
#include "io/safetensors.h"
#include "kernels/conv2d.h"
#include "model/feature.h"
#include "model/int8_matrix.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a convolution with int8 weights runs (kernels/gemm_i8.h and the kernels named). */
enum mrw_int8_conv {
  MRW_INT8_NONE,     /* float weights */
  MRW_INT8_PIXELS,   /* 1x1 stride 1: the input's pixels are the integer GEMM's rows */
  MRW_INT8_WINOGRAD, /* 3x3 stride 1 (kernels/winograd_i8.h) */
  MRW_INT8_IM2COL    /* any other (kernels/conv2d_i8.h) */
};

/* How a float 3x3 stride-1 convolution runs Winograd (kernels/winograd.h). */
enum mrw_winograd_weights {
  MRW_WINOGRAD_NONE,    /* not Winograd: packed for the implicit GEMM */
  MRW_WINOGRAD_PACKED,  /* packed holds the 16 F(2x2, 3x3) matrices, transformed at load */
  MRW_WINOGRAD_AT_RUN   /* packed holds the folded weights grouped by panels of 8 output
                           channels (mrw_winograd_group_panels); each call transforms them
                           for the tile size its map suits, F(4x4, 3x3) on large maps, into
                           the runtime's scratch */
};

/* A convolution bound to its weights: packed for the GEMM at load, with either its own bias
 * or a FrozenBatchNorm folded in (scale = gamma / sqrt(var + eps) into the weights,
 * beta - mean * scale as the bias). 3x3 stride-1 convolutions with enough channels run as
 * Winograd: on layers whose calls convolve many pixels at the model's input size (the large
 * maps of the backbone, FPN and RPN) the weights stay as they are (9 floats per channel pair,
 * against 16 or 36 transformed) and each call transforms them, which then costs little next
 * to the convolution; on the others (deep stages, small inputs, the RoI heads) they are
 * transformed for F(2x2, 3x3) once, at load. A 1x1 stride-1 convolution whose weight the
 * file stores as int8 stays int8 and runs on the integer GEMM (int8, with the BatchNorm's
 * scale folded into the per-channel scales; packed is then NULL); a 3x3 stride-1 one that
 * Winograd suits runs as int8 Winograd (kernels/winograd_i8.h: each tile's input patch
 * quantized as one row; F(4x4, 3x3) weights transformed at load on the layers whose calls
 * are large, where their weights keep the integer sums exact, else F(2x2, 3x3)), any other
 * on the integer GEMM over its receptive fields (kernels/conv2d_i8.h: each quantized as a
 * row). */
typedef struct mrw_conv_layer {
  mrw_conv_shape shape; /* in_h, in_w are set per call */
  float *packed;
  float *bias;
  enum mrw_winograd_weights winograd;
  mrw_int8_matrix int8;
  enum mrw_int8_conv int8_conv; /* how int8 runs, when the weights are int8 */
} mrw_conv_layer;

/* What the caller expects of the tensors it names. */
typedef struct mrw_conv_spec {
  const char *weight;  /* name of the [out_c][in_c][k][k] weight */
  const char *bias;    /* name of the [out_c] bias, or NULL */
  const char *bn;      /* prefix of a FrozenBatchNorm (".weight", ".bias", ".running_mean",
                          ".running_var"), or NULL */
  float bn_eps;
  int in_c, out_c, kernel, stride, pad;
  int map_pixels; /* pixels a call typically convolves (over its batch) at the model's
                     min_size; from WINOGRAD_AT_RUN_PIXELS on, Winograd transforms the weights
                     per call (see mrw_winograd_weights) */
} mrw_conv_spec;

/* Folds the FrozenBatchNorm spec->bn (out_c channels) into weights [out_c][in_c * k * k]
 * and bias [out_c] (which it overwrites), computing the scale in float as torchvision does:
 * weight * rsqrt(running_var + eps). */
mrw_status mrw_fold_batch_norm(const mrw_safetensors *file, const mrw_conv_spec *spec,
                               float *weights, float *bias, mrw_error *err);

/* Reads, checks (names and shapes; a message names the tensor), folds and packs. */
mrw_status mrw_conv_layer_load(mrw_conv_layer *layer, const mrw_safetensors *file,
                               const mrw_conv_spec *spec, mrw_error *err);
void mrw_conv_layer_free(mrw_conv_layer *layer); /* a zeroed layer is a no-op */

/* out = relu?(conv(in) + bias + residual?); allocates out. */
mrw_status mrw_conv_layer_run(const mrw_conv_layer *layer, const mrw_feature *in,
                              const mrw_feature *residual, int relu, mrw_feature *out,
                              mrw_runtime *rt, mrw_error *err);

/* residual = relu?(conv(in) + residual): the result written over the residual's own buffer
 * where a GEMM computes the layer (the float GEMM keeps each block of the residual until it
 * has added it; the integer GEMM of a 1x1 int8 layer stores each output once, after reading
 * its residual value), else into a new buffer that replaces the residual's. Either way the
 * sums are mrw_conv_layer_run's, and on failure the residual is freed. */
mrw_status mrw_conv_layer_run_onto(const mrw_conv_layer *layer, const mrw_feature *in,
                                   mrw_feature *residual, int relu, mrw_runtime *rt,
                                   mrw_error *err);

/* x = conv(x) + bias, over x's own buffer where a GEMM computes the layer (a 1x1 stride-1
 * layer, float or int8, with no more channels out than in): in one call where the float GEMM
 * may (mrw_gemm_reads_rows_first), else a band of rows at a time, the buffer then shrunk to
 * the output's size. Other layers write a new buffer that replaces x's. Either way the sums
 * are mrw_conv_layer_run's, and on failure x is freed. */
mrw_status mrw_conv_layer_run_in_place(const mrw_conv_layer *layer, mrw_feature *x,
                                       mrw_runtime *rt, mrw_error *err);

/* The same over a batch of images stacked as one tall feature: in is [batch * h][w][c],
 * out is [batch * out_h][out_w][out_c]. */
mrw_status mrw_conv_layer_run_batch(const mrw_conv_layer *layer, const mrw_feature *in,
                                    int batch, const mrw_feature *residual, int relu,
                                    mrw_feature *out, mrw_runtime *rt, mrw_error *err);

/* Receives rows [row0, row0 + band->h) of a convolution's output, bands in order from the
 * top. The band's memory is the runner's: it is overwritten by the next band. A sink must not
 * use the runtime's scratch (mrw_runtime_scratch), which holds the layer's weights meanwhile. */
typedef mrw_status (*mrw_band_sink)(void *ctx, const mrw_feature *band, int row0, mrw_error *err);

/* Whether mrw_conv_layer_run_bands computes the layer a band at a time (Winograd layers, float
 * or int8) rather than in one piece. */
int mrw_conv_layer_runs_in_bands(const mrw_conv_layer *layer);

/* relu?(conv(in) + bias) for one image, handed to sink in bands of band_rows rows (a multiple
 * of 4): the bits of mrw_conv_layer_run, with a band's memory instead of the whole output's.
 * Layers that do not run in bands hand over their whole output as one band. */
mrw_status mrw_conv_layer_run_bands(const mrw_conv_layer *layer, const mrw_feature *in, int relu,
                                    int band_rows, mrw_band_sink sink, void *ctx,
                                    mrw_runtime *rt, mrw_error *err);

/* x = relu?(conv(x)) for a layer that keeps the map's shape (3x3 stride 1, as many channels
 * out as in), written over x's own buffer a band of band_rows rows at a time (see
 * mrw_conv_layer_run_bands): each band but its last row goes in at once, its last row once the
 * next band, which reads it, has been computed. The bits of mrw_conv_layer_run; the memory of a
 * band instead of a second map, on layers that run in bands (others compute the whole output,
 * then copy it over x). On failure x is freed. */
mrw_status mrw_conv_layer_run_over_input(const mrw_conv_layer *layer, mrw_feature *x, int relu,
                                         int band_rows, mrw_runtime *rt, mrw_error *err);

/* Whether the layer runs in bands on `in` with its Winograd weights transformed whole, no more
 * scratch than mrw_conv_layer_run would hold: weights transformed at load, or transformed per
 * call in a single group (see WINOGRAD_GROUP_FLOATS; ResNet-50's layer3 and layer4 transform
 * theirs in groups, which bands would hold at once). */
int mrw_conv_layer_transforms_whole(const mrw_conv_layer *layer, const mrw_feature *in);

/* Finds a float (F32 or F16) tensor of exactly the given shape (ndim entries); the message
 * names what is missing, mis-shaped or of another type. */
mrw_status mrw_find_float_tensor(const mrw_safetensors *file, const char *name, int ndim,
                                 const int64_t *shape, const mrw_tensor_view **out,
                                 mrw_error *err);
/* Reads a float tensor of exactly the given shape (ndim entries) into a new buffer. */
mrw_status mrw_read_tensor_f32(const mrw_safetensors *file, const char *name, int ndim,
                               const int64_t *shape, float **out, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
