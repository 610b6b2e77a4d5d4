// A task's prerequisites (TaskOptions::after and ::follow, and AsyncResults
// passed as arguments), and what the client's I/O thread makes of them just
// before it sends the task. A prerequisite whose result this client already
// holds is settled here; one sent and not answered yet is named in the TASK
// header, for the controller to settle; any other (not sent yet, an item of
// a map, another client's) holds the task in the client until it is one of
// the first two. The controller can therefore count on the rule it keeps
// outcomes by (controller/dependency_table.hpp).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "herd/view.hpp"
#include "proto/wire.hpp"
#include "result_state.hpp"

namespace herd::detail {

struct Prerequisite {
  std::shared_ptr<ResultState> state;
  size_t item = 0;   // ResultState::kAllItems: every item
  uint32_t arg = 0;  // data: the parameter position plus one; 0: only waited for
  bool follow = false;
};

struct Prerequisites {
  std::vector<Prerequisite> list;
  bool failure_ok = false;
};

// The prerequisites of a submission. Throws Error at the call for a
// default-constructed AsyncResult, which names no task.
Prerequisites gather(const TaskOptions& options,
                     const std::vector<std::pair<size_t, ResultRef>>& data = {});

struct Resolution {
  enum class Kind { kSend, kHold, kFail };
  Kind kind = Kind::kSend;
  std::exception_ptr error;                      // kFail: a DependencyError
  std::vector<wire::Dependency> named;           // for the controller to settle
  std::vector<std::pair<size_t, Bytes>> values;  // data this client holds: position, value
  std::vector<uint32_t> engines;                 // follow: engines already known
};

// `in_flight(state, seq)`: this client sent single task `seq` of `state`
// and has no answer yet. I/O thread only.
using InFlightCheck = std::function<bool(const ResultState&, uint64_t)>;
Resolution resolve(const Prerequisites& prerequisites, uint64_t client_key,
                   const InFlightCheck& in_flight);

// Writes a kSend resolution into a TASK header. False if it follows engines
// none of which the header lets it run on.
bool write_dependencies(const Resolution& resolution, bool failure_ok, wire::Header& header);

}  // namespace herd::detail
