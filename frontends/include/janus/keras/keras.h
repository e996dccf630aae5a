// The Keras-style frontend in one include: keras::Sequential, keras::layers,
// keras::optimizers, keras::callbacks.
//
//   #include <janus/keras/keras.h>
//   namespace keras = janus::keras;
#pragma once

#include <janus/keras/callbacks.h>
#include <janus/keras/layers.h>
#include <janus/keras/model.h>
#include <janus/keras/optimizers.h>
#include <janus/keras/progbar.h>
