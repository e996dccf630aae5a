// All of janus' functional ops in one include.
#pragma once

#include <janus/core/ops/conv.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/linalg.h>
#include <janus/core/ops/nn.h>
#include <janus/core/ops/norm.h>
#include <janus/core/ops/pool.h>
#include <janus/core/ops/reduce.h>
#include <janus/core/ops/shape_ops.h>
