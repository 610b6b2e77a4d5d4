#include "support/output_tasks.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "herd/task.hpp"

namespace output_tasks {

int print_apart(std::string out, std::string err) {
  std::printf("%s\n", out.c_str());
  std::cerr << err << "\n";
  return 0;
}

int print_endl(std::string text) {
  std::cout << text << std::endl;
  return 0;
}

// The texts come from the tests themselves: plain words, no quoting needed.
int print_from_child(std::string out, std::string err) {
  const std::string command = "echo " + out + "; echo " + err + " >&2";
  return std::system(command.c_str());
}

int print_item(int i, double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  std::printf("item %d out\n", i);
  std::fprintf(stderr, "item %d err\n", i);
  return i;
}

int print_bytes(int64_t bytes) {
  for (int64_t i = 0; i < bytes; ++i) std::putchar('x');
  return 0;
}

int print_then_throw(std::string text) {
  std::printf("%s\n", text.c_str());
  throw std::runtime_error("printed, then threw");
}

HERD_TASK(print_apart);
HERD_TASK(print_endl);
HERD_TASK(print_from_child);
HERD_TASK(print_item);
HERD_TASK(print_bytes);
HERD_TASK(print_then_throw);

}  // namespace output_tasks
