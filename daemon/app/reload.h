// Reload: what a new configuration changes in a running ccmond (SIGHUP, POST /-/reload).
//
// A reload is all or nothing for the file: a file that does not load (syntax, unknown key, bad
// value) changes nothing, and the daemon goes on with the configuration it has. A file that loads
// is compared with the running one, section by section:
//
//   applied at once     log (level, format); queues (settings of configured queues, queues
//                       added); the service_level defaults (thresholds, target, short_abandon)
//                       for queues first seen after the reload; lifecycle (timeouts) and
//                       limits.max_contacts.
//   needs a restart     web.listen_address, subscriptions, ingest (rcvhwm, frame and string
//                       sizes), the other limits (queues, label length, agents, sources), and
//                       the collectors' options (service_level formula, breach horizon and wait
//                       buckets, windows, handle_time, agents, first_contact_resolution,
//                       staffing) — these shape sockets or the exported series, so they are read
//                       once at start.
//
// A change that needs a restart is logged (naming the keys) and shown by
// ccmond_config_restart_required until the daemon restarts or the file is changed back; the rest
// of the file is applied. A queue removed from the file keeps its settings until a restart: its
// series and counts stay, as they would after any other reload.
//
// Plain functions; the engine thread calls them (App owns the reload).
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace ccmon::app {

struct ReloadPlan {
  // Config keys whose new values take effect only after a restart ("subscriptions", …).
  std::vector<std::string> restart_required;
  // What the reload changes now, for the log ("log.level", "queues", …).
  std::vector<std::string> applied;
};

// Compares the running configuration with a newly loaded one.
ReloadPlan PlanReload(const config::Config& running, const config::Config& next);

// `running` with everything a reload applies taken from `next` (the configuration the daemon runs
// with after the reload; restart-only keys keep their running values).
config::Config MergeReload(const config::Config& running, const config::Config& next);

}  // namespace ccmon::app
