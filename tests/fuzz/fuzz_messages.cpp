// herd_fuzz_messages: arbitrary bytes, split into frames (fuzz_input.hpp),
// go through every place where herd decodes what a peer sent:
//   (a) wire::unpack of each frame, and a pack/unpack round trip;
//   (b) the engine's Executor::run on the frames as a task message, with the
//       small tasks registered below;
//   (c) the codecs' decode_frame for several argument types (int, bool, string,
//       vector<double>, map<string, int>, optional<tuple<int, string>>), with round trips;
//   (d) a real Controller (made once, in a temporary HERD_DIR): the frames
//       arrive on its client and/or engine socket from DEALERs, and a
//       run_once turn handles them.
// The controller keeps its state from one input to the next, as a long-lived
// controller would; a crash found there may need the inputs before it (libFuzzer
// keeps them with -runs / the corpus). Logging is off unless HERD_FUZZ_LOG=1.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <google/protobuf/stubs/logging.h>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <spdlog/spdlog.h>
#include <string>
#include <tuple>
#include <vector>

#include "client/src/task_registry.hpp"
#include "controller/controller.hpp"
#include "engine/executor.hpp"
#include "herd/codec.hpp"
#include "herd/error.hpp"
#include "proto/wire.hpp"
#include "fuzz/fuzz_input.hpp"

// ---- tasks the executor may run ---------------------------------------------

namespace fuzz_tasks {
// Wrapping arithmetic: the fuzzer will try INT_MAX + 1, which is the test's
// business, not herd's.
int add(int a, int b) {
  return static_cast<int>(static_cast<unsigned>(a) + static_cast<unsigned>(b));
}
std::string echo(std::string s) { return s; }
double sum(std::vector<double> xs) { return std::accumulate(xs.begin(), xs.end(), 0.0); }
size_t count_keys(std::map<std::string, int> m) { return m.size(); }
// Throws something that is not a std::exception for one argument.
int picky(int x) {
  if (x == 42) throw 42;
  if (x == 7) throw std::runtime_error("seven");
  return x;
}
// Throws what it is given, as a task that reports a bad input might: the
// message need not be text.
int complain(std::string why) { throw std::invalid_argument(why); }
}  // namespace fuzz_tasks

HERD_TASK_NAMED("add", fuzz_tasks::add);
HERD_TASK_NAMED("echo", fuzz_tasks::echo);
HERD_TASK_NAMED("sum", fuzz_tasks::sum);
HERD_TASK_NAMED("count_keys", fuzz_tasks::count_keys);
HERD_TASK_NAMED("picky", fuzz_tasks::picky);
HERD_TASK_NAMED("complain", fuzz_tasks::complain);

namespace {

using herd::Bytes;
using herd::wire::Frames;
using herd::wire::Header;

[[noreturn]] void fail(const char* what) {
  fprintf(stderr, "herd_fuzz_messages: %s\n", what);
  __builtin_trap();
}

Frames to_frames(const std::vector<std::string>& frames) {
  Frames out;
  out.reserve(frames.size());
  for (const auto& f : frames) out.emplace_back(f.data(), f.size());
  return out;
}

Bytes to_bytes(const std::string& s) { return Bytes::copy_of(s.data(), s.size()); }

// ---- (a) the Header ----------------------------------------------------------

void fuzz_unpack(const std::vector<std::string>& frames) {
  for (const auto& f : frames) {
    Header h;
    if (!herd::wire::unpack(zmq::message_t(f.data(), f.size()), h)) continue;
    // Whatever parsed must survive a trip through pack.
    const zmq::message_t again = herd::wire::pack(h);
    Header back;
    if (!herd::wire::unpack(again, back)) fail("a parsed header does not unpack after pack");
    if (back.ByteSizeLong() != h.ByteSizeLong()) fail("pack/unpack changed a header's size");
    (void)herd::wire::reply_to(h, herd::wire::RESULT);
    (void)herd::wire::task_id(h.client(), h.seq());
  }
}

// ---- (b) the engine's executor ------------------------------------------------

struct EngineSide {
  zmq::context_t context{1};
  zmq::socket_t control{context, zmq::socket_type::pair};
  std::unique_ptr<herd::engine::Executor> executor;
  EngineSide() {
    control.set(zmq::sockopt::linger, 0);
    control.bind("inproc://fuzz-executor");
    executor = std::make_unique<herd::engine::Executor>(context, "inproc://fuzz-executor", "fuzz-host");
    executor->set_engine_id(1);
  }
};

void fuzz_executor(EngineSide& engine, const std::vector<std::string>& frames) {
  Header h;
  if (!frames.empty() && herd::wire::unpack(zmq::message_t(frames[0].data(), frames[0].size()), h) &&
      h.task().rfind("herd::", 0) == 0)
    return;  // the built-in tasks run shell commands and sleep: not with fuzzed arguments
  Frames task = to_frames(frames);
  Frames result = engine.executor->run(task);
  if (result.empty()) return;  // a malformed header is dropped
  Header out;
  if (!herd::wire::unpack(result[0], out)) fail("the executor's result header does not unpack");
  if (out.type() != herd::wire::RESULT) fail("the executor answered with something else than RESULT");
  if (out.client() != h.client() || out.seq() != h.seq()) fail("a result names another task");
  if (out.status() != herd::wire::OK && result.size() != 1) fail("a failed result carries a payload");
}

// ---- (c) the codecs ----------------------------------------------------------

template <class T>
void round_trip(const Bytes& frame, bool exact) {
  T value;
  try {
    value = herd::decode_frame<T>(frame);
  } catch (const herd::DecodeError&) {
    return;
  }
  const Bytes encoded = herd::encode_frame<T>(value);
  if (exact) {
    // No choice in the encoding: what decodes re-encodes to the same bytes.
    if (!(encoded == frame)) fail("a decoded value re-encodes differently");
    return;
  }
  // Maps may drop repeated keys: only a second trip must be stable.
  T again;
  try {
    again = herd::decode_frame<T>(encoded);
  } catch (const herd::DecodeError&) {
    fail("an encoded value does not decode");
  }
  if (!(again == value)) fail("encode/decode changed a value");
}

void fuzz_codecs(const std::vector<std::string>& frames) {
  for (const auto& f : frames) {
    const Bytes frame = to_bytes(f);
    round_trip<int>(frame, true);
    round_trip<bool>(frame, true);
    round_trip<std::string>(frame, true);
    round_trip<std::vector<double>>(frame, true);  // bytes, not ==: NaN != NaN
    round_trip<std::map<std::string, int>>(frame, false);
    round_trip<std::optional<std::tuple<int, std::string>>>(frame, false);
  }
}

// ---- (d) the controller ------------------------------------------------------

// What the fuzz engine says when it registers: the tasks above.
Header engine_hello() {
  Header h;
  h.set_type(herd::wire::HELLO);
  auto* hello = h.mutable_hello();
  hello->set_version(herd::wire::kProtocolVersion);
  hello->set_role(herd::wire::ENGINE);
  hello->set_host("fuzz-host");
  hello->set_pid(4242);
  hello->set_cores(1);
  for (const auto& entry : herd::detail::TaskRegistry::instance().entries()) {
    auto* t = hello->add_tasks();
    t->set_name(entry.name);
    t->set_signature(entry.signature);
  }
  return h;
}

struct ControllerSide {
  std::filesystem::path dir;
  std::unique_ptr<herd::controller::Controller> controller;
  zmq::context_t context{1};
  zmq::socket_t client{context, zmq::socket_type::dealer};
  zmq::socket_t engine{context, zmq::socket_type::dealer};
  zmq::socket_t probe{context, zmq::socket_type::dealer};  // knows when a turn is done
  uint64_t request = 0;
  // The fuzz engine, as the controller sees it.
  bool registered = false;
  bool have_task = false;
  uint64_t task_client = 0, task_seq = 0;  // the last TASK it was sent

  ControllerSide() {
    char tmpl[] = "/tmp/herd-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl)) fail("mkdtemp");
    dir = tmpl;
    ::setenv("HERD_DIR", tmpl, 1);
    herd::controller::ControllerOptions options;
    options.profile = "fuzz";
    // Short, so that lost engines, timeouts and cancellations happen while fuzzing.
    options.heartbeat_interval = std::chrono::milliseconds(200);
    options.cancel_grace = std::chrono::milliseconds(200);
    // No CurveZMQ: the fuzzed bytes are for the message decoding, which
    // runs after the handshake; keys would only slow every input down.
    options.insecure = true;
    controller = std::make_unique<herd::controller::Controller>(options);
    for (auto* s : {&client, &probe}) {
      s->set(zmq::sockopt::linger, 0);
      s->connect(controller->client_url());
    }
    engine.set(zmq::sockopt::linger, 0);
    engine.connect(controller->engine_url());
    // A client must say HELLO before a TASK counts; the fuzz client takes
    // the id the corpus's tasks carry.
    say_hello(client, kCorpusClient);
    say_hello(probe, kCorpusClient + 1);
  }
  ~ControllerSide() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  static constexpr uint64_t kCorpusClient = 0x5eedc0ffee000001ULL;

  // HELLO as client `id`, then controller turns until the WELCOME (bounded).
  void say_hello(zmq::socket_t& s, uint64_t id) {
    Header h;
    h.set_type(herd::wire::HELLO);
    h.mutable_hello()->set_version(herd::wire::kProtocolVersion);
    h.mutable_hello()->set_role(herd::wire::CLIENT);
    h.mutable_hello()->set_client(id);
    h.mutable_hello()->set_token("fuzz-token-" + std::to_string(id));
    Frames f;
    f.push_back(herd::wire::pack(h));
    if (!herd::wire::send(s, f)) fail("a DEALER would block");
    for (int turn = 0; turn < 500; ++turn) {
      controller->run_once(std::chrono::milliseconds(2));
      Frames reply;
      while (herd::wire::receive(s, reply)) {
        Header r;
        if (herd::wire::unpack(reply[0], r) && r.type() == herd::wire::WELCOME) return;
      }
    }
    fail("the controller did not welcome the fuzz client");
  }

  static void drain(zmq::socket_t& s) {
    Frames frames;
    while (herd::wire::receive(s, frames)) {
      Header h;
      (void)herd::wire::unpack(frames[0], h);
    }
  }

  // What the controller sent the fuzz engine: its registration and tasks.
  void drain_engine() {
    Frames frames;
    while (herd::wire::receive(engine, frames)) {
      Header h;
      if (!herd::wire::unpack(frames[0], h)) fail("the controller sent an engine a malformed header");
      switch (h.type()) {
        case herd::wire::WELCOME: registered = true; break;
        case herd::wire::REFUSED: registered = false; break;
        case herd::wire::RECYCLE: registered = false; break;  // a real engine would exit
        case herd::wire::TASK:
          have_task = true;
          task_client = h.client();
          task_seq = h.seq();
          break;
        default: break;
      }
    }
  }

  void send(zmq::socket_t& s, const std::vector<std::string>& frames) {
    Frames f = to_frames(frames);
    if (!herd::wire::send(s, f)) fail("a DEALER would block");
  }

  // Runs controller turns until the probe's heartbeat, sent after the
  // fuzzed message, has come back (or a bound of turns is reached).
  void settle() {
    Header beat;
    beat.set_type(herd::wire::HEARTBEAT);
    beat.set_request(++request);
    Frames f;
    f.push_back(herd::wire::pack(beat));
    (void)herd::wire::send(probe, f);
    bool done = false;
    for (int turn = 0; turn < 50 && !done; ++turn) {
      controller->run_once(std::chrono::milliseconds(2));
      Frames reply;
      while (herd::wire::receive(probe, reply)) {
        Header h;
        if (herd::wire::unpack(reply[0], h) && h.type() == herd::wire::HEARTBEAT && h.request() == request)
          done = true;
      }
    }
    drain(client);
    drain_engine();
  }

  // Frame 0 as an answer about the engine's last task (bit 6 of the input).
  void aim_at_task(std::vector<std::string>& frames) const {
    Header h;
    if (!have_task || !h.ParseFromString(frames[0])) return;
    h.set_client(task_client);
    h.set_seq(task_seq);
    if (h.type() == herd::wire::STARTED) {
      auto* ref = h.add_tasks();
      ref->set_client(task_client);
      ref->set_seq(task_seq);
    }
    frames[0] = h.SerializeAsString();
  }

  void run(const herd::fuzz::Input& in) {
    using herd::fuzz::Route;
    if (in.route == Route::kNone) return;
    std::vector<std::string> frames = in.frames;
    if (in.flags & herd::fuzz::kRegister && !registered) {
      send(engine, {engine_hello().SerializeAsString()});
      settle();
    }
    if (in.flags & herd::fuzz::kAimAtTask) aim_at_task(frames);
    switch (in.route) {
      case Route::kClient: send(client, frames); break;
      case Route::kEngine: send(engine, frames); break;
      case Route::kBoth:
        send(client, frames);
        send(engine, frames);
        break;
      case Route::kNone: return;
    }
    settle();
  }
};

EngineSide* g_engine = nullptr;
ControllerSide* g_controller = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* log = std::getenv("HERD_FUZZ_LOG");
  const bool verbose = log && *log == '1';
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::off);
  // Protobuf logs every string field that is not UTF-8 as an error.
  if (!verbose) google::protobuf::SetLogHandler(nullptr);
  // Leaked on purpose: they live as long as the process, and their threads
  // must not be torn down while libFuzzer's atexit handlers run.
  g_engine = new EngineSide();
  g_controller = new ControllerSide();
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(g_controller->dir, ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const herd::fuzz::Input in = herd::fuzz::split(data, size);
  if (in.frames.empty()) return 0;
  fuzz_unpack(in.frames);
  fuzz_codecs(in.frames);
  fuzz_executor(*g_engine, in.frames);
  g_controller->run(in);
  return 0;
}
