#include "model/depthwise_layer.h"

#include <stdlib.h>
#include <string.h>

#include "model/conv_layer.h"

mrw_status mrw_depthwise_layer_load(mrw_depthwise_layer *layer, const mrw_safetensors *file,
                                    const char *weight, const char *bn, float bn_eps,
                                    int channels, int kernel, int stride,
                                    mrw_activation activation, mrw_error *err) {
  memset(layer, 0, sizeof *layer);
  layer->shape = (mrw_depthwise_shape){.channels = channels, .kernel = kernel, .stride = stride,
                                       .pad = kernel / 2};
  layer->activation = activation;
  int64_t shape[4] = {channels, 1, kernel, kernel};
  float *weights = NULL;
  mrw_status s = mrw_read_tensor_f32(file, weight, 4, shape, &weights, err);
  if (s == MRW_OK) {
    layer->bias = malloc((size_t)channels * sizeof(float));
    layer->packed = malloc((size_t)channels * kernel * kernel * sizeof(float));
    if (!layer->bias || !layer->packed)
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for '%s'", weight);
  }
  if (s == MRW_OK) {
    /* one input channel per filter: the BatchNorm folds as for a conv with in_c = 1 */
    mrw_conv_spec spec = {weight, NULL, bn, bn_eps, 1, channels, kernel, stride, kernel / 2, 0};
    s = mrw_fold_batch_norm(file, &spec, weights, layer->bias, err);
  }
  if (s == MRW_OK) mrw_depthwise_pack_weights(channels, kernel, weights, layer->packed);
  free(weights);
  if (s != MRW_OK) mrw_depthwise_layer_free(layer);
  return s;
}

void mrw_depthwise_layer_free(mrw_depthwise_layer *layer) {
  if (!layer) return;
  free(layer->packed);
  free(layer->bias);
  memset(layer, 0, sizeof *layer);
}

mrw_status mrw_depthwise_layer_run(const mrw_depthwise_layer *layer, const mrw_feature *in,
                                   mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  mrw_depthwise_shape shape = layer->shape;
  if (in->c != shape.channels)
    return mrw_error_set(err, MRW_ERR_INTERNAL, "depthwise convolution expects %d channels, got %d",
                         shape.channels, in->c);
  shape.in_h = in->h;
  shape.in_w = in->w;
  mrw_status s = mrw_feature_alloc(out, mrw_depthwise_out_h(&shape), mrw_depthwise_out_w(&shape),
                                   shape.channels, err);
  if (s == MRW_OK)
    mrw_depthwise_conv2d(&shape, in->data, layer->packed, layer->bias, layer->activation,
                         out->data, rt->pool);
  return s;
}
