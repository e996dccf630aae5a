// janus datasets, all in one include: Dataset, the CIFAR-10 / MNIST / image-folder
// loaders, the synthetic default, transforms and the DataLoader.
//
//   using namespace janus::datasets;
//   Dataset train = make_synthetic(SyntheticOptions(), Split::kTrain);
//   DataLoader loader(train, DataLoaderOptions(64).seed(1));
#pragma once

#include <janus/datasets/cifar.h>
#include <janus/datasets/data_loader.h>
#include <janus/datasets/dataset.h>
#include <janus/datasets/image_folder.h>
#include <janus/datasets/mnist.h>
#include <janus/datasets/synthetic.h>
#include <janus/datasets/transforms.h>
