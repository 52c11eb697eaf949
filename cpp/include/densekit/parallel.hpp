// Threads densekit's parallel regions use (one OpenMP region per layer operation).
#pragma once

namespace densekit {

// Default: OMP_NUM_THREADS, else all cores. A process forked after densekit ran threads uses 1.
int num_threads();
void set_num_threads(int n);

}  // namespace densekit
