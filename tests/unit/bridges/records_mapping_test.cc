// The records bridge's mapping file (bridges/records/mapping.h): strict keys whose errors name
// the key, required and mutually exclusive keys, overrides, and the shipped Technion mapping.
//
// Suites are named after the subcommand as typed ("records…") so `ctest -R records` selects them.
#include <gtest/gtest.h>

#include <string>

#include "bridges/records/mapping.h"

namespace ccmon::records {
namespace {

// A complete, valid mapping; tests break one thing at a time.
const std::string kValid = R"(
csv: {separator: ",", header: true}
contact_id: [line, id]
queue: {column: type, values: {A: alpha, B: beta}}
caller: {column: caller, anonymous: ["0"]}
agent: {column: agent, none: [NONE]}
priority: {column: prio, values: {"0": 0, "2": 1}}
times:
  time_zone: UTC
  date: {column: date, format: "%y%m%d"}
  format: "%H:%M:%S"
  absent: ["0:00:00"]
  enqueue: q_start
  wait: q_time
  answer: [s_start, v_exit]
  talk: s_time
outcome:
  column: outcome
  values: {AGENT: answered, HANG: abandoned, PHANTOM: ignore}
)";

// kValid with `from` replaced by `to` (which must occur exactly once).
std::string With(const std::string& from, const std::string& to) {
  const auto at = kValid.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(kValid.find(from, at + 1), std::string::npos) << from;
  std::string text = kValid;
  return text.replace(at, from.size(), to);
}

std::string ErrorOf(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  auto m = ParseMapping(yaml, "m.yaml", overrides);
  EXPECT_FALSE(m.ok()) << "expected an error";
  return m.ok() ? std::string() : m.status().message();
}

TEST(recordsMapping, ValidMappingLoadsEveryKey) {
  auto m = ParseMapping(kValid, "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->separator, ',');
  EXPECT_TRUE(m->header);
  EXPECT_EQ(m->contact_id, (std::vector<std::string>{"line", "id"}));
  EXPECT_EQ(m->queue.column, "type");
  EXPECT_EQ(m->queue.values.at("B"), "beta");
  EXPECT_EQ(m->channel, v1::CHANNEL_VOICE);
  EXPECT_EQ(m->priority_values.at("2"), 1);
  EXPECT_EQ(m->date_column, "date");
  EXPECT_EQ(m->wait, "q_time");
  EXPECT_TRUE(m->dequeue.empty());
  EXPECT_EQ(m->answer, (std::vector<std::string>{"s_start", "v_exit"}));
  // "" is always an absent time, besides the listed ones.
  EXPECT_EQ(m->absent_times, (std::vector<std::string>{"0:00:00", ""}));
  EXPECT_EQ(m->outcomes.at("HANG").kind, OutcomeKind::kAbandoned);
  EXPECT_EQ(m->answered_without_queue, AnsweredWithoutQueue::kOffered);
  const auto uses = m->ColumnUses();
  ASSERT_FALSE(uses.empty());
  EXPECT_EQ(uses.front().key, "contact_id[0]");
  EXPECT_EQ(uses.back().key, "outcome.column");
}

TEST(recordsMapping, UnknownKeysAreNamedWithTheirPathAndTheAllowedKeys) {
  EXPECT_EQ(ErrorOf(kValid + "colour: red\n").substr(0, 24), "m.yaml: colour: unknown ");
  const std::string e = ErrorOf(With("  wait: q_time", "  wiat: q_time"));
  EXPECT_NE(e.find("m.yaml: times.wiat: unknown key (allowed: time_zone, date,"), std::string::npos)
      << e;
  EXPECT_NE(ErrorOf(With("caller: {column: caller,", "caller: {col: caller,"))
                .find("m.yaml: caller.col: unknown key"),
            std::string::npos);
}

TEST(recordsMapping, MissingRequiredKeysAreNamed) {
  EXPECT_NE(ErrorOf(With("contact_id: [line, id]\n", "")).find("m.yaml: contact_id: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("queue: {column: type, values: {A: alpha, B: beta}}\n", ""))
                .find("m.yaml: queue: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  enqueue: q_start\n", "")).find("m.yaml: times.enqueue: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  format: \"%H:%M:%S\"\n", "")).find("m.yaml: times.format: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  values: {AGENT: answered, HANG: abandoned, PHANTOM: ignore}\n", ""))
                .find("m.yaml: outcome.values: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("").find("m.yaml: (top level): expected a mapping"), std::string::npos);
}

TEST(recordsMapping, WaitAndDequeueExcludeEachOtherAndOneIsRequired) {
  EXPECT_NE(ErrorOf(With("  wait: q_time\n", "  wait: q_time\n  dequeue: q_exit\n"))
                .find("m.yaml: times.dequeue: give exactly one of dequeue"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  wait: q_time\n", "")).find("m.yaml: times.wait: give exactly one"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  talk: s_time\n", "  talk: s_time\n  end: s_exit\n"))
                .find("m.yaml: times.end: give at most one"),
            std::string::npos);
  // An answered outcome needs a conversation end or length.
  EXPECT_NE(
      ErrorOf(With("  talk: s_time\n", "")).find("m.yaml: times.talk: an outcome is answered"),
      std::string::npos);
}

TEST(recordsMapping, QueueIsAConstantOrAColumnNotBoth) {
  auto m = ParseMapping(With("{column: type, values: {A: alpha, B: beta}}", "{constant: bank}"),
                        "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->queue_constant, "bank");
  EXPECT_TRUE(m->queue.column.empty());
  EXPECT_NE(
      ErrorOf(With("{column: type, values: {A: alpha, B: beta}}", "{constant: bank, column: type}"))
          .find("m.yaml: queue: give either constant or column"),
      std::string::npos);
  EXPECT_NE(ErrorOf(With("{column: type, values: {A: alpha, B: beta}}", "{default: x}"))
                .find("m.yaml: queue: needs constant or column"),
            std::string::npos);
}

TEST(recordsMapping, TimeZoneFormatsAndDatesAreChecked) {
  EXPECT_NE(ErrorOf(With("time_zone: UTC", "time_zone: Mars/Olympus_Mons"))
                .find("m.yaml: times.time_zone: "),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("\"%H:%M:%S\"", "\"%H:%Q\"")).find("m.yaml: times.format: time format"),
            std::string::npos);
  // A time of day needs the date column; a full date-time must not have one.
  EXPECT_NE(ErrorOf(With("  date: {column: date, format: \"%y%m%d\"}\n", ""))
                .find("m.yaml: times.date: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("\"%H:%M:%S\"", "\"%Y-%m-%d %H:%M:%S\""))
                .find("m.yaml: times.date: times.format \"%Y-%m-%d %H:%M:%S\" already carries"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("\"%y%m%d\"", "\"%y%m\"")).find("m.yaml: times.date.format"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("  talk: s_time\n", "  talk: s_time\n  duration_unit: minutes\n"))
                .find("m.yaml: times.duration_unit: unknown duration unit"),
            std::string::npos);
  auto m = ParseMapping(With("time_zone: UTC", "time_zone: Asia/Jerusalem"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->time_zone.name(), "Asia/Jerusalem");
}

TEST(recordsMapping, OutcomeNamesAreCheckedAndExitReasonsParsed) {
  EXPECT_NE(ErrorOf(With("HANG: abandoned", "HANG: abandonned"))
                .find("m.yaml: outcome.values.HANG: unknown outcome \"abandonned\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("HANG: abandoned", "HANG: \"exited:bored\""))
                .find("m.yaml: outcome.values.HANG: unknown exit reason \"bored\""),
            std::string::npos);
  for (const auto& [name, kind] : std::vector<std::pair<std::string, OutcomeKind>>{
           {"answered", OutcomeKind::kAnswered},
           {"abandoned", OutcomeKind::kAbandoned},
           {"exited", OutcomeKind::kExited},
           {"callback", OutcomeKind::kCallbackRequested},
           {"never_queued", OutcomeKind::kNeverQueued},
           {"ignore", OutcomeKind::kIgnore}}) {
    auto o = ParseOutcomeName(name);
    ASSERT_TRUE(o.ok()) << name;
    EXPECT_EQ(o->kind, kind) << name;
  }
  auto timeout = ParseOutcomeName("exited:timeout");
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(timeout->exit_reason, v1::EXIT_REASON_TIMEOUT);
  EXPECT_EQ(ParseOutcomeName("exited:no_agents")->exit_reason, v1::EXIT_REASON_NO_AGENTS);
  EXPECT_EQ(ParseOutcomeName("exited")->exit_reason, v1::EXIT_REASON_UNSPECIFIED);
  EXPECT_NE(ErrorOf(With("  values: {AGENT:", "  answered_without_queue: maybe\n  values: {AGENT:"))
                .find("m.yaml: outcome.answered_without_queue: \"maybe\": expected offered or "
                      "not_offered"),
            std::string::npos);
}

TEST(recordsMapping, ValuesOfTheWrongKindAreNamed) {
  EXPECT_NE(ErrorOf(With("separator: \",\"", "separator: \";;\""))
                .find("m.yaml: csv.separator: expected one character"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("header: true", "header: yes please"))
                .find("m.yaml: csv.header: expected true or false"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("\"2\": 1", "\"2\": high")).find("m.yaml: priority.values.2: \"high\" is"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With("contact_id: [line, id]", "contact_id: {a: b}"))
                .find("m.yaml: contact_id: expected a string or a non-empty list"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(kValid + "channel: pigeon\n").find("m.yaml: channel: unknown channel \"pigeon\""),
      std::string::npos);
  EXPECT_NE(ErrorOf("times: [unclosed\n").find("m.yaml: "), std::string::npos);
  auto tab = ParseMapping(With("separator: \",\"", "separator: tab"), "m.yaml");
  ASSERT_TRUE(tab.ok()) << tab.status().message();
  EXPECT_EQ(tab->separator, '\t');
}

TEST(recordsMapping, OverridesReplaceOrAddKeysBeforeTheChecks) {
  auto m = ParseMapping(kValid, "m.yaml",
                        {"times.date.format=%Y-%m-%d", "outcome.values.HANG=never_queued",
                         "times.absent=[\"-\", \"0:00:00\"]", "channel=chat"});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->date_format->spec(), "%Y-%m-%d");
  EXPECT_EQ(m->outcomes.at("HANG").kind, OutcomeKind::kNeverQueued);
  EXPECT_EQ(m->absent_times, (std::vector<std::string>{"-", "0:00:00", ""}));
  EXPECT_EQ(m->channel, v1::CHANNEL_CHAT);
  // The strict checks still apply to what an override adds.
  EXPECT_NE(ErrorOf(kValid, {"times.colour=red"}).find("m.yaml: times.colour: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kValid, {"no-equals-sign"}).find("expected key.path=value"), std::string::npos);
  EXPECT_NE(ErrorOf(kValid, {"times..format=x"}).find("empty key"), std::string::npos);
  EXPECT_NE(ErrorOf(kValid, {"times.format.x=1"}).find("not a mapping"), std::string::npos);
}

TEST(recordsMapping, ShippedTechnionMappingLoads) {
  auto m =
      LoadMapping(std::string(CCMON_SOURCE_DIR) + "/config/bridges/technion-anonymous-bank.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->time_zone.name(), "Asia/Jerusalem");
  EXPECT_EQ(m->contact_id, (std::vector<std::string>{"vru+line", "call_id"}));
  EXPECT_EQ(m->queue.values.size(), 6u);
  EXPECT_EQ(m->outcomes.at("PHANTOM").kind, OutcomeKind::kIgnore);
  EXPECT_EQ(m->answered_without_queue, AnsweredWithoutQueue::kOffered);
  // The override used for calls_one_day.csv, whose dates were rewritten as 2010-08-01.
  auto one_day =
      LoadMapping(std::string(CCMON_SOURCE_DIR) + "/config/bridges/technion-anonymous-bank.yaml",
                  {"times.date.format=%Y-%m-%d"});
  ASSERT_TRUE(one_day.ok()) << one_day.status().message();
  ParsedTime date;
  EXPECT_TRUE(one_day->date_format->Read("2010-08-01", &date));
  EXPECT_EQ(date.year, 2010);
}

TEST(recordsMapping, MissingFileIsNotFound) {
  auto m = LoadMapping("/nonexistent/mapping.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("/nonexistent/mapping.yaml"), std::string::npos);
}

}  // namespace
}  // namespace ccmon::records
