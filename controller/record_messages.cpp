#include "controller/record_messages.hpp"

namespace herd::controller {

std::string_view return_type(std::string_view signature) {
  return signature.substr(0, signature.find('('));
}

namespace {
wire::Header fetch_failure(const TaskKey& key, uint64_t request, wire::Status status) {
  wire::Header h;
  h.set_type(wire::RESULT);
  h.set_client(key.client);
  h.set_seq(key.seq);
  h.set_request(request);
  h.set_status(status);
  return h;
}
}  // namespace

wire::Header unknown_result(const TaskKey& key, uint64_t request) {
  wire::Header h = fetch_failure(key, request, wire::UNKNOWN_RESULT);
  h.mutable_error()->set_message("no result of task " + wire::task_id(key.client, key.seq) +
                                 " is kept: it was never submitted, or it was purged (herd "
                                 "controller --max-results keeps the newest delivered results)");
  return h;
}

wire::Header type_mismatch(const TaskKey& key, uint64_t request, const std::string& task,
                           const std::string& signature, const std::string& asked) {
  wire::Header h = fetch_failure(key, request, wire::SIGNATURE_MISMATCH);
  h.set_task(task);
  h.mutable_error()->set_expected(signature);
  h.mutable_error()->set_actual(asked + "(...)");
  return h;
}

wire::Frames fetched_result(const Record& record, uint64_t request) {
  wire::Frames frames = record.result.unpack();
  wire::Header h;
  if (frames.empty() || !wire::unpack(frames[0], h)) return {};
  h.set_request(request);
  // A chunk's place in its map; its size too, which a failure the
  // controller made (its engine lost) does not carry.
  h.set_first_item(record.first_item);
  if (record.items) h.set_items(record.items);
  frames[0] = wire::pack(h);
  return frames;
}

void describe(const TaskKey& key, const Record& record, const Interner& names,
              const Interner& signatures, wire::TaskRecordInfo& info) {
  info.set_client(key.client);
  info.set_seq(key.seq);
  info.set_task(names.str(record.name));
  info.set_signature(signatures.str(record.signature));
  info.set_state(state_name(record.state));
  info.set_engine_id(record.engine_id);
  info.set_attempt(record.attempt);
  info.set_runs(record.runs);
  info.set_submitted(record.submitted);
  info.set_started(record.started);
  info.set_finished(record.finished);
  info.set_result_bytes(record.result_bytes);
  info.set_items(record.items);
  info.set_map(record.map);
  if (record.state != RecordState::kFailed && record.state != RecordState::kAborted) return;
  wire::Frames result = record.result.unpack();
  wire::Header h;
  if (!result.empty() && wire::unpack(result[0], h)) info.set_error(h.error().message());
}

}  // namespace herd::controller
