// libFuzzer harness over the native model loader: every input is a candidate model file.
// Anything may be refused with densekit::Error (the documented outcome for a malformed file);
// a crash, a sanitizer report, a hang or unbounded memory is a finding. A file that loads is
// also run, so the graph the loader accepted is exercised. Build: docs/security.md.
#include "fuzz_setup.hpp"

#include <densekit/densekit.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const bool compile : {false, true}) {
    try {
      densekit::Model model = densekit::load_model_from_bytes(bytes, compile);
      const auto& graph = model.graph();
      densekit::Matrix x = densekit::Matrix::Ones(2, densekit::shape_size(graph.shape(graph.input_nodes()[0])));
      (void)model.predict(x);
    } catch (const densekit::Error&) {
    }
  }
  return 0;
}
