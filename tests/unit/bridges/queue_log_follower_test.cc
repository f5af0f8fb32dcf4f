// The queue_log file follower and the tail loop over real files in a temp directory: lines
// appended while reading, rotation (rename + new file) during reading, truncation (copytruncate),
// a file that appears late, and restarts from the persisted position that neither skip nor
// repeat a line. Time (the rotation grace) is a ManualClock; nothing sleeps.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bridges/asterisk_queue_log/file_follower.h"
#include "bridges/asterisk_queue_log/position_file.h"
#include "bridges/asterisk_queue_log/queue_log_input.h"
#include "tests/unit/bridges/queue_log_testing.h"

namespace ccmon::asterisk_queue_log {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;
using Lines = std::vector<std::string>;

constexpr std::int64_t kGrace = 1'000;

void Append(const std::string& path, std::string_view text) {
  WriteFile(path, text, std::ios::app);
}

std::uint64_t InodeOf(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<std::uint64_t>(st.st_ino);
}

// Polls until the follower reports the end of its input; returns every line read.
Lines Drain(QueueLogFollower& f) {
  Lines lines;
  for (int i = 0; i < 10'000; ++i) {
    auto b = f.Poll();
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) break;
    lines.insert(lines.end(), b->lines.begin(), b->lines.end());
    if (b->at_end) break;
  }
  return lines;
}

// N calls of three lines each (enter, answer, complete), interleaved by two.
Lines CallLines(int calls, int first = 0) {
  Lines lines;
  for (int i = first; i < first + calls; ++i) {
    const std::string t = std::to_string(1'700'000'000 + i * 10);
    const std::string id = "1700000000." + std::to_string(i);
    lines.push_back(t + "|" + id + "|sales|NONE|ENTERQUEUE||55500" + std::to_string(i) + "|1");
    lines.push_back(t + "|" + id + "|sales|SIP/20" + std::to_string(i % 3) + "|CONNECT|3|x|2");
    lines.push_back(t + "|" + id + "|sales|SIP/20" + std::to_string(i % 3) +
                    "|COMPLETECALLER|3|7|1");
  }
  return lines;
}

std::string Text(const Lines& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  return text;
}

class queue_logFollower : public ::testing::Test {
 protected:
  QueueLogFollower Make(std::size_t chunk = 1 << 20) {
    return QueueLogFollower(FollowerOptions{log_, kGrace, chunk}, &clock_);
  }
  TempDir dir_{/*in_memory=*/true};
  std::string log_ = dir_.File("queue_log");
  ManualClock clock_{1'700'000'000'000};
};

TEST_F(queue_logFollower, LinesAppendedWhileReadingAreReadOnceTheirNewlineArrives) {
  WriteFile(log_, "1|a|q|NONE|X|\n2|b|q|NONE|Y|\n");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kBeginning).ok());
  EXPECT_EQ(Drain(f), (Lines{"1|a|q|NONE|X|", "2|b|q|NONE|Y|"}));
  Append(log_, "3|c|q|NONE|Z|da");  // Asterisk is halfway through writing a line.
  EXPECT_TRUE(Drain(f).empty());
  EXPECT_EQ(f.pending_bytes(), 15u);
  Append(log_, "ta\n4|d|q|NONE|W|\n");
  EXPECT_EQ(Drain(f), (Lines{"3|c|q|NONE|Z|data", "4|d|q|NONE|W|"}));
  EXPECT_EQ(f.position().offset, fs::file_size(log_));
}

TEST_F(queue_logFollower, StartingAtTheEndSkipsHistoryButNotAnUnfinishedLine) {
  WriteFile(log_, "1|a|q|NONE|OLD|\n2|b|q|NONE|OLD|\n3|c|q|NONE|NE");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kEnd).ok());
  Append(log_, "W|\n");
  EXPECT_EQ(Drain(f), (Lines{"3|c|q|NONE|NEW|"}));
}

TEST_F(queue_logFollower, RotationDuringReadingFinishesTheOldFileThenReadsTheNewOne) {
  WriteFile(log_, "1|a|q|NONE|A|\n");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kBeginning).ok());
  EXPECT_EQ(Drain(f), (Lines{"1|a|q|NONE|A|"}));
  // logrotate renames the file and creates a new one; Asterisk still writes to the old one
  // (its open descriptor) until it reopens the path, and may leave a line unfinished.
  fs::rename(log_, log_ + ".1");
  WriteFile(log_, "4|d|q|NONE|D|\n");
  Append(log_ + ".1", "2|b|q|NONE|B|\n");
  EXPECT_EQ(Drain(f), (Lines{"2|b|q|NONE|B|"}));
  Append(log_ + ".1", "3|c|q|NONE|C|");
  clock_.Advance(kGrace - 1);
  EXPECT_TRUE(Drain(f).empty());  // The old file changed less than the grace ago.
  clock_.Advance(kGrace);
  EXPECT_EQ(Drain(f), (Lines{"3|c|q|NONE|C|", "4|d|q|NONE|D|"}));
  EXPECT_EQ(f.stats().rotations, 1u);
  EXPECT_EQ(f.position().inode, InodeOf(log_));  // Now on the new file.
  Append(log_, "5|e|q|NONE|E|\n");
  EXPECT_EQ(Drain(f), (Lines{"5|e|q|NONE|E|"}));
}

TEST_F(queue_logFollower, RemovedFileIsFinishedAndTheRecreatedOneReadFromItsStart) {
  WriteFile(log_, "1|a|q|NONE|A|\n");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kEnd).ok());
  Append(log_, "2|b|q|NONE|B|\n");
  fs::remove(log_);  // Still open here: its last line can be read.
  EXPECT_EQ(Drain(f), (Lines{"2|b|q|NONE|B|"}));
  clock_.Advance(10 * kGrace);
  EXPECT_TRUE(Drain(f).empty());  // No new file yet: nothing to switch to.
  WriteFile(log_, "3|c|q|NONE|C|\n");
  EXPECT_EQ(Drain(f), (Lines{"3|c|q|NONE|C|"}));
}

TEST_F(queue_logFollower, CopytruncateStartsAgainAtTheBeginning) {
  WriteFile(log_, "1|a|q|NONE|A|\n2|b|q|NONE|B|\n");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kBeginning).ok());
  EXPECT_EQ(Drain(f).size(), 2u);
  fs::resize_file(log_, 0);  // logrotate's copytruncate.
  EXPECT_TRUE(Drain(f).empty());
  Append(log_, "3|c|q|NONE|C|\n");
  EXPECT_EQ(Drain(f), (Lines{"3|c|q|NONE|C|"}));
  EXPECT_EQ(f.stats().truncations, 1u);
}

TEST_F(queue_logFollower, TruncatedAndRewrittenPastThePositionIsNoticedByItsFirstBytes) {
  WriteFile(log_, "1|a|q|NONE|A|\n2|b|q|NONE|B|\n");
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kBeginning).ok());
  EXPECT_EQ(Drain(f).size(), 2u);
  // Emptied and written again beyond the old length before the follower looked.
  const std::string fresh = "7|g|q|NONE|G|\n8|h|q|NONE|H|\n9|i|q|NONE|I|\n";
  {
    std::ofstream out(log_, std::ios::binary | std::ios::in | std::ios::out);
    out << fresh;  // Same inode, new content from byte 0.
  }
  EXPECT_EQ(Drain(f), (Lines{"7|g|q|NONE|G|", "8|h|q|NONE|H|", "9|i|q|NONE|I|"}));
  EXPECT_EQ(f.stats().truncations, 1u);
}

TEST_F(queue_logFollower, AFileThatDoesNotExistYetIsReadFromItsStartWhenItAppears) {
  QueueLogFollower f = Make();
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kEnd).ok());
  EXPECT_FALSE(f.has_file());
  EXPECT_TRUE(Drain(f).empty());
  WriteFile(log_, "1|a|q|NONE|A|\n");
  EXPECT_EQ(Drain(f), (Lines{"1|a|q|NONE|A|"}));
}

TEST_F(queue_logFollower, ALineLongerThanAChunkComesInPieces) {
  const std::string long_line(100, 'x');
  WriteFile(log_, long_line + "\n1|a|q|NONE|A|\n");
  QueueLogFollower f = Make(64);
  ASSERT_TRUE(f.Start(std::nullopt, StartAt::kBeginning).ok());
  EXPECT_EQ(Drain(f), (Lines{std::string(64, 'x'), std::string(36, 'x'), "1|a|q|NONE|A|"}));
}

TEST(queue_logPositionFile, SavedAtomicallyAndReadBack) {
  TempDir dir;
  const std::string path = dir.File("pos");
  EXPECT_EQ(LoadPosition(path).status().code(), StatusCode::kNotFound);
  SavedPosition saved{FilePosition{64769, 1234567, 4096, 1024, 0xfeedbeefcafe}, "sweep 5\n"};
  ASSERT_TRUE(SavePosition(path, saved).ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto loaded = LoadPosition(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->file, saved.file);
  EXPECT_EQ(loaded->mapper_state, saved.mapper_state);
  for (const char* bad : {"", "something else\n", "ccmon-asterisk-queue-log-position 1\nfile 1 2\n",
                          "ccmon-asterisk-queue-log-position 1\nfile 1 2 3 4 5\nsweep 1\n"}) {
    WriteFile(path, bad);
    const auto r = LoadPosition(path);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("remove it"), std::string::npos);
  }
  EXPECT_FALSE(SavePosition(dir.File("no/such/dir/pos"), saved).ok());
}

// The bridge's loop: follower → parser → mapper → position file, stopped and restarted.
class queue_logTail : public queue_logFollower {
 protected:
  // A bridge run: restores the saved position (if any), then steps up to `max_steps` times or
  // until the end of the input. Returns the events it published.
  Lines Run(int max_steps, std::size_t chunk = 64) {
    CapturingSink sink;
    QueueLogMapper mapper(&sink, &testing::TestHasher());
    std::optional<FilePosition> saved;
    if (auto loaded = LoadPosition(pos_); loaded.ok()) {
      EXPECT_TRUE(mapper.RestoreState(loaded->mapper_state).ok());
      saved = loaded->file;
    }
    QueueLogFollower f(FollowerOptions{log_, kGrace, chunk}, &clock_);
    EXPECT_TRUE(f.Start(saved, StartAt::kBeginning).ok());
    QueueLogTail tail(&f, &mapper, &counts_, &clock_, pos_);
    for (int i = 0; i < max_steps; ++i) {
      auto at_end = tail.Step();
      EXPECT_TRUE(at_end.ok()) << at_end.status().ToString();
      if (!at_end.ok() || *at_end) break;
    }
    EXPECT_TRUE(tail.Save().ok());
    stats_ = f.stats();
    return testing::DescribeAll(sink);
  }

  static Lines Expected(const Lines& lines) {
    testing::LineMapper m;
    m.Map(lines);
    return m.Take();
  }

  std::string pos_ = dir_.File("queue_log.pos");
  bridges::InputCounts counts_;
  FollowerStats stats_;
};

TEST_F(queue_logTail, RestartFromThePersistedPositionNeitherSkipsNorRepeatsALine) {
  const Lines lines = CallLines(12);
  const Lines expected = Expected(lines);
  // Stop after every possible number of reads (64-byte chunks end mid-line), restart, compare.
  for (int stop_after = 1; stop_after < 40; ++stop_after) {
    SCOPED_TRACE(stop_after);
    fs::remove(pos_);
    WriteFile(log_, Text(lines));
    counts_ = {};
    Lines stream = Run(stop_after);
    const Lines rest = Run(1'000);
    stream.insert(stream.end(), rest.begin(), rest.end());
    EXPECT_EQ(stream, expected);
    EXPECT_EQ(counts_.Get("published"), lines.size());
    EXPECT_EQ(counts_.Total(), lines.size());
  }
}

TEST_F(queue_logTail, RestartAfterMoreLinesWereAppendedReadsOnlyTheNewOnes) {
  const Lines first = CallLines(3);
  const Lines second = CallLines(3, 3);
  WriteFile(log_, Text(first));
  Lines stream = Run(1'000);
  // Calls in progress survive the restart: enter before, complete after.
  Append(log_, Text(second) + "1700000100|1700000000.9|sales|NONE|ENTERQUEUE||5|1\n");
  const Lines more = Run(1'000);
  Append(log_, "1700000101|1700000000.9|sales|NONE|ABANDON|1|1|1\n");
  const Lines last = Run(1'000);
  EXPECT_EQ(last, (Lines{"1700000101000 Abandoned 1700000000.9 sales pos=1"}));
  stream.insert(stream.end(), more.begin(), more.end());
  stream.insert(stream.end(), last.begin(), last.end());
  Lines all = first;
  all.insert(all.end(), second.begin(), second.end());
  all.push_back("1700000100|1700000000.9|sales|NONE|ENTERQUEUE||5|1");
  all.push_back("1700000101|1700000000.9|sales|NONE|ABANDON|1|1|1");
  EXPECT_EQ(stream, Expected(all));
  // Nothing new: a restart publishes nothing.
  EXPECT_TRUE(Run(1'000).empty());
}

TEST_F(queue_logTail, RotationWhileTheBridgeWasStoppedIsFinishedFromTheRotatedFile) {
  const Lines a = CallLines(2), b = CallLines(2, 2), c = CallLines(2, 4);
  WriteFile(log_, Text(a));
  Lines stream = Run(1'000);
  Append(log_, Text(b));                 // Written while the bridge is down…
  fs::rename(log_, log_ + "-20231114");  // …then rotated,
  WriteFile(log_, Text(c));              // and a new file started.
  const Lines rest = Run(1'000);
  stream.insert(stream.end(), rest.begin(), rest.end());
  Lines all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());
  EXPECT_EQ(stream, Expected(all));
  EXPECT_EQ(stats_.rotations, 1u);
  EXPECT_EQ(stats_.lost_files, 0u);
}

TEST_F(queue_logTail, RotatedFileGoneWhileStoppedIsCountedAndTheNewFileReadWhole) {
  const Lines a = CallLines(2), c = CallLines(2, 4);
  WriteFile(log_, Text(a));
  Lines stream = Run(1'000);
  // Replaced by a new file (created first, so it cannot reuse the old inode) and the old one
  // deleted (compressed away, say).
  WriteFile(log_ + ".new", Text(c));
  fs::rename(log_ + ".new", log_);
  const Lines rest = Run(1'000);
  EXPECT_EQ(stats_.lost_files, 1u);
  stream.insert(stream.end(), rest.begin(), rest.end());
  Lines all = a;
  all.insert(all.end(), c.begin(), c.end());
  EXPECT_EQ(stream, Expected(all));
}

TEST_F(queue_logTail, FileTruncatedWhileStoppedIsReadFromItsStart) {
  WriteFile(log_, Text(CallLines(3)));
  Run(1'000);
  const Lines c = CallLines(1, 7);
  WriteFile(log_, Text(c));  // Same inode, shorter: truncated and rewritten.
  EXPECT_EQ(Run(1'000), Expected(c));
  EXPECT_EQ(stats_.truncations, 1u);
}

TEST_F(queue_logTail, MalformedAndUnknownLinesAreCountedAndSkipped) {
  WriteFile(log_,
            "garbage\n\n1700000000|c|q|NONE|NEWVERB|x\n1700000000|c|q|NONE|ENTERQUEUE||1|1\n");
  EXPECT_EQ(Run(1'000).size(), 1u);
  EXPECT_EQ(counts_.Get("malformed"), 2u);  // "garbage" and the empty line.
  EXPECT_EQ(counts_.Get("unknown_verb"), 1u);
  EXPECT_EQ(counts_.Get("published"), 1u);
}

}  // namespace
}  // namespace ccmon::asterisk_queue_log
