// Batches that arrive while training runs (Keras's generators and PyDataset,
// keras/src/trainers/data_adapters/): a producer thread pushes each batch into a bounded queue
// and the training loop takes them, so the next batch is prepared while the current one trains
// and memory stays bounded by the queue, whatever the dataset's size.
#pragma once

#include <densekit/model.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace densekit {

// One batch owned by the queue: inputs and targets in graph order, rows x cols each.
struct StreamBatch {
  std::vector<Buffer> x, y;
  std::vector<Index> x_cols, y_cols;
  Buffer sample_weight;  // empty: no sample weights
  Index sample_weight_cols = 1;  // Data::sample_weight_cols
  Index rows = 0;
  bool end_of_epoch = false;
};

class BatchStream {
 public:
  explicit BatchStream(size_t capacity);

  // Producer side, from any thread. Both block while the queue is full and return false once
  // the consumer closed the stream (training stopped or failed): the producer should stop.
  // push copies the batch (all arrays of batch.rows rows; sample_weight_size values of
  // batch.sample_weight, in sample_weight_rows rows) into the buffers of batches the loop has
  // finished with: in steady state no batch buffer is allocated.
  bool push(const Data& batch, Index sample_weight_size, Index sample_weight_rows);
  bool end_epoch();
  // The producer failed: the consumer's next() throws ValueError with this message.
  void fail(const std::string& message);

  // Consumer side: the next batch of the current epoch, or null where the epoch's data ends
  // (and, once the stream is closed, where the data ends: fit stops). The batch stays valid
  // until the next call.
  const Data* next();
  // No more batches are wanted, or will come: wakes a producer waiting for room and a consumer
  // waiting for a batch. Either side may call it.
  void close();

 private:
  bool put(StreamBatch batch);

  const size_t capacity_;
  // A stream lives for one fit or evaluate call, in one process: a plain mutex (no fork
  // safety needed).
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<StreamBatch> queue_;
  std::vector<StreamBatch> spare_;  // batches the loop has finished with, for push to refill
  bool closed_ = false;
  std::string error_;
  StreamBatch current_;
  Data view_;
};

}  // namespace densekit
