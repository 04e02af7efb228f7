// Element-wise float32 kernels compiled for AVX-512 / AVX2+FMA and chosen at run time (cpuid), with a
// baseline x86-64 / other-architecture build of the same C. The Swift module is compiled for baseline
// x86-64 (SSE2, no FMA), where these loops ran 3-4x slower. Same formulas as Kernels/FastMath.swift.
#ifndef CVECMATH_H
#define CVECMATH_H

/// out[i] = GELU(x[i]) = 0.5 x (1 + erf(x / sqrt 2)), i in [0, n).
void cvm_gelu(float *out, const float *x, long n);
/// dinp[i] += GELU'(x[i]) * dout[i].
void cvm_gelu_backward(float *dinp, const float *x, const float *dout, long n);
/// dinp[i] = 0 + GELU'(x[i]) * dout[i]: what cvm_gelu_backward leaves in a zeroed dinp, bit for bit.
void cvm_gelu_backward_set(float *dinp, const float *x, const float *dout, long n);
/// AdamW on n parameters: m, v moments; c1, c2 bias corrections; wd decoupled decay (0 = none); each gradient
/// is first multiplied by gscale (global-norm clipping's factor, 1 for none) without being stored.
void cvm_adamw(float *params, const float *grads, float *m, float *v, long n, float lr, float beta1,
               float beta2, float eps, float c1, float c2, float wd, float gscale);
/// In place over `rows` rows of `count` floats: p = exp(p - max) / sum per row (an all -inf row becomes zeros).
/// Bit for bit the 8-lane Swift softmax it replaced (see cvecmath.c).
void cvm_softmax_rows(float *p, long rows, long count);
/// In place over `rows` rows: dp[j] = p[j] * (dp[j] - sum_i p[i] dp[i]), the softmax backward.
void cvm_softmax_backward_rows(float *dp, const float *p, long rows, long count);
/// LayerNorm forward over `rows` rows of `dim`: out = (x - mean) * rstd * weight + bias; saves mean and rstd.
void cvm_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                           const float *bias, long rows, long dim, float eps);
/// LayerNorm backward over `rows` rows: accumulates dweight, dbias, and dinp (or stores 0 + value with overwrite).
void cvm_layernorm_backward(float *dinp, int overwrite, float *dweight, float *dbias, const float *dout,
                            const float *inp, const float *weight, const float *mean, const float *rstd, long rows,
                            long dim);
/// Tokens [t0, t1): out[t] = wte[ids[t]] + wpe[t % length] + wtt[types[t]] (wpe, wtt or types may be NULL).
void cvm_embedding_forward(float *out, const int *ids, const int *types, const float *wte, const float *wpe,
                           const float *wtt, long t0, long t1, long length, long dim);
/// Columns [c0, c1) of the embedding gradients: each token's dout row added to its rows, tokens in order.
void cvm_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout, const int *ids,
                            const int *types, long tokens, long length, long dim, long c0, long c1);
/// The instruction set the kernels above use in this process: "avx512", "avx2" or "baseline".
const char *cvm_isa(void);
/// Switches every kernel above to the named build ("avx512", "avx2" or "baseline") if this CPU runs it; returns 0
/// (and changes nothing) otherwise. For tests and for comparing builds: call it before any parallel region.
int cvm_use_isa(const char *name);
/// The best build this CPU runs (what the kernels use unless cvm_use_isa chose another).
const char *cvm_best_isa(void);

#endif
