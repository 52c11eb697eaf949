// Everything an embedding application needs.
#pragma once

#include <densekit/activations.hpp>
#include <densekit/api.hpp>
#include <densekit/errors.hpp>
#include <densekit/constraints.hpp>
#include <densekit/graph.hpp>
#include <densekit/initializers.hpp>
#include <densekit/io.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/layers/activation.hpp>
#include <densekit/layers/batch_normalization.hpp>
#include <densekit/layers/dense.hpp>
#include <densekit/layers/dropout.hpp>
#include <densekit/layers/flatten.hpp>
#include <densekit/layers/global_pooling.hpp>
#include <densekit/layers/category_encoding.hpp>
#include <densekit/layers/identity.hpp>
#include <densekit/layers/permute.hpp>
#include <densekit/layers/repeat_vector.hpp>
#include <densekit/layers/unit_normalization.hpp>
#include <densekit/layers/activity_regularization.hpp>
#include <densekit/layers/alpha_dropout.hpp>
#include <densekit/layers/dot.hpp>
#include <densekit/layers/embedding.hpp>
#include <densekit/layers/gaussian_dropout.hpp>
#include <densekit/layers/gaussian_noise.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/layers/layer_normalization.hpp>
#include <densekit/layers/merging.hpp>
#include <densekit/layers/normalization.hpp>
#include <densekit/layers/ops.hpp>
#include <densekit/layers/prelu.hpp>
#include <densekit/layers/rescaling.hpp>
#include <densekit/layers/reshape.hpp>
#include <densekit/losses.hpp>
#include <densekit/metrics.hpp>
#include <densekit/model.hpp>
#include <densekit/naming.hpp>
#include <densekit/optimizers.hpp>
#include <densekit/parallel.hpp>
#include <densekit/random.hpp>
#include <densekit/schedules.hpp>
#include <densekit/serialization.hpp>
#include <densekit/tensor.hpp>
#include <densekit/traced_loss.hpp>
#include <densekit/traced_metric.hpp>
#include <densekit/traced_regularizer.hpp>

namespace densekit {
const char* version();
}
