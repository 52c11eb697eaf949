// api_misuse_layers [DIR]: layers, schedules and weight calls of the C++ API used wrongly (a
// noise shape set after build, null layers and pointers, impossible adapt() data, duplicated
// axes, a schedule whose lists were emptied, a NaN momentum) give a densekit::ValueError, never
// a crash or silent garbage: run under the sanitizers too. DIR is accepted and unused.
// Prints "case: outcome" lines, checked by tests/cpp/test_cpp_api.py.
#include <densekit/densekit.hpp>

#include "report.hpp"

#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace densekit;

namespace {

Sequential small() { return Sequential({layers::Input({3}), layers::Dense(4, "relu"), layers::Dense(1)}); }

}  // namespace

int main() {
  set_random_seed(7);

  {  // Dropout's noise_shape set once the layer is built: fit drew with strides build() never
     // computed, into scratch sized without the noise shape (a segfault).
    const Matrix x = Matrix::Random(16, 32), y = Matrix::Random(16, 2);
    auto drop = std::make_shared<Dropout>("drop", 0.5);
    Sequential m({layers::Input({4, 8}), drop, layers::Flatten(), layers::Dense(2)});
    m.compile(optimizers::Adam(), "mse");
    report("dropout noise_shape after build",
           [&] { drop->set_noise_shape(Shape{MultiplicativeNoise::kNoneDim, 1, 8}); });
    report("fit after the refused noise_shape", [&] {
      FitOptions o;
      o.epochs = 2;
      o.batch_size = 4;
      m.fit(x, y, o);
    });
  }

  {  // Graph::set_weight / get_weight with a null layer (its name was read for the message) or
     // null values (copied from).
    Sequential m = small();
    const LayerPtr dense = m.graph().layers().back();
    std::vector<float> w(4, 1.0f);
    report("set_weight null layer", [&] { m.graph().set_weight(nullptr, 0, w.data(), {4, 1}); });
    report("get_weight null layer", [&] { m.graph().get_weight(nullptr, 0); });
    report("set_weight null values", [&] { m.graph().set_weight(dense.get(), 0, nullptr, {4, 1}); });
  }

  {  // A PiecewiseConstantDecay whose lists do not match, called: values[i] read out of bounds.
    report("schedule piecewise with no values", [] {
      LearningRateSchedule s;
      s.kind = ScheduleKind::PiecewiseConstantDecay;
      (void)s(3);
    });
    report("schedule piecewise values cleared", [] {
      LearningRateSchedule s = optimizers::schedules::PiecewiseConstantDecay({10.0}, {0.1, 0.01});
      s.values.clear();
      (void)s(3);
    });
  }

  {  // Normalization::adapt on views that hold no data: a null pointer was read, negative sizes
     // gave statistics of a negative count.
    float buf[3] = {1.0f, 2.0f, 3.0f};
    auto norm = std::make_shared<Normalization>("norm");
    Sequential m({layers::Input({3}), norm, layers::Dense(2)});
    report("normalization adapt null data", [&] { norm->adapt({ConstView(nullptr, 10, 3)}); });
    report("normalization adapt negative rows", [&] { norm->adapt({ConstView(buf, -5, 3)}); });
    NormalizationOptions none;
    none.axis = {};
    auto whole = std::make_shared<Normalization>("whole", none);
    Sequential m2({layers::Input({3}), whole, layers::Dense(2)});
    report("normalization adapt negative cols", [&] { whole->adapt({ConstView(buf, 1, -3)}); });
  }

  {  // Normalization keeping one axis twice, with a `mean` of one dimension per listed axis: the
     // broadcast indexed the statistics' shape out of bounds.
    NormalizationOptions twice;
    twice.axis = {-1, -1};
    twice.mean = std::vector<double>(9, 0.0);
    twice.variance = std::vector<double>(9, 1.0);
    twice.value_shape = {3, 3};
    report("normalization axis -1 twice",
           [&] { Sequential m({layers::Input({3}), std::make_shared<Normalization>("n", twice), layers::Dense(2)}); });
    NormalizationOptions same;
    same.axis = {1, -1};
    same.mean = std::vector<double>(3, 0.0);
    same.variance = std::vector<double>(3, 1.0);
    same.value_shape = {1, 3};
    report("normalization axis 1 and -1",
           [&] { Sequential m({layers::Input({3}), std::make_shared<Normalization>("n", same), layers::Dense(2)}); });
  }

  {  // BatchNormalization with a non-finite momentum or epsilon was accepted (NaN statistics).
    report("batchnormalization momentum nan",
           [] { layers::BatchNormalization(std::numeric_limits<double>::quiet_NaN()); });
    report("batchnormalization epsilon inf", [] {
      BatchNormalizationOptions o;
      o.epsilon = std::numeric_limits<double>::infinity();
      std::make_shared<BatchNormalization>("bn", o);
    });
  }
  return 0;
}
