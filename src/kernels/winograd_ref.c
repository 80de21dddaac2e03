#include "kernels/winograd.h"

int mrw_winograd_applies(const mrw_conv_shape *s) {
  return s->kernel_h == 3 && s->kernel_w == 3 && s->stride == 1 && s->pad == 1;
}

int mrw_winograd_tile_supported(int tile) { return tile == 2 || tile == 4; }

int mrw_winograd_points(int tile) { return (tile + 2) * (tile + 2); }

/* The one-dimensional transforms, x (n values at stride xs) -> o (at stride os). Each 2-D
 * transform applies one down the columns, then along the rows; the SIMD kernel does the same
 * operations in the same order on four channels at once. Scaling by 0.5, 2, 4 and 8 is exact. */
typedef void (*transform_1d)(const float *x, size_t xs, float *o, size_t os);

// G for m = 2 (3 -> 4).
static void g_2(const float *x, size_t xs, float *o, size_t os) {
  float a = x[0], b = x[xs], c = x[2 * xs];
  o[0] = a;
  o[os] = ((a + b) + c) * 0.5f;
  o[2 * os] = ((a - b) + c) * 0.5f;
  o[3 * os] = c;
}

// G for m = 4 (3 -> 6).
static void g_4(const float *x, size_t xs, float *o, size_t os) {
  float a = x[0], b = x[xs], c = x[2 * xs];
  float ac = a + c, p = a * (1.0f / 24.0f) + c * (1.0f / 6.0f), q = b * (1.0f / 12.0f);
  o[0] = a * 0.25f;
  o[os] = (ac + b) * (-1.0f / 6.0f);
  o[2 * os] = (ac - b) * (-1.0f / 6.0f);
  o[3 * os] = p + q;
  o[4 * os] = p - q;
  o[5 * os] = c;
}

// B^T for m = 2 (4 -> 4).
static void bt_2(const float *x, size_t xs, float *o, size_t os) {
  float d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs];
  o[0] = d0 - d2;
  o[os] = d1 + d2;
  o[2 * os] = d2 - d1;
  o[3 * os] = d1 - d3;
}

// B^T for m = 4 (6 -> 6).
static void bt_4(const float *x, size_t xs, float *o, size_t os) {
  float d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs], d4 = x[4 * xs], d5 = x[5 * xs];
  o[0] = (d0 * 4.0f - d2 * 5.0f) + d4;
  o[os] = (d3 + d4) - (d1 + d2) * 4.0f;
  o[2 * os] = (d4 - d3) + (d1 - d2) * 4.0f;
  o[3 * os] = (d4 - d2) + (d3 - d1) * 2.0f;
  o[4 * os] = (d4 - d2) - (d3 - d1) * 2.0f;
  o[5 * os] = (d1 * 4.0f - d3 * 5.0f) + d5;
}

// A^T for m = 2 (4 -> 2).
static void at_2(const float *x, size_t xs, float *o, size_t os) {
  float m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs];
  o[0] = (m0 + m1) + m2;
  o[os] = (m1 - m2) - m3;
}

// A^T for m = 4 (6 -> 4).
static void at_4(const float *x, size_t xs, float *o, size_t os) {
  float m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs], m4 = x[4 * xs], m5 = x[5 * xs];
  float a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
  o[0] = (m0 + a) + c;
  o[os] = b + d * 2.0f;
  o[2 * os] = a + c * 4.0f;
  o[3 * os] = (b + d * 8.0f) + m5;
}

// in: [n_in][n_in] -> out: [n_out][n_out] = T in T^T: down each column, then along each row.
static void transform_2d(transform_1d f, int n_in, int n_out, const float *in, float *out) {
  float t[6 * 6];
  for (int j = 0; j < n_in; j++) f(in + j, (size_t)n_in, t + j, (size_t)n_in);
  for (int i = 0; i < n_out; i++) f(t + i * n_in, 1, out + i * n_out, 1);
}

// g: [3][3] -> u: [tile + 2][tile + 2] = G g G^T.
void mrw_winograd_kernel_transform(int tile, const float *g, float *u) {
  transform_2d(tile == 4 ? g_4 : g_2, 3, tile + 2, g, u);
}

// weights: [out_c][in_c][3][3] (torch) -> u: [points][in_c][out_c].
void mrw_winograd_transform_weights_ref(const mrw_conv_shape *s, int tile, const float *weights,
                                        float *u) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  size_t points = (size_t)mrw_winograd_points(tile);
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      float point[MRW_WINOGRAD_MAX_POINTS];
      mrw_winograd_kernel_transform(tile, weights + (co * in_c + ci) * 9, point);
      for (size_t e = 0; e < points; e++) u[(e * in_c + ci) * out_c + co] = point[e];
    }
}

// The transformed patch of channel ci whose top-left input pixel is (y0, x0); zeros outside
// the image (the padding).
static void patch_transform(const mrw_conv_shape *s, int tile, const float *image, int y0,
                            int x0, int ci, float *v) {
  int n = tile + 2;
  float d[MRW_WINOGRAD_MAX_POINTS];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      int y = y0 + i, x = x0 + j;
      int inside = y >= 0 && y < s->in_h && x >= 0 && x < s->in_w;
      d[i * n + j] = inside ? image[((size_t)y * s->in_w + x) * s->in_c + ci] : 0.0f;
    }
  transform_2d(tile == 4 ? bt_4 : bt_2, n, n, d, v);
}

// One tile (tile x tile outputs at (oy, ox) of image n), all output channels. M[e] sums over
// ci ascending from zero; bias, residual and ReLU follow the back transform.
static void tile_ref(const mrw_conv_shape *s, int tile, const float *image, const float *u,
                     const mrw_epilogue *epilogue, size_t first_pixel, int oy, int ox,
                     float *output) {
  int points = mrw_winograd_points(tile);
  for (int co = 0; co < s->out_c; co++) {
    float m[MRW_WINOGRAD_MAX_POINTS] = {0};
    for (int ci = 0; ci < s->in_c; ci++) {
      float v[MRW_WINOGRAD_MAX_POINTS];
      patch_transform(s, tile, image, oy - 1, ox - 1, ci, v);
      for (int e = 0; e < points; e++)
        m[e] += v[e] * u[((size_t)e * s->in_c + ci) * s->out_c + co];
    }
    float y[16];
    transform_2d(tile == 4 ? at_4 : at_2, tile + 2, tile, m, y);
    for (int i = 0; i < tile && oy + i < s->in_h; i++)
      for (int j = 0; j < tile && ox + j < s->in_w; j++) {
        size_t pixel = first_pixel + (size_t)(oy + i) * s->in_w + (ox + j);
        float sum = y[i * tile + j];
        if (epilogue && epilogue->bias) sum += epilogue->bias[co];
        if (epilogue && epilogue->residual) sum += epilogue->residual[pixel * epilogue->ldr + co];
        if (epilogue && epilogue->relu && sum < 0.0f) sum = 0.0f;
        output[pixel * s->out_c + co] = sum;
      }
  }
}

// input: [batch][h][w][in_c], u: [points][in_c][out_c], output: [batch][h][w][out_c]. Tiles
// cover the image from the top left; the last row and column of tiles may stick out.
void mrw_winograd_conv2d_ref(const mrw_conv_shape *s, int tile, const float *input,
                             const float *u, const mrw_epilogue *epilogue, float *output) {
  size_t pixels = (size_t)s->in_h * s->in_w;
  for (int n = 0; n < mrw_conv_batch(s); n++) {
    const float *image = input + n * pixels * s->in_c;
    for (int oy = 0; oy < s->in_h; oy += tile)
      for (int ox = 0; ox < s->in_w; ox += tile)
        tile_ref(s, tile, image, u, epilogue, n * pixels, oy, ox, output);
  }
}
