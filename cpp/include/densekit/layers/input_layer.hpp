// InputLayer: declares a model input's per-sample shape and type. It computes nothing; a graph
// turns it into an input node.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class InputLayer : public Layer {
 public:
  // dtype: "float32", or a type of whole numbers (int8 ... uint64, bool; is_whole_number_dtype).
  InputLayer(std::string name, Shape shape, std::string dtype = "float32");
  std::string class_name() const override { return "InputLayer"; }
  const Shape& shape() const { return shape_; }
  const std::string& dtype() const { return dtype_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Shape shape_;
  std::string dtype_;
};

// Whether an input of this dtype holds whole numbers (an integer type or bool).
bool is_whole_number_dtype(const std::string& dtype);

// What an input of a whole-number dtype makes of a float, as Keras's cast to that type leaves it:
// bool is 1 where non-zero; the integer types truncate toward zero, the 8-, 16- and 32-bit
// unsigned and the 8- and 16-bit signed ones then wrap around their range (-1.5 as uint8 is 255,
// 300 as int8 is 44); beyond int32's (int64's) range a value is its lowest, as TensorFlow's cast
// leaves it on x86. NaN stays NaN, for the layers after it to refuse or pass on.
enum class WholeNumberCast { None, Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64 };
WholeNumberCast whole_number_cast(const std::string& dtype);
float cast_whole_number(float x, WholeNumberCast cast);
// ValueError unless densekit takes an input of this dtype: float32 or whole numbers.
void check_input_dtype(const std::string& dtype, const std::string& input_name);

}  // namespace densekit
