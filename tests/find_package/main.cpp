// Without arguments: checks what needs no cluster (signatures, codecs).
// With a client.json path: runs a task of its own library and a built-in one
// on that cluster. Exits 0 on success.
#include <herd/herd.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "tasks.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const herd::Task<int(int)> by_name{"triple"};
  if (by_name.signature() != "int(int)") {
    std::cerr << "unexpected signature " << by_name.signature() << "\n";
    return 1;
  }
  if (herd::decode_frame<int>(herd::encode_frame(21)) != 21) return 1;
  std::cout << "herd " << herd::kVersion << ": " << by_name.name() << " is " << by_name.signature() << "\n";
  if (argc < 2) return 0;

  try {
    herd::Client client{std::filesystem::path(argv[1])};
    client.wait_for_engines(1, 30s);
    auto lb = client.load_balanced_view();
    const int by_address = lb.apply(triple, 14).get(30s);
    const int named = lb.apply(by_name, 5).get(30s);
    const herd::WhoAmI who = lb.apply(herd::builtin::whoami).get(30s);
    std::cout << "triple(14)=" << by_address << " triple(5)=" << named << " engine pid=" << who.pid
              << " host=" << who.host << "\n";
    return by_address == 42 && named == 15 && who.pid > 0 ? 0 : 1;
  } catch (const herd::Error& e) {
    std::cerr << "herd error: " << e.what() << "\n";
    return 1;
  }
}
