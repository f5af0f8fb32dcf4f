// `ccmon staffing`: the built binary run as a user runs it (the reference values of
// metric-definitions §6 for the same inputs, exit codes, JSON), and the report function on the
// option errors.
#include "tools/staffing_command.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <regex>
#include <string>

#include "tests/testing/process.h"

namespace ccmon::tools {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr.
};

// Runs the built `ccmon` with `args` (shell words, no quoting needed) and collects its output.
CliRun RunCcmon(const std::string& args) {
  const std::string command = testing::BinaryPath("ccmon") + " " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) run.output += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The value printed after `label` on its line (the first number).
std::string Field(const std::string& text, const std::string& section, const std::string& label) {
  const std::size_t start = text.find(section);
  if (start == std::string::npos) return "";
  const std::regex re("\\n  " + label + " +([0-9.]+)");
  std::smatch m;
  const std::string rest = text.substr(start);
  return std::regex_search(rest, m, re) ? m[1].str() : "";
}

TEST(StaffingCli, PrintsErlangCReferenceValuesForTheCallCentreHelperExample) {
  const CliRun r =
      RunCcmon("staffing --calls 100 --per 30m --aht 180s --agents 14 --target-time 20s");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Field(r.output, "Erlang C", "P\\(wait\\)"), "0.174132") << r.output;
  EXPECT_EQ(Field(r.output, "Erlang C", "service level"), "0.888350");
  EXPECT_EQ(Field(r.output, "Erlang C", "ASA"), "7.836");
  EXPECT_EQ(Field(r.output, "Erlang C", "occupancy"), "0.714286");
  EXPECT_EQ(Field(r.output, "Erlang C", "agents required"), "14");
  EXPECT_EQ(r.output.find("Erlang A"), std::string::npos) << "no patience, no Erlang A";
}

TEST(StaffingCli, PrintsErlangAReferenceValuesWithAPatience) {
  const CliRun r = RunCcmon(
      "staffing --calls 100 --per 30m --aht 3m --agents 14 --target-time 20s --patience 5m");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Field(r.output, "Erlang A", "P\\(wait\\)"), "0.145260") << r.output;
  EXPECT_EQ(Field(r.output, "Erlang A", "P\\(abandon\\)"), "0.013984");
  EXPECT_EQ(Field(r.output, "Erlang A", "service level"), "0.916792");
  EXPECT_EQ(Field(r.output, "Erlang A", "occupancy"), "0.704297");
  EXPECT_EQ(Field(r.output, "Erlang A", "mean wait"), "4.195");  // 0.069919 min.
  EXPECT_EQ(Field(r.output, "Erlang A", "agents required"), "13");
}

TEST(StaffingCli, WithoutAgentsShowsTheAgentsRequiredAndJsonCarriesTheSameNumbers) {
  const CliRun r = RunCcmon("staffing --rate 0.0555555555556 --aht 180 --target 0.8 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"erlang_c\":{\"agents\":14,\"agents_required\":14,\"stable\":true"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"service_level\":0.888350019"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("erlang_a"), std::string::npos);
}

TEST(StaffingCli, BadOptionsExitWithTwoAndSayWhy) {
  CliRun r = RunCcmon("staffing --calls 100 --aht 180s");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--calls needs --per"), std::string::npos) << r.output;
  r = RunCcmon("staffing --rate 1 --aht soon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--aht"), std::string::npos) << r.output;
  r = RunCcmon("staffing --rate 1");  // --aht is required.
  EXPECT_EQ(r.exit_code, 2);
  r = RunCcmon("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(RunCcmon("staffing --help").exit_code, 0);
}

TEST(StaffingReportTest, UnstableErlangCSaysSoAndErlangAStillAnswers) {
  StaffingOptions o;
  o.rate_per_s = 1.0 / 18;  // A = 10 on 8 agents.
  o.aht = "3m";
  o.agents = 8;
  o.patience = "5m";
  const Result<std::string> report = StaffingReport(o);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_NE(report->find("no steady state"), std::string::npos) << *report;
  EXPECT_NE(report->find("ASA                 unbounded"), std::string::npos) << *report;
  EXPECT_NE(report->find("Erlang A (M/M/N+M: mean patience 300 s) with 8 agents"),
            std::string::npos);
}

TEST(StaffingReportTest, RejectsContradictoryOrOutOfRangeOptions) {
  auto rejected = [](StaffingOptions o, const char* word) {
    const Result<std::string> r = StaffingReport(o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(word), std::string::npos) << r.status().message();
  };
  StaffingOptions good;
  good.rate_per_s = 0.1;
  good.aht = "180s";
  ASSERT_TRUE(StaffingReport(good).ok());
  StaffingOptions o = good;
  o.calls = 100;
  o.per = "30m";
  rejected(o, "exactly one");
  o = good;
  o.target = 1.2;
  rejected(o, "--target");
  o = good;
  o.per = "30m";
  rejected(o, "--per goes with --calls");
  o = good;
  o.patience = "0s";
  rejected(o, "--patience");
  o = good;
  o.sl_formula = "strict";
  rejected(o, "--sl-formula");
  o = good;
  o.agents = -3;
  rejected(o, "--agents");
}

}  // namespace
}  // namespace ccmon::tools
