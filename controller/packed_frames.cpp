#include "controller/packed_frames.hpp"

#include <cstring>

namespace herd::controller {

PackedFrames::PackedFrames(wire::Frames& frames, size_t from) {
  size_t small = 0;
  for (size_t i = from; i < frames.size(); ++i)
    small += sizeof(uint32_t) + (frames[i].size() < kShareFrom ? frames[i].size() : 0);
  small_.reserve(small);
  for (size_t i = from; i < frames.size(); ++i) {
    zmq::message_t& frame = frames[i];
    const bool large = frame.size() >= kShareFrom;
    const uint32_t size = large ? kLarge : static_cast<uint32_t>(frame.size());
    small_.append(reinterpret_cast<const char*>(&size), sizeof size);
    if (large)
      large_.emplace_back().copy(frame);
    else
      small_.append(frame.data<char>(), frame.size());
    bytes_ += frame.size();
    ++count_;
  }
}

wire::Frames PackedFrames::unpack() const {
  wire::Frames frames;
  frames.reserve(count_);
  size_t at = 0, next_large = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    uint32_t size = 0;
    std::memcpy(&size, small_.data() + at, sizeof size);
    at += sizeof size;
    if (size == kLarge) {
      frames.emplace_back().copy(large_.at(next_large++));
      continue;
    }
    frames.emplace_back(small_.data() + at, size);
    at += size;
  }
  return frames;
}

}  // namespace herd::controller
