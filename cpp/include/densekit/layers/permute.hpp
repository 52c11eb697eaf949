// Permute (keras/src/layers/reshaping/permute.py): a sample's axes reordered; dims (1-based, the
// batch axis not counted) says which input axis each output axis is. A transpose (IndexMapOp).
#pragma once

#include <densekit/layers/ops.hpp>

namespace densekit {

class Permute : public IndexMapOp {
 public:
  Permute(std::string name, std::vector<int> dims);
  std::string class_name() const override { return "Permute"; }
  const std::vector<int>& dims() const { return dims_; }

  Shape build(const std::vector<Shape>& inputs) override;

 private:
  std::vector<int> dims_;
};

}  // namespace densekit
