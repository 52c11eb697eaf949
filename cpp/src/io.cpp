// The native file format (docs/format.md): safetensors with densekit metadata.
#include "serialization.hpp"
#include "checksum.hpp"
#include "file_writing.hpp"
#include "float_mode.hpp"
#include "layers/registry.hpp"

#include <densekit/errors.hpp>
#include <densekit/io.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>

#include <sys/stat.h>

namespace densekit {

const char* version();

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // safetensors' own limit
constexpr Index kProbeRows = 2;

// --- tensors -------------------------------------------------------------------------------

struct DType { const char* name; size_t size; };
constexpr DType kF32{"F32", 4}, kF64{"F64", 8}, kI64{"I64", 8}, kU64{"U64", 8};

size_t dtype_size(const std::string& name) {
  for (const DType& d : {kF32, kF64, kI64, kU64})
    if (name == d.name) return d.size;
  return 0;
}

// Tensors in the order they are written; data is raw little-endian (x86 and ARM Linux are).
// The bytes are read where they lie when the file is put together: a copy of every weight and
// slot first would take the file's size again (three times it in all, measured on a 732 MiB file).
struct TensorOut {
  std::string name;
  DType dtype;
  Shape shape;
  const char* data;
  size_t bytes;
};

template <class T>
TensorOut tensor(std::string name, DType dtype, Shape shape, const T* data, size_t count) {
  return {std::move(name), dtype, std::move(shape), reinterpret_cast<const char*>(data), count * sizeof(T)};
}

struct TensorIn {
  std::string dtype;
  Shape shape;
  uint64_t offset = 0;           // in the data region
  size_t bytes = 0;
  const char* data = nullptr;    // into the owning Parsed's storage
};

// Every slot: the rule's, then the EMA averages and the gradient accumulators (Keras's names).
std::vector<std::string> slot_names(const Optimizer& optimizer) {
  std::vector<std::string> names = optimizer.slot_names();
  if (optimizer.config().use_ema) names.push_back("average");
  if (optimizer.config().gradient_accumulation_steps > 0) names.push_back("gradient_accumulator");
  return names;
}

std::string weight_key(const WeightRecord& r) { return r.layer->name() + "/" + r.spec.name; }

// The deterministic probe inputs: two rows of standard normal values per model input, or of
// whole numbers below the smallest index count of the layers reading it as indices (Embedding).
std::vector<Buffer> probe_inputs(const Graph& g) {
  Rng rng(0x5eed);
  std::vector<Buffer> inputs;
  for (int node : g.input_nodes()) {
    int64_t indices = 0;
    for (int consumer : g.nodes()[node].consumers) {
      const int64_t count = g.nodes()[consumer].layer ? g.nodes()[consumer].layer->index_count() : 0;
      if (count > 0) indices = indices ? std::min(indices, count) : count;
    }
    Buffer b(static_cast<size_t>(kProbeRows * shape_size(g.shape(node))));
    for (auto& v : b)
      v = indices ? static_cast<float>(std::min<int64_t>(int64_t(rng.uniform() * double(indices)), indices - 1))
                  : static_cast<float>(rng.normal());
    inputs.push_back(std::move(b));
  }
  return inputs;
}

std::vector<Buffer> run_probe(const Model& model, const std::vector<Buffer>& inputs) {
  const Graph& g = model.graph();
  std::vector<ConstView> views;
  for (size_t k = 0; k < inputs.size(); ++k)
    views.push_back({inputs[k].data(), kProbeRows, shape_size(g.shape(g.input_nodes()[k]))});
  std::vector<Buffer> outputs;
  for (int node : g.output_nodes()) outputs.emplace_back(static_cast<size_t>(kProbeRows * shape_size(g.shape(node))));
  // predict's pass, with a generator of its own (predict seeds each call afresh): a model that
  // draws in inference gives the same probe outputs when saved and when loaded.
  const Graph::Use use(g, Graph::Use::kReads);
  Workspace ws;
  Rng rng(0x9e0be);
  const FlushDenormals flush;
  g.forward(ws, views, false, &rng);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const ConstView o = g.output(ws, static_cast<int>(k));
    std::copy(o.data, o.data + outputs[k].size(), outputs[k].begin());
  }
  return outputs;
}

Shape with_rows(Index rows, Shape shape) {
  shape.insert(shape.begin(), rows);
  return shape;
}

// --- writing -------------------------------------------------------------------------------

std::string encode(const Model& model, bool weights_only) {
  const auto compile_state = model.hold_compile_state();  // (compile() on another thread waits)
  const Graph& g = model.graph();
  const Graph::Use use(g, Graph::Use::kReads);  // a model sharing layers with it may be training
  std::vector<TensorOut> tensors;
  for (const auto& r : g.weights()) tensors.push_back(tensor(weight_key(r), kF32, r.spec.shape, g.params() + r.offset, r.size));
  auto optimizer = model.optimizer_ptr();
  // The values computed for the file, which its tensors point to until it is put together.
  int64_t iterations = 0;
  double rule_state = 0.0;
  std::array<uint64_t, 4> rng_state{};
  std::vector<Buffer> inputs, outputs;  // (the state of an optimizer another model built is not this one's)
  if (optimizer && optimizer->state_for(model.graph_ptr(), g.param_count())) {
    iterations = optimizer->raw_iterations();  // accumulation steps included
    tensors.push_back(tensor("optimizer/iterations", kI64, {}, &iterations, 1));
    const auto names = slot_names(*optimizer);
    for (size_t s = 0; s < names.size(); ++s)
      for (const auto& r : g.weights())
        if (r.spec.trainable && r.layer->trainable)
          tensors.push_back(tensor("optimizer/" + names[s] + "/" + weight_key(r), kF32, r.spec.shape,
                                   optimizer->slots()[s].data() + r.offset, r.size));
    if (const char* state = optimizer->rule_state_name()) {
      rule_state = optimizer->rule_state();
      tensors.push_back(tensor(std::string("optimizer/") + state, kF64, {}, &rule_state, 1));
    }
  }
  if (!weights_only) {
    rng_state = model.rng().state();
    tensors.push_back(tensor("rng/state", kU64, {4}, rng_state.data(), 4));
    inputs = probe_inputs(g);
    try {
      outputs = run_probe(model, inputs);
    } catch (const ValueError&) {
      // Inputs a layer refuses (indices reaching an Embedding through other layers): the file
      // goes without a probe, which the loader then does not check. Any other model must run it.
      const auto layers = g.layers();
      if (std::none_of(layers.begin(), layers.end(), [](const LayerPtr& l) { return l->index_count() > 0; })) throw;
      outputs.clear();
    }
    for (size_t k = 0; k < inputs.size() && !outputs.empty(); ++k)
      tensors.push_back(tensor("probe/input_" + std::to_string(k), kF32, with_rows(kProbeRows, g.shape(g.input_nodes()[k])),
                               inputs[k].data(), inputs[k].size()));
    for (size_t k = 0; k < outputs.size(); ++k)
      tensors.push_back(tensor("probe/output_" + std::to_string(k), kF32, with_rows(kProbeRows, g.shape(g.output_nodes()[k])),
                               outputs[k].data(), outputs[k].size()));
  }

  Json header = Json::object();
  uint64_t data_size = 0;
  uint32_t crc = 0;
  for (const auto& t : tensors) {
    Json entry = Json::object();
    entry["dtype"] = t.dtype.name;
    entry["shape"] = t.shape;
    entry["data_offsets"] = Json::array({data_size, data_size + t.bytes});
    header[t.name] = entry;
    data_size += t.bytes;
    crc = crc32_update(crc, t.data, t.bytes);
  }
  Json config = model_config(model);
  config.erase("compile_config");
  Json meta = Json::object();
  meta["format"] = "densekit";
  meta["format_version"] = std::to_string(format_version_for(model));
  meta["densekit_version"] = version();
  meta["content"] = weights_only ? "weights" : "model";
  meta["model_config"] = config.dump();
  if (model.compiled()) meta["compile_config"] = compile_config(model).dump();
  if (const std::string names = renamed_outputs_json(model); !names.empty()) meta["output_names"] = names;
  meta["checksum"] = crc32_checksum(crc);
  header["__metadata__"] = meta;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // safetensors pads the header to 8 bytes
  std::string out(8, '\0');
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  out.reserve(8 + text.size() + data_size);
  out += text;
  for (const auto& t : tensors) out.append(t.data, t.bytes);
  return out;
}

// --- reading -------------------------------------------------------------------------------

// A decoded file. It owns the bytes of its data region: every TensorIn points into `storage`,
// which lives on the heap, so the pointers stay valid however the Parsed is moved.
struct Parsed {
  Json meta;
  std::map<std::string, TensorIn> tensors;
  std::vector<std::string> order;  // tensor names by offset
  std::shared_ptr<const std::string> storage;
};

[[noreturn]] void bad(const std::string& what, const std::string& why) {
  throw IOError("'" + what + "' is not a valid densekit model file: " + why);
}

// Where a file's bytes come from (a file on disk, or bytes in memory): read in three steps (the
// header length, the header, the data region the header describes), so a huge or endless input
// (a 10 GiB sparse file, /dev/zero) is refused after its first bytes, never read whole.
struct Source {
  std::function<std::string(size_t n)> read;  // exactly n more bytes, or fewer at the end
  uint64_t size = kUnknownSize;               // the total, when known (not for pipes and devices)
  static constexpr uint64_t kUnknownSize = ~uint64_t(0);
};

// The header: metadata and tensor entries with their offsets; returns the data region's size.
size_t decode_header(Parsed& p, const std::string& text, uint64_t data_available, const std::string& what) {
  Json header;
  try {
    header = parse_json(text, "header");
  } catch (const ValueError& e) {
    bad(what, e.what());
  }
  if (!header.is_object()) bad(what, "its header is not a JSON object");
  if (!header.contains("__metadata__") || !header["__metadata__"].is_object() ||
      !header["__metadata__"].contains("format") || !header["__metadata__"]["format"].is_string() ||
      header["__metadata__"]["format"].get<std::string>() != "densekit")
    bad(what, "it has no densekit metadata (a plain safetensors file, or not a model file at all)");
  p.meta = header["__metadata__"];
  for (const auto& [key, value] : p.meta.items())
    if (!value.is_string()) bad(what, "metadata field '" + key + "' is not a string");
  const std::string version_text = p.meta.value("format_version", std::string());
  if (version_text.empty() || version_text.size() > 6 || version_text.find_first_not_of("0123456789") != std::string::npos)
    bad(what, "its format_version is missing or invalid ('" + version_text + "')");
  const int file_version = std::stoi(version_text);
  if (file_version < 1) bad(what, "its format_version is missing or invalid");
  if (file_version > kFormatVersion)
    throw IOError("'" + what + "' has format_version " + std::to_string(file_version) + "; this build of densekit (" + std::string(version()) +
                  ") reads format_version " + std::to_string(kFormatVersion) + " and older. Upgrade densekit to load it.");

  std::vector<std::pair<uint64_t, std::string>> by_offset;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      bad(what, "tensor '" + name + "' lacks dtype, shape or data_offsets");
    TensorIn t;
    try {
      t.dtype = info["dtype"].get<std::string>();
      if (!info["shape"].is_array()) bad(what, "tensor '" + name + "' has an invalid shape " + info["shape"].dump());
      for (const auto& d : info["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0) bad(what, "tensor '" + name + "' has an invalid shape " + info["shape"].dump());
        t.shape.push_back(d.get<int64_t>());
      }
      const auto& off = info["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        bad(what, "tensor '" + name + "' has invalid data_offsets " + off.dump());
      const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
      if (begin > end || end > data_available)
        bad(what, "tensor '" + name + "' has data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] outside the data" +
                      (data_available == Source::kUnknownSize ? std::string() : " (" + std::to_string(data_available) + " bytes; truncated?)"));
      const size_t item = dtype_size(t.dtype);
      if (!item) bad(what, "tensor '" + name + "' has an unsupported dtype '" + t.dtype + "'");
      uint64_t count = 1;
      for (int64_t d : t.shape) {
        if (d != 0 && count > (uint64_t(1) << 40) / static_cast<uint64_t>(d)) bad(what, "tensor '" + name + "' has an absurd shape");
        count *= static_cast<uint64_t>(d);
      }
      if (count * item != end - begin)
        bad(what, "tensor '" + name + "' has " + std::to_string(end - begin) + " bytes but its shape and dtype need " + std::to_string(count * item));
      t.offset = begin;
      t.bytes = end - begin;
      by_offset.emplace_back(begin, name);
    } catch (const nlohmann::json::exception& e) {
      bad(what, "tensor '" + name + "' is malformed (" + e.what() + ")");
    }
    p.tensors[name] = t;
  }
  std::sort(by_offset.begin(), by_offset.end());
  uint64_t expected = 0;
  for (const auto& [begin, name] : by_offset) {
    if (begin != expected)
      bad(what, "tensor '" + name + "' starts at byte " + std::to_string(begin) + (begin < expected ? ", overlapping the previous tensor" : ", leaving a gap"));
    expected = begin + p.tensors[name].bytes;
    p.order.push_back(name);
  }
  return static_cast<size_t>(expected);
}

// What a file that is not densekit's is, by its first bytes ("" if unknown): Keras's files are
// the likely mistake, and Python's load_model reads them.
std::string other_format(const std::string& first_bytes) {
  const char* kind = first_bytes.rfind("PK\x03\x04", 0) == 0              ? "a zip archive, as a Keras .keras file"
                     : first_bytes.rfind("\x89HDF\r\n\x1a\n", 0) == 0 ? "an HDF5 file, as a Keras .h5 file"
                                                                         : nullptr;
  if (!kind) return "";
  return std::string("it is ") + kind + " (Python's keras.models.load_model reads it; `python -m densekit convert " +
         "model.keras model.dk` writes it in densekit's format, which C++ reads)";
}

Parsed decode(const Source& source, const std::string& what) {
  const auto read = [&](size_t n, const char* part, uint64_t at) {
    std::string out = source.read(n);
    if (out.size() != n)
      bad(what, "it ends after " + std::to_string(at + out.size()) + " bytes, in " + part + " (truncated or empty file)");
    return out;
  };
  if (source.size < 8)
    bad(what, "it has " + std::to_string(source.size) + " bytes, fewer than the 8-byte header length (truncated or empty file)");
  const std::string length = read(8, "the 8-byte header length", 0);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(length[i])) << (8 * i);
  if (const std::string other = other_format(length); !other.empty()) bad(what, other);
  if (n > kMaxHeaderBytes) bad(what, "its header length (" + std::to_string(n) + " bytes) is absurdly large");
  const bool known = source.size != Source::kUnknownSize;
  if (known && n > source.size - 8)
    bad(what, "its header length (" + std::to_string(n) + " bytes) runs past the end of the file (" + std::to_string(source.size) +
                  " bytes): the file is truncated");
  Parsed p;
  const uint64_t available = known ? source.size - 8 - n : Source::kUnknownSize;
  const size_t data_size = decode_header(p, read(static_cast<size_t>(n), "the header", 8), available, what);
  if (known && data_size != available) bad(what, "the data region has " + std::to_string(available - data_size) + " bytes no tensor describes");
  auto storage = std::make_shared<std::string>(read(data_size, "the tensor data", 8 + n));
  if (!known && !source.read(1).empty()) bad(what, "the data region has bytes no tensor describes");
  const std::string checksum = crc32_checksum(storage->data(), storage->size());
  if (p.meta.value("checksum", std::string()) != checksum)
    bad(what, "its checksum does not match its data (" + p.meta.value("checksum", std::string("none")) + " recorded, " + checksum + " computed): the file is corrupt");
  for (auto& [name, t] : p.tensors) t.data = storage->data() + t.offset;
  p.storage = std::move(storage);
  return p;
}

Parsed decode_bytes(const std::string& bytes, const std::string& what) {
  size_t at = 0;
  Source source;
  source.size = bytes.size();
  source.read = [&](size_t n) {
    std::string out = bytes.substr(at, n);
    at += out.size();
    return out;
  };
  return decode(source, what);
}

Parsed decode_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("Cannot open the model file '" + path + "': " + std::strerror(errno));
  Source source;
  struct stat info{};
  if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) source.size = static_cast<uint64_t>(info.st_size);
  source.read = [&](size_t n) {
    std::string out;
    try {
      out.resize(n);
    } catch (const std::exception&) {
      throw IOError("Cannot read the model file '" + path + "': " + std::to_string(n) + " bytes do not fit in memory.");
    }
    in.read(out.data(), static_cast<std::streamsize>(n));
    if (in.bad()) throw IOError("Cannot read the model file '" + path + "'.");
    out.resize(static_cast<size_t>(in.gcount()));
    return out;
  };
  return decode(source, path);
}

const TensorIn& require(const Parsed& p, const std::string& name, const std::string& dtype, const Shape& shape, const std::string& what) {
  auto it = p.tensors.find(name);
  if (it == p.tensors.end()) bad(what, "it has no tensor '" + name + "' that the architecture needs");
  if (it->second.dtype != dtype) bad(what, "tensor '" + name + "' has dtype " + it->second.dtype + ", expected " + dtype);
  if (it->second.shape != shape)
    bad(what, "tensor '" + name + "' has shape " + Json(it->second.shape).dump() + " but the architecture needs " + Json(shape).dump());
  return it->second;
}

// A layer's weight is "<layer>/<weight>" in F32 (a layer name holds no '/'); the file's own
// tensors are the optimizer's ("optimizer/iterations" I64, a rule's F64 state, slots
// "optimizer/<slot>/<layer>/<weight>"), the generator's ("rng/state" U64) and the probe's
// ("probe/input_<k>", "probe/output_<k>"). So a layer may be named "optimizer", "rng" or "probe".
bool is_layer_weight(const std::string& name, const TensorIn& t) {
  if (std::count(name.begin(), name.end(), '/') != 1 || t.dtype != "F32") return false;
  return name.rfind("probe/input_", 0) != 0 && name.rfind("probe/output_", 0) != 0;
}

// A stored tensor for each weight (null: skipped), for each optimizer slot of each trainable
// weight, and the optimizer's and generator's scalars: everything a file gives the model, found
// and checked before anything is copied, so that a refused file leaves the model as it was.
struct StatePlan {
  std::vector<const TensorIn*> weights;
  std::vector<std::vector<const TensorIn*>> slots;  // [slot][weight], null for a weight not trained
  const TensorIn* iterations = nullptr;
  const TensorIn* rule_state = nullptr;
  const TensorIn* rng = nullptr;
  std::vector<std::string> skipped;
};

// With `skip_mismatch`, a weight stored with another shape is left out (and described in
// `skipped`) rather than refused, and so is the whole optimizer state if one of its slots then
// no longer fits: half a state would pair moments with the wrong weights.
StatePlan plan_state(Model& model, const Parsed& p, bool with_optimizer, const std::string& what,
                     const std::vector<std::string>* weight_names, bool skip_mismatch) {
  const Graph& g = model.graph();
  const auto& records = g.weights();
  auto key = [&](size_t i) { return weight_names ? (*weight_names)[i] : weight_key(records[i]); };
  auto differs = [&](const std::string& name, const Shape& shape) {
    const auto it = p.tensors.find(name);
    return skip_mismatch && it != p.tensors.end() && it->second.dtype == "F32" && it->second.shape != shape;
  };
  StatePlan plan;
  for (size_t i = 0; i < records.size(); ++i) {
    const Shape& shape = records[i].spec.shape;
    if (differs(key(i), shape)) {
      plan.weights.push_back(nullptr);
      plan.skipped.push_back("'" + weight_key(records[i]) + "' (file: " + tuple_to_string(p.tensors.at(key(i)).shape) +
                             ", model: " + tuple_to_string(shape) + ")");
    } else {
      plan.weights.push_back(&require(p, key(i), "F32", shape, what));
    }
  }
  if (with_optimizer && model.compiled() && p.tensors.count("optimizer/iterations")) {
    const Optimizer& opt = model.optimizer();
    plan.iterations = &require(p, "optimizer/iterations", "I64", {}, what);
    for (const std::string& slot : slot_names(opt)) {
      plan.slots.emplace_back(records.size(), nullptr);
      for (size_t i = 0; i < records.size() && plan.iterations; ++i) {
        const WeightRecord& r = records[i];
        if (!(r.spec.trainable && r.layer->trainable)) continue;
        const std::string name = "optimizer/" + slot + "/" + key(i);
        if (differs(name, r.spec.shape)) {
          plan.iterations = nullptr;  // the state is left whole
          plan.skipped.push_back("the optimizer's state (its slots have the shapes of the skipped weights)");
        } else {
          plan.slots.back()[i] = &require(p, name, "F32", r.spec.shape, what);
        }
      }
    }
    if (const char* state = opt.rule_state_name(); state && plan.iterations)
      plan.rule_state = &require(p, std::string("optimizer/") + state, "F64", {}, what);
  }
  if (p.tensors.count("rng/state")) plan.rng = &require(p, "rng/state", "U64", {4}, what);
  return plan;
}

// Copies a file's weights, optimizer state and generator state into the model, all checked
// first (plan_state). Returns what skip_mismatch left out.
std::vector<std::string> restore_state(Model& model, const Parsed& p, bool with_optimizer, const std::string& what,
                                       const std::vector<std::string>* weight_names, bool skip_mismatch = false) {
  Graph& g = model.graph();
  const Graph::Use use(g, Graph::Use::kWrites);
  StatePlan plan = plan_state(model, p, with_optimizer, what, weight_names, skip_mismatch);
  const auto& records = g.weights();
  for (size_t i = 0; i < records.size(); ++i)
    if (const TensorIn* t = plan.weights[i]) std::memcpy(g.params() + records[i].offset, t->data, t->bytes);
  if (plan.iterations) {
    Optimizer& opt = model.optimizer();
    opt.build(g.param_count(), g.trainable_segments(), model.graph_ptr());
    for (size_t s = 0; s < plan.slots.size(); ++s)
      for (size_t i = 0; i < records.size(); ++i)
        if (const TensorIn* t = plan.slots[s][i]) std::memcpy(opt.slots()[s].data() + records[i].offset, t->data, t->bytes);
    int64_t it = 0;
    std::memcpy(&it, plan.iterations->data, 8);
    double u = 1.0;
    if (plan.rule_state) std::memcpy(&u, plan.rule_state->data, 8);
    opt.restore_progress(it, u);
  }
  if (plan.rng) {
    std::array<uint64_t, 4> state{};
    std::memcpy(state.data(), plan.rng->data, 32);
    model.rng().set_state(state);
  }
  return std::move(plan.skipped);
}

void check_probe(const Model& model, const Parsed& p, const std::string& what) {
  const Graph& g = model.graph();
  if (!p.tensors.count("probe/input_0")) return;
  std::vector<Buffer> inputs;
  for (size_t k = 0; k < g.input_nodes().size(); ++k) {
    const TensorIn& t = require(p, "probe/input_" + std::to_string(k), "F32", with_rows(kProbeRows, g.shape(g.input_nodes()[k])), what);
    inputs.emplace_back(reinterpret_cast<const float*>(t.data), reinterpret_cast<const float*>(t.data) + t.bytes / 4);
    // densekit writes standard normal values (or indices) here: NaN or inf would make the check vacuous
    // (every output NaN, equal to NaN recorded), so only an altered file holds them.
    for (float v : inputs.back())
      if (!std::isfinite(v)) bad(what, "its probe inputs (probe/input_" + std::to_string(k) + ") are not finite numbers: the file was altered");
  }
  const auto outputs = run_probe(model, inputs);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const TensorIn& t = require(p, "probe/output_" + std::to_string(k), "F32", with_rows(kProbeRows, g.shape(g.output_nodes()[k])), what);
    const float* expected = reinterpret_cast<const float*>(t.data);
    for (size_t i = 0; i < outputs[k].size(); ++i) {
      const float a = outputs[k][i], b = expected[i];
      // A diverged model (NaN or infinite outputs) saved as it was must load as it was.
      const bool same_special = (std::isnan(a) && std::isnan(b)) || (std::isinf(a) && a == b);
      if (!same_special && !(std::abs(a - b) <= 1e-5f + 1e-4f * std::abs(b)))
        bad(what, "the model it describes does not reproduce the outputs recorded when it was saved (output " + std::to_string(k) +
                      ", value " + std::to_string(i) + ": " + std::to_string(a) + " now, " + std::to_string(b) +
                      " then): the architecture and the weights do not match");
    }
  }
}

std::shared_ptr<Model> decode_model(const Parsed& p, bool compile, const std::string& what) {
  if (p.meta.value("content", std::string()) != "model")
    bad(what, "it holds weights only (written by save_weights): load it with load_weights into a model of the same architecture");
  Json config;
  try {
    config = parse_json(p.meta.value("model_config", std::string()), "model_config metadata");
    if (compile && p.meta.contains("compile_config"))
      config["compile_config"] = parse_json(p.meta["compile_config"].get<std::string>(), "compile_config metadata");
    if (p.meta.contains("output_names")) config[kOutputNamesKey] = parse_json(p.meta["output_names"].get<std::string>(), "output_names");
  } catch (const ValueError& e) {
    bad(what, e.what());
  } catch (const nlohmann::json::exception& e) {
    bad(what, std::string("its model_config does not follow the Keras schema (") + e.what() + ")");
  }
  // Every weight the architecture declares must be in the file, with its dtype and shape, before
  // anything is allocated for it (a corrupt config could otherwise ask for any amount of memory).
  auto check_size = [&](const Graph& graph) {
    for (const auto& layer : graph.layers())
      for (const auto& spec : layer->weight_specs()) {
        checked_shape_size(spec.shape, "Weight " + layer->name() + "/" + spec.name);
        require(p, layer->name() + "/" + spec.name, "F32", spec.shape, what);
      }
  };
  std::shared_ptr<Model> model;
  try {
    model = model_from_config(config, compile, check_size);
  } catch (const nlohmann::json::exception& e) {
    bad(what, std::string("its model_config does not follow the Keras schema (") + e.what() + ")");
  } catch (const ValueError& e) {
    bad(what, e.what());
  } catch (const std::length_error&) {
    bad(what, "its architecture is too large to allocate");
  } catch (const std::bad_alloc&) {
    bad(what, "its architecture is too large to allocate");
  }
  restore_state(*model, p, compile, what, nullptr);
  check_probe(*model, p, what);
  return model;
}

}  // namespace

int format_version_for(const Model& model) {
  for (const LayerPtr& layer : model.graph().layers()) {
    if (is_recorded_op(*layer)) return 2;
    for (const WeightSpec& spec : layer->weight_specs())
      if (spec.regularizer.traced) return 2;  // a weight regularizer traced from Python
  }
  if (!model.compiled()) return 1;
  const CompileOptions& c = model.compile_options();
  for (const Loss& loss : c.losses)
    if (loss.traced) return 2;
  for (const auto* lists : {&c.metrics, &c.weighted_metrics})
    for (const auto& metrics : *lists)
      for (const MetricPtr& m : metrics)
        if (m->loss.traced || m->stateful) return 2;
  return 1;
}

std::string save_model_to_bytes(const Model& model) { return encode(model, false); }

void save_model(const Model& model, const std::string& path) { write_atomic(path, encode(model, false)); }

Model load_model_from_bytes(const std::string& bytes, bool compile) {
  return std::move(*decode_model(decode_bytes(bytes, "<bytes>"), compile, "<bytes>"));
}

Model load_model(const std::string& path, bool compile) { return std::move(*decode_model(decode_file(path), compile, path)); }

void save_weights(const Model& model, const std::string& path) { write_atomic(path, encode(model, true)); }

std::vector<std::string> load_weights(Model& model, const std::string& path, bool skip_mismatch) {
  const Parsed p = decode_file(path);
  // Matched in order, so a model rebuilt with other layer names still loads.
  std::vector<std::string> names;
  for (const auto& name : p.order)
    if (is_layer_weight(name, p.tensors.at(name))) names.push_back(name);
  if (names.size() != model.graph().weights().size())
    bad(path, "it holds " + std::to_string(names.size()) + " weights but the model has " +
                  std::to_string(model.graph().weights().size()));
  return restore_state(model, p, true, path, &names, skip_mismatch);
}

}  // namespace densekit
