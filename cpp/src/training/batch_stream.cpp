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

bool BatchStream::push(StreamBatch batch) {
  batch.end_of_epoch = false;
  if (batch.x.size() != batch.x_cols.size() || batch.y.size() != batch.y_cols.size())
    throw ValueError("BatchStream::push(): each array needs its column count.");
  for (size_t k = 0; k < batch.x.size(); ++k)
    if (batch.x[k].size() != static_cast<size_t>(batch.rows * batch.x_cols[k]))
      throw ValueError("BatchStream::push(): input " + std::to_string(k) + " does not hold rows x cols values.");
  for (size_t k = 0; k < batch.y.size(); ++k)
    if (batch.y[k].size() != static_cast<size_t>(batch.rows * batch.y_cols[k]))
      throw ValueError("BatchStream::push(): target " + std::to_string(k) + " does not hold rows x cols values.");
  if (!batch.sample_weight.empty() && batch.sample_weight.size() != static_cast<size_t>(batch.rows))
    throw ValueError("`sample_weight` must have one value per sample: expected " + std::to_string(batch.rows) +
                     " values, received " + std::to_string(batch.sample_weight.size()) + ".");
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
    changed_.wait(lock, [&] { return !queue_.empty() || !error_.empty(); });
    if (queue_.empty()) throw ValueError(error_);  // the batches before the failure come first
    current_ = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
  }
  if (current_.end_of_epoch) return nullptr;
  view_.x.clear(), view_.y.clear();
  for (size_t k = 0; k < current_.x.size(); ++k) view_.x.push_back(ConstView{current_.x[k].data(), current_.rows, current_.x_cols[k]});
  for (size_t k = 0; k < current_.y.size(); ++k) view_.y.push_back(ConstView{current_.y[k].data(), current_.rows, current_.y_cols[k]});
  view_.sample_weight = current_.sample_weight.empty() ? nullptr : current_.sample_weight.data();
  view_.rows = current_.rows;
  return &view_;
}

}  // namespace densekit
