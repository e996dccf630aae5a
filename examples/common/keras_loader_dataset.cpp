// LoaderPyDataset: in-order reads of a DataLoader's epochs for keras fit(source).
#include "common/keras_loader_dataset.h"

#include <janus/core/error.h>

namespace janus::examples {

LoaderPyDataset::LoaderPyDataset(datasets::DataLoader& loader) : loader_(loader) {
  JANUS_CHECK(loader.options().layout_value() == datasets::Layout::kNHWC,
              "LoaderPyDataset: the Keras frontend is channels-last; make the DataLoader with "
              "layout(Layout::kNHWC) (got NCHW batches)");
}

keras::utils::DataBatch LoaderPyDataset::get(int64_t index) {
  JANUS_CHECK(index == next_,
              "LoaderPyDataset: batches are read in order (asked for batch {} of epoch {}, the next is {}); call fit() "
              "with FitOptions().shuffle(false): the DataLoader already shuffles the samples every epoch",
              index, epoch_, next_);
  if (next_ == 0) loader_.start_epoch(epoch_);
  datasets::Batch b;
  JANUS_CHECK(loader_.next(b), "LoaderPyDataset: the loader ran out of batches at {} of {} (epoch {})", index,
              size(), epoch_);
  ++next_;
  return {b.images, b.labels};  // (B, H, W, C), (B)
}

void LoaderPyDataset::on_epoch_end() {
  ++epoch_;
  next_ = 0;
}

}  // namespace janus::examples
