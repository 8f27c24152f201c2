#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H
/* glibc's allocator tuning (mallopt), which Glibc's Swift module does not import. */
#include <malloc.h>
#endif
