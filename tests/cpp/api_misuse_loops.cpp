// api_misuse_loops DIR: the C++ API used wrongly around running loops, threads, distribution and
// streams gives a densekit::Error or the right result, never a crash (each case crashed, hung or
// corrupted the heap before): run under the sanitizers too. Prints "case: outcome" lines, checked
// by tests/cpp/test_cpp_api.py.
#include <densekit/batch_stream.hpp>
#include <densekit/densekit.hpp>
#include <densekit/distribution.hpp>

#include "report.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace densekit;

namespace {

Sequential small() { return Sequential({layers::Input({3}), layers::Dense(4, "relu"), layers::Dense(1)}); }

// One process's communicator: sums and broadcasts are the identity.
struct OneProcess : Communicator {
  int r = 0, s = 1;
  OneProcess(int rank = 0, int size = 1) : r(rank), s(size) {}
  int rank() const override { return r; }
  int size() const override { return s; }
  void allreduce_sum(float*, int64_t) override {}
  void allreduce_sum(double*, int64_t) override {}
  void broadcast(void*, int64_t, int) override {}
};

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  set_random_seed(7);
  const Matrix x = Matrix::Random(64, 3), y = Matrix::Random(64, 1);
  const Data d{{ConstView(x.data(), x.rows(), x.cols())}, {ConstView(y.data(), y.rows(), y.cols())}, nullptr, x.rows()};

  {  // the distribution changed from a hook of the loop using it (a use-after-free before)
    Model m = small();
    m.compile(optimizers::Adam(), "mse");
    m.set_distribution({std::make_shared<OneProcess>()});
    FitOptions o;
    o.batch_size = 16;
    o.batch_hook_interval = 0;
    FitHooks hooks;
    hooks.batch_end = [&](int, int64_t, const Logs&) {
      m.set_distribution({});
      return false;
    };
    report("set_distribution in a fit hook", [&] { m.fit(d, nullptr, o, hooks); });
    LoopHooks eval_hooks;
    eval_hooks.batch_end = [&](int64_t, const Logs&) {
      m.set_distribution({std::make_shared<OneProcess>()});
      return false;
    };
    report("set_distribution in an evaluate hook", [&] { m.evaluate(d, 16, eval_hooks); });
    auto same = std::make_shared<OneProcess>();
    m.set_distribution({same});
    hooks.batch_end = [&](int, int64_t, const Logs&) {
      m.set_distribution({same});  // the same distribution again, as a callback's evaluate hands it
      return false;
    };
    report("the same distribution in a fit hook", [&] { m.fit(d, nullptr, o, hooks); });
    report("a rank outside the communicator", [&] { m.set_distribution({std::make_shared<OneProcess>(5, 1)}); });
    report("a negative rank", [&] { m.set_distribution({std::make_shared<OneProcess>(-1, 2)}); });
  }

  {  // save on one thread while another compiles (heap corruption before)
    Model m = small();
    m.compile(optimizers::Adam(), "mse", {"mae"});
    m.fit(x, y);
    std::atomic<bool> done{false};
    std::thread compiler([&] {
      for (int i = 0; i < 200; ++i) m.compile(i % 2 ? optimizers::Adam() : optimizers::SGD(), "mse", {"accuracy", "mae"});
      done = true;
    });
    int saves = 0;
    report("save while another thread compiles", [&] {
      while (!done || saves == 0) m.save(dir + "/racing.dk"), ++saves;
    });
    compiler.join();
    report("the last save loads", [&] { load_model(dir + "/racing.dk"); });
  }

  {  // one optimizer compiled into two models that start fit at once (a slot race before)
    int refused = 0, trained = 0;
    for (int round = 0; round < 50; ++round) {
      auto shared = std::make_shared<Optimizer>(optimizers::Adam());
      CompileOptions options;
      options.losses = {Loss::from_name("mse")};
      Model a = small(), b = small();
      a.compile(shared, options);
      b.compile(shared, options);
      auto fit = [&](Model& m) {
        try {
          m.fit(x, y);
          return 1;
        } catch (const ValueError&) {
          return 0;
        }
      };
      auto first = std::async(std::launch::async, [&] { return fit(a); });
      const int second = fit(b);
      const int ok = first.get() + second;
      trained += ok;
      refused += 2 - ok;
    }
    std::cout << "one optimizer, two models at once: " << (trained == 50 && refused == 50 ? "one trains" : "broken")
              << "\n";
  }

  {  // streams: a null batch pushed, and a stream closed while fit waits (a hang before)
    BatchStream stream(2);
    Data null_input{{ConstView(nullptr, 4, 3)}, {ConstView(y.data(), 4, 1)}, nullptr, 4};
    report("push of a null input", [&] { stream.push(null_input, 0, 0); });
    Data negative{{ConstView(x.data(), 4, -3)}, {ConstView(y.data(), 4, 1)}, nullptr, 4};
    report("push of a negative width", [&] { stream.push(negative, 0, 0); });

    Model m = small();
    m.compile(optimizers::SGD(), "mse");
    BatchStream train(2);
    std::thread producer([&] {
      const Data batch{{ConstView(x.data(), 8, 3)}, {ConstView(y.data(), 8, 1)}, nullptr, 8};
      train.push(batch, 0, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      train.close();  // no more data, while fit waits for the next batch
    });
    FitOptions o;
    o.epochs = 3;
    auto fitted = std::async(std::launch::async, [&] { m.fit(train, nullptr, o); });
    const bool ended = fitted.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    producer.join();
    std::cout << "fit on a stream its producer closed: " << (ended ? "ended" : "hung") << "\n";
    if (!ended) return 1;
    report("that fit's outcome", [&] { fitted.get(); });
  }

  {  // a moved-from model and the graph's own calls on a workspace that never ran
    Model from = small();
    Model to = std::move(from);
    report("moved-from probabilities_given_as_logits", [&] { from.probabilities_given_as_logits(); });
    report("moved-from stop_training", [&] {
      from.set_stop_training(true);
      if (from.stop_requested()) throw Error("a moved-from model kept a stop request");
    });
    Graph& g = to.graph();
    Workspace fresh;
    report("output of a workspace that never ran", [&] { g.output(fresh, 0); });
    report("output_grad of a workspace that never ran", [&] { g.output_grad(fresh, 0); });
    report("backward of a workspace that never ran", [&] { g.backward(fresh, {false}, &to.rng()); });
    report("forward without a generator", [&] { g.forward(fresh, {ConstView(x.data(), 4, 3)}, true, nullptr); });
    report("forward of the wrong width", [&] { g.forward(fresh, {ConstView(x.data(), 4, 2)}, false, &to.rng()); });
    report("forward of a null input", [&] { g.forward(fresh, {ConstView(nullptr, 4, 3)}, false, &to.rng()); });
    report("forward of the right input", [&] {
      g.forward(fresh, {ConstView(x.data(), 4, 3)}, false, &to.rng());
      if (g.output(fresh, 0).rows != 4) throw Error("wrong rows");
    });
  }
  {  // an optimizer's slots read and written per weight (optimizer.variables), also during a fit
    Model m = small();
    const Layer* dense = m.graph().nodes()[1].layer.get();
    report("slot before compile", [&] { m.get_optimizer_slot(0, dense, 0); });
    m.compile(optimizers::Adam(), "mse");
    report("slot before the first step", [&] { m.get_optimizer_slot(0, dense, 0); });
    FitOptions o;
    o.batch_size = 16;
    m.fit(d, nullptr, o);
    report("slot after fit", [&] {
      if (m.get_optimizer_slot(1, dense, 0).size() != 12) throw Error("wrong size");
    });
    report("slot out of range", [&] { m.get_optimizer_slot(2, dense, 0); });
    report("weight out of range", [&] { m.get_optimizer_slot(0, dense, 2); });
    const std::vector<float> zeros(12, 0.0f);
    report("slot set of the wrong shape", [&] { m.set_optimizer_slot(0, dense, 0, zeros.data(), {4, 3}); });
    report("slot set of null values", [&] { m.set_optimizer_slot(0, dense, 0, nullptr, {3, 4}); });
    report("slot set and read back", [&] {
      m.set_optimizer_slot(0, dense, 0, zeros.data(), {3, 4});
      if (m.get_optimizer_slot(0, dense, 0) != zeros) throw Error("not written");
    });
    o.epochs = 20;
    auto fitted = std::async(std::launch::async, [&] { m.fit(d, nullptr, o); });
    for (int i = 0; i < 200; ++i) {
      m.get_optimizer_slot(0, dense, 0);
      m.set_optimizer_slot(1, dense, 0, zeros.data(), {3, 4});
    }
    report("slots read and set while fit runs", [&] { fitted.get(); });
    Model to = std::move(m);
    report("slot of a moved-from model", [&] { m.get_optimizer_slot(0, dense, 0); });
  }
  return 0;
}
