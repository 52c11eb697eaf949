// compile()'s per-output arguments as the caller gave them, and Keras's rules that turn them into
// one loss, loss weight and metric list per output (CompileLoss and CompileMetrics in
// keras/src/trainers/compile_utils.py). Python's compile() and the file loader both come here.
#pragma once

#include <densekit/losses.hpp>
#include <densekit/metrics.hpp>

#include <optional>
#include <string>
#include <vector>

namespace densekit {

struct CompileOptions;

// One argument: absent, one value for every output, a list in output order, or a dict keyed by
// output names (or by the keys of a model whose outputs are a dict).
template <class T>
struct PerOutputArg {
  enum class Form { Absent, One, List, Dict };
  Form form = Form::Absent;
  std::vector<T> values;          // One: a single value; List: in order; Dict: beside `keys`
  std::vector<std::string> keys;  // Dict only
};

struct CompileArgs {
  PerOutputArg<std::optional<Loss>> loss;  // an empty optional: None given for that output
  PerOutputArg<double> loss_weights;
  // Metrics are given as a list or a dict; each entry is the metrics of one output (a single
  // metric given alone is an entry of one). A one-output model takes every entry.
  PerOutputArg<std::vector<MetricPtr>> metrics, weighted_metrics;
};

// The per-output compile options of a model with these outputs (no losses when none was given);
// ValueError, in Keras's words, for a count that does not match, a dict key that names no output,
// or an output without a loss.
CompileOptions resolve_compile_args(const CompileArgs& args, const std::vector<std::string>& output_names,
                                    const std::vector<std::string>& output_keys = {});

}  // namespace densekit
