#ifndef MRW_KERNELS_WINOGRAD_SIMD_H
#define MRW_KERNELS_WINOGRAD_SIMD_H

#include <stddef.h>

#include "simd/simd.h"

/* The two-dimensional step of the Winograd kernels (winograd.c in floats, winograd_i8.c in
 * integers), on SIMD vectors that each hold one value of several channels. */

/* A one-dimensional transform: x[0], x[xs], ... -> o[0], o[os], ... */
typedef void (*mrw_winograd_1d)(const v128_t *x, size_t xs, v128_t *o, size_t os);

/* in: [n_in][n_in] vectors -> out: [n_out][n_out] = T in T^T, with T = f applied down each
 * column (into [n_out][n_in]), then along each row: the references' order. Always inlined, so
 * that f and the counts are constants where it is called and the vectors stay in registers. */
static inline __attribute__((always_inline)) void mrw_winograd_transform_2d(
    mrw_winograd_1d f, int n_in, int n_out, const v128_t *in, v128_t *out) {
  v128_t t[6 * 6];
  for (int j = 0; j < n_in; j++) f(in + j, (size_t)n_in, t + j, (size_t)n_in);
  for (int i = 0; i < n_out; i++) f(t + (size_t)i * n_in, 1, out + (size_t)i * n_out, 1);
}

#endif
