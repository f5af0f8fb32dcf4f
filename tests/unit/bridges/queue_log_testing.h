// Test helpers for the asterisk-queue-log bridge: a fixed caller key, a mapper over a
// CapturingSink, and one-line descriptions of published envelopes, so tests compare readable
// event streams. Test-only; single-threaded.
//
// Test suites of this bridge are named queue_log… (queue_logMapper, queue_logTail, …) so that
// `ctest -R queue_log` selects them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/asterisk_queue_log/queue_log_mapper.h"
#include "bridges/asterisk_queue_log/queue_log_record.h"
#include "bridges/core/input_counts.h"
#include "ccmon/v1/events.pb.h"
#include "common/caller_key.h"
#include "common/publisher.h"

namespace ccmon::asterisk_queue_log::testing {

inline const CallerKeyHasher& TestHasher() {
  static const CallerKeyHasher hasher = CallerKeyHasher::FromKeyHex(std::string(64, 'a')).value();
  return hasher;
}

// "Queued c1 q pos=1 caller=<hash> from=" etc.: one line per envelope, without numbering.
inline std::string Describe(const v1::Envelope& e) {
  const std::string t = std::to_string(e.time_unix_ms()) + " ";
  switch (e.event_case()) {
    case v1::Envelope::kContactQueued: {
      const auto& m = e.contact_queued();
      return t + "Queued " + m.contact_id() + " " + m.queue() +
             " pos=" + std::to_string(m.position()) +
             " caller=" + (m.caller_key().empty() ? "anon" : m.caller_key().substr(0, 8)) +
             (m.transferred_from_queue().empty() ? "" : " from=" + m.transferred_from_queue());
    }
    case v1::Envelope::kContactRingTimeout: {
      const auto& m = e.contact_ring_timeout();
      return t + "RingTimeout " + m.contact_id() + " " + m.queue() + " " + m.agent_id() + " " +
             std::to_string(m.ring_ms()) + "ms";
    }
    case v1::Envelope::kContactAnswered: {
      const auto& m = e.contact_answered();
      return t + "Answered " + m.contact_id() + " " + m.queue() + " " + m.agent_id();
    }
    case v1::Envelope::kContactAbandoned: {
      const auto& m = e.contact_abandoned();
      return t + "Abandoned " + m.contact_id() + " " + m.queue() +
             " pos=" + std::to_string(m.position());
    }
    case v1::Envelope::kContactExited: {
      const auto& m = e.contact_exited();
      return t + "Exited " + m.contact_id() + " " + m.queue() + " " +
             v1::ExitReason_Name(m.reason());
    }
    case v1::Envelope::kContactTransferred: {
      const auto& m = e.contact_transferred();
      return t + "Transferred " + m.contact_id() + " " + m.queue() + " dest=" + m.destination() +
             (m.blind() ? " blind" : " attended");
    }
    case v1::Envelope::kContactEnded: {
      const auto& m = e.contact_ended();
      return t + "Ended " + m.contact_id() + " " + m.queue() + " " + v1::EndedBy_Name(m.ended_by());
    }
    case v1::Envelope::kWrapUpEnded: {
      const auto& m = e.wrap_up_ended();
      return t + "WrapUpEnded " + m.contact_id() + " " + m.queue() + " " + m.agent_id();
    }
    case v1::Envelope::kAgentStateChanged: {
      const auto& m = e.agent_state_changed();
      std::string queues;
      for (const auto& q : m.queues()) queues += (queues.empty() ? "" : ",") + q;
      std::string state = v1::AgentState_Name(m.state()).substr(std::string("AGENT_STATE_").size());
      return t + "Agent " + m.agent_id() + " " + state +
             (m.reason().empty() ? "" : " reason=" + m.reason()) +
             (queues.empty() ? "" : " [" + queues + "]") +
             (m.contact_id().empty() ? "" : " on=" + m.contact_id());
    }
    case v1::Envelope::kHeartbeat:
      return t + "Heartbeat";
    default:
      return t + "other";
  }
}

inline std::vector<std::string> DescribeAll(const CapturingSink& sink) {
  std::vector<std::string> out;
  for (const auto& m : sink.messages()) out.push_back(Describe(m.envelope));
  return out;
}

// Maps queue_log lines (flat-file syntax) through a mapper, counting outcomes like the bridge.
class LineMapper {
 public:
  LineMapper() : mapper_(&sink_, &TestHasher()) {}

  // Maps each line; returns the outcomes' names in order.
  std::vector<std::string> Map(const std::vector<std::string>& lines) {
    std::vector<std::string> outcomes;
    for (const std::string& line : lines) {
      QueueLogRecord r;
      if (!ParseQueueLogLine(line, &r).ok()) {
        outcomes.emplace_back(OutcomeName(Outcome::kMalformed));
      } else {
        auto o = mapper_.Map(r);
        EXPECT_TRUE(o.ok()) << o.status().ToString();
        outcomes.emplace_back(o.ok() ? OutcomeName(*o) : "error");
      }
      counts_.Add(outcomes.back());
    }
    return outcomes;
  }
  std::string MapOne(const std::string& line) { return Map({line}).front(); }

  // Descriptions of the events published since the last call.
  std::vector<std::string> Take() {
    std::vector<std::string> out = DescribeAll(sink_);
    sink_.Clear();
    return out;
  }

  QueueLogMapper& mapper() { return mapper_; }
  CapturingSink& sink() { return sink_; }
  const bridges::InputCounts& counts() const { return counts_; }

 private:
  CapturingSink sink_;
  QueueLogMapper mapper_;
  bridges::InputCounts counts_;
};

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  // In memory (/dev/shm) when `in_memory` and available: tests that save a position file
  // hundreds of times would otherwise mostly wait for fsync.
  explicit TempDir(bool in_memory = false) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::error_code ec;
    const std::filesystem::path base = in_memory && std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path_ = base / ("ccmon-ql-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
                    info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::string& path, std::string_view text,
                      std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out(path, std::ios::binary | std::ios::out | mode);
  out << text;
}

}  // namespace ccmon::asterisk_queue_log::testing
