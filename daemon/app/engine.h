// Engine: the daemon's single writer. Owns the Model, the Lifecycle, the collectors and the
// Resequencer; applies batches from ingest and renders metric families for a scrape.
//
// Each event's position is checked by the Resequencer, which applies it at once, holds it back
// behind a gap while the bridge replays what was lost, or drops it as a duplicate
// (daemon/ingest/README.md). Replay requests leave through the requester set with
// SetReplayRequester() (the Subscriber, which owns the sockets).
//
// Engine thread only: ApplyBatch(), ExpireReplays() and Collect() are called on the io_context
// thread that also serves HTTP, so a scrape sees one consistent instant and no lock is taken per
// event.
#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <vector>

#include "collectors/all_collectors.h"
#include "common/clock.h"
#include "daemon/config/config.h"
#include "daemon/ingest/resequencer.h"
#include "daemon/ingest/subscriber.h"
#include "daemon/state/lifecycle.h"
#include "daemon/state/model.h"

namespace ccmon::app {

class Engine {
 public:
  // `wall_clock` tells when events arrive (source liveness) and times replay requests out; it
  // must outlive the Engine. Epochs that begin after construction count as seen from their
  // start (ingest::ResequencerOptions::listening_since_ms).
  Engine(const config::Config& config, const Clock* wall_clock);

  // Where replay requests go (Subscriber::RequestReplay). Without one they still time out.
  void SetReplayRequester(std::function<void(const ingest::ReplayRequest&)> requester);

  // Applies a batch from ingest: rejects counted, each event resolved to its source and offered
  // to the Resequencer, then the batch's replay answers, then replay timeouts. The batch is not
  // released here.
  void ApplyBatch(ingest::Batch& batch);

  // Offers one decoded event (the body of ApplyBatch; also used by replay tools and tests).
  // Sets decoded.event.source; `decoded` may be moved from (held back).
  void ApplyDecoded(ingest::DecodedEvent& decoded);

  // Takes a replay reply's header (the body of ApplyBatch for answers; also for tests).
  void ApplyReplayAnswer(const ingest::ReplayAnswer& answer);

  // Gives up replay requests whose timeout passed on the wall clock (ApplyBatch does this too).
  void ExpireReplays();

  // Applies what a configuration reload may change (daemon/app/reload.h): configured queues'
  // settings (new ones declared), the defaults for queues seen from now on, the lifecycle's
  // timeouts and caps. Collectors follow changed thresholds on their next fact or scrape.
  void Reconfigure(const config::Config& config);

  // Renders every metric family.
  std::vector<prometheus::MetricFamily> Collect() const;

  // The latest ACD time seen from any source (the event clock).
  UnixMs event_clock_ms() const { return event_clock_ms_; }

  const state::Model& model() const { return model_; }
  const ingest::Resequencer& resequencer() const { return resequencer_; }

 private:
  // Applies an event the Resequencer released, in order (see Resequencer::ApplyFn). Declines,
  // when allowed, a ContactQueued that follows a transfer the lifecycle has not seen (the
  // contact is still in another queue), naming the old queue's topic, so that replay can first
  // fetch a lost ContactTransferred.
  bool Apply(ingest::DecodedEvent& decoded, bool may_decline, std::string* check_topic);
  void AdvanceCollectors(UnixMs before);

  const Clock* wall_clock_;
  state::Model model_;
  collectors::CollectorSet collectors_;
  state::Lifecycle lifecycle_;
  std::function<void(const ingest::ReplayRequest&)> requester_;
  ingest::Resequencer resequencer_;
  UnixMs event_clock_ms_ = 0;
};

}  // namespace ccmon::app
