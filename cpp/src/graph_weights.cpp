// Where a graph's weights live: the flat buffers, the layers bound to them (a layer shared by
// several graphs moves to the one that runs), and reading and writing single weights. See the
// comment above Graph in graph.hpp. Compiled once, for the baseline (no arithmetic per batch).
#include <densekit/errors.hpp>
#include <densekit/graph.hpp>
#include <densekit/parallel.hpp>  // ForkSafeMutex

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace densekit {

namespace {
// Re-binding is rare (only after another graph took a layer) and takes this lock, so threads
// running one graph move each layer once and never compute with a half-moved one. Never
// destroyed: a graph may still be released during static destruction (Python's shutdown).
std::mutex& bind_mutex() {
  static std::mutex* m = new ForkSafeMutex;
  return *m;
}

// The buffers this thread is computing on (a Graph::Use each, nested ones repeated): a thread
// never waits for its own computations.
std::vector<const WeightStorage*>& held_storages() {
  thread_local std::vector<const WeightStorage*> held;
  return held;
}
bool held_by_this_thread(const WeightStorage* storage) {
  const auto& held = held_storages();
  return std::find(held.begin(), held.end(), storage) != held.end();
}

// In a forked child, the computations its parent's other threads ran at fork() were counted
// but never end (those threads were not copied): only this thread's own count (a fork from a
// callback inside a step). Called under bind_mutex.
void forget_parent_uses(const WeightStorage* storage) {
  const unsigned long now = fork_generation();
  if (!storage || storage->counted_in.load(std::memory_order_relaxed) == now) return;
  const auto& held = held_storages();
  storage->users.store(static_cast<int>(std::count(held.begin(), held.end(), storage)), std::memory_order_release);
  storage->writers.store(0, std::memory_order_release);
  storage->counted_in.store(now, std::memory_order_relaxed);
}
}  // namespace

Graph::Use::Use(const Graph& graph, Kind kind) : storage_(graph.storage_.get()), writes_(kind == kWrites) {
  if (storage_) graph.rebind_layers(this, writes_);
}

Graph::Use::~Use() {
  if (!storage_) return;
  auto& held = held_storages();
  held.erase(std::find(held.begin(), held.end(), storage_));
  if (writes_) storage_->writers.fetch_sub(1, std::memory_order_release);
  storage_->users.fetch_sub(1, std::memory_order_release);
}

Graph::~Graph() { release_layers(); }

void Graph::bind_layers() const {
  for (const Layer* layer : weighted_layers_)
    if (layer->bound_storage() != storage_.get()) return rebind_layers();
}

void Graph::rebind_layers(const Use* use, bool writes) const {
  WeightStorage* own = storage_.get();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(bind_mutex());
      // A layer is moved only from buffers no computation runs on; a use of these buffers waits
      // for a writer, and a writer for every other use (unless this thread runs them itself).
      forget_parent_uses(own);
      const WeightStorage* busy = nullptr;
      for (const Layer* layer : weighted_layers_) {
        const WeightStorage* from = layer->bound_storage();
        forget_parent_uses(from);
        if (from && from != own && from->users.load(std::memory_order_acquire) > 0) busy = from;
      }
      const bool own_busy = use && !held_by_this_thread(own) &&
                            (own->writers.load(std::memory_order_acquire) > 0 ||
                             (writes && own->users.load(std::memory_order_acquire) > 0));
      if (!busy && !own_busy) {
        for (Layer* layer : weighted_layers_) {
          if (layer->bound_storage() == own) continue;
          const auto records = weights_of(layer);
          std::vector<int64_t> offsets;
          for (const auto* r : records) offsets.push_back(r->offset);
          move_layer(*layer, records, storage_, offsets);
        }
        if (use) {
          own->users.fetch_add(1, std::memory_order_acq_rel);
          if (writes) own->writers.fetch_add(1, std::memory_order_acq_rel);
          held_storages().push_back(own);
        }
        return;
      }
      if (busy && held_by_this_thread(busy))
        throw Error("This model shares a layer with another model that this thread is running (from a callback or "
                    "function called inside its training step or forward pass): use it between that model's steps.");
      // Without a Use the caller may hold Python's lock, which the other computation may need
      // (a learning-rate function): waiting could deadlock.
      if (busy && !use)
        throw Error("This model shares a layer with another model that is running in another thread: build a "
                    "model with that layer, call it, or read or set its weights once that model's fit, evaluate or "
                    "predict has ended (or use a copy of the layer, or of the model, in this thread).");
    }
    std::this_thread::yield();  // the other computation ends within a step
  }
}

// A layer still bound here that outlives the graph (another graph or the application holds it)
// takes its values to buffers of its own, so this graph's buffers are freed with it. Should that
// allocation fail, the layer keeps these buffers alive instead: it shares their ownership.
void Graph::release_layers() noexcept {
  if (!storage_) return;
  try {
    std::map<const Layer*, long> uses;  // the references this graph's nodes hold
    for (const Node& n : nodes_)
      if (n.layer) ++uses[n.layer.get()];
    std::lock_guard<std::mutex> lock(bind_mutex());
    for (const Node& n : nodes_) {
      Layer* layer = n.layer.get();
      if (!layer || layer->bound_storage() != storage_.get() || n.layer.use_count() <= uses[layer]) continue;
      const auto records = weights_of(layer);
      std::vector<int64_t> offsets;
      int64_t total = 0;
      for (const auto* r : records) offsets.push_back(total), total += r->size;
      auto own = std::make_shared<WeightStorage>();
      own->params.resize(static_cast<size_t>(total));
      own->grads.assign(static_cast<size_t>(total), 0.0f);
      move_layer(*layer, records, std::move(own), offsets);
    }
  } catch (...) {
  }
}

void Graph::move_layer(Layer& layer, const std::vector<const WeightRecord*>& records,
                       std::shared_ptr<WeightStorage> storage, const std::vector<int64_t>& offsets) {
  const std::vector<float*>& current = layer.bound_params();  // empty if never bound
  std::vector<float*> p, g;
  for (size_t i = 0; i < records.size(); ++i) {
    float* to = storage->params.data() + offsets[i];
    if (i < current.size()) std::copy(current[i], current[i] + records[i]->size, to);
    p.push_back(to);
    g.push_back(storage->grads.data() + offsets[i]);
  }
  layer.bind_to(std::move(storage), p, g);
}

float* Graph::params() {
  bind_layers();
  return storage_ ? storage_->params.data() : nullptr;
}

const float* Graph::params() const {
  bind_layers();
  return storage_ ? storage_->params.data() : nullptr;
}

std::vector<const WeightRecord*> Graph::weights_of(const Layer* layer) const {
  std::vector<const WeightRecord*> out;
  for (const auto& r : weights_)
    if (r.layer == layer) out.push_back(&r);
  return out;
}

const WeightRecord& Graph::weight_of(const Layer* layer, size_t index) const {
  // A null layer matches no record, and the out-of-range message below would dereference it.
  if (!layer) throw ValueError("The layer is null: pass one of this model's layers (Graph::layers()).");
  const auto records = weights_of(layer);
  if (index >= records.size())
    throw ValueError("Layer '" + layer->name() + "' has " + std::to_string(records.size()) + " weight(s); index " +
                     std::to_string(index) + " is out of range.");
  return *records[index];
}

void Graph::set_weight(const Layer* layer, size_t index, const float* values, const Shape& shape) {
  const WeightRecord& r = weight_of(layer, index);
  // The values are copied from `values` unchecked: a null pointer must be refused here.
  if (!values && r.size > 0)
    throw ValueError("The values for weight " + std::to_string(index) + " of layer '" + layer->name() +
                     "' are null: pass " + std::to_string(r.size) + " values.");
  if (shape != r.spec.shape)
    throw ValueError("Layer " + layer->name() + " weight shape " + tuple_to_string(r.spec.shape) +
                     " is not compatible with provided weight shape " + tuple_to_string(shape) + ".");
  const Use use(*this, Use::kWrites);  // (which binds the layers: their other weights keep their values)
  std::copy(values, values + r.size, storage_->params.data() + r.offset);
}

std::vector<float> Graph::get_weight(const Layer* layer, size_t index) const {
  const WeightRecord& r = weight_of(layer, index);
  const Use use(*this, Use::kReads);
  return std::vector<float>(storage_->params.data() + r.offset, storage_->params.data() + r.offset + r.size);
}

std::vector<Segment> Graph::trainable_segments() const {
  std::vector<Segment> out;
  for (const auto& r : weights_)
    if (r.spec.trainable && r.layer->trainable) out.push_back({r.offset, r.size});
  return out;
}

}  // namespace densekit
