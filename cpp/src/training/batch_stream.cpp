// The bounded queue between a producer of batches and the training loop.
#include <densekit/batch_stream.hpp>
#include <densekit/errors.hpp>

namespace densekit {

BatchStream::BatchStream(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

bool BatchStream::put(StreamBatch batch) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
  if (closed_) return false;
  queue_.push_back(std::move(batch));
  changed_.notify_all();
  return true;
}

namespace {

void copy_views(const std::vector<ConstView>& views, Index rows, const char* what, std::vector<Buffer>& out,
                std::vector<Index>& cols) {
  out.resize(views.size());
  cols.clear();
  for (size_t k = 0; k < views.size(); ++k) {
    const ConstView& v = views[k];
    if (v.cols < 0 || (!v.data && v.rows * v.cols > 0))
      throw ValueError(std::string("BatchStream::push: ") + what + " " + std::to_string(k) +
                       (v.cols < 0 ? " has a negative width." : " has no data (a null pointer)."));
    if (v.rows != rows)
      throw ValueError("Data cardinality is ambiguous: a batch holds arrays of " + std::to_string(rows) + " and " +
                       std::to_string(v.rows) + " samples (" + what + " " + std::to_string(k) +
                       "). Make sure all arrays contain the same number of samples.");
    out[k].assign(v.data, v.data + v.rows * v.cols);
    cols.push_back(v.cols);
  }
}

}  // namespace

bool BatchStream::push(const Data& data, Index sample_weight_size, Index sample_weight_rows) {
  StreamBatch batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spare_.empty()) batch = std::move(spare_.back()), spare_.pop_back();
  }
  batch.end_of_epoch = false;
  if (data.rows < 0) throw ValueError("BatchStream::push: a batch cannot have a negative number of rows.");
  if (data.sample_weight && sample_weight_size < 0)
    throw ValueError("BatchStream::push: the sample weights cannot have a negative size.");
  batch.rows = data.rows;
  copy_views(data.x, data.rows, "input", batch.x, batch.x_cols);
  copy_views(data.y, data.rows, "target", batch.y, batch.y_cols);
  batch.sample_weight_cols =
      data.sample_weight ? sample_weight_cols_for(sample_weight_size, sample_weight_rows, data.rows) : 1;
  if (data.sample_weight) batch.sample_weight.assign(data.sample_weight, data.sample_weight + sample_weight_size);
  else batch.sample_weight.clear();
  return put(std::move(batch));
}

bool BatchStream::end_epoch() {
  StreamBatch marker;
  marker.end_of_epoch = true;
  return put(std::move(marker));
}

void BatchStream::fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  error_ = message.empty() ? "the data producer failed" : message;
  changed_.notify_all();
}

void BatchStream::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  queue_.clear();
  changed_.notify_all();
}

const Data* BatchStream::next() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || !error_.empty() || closed_; });
    if (queue_.empty()) {
      if (!error_.empty()) throw ValueError(error_);  // the batches before the failure come first
      return nullptr;  // closed: the data ends here (the training loop ends with it)
    }
    if (!current_.end_of_epoch && !current_.x.empty()) spare_.push_back(std::move(current_));
    current_ = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
  }
  if (current_.end_of_epoch) return nullptr;
  view_.x.clear(), view_.y.clear();
  for (size_t k = 0; k < current_.x.size(); ++k) view_.x.push_back(ConstView{current_.x[k].data(), current_.rows, current_.x_cols[k]});
  for (size_t k = 0; k < current_.y.size(); ++k) view_.y.push_back(ConstView{current_.y[k].data(), current_.rows, current_.y_cols[k]});
  view_.sample_weight = current_.sample_weight.empty() ? nullptr : current_.sample_weight.data();
  view_.sample_weight_cols = current_.sample_weight_cols;
  view_.rows = current_.rows;
  return &view_;
}

}  // namespace densekit
