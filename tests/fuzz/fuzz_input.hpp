// The byte layout herd_fuzz_messages reads, shared with the corpus generator:
//
//   byte 0         bits 0-3: frame count - 1 (1 to 16 frames)
//                  bits 4-5: where the controller gets the frames
//                            0 client socket, 1 engine socket,
//                            2 both (client first), 3 neither
//                  bit 6:    aim at the engine's task: frame 0, if it parses
//                            as a Header, gets the (client, seq) of the last
//                            TASK the controller sent the fuzz engine (and a
//                            STARTED also names it), so RESULT and STARTED
//                            reach a task the controller waits on
//                  bit 7:    the fuzz engine first registers (HELLO) if the
//                            controller does not know it (as a real engine
//                            does when told "unregistered")
//   next 2*count   each frame's length, u16 little-endian
//   the rest       the frames' bytes, one after another
//
// A length longer than what is left takes what is left; bytes after the last
// frame are ignored; an input too short for its lengths gives empty frames.
// Frame 0 is the herd Header, the others are payload (arguments, results).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace herd::fuzz {

enum class Route : uint8_t { kClient = 0, kEngine = 1, kBoth = 2, kNone = 3 };

inline constexpr uint8_t kAimAtTask = 0x40;
inline constexpr uint8_t kRegister = 0x80;

struct Input {
  Route route = Route::kClient;
  uint8_t flags = 0;  // kAimAtTask | kRegister
  std::vector<std::string> frames;
};

inline constexpr size_t kMaxFrames = 16;

inline Input split(const uint8_t* data, size_t size) {
  Input in;
  if (size == 0) return in;
  const size_t count = 1 + (data[0] & 0x0f);
  in.route = static_cast<Route>((data[0] >> 4) & 0x03);
  in.flags = data[0] & (kAimAtTask | kRegister);
  size_t pos = 1;
  std::vector<size_t> lengths(count, 0);
  for (size_t i = 0; i < count && pos + 2 <= size; ++i, pos += 2)
    lengths[i] = static_cast<size_t>(data[pos]) | static_cast<size_t>(data[pos + 1]) << 8;
  pos = std::min(size, 1 + 2 * count);
  for (size_t i = 0; i < count; ++i) {
    const size_t n = std::min(lengths[i], size - pos);
    in.frames.emplace_back(reinterpret_cast<const char*>(data + pos), n);
    pos += n;
  }
  return in;
}

inline std::string join(Route route, const std::vector<std::string>& frames, uint8_t flags = 0) {
  std::string out;
  const size_t count = frames.empty() ? 1 : std::min(frames.size(), kMaxFrames);
  out.push_back(static_cast<char>((count - 1) | static_cast<size_t>(route) << 4 | flags));
  for (size_t i = 0; i < count; ++i) {
    const size_t n = i < frames.size() ? std::min<size_t>(frames[i].size(), 0xffff) : 0;
    out.push_back(static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>(n >> 8));
  }
  for (size_t i = 0; i < count && i < frames.size(); ++i)
    out.append(frames[i], 0, std::min<size_t>(frames[i].size(), 0xffff));
  return out;
}

}  // namespace herd::fuzz
