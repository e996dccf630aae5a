// The Keras-style frontend in one include: keras::Sequential, keras::layers,
// keras::optimizers, keras::callbacks, keras::utils, and the janus ops (for Lambda layers).
//
//   #include <janus/keras/keras.h>
//   namespace keras = janus::keras;
#pragma once

#include <janus/core/ops.h>  // the janus ops a Lambda layer is written in
#include <janus/keras/callbacks.h>
#include <janus/keras/layers.h>
#include <janus/keras/model.h>
#include <janus/keras/optimizers.h>
#include <janus/keras/progbar.h>
#include <janus/keras/utils.h>
