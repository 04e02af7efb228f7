#include "cvecmath.h"
#include <math.h>
#include <string.h>

// Branch-free scalar bodies; clang vectorises the loops below for whichever target each copy is built for.
static inline float cvm_exp(float x) {
    const float lo = -87.33654f, hi = 88.72283f, magic = 12582912.0f;
    float xc = x < lo ? lo : (x > hi ? hi : x);
    float t = xc * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    int bits;
    memcpy(&bits, &t, 4);
    bits = ((bits - 0x4B400000) + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return x < lo ? 0.0f : y * scale;
}

static inline float cvm_erf(float x) {
    float xc = x < -4.0f ? -4.0f : (x > 4.0f ? 4.0f : x);
    float x2 = xc * xc;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 + -2.10102402082508e-06f;
    p = p * x2 + -5.69250639462346e-05f;
    p = p * x2 + -7.34990630326855e-04f;
    p = p * x2 + -2.95459980854025e-03f;
    p = p * x2 + -1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 + -2.13374055278905e-04f;
    q = q * x2 + -1.68282697438203e-03f;
    q = q * x2 + -7.37332916720468e-03f;
    q = q * x2 + -1.42647390514189e-02f;
    return xc * p / q;
}

// sqrtf may set errno (for x < 0), which keeps clang from vectorising a loop that calls it: AdamW ran scalar, one
// vsqrtss and three vdivss per parameter (8x its memory-bound time). The elementwise builtin is the same correctly
// rounded IEEE square root without errno, so the vector loop gives the scalar loop's bits (v >= 0 here anyway).
#if defined(__clang__)
#define CVM_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define CVM_SQRT(x) sqrtf(x)
#endif

// GELU'(v) = Φ(v) + v·φ(v).
static inline float cvm_gelu_grad(float v) {
    float cdf = 0.5f * (1.0f + cvm_erf(v * 0.70710678118654752f));
    float pdf = 0.39894228040143268f * cvm_exp(-0.5f * v * v);
    return cdf + v * pdf;
}

#define CVM_KERNELS(SUFFIX, ATTR)                                                                              \
    ATTR static void gelu_##SUFFIX(float *restrict out, const float *restrict x, long n) {                     \
        for (long i = 0; i < n; i++) out[i] = 0.5f * x[i] * (1.0f + cvm_erf(x[i] * 0.70710678118654752f));    \
    }                                                                                                          \
    ATTR static void gelu_backward_##SUFFIX(float *restrict dinp, const float *restrict x,                     \
                                            const float *restrict dout, long n) {                              \
        for (long i = 0; i < n; i++) dinp[i] += cvm_gelu_grad(x[i]) * dout[i];                                 \
    }                                                                                                          \
    /* dinp = 0 + gelu'(x)·dout: the bits of += onto a zeroed dinp, without reading (or zeroing) it first */   \
    ATTR static void gelu_backward_set_##SUFFIX(float *restrict dinp, const float *restrict x,                 \
                                                const float *restrict dout, long n) {                          \
        for (long i = 0; i < n; i++) dinp[i] = 0.0f + cvm_gelu_grad(x[i]) * dout[i];                           \
    }                                                                                                          \
    ATTR static void adamw_##SUFFIX(float *restrict p, const float *restrict g, float *restrict m,             \
                                    float *restrict v, long n, float lr, float b1, float b2, float eps,         \
                                    float c1, float c2, float wd, float gs) {                                  \
        for (long i = 0; i < n; i++) {                                                                         \
            /* its own statement, so never contracted: the float a clipping pass (g *= gs) would have stored */ \
            float gi = g[i] * gs;                                                                              \
            float mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;                         \
            m[i] = mi;                                                                                         \
            v[i] = vi;                                                                                         \
            p[i] -= lr * ((mi / c1) / (CVM_SQRT(vi / c2) + eps) + wd * p[i]);                                     \
        }                                                                                                      \
    }

// 8-lane helpers for the loops below that must give the bits of the 8-lane Swift code they replaced (kept in
// Tests/KernelsTests/SwiftLaneReferences.swift). Clang's vector extension keeps the 8-lane structure explicit;
// each ISA copy only changes how a lane op is encoded.
typedef float cvm_v8 __attribute__((ext_vector_type(8)));
typedef int cvm_i8 __attribute__((ext_vector_type(8)));

#define CVM_LANES(SUFFIX, ATTR)                                                                                \
    ATTR static inline cvm_v8 load8_##SUFFIX(const float *p, long n, float fill) {                             \
        cvm_v8 v = fill;                                                                                       \
        if (n >= 8) { memcpy(&v, p, sizeof v); return v; }                                                    \
        for (long i = 0; i < n; i++) v[i] = p[i];                                                              \
        return v;                                                                                              \
    }                                                                                                          \
    ATTR static inline void store8_##SUFFIX(cvm_v8 v, float *p, long n) {                                      \
        if (n >= 8) { memcpy(p, &v, sizeof v); return; }                                                       \
        for (long i = 0; i < n; i++) p[i] = v[i];                                                              \
    }                                                                                                          \
    /* where mask: b, else a (bitwise, as the SSE2 blend it replaces) */                                       \
    ATTR static inline cvm_v8 pick_##SUFFIX(cvm_v8 a, cvm_v8 b, cvm_i8 mask) {                                 \
        cvm_i8 ia, ib;                                                                                         \
        memcpy(&ia, &a, sizeof a); memcpy(&ib, &b, sizeof b);                                                  \
        cvm_i8 r = (ib & mask) | (ia & ~mask);                                                                 \
        cvm_v8 out; memcpy(&out, &r, sizeof out); return out;                                                  \
    }

// The attention row softmax and its backward (so probabilities and gradients keep their bits): 8-lane max and sum
// accumulators reduced lane 0..7 in order, the same exp as the Swift code, no FMA contraction (Swift, built for
// baseline x86-64, multiplies and adds separately; cvm_exp above is contracted, for GELU).
#define CVM_SOFTMAX(SUFFIX, ATTR)                                                                              \
    ATTR static inline cvm_v8 exp8_##SUFFIX(cvm_v8 x) {                                                        \
        _Pragma("clang fp contract(off)")                                                                      \
        const float lo = -87.33654f, hi = 88.72283f, magic = 12582912.0f;                                      \
        cvm_v8 lov = lo, hiv = hi;                                                                             \
        cvm_v8 xc = pick_##SUFFIX(x, lov, x < lov);                                                            \
        xc = pick_##SUFFIX(xc, hiv, xc > hiv);                                                                 \
        cvm_v8 t = xc * 1.44269504088896341f + magic;                                                          \
        cvm_v8 n = t - magic;                                                                                  \
        cvm_v8 r = xc - n * 0.693359375f;                                                                      \
        r = r - n * -2.12194440e-4f;                                                                           \
        cvm_v8 y = 1.9875691500e-4f;                                                                           \
        y = y * r + 1.3981999507e-3f;                                                                          \
        y = y * r + 8.3334519073e-3f;                                                                          \
        y = y * r + 4.1665795894e-2f;                                                                          \
        y = y * r + 1.6666665459e-1f;                                                                          \
        y = y * r + 5.0000001201e-1f;                                                                          \
        y = y * (r * r) + r + 1.0f;                                                                            \
        cvm_i8 bits; memcpy(&bits, &t, sizeof t);                                                              \
        bits = ((bits - 0x4B400000) + 127) << 23;                                                              \
        cvm_v8 scale; memcpy(&scale, &bits, sizeof bits);                                                      \
        cvm_v8 zero = 0.0f;                                                                                    \
        return pick_##SUFFIX(y * scale, zero, x < lov);                                                        \
    }                                                                                                          \
    ATTR static void softmax_rows_##SUFFIX(float *p, long rows, long count) {                                  \
        _Pragma("clang fp contract(off)")                                                                      \
        for (long row = 0; row < rows; row++, p += count) {                                                    \
            cvm_v8 mv = -__builtin_inff();                                                                     \
            for (long j = 0; j < count; j += 8) {                                                              \
                cvm_v8 x = load8_##SUFFIX(p + j, count - j, -__builtin_inff());                                \
                mv = pick_##SUFFIX(mv, x, x > mv);                                                             \
            }                                                                                                  \
            float mx = mv[0];                                                                                  \
            for (int i = 1; i < 8; i++) mx = mv[i] >= mx ? mv[i] : mx;                                         \
            if (mx == -__builtin_inff()) { memset(p, 0, (size_t)count * sizeof(float)); continue; }            \
            cvm_v8 sv = 0.0f;                                                                                  \
            for (long j = 0; j < count; j += 8) {                                                              \
                long n = count - j < 8 ? count - j : 8;                                                        \
                cvm_v8 e = exp8_##SUFFIX(load8_##SUFFIX(p + j, n, -__builtin_inff()) - mx);                    \
                for (long i = n; i < 8; i++) e[i] = 0.0f;                                                      \
                sv += e;                                                                                       \
                store8_##SUFFIX(e, p + j, n);                                                                  \
            }                                                                                                  \
            float sum = -0.0f;                                                                                 \
            for (int i = 0; i < 8; i++) sum += sv[i];                                                          \
            float inv = 1.0f / sum;                                                                            \
            for (long j = 0; j < count; j += 8) {                                                              \
                long n = count - j < 8 ? count - j : 8;                                                        \
                store8_##SUFFIX(load8_##SUFFIX(p + j, n, 0.0f) * inv, p + j, n);                               \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
    ATTR static void softmax_backward_rows_##SUFFIX(float *dp, const float *p, long rows, long count) {        \
        _Pragma("clang fp contract(off)")                                                                      \
        for (long row = 0; row < rows; row++, dp += count, p += count) {                                       \
            cvm_v8 acc = 0.0f;                                                                                 \
            for (long j = 0; j < count; j += 8) {                                                              \
                long n = count - j < 8 ? count - j : 8;                                                        \
                acc += load8_##SUFFIX(p + j, n, 0.0f) * load8_##SUFFIX(dp + j, n, 0.0f);                       \
            }                                                                                                  \
            float dot = -0.0f;                                                                                 \
            for (int i = 0; i < 8; i++) dot += acc[i];                                                         \
            for (long j = 0; j < count; j += 8) {                                                              \
                long n = count - j < 8 ? count - j : 8;                                                        \
                store8_##SUFFIX(load8_##SUFFIX(p + j, n, 0.0f) * (load8_##SUFFIX(dp + j, n, 0.0f) - dot),      \
                                dp + j, n);                                                                    \
            }                                                                                                  \
        }                                                                                                      \
    }

// LayerNorm rows, lane for lane the Swift loops they replaced (the tests' `SwiftLanes.sum`: an 8-lane
// accumulator over whole chunks of 8, reduced lane 0..7 from -0, then the tail added element by element; every
// product and sum rounded separately, no FMA), so normalised values and gradients keep their bits.
#define CVM_LAYERNORM(SUFFIX, ATTR)                                                                            \
    ATTR static void layernorm_forward_##SUFFIX(float *out, float *mean, float *rstd, const float *inp,        \
                                                const float *weight, const float *bias, long rows, long dim,    \
                                                float eps) {                                                   \
        _Pragma("clang fp contract(off)")                                                                      \
        for (long t = 0; t < rows; t++) {                                                                      \
            const float *x = inp + t * dim;                                                                    \
            float *o = out + t * dim;                                                                          \
            cvm_v8 acc = 0.0f;                                                                                 \
            long i = 0;                                                                                        \
            for (; i + 8 <= dim; i += 8) acc += load8_##SUFFIX(x + i, 8, 0.0f);                                \
            float total = -0.0f;                                                                               \
            for (int l = 0; l < 8; l++) total += acc[l];                                                       \
            for (long j = i; j < dim; j++) total += x[j];                                                      \
            float m = total / (float)dim;                                                                      \
            acc = 0.0f;                                                                                        \
            for (i = 0; i + 8 <= dim; i += 8) {                                                                \
                cvm_v8 d = load8_##SUFFIX(x + i, 8, 0.0f) - m;                                                 \
                acc += d * d;                                                                                  \
            }                                                                                                  \
            total = -0.0f;                                                                                     \
            for (int l = 0; l < 8; l++) total += acc[l];                                                       \
            for (long j = i; j < dim; j++) { float d = x[j] - m; total += d * d; }                             \
            float v = total / (float)dim;                                                                      \
            float sd = 1.0f / CVM_SQRT(v + eps);                                                               \
            for (long j = 0; j < dim; j++) o[j] = (x[j] - m) * sd * weight[j] + bias[j];                       \
            mean[t] = m;                                                                                       \
            rstd[t] = sd;                                                                                      \
        }                                                                                                      \
    }                                                                                                          \
    ATTR static void layernorm_backward_##SUFFIX(float *dinp, int overwrite, float *dweight, float *dbias,     \
                                                 const float *dout, const float *inp, const float *weight,      \
                                                 const float *mean, const float *rstd, long rows, long dim) {   \
        _Pragma("clang fp contract(off)")                                                                      \
        for (long t = 0; t < rows; t++) {                                                                      \
            const float *x = inp + t * dim, *dy = dout + t * dim;                                              \
            float *dx = dinp + t * dim;                                                                        \
            float m = mean[t], sd = rstd[t];                                                                   \
            cvm_v8 a1 = 0.0f, a2 = 0.0f;                                                                       \
            long i = 0;                                                                                        \
            for (; i + 8 <= dim; i += 8) {                                                                     \
                cvm_v8 w = load8_##SUFFIX(weight + i, 8, 0.0f), g = load8_##SUFFIX(dy + i, 8, 0.0f);           \
                a1 += w * g;                                                                                   \
                a2 += (load8_##SUFFIX(x + i, 8, 0.0f) - m) * sd * w * g;                                       \
            }                                                                                                  \
            float s1 = -0.0f, s2 = -0.0f;                                                                      \
            for (int l = 0; l < 8; l++) s1 += a1[l];                                                           \
            for (long j = i; j < dim; j++) s1 += weight[j] * dy[j];                                            \
            for (int l = 0; l < 8; l++) s2 += a2[l];                                                           \
            for (long j = i; j < dim; j++) s2 += (x[j] - m) * sd * weight[j] * dy[j];                          \
            float dnormMean = s1 / (float)dim, dnormNormMean = s2 / (float)dim;                                \
            if (overwrite) {                                                                                   \
                for (long j = 0; j < dim; j++) {                                                               \
                    float n = (x[j] - m) * sd, dn = weight[j] * dy[j];                                         \
                    dbias[j] += dy[j];                                                                         \
                    dweight[j] += n * dy[j];                                                                   \
                    dx[j] = 0.0f + (dn - dnormMean - n * dnormNormMean) * sd;                                  \
                }                                                                                              \
            } else {                                                                                           \
                for (long j = 0; j < dim; j++) {                                                               \
                    float n = (x[j] - m) * sd, dn = weight[j] * dy[j];                                         \
                    dbias[j] += dy[j];                                                                         \
                    dweight[j] += n * dy[j];                                                                   \
                    dx[j] += (dn - dnormMean - n * dnormNormMean) * sd;                                        \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

// Embedding sums (token + position + type rows) and their scatter-add backward over columns [c0, c1): the same
// element-wise float additions, in the same order, as the Swift loops they replace; one pass per token.
#define CVM_EMBEDDING(SUFFIX, ATTR)                                                                            \
    ATTR static void embedding_forward_##SUFFIX(float *out, const int *ids, const int *types, const float *wte,  \
                                                const float *wpe, const float *wtt, long t0, long t1,          \
                                                long length, long dim) {                                       \
        for (long t = t0; t < t1; t++) {                                                                       \
            float *restrict o = out + t * dim;                                                                 \
            const float *e = wte + (long)ids[t] * dim;                                                         \
            const float *p = wpe ? wpe + (t % length) * dim : 0;                                               \
            const float *y = (wtt && types) ? wtt + (long)types[t] * dim : 0;                                  \
            if (p && y) for (long i = 0; i < dim; i++) o[i] = e[i] + p[i] + y[i];                             \
            else if (p) for (long i = 0; i < dim; i++) o[i] = e[i] + p[i];                                    \
            else if (y) for (long i = 0; i < dim; i++) o[i] = e[i] + y[i];                                    \
            else for (long i = 0; i < dim; i++) o[i] = e[i];                                                  \
        }                                                                                                      \
    }                                                                                                          \
    ATTR static void embedding_backward_##SUFFIX(float *dwte, float *dwpe, float *dwtt, const float *dout,     \
                                                 const int *ids, const int *types, long tokens, long length,    \
                                                 long dim, long c0, long c1) {                                 \
        for (long t = 0; t < tokens; t++) {                                                                    \
            const float *d = dout + t * dim;                                                                   \
            float *e = dwte + (long)ids[t] * dim;                                                              \
            for (long i = c0; i < c1; i++) e[i] += d[i];                                                       \
            if (dwpe) { float *p = dwpe + (t % length) * dim; for (long i = c0; i < c1; i++) p[i] += d[i]; }   \
            if (dwtt && types) {                                                                               \
                float *y = dwtt + (long)types[t] * dim;                                                        \
                for (long i = c0; i < c1; i++) y[i] += d[i];                                                   \
            }                                                                                                  \
        }                                                                                                      \
    }

// One build of every loop above: each ISA copy differs only in how a lane op is encoded.
#define CVM_BUILD(SUFFIX, ATTR)                                                                                \
    CVM_KERNELS(SUFFIX, ATTR)                                                                                  \
    CVM_LANES(SUFFIX, ATTR)                                                                                    \
    CVM_SOFTMAX(SUFFIX, ATTR)                                                                                  \
    CVM_LAYERNORM(SUFFIX, ATTR)                                                                                \
    CVM_EMBEDDING(SUFFIX, ATTR)

// The baseline copy passes 8-float vectors between its (always inlined) helpers; clang warns that without AVX
// their ABI differs, which matters only across separately compiled code, and these never leave this file.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"
CVM_BUILD(base, )
#pragma clang diagnostic pop
#if defined(__x86_64__) && defined(__clang__)
CVM_BUILD(avx2, __attribute__((target("avx2,fma"))))
CVM_BUILD(avx512, __attribute__((target("avx512f,avx512vl,avx2,fma"))))

static int cvm_supported(void) {  // 2 = AVX-512, 1 = AVX2+FMA, 0 = baseline: what this CPU can run
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 2
         : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0);
}
static int cvm_chosen = -1;  // the build in use: the best supported, decided at the first call, unless lowered
static int cvm_level(void) {
    if (cvm_chosen < 0) cvm_chosen = cvm_supported();
    return cvm_chosen;
}
static int cvm_parse(const char *name) {
    return strcmp(name, "avx512") == 0 ? 2 : (strcmp(name, "avx2") == 0 ? 1 : (strcmp(name, "baseline") == 0 ? 0 : -1));
}
const char *cvm_best_isa(void) {
    int best = cvm_supported();
    return best == 2 ? "avx512" : (best == 1 ? "avx2" : "baseline");
}
int cvm_use_isa(const char *name) {
    int want = cvm_parse(name);
    if (want < 0 || want > cvm_supported()) return 0;
    cvm_chosen = want;
    return 1;
}
#define CVM_DISPATCH(NAME, ...)                                                                                \
    switch (cvm_level()) {                                                                                     \
    case 2: NAME##_avx512(__VA_ARGS__); break;                                                                 \
    case 1: NAME##_avx2(__VA_ARGS__); break;                                                                   \
    default: NAME##_base(__VA_ARGS__);                                                                         \
    }
const char *cvm_isa(void) { return cvm_level() == 2 ? "avx512" : (cvm_level() == 1 ? "avx2" : "baseline"); }
#else
#define CVM_DISPATCH(NAME, ...) NAME##_base(__VA_ARGS__);
const char *cvm_isa(void) { return "baseline"; }
int cvm_use_isa(const char *name) { return strcmp(name, "baseline") == 0; }
const char *cvm_best_isa(void) { return "baseline"; }
#endif

void cvm_gelu(float *out, const float *x, long n) { CVM_DISPATCH(gelu, out, x, n) }
void cvm_gelu_backward(float *dinp, const float *x, const float *dout, long n) {
    CVM_DISPATCH(gelu_backward, dinp, x, dout, n)
}
void cvm_gelu_backward_set(float *dinp, const float *x, const float *dout, long n) {
    CVM_DISPATCH(gelu_backward_set, dinp, x, dout, n)
}
void cvm_adamw(float *params, const float *grads, float *m, float *v, long n, float lr, float beta1, float beta2,
               float eps, float c1, float c2, float wd, float gscale) {
    CVM_DISPATCH(adamw, params, grads, m, v, n, lr, beta1, beta2, eps, c1, c2, wd, gscale)
}
void cvm_softmax_rows(float *p, long rows, long count) { CVM_DISPATCH(softmax_rows, p, rows, count) }
void cvm_softmax_backward_rows(float *dp, const float *p, long rows, long count) {
    CVM_DISPATCH(softmax_backward_rows, dp, p, rows, count)
}
void cvm_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                           const float *bias, long rows, long dim, float eps) {
    CVM_DISPATCH(layernorm_forward, out, mean, rstd, inp, weight, bias, rows, dim, eps)
}
void cvm_layernorm_backward(float *dinp, int overwrite, float *dweight, float *dbias, const float *dout,
                            const float *inp, const float *weight, const float *mean, const float *rstd, long rows,
                            long dim) {
    CVM_DISPATCH(layernorm_backward, dinp, overwrite, dweight, dbias, dout, inp, weight, mean, rstd, rows, dim)
}
void cvm_embedding_forward(float *out, const int *ids, const int *types, const float *wte, const float *wpe,
                           const float *wtt, long t0, long t1, long length, long dim) {
    CVM_DISPATCH(embedding_forward, out, ids, types, wte, wpe, wtt, t0, t1, length, dim)
}
void cvm_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout, const int *ids,
                            const int *types, long tokens, long length, long dim, long c0, long c1) {
    CVM_DISPATCH(embedding_backward, dwte, dwpe, dwtt, dout, ids, types, tokens, length, dim, c0, c1)
}
