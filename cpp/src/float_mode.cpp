#include "float_mode.hpp"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace densekit {
namespace {

#if defined(__SSE__) || defined(__x86_64__)
constexpr unsigned kFlushToZero = 0x8000;      // MXCSR.FTZ: denormal results become zero
constexpr unsigned kDenormalsAreZero = 0x0040;  // MXCSR.DAZ: denormal operands read as zero
#endif

}  // namespace

unsigned float_mode() {
#if defined(__SSE__) || defined(__x86_64__)
  return _mm_getcsr();
#else
  return 0;
#endif
}

void set_float_mode(unsigned mode) {
#if defined(__SSE__) || defined(__x86_64__)
  if (_mm_getcsr() != mode) _mm_setcsr(mode);
#else
  (void)mode;
#endif
}

FlushDenormals::FlushDenormals() : saved_(float_mode()) {
#if defined(__SSE__) || defined(__x86_64__)
  set_float_mode(saved_ | kFlushToZero | kDenormalsAreZero);
#endif
}

FlushDenormals::~FlushDenormals() { set_float_mode(saved_); }

}  // namespace densekit
