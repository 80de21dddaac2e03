#ifndef MRW_KERNELS_ACTIVATION_H
#define MRW_KERNELS_ACTIVATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The activations of MobileNetV3's layers. */
typedef enum mrw_activation {
  MRW_ACTIVATION_NONE,
  MRW_ACTIVATION_RELU,
  MRW_ACTIVATION_HARDSWISH /* x * relu6(x + 3) / 6 */
} mrw_activation;

/* One value, in torch's order of operations: relu(x); x * min(max(x + 3, 0), 6) / 6. */
static inline float mrw_activate(mrw_activation a, float x) {
  if (a == MRW_ACTIVATION_RELU) return x < 0.0f ? 0.0f : x;
  if (a == MRW_ACTIVATION_HARDSWISH) {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    t = t > 6.0f ? 6.0f : t;
    return x * t / 6.0f;
  }
  return x;
}

/* hardsigmoid(x) = min(max(x + 3, 0), 6) / 6 */
static inline float mrw_hardsigmoid(float x) {
  float t = x + 3.0f;
  t = t < 0.0f ? 0.0f : t;
  t = t > 6.0f ? 6.0f : t;
  return t / 6.0f;
}

/* In place over count values of any layout (e.g. [H, W, C] channels-last). */
void mrw_activate_array(mrw_activation a, float *x, size_t count);
void mrw_activate_array_ref(mrw_activation a, float *x, size_t count);

#ifdef __cplusplus
}
#endif

#endif
