// LoaderPyDataset: a janus DataLoader seen as a keras::utils::PyDataset, so that
// keras::Sequential::fit(source) trains on the loader's batches: shuffled, cropped and
// flipped anew every epoch by the loader (epoch number = how many epochs ended before),
// channels-last. It lives here, not in frontends/, because frontends do not depend on
// datasets (docs/design.md). Batches are read in order: fit it with shuffle(false).
//
//   auto loader = make_train_loader(train, 64, seed, true, datasets::Layout::kNHWC);
//   LoaderPyDataset source(*loader);
//   model.fit(source, keras::FitOptions().epochs(30).shuffle(false));
#pragma once
#include <janus/datasets/data_loader.h>
#include <janus/keras/py_dataset.h>

namespace janus::examples {

class LoaderPyDataset : public keras::utils::PyDataset {
 public:
  // The loader must produce channels-last (Layout::kNHWC) batches; it is not owned.
  explicit LoaderPyDataset(datasets::DataLoader& loader);
  int64_t size() const override { return loader_.num_batches(); }
  // Batch `index` of the current epoch; throws janus::Error unless index is the next one.
  keras::utils::DataBatch get(int64_t index) override;
  void on_epoch_end() override;

 private:
  datasets::DataLoader& loader_;
  int64_t epoch_ = 0;
  int64_t next_ = 0;
};

}  // namespace janus::examples
