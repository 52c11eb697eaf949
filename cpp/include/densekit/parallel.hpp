// Threads densekit uses: one parallel job per layer operation, on a pool of helper threads.
#pragma once

namespace densekit {

// Default: OMP_NUM_THREADS, else all cores. Safe across fork: a child starts its own helpers.
int num_threads();
void set_num_threads(int n);

}  // namespace densekit
