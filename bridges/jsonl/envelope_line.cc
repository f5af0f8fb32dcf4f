#include "bridges/jsonl/envelope_line.h"

#include <google/protobuf/util/json_util.h>

#include <string>

namespace ccmon::jsonl {
namespace {

std::string_view TrimSpace(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// A contact event (every event whose message has contact_id) needs its contact id and queue; an
// agent event its agent id. Others (heartbeats) need nothing more.
bool HasRequiredFields(const v1::Envelope& env) {
  if (env.has_agent_state_changed()) return !env.agent_state_changed().agent_id().empty();
  const auto* reflection = env.GetReflection();
  const auto* field = reflection->GetOneofFieldDescriptor(
      env, v1::Envelope::descriptor()->FindOneofByName("event"));
  if (field == nullptr) return false;
  const google::protobuf::Message& event = reflection->GetMessage(env, field);
  const auto* descriptor = event.GetDescriptor();
  const auto* contact_id = descriptor->FindFieldByName("contact_id");
  const auto* queue = descriptor->FindFieldByName("queue");
  if (contact_id == nullptr || queue == nullptr) return true;
  const auto* event_reflection = event.GetReflection();
  return !event_reflection->GetString(event, contact_id).empty() &&
         !event_reflection->GetString(event, queue).empty();
}

}  // namespace

std::string_view ParseEnvelopeLine(std::string_view line, const EnvelopeLineOptions& options,
                                   v1::Envelope* env, std::string* error) {
  env->Clear();
  line = TrimSpace(line);
  if (line.empty()) return kOutcomeBlankLine;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = options.ignore_unknown_fields;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), env, parse_options);
  if (!status.ok()) {
    if (error != nullptr) *error = std::string(status.message());
    env->Clear();
    return kOutcomeMalformedJson;
  }
  if (env->event_case() == v1::Envelope::EVENT_NOT_SET) return kOutcomeNoEvent;
  if (env->time_unix_ms() <= 0) return kOutcomeMissingTime;
  if (!HasRequiredFields(*env)) return kOutcomeMissingField;
  return kOutcomePublished;
}

}  // namespace ccmon::jsonl
