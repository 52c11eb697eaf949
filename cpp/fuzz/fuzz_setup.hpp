// What both libFuzzer harnesses set up once (LLVMFuzzerInitialize).
#pragma once

#include <densekit/densekit.hpp>

#include <cstdint>

// Limits low enough that no accepted input can exhaust the fuzzer's memory budget (-rss_limit_mb):
// a larger model is refused with the same ValueError a user would see, which is the behaviour
// under test. One thread: the fuzzers look for input bugs, not for races.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  densekit::Limits limits;
  limits.max_parameters = int64_t(1) << 22;
  limits.max_values_per_sample = int64_t(1) << 20;
  limits.max_layers = 2000;
  densekit::set_limits(limits);
  densekit::set_num_threads(1);
  return 0;
}
