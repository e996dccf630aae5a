// Keras 3's progress line (keras::utils::Progbar) with a fake clock, character for
// character: count, 20-cell ━ bar, ETA while running and elapsed seconds at the end, time per
// step without the first step, the running values averaged over updates, 4 decimals or
// 4-digit scientific below 1e-3, in-place redraws padded over a longer previous line,
// verbose 2's one line; and fit() printing it with the names in Keras 3's order. CSVLogger
// writes values at full precision, as Python prints floats.
#include <catch2/catch.hpp>

#include <janus/keras/keras.h>
#include <janus/training/csv_history.h>

#include "keras_models.h"
#include "temp_dir.h"

#include <fstream>
#include <regex>
#include <sstream>

using namespace janus;
using keras::FitOptions;
using keras::utils::Progbar;

namespace {

const std::string kBar =
    "\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501";

}  // namespace

TEST_CASE("keras Progbar prints Keras 3's line with ETA, then the elapsed time", "[keras][progbar]") {
  std::ostringstream out;
  double t = 0.0;
  Progbar bar(10, 1, &out);
  bar.clock([&] { return t; });
  t = 0.25;
  bar.update(1, {{"accuracy", 0.5}, {"loss", 0.7}});
  // One step took 0.25 s: 9 steps left -> ETA 2.25 s, shown truncated as "2s".
  CHECK(out.str() == "\r 1/10 " + kBar + " 2s 250ms/step - accuracy: 0.5000 - loss: 0.7000");
  out.str("");
  t = 0.75;
  bar.update(3, {{"accuracy", 0.7}, {"loss", 0.5}});
  // Shown: the mean of the values over the steps so far, (0.5 + 2 * 0.7) / 3 = 0.6333; the
  // time per step leaves the first step out: (0.75 - 0.25) / 2.
  CHECK(out.str() == "\r 3/10 " + kBar + " 1s 250ms/step - accuracy: 0.6333 - loss: 0.5667");
  out.str("");
  t = 0.76;
  bar.update(4, {{"accuracy", 0.7}, {"loss", 0.5}});  // within 0.05 s of the last redraw
  CHECK(out.str().empty());
  t = 3.0;
  bar.update(10, {{"accuracy", 0.8125}, {"loss", 0.0004}, {"val_loss", 0.25}}, true);
  CHECK(out.str() == "\r10/10 " + kBar + " 3s 306ms/step - accuracy: 0.8125 - loss: 4.0000e-04 - val_loss: 0.2500\n");
}

TEST_CASE("keras Progbar pads a shorter redraw and formats long ETAs", "[keras][progbar]") {
  std::ostringstream out;
  double t = 0.0;
  Progbar bar(100, 1, &out);
  bar.clock([&] { return t; });
  t = 40.0;
  bar.update(1, {});
  CHECK(out.str() == "\r  1/100 " + kBar + " 1:06:00 40s/step");  // 99 steps of 40 s
  out.str("");
  t = 40.0 + 98 * 0.5;
  bar.update(99, {});
  CHECK(out.str() == "\r 99/100 " + kBar + " 0s 500ms/step   ");  // 3 spaces cover the old line
}

TEST_CASE("keras Progbar verbose 2 prints one line when done", "[keras][progbar]") {
  std::ostringstream out;
  double t = 0.0;
  Progbar bar(10, 2, &out);
  bar.clock([&] { return t; });
  t = 1.0;
  bar.update(5, {{"accuracy", 0.5}, {"loss", 0.9}});
  CHECK(out.str().empty());
  t = 3.0;
  bar.update(10, {{"accuracy", 0.8125}, {"loss", 0.0004}}, true);
  CHECK(out.str() == "10/10 - 3s - 300ms/step - accuracy: 0.8125 - loss: 4.0000e-04\n");
  CHECK_THROWS_WITH(Progbar(0), Catch::Contains("target must be a positive"));
}

TEST_CASE("keras fit prints Keras 3's progress lines, names sorted, validation last", "[keras][progbar]") {
  keras::Sequential model = janus::testing::conv_model();
  Tensor x, y;
  janus::testing::toy_data(x, y, 64, 1);
  model.compile("adam", keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  std::ostringstream out;
  model.set_output(&out);
  model.fit(x, y, FitOptions().epochs(2).batch_size(16).validation_data(x, y));
  const std::string text = out.str();
  INFO(text);
  CHECK(text.rfind("Epoch 1/2\n\r1/4 " + kBar + " ", 0) == 0);  // the first step always shows
  const std::regex final_line("\r4/4 (?:\u2501){20} [0-9]+s [0-9]+(?:s|ms|us)/step - accuracy: [0-9]\\.[0-9]{4} - "
                              "loss: [0-9]\\.[0-9]{4} - val_accuracy: [0-9]\\.[0-9]{4} - val_loss: [0-9]\\.[0-9]{4}\n");
  const auto found = std::distance(std::sregex_iterator(text.begin(), text.end(), final_line), std::sregex_iterator());
  CHECK(found == 2);
  CHECK(text.find("Epoch 2/2\n") != std::string::npos);
  // One epoch: Keras 3 prints no "Epoch 1/1" header.
  std::ostringstream one;
  model.set_output(&one);
  model.fit(x, y, FitOptions().epochs(1).batch_size(16).verbose(2));
  CHECK(one.str().rfind("4/4 - ", 0) == 0);
}

TEST_CASE("keras CSVLogger writes values at full precision, as Python prints floats", "[keras][csv]") {
  using keras::callbacks::python_float_repr;
  CHECK(python_float_repr(0.1) == "0.1");
  CHECK(python_float_repr(1.0 / 3.0) == "0.3333333333333333");
  CHECK(python_float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(python_float_repr(2.0) == "2.0");
  CHECK(python_float_repr(1e-05) == "1e-05");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(123456789.125) == "123456789.125");
  CHECK(python_float_repr(-0.5) == "-0.5");

  testing::TempDir dir;
  keras::Sequential model = janus::testing::conv_model();
  Tensor x, y;
  janus::testing::toy_data(x, y, 32, 2);
  model.compile("adam", keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  auto csv = std::make_shared<keras::callbacks::CSVLogger>(dir.file("log.csv"));
  const keras::History h = model.fit(x, y, FitOptions().epochs(2).verbose(0).callbacks({csv}));
  std::ifstream in(dir.file("log.csv"));
  std::string header, row0;
  std::getline(in, header);
  std::getline(in, row0);
  CHECK(header == "epoch,accuracy,loss");
  // The loss cell reads back to the very double fit() logged (6 digits would not).
  const std::string loss_text = row0.substr(row0.rfind(',') + 1);
  CHECK(std::stod(loss_text) == h.history.at("loss")[0]);
  CHECK(loss_text == python_float_repr(h.history.at("loss")[0]));
}
