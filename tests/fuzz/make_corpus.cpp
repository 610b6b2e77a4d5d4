// Writes herd_fuzz_messages' seed corpus: valid messages of every type the
// controller and the engine read (HELLO, TASK single and chunked, RESULT,
// STATUS, HEARTBEAT, ABORT, STARTED, BYE, ENGINE_DIED, ...), aimed at the tasks
// the fuzz target registers, plus truncated copies of them.
//   herd_fuzz_corpus DIR      (tests/fuzz/corpus is its committed output)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz/fuzz_input.hpp"
#include "herd/codec.hpp"
#include "proto/wire.hpp"

namespace {

using herd::fuzz::Route;
using herd::wire::Header;

std::filesystem::path g_dir;
int g_written = 0;

std::string header_bytes(const Header& h) { return h.SerializeAsString(); }

template <class T>
std::string arg(const T& value) {
  return herd::encode_frame<T>(value).to_string();
}

// One chunk column: each item as a u64 length and its encoding.
template <class T>
std::string column(const std::vector<T>& values) {
  herd::Writer w;
  for (const auto& v : values) {
    const std::string item = arg(v);
    w.put_size(item.size());
    w.put(item.data(), item.size());
  }
  return std::move(w).finish().to_string();
}

// Most seeds ask for a registered fuzz engine, so that tasks get dispatched to it.
void write(const std::string& name, Route route, const std::vector<std::string>& frames,
           uint8_t flags = herd::fuzz::kRegister) {
  const std::string bytes = herd::fuzz::join(route, frames, flags);
  if (bytes.size() >= 1024) {
    std::fprintf(stderr, "corpus file %s is %zu bytes; keep seeds under 1 KB\n", name.c_str(), bytes.size());
    std::exit(1);
  }
  std::ofstream(g_dir / name, std::ios::binary) << bytes;
  ++g_written;
}

// A message, and copies cut short: the header frame halved, the last
// payload frame halved, and the raw input cut in the middle.
void write_with_truncations(const std::string& name, Route route, std::vector<std::string> frames,
                            uint8_t flags = herd::fuzz::kRegister) {
  write(name, route, frames, flags);
  if (frames[0].size() > 1) {
    auto cut = frames;
    cut[0].resize(cut[0].size() / 2);
    write("trunc_header_" + name, route, cut, flags);
  }
  if (frames.size() > 1 && frames.back().size() > 1) {
    auto cut = frames;
    cut.back().resize(cut.back().size() / 2);
    write("trunc_arg_" + name, route, cut, flags);
  }
  std::string raw = herd::fuzz::join(route, frames, flags);
  raw.resize(raw.size() / 2);
  std::ofstream(g_dir / ("trunc_raw_" + name), std::ios::binary) << raw;
  ++g_written;
}

Header hello(herd::wire::Role role, uint32_t version) {
  Header h;
  h.set_type(herd::wire::HELLO);
  auto* hello = h.mutable_hello();
  hello->set_version(version);
  hello->set_role(role);
  hello->set_host("fuzz-host");
  hello->set_pid(4242);
  hello->set_cores(2);
  if (role == herd::wire::CLIENT) {
    // The id the corpus's tasks carry, and the token the fuzz client uses.
    hello->set_client(0x5eedc0ffee000001ULL);
    hello->set_token("fuzz-token-6840335614487822337");
  }
  if (role == herd::wire::ENGINE) {
    const std::pair<const char*, const char*> offers[] = {
        {"add", "int(int, int)"},
        {"echo", "string(string)"},
        {"sum", "double(vector<double>)"},
        {"count_keys", "uint64(map<string, int>)"},
        {"picky", "int(int)"},
        {"complain", "int(string)"}};
    for (const auto& [name, signature] : offers) {
      auto* t = hello->add_tasks();
      t->set_name(name);
      t->set_signature(signature);
    }
  }
  return h;
}

Header task(uint64_t seq, const std::string& name, const std::string& signature, uint32_t items = 0) {
  Header h;
  h.set_type(herd::wire::TASK);
  h.set_client(0x5eedc0ffee000001ULL);
  h.set_seq(seq);
  h.set_task(name);
  h.set_signature(signature);
  h.set_attempt(1);
  h.set_items(items);
  return h;
}

Header of_type(herd::wire::Type type, uint64_t seq = 0) {
  Header h;
  h.set_type(type);
  h.set_client(0x5eedc0ffee000001ULL);
  h.set_seq(seq);
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  g_dir = argv[1];
  std::filesystem::create_directories(g_dir);
  using herd::wire::CLIENT;
  using herd::wire::ENGINE;

  // Registration, both sides, and a wrong protocol version.
  const uint32_t version = herd::wire::kProtocolVersion;
  write("hello_client", Route::kClient, {header_bytes(hello(CLIENT, version))}, 0);
  write("hello_engine", Route::kEngine, {header_bytes(hello(ENGINE, version))}, 0);
  {
    // Client identity: the corpus's client id with another token (refused),
    // and a task under an id this client never said HELLO as.
    Header other = hello(CLIENT, version);
    other.mutable_hello()->set_token("another-token");
    write("hello_client_other_token", Route::kClient, {header_bytes(other)}, 0);
    Header foreign = task(9, "add", "int(int, int)");
    foreign.set_client(0xf0f0f0f0f0f0f0f0ULL);
    write("task_foreign_client", Route::kClient, {header_bytes(foreign), arg(2), arg(3)});
  }
  write("hello_engine_v99", Route::kEngine, {header_bytes(hello(ENGINE, 99))}, 0);
  write("hello_client_v0", Route::kClient, {header_bytes(hello(CLIENT, 0))}, 0);

  // Single calls of every fuzz task: the executor runs them, the controller queues them.
  write_with_truncations("task_add", Route::kClient, {header_bytes(task(1, "add", "int(int, int)")), arg(2), arg(3)});
  write_with_truncations("task_echo", Route::kClient,
                         {header_bytes(task(2, "echo", "string(string)")), arg(std::string("hello herd"))});
  write_with_truncations("task_sum", Route::kClient,
                         {header_bytes(task(3, "sum", "double(vector<double>)")),
                          arg(std::vector<double>{1.5, 2.5, -4.0})});
  write_with_truncations("task_count_keys", Route::kClient,
                         {header_bytes(task(4, "count_keys", "uint64(map<string, int>)")),
                          arg(std::map<std::string, int>{{"a", 1}, {"bb", 2}})});
  write("task_picky_int", Route::kClient, {header_bytes(task(5, "picky", "int(int)")), arg(42)});
  write("task_picky_std", Route::kClient, {header_bytes(task(6, "picky", "int(int)")), arg(7)});
  write("task_complain_not_utf8", Route::kClient,
        {header_bytes(task(17, "complain", "int(string)")), arg(std::string("bad \xff\xfe"))});
  write("task_unknown", Route::kClient, {header_bytes(task(7, "no_such_task", "int(int)")), arg(1)});
  write("task_mismatch", Route::kClient, {header_bytes(task(8, "add", "int(int)")), arg(1)});
  write("task_missing_arg", Route::kClient, {header_bytes(task(9, "add", "int(int, int)")), arg(1)});
  write("task_extra_bytes", Route::kClient,
        {header_bytes(task(10, "add", "int(int, int)")), arg(1), arg(2) + "xx"});
  {
    Header h = task(11, "add", "int(int, int)");
    h.set_retries(3);
    h.set_timeout_ms(1000);
    write("task_retries_timeout", Route::kBoth, {header_bytes(h), arg(4), arg(5)});
  }
  // Chunks of a map: one packed column per parameter.
  write_with_truncations("chunk_add", Route::kClient,
                         {header_bytes(task(12, "add", "int(int, int)", 3)),
                          column(std::vector<int>{1, 2, 3}), column(std::vector<int>{10, 20, 30})});
  write_with_truncations("chunk_echo", Route::kClient,
                         {header_bytes(task(13, "echo", "string(string)", 2)),
                          column(std::vector<std::string>{"x", "yz"})});
  write("chunk_picky", Route::kClient,
        {header_bytes(task(14, "picky", "int(int)", 3)), column(std::vector<int>{1, 42, 7})});
  write("chunk_short_column", Route::kClient,
        {header_bytes(task(15, "add", "int(int, int)", 3)), column(std::vector<int>{1, 2, 3}),
         column(std::vector<int>{10})});

  // A chunk with no argument columns: nothing bounds its items (the engine
  // once looped 2^32 times on this).
  write("chunk_no_columns", Route::kClient, {header_bytes(task(16, "add", "int(int, int)", 0xffffffffu))});

  // Results, as an engine sends them, about the last task the fuzz engine got.
  constexpr uint8_t kAim = herd::fuzz::kRegister | herd::fuzz::kAimAtTask;
  {
    Header h = of_type(herd::wire::RESULT, 1);
    h.set_status(herd::wire::OK);
    h.set_engine_id(1);
    h.set_host("fuzz-host");
    h.set_attempt(1);
    write_with_truncations("result_ok", Route::kEngine, {header_bytes(h), arg(5)}, kAim);
    Header e = of_type(herd::wire::RESULT, 5);
    e.set_status(herd::wire::REMOTE_ERROR);
    e.mutable_error()->set_type("int");
    e.mutable_error()->set_message("the task threw an exception that is not a std::exception");
    write("result_error", Route::kEngine, {header_bytes(e)}, kAim);
    Header c = of_type(herd::wire::RESULT, 14);
    c.set_status(herd::wire::OK);
    c.set_items(3);
    auto* f = c.add_failures();
    f->set_index(1);
    f->set_status(herd::wire::REMOTE_ERROR);
    write("result_chunk", Route::kEngine, {header_bytes(c), column(std::vector<int>{1, 0, 7})}, kAim);
  }
  // Everything else a peer may say.
  write("started", Route::kEngine, [] {
    Header h = of_type(herd::wire::STARTED);
    for (const uint64_t seq : {uint64_t{1}, uint64_t{2}, uint64_t{3}}) {
      auto* t = h.add_tasks();
      t->set_client(0x5eedc0ffee000001ULL);
      t->set_seq(seq);
    }
    return std::vector<std::string>{header_bytes(h)};
  }(), kAim);
  write("heartbeat_engine", Route::kEngine, {header_bytes(of_type(herd::wire::HEARTBEAT))});
  {
    Header h = of_type(herd::wire::HEARTBEAT);
    h.set_request(7);
    write("heartbeat_client", Route::kClient, {header_bytes(h)});
    Header s = of_type(herd::wire::STATUS);
    s.set_request(8);
    write("status", Route::kClient, {header_bytes(s)});
  }
  write("bye", Route::kEngine, {header_bytes(of_type(herd::wire::BYE))});
  write("abort", Route::kClient, {header_bytes(of_type(herd::wire::ABORT, 2))});
  write("abort_running", Route::kClient, {header_bytes(of_type(herd::wire::ABORT))}, kAim);
  write("heartbeat_maybe_unregistered", Route::kEngine, {header_bytes(of_type(herd::wire::HEARTBEAT))}, 0);
  {
    Header h = of_type(herd::wire::ENGINE_DIED);
    h.mutable_hello()->set_pid(4242);
    h.mutable_hello()->set_host("fuzz-host");
    h.mutable_error()->set_message("killed by signal 9");
    write("engine_died", Route::kClient, {header_bytes(h)});
  }
  {
    Header h = of_type(herd::wire::STATUS_REPLY);
    auto* r = h.mutable_status_reply();
    r->set_pid(1);
    r->set_client_url("tcp://127.0.0.1:1");
    auto* e = r->add_engines();
    e->set_id(1);
    e->set_state("idle");
    write("status_reply", Route::kBoth, {header_bytes(h)});
  }
  write("cancel", Route::kEngine, {header_bytes(of_type(herd::wire::CANCEL, 3))});
  // The engine set: retiring (by id, by count), an engine leaving with
  // tasks it never began, engines announced.
  {
    Header by_id = of_type(herd::wire::RETIRE);
    by_id.add_engine_ids(1);
    by_id.add_engine_ids(99);
    write("retire_ids", Route::kClient, {header_bytes(by_id)});
    Header by_count = of_type(herd::wire::RETIRE);
    by_count.set_retire_count(1);
    write("retire_count", Route::kBoth, {header_bytes(by_count)}, kAim);
    Header retired = of_type(herd::wire::RETIRED);
    auto* t = retired.add_tasks();
    t->set_client(0x5eedc0ffee000001ULL);
    t->set_seq(1);
    write("retired", Route::kEngine, {header_bytes(retired)}, kAim);
    Header coming = of_type(herd::wire::ENGINES_COMING);
    coming.set_hold_unknown_ms(500);
    write("engines_coming", Route::kClient, {header_bytes(coming)});
  }
  write("recycle", Route::kNone, {header_bytes(of_type(herd::wire::RECYCLE))});
  write("welcome", Route::kEngine, [] {
    Header h = of_type(herd::wire::WELCOME);
    h.mutable_welcome()->set_engine_id(3);
    h.mutable_welcome()->set_heartbeat_ms(100);
    return std::vector<std::string>{header_bytes(h)};
  }());
  // Bare frames for the codecs and unknown types.
  write("codec_optional_tuple", Route::kNone,
        {arg(std::optional<std::tuple<int, std::string>>(std::tuple<int, std::string>{3, "abc"}))});
  write("codec_map", Route::kNone, {arg(std::map<std::string, int>{{"k", -1}})});
  write("unknown_type", Route::kBoth, {std::string("\x08\x63", 2)});
  write("empty_frame", Route::kBoth, {std::string()});
  write("garbage", Route::kBoth, {std::string("\xff\xff\xff\xff", 4), std::string("\x0c", 1)});
  std::printf("%d corpus files in %s\n", g_written, g_dir.c_str());
  return 0;
}
