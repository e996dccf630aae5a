// keras::Model and keras::Sequential: Keras-style models. A Sequential's layers are added
// with add() or listed at construction; each is built (and its shape checked) when it is
// added, after an Input. A functional Model collects layers called on keras::Input tensors.
// compile() traces either into a core Graph (the same Graph IR the torch frontend
// produces); fit(), evaluate() and predict() run that Graph.
//
//   using namespace janus::keras;
//   Sequential model({layers::Input({32, 32, 3}),
//                     layers::Conv2D(32, 3).padding("same").use_bias(false),
//                     layers::BatchNormalization(), layers::ReLU(), layers::MaxPooling2D(2),
//                     layers::Flatten(), layers::Dense(10)});
//   model.compile(optimizers::SGD(0.01).momentum(0.9),
//                 Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
//   History h = model.fit(x_train, y_train, FitOptions().epochs(30).validation_data(x_val, y_val));
//   History h2 = model.fit(my_py_dataset, FitOptions().epochs(30));   // batches from a PyDataset
//   model.summary();
#pragma once

#include <janus/core/graph.h>
#include <janus/core/optim/optimizer.h>
#include <janus/keras/callbacks.h>
#include <janus/keras/keras_tensor.h>
#include <janus/keras/layers.h>
#include <janus/keras/optimizers.h>
#include <janus/keras/py_dataset.h>

#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace janus::keras {

// A layer handed to Sequential: a layer value (copied) or a shared handle (kept, so the
// caller can later flip its trainable flag).
class LayerRef {
 public:
  template <typename L, typename = std::enable_if_t<std::is_base_of_v<layers::Layer, std::decay_t<L>>>>
  LayerRef(const L& layer) : ptr_(std::make_shared<std::decay_t<L>>(layer)) {}  // NOLINT: implicit
  template <typename L, typename = std::enable_if_t<std::is_base_of_v<layers::Layer, L>>>
  LayerRef(std::shared_ptr<L> layer) : ptr_(std::move(layer)) {}  // NOLINT: implicit
  // keras::Input(shape) in a Sequential, as Keras allows: a new Input layer of its shape.
  LayerRef(const KerasTensor& input);  // NOLINT: implicit
  const std::shared_ptr<layers::Layer>& get() const { return ptr_; }

 private:
  std::shared_ptr<layers::Layer> ptr_;
};

// "sparse_categorical_crossentropy" (integer labels (N)), "categorical_crossentropy"
// (one-hot or soft targets (N, classes)), "binary_crossentropy" (targets in [0, 1] of the
// output's shape) -- from_logits default false, as in Keras 3: the output is then taken to
// be probabilities, divided by its sum over the class axis (not for binary) and clipped to
// [1e-7, 1 - 1e-7] before the log, so an un-normalized output still gives a finite loss --
// or "mse".
// Metrics: "accuracy" / "acc" (Keras picks sparse, categorical or binary accuracy from the
// loss), "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy" (output
// > 0.5); logged under the name given.
struct Loss {
  Loss(const char* name) : name_(name) {}         // NOLINT: implicit, model.compile(opt, "mse")
  Loss(std::string name) : name_(std::move(name)) {}  // NOLINT
  Loss& from_logits(bool v) { from_logits_ = v; return *this; }
  std::string name_;
  bool from_logits_ = false;
};

struct FitOptions {
  FitOptions& epochs(int v) { epochs_ = v; return *this; }
  // Arrays only: the last `fraction` of the samples (before shuffling), as Keras takes them,
  // become the validation data (validation_data, when given, wins as in Keras).
  FitOptions& validation_split(double fraction) { validation_split_ = fraction; return *this; }
  // Arrays only; a PyDataset makes its own batches (validation still uses batch_size).
  FitOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  FitOptions& validation_data(const Tensor& x, const Tensor& y) { val_x_ = x; val_y_ = y; return *this; }
  // Arrays: the samples; a PyDataset: the order of its batches (default true, as Keras).
  FitOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  FitOptions& callbacks(std::vector<std::shared_ptr<callbacks::Callback>> v) { callbacks_ = std::move(v); return *this; }
  // 0 silent, 1 progress bar (updated in place), 2 one line per epoch.
  FitOptions& verbose(int v) { verbose_ = v; return *this; }
  FitOptions& seed(uint64_t v) { seed_ = v; return *this; }  // shuffling and dropout
  int epochs_ = 1;
  double validation_split_ = 0.0;
  int64_t batch_size_ = 32;
  Tensor val_x_, val_y_;
  bool shuffle_ = true;
  std::vector<std::shared_ptr<callbacks::Callback>> callbacks_;
  int verbose_ = 1;
  uint64_t seed_ = 0;
};

// evaluate()'s result: Keras' list -- the loss, then the metrics in compile's order, so
// score[0] is the loss and score[1] the first metric -- and, by name, Keras'
// return_dict=True: score.at("accuracy"), score.as_dict() (it converts to Logs too).
class Scores {
 public:
  void add(const std::string& name, double value);
  size_t size() const { return values_.size(); }
  // Throws janus::Error naming the valid range when i is out of it.
  double operator[](size_t i) const;
  // Throws janus::Error listing the names when `name` is not one of them.
  double at(const std::string& name) const;
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<double>& values() const { return values_; }
  Logs as_dict() const;
  operator Logs() const { return as_dict(); }  // NOLINT: implicit, Logs e = model.evaluate(x, y)

 private:
  std::vector<std::string> names_;
  std::vector<double> values_;
};

// History.history: per-epoch values of every logged quantity.
struct History {
  std::map<std::string, std::vector<double>> history;
  std::vector<int> epoch;  // 0-based
};

// A Keras model: the layers and the calls between them, traced by compile() into one core
// Graph. keras::Model(inputs, outputs) is Keras' functional API (keras_tensor.h); Sequential
// (below) is the same model built as a chain. Both train, evaluate, predict, summarize and
// save the same way.
//
//   auto x = keras::Input({32, 32, 3});
//   auto h = kl::ReLU()(kl::BatchNormalization()(kl::Conv2D(16, 3).padding("same")(x)));
//   auto y = kl::Dense(10)(kl::GlobalAveragePooling2D()(kl::Add()({x2, h})));
//   keras::Model model(x, y);               // or Model({a, b}, {y, z}) for several
class Model {
 public:
  // The layers called from `inputs` (keras::Input tensors) to `outputs`, in Keras' order
  // (by depth from the outputs). Layers without a name get Keras' names in call order
  // (conv2d, conv2d_1, ...). Throws janus::Error for an output that does not depend only on
  // the inputs, an input that no output uses, an input that is not a keras::Input tensor,
  // and two layers of one name.
  Model(const KerasTensors& inputs, const KerasTensors& outputs, std::string name = "functional");

  // Every layer once, in Keras' order; a Sequential lists its Input first, a functional
  // model its InputLayers.
  const std::vector<std::shared_ptr<layers::Layer>>& layers() const { return layers_; }
  std::shared_ptr<layers::Layer> get_layer(const std::string& name) const;
  const std::string& name() const { return name_; }
  // Keras shapes without the batch axis; input_shape()/output_shape() need a model with
  // one input / one output (janus::Error otherwise).
  const Shape& input_shape() const;
  const Shape& output_shape() const;
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;

  // compile/fit/evaluate train a model with one input and one output (one loss).
  void compile(const optimizers::Optimizer& optimizer, const Loss& loss,
               const std::vector<std::string>& metrics = {});
  void compile(const std::string& optimizer, const Loss& loss, const std::vector<std::string>& metrics = {});
  bool compiled() const { return optimizer_ != nullptr; }

  // x (N, H, W, C) or (N, features); y (N) class indices as floats (sparse CE) or the
  // output's shape (mse, binary crossentropy): (N, H, W, C) for an image output, as Keras.
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  // Batches from a PyDataset, size() per epoch, each checked against the model as fit(x, y)
  // checks arrays; source.on_epoch_begin()/on_epoch_end() around every epoch. Throws
  // janus::Error for an empty source or a batch that does not fit the model.
  History fit(utils::PyDataset& source, const FitOptions& options = {});
  // Loss and metrics in inference mode, in compile's order: score[0] the loss,
  // score.at("accuracy") by name.
  Scores evaluate(const Tensor& x, const Tensor& y, int64_t batch_size = 32);
  // Outputs are channels-last, as output_shape() says: (N, H, W, C) for an image output.
  Tensor predict(const Tensor& x, int64_t batch_size = 32);
  // Several inputs (in the model's order) and every output, for any model:
  // predict(std::vector<Tensor>{x1, x2}).
  std::vector<Tensor> predict(const std::vector<Tensor>& xs, int64_t batch_size = 32);
  // One call of the model (inference unless training), through the graph.
  Tensor operator()(const Tensor& x, bool training = false);
  std::vector<Tensor> operator()(const std::vector<Tensor>& xs, bool training = false);

  // The graph that runs: traced at compile() (again when trainable flags changed), with
  // BatchNormalization -> ReLU fused (fuse_norm_relu).
  const Graph& graph();
  // The internal (channels-first) module tree: children named by layer name.
  nn::Module& module() const { return *root_; }

  // Weights in Keras names and layouts: "conv2d/kernel" (kh, kw, in, out), ...
  NamedTensors get_weights() const;
  void set_weights(const NamedTensors& weights);
  // A name ending in ".weights.h5": Keras 3's HDF5 layout, readable by Keras' load_weights
  // and h5py ("layers/conv2d/vars/0" = the kernel (kh, kw, in, out), ...; docs/keras.md);
  // any other name: safetensors with Keras names ("conv2d/kernel"). Other .h5 / .hdf5 /
  // .keras names are refused (Keras 3 saves weights only under .weights.h5). Written
  // atomically; load_weights checks the whole file against the model before it assigns
  // anything, and a damaged or foreign file is a janus::Error naming the file and object.
  void save_weights(const std::string& path) const;
  void load_weights(const std::string& path);

  // Keras 3's table: Layer (type) | Output Shape | Param # in a box, then "Total params:
  // 34,826 (136.04 KB)" and the trainable / non-trainable lines (float32 sizes). The
  // default width is Keras' on an 80-column terminal (min(88, columns - 4)); 88 is its
  // widest. A functional model lists its InputLayers too, and when it is not a plain chain
  // (a merge or a shared layer) Keras' fourth column "Connected to" (conv2d[0][0], ...).
  // The optimizer's variables are not listed.
  std::string summary_string(int line_length = 76) const;
  void summary(std::ostream& os = std::cout) const;
  int64_t count_params() const;

  // The core optimizer that updates the weights, and the Keras optimizer around it
  // (learning rate schedule, weight decay, iterations).
  optim::Optimizer& optimizer();
  optimizers::CompiledOptimizer& compiled_optimizer();
  bool stop_training = false;  // set by callbacks (EarlyStopping)
  // Where fit() prints its progress (default std::cout).
  void set_output(std::ostream* os) { out_ = os; }
  std::ostream& output() const { return *out_; }  // where callbacks print, too

 protected:
  // For Sequential: an empty chain.
  Model(std::string name, const char* module_type);

  // One call of a layer: the nodes it reads (positions in nodes_), its output shape, Keras'
  // node index, and for an InputLayer the position of its input among the model's inputs.
  struct Node {
    std::shared_ptr<layers::Layer> layer;
    std::vector<size_t> inputs;
    Shape shape;
    int64_t node_index = 0;
    int64_t input_position = -1;
  };
  std::string name_;
  std::vector<Node> nodes_;  // in an order that computes every input before its use
  std::vector<size_t> input_nodes_, output_nodes_;
  std::vector<std::shared_ptr<layers::Layer>> layers_;
  std::shared_ptr<nn::Module> root_;
  bool functional_ = false;      // lists InputLayers in summary()
  bool sequential_like_ = true;  // Keras' test for the "Connected to" column
  bool has_graph_ = false;

 private:
  std::vector<Tensor> forward_nodes(const std::vector<Tensor>& xs, const RunContext& ctx);
  // Keras' .weights.h5 (weights_h5.cpp): each saved layer with its group name under "layers".
  std::vector<std::pair<std::string, std::shared_ptr<layers::Layer>>> h5_layer_groups() const;
  void save_weights_h5(const std::string& path) const;
  void load_weights_h5(const std::string& path);
  std::string trainable_signature() const;
  void ensure_graph();
  void check_targets(const Tensor& x, const Tensor& y, const char* who) const;
  Tensor compute_loss(const Tensor& out, const Tensor& y) const;
  // Rows of `out` whose arg-max is the target's class (label or arg-max of y); for binary
  // crossentropy the sum over rows of each row's fraction of (out > 0.5) == y.
  double count_hits(const Tensor& out, const Tensor& y) const;
  // The loop both fit()s share: `steps` batches per epoch, batch(epoch, step) gives one.
  History run_fit(int64_t steps, const std::function<utils::DataBatch(int epoch, int64_t step)>& batch,
                  const std::function<void(int epoch)>& epoch_begin, const std::function<void(int epoch)>& epoch_end,
                  const FitOptions& options, Generator& gen);

  std::unique_ptr<optimizers::CompiledOptimizer> optimizer_;
  Loss loss_{"sparse_categorical_crossentropy"};
  std::vector<std::string> metrics_;
  Graph graph_;
  std::string graph_signature_;
  std::ostream* out_ = &std::cout;
};

// Keras' Sequential: a Model built as a chain, layer by layer, each built (and its shape
// checked) when it is added after an Input.
class Sequential : public Model {
 public:
  explicit Sequential(std::string name = "sequential");
  Sequential(std::initializer_list<LayerRef> layers, std::string name = "sequential");

  // Builds the layer for the current output shape; the first layer must be an Input.
  // Throws janus::Error naming the layer and both shapes when it does not fit.
  Sequential& add(const LayerRef& layer);

 private:
  std::map<std::string, int> name_counts_;
};

}  // namespace janus::keras
