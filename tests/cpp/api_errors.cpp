// api_errors MODEL_FILE: the C++ API reports bad input with densekit exceptions carrying the
// same messages as Python's. Prints one line per case.
#include <densekit/densekit.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

template <class Fn>
void expect(const char* name, Fn fn) {
  try {
    fn();
    std::cout << name << ": no error\n";
  } catch (const densekit::ValueError& e) {
    std::cout << name << ": ValueError: " << e.what() << "\n";
  } catch (const densekit::IOError& e) {
    std::cout << name << ": IOError: " << e.what() << "\n";
  }
}

int main(int argc, char** argv) {
  const densekit::Model model = densekit::load_model(argv[1], false);
  expect("wrong width", [&] { model.predict(densekit::Matrix::Zero(2, 3)); });
  expect("missing file", [] { densekit::load_model("/nonexistent/model.dk"); });
  expect("units", [] { densekit::layers::Dense(0); });
  expect("activation", [] { densekit::layers::Dense(3, "rellu"); });
  expect("no input", [] { densekit::Sequential({densekit::layers::Dense(3)}); });
  expect("decay_steps", [] { densekit::optimizers::schedules::ExponentialDecay(0.1, 0, 0.5); });
  expect("first_decay_steps", [] { densekit::optimizers::schedules::CosineDecayRestarts(0.1, -2.5); });
  expect("data_format", [] { densekit::layers::GlobalAveragePooling1D("nchw"); });
  expect("pooling rank", [] {
    densekit::Sequential({densekit::layers::Input({4}), densekit::layers::GlobalMaxPooling1D("channels_last", false, "pool")});
  });
  {  // each channel's mean over 2 steps, its maximum over 2 channels (channels_first)
    densekit::Sequential mean({densekit::layers::Input({2, 3}), densekit::layers::GlobalAveragePooling1D()});
    densekit::Sequential max({densekit::layers::Input({2, 3}), densekit::layers::GlobalMaxPooling1D("channels_first", true)});
    densekit::Matrix x(1, 6);
    x << 1, 2, 3, 5, 0, 9;
    std::cout << "pooled: " << mean.predict(x) << " " << max.predict(x) << "\n";
  }
  expect("input dtype", [] { densekit::layers::Input({3}, "x", "float64"); });
  {  // whole numbers: truncated toward zero on the way in
    densekit::Sequential sum({densekit::layers::Input({3}, "ids", "int32"), densekit::layers::Dense(1, "linear", false, "ones")});
    densekit::Matrix x(1, 3);
    x << 1.7f, -2.7f, 3.0f;
    std::cout << "whole: " << sum.predict(x) << "\n";
  }
  expect("permute dims", [] { densekit::layers::Permute({1, 3}); });
  expect("output_mode", [] { densekit::layers::CategoryEncoding(3, "int"); });
  {  // token counts, then each vector repeated twice and normalized to unit length
    densekit::Sequential counts({densekit::layers::Input({3}, "ids", "int32"), densekit::layers::CategoryEncoding(4, "count")});
    densekit::Sequential unit({densekit::layers::Input({2}), densekit::layers::RepeatVector(2), densekit::layers::Permute({2, 1}),
                               densekit::layers::UnitNormalization(-1), densekit::layers::Identity()});
    densekit::Matrix ids(1, 3), v(1, 2);
    ids << 3, 0, 3;
    v << 3, 4;
    densekit::Sequential rms({densekit::layers::Input({2}), densekit::layers::RMSNormalization()});
    std::cout << "encoded: " << counts.predict(ids) << " " << unit.predict(v) << "\n";
    std::cout << "rms: " << rms.predict(v) << "\n";
  }
  {  // a 3-class head's weights into a 5-class model: refused whole, or loaded weight by weight
    densekit::Sequential three({densekit::layers::Input({4}), densekit::layers::Dense(8), densekit::layers::Dense(3)});
    densekit::Sequential five({densekit::layers::Input({4}), densekit::layers::Dense(8), densekit::layers::Dense(5)});
    const std::string path = std::string(argv[1]) + ".weights";
    densekit::save_weights(three, path);
    auto params = [](const densekit::Model& m) {
      return std::vector<float>(m.graph().params(), m.graph().params() + m.graph().param_count());
    };
    const std::vector<float> before = params(five);
    expect("weights mismatch", [&] { densekit::load_weights(five, path); });
    std::cout << "unchanged after refusal: " << (params(five) == before ? "yes" : "no") << "\n";
    std::cout << "skipped:";
    for (const std::string& part : densekit::load_weights(five, path, true)) std::cout << " " << part;
    const std::vector<float> loaded = params(five), saved = params(three);
    std::cout << "\nfirst layer loaded: " << (std::equal(saved.begin(), saved.begin() + 40, loaded.begin()) ? "yes" : "no")
              << ", second kept: " << (std::equal(before.begin() + 40, before.end(), loaded.begin() + 40) ? "yes" : "no") << "\n";
  }
  {  // a Keras archive where a densekit file belongs: named for what it is
    const std::string path = std::string(argv[1]) + ".keras";
    std::ofstream(path, std::ios::binary) << std::string("PK\x03\x04\0\0\0\0zipped", 14);
    expect("keras archive", [&] { densekit::load_model(path); });
  }
  {  // two outputs: the one-buffer predict names the overload that takes several
    auto graph = std::make_shared<densekit::Graph>();
    const int in = graph->add_input({3}, "x");
    graph->set_outputs({graph->add_layer(densekit::layers::Dense(2), {in}), graph->add_layer(densekit::layers::Dense(1), {in})});
    const densekit::Model two = densekit::Functional(graph);
    std::vector<float> x(3), out(3);
    expect("two outputs", [&] { two.predict(x.data(), 1, out.data()); });
    auto dims = [](const densekit::Shape& shape) {
      std::string text;
      for (const auto d : shape) text += (text.empty() ? "" : "x") + std::to_string(d);
      return text;
    };
    std::cout << "io: " << two.input_names()[0] << " " << dims(two.input_shapes()[0]) << " ->";
    for (const auto& shape : two.output_shapes()) std::cout << " " << dims(shape);
    std::cout << "\n";
  }
  std::cout.precision(17);
  std::cout << "schedule at 5: " << densekit::optimizers::schedules::ExponentialDecay(0.1, 10, 0.5)(5) << "\n";
  return 0;
}
