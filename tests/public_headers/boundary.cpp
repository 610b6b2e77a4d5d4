// Compiled against an installed herd only: libherd's internals must not be
// defined by its public headers, so that their layout is no part of the ABI
// (issue 10, item 8). Each name is declared here first, with the tag its
// internal definition uses: a public header that defines one makes it
// complete, and the assertion fails.
namespace herd::detail {
class CallbackRunner;
class ClientCore;
class CompletionFeed;
class CompletionWatcher;
class BadArguments;
class ResultState;
class TaskContextScope;
class TaskRegistry;
struct Prerequisites;
struct TaskEntry;
}  // namespace herd::detail

#include <herd/herd.hpp>

namespace {
template <class T>
concept Complete = requires {
  sizeof(T);
};
}  // namespace

static_assert(!Complete<herd::detail::CallbackRunner>);
static_assert(!Complete<herd::detail::ClientCore>);
static_assert(!Complete<herd::detail::CompletionFeed>);
static_assert(!Complete<herd::detail::CompletionWatcher>);
static_assert(!Complete<herd::detail::BadArguments>);
static_assert(!Complete<herd::detail::ResultState>);
static_assert(!Complete<herd::detail::TaskContextScope>);
static_assert(!Complete<herd::detail::TaskRegistry>);
static_assert(!Complete<herd::detail::Prerequisites>);
static_assert(!Complete<herd::detail::TaskEntry>);

int main() {}
