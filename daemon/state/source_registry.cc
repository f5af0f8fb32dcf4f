#include "daemon/state/source_registry.h"

namespace ccmon::state {

SourceId SourceRegistry::Resolve(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  if (sources_.size() >= max_sources_) return kNoSource;
  const auto id = static_cast<SourceId>(sources_.size());
  sources_.emplace_back().name.assign(name);
  ids_.emplace(std::string(name), id);
  return id;
}

}  // namespace ccmon::state
