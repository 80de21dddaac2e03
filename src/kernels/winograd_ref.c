#include "kernels/winograd.h"

int mrw_winograd_applies(const mrw_conv_shape *s) {
  return s->kernel_h == 3 && s->kernel_w == 3 && s->stride == 1 && s->pad == 1;
}

// g: [3][3] -> u: [4][4] = G g G^T; rows first, then columns (x * 0.5 is exact).
void mrw_winograd_kernel_transform(const float *g, float *u) {
  float t[4][3];
  for (int j = 0; j < 3; j++) {
    t[0][j] = g[j];
    t[1][j] = ((g[j] + g[3 + j]) + g[6 + j]) * 0.5f;
    t[2][j] = ((g[j] - g[3 + j]) + g[6 + j]) * 0.5f;
    t[3][j] = g[6 + j];
  }
  for (int i = 0; i < 4; i++) {
    u[i * 4 + 0] = t[i][0];
    u[i * 4 + 1] = ((t[i][0] + t[i][1]) + t[i][2]) * 0.5f;
    u[i * 4 + 2] = ((t[i][0] - t[i][1]) + t[i][2]) * 0.5f;
    u[i * 4 + 3] = t[i][2];
  }
}

// weights: [out_c][in_c][3][3] (torch) -> u: [16][in_c][out_c].
void mrw_winograd_transform_weights_ref(const mrw_conv_shape *s, const float *weights, float *u) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      float point[MRW_WINOGRAD_POINTS];
      mrw_winograd_kernel_transform(weights + (co * in_c + ci) * 9, point);
      for (size_t e = 0; e < MRW_WINOGRAD_POINTS; e++) u[(e * in_c + ci) * out_c + co] = point[e];
    }
}

// d: [4][4] -> v: [4][4] = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
static void input_transform(const float *d, float *v) {
  float t[4][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = d[j] - d[8 + j];
    t[1][j] = d[4 + j] + d[8 + j];
    t[2][j] = d[8 + j] - d[4 + j];
    t[3][j] = d[4 + j] - d[12 + j];
  }
  for (int i = 0; i < 4; i++) {
    v[i * 4 + 0] = t[i][0] - t[i][2];
    v[i * 4 + 1] = t[i][1] + t[i][2];
    v[i * 4 + 2] = t[i][2] - t[i][1];
    v[i * 4 + 3] = t[i][1] - t[i][3];
  }
}

// m: [4][4] -> y: [2][2] = A^T m A, A^T = [1 1 1 0; 0 1 -1 -1].
static void output_transform(const float *m, float *y) {
  float t[2][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = (m[j] + m[4 + j]) + m[8 + j];
    t[1][j] = (m[4 + j] - m[8 + j]) - m[12 + j];
  }
  for (int i = 0; i < 2; i++) {
    y[i * 2 + 0] = (t[i][0] + t[i][1]) + t[i][2];
    y[i * 2 + 1] = (t[i][1] - t[i][2]) - t[i][3];
  }
}

// The transformed 4x4 patch of channel ci whose top-left input pixel is (y0, x0); zeros
// outside the image (the padding).
static void patch_transform(const mrw_conv_shape *s, const float *image, int y0, int x0, int ci,
                            float *v) {
  float d[16];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      int y = y0 + i, x = x0 + j;
      int inside = y >= 0 && y < s->in_h && x >= 0 && x < s->in_w;
      d[i * 4 + j] = inside ? image[((size_t)y * s->in_w + x) * s->in_c + ci] : 0.0f;
    }
  input_transform(d, v);
}

// One tile (2x2 outputs at (oy, ox) of image n), all output channels. M[e] sums over ci
// ascending from zero; bias, residual and ReLU follow the back transform.
static void tile_ref(const mrw_conv_shape *s, const float *image, const float *u,
                     const mrw_epilogue *epilogue, size_t first_pixel, int oy, int ox,
                     float *output) {
  for (int co = 0; co < s->out_c; co++) {
    float m[MRW_WINOGRAD_POINTS] = {0};
    for (int ci = 0; ci < s->in_c; ci++) {
      float v[MRW_WINOGRAD_POINTS];
      patch_transform(s, image, oy - 1, ox - 1, ci, v);
      for (int e = 0; e < MRW_WINOGRAD_POINTS; e++)
        m[e] += v[e] * u[((size_t)e * s->in_c + ci) * s->out_c + co];
    }
    float y[4];
    output_transform(m, y);
    for (int i = 0; i < 2 && oy + i < s->in_h; i++)
      for (int j = 0; j < 2 && ox + j < s->in_w; j++) {
        size_t pixel = first_pixel + (size_t)(oy + i) * s->in_w + (ox + j);
        float sum = y[i * 2 + j];
        if (epilogue && epilogue->bias) sum += epilogue->bias[co];
        if (epilogue && epilogue->residual) sum += epilogue->residual[pixel * epilogue->ldr + co];
        if (epilogue && epilogue->relu && sum < 0.0f) sum = 0.0f;
        output[pixel * s->out_c + co] = sum;
      }
  }
}

// input: [batch][h][w][in_c], u: [16][in_c][out_c], output: [batch][h][w][out_c]. Tiles cover
// the image from the top left; the last row and column of tiles may stick out by one pixel.
void mrw_winograd_conv2d_ref(const mrw_conv_shape *s, const float *input, const float *u,
                             const mrw_epilogue *epilogue, float *output) {
  size_t pixels = (size_t)s->in_h * s->in_w;
  for (int n = 0; n < mrw_conv_batch(s); n++) {
    const float *image = input + n * pixels * s->in_c;
    for (int oy = 0; oy < s->in_h; oy += 2)
      for (int ox = 0; ox < s->in_w; ox += 2)
        tile_ref(s, image, u, epilogue, n * pixels, oy, ox, output);
  }
}
