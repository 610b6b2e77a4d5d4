// Frames kept for long, as a task's result in its record: small frames are
// copied back to back into one buffer, so that each costs no allocation of
// its own and pins no ZeroMQ receive buffer (ZeroMQ receives small messages
// into shared 8 KB buffers); large ones, which ZeroMQ allocates alone, are
// shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "proto/wire.hpp"

namespace herd::controller {

class PackedFrames {
 public:
  PackedFrames() = default;
  // frames[from], frames[from + 1], …
  PackedFrames(wire::Frames& frames, size_t from);

  // The frames again: small ones copied, large ones shared.
  wire::Frames unpack() const;
  size_t count() const { return count_; }
  size_t bytes() const { return bytes_; }  // of the frames

 private:
  static constexpr size_t kShareFrom = 8192;
  static constexpr uint32_t kLarge = UINT32_MAX;  // a size: the frame is the next of large_
  std::string small_;  // per frame, a uint32 size then its bytes
  // Mutable: sharing a frame counts the reference in the message itself.
  mutable std::vector<zmq::message_t> large_;
  uint32_t count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace herd::controller
