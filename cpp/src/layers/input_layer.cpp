#include <densekit/errors.hpp>
#include <densekit/layers/input_layer.hpp>
#include <cmath>
#include "layers/registry.hpp"

namespace densekit {

bool is_whole_number_dtype(const std::string& dtype) {
  static const char* const kWhole[] = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"};
  for (const char* name : kWhole)
    if (dtype == name) return true;
  return false;
}

WholeNumberCast whole_number_cast(const std::string& dtype) {
  if (dtype == "bool") return WholeNumberCast::Bool;
  if (dtype == "int8") return WholeNumberCast::Int8;
  if (dtype == "int16") return WholeNumberCast::Int16;
  if (dtype == "uint8") return WholeNumberCast::UInt8;
  if (dtype == "uint16") return WholeNumberCast::UInt16;
  if (dtype == "uint32") return WholeNumberCast::UInt32;
  if (dtype == "uint64") return WholeNumberCast::UInt64;
  if (dtype == "int32") return WholeNumberCast::Int32;
  if (dtype == "int64") return WholeNumberCast::Int64;
  return WholeNumberCast::None;
}

namespace {
// v (whole) taken modulo 2^bits into [0, 2^bits), or into [-2^(bits-1), 2^(bits-1)) when signed.
double wrap_to_bits(double v, int bits, bool is_signed) {
  const double range = std::ldexp(1.0, bits);
  double r = std::fmod(v, range);
  if (r < 0) r += range;
  if (is_signed && r >= range / 2) r -= range;
  return r + 0.0;  // (no -0)
}
}  // namespace

float cast_whole_number(float x, WholeNumberCast cast) {
  if (std::isnan(x) || cast == WholeNumberCast::None) return x;
  if (cast == WholeNumberCast::Bool) return x != 0.0f ? 1.0f : 0.0f;
  const double v = std::trunc(static_cast<double>(x)) + 0.0;  // (+0.0: -0 becomes 0, as an integer has no sign of zero)
  // A value outside int32 (int64) becomes its lowest value, as the x86 conversion TensorFlow's
  // cast compiles to leaves it; the narrower types are taken from the int32 (int64) value.
  const auto in_range = [v](int bits) { return std::fabs(v) < std::ldexp(1.0, bits - 1) || v == -std::ldexp(1.0, bits - 1); };
  const double as_int32 = in_range(32) ? v : -std::ldexp(1.0, 31);
  const double as_int64 = in_range(64) ? v : -std::ldexp(1.0, 63);
  switch (cast) {
    case WholeNumberCast::Int8: return static_cast<float>(wrap_to_bits(as_int32, 8, true));
    case WholeNumberCast::Int16: return static_cast<float>(wrap_to_bits(as_int32, 16, true));
    case WholeNumberCast::UInt8: return static_cast<float>(wrap_to_bits(as_int32, 8, false));
    case WholeNumberCast::UInt16: return static_cast<float>(wrap_to_bits(as_int32, 16, false));
    case WholeNumberCast::UInt32: return static_cast<float>(wrap_to_bits(as_int64, 32, false));
    case WholeNumberCast::UInt64: return static_cast<float>(wrap_to_bits(as_int64, 64, false));
    case WholeNumberCast::Int64: return static_cast<float>(as_int64);
    default: return static_cast<float>(as_int32);
  }
}

void check_input_dtype(const std::string& dtype, const std::string& input_name) {
  if (dtype != "float32" && !is_whole_number_dtype(dtype))
    throw ValueError("Input '" + input_name + "' has dtype " + dtype + ": densekit computes in float32, and an input may "
                     "also hold whole numbers (int8, int16, int32, int64, uint8, uint16, uint32, uint64 or bool).");
}

InputLayer::InputLayer(std::string name, Shape shape, std::string dtype)
    : Layer(std::move(name)), shape_(std::move(shape)), dtype_(std::move(dtype)) {
  check_input_dtype(dtype_, this->name());
  for (int64_t d : shape_)
    if (d <= 0) throw ValueError("Input '" + this->name() + "' has an invalid shape " + shape_to_string(shape_) + ": every dimension must be a positive integer.");
  check_sample_size(shape_, "Input '" + this->name() + "'");
}

Shape InputLayer::build(const std::vector<Shape>&) {
  throw ValueError("An InputLayer cannot be applied to a tensor: it is the start of a model.");
}

void InputLayer::forward(const std::vector<ConstView>&, View, View, const Context&) {}

void InputLayer::backward(const std::vector<ConstView>&, ConstView, ConstView, View, const std::vector<View>&,
                          const Context&) {}

// --- config (keras/src/layers/core/input_layer.py): no base config, unlike every other layer ---

namespace {
Json input_layer_config(const Layer& layer) {
  const InputLayer& in = layer_as<InputLayer>(layer);
  Json c = Json::object();
  c["batch_shape"] = batch_shape(in.shape());
  c["dtype"] = in.dtype();
  c["sparse"] = false;
  c["ragged"] = false;
  c["name"] = in.name();
  c["optional"] = false;
  return c;
}

LayerPtr input_layer_from_config(const std::string&, const std::string& name, const Json& config) {
  const Json shape = config.contains("batch_shape")         ? config["batch_shape"]
                     : config.contains("batch_input_shape") ? config["batch_input_shape"]
                                                            : Json(nullptr);
  // A dtype is a name here, or (as a layer's dtype policy) {"config": {"name": ...}}.
  std::string dtype = "float32";
  if (config.contains("dtype") && config["dtype"].is_object() && config["dtype"].contains("config"))
    dtype = field(config["dtype"]["config"], "name", dtype);
  else
    dtype = field(config, "dtype", dtype);
  return std::make_shared<InputLayer>(name, shape_from(shape, "InputLayer batch_shape"), dtype);
}
}  // namespace

const LayerType& input_layer_type() {
  static const LayerType type{{{"InputLayer", {}, true}}, input_layer_config, input_layer_from_config};
  return type;
}

}  // namespace densekit
