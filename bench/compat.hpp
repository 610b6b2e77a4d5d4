// Options the core is gaining (issue 3): set or read them where the headers
// have them, so the bench builds against the core before and after.
#pragma once

#include <herd/herd.hpp>

namespace herd::bench {

// TaskOptions with map()'s chunksize (0: automatic, 1: one task per item).
template <class Options = TaskOptions>
Options with_chunksize(size_t chunksize) {
  Options options;
  if constexpr (requires { options.chunksize; }) options.chunksize = chunksize;
  return options;
}

// The default payload bytes a client keeps outstanding at the controller;
// 0 if the client has no such limit.
template <class Options = ClientOptions>
size_t default_max_bytes_in_flight() {
  Options options;
  if constexpr (requires { options.max_bytes_in_flight; })
    return options.max_bytes_in_flight;
  else
    return 0;
}

}  // namespace herd::bench
