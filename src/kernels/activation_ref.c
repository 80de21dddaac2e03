#include "kernels/activation.h"

// Scalar reference of mrw_activate_array. x: count floats, in place.
void mrw_activate_array_ref(mrw_activation a, float *x, size_t count) {
  for (size_t i = 0; i < count; i++) x[i] = mrw_activate(a, x[i]);
}
