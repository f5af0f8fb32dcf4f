#include "daemon/ingest/sequence_tracker.h"

#include <gtest/gtest.h>

namespace ccmon::ingest {
namespace {

TEST(SequenceTracker, FirstEventSetsTheBaselineAndNextEventsFollow) {
  state::IngestStats stats;
  SequenceTracker t(&stats);
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 40), SequenceVerdict::kFirst);
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 41), SequenceVerdict::kNext);
  EXPECT_EQ(stats.sequence_gaps, 0u);
}

TEST(SequenceTracker, GapsAreCountedWithTheNumberOfMissingEvents) {
  state::IngestStats stats;
  SequenceTracker t(&stats);
  t.Check("s", 1, "v1.a.q.", 1);
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 5), SequenceVerdict::kGap);  // 2, 3, 4 missing.
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 6), SequenceVerdict::kNext);
  EXPECT_EQ(stats.sequence_gaps, 1u);
  EXPECT_EQ(stats.events_missing, 3u);
}

TEST(SequenceTracker, DuplicatesAndLateOldEpochsAreDropped) {
  state::IngestStats stats;
  SequenceTracker t(&stats);
  t.Check("s", 2, "v1.a.q.", 1);
  t.Check("s", 2, "v1.a.q.", 2);
  EXPECT_EQ(t.Check("s", 2, "v1.a.q.", 2), SequenceVerdict::kDuplicate);
  EXPECT_EQ(t.Check("s", 2, "v1.a.q.", 1), SequenceVerdict::kDuplicate);
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 9), SequenceVerdict::kDuplicate);
  EXPECT_EQ(stats.duplicates, 3u);
}

TEST(SequenceTracker, TopicsAndSourcesAreNumberedIndependently) {
  state::IngestStats stats;
  SequenceTracker t(&stats);
  t.Check("s", 1, "v1.a.q.", 1);
  EXPECT_EQ(t.Check("s", 1, "v1.a.r.", 1), SequenceVerdict::kFirst);
  EXPECT_EQ(t.Check("u", 1, "v1.a.q.", 1), SequenceVerdict::kFirst);
  EXPECT_EQ(t.Check("s", 1, "v1.a.q.", 2), SequenceVerdict::kNext);
  EXPECT_EQ(t.stream_count(), 3u);
}

TEST(SequenceTracker, ANewEpochRestartsTheStream) {
  state::IngestStats stats;
  SequenceTracker t(&stats);
  t.Check("s", 1, "v1.a.q.", 100);
  EXPECT_EQ(t.Check("s", 2, "v1.a.q.", 1), SequenceVerdict::kFirst);
  EXPECT_EQ(t.Check("s", 2, "v1.a.q.", 2), SequenceVerdict::kNext);
  EXPECT_EQ(stats.epoch_changes, 1u);
  EXPECT_EQ(stats.sequence_gaps, 0u);
}

}  // namespace
}  // namespace ccmon::ingest
