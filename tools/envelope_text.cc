#include "tools/envelope_text.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <ctime>
#include <vector>

namespace ccmon::tools {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const google::protobuf::OneofDescriptor* EventOneof() {
  static const auto* oneof = v1::Envelope::descriptor()->FindOneofByName("event");
  return oneof;
}

std::string ScalarText(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return fmt::format("{}", rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return fmt::format("{}", rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int value = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      const auto* v = f->enum_type()->FindValueByNumber(value);
      return v != nullptr ? v->name() : std::to_string(value);
    }
    case FieldDescriptor::CPPTYPE_STRING:
      return QuoteIfNeeded(rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "{" +
             (rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f)).ShortDebugString() +
             "}";
  }
  return "?";
}

}  // namespace

std::string FormatIsoUtcMs(std::int64_t unix_ms) {
  std::int64_t seconds = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string_view EventTypeName(const v1::Envelope& env) {
  const FieldDescriptor* f = env.GetReflection()->GetOneofFieldDescriptor(env, EventOneof());
  if (f == nullptr || f->message_type() == nullptr) return "none";
  return f->message_type()->name();
}

std::string QuoteIfNeeded(std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    plain = plain && c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
  }
  if (plain) return std::string(s);
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < ' ' || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);  // UTF-8 bytes pass through.
        }
    }
  }
  return out + "\"";
}

std::string FormatEnvelopeText(std::string_view topic, const v1::Envelope& env) {
  std::string out = fmt::format("{} {} {}/{} {} {}", FormatIsoUtcMs(env.time_unix_ms()),
                                QuoteIfNeeded(env.source()), env.source_epoch(), env.seq(),
                                QuoteIfNeeded(topic), EventTypeName(env));
  const FieldDescriptor* ef = env.GetReflection()->GetOneofFieldDescriptor(env, EventOneof());
  if (ef == nullptr || ef->message_type() == nullptr) return out;
  const Message& event = env.GetReflection()->GetMessage(env, ef);
  std::vector<const FieldDescriptor*> fields;
  event.GetReflection()->ListFields(event, &fields);  // Set fields, in field-number order.
  for (const FieldDescriptor* f : fields) {
    out += ' ';
    out += f->name();
    out += '=';
    if (f->is_repeated()) {
      out += '[';
      const int n = event.GetReflection()->FieldSize(event, f);
      for (int i = 0; i < n; ++i) {
        if (i > 0) out += ',';
        out += ScalarText(event, f, i);
      }
      out += ']';
    } else {
      out += ScalarText(event, f, 0);
    }
  }
  return out;
}

std::string FormatEnvelopeJson(const v1::Envelope& env) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = false;
  std::string out;
  // Serialising a parsed message cannot fail (no Any fields, no invalid UTF-8: the parser
  // rejected those); an error would leave `out` empty, shown as an empty object.
  if (!google::protobuf::util::MessageToJsonString(env, &out, options).ok()) out = "{}";
  return out;
}

BusDecoder::BusDecoder(ingest::DecodeLimits limits) : decoder_(limits) {}

bool BusDecoder::Decode(std::size_t frame_count, std::string_view topic, std::string_view payload,
                        state::RejectReason* reason, bool keep_envelope) {
  envelope_.Clear();
  if (frame_count != 2) {
    *reason = state::RejectReason::kMalformedFrame;
    return false;
  }
  if (!decoder_.Decode(topic, payload, &decoded_, reason)) return false;
  // The decoder accepted it, so it parses: keep the message itself for display.
  if (keep_envelope) envelope_.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
  return true;
}

}  // namespace ccmon::tools
