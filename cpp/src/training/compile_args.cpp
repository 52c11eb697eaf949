// Keras's rules for compile()'s per-output arguments (CompileLoss and CompileMetrics in
// keras/src/trainers/compile_utils.py): a value given once serves every output, a list goes in
// output order, a dict is keyed by output names.
#include <densekit/compile_args.hpp>
#include <densekit/errors.hpp>
#include <densekit/model.hpp>

#include <map>

namespace densekit {
namespace {

std::string list_string(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out + "]";
}

// A dict argument as one slot per output (empty where the dict has no entry).
template <class T>
std::vector<std::optional<T>> by_output(const PerOutputArg<T>& arg, const std::vector<std::string>& names,
                                        const std::vector<std::string>& keys, const char* what) {
  std::map<std::string, size_t> index;
  for (size_t k = 0; k < names.size(); ++k) index[names[k]] = k;
  for (size_t k = 0; k < keys.size(); ++k) index[keys[k]] = k;
  std::vector<std::optional<T>> out(names.size());
  for (size_t i = 0; i < arg.keys.size(); ++i) {
    const auto found = index.find(arg.keys[i]);
    if (found == index.end())
      throw ValueError(std::string("In the dict argument `") + what + "`, key '" + arg.keys[i] +
                       "' does not correspond to any model output. The model's outputs are " + list_string(names) + ".");
    out[found->second] = arg.values[i];
  }
  return out;
}

std::vector<Loss> resolve_losses(const CompileArgs& args, const std::vector<std::string>& names,
                                 const std::vector<std::string>& keys) {
  const size_t n = names.size();
  const auto& arg = args.loss;
  std::vector<std::optional<Loss>> per(n);
  switch (arg.form) {
    case PerOutputArg<std::optional<Loss>>::Form::Absent:
      return {};  // Model::compile refuses it; Keras accepts it until there is a loss to compute
    case PerOutputArg<std::optional<Loss>>::Form::One:
      per.assign(n, arg.values.at(0));
      break;
    case PerOutputArg<std::optional<Loss>>::Form::List:
      if (arg.values.size() != n)
        throw ValueError("The model has " + std::to_string(n) + " output(s) (" + list_string(names) + ") but " +
                         std::to_string(arg.values.size()) +
                         " losses were given: pass one loss, one per output, or a dict keyed by output names.");
      per = arg.values;
      break;
    case PerOutputArg<std::optional<Loss>>::Form::Dict:
    {
      const auto slots = by_output(arg, names, keys, "loss");
      for (size_t k = 0; k < n; ++k)
        if (slots[k]) per[k] = *slots[k];
      break;
    }
  }
  std::vector<std::string> missing;
  for (size_t k = 0; k < n; ++k)
    if (!per[k]) missing.push_back(names[k]);
  if (!missing.empty())
    throw ValueError("densekit needs a loss for every output; none was given for " + list_string(missing) + ".");
  std::vector<Loss> out;
  for (const auto& l : per) out.push_back(*l);
  return out;
}

std::vector<double> resolve_loss_weights(const CompileArgs& args, const std::vector<std::string>& names,
                                         const std::vector<std::string>& keys) {
  using Form = PerOutputArg<double>::Form;
  const size_t n = names.size();
  const auto& arg = args.loss_weights;
  switch (arg.form) {
    case Form::Absent: return std::vector<double>(n, 1.0);
    case Form::One: {
      const bool losses_per_output = args.loss.form == PerOutputArg<std::optional<Loss>>::Form::List ||
                                     args.loss.form == PerOutputArg<std::optional<Loss>>::Form::Dict;
      if (n > 1 && losses_per_output)
        throw ValueError("`loss_weights` must match the number of losses, got " + std::to_string(n) +
                         " losses and 1 weight. Pass a list or a dict of weights.");
      return std::vector<double>(n, arg.values.at(0));
    }
    case Form::List:
      if (arg.values.size() != n)
        throw ValueError("`loss_weights` must match the number of losses, got " + std::to_string(n) + " losses and " +
                         std::to_string(arg.values.size()) + " weights.");
      return arg.values;
    case Form::Dict: {
      std::vector<double> out(n, 1.0);
      const auto slots = by_output(arg, names, keys, "loss_weights");
      for (size_t k = 0; k < n; ++k)
        if (slots[k]) out[k] = *slots[k];
      return out;
    }
  }
  return std::vector<double>(n, 1.0);
}

std::vector<std::vector<MetricPtr>> resolve_metrics(const PerOutputArg<std::vector<MetricPtr>>& arg,
                                                    const std::vector<std::string>& names,
                                                    const std::vector<std::string>& keys, const char* what) {
  using Form = PerOutputArg<std::vector<MetricPtr>>::Form;
  const size_t n = names.size();
  std::vector<std::vector<MetricPtr>> out(n);
  if (arg.form == Form::Absent) return out;
  std::vector<std::vector<MetricPtr>> entries = arg.values;
  if (arg.form == Form::Dict) {
    const auto slots = by_output(arg, names, keys, what);
    entries.clear();
    for (const auto& s : slots) entries.push_back(s ? *s : std::vector<MetricPtr>{});
  }
  if (n == 1) {  // every entry is the one output's
    for (const auto& e : entries) out[0].insert(out[0].end(), e.begin(), e.end());
    return out;
  }
  if (arg.form != Form::Dict && entries.size() != n)
    throw ValueError(std::string("For a model with multiple outputs, when providing the `") + what +
                     "` argument as a list, it should have as many entries as the model has outputs. Received a list of length " +
                     std::to_string(entries.size()) + " whereas the model has " + std::to_string(n) + " outputs.");
  return entries;
}

}  // namespace

CompileOptions resolve_compile_args(const CompileArgs& args, const std::vector<std::string>& output_names,
                                    const std::vector<std::string>& output_keys) {
  CompileOptions options;
  options.losses = resolve_losses(args, output_names, output_keys);
  options.loss_weights = resolve_loss_weights(args, output_names, output_keys);
  options.metrics = resolve_metrics(args.metrics, output_names, output_keys, "metrics");
  options.weighted_metrics = resolve_metrics(args.weighted_metrics, output_names, output_keys, "weighted_metrics");
  return options;
}

}  // namespace densekit
