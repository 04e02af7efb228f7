#include <cblas.h>
// OpenBLAS extension: the thread count is part of our determinism contract.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// OpenBLAS extension: which kernel family DYNAMIC_ARCH chose for this CPU (see Kernels/BlasCore.swift).
char* openblas_get_corename(void);
