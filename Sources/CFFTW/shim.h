#ifndef CFFTW_SHIM_H
#define CFFTW_SHIM_H
#include <fftw3.h>  /* not after <complex.h>: fftw_complex must import as a tuple */
/* fftw_version is an array of unknown size, which Swift cannot import. */
static inline const char *cfftw_version(void) { return fftw_version; }
#endif
