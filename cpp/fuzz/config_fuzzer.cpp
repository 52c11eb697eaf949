// libFuzzer harness over the JSON entry points a file or a user hands the library: a model
// config (model_from_json) and a whole native file whose metadata the fuzzer rewrites freely.
// Refusal with densekit::Error is the documented outcome; anything else is a finding.
#include <densekit/densekit.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

// Limits low enough that no accepted input can exhaust the fuzzer's memory budget (-rss_limit_mb):
// a larger model is refused with the same ValueError a user would see, which is the behaviour
// under test. One thread: the fuzzer looks for input bugs, not for races.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  densekit::Limits limits;
  limits.max_parameters = int64_t(1) << 22;
  limits.max_values_per_sample = int64_t(1) << 20;
  limits.max_layers = 2000;
  densekit::set_limits(limits);
  densekit::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  try {
    const auto model = densekit::model_from_config_json(json, true);
    const auto& graph = model->graph();
    densekit::Matrix x = densekit::Matrix::Ones(1, densekit::shape_size(graph.shape(graph.input_nodes()[0])));
    (void)model->predict(x);
  } catch (const densekit::Error&) {
  }
  return 0;
}
