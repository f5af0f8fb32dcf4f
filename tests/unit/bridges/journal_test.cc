// The bridge journal: records survive a restart, numbering resumes, torn tails are cut and
// counted, retention bounds the size, replay reads return exactly the requested stream.
#include "bridges/core/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace ccmon::bridges {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccmon-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Journal> Open(JournalOptions options = {}) {
    options.directory = dir_;
    auto j = Journal::Open(options, "ast1", clock_);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? std::move(j).value() : nullptr;
  }

  // Publishes `n` queued events on queue `queue` through a CapturingSink-like stamping: the
  // journal only needs topic, epoch and seq.
  static v1::Envelope Env(std::uint64_t epoch, std::uint64_t seq, const std::string& contact) {
    v1::Envelope env;
    env.set_source("ast1");
    env.set_source_epoch(epoch);
    env.set_seq(seq);
    env.set_time_unix_ms(1000 + static_cast<std::int64_t>(seq));
    env.mutable_contact_queued()->set_contact_id(contact);
    env.mutable_contact_queued()->set_queue("sales");
    return env;
  }

  static void Append(Journal& j, const std::string& topic, const v1::Envelope& env) {
    ASSERT_TRUE(j.Append(topic, env, env.SerializeAsString()).ok());
  }

  std::vector<std::uint64_t> Seqs(const Journal& j, std::uint64_t epoch, const std::string& topic,
                                  std::uint64_t from, std::uint64_t* first = nullptr) {
    std::vector<std::string> out;
    std::uint64_t first_available = 0;
    EXPECT_TRUE(j.ReadFrom(epoch, topic, from, 1'000'000, &out, &first_available).ok());
    if (first != nullptr) *first = first_available;
    std::vector<std::uint64_t> seqs;
    for (const std::string& bytes : out) {
      v1::Envelope env;
      EXPECT_TRUE(env.ParseFromString(bytes));
      seqs.push_back(env.seq());
    }
    return seqs;
  }

  fs::path dir_;
  ManualClock clock_{1'000'000};
};

TEST_F(JournalTest, EmptyJournalRecoversNothing) {
  auto j = Open();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->recovery().source_epoch, 0u);
  EXPECT_TRUE(j->recovery().positions.empty());
  EXPECT_EQ(j->segments(), 0u);
}

TEST_F(JournalTest, RestartRecoversEpochAndLastSeqPerTopic) {
  {
    auto j = Open();
    for (std::uint64_t s = 1; s <= 5; ++s) Append(*j, "v1.default.sales.", Env(7, s, "c"));
    for (std::uint64_t s = 1; s <= 2; ++s) Append(*j, "v1.default.~agent.", Env(7, s, "a"));
  }
  auto j = Open();
  EXPECT_EQ(j->recovery().source_epoch, 7u);
  EXPECT_EQ(j->recovery().records, 7u);
  EXPECT_EQ(j->recovery().positions, (std::vector<std::pair<std::string, std::uint64_t>>{
                                         {"v1.default.sales.", 5}, {"v1.default.~agent.", 2}}));
  // Appending after the restart continues the same segment and stream.
  Append(*j, "v1.default.sales.", Env(7, 6, "c"));
  EXPECT_EQ(j->segments(), 1u);
  EXPECT_EQ(Seqs(*j, 7, "v1.default.sales.", 4), (std::vector<std::uint64_t>{4, 5, 6}));
}

TEST_F(JournalTest, ANewerEpochIsWhatARestartResumes) {
  {
    auto j = Open();
    Append(*j, "t.", Env(7, 1, "c"));
    Append(*j, "t.", Env(9, 1, "c"));
    Append(*j, "t.", Env(9, 2, "c"));
  }
  auto j = Open();
  EXPECT_EQ(j->recovery().source_epoch, 9u);
  EXPECT_EQ(j->recovery().positions,
            (std::vector<std::pair<std::string, std::uint64_t>>{{"t.", 2}}));
  EXPECT_EQ(j->segments(), 2u) << "an epoch change starts a segment";
  EXPECT_EQ(Seqs(*j, 7, "t.", 1), (std::vector<std::uint64_t>{1}));
}

TEST_F(JournalTest, TornTailIsCutAndCountedAtEveryByteOfTheLastRecord) {
  std::uintmax_t full_size = 0;
  {
    auto j = Open();
    for (std::uint64_t s = 1; s <= 3; ++s) Append(*j, "t.", Env(7, s, "contact"));
  }
  const fs::path segment = fs::directory_iterator(dir_)->path();
  full_size = fs::file_size(segment);
  std::string bytes;
  {
    std::ifstream in(segment, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::size_t last_record = Env(7, 3, "contact").SerializeAsString().size() + 8 + 10 + 2;
  for (std::size_t cut = 1; cut < last_record; ++cut) {
    {
      std::ofstream out(segment, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(full_size - cut));
    }
    auto j = Open();
    ASSERT_TRUE(j);
    EXPECT_EQ(j->recovery().records, 2u) << "cut " << cut;
    EXPECT_EQ(j->recovery().torn_tail_bytes, last_record - cut) << "cut " << cut;
    EXPECT_EQ(j->recovery().positions.at(0).second, 2u);
    EXPECT_EQ(fs::file_size(segment), full_size - last_record);
    // The next append lands right after the last good record.
    Append(*j, "t.", Env(7, 3, "again"));
    j.reset();
    auto again = Open();
    EXPECT_EQ(again->recovery().torn_tail_bytes, 0u);
    EXPECT_EQ(again->recovery().records, 3u);
  }
}

TEST_F(JournalTest, FlippedByteIsCaughtByTheChecksum) {
  {
    auto j = Open();
    for (std::uint64_t s = 1; s <= 3; ++s) Append(*j, "t.", Env(7, s, "c"));
  }
  const fs::path segment = fs::directory_iterator(dir_)->path();
  std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(-3, std::ios::end);
  f.put('\x7f');
  f.close();
  auto j = Open();
  EXPECT_EQ(j->recovery().records, 2u);
  EXPECT_GT(j->recovery().torn_tail_bytes, 0u);
}

TEST_F(JournalTest, AnotherSourcesJournalIsRefused) {
  {
    auto j = Open();
    Append(*j, "t.", Env(7, 1, "c"));
  }
  auto other = Journal::Open({.directory = dir_}, "fs1", clock_);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("another source"), std::string::npos)
      << other.status().message();
}

TEST_F(JournalTest, SegmentsRotateAndRetentionDropsTheOldestWhileReadsSayWhereItStarts) {
  JournalOptions options;
  options.max_segment_bytes = 1000;
  options.max_total_bytes = 5000;
  auto j = Open(options);
  for (std::uint64_t s = 1; s <= 400; ++s)
    Append(*j, "t.", Env(7, s, "contact-" + std::to_string(s)));
  EXPECT_GT(j->segments(), 3u);
  EXPECT_LE(j->bytes(), 5000u + 1000u) << "bounded by the limit plus the active segment";
  std::uint64_t first = 0;
  const auto seqs = Seqs(*j, 7, "t.", 1, &first);
  EXPECT_GT(first, 1u) << "the oldest records were dropped";
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.front(), first);
  EXPECT_EQ(seqs.back(), 400u);
  for (std::size_t i = 1; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], seqs[i - 1] + 1);
}

TEST_F(JournalTest, AgeLimitDropsOldSegmentsOnSync) {
  JournalOptions options;
  options.max_segment_bytes = 200;
  options.max_age_ms = 60'000;
  auto j = Open(options);
  for (std::uint64_t s = 1; s <= 20; ++s) Append(*j, "t.", Env(7, s, "c"));
  const std::size_t before = j->segments();
  ASSERT_GT(before, 2u);
  clock_.Advance(61'000);
  Append(*j, "t.", Env(7, 21, "c"));  // Keeps the active segment fresh.
  ASSERT_TRUE(j->Sync().ok());
  EXPECT_EQ(j->segments(), 1u);
  std::uint64_t first = 0;
  const auto left = Seqs(*j, 7, "t.", 1, &first);
  ASSERT_FALSE(left.empty());
  EXPECT_GT(first, 1u);
  EXPECT_EQ(left.front(), first);
  EXPECT_EQ(left.back(), 21u);
}

TEST_F(JournalTest, ReadFromHonoursTopicEpochStartAndLimit) {
  auto j = Open();
  for (std::uint64_t s = 1; s <= 10; ++s) {
    Append(*j, "a.", Env(7, s, "x"));
    Append(*j, "b.", Env(7, s, "y"));
  }
  EXPECT_EQ(Seqs(*j, 7, "b.", 8), (std::vector<std::uint64_t>{8, 9, 10}));
  EXPECT_TRUE(Seqs(*j, 7, "c.", 1).empty());
  EXPECT_TRUE(Seqs(*j, 8, "a.", 1).empty());
  std::vector<std::string> out;
  std::uint64_t first = 0;
  ASSERT_TRUE(j->ReadFrom(7, "a.", 2, 3, &out, &first).ok());
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(first, 1u);
}

}  // namespace
}  // namespace ccmon::bridges
