// Model: the daemon's whole live state in one place — queues, sources, contacts, agents and the
// ingest counters. The Lifecycle mutates it; collectors read it at scrape time; the checkpoint
// (a later module) saves and restores it.
//
// Engine thread only.
#pragma once

#include "daemon/state/agent_table.h"
#include "daemon/state/contact_table.h"
#include "daemon/state/ingest_stats.h"
#include "daemon/state/queue_registry.h"
#include "daemon/state/source_registry.h"

namespace ccmon::state {

struct Model {
  explicit Model(QueueRegistryOptions queue_options, std::size_t max_agents = 20'000,
                 std::size_t max_sources = 256)
      : queues(std::move(queue_options)), sources(max_sources), agents(max_agents) {}

  QueueRegistry queues;
  SourceRegistry sources;
  ContactTable contacts;
  AgentTable agents;
  IngestStats ingest;
};

}  // namespace ccmon::state
