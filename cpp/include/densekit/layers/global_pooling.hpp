// GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D (keras/src/layers/pooling/): each
// channel's mean or maximum over all steps (or pixels, or voxels) of a sample. A reduction over
// the spatial axes, computed as Reduce computes "mean" and "max" (ties share the gradient).
#pragma once

#include <densekit/layers/ops.hpp>

namespace densekit {

class GlobalPooling : public Reduce {
 public:
  enum class Kind { Average, Max };
  // dimensions: 1, 2 or 3 spatial axes; channels_first: (channels, spatial...) rather than
  // (spatial..., channels); keepdims: the spatial axes stay with length 1.
  GlobalPooling(std::string name, Kind kind, int dimensions, bool channels_first, bool keepdims);
  std::string class_name() const override;
  // "GlobalAveragePooling1D", "GlobalMaxPooling3D", ...
  static std::string class_name_for(Kind kind, int dimensions);
  Kind kind() const { return kind_; }
  int dimensions() const { return dimensions_; }
  bool channels_first() const { return channels_first_; }

  Shape build(const std::vector<Shape>& inputs) override;

 private:
  Kind kind_;
  int dimensions_;
  bool channels_first_;
};

}  // namespace densekit
