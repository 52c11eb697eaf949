// libFuzzer harness over model configs, the JSON a user or a file hands model_from_config_json
// (Python: model_from_json). Refusal with densekit::Error is the documented outcome; anything
// else is a finding. A config that builds is also run.
#include "fuzz_setup.hpp"

#include <densekit/densekit.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

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
