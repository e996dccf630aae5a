// returns_within: runs a reader on a FIFO in a thread and, if it has not returned after a
// few seconds, opens the FIFO's other end to release it, so that a reader that blocks in
// open() fails its test instead of hanging the suite.
//
//   std::string err;
//   CHECK(janus::testing::returns_within(fifo, [&] { try { read(fifo); } catch (const janus::Error& e) { err = e.what(); } }));
#pragma once

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace janus::testing {

template <typename F>
bool returns_within(const std::string& fifo, F&& body, double seconds = 5.0) {
  std::packaged_task<void()> task(std::forward<F>(body));
  std::future<void> done = task.get_future();
  std::thread worker(std::move(task));
  const bool returned =
      done.wait_for(std::chrono::duration<double>(seconds)) == std::future_status::ready;
  if (!returned) {
    // The reader blocks in open(): a writer makes it proceed (it then reads end of file).
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  worker.join();
  done.get();  // rethrows what the body did not catch
  return returned;
}

}  // namespace janus::testing
