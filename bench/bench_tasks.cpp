// Tasks the benchmarks run: they do nothing, so what is measured is herd.
#include <herd/herd.hpp>

int noop(int x) { return x; }
HERD_TASK(noop);
