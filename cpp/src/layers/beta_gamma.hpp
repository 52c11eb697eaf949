// The config fields BatchNormalization and LayerNormalization share.
#pragma once

#include "serialization/fields.hpp"

namespace densekit {

// The settings BatchNormalization and LayerNormalization share: epsilon, center, scale and
// their beta/gamma weights' initializers, regularizers and constraints.
template <class Options>
void read_beta_gamma(const Json& config, Options& o) {
  o.epsilon = field(config, "epsilon", 1e-3);
  o.center = field(config, "center", true);
  o.scale = field(config, "scale", true);
  o.beta_initializer = initializer_field(config, "beta_initializer", "zeros");
  o.gamma_initializer = initializer_field(config, "gamma_initializer", "ones");
  o.beta_regularizer = regularizer_from(config.value("beta_regularizer", Json(nullptr)));
  o.gamma_regularizer = regularizer_from(config.value("gamma_regularizer", Json(nullptr)));
  o.beta_constraint = constraint_from(config.value("beta_constraint", Json(nullptr)));
  o.gamma_constraint = constraint_from(config.value("gamma_constraint", Json(nullptr)));
}

// Their regularizers and constraints, in Keras's key order (both write them last).
template <class Options>
void write_beta_gamma_penalties(Json& c, const Options& o) {
  c["beta_regularizer"] = regularizer_config(o.beta_regularizer);
  c["gamma_regularizer"] = regularizer_config(o.gamma_regularizer);
  c["beta_constraint"] = constraint_config(o.beta_constraint);
  c["gamma_constraint"] = constraint_config(o.gamma_constraint);
}

}  // namespace densekit
