// The messages that answer questions about task records (FETCH, RECORDS):
// built here so that the event loop only moves them.
#pragma once

#include <string>
#include <string_view>

#include "controller/interner.hpp"
#include "controller/task_records.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

// "R" of a signature "R(A, B)".
std::string_view return_type(std::string_view signature);

// The RESULT a FETCH of `key` gets when there is no record of it, or when
// it asked for another type than the task returns (SIGNATURE_MISMATCH).
wire::Header unknown_result(const TaskKey& key, uint64_t request);
wire::Header type_mismatch(const TaskKey& key, uint64_t request, const std::string& task,
                           const std::string& signature, const std::string& asked);

// A finished record's RESULT, without routing frame, tagged with the
// FETCH's `request` (and, for a chunk, its first item in its map).
wire::Frames fetched_result(const Record& record, uint64_t request);

void describe(const TaskKey& key, const Record& record, const Interner& names,
              const Interner& signatures, wire::TaskRecordInfo& info);

}  // namespace herd::controller
