// libFuzzer target: Keras load_weights on arbitrary bytes under a "*.weights.h5" name, into a
// small functional model (conv, batch norm, Add, Concatenate, Dense), as a user loading a
// downloaded weights file does. Everything must end in a janus::Error or a load. libhdf5 itself
// is not instrumented (Debian's build), so ASan sees janus' side and a crash inside HDF5 still
// stops the run. The bytes go to a file in /dev/shm (or /tmp); janus reads it whole and hands
// HDF5 the file image.
#include <janus/core/error.h>
#include <janus/keras/keras.h>

#include <cstdio>
#include <string>

#include <unistd.h>

namespace kl = janus::keras::layers;

// libhdf5 allocates sizes it reads from the file and handles a failed malloc as an error (a
// release build turns such a file into a janus::Error); under ASan an absurd size (seen in
// H5C_protect while opening a mutated file) would abort instead of returning null, so null it
// is, as in production. libhdf5 1.10.8 also loses a few hundred bytes when H5Gopen2 fails on a
// damaged object header (the leak's stack ends in H5O_protect inside libhdf5): such leaks are
// suppressed by library, so a leak whose stack does not pass through libhdf5 still fails.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
extern "C" const char* __lsan_default_suppressions() { return "leak:libhdf5\n"; }

namespace {

janus::keras::Model make_model() {
  auto x = janus::keras::Input({6, 6, 2});
  auto h = kl::BatchNormalization()(kl::Conv2D(3, 3).padding("same")(x));
  auto y = kl::Concatenate()({kl::Add()({kl::Conv2D(3, 1)(h), h}), x});
  return janus::keras::Model(x, kl::Dense(2)(kl::Flatten()(y)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static janus::keras::Model model = make_model();
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/janus_fuzz_" + std::to_string(::getpid()) + ".weights.h5";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    model.load_weights(path);
  } catch (const janus::Error&) {
  }
  return 0;
}
