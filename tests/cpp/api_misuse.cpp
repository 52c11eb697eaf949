// api_misuse DIR: the C++ API used wrongly (a model moved from, compile() during fit, a graph
// changed after it was built, impossible sizes and pointers, names the file format reserves)
// gives a densekit::Error or the right result, never a crash: run under the sanitizers too.
// Prints "case: outcome" lines, checked by tests/cpp/test_cpp_api.py.
#include <densekit/densekit.hpp>

#include "report.hpp"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace densekit;

namespace {

Sequential small() { return Sequential({layers::Input({3}), layers::Dense(4, "relu"), layers::Dense(1)}); }

Data data_of(const Matrix& x, const Matrix& y) {
  return Data{{ConstView(x.data(), x.rows(), x.cols())}, {ConstView(y.data(), y.rows(), y.cols())}, nullptr, x.rows()};
}

std::shared_ptr<Graph> two_outputs() {
  auto g = std::make_shared<Graph>();
  const int a = g->add_input({3}, "a");
  g->set_outputs({g->add_layer(layers::Dense(2, "linear", true, "glorot_uniform", "zeros", "o1"), {a}),
                  g->add_layer(layers::Dense(2, "linear", true, "glorot_uniform", "zeros", "o2"), {a})});
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  set_random_seed(7);
  const Matrix x = Matrix::Random(64, 3), y = Matrix::Random(64, 1);

  {  // every call on a model moved from
    Model from = small();
    Model to = std::move(from);
    report("moved-from predict", [&] { from.predict(x); });
    report("moved-from fit", [&] { from.fit(x, y); });
    report("moved-from compile", [&] { from.compile(optimizers::SGD(), "mse"); });
    report("moved-from save", [&] { from.save(dir + "/moved.dk"); });
    report("moved-to predict", [&] { to.predict(x); });
  }

  {  // compile() while fit runs: from its own hook, and from another thread
    Model m = small();
    m.compile(optimizers::Adam(), "mse");
    const Data d = data_of(x, y);
    FitOptions o;
    o.epochs = 2;
    FitHooks hooks;
    hooks.epoch_end = [&](int, const Logs&) {
      m.compile(optimizers::SGD(0.1), "mse");
      return false;
    };
    report("compile in a fit hook", [&] { m.fit(d, nullptr, o, hooks); });
    report("fit after", [&] { m.fit(x, y, o); });
    // The other thread starts once fit runs and is joined before it ends: every attempt meets a
    // running fit.
    std::atomic<bool> fitting{true};
    std::atomic<int> refused{0}, accepted{0};
    std::thread other;
    o.epochs = 3;
    o.batch_size = 4;
    FitHooks meanwhile;
    meanwhile.epoch_begin = [&](int epoch) {
      if (epoch == 0)
        other = std::thread([&] {
          while (fitting) {
            try {
              m.compile(optimizers::SGD(0.01), "mse");
              ++accepted;
            } catch (const Error&) {
              ++refused;
            }
          }
        });
      return false;
    };
    meanwhile.epoch_end = [&](int epoch, const Logs&) {
      if (epoch < 2) return false;
      while (refused + accepted == 0) std::this_thread::yield();  // at least one attempt
      fitting = false;
      other.join();
      return false;
    };
    report("fit while another thread compiles", [&] { m.fit(d, nullptr, o, meanwhile); });
    if (other.joinable()) fitting = false, other.join();
    std::cout << "compiles during fit: " << (refused > 0 ? "refused" : "none refused") << ", "
              << (accepted > 0 ? "some accepted" : "none accepted") << "\n";
  }

  {  // a graph refused for its size is finalized again once the limit allows it
    auto g = std::make_shared<Graph>();
    g->add_layer(layers::Dense(2), {g->add_layer(layers::Dense(4), {g->add_input({3}, "in")})});
    const Limits before = limits();
    Limits tight = before;
    tight.max_parameters = 20;
    set_limits(tight);
    report("too many parameters", [&] { Model refused(g); });
    set_limits(before);
    Model retried(g);
    std::cout << "weights after the retry: " << retried.graph().weights().size() << "\n";
    retried.compile(optimizers::SGD(0.01), "mse");
    const Matrix y2 = Matrix::Random(64, 2);
    report("fit after the retry", [&] { retried.fit(x, y2); });
    report("set_outputs after build", [&] { retried.graph().set_outputs({1}); });
    report("set_input_order after build", [&] { retried.graph().set_input_order({0}); });
  }

  {  // sizes and pointers the C++ API cannot check by type
    Model m = small();
    m.compile(optimizers::SGD(0.01), "mse");
    std::vector<float> w(64 * 2, 1.0f), out(64);
    for (Index cols : {Index(0), Index(-1), Index(2)}) {
      Data d = data_of(x, y);
      d.sample_weight = w.data();
      d.sample_weight_cols = cols;
      report(("sample_weight_cols " + std::to_string(cols)).c_str(), [&] { m.evaluate(d, 16); });
    }
    const double loss = m.evaluate(x, y, 32)[0].second;
    report("evaluate with batch_size INT64_MAX", [&] {  // one batch of 64 rows against two of 32
      if (std::abs(m.evaluate(x, y, INT64_MAX)[0].second - loss) > 1e-6 * std::abs(loss)) throw Error("a different loss");
    });
    report("predict with batch_size INT64_MAX", [&] {
      if (!m.predict(x, INT64_MAX).isApprox(m.predict(x, 32))) throw Error("different outputs");
    });
    report("predict of raw rows", [&] {
      m.predict(x.data(), 64, out.data());
      if (!Eigen::Map<const Matrix>(out.data(), 64, 1).isApprox(m.predict(x, 64))) throw Error("different outputs");
    });
    report("negative rows", [&] { m.predict({ConstView(x.data(), -1, 3)}, -1, 32, {out.data()}); });
    report("null input", [&] { m.predict({ConstView(nullptr, 2, 3)}, 2, 32, {out.data()}); });
    report("null output", [&] { m.predict({ConstView(x.data(), 2, 3)}, 2, 32, {nullptr}); });
    Data no_target = data_of(x, y);
    no_target.y[0] = ConstView(nullptr, 64, 1);
    report("null target", [&] { m.evaluate(no_target, 32); });
    report("set_num_threads 0", [&] { set_num_threads(0); });
  }

  {  // compute_gradients inside fit leaves fit's logs alone
    Model m(two_outputs());
    m.compile(optimizers::SGD(0.0), "mse");
    const Matrix y2 = Matrix::Random(64, 2);
    const Data d{{ConstView(x.data(), 64, 3)}, {ConstView(y2.data(), 64, 2), ConstView(y2.data(), 64, 2)}, nullptr, 64};
    FitOptions o;
    o.batch_size = 64;
    Logs plain, probed;
    FitHooks hooks;
    hooks.epoch_end = [&](int, const Logs& logs) {
      plain = logs;
      return false;
    };
    m.fit(d, nullptr, o, hooks);
    hooks.batch_end = [&](int, int64_t, const Logs&) {
      m.compute_gradients(d);
      return false;
    };
    hooks.epoch_end = [&](int, const Logs& logs) {
      probed = logs;
      return false;
    };
    m.fit(d, nullptr, o, hooks);
    std::cout << "logs with compute_gradients in a hook: " << (plain == probed ? "same" : "different") << "\n";
  }

  {  // layer names: the format's own prefixes are names like any other; '/' and repeats are refused
    Sequential m({layers::Input({3}), layers::Dense(2, "linear", true, "glorot_uniform", "zeros", "optimizer"),
                  layers::Dense(2, "linear", true, "glorot_uniform", "zeros", "rng"),
                  layers::Dense(1, "linear", true, "glorot_uniform", "zeros", "probe")});
    m.compile(optimizers::Adam(), "mse");
    m.fit(x, y);
    report("layers named optimizer, rng, probe", [&] {
      save_weights(m, dir + "/reserved.weights");
      load_weights(m, dir + "/reserved.weights");
      m.save(dir + "/reserved.dk");
      load_model(dir + "/reserved.dk");
    });
    report("two layers of one name", [&] {
      Sequential({layers::Input({3}), layers::Dense(3, "linear", true, "glorot_uniform", "zeros", "d"),
                  layers::Dense(3, "linear", true, "glorot_uniform", "zeros", "d")});
    });
    report("a name with a slash", [&] { layers::Dense(3, "linear", true, "glorot_uniform", "zeros", "a/b"); });
  }

  {  // set_weight waits for a prediction on another thread: none reads a half-written kernel
    constexpr Index kWidth = 200000;
    Sequential m({layers::Input({kWidth}), layers::Dense(1, "linear", false, "zeros")});
    const Matrix ones = Matrix::Ones(1, kWidth);
    const std::vector<float> zero(kWidth, 0.0f), one(kWidth, 1.0f);
    const LayerPtr dense = m.graph().layers().back();
    std::atomic<bool> setting{true};
    std::thread setter([&] {
      for (int i = 0; i < 200; ++i) m.graph().set_weight(dense.get(), 0, (i % 2 ? one : zero).data(), {kWidth, 1});
      setting = false;
    });
    int torn = 0, seen = 0;
    while (setting || seen == 0) {
      const float v = m.predict(ones)(0, 0);
      torn += v != 0.0f && v != float(kWidth);
      ++seen;
    }
    setter.join();
    std::cout << "torn predictions: " << torn << "\n";
  }

  {  // metrics used without reset(): their counts are sized at the first update, never read past
    const float y_true[4] = {1, 0, 1, 1}, y_pred[4] = {0.9f, 0.6f, 0.3f, 0.1f};
    auto fresh = Metric::from_name("Precision");
    report("result of a metric never reset", [&] { std::cout << "fresh precision: " << fresh->result() << "\n"; });
    auto precision = Metric::from_name("Precision");
    precision->thresholds = {0.2, 0.5, 0.8};
    report("metric updated before reset", [&] {
      precision->update(ConstView(y_true, 4, 1), ConstView(y_pred, 4, 1), nullptr);
      std::cout << "precision at 0.2, 0.5, 0.8:";
      for (double v : precision->results()) std::cout << " " << v;
      std::cout << "\n";
    });
    auto auc = Metric::from_name("AUC");
    auc->reset();
    auc->num_thresholds = 1000;  // changed after reset(): the area reads the 200 counted
    report("AUC thresholds changed after reset", [&] {
      auc->update(ConstView(y_true, 4, 1), ConstView(y_pred, 4, 1), nullptr);
      std::cout << "auc: " << auc->result() << "\n";
    });
    // Settings changed after the counts were sized: the counts keep the layout reset() chose.
    const float t3[6] = {1, 0, 0, 0, 1, 0}, p3[6] = {0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f};
    auto f1 = Metric::from_name("F1Score");
    f1->average = "micro";
    report("F1 average changed after sizing", [&] {
      f1->update(ConstView(t3, 2, 3), ConstView(p3, 2, 3), nullptr);
      f1->average = "macro";
      f1->update(ConstView(t3, 2, 3), ConstView(p3, 2, 3), nullptr);
      f1->result();
    });
    auto labels = Metric::from_name("AUC");
    labels->multi_label = true;
    labels->build(3);
    labels->multi_label = false;
    labels->reset();
    Metric copy = *labels;
    copy.multi_label = true;
    report("AUC multi_label changed after reset", [&] {
      copy.update(ConstView(t3, 2, 3), ConstView(p3, 2, 3), nullptr);
      copy.result();
    });
    report("F1 built for -3 columns", [&] { Metric::from_name("F1Score")->build(-3); });
    auto huge = Metric::from_name("AUC");
    huge->multi_label = true;
    huge->num_labels = Index(1) << 40;
    report("AUC num_labels 2^40", [&] { huge->build(3); });
    for (int n : {0, -3, 1 << 30}) {
      auto bad = Metric::from_name("AUC");
      bad->num_thresholds = n;
      report(("AUC num_thresholds " + std::to_string(n)).c_str(),
             [&] { bad->update(ConstView(y_true, 4, 1), ConstView(y_pred, 4, 1), nullptr); });
    }
  }

  {  // compile and fit given what no Python caller can give
    const Matrix y3 = Matrix::Random(64, 1);
    auto g = std::make_shared<Graph>();
    const int a = g->add_input({3}, "a");
    const int d = g->add_layer(layers::Dense(1, "linear", true, "glorot_uniform", "zeros", "head"), {a});
    g->set_outputs({a, a, d});  // an Input twice: its losses count, nothing of it trains
    Model twice(g);
    CompileOptions co;
    co.losses = {Loss::from_name("mse"), Loss::from_name("mse"), Loss::from_name("mse")};
    co.loss_weights = {0.5, 2.0, 1.0};
    twice.compile(std::make_shared<Optimizer>(optimizers::SGD(0.01)), co);
    const Data dd{{ConstView(x.data(), 64, 3)}, {ConstView(x.data(), 64, 3), ConstView(x.data(), 64, 3),
                                                 ConstView(y3.data(), 64, 1)}, nullptr, 64};
    report("an input listed twice as outputs, fit", [&] { twice.fit(dd, nullptr, FitOptions{}); });
    report("an input listed twice as outputs, train_on_batch", [&] { twice.train_on_batch(dd); });

    Model m = small();
    m.compile(optimizers::SGD(), "mse");
    Data no_columns = data_of(x, y);
    no_columns.y[0].cols = 0;
    report("target of 0 columns", [&] { m.fit(no_columns, nullptr, FitOptions{}); });
    CompileOptions null_metric;
    null_metric.losses = {Loss::from_name("mse")};
    null_metric.metrics = {{nullptr}};
    report("a null metric", [&] { m.compile(std::make_shared<Optimizer>(optimizers::SGD()), null_metric); });
    CompileOptions nan_weight;
    nan_weight.losses = {Loss::from_name("mse")};
    nan_weight.loss_weights = {std::nan("")};
    report("a NaN loss weight", [&] { m.compile(std::make_shared<Optimizer>(optimizers::SGD()), nan_weight); });

    auto opt = std::make_shared<Optimizer>(optimizers::Adam());
    CompileOptions plain;
    plain.losses = {Loss::from_name("mse")};
    m.compile(opt, plain);
    m.fit(x, y);
    report("optimizer rebuilt smaller for its model", [&] {
      opt->build(1, {{0, 1}}, m.graph_ptr());
      m.fit(x, y);
    });
    auto cleared = std::make_shared<Optimizer>(optimizers::Adam());
    m.compile(cleared, plain);
    m.fit(x, y);
    cleared->slots().clear();
    report("optimizer slots cleared", [&] { m.fit(x, y); });
    report("optimizer segment outside", [&] { Optimizer(optimizers::SGD()).build(4, {{2, 3}}); });
    report("set_iterations -1", [&] { Optimizer(optimizers::Adam()).set_iterations(-1); });
    report("AdamW weight_decay NaN", [&] { Optimizer(optimizers::AdamW(0.001, std::nan(""))); });

    auto k2 = Metric::from_name("top_k_categorical_accuracy");  // changed after from_name: saved as changed
    k2->k = 2;
    Sequential c({layers::Input({3}), layers::Dense(4, "softmax")});
    CompileOptions with_k;
    with_k.losses = {Loss::from_name("categorical_crossentropy")};
    with_k.metrics = {{k2}};
    c.compile(std::make_shared<Optimizer>(optimizers::SGD()), with_k);
    report("a metric's k changed after from_name, saved", [&] {
      c.save(dir + "/k2.dk");
      Model back = load_model(dir + "/k2.dk");
      const Matrix y4 = Matrix::Identity(64, 4);
      const Logs a = c.evaluate(x, y4), b = back.evaluate(x, y4);
      std::cout << "top-k after loading: " << (a == b ? "same" : "different") << "\n";
    });
  }
  return 0;
}
