// All of janus' optimizers and learning-rate schedules in one include.
#pragma once

#include <janus/core/optim/adam.h>
#include <janus/core/optim/lr_scheduler.h>
#include <janus/core/optim/optimizer.h>
#include <janus/core/optim/reduce_lr_on_plateau.h>
#include <janus/core/optim/rmsprop.h>
#include <janus/core/optim/sgd.h>
