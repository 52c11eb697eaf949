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

// The mode of this thread before its outermost FlushDenormals, and how many are alive.
thread_local unsigned caller_mode = 0;
thread_local int flush_depth = 0;

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
  if (flush_depth++ == 0) caller_mode = saved_;
#if defined(__SSE__) || defined(__x86_64__)
  set_float_mode(saved_ | kFlushToZero | kDenormalsAreZero);
#endif
}

FlushDenormals::~FlushDenormals() {
  --flush_depth;
  set_float_mode(saved_);
}

CallerFloatMode::CallerFloatMode() : saved_(float_mode()) {
  if (flush_depth > 0) set_float_mode(caller_mode);
}

CallerFloatMode::~CallerFloatMode() { set_float_mode(saved_); }

}  // namespace densekit
