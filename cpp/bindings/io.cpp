// Configs and model files.
#include "common.hpp"

#include <densekit/io.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/serialization.hpp>

namespace densekit_py {

using namespace densekit;

void init_io(py::module_& m) {
  m.attr("FORMAT_VERSION") = kFormatVersion;
  m.def("layer_config_json", [](const LayerPtr& layer) { return layer_config_json(layer_ref(layer)); });
  m.def("layer_from_config_json", &layer_from_config_json, py::arg("class_name"), py::arg("config_json"));
  m.def("is_whole_number_dtype", &is_whole_number_dtype, py::arg("dtype"));
  m.def("config_json", [](const Activation& a) { return activation_config_json(a); });
  m.def("activation_from_config_json", &activation_from_config_json, py::arg("config_json"));
  m.def("config_json", [](const Initializer& i) { return initializer_config_json(i); });
  m.def("config_json", [](const Regularizer& r) { return regularizer_config_json(r); });
  m.def("config_json", [](const Constraint& c) { return constraint_config_json(c); });
  // It waits for the compile state, which a save on another thread may hold while it waits for a
  // training step, which may wait for the GIL (a Python learning-rate function): without the GIL.
  m.def("model_config_json", [](const std::shared_ptr<Model>& model) { return model_config_json(*model); },
        py::call_guard<GilRelease>());
  m.def("model_from_config_json", &model_from_config_json, py::arg("json"), py::arg("compile") = true);
  m.def("save_model", [](const std::shared_ptr<Model>& model, const std::string& path) { save_model(*model, path); },
        py::arg("model"), py::arg("path"), py::call_guard<GilRelease>());
  m.def("load_model", [](const std::string& path, bool compile) { return std::make_shared<Model>(load_model(path, compile)); },
        py::arg("path"), py::arg("compile") = true, py::call_guard<GilRelease>());
  m.def("save_model_to_bytes", [](const std::shared_ptr<Model>& model) {
    std::string bytes;
    {
      GilRelease release;
      bytes = save_model_to_bytes(*model);
    }
    return py::bytes(bytes);
  });
  // The same bytes as a uint8 array over the C++ string itself: a model's file read where it
  // lies (the Keras writer's), not copied into a Python bytes object beside it.
  m.def("save_model_to_buffer", [](const std::shared_ptr<Model>& model) {
    auto bytes = std::make_unique<std::string>();
    {
      GilRelease release;
      *bytes = save_model_to_bytes(*model);
    }
    const auto size = static_cast<py::ssize_t>(bytes->size());
    const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
    py::capsule owner(bytes.release(), [](void* p) { delete static_cast<std::string*>(p); });
    return py::array_t<uint8_t>({size}, {py::ssize_t(1)}, data, owner);
  });
  m.def("load_model_from_bytes", [](const py::bytes& bytes, bool compile) {
    std::string data = bytes;
    GilRelease release;
    return std::make_shared<Model>(load_model_from_bytes(data, compile));
  }, py::arg("bytes"), py::arg("compile") = true);
  m.def("save_weights", [](const std::shared_ptr<Model>& model, const std::string& path) { save_weights(*model, path); },
        py::arg("model"), py::arg("path"), py::call_guard<GilRelease>());
  m.def("load_weights", [](const std::shared_ptr<Model>& model, const std::string& path, bool skip_mismatch) {
    GilRelease release;
    return load_weights(*model, path, skip_mismatch);
  }, py::arg("model"), py::arg("path"), py::arg("skip_mismatch") = false);
}

}  // namespace densekit_py
